// The order relations between durations that the checker's verdicts rest on (docs/properties.md,
// "Order relations"), evaluated on a configuration in ticks. Time in the model is coarse, so a
// verdict says something about real stacks only where the durations it depends on are ordered
// as the real ones are (issue 16, finding 5). `in_ticks` keeps these relations for the built-in
// profiles; a model file may change any knob, so each cell reports the ones it breaks.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "system.hpp"

namespace synfin {

enum class OrderRelation : std::uint8_t {
    round_trip,              // R1
    retries_outlast,         // R2
    time_wait,               // R3
    keepalive_after_closing, // R4
    keepalive_interval,      // R5
    kill_after_probe,        // R6
};

struct OrderRelationInfo {
    std::string_view id;
    std::string_view statement;
};

inline constexpr std::array<OrderRelationInfo, 6> order_relation_catalogue{{
    {"R1", "a segment arrives within MSL of being sent, so an answer is back within 2*MSL plus the peer's delayed ACK"},
    {"R2", "every finite retry schedule, and the user timeout, gives up strictly after the answer to each of its "
           "first loss+1 sends can be back"},
    {"R3", "TIME-WAIT lasts at least 2*MSL"},
    {"R4", "keepalive starts strictly after 2*MSL, TIME-WAIT and the FIN-WAIT-2 timeout"},
    {"R5", "the keepalive interval is not a probe's round trip (2*MSL): a tie would be a race"},
    {"R6", "keepalive kills strictly after the first probe's answer can be back"},
}};

// A set of relations: bit i stands for order_relation_catalogue[i].
using OrderRelations = std::uint8_t;

constexpr OrderRelations relation_bit(OrderRelation r) {
    return static_cast<OrderRelations>(1u << static_cast<unsigned>(r));
}

inline constexpr OrderRelations all_order_relations = (1u << order_relation_catalogue.size()) - 1;

namespace detail {

// R2 for one host: with `loss` segments lost, one of the first loss+1 sends is answered, and
// the answer comes through the peer's delayed ACK. Unbounded loss (-1) is held to loss 0: no
// finite schedule outlasts any number of losses, and the first send's answer is the least a
// schedule must wait for.
constexpr bool retries_outlast(const Config& c, int h) {
    const Profile& q = c.host[h].profile;
    const Duration answer = 2 * Duration{c.msl} + c.host[1 - h].profile.delayed_ack;
    if (q.user_timeout > 0 && q.user_timeout <= answer) return false;
    if (q.rto_initial <= 0) return true; // nothing is retransmitted, so no schedule gives up
    const int loss = c.loss_budget < 0 ? 0 : c.loss_budget;
    for (bool synchronized : {false, true}) {
        for (int limit : {q.syn_retries, q.synack_retries, q.data_retries}) {
            if (limit == unbounded) continue;
            if (retry_give_up_time(q, limit, synchronized) <= retry_send_time(q, loss, synchronized) + answer) return false;
        }
    }
    return true;
}

constexpr bool holds_for(const Config& c, int h, OrderRelation r) {
    const Profile& q = c.host[h].profile;
    const Duration round_trip = 2 * Duration{c.msl};
    auto larger = [](Duration a, Duration b) { return a > b ? a : b; };
    switch (r) {
    case OrderRelation::round_trip: return true; // the network model delivers within MSL or loses
    case OrderRelation::retries_outlast: return retries_outlast(c, h);
    case OrderRelation::time_wait: return q.time_wait >= round_trip;
    case OrderRelation::keepalive_after_closing:
        return !q.keepalive || q.keepalive_time > larger(larger(round_trip, q.time_wait), q.fin_wait_2_timeout);
    case OrderRelation::keepalive_interval: return !q.keepalive || q.keepalive_intvl != round_trip;
    case OrderRelation::kill_after_probe:
        return !q.keepalive || Duration{q.keepalive_probes < 1 ? 1 : q.keepalive_probes} * q.keepalive_intvl > round_trip;
    }
    return false;
}

} // namespace detail

// The relations in `of` that some host of c breaks.
constexpr OrderRelations broken_order_relations(const Config& c, OrderRelations of = all_order_relations) {
    OrderRelations broken = 0;
    for (std::size_t i = 0; i < order_relation_catalogue.size(); ++i) {
        const auto r = static_cast<OrderRelation>(i);
        if (!(of & relation_bit(r))) continue;
        for (int h = 0; h < 2; ++h)
            if (!detail::holds_for(c, h, r)) broken |= relation_bit(r);
    }
    return broken;
}

} // namespace synfin
