// synfin's core, for stack authors: sequence numbers, segments and their wire codec, profiles,
// the TCB and the pure `step`. Only the standard library; none of the checker (synfin/checker.hpp).
#pragma once

#include "seq.hpp"     // IWYU pragma: export
#include "segment.hpp" // IWYU pragma: export
#include "codec.hpp"   // IWYU pragma: export
#include "state.hpp"   // IWYU pragma: export
#include "profile.hpp" // IWYU pragma: export
#include "tcb.hpp"     // IWYU pragma: export
#include "step.hpp"    // IWYU pragma: export
