// The lifecycle properties, stated over the checker's system (docs/properties.md states each
// precisely). Safety properties are state predicates; the liveness ones are "P leads to Q under
// weak fairness of time and of the users".
#pragma once

#include <initializer_list>
#include <string_view>

#include "explorer.hpp"
#include "timer_order.hpp"

namespace synfin {

enum class PropertyKind { safety, liveness };

struct PropertyInfo {
    std::string_view name;
    PropertyKind kind;
    std::string_view statement;
    // The order relations between durations the verdict rests on (docs/properties.md, "Order
    // relations"): a cell reports those its configuration breaks.
    OrderRelations relies_on = 0;
};

namespace detail {
constexpr OrderRelations relations(std::initializer_list<OrderRelation> rs) {
    OrderRelations set = 0;
    for (auto r : rs) set |= relation_bit(r);
    return set;
}
} // namespace detail

inline constexpr std::array<PropertyInfo, 9> property_catalogue{{
    {"no_half_open_leak", PropertyKind::liveness,
     "a host that holds a TCB outside CLOSED and LISTEN for a connection its peer does not hold (the "
     "peer is CLOSED, LISTEN, crashed, or in another incarnation) eventually releases it or the peer "
     "joins it: no half-open connection lasts forever",
     detail::relations(
         {OrderRelation::retries_outlast, OrderRelation::keepalive_interval, OrderRelation::kill_after_probe})},
    {"no_stale_acceptance", PropertyKind::safety,
     "no host holding connection incarnation k advances RCV.NXT or changes state because of a segment "
     "sent in an earlier incarnation",
     detail::relations({OrderRelation::round_trip, OrderRelation::time_wait})},
    {"simultaneous_close_converges", PropertyKind::liveness,
     "when both users CLOSE in ESTABLISHED, every run in which time passes ends with both hosts CLOSED "
     "and neither user told of a reset, a refusal or a timeout",
     detail::relations({OrderRelation::retries_outlast, OrderRelation::time_wait})},
    {"handshake_agreement", PropertyKind::safety,
     "whenever both hosts are ESTABLISHED they agree on the initial sequence numbers: each one's IRS "
     "is the other's ISS",
     0},
    {"no_deadlock", PropertyKind::safety,
     "no reachable state is stuck: a host holds an unfinished connection while no segment is in flight, "
     "no timer is armed and no user action remains",
     0},
    {"in_order_exactly_once", PropertyKind::safety,
     "every byte a host delivers to its user is the next byte of the stream its peer sent in the same "
     "incarnation, and a host takes its peer's FIN only once it has delivered every byte sent before it",
     0},
    {"no_livelock", PropertyKind::liveness,
     "once both users' scripts are done (or their hosts crashed), every run in which time passes ends with "
     "no host holding a connection, or with a connection at rest that the users left open (both "
     "ESTABLISHED, or FIN-WAIT-2 and CLOSE-WAIT, nothing unacknowledged): no retransmission or keepalive "
     "keeps an unfinished connection busy forever",
     0},
    {"no_spurious_timeout", PropertyKind::safety,
     "in a run in which no segment is lost and no host crashes, no host's user is told its connection "
     "timed out: no retry limit or keepalive gives up on a live peer whose answer is merely slow (needs "
     "a finite loss budget, so that a run without loss can be told apart)",
     detail::relations({OrderRelation::round_trip, OrderRelation::retries_outlast, OrderRelation::keepalive_after_closing,
                       OrderRelation::keepalive_interval, OrderRelation::kill_after_probe})},
    {"no_silent_data_loss", PropertyKind::safety,
     "when a host throws away bytes it received unread (its user closed before reading them, or they "
     "came after its CLOSE), its peer's connection does not end in an orderly release (TIME-WAIT, or "
     "CLOSED from LAST-ACK): the loss is signalled with RST (RFC 9293 section 3.6, SHLD-3)",
     0},
}};

constexpr const PropertyInfo* find_property(std::string_view name) {
    for (const auto& p : property_catalogue)
        if (p.name == name) return &p;
    return nullptr;
}

template <unsigned Bits>
struct Properties {
    using St = SystemState<Bits>;
    const System<Bits>& sys;

    static constexpr bool holds_tcb(const Host<Bits>& h) {
        return h.tcb.state != State::closed && h.tcb.state != State::listen;
    }

    // Host y holds a connection that its peer x does not hold (x is CLOSED, LISTEN, crashed, or
    // in another incarnation): a half-open connection, harmless only while it is transient.
    [[nodiscard]] static bool half_open(const St& s, int y) {
        const auto& h = s.host[y];
        const auto& peer = s.host[1 - y];
        if (!holds_tcb(h)) return false;
        return !holds_tcb(peer) || peer.crashed || peer.conn != h.conn;
    }

    [[nodiscard]] bool leak_premise(const St& s) const { return half_open(s, 0) || half_open(s, 1); }

    [[nodiscard]] static constexpr bool both_closed_from_established(const St& s) {
        return s.host[0].closed_established && s.host[1].closed_established;
    }

    [[nodiscard]] static constexpr bool converged(const St& s) {
        for (const auto& h : s.host)
            if (h.tcb.state != State::closed || h.saw_error) return false;
        return true;
    }

    [[nodiscard]] static constexpr bool disagree(const St& s) {
        const auto& a = s.host[0];
        const auto& b = s.host[1];
        if (a.tcb.state != State::established || b.tcb.state != State::established) return false;
        return a.tcb.irs != b.tcb.iss || b.tcb.irs != a.tcb.iss;
    }

    // Stuck: nothing can ever happen again but time passing, and that changes nothing, while a
    // host still holds a connection that is neither finished nor an idle established one.
    [[nodiscard]] bool stuck(const St& s) const {
        for (int h = 0; h < 2; ++h) {
            if (!sys.script_done(s, h)) return false;
            for (Time d : s.host[h].tcb.deadline)
                if (d != never) return false;
            if (!s.channel[h].empty()) return false;
        }
        auto idle_pair = s.host[0].tcb.state == State::established && s.host[1].tcb.state == State::established;
        if (idle_pair) return false;
        for (const auto& h : s.host)
            if (holds_tcb(h)) return true;
        return false;
    }

    // A connection at rest, left open by its users: one incarnation, nothing unacknowledged or
    // queued, and both hosts ESTABLISHED, or one in FIN-WAIT-2 while its peer's user has not
    // closed (CLOSE-WAIT waits for its user, §3.6). Keepalive may probe it forever.
    [[nodiscard]] static constexpr bool at_rest(const St& s) {
        const auto& a = s.host[0];
        const auto& b = s.host[1];
        if (a.crashed || b.crashed || a.conn != b.conn) return false;
        for (const auto& h : s.host) {
            const auto& t = h.tcb;
            if (t.in_flight() != 0 || t.send_queued != 0 || (t.fin_queued && !t.fin_sent)) return false;
        }
        auto pair = [&](State x, State y) {
            return (a.tcb.state == x && b.tcb.state == y) || (a.tcb.state == y && b.tcb.state == x);
        };
        return pair(State::established, State::established) || pair(State::fin_wait_2, State::close_wait);
    }

    // The users have nothing left to do, yet a host still holds a connection that is not at
    // rest: stuck() without "nothing armed, nothing in flight", which a livelock keeps busy.
    [[nodiscard]] bool unfinished(const St& s) const {
        if (!sys.script_done(s, 0) || !sys.script_done(s, 1)) return false;
        if (at_rest(s)) return false;
        return holds_tcb(s.host[0]) || holds_tcb(s.host[1]);
    }

    // A timeout in a run that has lost nothing and crashed nothing: a segment that outlives MSL
    // is counted as lost too (System::apply, tick), so the peer was alive and its answer on time.
    [[nodiscard]] bool spurious_timeout(const St& s) const { return (s.violations & gave_up) != 0 && sys.loss_free(s); }

    // The peer of a host that discarded bytes unread ends as if every byte had been taken.
    [[nodiscard]] static constexpr bool silent_loss(const St& s) {
        for (int y = 0; y < 2; ++y) {
            const auto& h = s.host[y];
            const auto& peer = s.host[1 - y];
            if (!h.discarded || peer.crashed || peer.conn == 0 || peer.conn != h.conn) continue;
            if (peer.tcb.state == State::time_wait) return true;
            if (peer.tcb.state == State::closed && peer.tcb.reason == CloseReason::closed_normally) return true;
        }
        return false;
    }

    // Why a property cannot be decided on this configuration (empty: it can).
    [[nodiscard]] std::string_view inapplicable(std::string_view name) const {
        if (name == "no_spurious_timeout" && sys.config().loss_budget < 0)
            return "unbounded loss: a run without loss cannot be told apart";
        return {};
    }

    [[nodiscard]] std::optional<Safety<Bits>> safety(std::string_view name) const {
        if (name == "no_spurious_timeout")
            return Safety<Bits>{std::string(name), [this](const St& s) { return spurious_timeout(s); }};
        if (name == "no_stale_acceptance")
            return Safety<Bits>{std::string(name), [](const St& s) { return (s.violations & stale_acceptance) != 0; }};
        if (name == "in_order_exactly_once")
            return Safety<Bits>{std::string(name), [](const St& s) { return (s.violations & out_of_order) != 0; }};
        if (name == "handshake_agreement")
            return Safety<Bits>{std::string(name), [](const St& s) { return disagree(s); }};
        if (name == "no_deadlock")
            return Safety<Bits>{std::string(name), [this](const St& s) { return stuck(s); }};
        if (name == "no_silent_data_loss")
            return Safety<Bits>{std::string(name), [](const St& s) { return silent_loss(s); }};
        return std::nullopt;
    }

    [[nodiscard]] std::optional<LeadsTo<Bits>> liveness(std::string_view name) const {
        if (name == "no_half_open_leak")
            return LeadsTo<Bits>{std::string(name), [this](const St& s) { return leak_premise(s); },
                                 [this](const St& s) { return !leak_premise(s); }};
        if (name == "simultaneous_close_converges")
            return LeadsTo<Bits>{std::string(name), [](const St& s) { return both_closed_from_established(s); },
                                 [](const St& s) { return converged(s); }};
        if (name == "no_livelock")
            return LeadsTo<Bits>{std::string(name), [this](const St& s) { return unfinished(s); },
                                 [this](const St& s) { return !unfinished(s); }};
        return std::nullopt;
    }
};

} // namespace synfin
