// synfin's checker: the system of two hosts and their network, its packing, the explorer, the
// properties and traces. It includes the core (synfin/core.hpp).
#pragma once

#include "core.hpp"       // IWYU pragma: export
#include "network.hpp"    // IWYU pragma: export
#include "system.hpp"     // IWYU pragma: export
#include "packing.hpp"    // IWYU pragma: export
#include "explorer.hpp"   // IWYU pragma: export
#include "timer_order.hpp" // IWYU pragma: export
#include "properties.hpp" // IWYU pragma: export
#include "trace.hpp"      // IWYU pragma: export
