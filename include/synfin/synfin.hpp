// synfin: a formal model of the TCP connection lifecycle. Include this, or the one header you need.
// The raw-socket driver (synfin/driver/) is Linux-only and not included here.
#pragma once

// The endpoint model
#include "seq.hpp"        // IWYU pragma: export
#include "segment.hpp"    // IWYU pragma: export
#include "codec.hpp"      // IWYU pragma: export
#include "state.hpp"      // IWYU pragma: export
#include "profile.hpp"    // IWYU pragma: export
#include "tcb.hpp"        // IWYU pragma: export
#include "step.hpp"       // IWYU pragma: export

// The checker
#include "network.hpp"    // IWYU pragma: export
#include "system.hpp"     // IWYU pragma: export
#include "packing.hpp"    // IWYU pragma: export
#include "explorer.hpp"   // IWYU pragma: export
#include "properties.hpp" // IWYU pragma: export
#include "trace.hpp"      // IWYU pragma: export
