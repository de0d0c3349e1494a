// synfin: a formal model of the TCP connection lifecycle. Include this, or the one header you need.
#pragma once

#include "seq.hpp"      // IWYU pragma: export
#include "segment.hpp"  // IWYU pragma: export
#include "state.hpp"    // IWYU pragma: export
#include "profile.hpp"  // IWYU pragma: export
#include "tcb.hpp"      // IWYU pragma: export
#include "step.hpp"     // IWYU pragma: export
