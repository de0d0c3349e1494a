// What a verdict assumes beside its configuration's bounds (issue 16, "Every verdict carries its
// evidence"), as `synfin check` reports it per cell in its table and JSON.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <synfin/properties.hpp>
#include <synfin/timer_order.hpp>

namespace synfin::suite {

// The fairness a liveness verdict is checked under, how each host picks its ISS, and the order
// relations between durations the property rests on, with those the configuration breaks.
struct Assumptions {
    std::string fairness;
    std::array<std::string, 2> iss;
    OrderRelations relies_on = 0;
    OrderRelations broken = 0;
};

inline std::string iss_assumption(const Config& c, int h) {
    std::string first = c.any_first_iss[h] ? "every first ISS" : "first ISS " + std::to_string(c.first_iss[h]);
    switch (c.iss[h]) {
    case IssPolicy::clock: return first + ", then the RFC 6528 clock (beyond every number the last incarnation used)";
    case IssPolicy::counter: return first + ", then one above the last";
    default: return first + ", then any value";
    }
}

inline Assumptions assumptions_of(const Config& c, PropertyKind kind, OrderRelations relies_on) {
    Assumptions a;
    a.fairness = kind == PropertyKind::liveness
                     ? "weak fairness of time and of the users; none of the network, which may lose anything within its budget"
                     : "none: every reachable state";
    for (int h = 0; h < 2; ++h) a.iss[h] = iss_assumption(c, h);
    a.relies_on = relies_on;
    a.broken = broken_order_relations(c, relies_on);
    return a;
}

// The ids of a set of relations ("R2", "R3"), in catalogue order.
inline std::vector<std::string_view> relation_ids(OrderRelations set) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < order_relation_catalogue.size(); ++i)
        if (set & relation_bit(static_cast<OrderRelation>(i))) out.push_back(order_relation_catalogue[i].id);
    return out;
}

// "R2, R3"
inline std::string relation_list(OrderRelations set) {
    std::string out;
    for (auto id : relation_ids(set)) out += (out.empty() ? "" : ", ") + std::string(id);
    return out;
}

} // namespace synfin::suite
