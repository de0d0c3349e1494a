// synfin: a formal model of the TCP connection lifecycle. Include this, or the part you need:
// synfin/core.hpp (step, codec, profiles: what a stack embeds) or synfin/checker.hpp (the
// explorer and its properties). The raw-socket driver (synfin/driver/) is Linux-only and not
// included here.
#pragma once

#include "core.hpp"    // IWYU pragma: export
#include "checker.hpp" // IWYU pragma: export
