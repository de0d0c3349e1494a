// The system the checker explores: two hosts running the real `step` over a small sequence
// space, a bounded user script each, two channels of a hostile network, a global tick, and
// host crashes. Time is kept relative to now (every deadline is "ticks from now"), so the state
// space is finite. Ghost fields record what properties need and never influence behaviour.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "network.hpp"
#include "step.hpp"

namespace synfin {

enum class UserAction : std::uint8_t { connect, listen, send, close, shutdown, abort, receive };

constexpr const char* name(UserAction a) {
    constexpr std::array<const char*, 7> names{"connect", "listen", "send", "close", "shutdown", "abort", "receive"};
    auto i = static_cast<std::size_t>(a);
    return i < names.size() ? names[i] : "?";
}

struct ScriptStep {
    UserAction action = UserAction::connect;
    std::uint8_t bytes = 0; // for send; for receive, the most it reads
    // A user call waits until connect() or accept() has returned (the TCB has left SYN-SENT,
    // SYN-RECEIVED and LISTEN), as an application's next call does; an eager one may come at
    // any moment, e.g. an application that gives up on a connect in progress.
    bool eager = false;
};

// Whether a user action may be taken with the TCB in state s, `unread` bytes waiting. A
// RECEIVE blocks, as read() does, until there are bytes, end of stream or no connection.
constexpr bool user_ready(const ScriptStep& st, State s, std::uint32_t unread = 0) {
    if (st.action == UserAction::connect || st.action == UserAction::listen) return s == State::closed;
    if (st.action == UserAction::receive && !st.eager && unread == 0 && s != State::closed && !remote_closed(s))
        return false;
    if (st.eager) return true;
    return s != State::syn_sent && s != State::syn_received && s != State::listen;
}

inline constexpr std::size_t max_script = 6;

// adversarial: any ISS, so reconnecting explores every offset against the old segments;
// counter: the first ISS plus the number of earlier incarnations (an ISS that barely moves);
// clock: RFC 6528's clock-driven ISS, modelled as having moved half the space since the last
// incarnation, beyond every sequence number that incarnation used (the scripts use only a few).
enum class IssPolicy : std::uint8_t { adversarial, counter, clock };

constexpr const char* name(IssPolicy p) {
    constexpr std::array<const char*, 3> names{"adversarial", "counter", "clock"};
    auto i = static_cast<std::size_t>(p);
    return i < names.size() ? names[i] : "?";
}

struct HostConfig {
    Profile profile{};
    std::array<ScriptStep, max_script> script{};
    std::uint8_t script_len = 0;
    bool may_crash = false;
    // true: the application reads every byte as it arrives; false: only its receive steps read,
    // so bytes may be left unread at CLOSE (RFC 9293 §3.6, SHLD-3).
    bool reads_all = true;
    // Its first step waits until the peer's user has opened (a server listening before its
    // clients connect), so that no SYN is sent, refused and retried before.
    bool after_peer_opens = false;
};

struct Config {
    std::string_view name = "custom";
    std::string_view summary = {};
    std::array<HostConfig, 2> host{};
    std::uint8_t msl = 2;             // ticks a segment may live in the network
    std::int8_t loss_budget = -1;     // -1: any segment may be lost at any time
    std::uint8_t dup_budget = 0;
    std::uint8_t crash_budget = 0;
    // Segments a full channel may drop once the loss budget is spent (a router's tail drop), so
    // that a bounded buffer loses what it cannot hold instead of stopping time (issue 16, finding 4;
    // docs/properties.md, "Bounds"). A drop counts as a loss: a run with one is not loss-free.
    std::uint8_t overflow_budget = 0;
    std::uint8_t capacity = 3;        // segments in flight per direction (1 to channel_capacity)
    // Each host's first ISS. It is a modelling choice, not a loss of generality: the <SEQ=0>
    // of an RST,ACK (§3.10.7.1) is a constant that rotation does not move, so other first ISS
    // values can behave differently (issue 16, finding 3; docs/properties.md).
    std::array<std::uint8_t, 2> first_iss{0, 4};
    // Whether a host's first ISS is any value instead (issue 16, finding 3).
    std::array<bool, 2> any_first_iss{false, false};
    // How each host picks every later ISS (RFC 9293 §3.4.1, RFC 6528): that of each later OPEN,
    // and that of each later attempt of one listener (a SYN taken after SYN-RECEIVED went back
    // to LISTEN gets a fresh ISS, MUST-8; `SegmentArrives::iss`).
    std::array<IssPolicy, 2> iss{IssPolicy::adversarial, IssPolicy::adversarial};
};

// Room for segments in flight per direction: Config::capacity of them, at most this many.
inline constexpr std::size_t channel_capacity = 4;

// The checker's packets carry no options, so the MSS a TCB uses is the RFC's default capped by
// its own (RFC 9293 §3.7.1) once a SYN has been processed.
constexpr std::uint16_t explored_mss(State s, const Profile& p) {
    if (s == State::closed || s == State::listen || s == State::syn_sent) return 536;
    return p.mss != 0 && p.mss < 536 ? p.mss : 536;
}

// A profile carried over to the checker's scale: time in ticks with MSL = msl_ticks (the
// resolution: 2 by default, refined by doubling), windows and segments of a few bytes, no
// options. Every duration is a multiple of unit = MSL/2 or of MSL, so doubling the resolution
// doubles every duration and keeps every order relation. Real ratios cannot all be kept (the real RTO
// is 1/120 MSL in RFC 9293, 1/30 in Linux, a tick is MSL/2), so what is kept is the order of
// each duration against the others a property depends on (docs/properties.md, "Order
// relations"), with the smallest values that keep it, since every tick a deadline may hold
// multiplies the state space:
// - TIME-WAIT and the FIN-WAIT-2 timeout are scaled exactly (2*MSL stays 2*MSL).
// - The RTO runs from unit to 2*unit, and the delayed ACK is unit (really 40 ms against an RTO
//   of 200 ms to 1 s: at the coarsest resolution both are one tick).
// - Retry limits stay finite or unbounded and are capped at max_retries; the caller picks a cap
//   at which the schedule outlasts the round trips the loss budget allows (retries_outlasting).
// - Keepalive starts after TIME-WAIT and the FIN-WAIT-2 timeout have ended (2 h against 4 min
//   and 60 s), probes at unit when the real interval is within a round trip (RFC 9293's 75 s
//   against 2*120 s) and just past a round trip when it is beyond one (Linux's 75 s against
//   2*30 s), and sends enough probes that the kill comes after a probe's round trip whenever
//   the real one does (9*75 s against 240 s and 60 s), so keepalive never kills a live peer
//   whose answer is merely slow.
constexpr Profile in_ticks(Profile p, int max_retries = 2, Duration msl_ticks = 2) {
    const Duration msl = msl_ticks < 2 ? 2 : msl_ticks;
    const Duration unit = msl / 2; // one tick at the coarsest resolution
    auto scale = [&](Duration d) -> Duration {
        if (d <= 0) return 0;
        Duration t = d * msl / p.msl;
        return t < 1 ? 1 : t;
    };
    auto cap = [&](int r) { return r == unbounded ? unbounded : (r < max_retries ? r : max_retries); };
    auto larger = [](Duration a, Duration b) { return a > b ? a : b; };
    Profile q = p;
    q.time_wait = scale(p.time_wait);
    q.fin_wait_2_timeout = scale(p.fin_wait_2_timeout);
    q.msl = msl;
    q.rto_initial = p.rto_initial > 0 ? unit : 0;
    q.rto_max = p.rto_initial > 0 ? 2 * unit : 0;
    q.rto_min = p.rto_min > 0 && p.rto_initial > 0 ? unit : 0;
    q.syn_retries = cap(p.syn_retries);
    // More SYN copies within the same give-up time add states and no order relation a property
    // depends on: the checker's SYN backoff doubles (retries are capped for the same reason).
    q.syn_linear_timeouts = 0;
    // A few milliseconds are less than a tick: the SYN an unacceptable ACK brings forward (F11)
    // goes at its RTO, as in the RFC.
    q.syn_resend_after_bad_ack = 0;
    // RFC 6298 §5.7's 3 s is below a round trip as the 1 s RTO is: the tick scale has no room
    // between them (the RTO is already a unit or two), and its TCBs pack without the flag.
    q.rto_after_syn_timeout = 0;
    // Linux's 500 ms between ACKs to invalid segments is far below a tick; scaled up to one it
    // would silence a host for a whole RTO. The checker's network already loses such ACKs.
    q.invalid_ack_ratelimit = 0;
    // An ACK of text held 40 ms waits less than the 200 ms RTO; held a tick, it would outlast the
    // RTO and draw retransmissions Linux never makes.
    q.interactive_delayed_ack = false;
    q.synack_retries = cap(p.synack_retries);
    q.data_retries = cap(p.data_retries);
    q.delayed_ack = p.delayed_ack > 0 ? unit : 0;
    // The user timeout (§3.10.8) outlasts the answer to the first send (MSL out, the peer's
    // delayed ACK, MSL back), as five minutes outlast 2*MSL: it ends only a connection whose
    // data the network has lost or whose peer has gone.
    q.user_timeout = p.user_timeout > 0 ? larger(scale(p.user_timeout), 2 * msl + q.delayed_ack + unit) : 0;

    // A probe (<SEQ=SND.NXT-1>) is answered at once (§3.10.7.4 first), so its round trip is
    // 2*MSL: out within MSL, back within MSL (§3.4.1).
    const Duration real_round_trip = 2 * p.msl, round_trip = 2 * msl;
    const Duration real_closing = larger(larger(2 * p.msl, p.time_wait), p.fin_wait_2_timeout);
    const Duration closing = larger(larger(2 * msl, q.time_wait), q.fin_wait_2_timeout);
    q.keepalive_time = p.keepalive_time <= 0 || p.keepalive_time > real_closing ? closing + unit
                                                                                  : scale(p.keepalive_time);
    q.keepalive_intvl = p.keepalive_intvl > real_round_trip ? round_trip + unit : unit;
    const int real_probes = p.keepalive_probes < 1 ? 1 : p.keepalive_probes;
    const int within = static_cast<int>(round_trip / q.keepalive_intvl); // probes that fit in a round trip
    const bool real_kill_outlasts = real_probes * p.keepalive_intvl > real_round_trip;
    q.keepalive_probes = real_kill_outlasts ? within + 1 : (real_probes < within ? real_probes : within);
    if (q.keepalive_probes < 1) q.keepalive_probes = 1;

    q.mss = 2;
    q.wscale = no_wscale;
    q.sack = false;
    q.timestamps = false;
    q.syn_window = 2;
    q.rcv_wnd = 2;
    return q;
}

// The order relations of a profile in ticks, for the caller that picks the retry cap and for
// the tests that check in_ticks. Sends are numbered from 0 (the first transmission); a
// synchronized schedule starts from rto_min where the profile has one (Linux, conformance F2).
constexpr Duration retry_send_time(const Profile& q, int k, bool synchronized) {
    Duration r = synchronized && q.rto_min > 0 ? q.rto_min : q.rto_initial, t = 0;
    for (int i = 0; i < k; ++i, r = r * 2 < q.rto_max ? r * 2 : q.rto_max) t += r;
    return t;
}

// The tick at which a schedule of `retries` retransmissions gives up: one RTO after the last.
constexpr Duration retry_give_up_time(const Profile& q, int retries, bool synchronized) {
    return retry_send_time(q, retries + 1, synchronized);
}

// The latest an answer to a send can come back: MSL out, the peer's delayed ACK, MSL back.
constexpr Duration answer_delay(const Profile& q) { return 2 * q.msl + q.delayed_ack; }

// The fewest retransmissions after which a schedule gives up strictly after the answer to the
// (loss+1)-th send can arrive: with `loss` segments lost, one of the first loss+1 sends is
// answered. A timer and a delivery due at the same tick happen in either order, so "at the
// same tick" is a race that the model would lose, and does not count.
constexpr int retries_outlasting(const Profile& q, int loss) {
    if (q.rto_initial <= 0) return 0; // nothing is retransmitted: no schedule to outlast
    int r = 0;
    for (bool sync : {false, true})
        while (r < 64 && retry_give_up_time(q, r, sync) <= retry_send_time(q, loss, sync) + answer_delay(q)) ++r;
    return r;
}

template <unsigned Bits>
struct Host {
    using S = Seq<Bits>;
    Tcb<S> tcb{};
    std::uint8_t pc = 0;         // next script step
    std::uint8_t opens = 0;      // incarnations started by this host's user (connect or listen)
    std::uint8_t reissues = 0;   // later attempts of its listeners, modulo the sequence space
    bool listen_used = false;    // this LISTEN's ISS has served an attempt: the next SYN needs another
    std::uint8_t conn = 0;       // ghost: incarnation of the connection the TCB is part of (0: none)
    std::uint8_t sent = 0;       // ghost: bytes the user handed to SEND in this connection
    std::uint8_t delivered = 0;  // ghost: bytes delivered to the user in this connection
    bool crashed = false;
    bool closed_established = false; // ghost: the user called CLOSE in ESTABLISHED
    bool saw_error = false;          // ghost: the user was told reset, refused or timed out
    bool discarded = false;          // ghost: received bytes were thrown away unread (its user closed)

    friend constexpr bool operator==(const Host&, const Host&) = default;
};

// Violations that happen on a transition rather than in a state are latched into the state.
enum Violation : std::uint8_t {
    stale_acceptance = 1u << 0,
    out_of_order = 1u << 1,
    gave_up = 1u << 2, // a timer told a user its connection timed out, nothing lost (no_spurious_timeout)
};
inline constexpr unsigned violation_bits = 3; // the bits above, as the packer stores them

template <unsigned Bits>
struct SystemState {
    std::array<Host<Bits>, 2> host{};
    std::array<Channel<channel_capacity>, 2> channel{}; // channel[i]: from host i to host 1-i
    std::int8_t loss_left = -1;
    std::uint8_t dup_left = 0;
    std::uint8_t crash_left = 0;
    std::uint8_t overflow_left = 0;
    std::uint8_t violations = 0;
    std::uint8_t next_conn = 1; // ghost: the next connection incarnation number

    friend constexpr bool operator==(const SystemState&, const SystemState&) = default;
};

enum class ActionKind : std::uint8_t { user, deliver, lose, duplicate, timeout, tick, crash };

constexpr const char* name(ActionKind k) {
    constexpr std::array<const char*, 7> names{"user", "deliver", "lose", "duplicate", "timeout", "tick", "crash"};
    auto i = static_cast<std::size_t>(k);
    return i < names.size() ? names[i] : "?";
}

// A transition label: enough to replay the transition deterministically.
struct Action {
    ActionKind kind = ActionKind::tick;
    std::uint8_t host = 0;   // the acting host, or the sender of the packet
    std::uint8_t arg = 0;    // packet index in the (sorted) channel, timer, or ISS for connect/listen

    friend constexpr bool operator==(const Action&, const Action&) = default;
    [[nodiscard]] constexpr std::uint16_t code() const {
        return static_cast<std::uint16_t>((static_cast<unsigned>(kind) << 12) | (host << 8) | arg);
    }
    static constexpr Action from_code(std::uint16_t c) {
        return Action{static_cast<ActionKind>(c >> 12), static_cast<std::uint8_t>((c >> 8) & 0xf),
                      static_cast<std::uint8_t>(c & 0xff)};
    }
};

// A delivery to a listener whose ISS an earlier attempt used carries the fresh ISS it offers
// when that ISS is a free choice (IssPolicy::adversarial): arg = index + channel_capacity*(ISS+1).
constexpr std::uint8_t packet_index(Action a) {
    return a.kind == ActionKind::deliver ? static_cast<std::uint8_t>(a.arg % channel_capacity) : a.arg;
}
constexpr int chosen_iss(Action a) {
    return a.kind == ActionKind::deliver && a.arg >= channel_capacity ? a.arg / channel_capacity - 1 : -1;
}
constexpr Action delivery(std::uint8_t from, std::uint8_t index, int iss = -1) {
    return Action{ActionKind::deliver, from,
                  static_cast<std::uint8_t>(index + (iss < 0 ? 0 : channel_capacity * static_cast<unsigned>(iss + 1)))};
}

// What a transition did, for traces and properties.
template <unsigned Bits>
struct Outcome {
    std::array<Segment<Seq<Bits>>, 2 * max_segments_per_step> sent{};
    std::uint8_t sent_count = 0;
    std::uint8_t dropped_full = 0;  // segments the full channel could not take
    std::uint8_t merged = 0;        // of them, copies of a segment in flight kept at the sender
    bool blocked = false;           // a full channel and no loss budget: not a transition
    Packet packet{};                // the packet delivered, lost or duplicated
};

template <unsigned Bits>
class System {
public:
    using S = Seq<Bits>;
    using State = SystemState<Bits>;
    static constexpr unsigned seq_bits = Bits;
    static_assert(windows_fit<S>(in_ticks(profiles::rfc9293(), 2, 2)), "in_ticks's windows must fit the space");

    constexpr explicit System(const Config& c) : cfg_(c) {}

    [[nodiscard]] constexpr const Config& config() const { return cfg_; }

    [[nodiscard]] constexpr State initial() const {
        State s;
        s.loss_left = cfg_.loss_budget;
        s.dup_left = cfg_.dup_budget;
        s.crash_left = cfg_.crash_budget;
        s.overflow_left = cfg_.overflow_budget;
        return s;
    }

    // A run that has lost, dropped and crashed nothing so far (no_spurious_timeout judges only those).
    [[nodiscard]] constexpr bool loss_free(const State& s) const {
        return cfg_.loss_budget >= 0 && s.loss_left == cfg_.loss_budget && s.crash_left == cfg_.crash_budget &&
               s.overflow_left == cfg_.overflow_budget;
    }

    [[nodiscard]] constexpr bool script_done(const State& s, int h) const {
        return s.host[h].crashed || s.host[h].pc >= cfg_.host[h].script_len;
    }

    [[nodiscard]] static constexpr bool any_due(const State& s) {
        for (const auto& h : s.host)
            for (Time d : h.tcb.deadline)
                if (d != never && d <= 0) return true;
        return false;
    }

    // Calls f(action) for every enabled transition, in a fixed order.
    template <class F>
    constexpr void for_each_action(const State& s, F&& f) const {
        for (std::uint8_t h = 0; h < 2; ++h) {
            const auto& x = s.host[h];
            if (user_enabled(s, h)) {
                auto a = cfg_.host[h].script[x.pc].action;
                bool opens = a == UserAction::connect || a == UserAction::listen;
                if (opens) {
                    for_each_iss(h, x, [&](unsigned iss) { f(Action{ActionKind::user, h, static_cast<std::uint8_t>(iss)}); });
                } else {
                    f(Action{ActionKind::user, h, 0});
                }
            }
            for (std::size_t t = 0; t < timer_count; ++t) {
                Time d = x.tcb.deadline[t];
                if (d != never && d <= 0) f(Action{ActionKind::timeout, h, static_cast<std::uint8_t>(t)});
            }
            if (!x.crashed && cfg_.host[h].may_crash && s.crash_left > 0)
                f(Action{ActionKind::crash, h, 0});
        }
        for (std::uint8_t c = 0; c < 2; ++c) {
            const auto& ch = s.channel[c];
            for (std::uint8_t i = 0; i < ch.count; ++i) {
                if (i > 0 && ch[i] == ch[i - 1]) continue; // identical copies: one choice
                if (offers_iss(s, static_cast<std::uint8_t>(1 - c), ch[i]) &&
                    cfg_.iss[1 - c] == IssPolicy::adversarial) {
                    for (unsigned iss = 0; iss <= S::mask; ++iss) f(delivery(c, i, static_cast<int>(iss)));
                } else {
                    f(delivery(c, i));
                }
                if (s.loss_left != 0) f(Action{ActionKind::lose, c, i});
                if (s.dup_left > 0 && ch.count < cfg_.capacity) f(Action{ActionKind::duplicate, c, i});
            }
        }
        if (tick_enabled(s)) f(Action{ActionKind::tick, 0, 0});
    }

    // Time passes only when no timer is due (timers fire on time) and when the segments that
    // would outlive MSL fit in the loss budget (a segment not delivered within MSL is lost).
    [[nodiscard]] constexpr bool tick_enabled(const State& s) const {
        if (any_due(s)) return false;
        return s.loss_left < 0 || dying(s) <= static_cast<unsigned>(s.loss_left);
    }

    [[nodiscard]] constexpr unsigned dying(const State& s) const {
        unsigned n = 0;
        for (const auto& ch : s.channel)
            for (std::size_t i = 0; i < ch.count; ++i)
                if (dies_at_next_tick(ch[i].age, cfg_.msl)) ++n;
        return n;
    }

    // Whether host h's next user action is enabled (for weak fairness of the users).
    [[nodiscard]] constexpr bool user_enabled(const State& s, int h) const {
        const auto& x = s.host[h];
        if (x.crashed || x.pc >= cfg_.host[h].script_len) return false;
        if (x.pc == 0 && cfg_.host[h].after_peer_opens && s.host[1 - h].opens == 0) return false;
        return user_ready(cfg_.host[h].script[x.pc], x.tcb.state, x.tcb.unread);
    }

    // A dead end: some transition is enabled, but a full channel with no loss budget refuses
    // every one, so not even time can pass (docs/properties.md, "Bounds").
    [[nodiscard]] constexpr bool dead_end(const State& s) const {
        bool any = false, refused = true;
        for_each_action(s, [&](Action a) {
            any = true;
            Outcome<Bits> o;
            (void)apply(s, a, &o);
            refused = refused && o.blocked;
        });
        return any && refused;
    }

    // Applies an enabled action. Deterministic: the same state and action give the same result.
    constexpr State apply(const State& s0, Action a, Outcome<Bits>* out = nullptr) const {
        State s = s0;
        Outcome<Bits> local;
        Outcome<Bits>& o = out ? *out : local;
        switch (a.kind) {
        case ActionKind::user: user(s, a.host, a.arg, o); break;
        case ActionKind::deliver: {
            Packet p = s.channel[a.host].remove(packet_index(a));
            o.packet = p;
            const auto to = static_cast<std::uint8_t>(1 - a.host);
            std::optional<S> iss;
            if (offers_iss(s, to, p))
                iss = S(cfg_.iss[to] == IssPolicy::adversarial ? static_cast<unsigned>(chosen_iss(a))
                                                                : next_iss(to, s.host[to], true));
            deliver(s, to, p, o, iss);
            break;
        }
        case ActionKind::lose:
            o.packet = s.channel[a.host].remove(a.arg);
            if (s.loss_left > 0) --s.loss_left;
            break;
        case ActionKind::duplicate:
            o.packet = s.channel[a.host][a.arg];
            s.channel[a.host].insert(o.packet);
            --s.dup_left;
            break;
        case ActionKind::timeout: {
            auto& x = s.host[a.host];
            auto r = step(x.tcb, Timeout{static_cast<Timer>(a.arg)}, 0, cfg_.host[a.host].profile);
            // Latched only in a run that has lost nothing and crashed nothing (the states of every
            // other run stay as they were). Linux's FIN-WAIT-2 timeout ends an orphan whose user
            // has gone: it judges no peer.
            if (r.effects.has(Notice::timed_out) && static_cast<Timer>(a.arg) != Timer::fin_wait_2 && loss_free(s))
                s.violations |= gave_up;
            after_step(s, a.host, r, o);
            break;
        }
        case ActionKind::tick:
            if (s.loss_left > 0) s.loss_left = static_cast<std::int8_t>(s.loss_left - static_cast<int>(dying(s)));
            tick(s);
            break;
        case ActionKind::crash: {
            auto& x = s.host[a.host];
            x.tcb = Tcb<S>{};
            x.crashed = true;
            x.conn = 0;
            --s.crash_left;
            break;
        }
        }
        return s;
    }

    // Whether delivering p to host h offers a fresh ISS: h listens with an ISS that an earlier
    // attempt used, and p is a SYN it may take (§3.10.7.2 third).
    [[nodiscard]] static constexpr bool offers_iss(const State& s, std::uint8_t h, const Packet& p) {
        const Flags f(p.flags);
        return s.host[h].tcb.state == synfin::State::listen && s.host[h].listen_used && f.syn() && !f.ack() && !f.rst();
    }

private:
    Config cfg_;

    // The ISS of a host's next incarnation (an OPEN) or of a later attempt of its listener, when
    // its policy decides it. counter: the first ISS plus the number of ISS chosen before. clock:
    // half a turn for each earlier incarnation, beyond every number it used, plus one for each
    // earlier attempt (the clock has moved a little since then, and the failed attempt used
    // its ISS only; a full turn per choice would bring the third choice back to the first).
    [[nodiscard]] constexpr unsigned next_iss(int h, const Host<Bits>& x, bool attempt = false) const {
        const unsigned first = cfg_.first_iss[h];
        if (cfg_.iss[h] == IssPolicy::clock) {
            const unsigned turns = attempt ? x.opens - 1u : x.opens;
            return (first + turns * S::half + x.reissues + (attempt ? 1u : 0u)) & S::mask;
        }
        return (first + x.opens + x.reissues) & S::mask;
    }

    template <class F>
    constexpr void for_each_iss(int h, const Host<Bits>& x, F&& f) const {
        const bool any = x.opens == 0 ? cfg_.any_first_iss[h] : cfg_.iss[h] == IssPolicy::adversarial;
        if (any) {
            for (unsigned iss = 0; iss <= S::mask; ++iss) f(iss);
        } else {
            f(x.opens == 0 ? cfg_.first_iss[h] & S::mask : next_iss(h, x));
        }
    }

    [[nodiscard]] constexpr std::uint16_t wnd(int h) const {
        return static_cast<std::uint16_t>(cfg_.host[h].profile.rcv_wnd);
    }

    constexpr void user(State& s, std::uint8_t h, std::uint8_t arg, Outcome<Bits>& o) const {
        auto& x = s.host[h];
        const Profile& p = cfg_.host[h].profile;
        ScriptStep st = cfg_.host[h].script[x.pc++];
        StepResult<S> r{};
        switch (st.action) {
        case UserAction::connect:
            ++x.opens;
            x.listen_used = false;
            r = step(x.tcb, Open<S>{false, S(arg), 0}, 0, p);
            x.conn = s.next_conn++; // an active open starts a new connection incarnation
            x.sent = x.delivered = 0;
            x.saw_error = x.closed_established = x.discarded = false;
            break;
        case UserAction::listen:
            ++x.opens;
            x.listen_used = false;
            r = step(x.tcb, Open<S>{true, S(arg), 0}, 0, p);
            x.conn = 0; // joins the incarnation of the SYN it accepts
            break;
        case UserAction::send:
            r = step(x.tcb, Send{st.bytes}, 0, p);
            if (r.effects.error == UserError::ok) x.sent = static_cast<std::uint8_t>(x.sent + st.bytes);
            break;
        case UserAction::close:
        case UserAction::shutdown:
            if (x.tcb.state == synfin::State::established) x.closed_established = true;
            // A full CLOSE loses the bytes still unread. In TIME-WAIT both FINs are acknowledged:
            // the peer's release is already orderly, and no RST is sent (§3.10.4).
            if (st.action == UserAction::close && x.tcb.unread > 0 && x.tcb.state != synfin::State::time_wait)
                x.discarded = true;
            r = step(x.tcb, Close{st.action == UserAction::close}, 0, p);
            break;
        case UserAction::abort: r = step(x.tcb, Abort{}, 0, p); break;
        case UserAction::receive: r = step(x.tcb, Receive{st.bytes}, 0, p); break;
        }
        after_step(s, h, r, o);
    }

    constexpr void deliver(State& s, std::uint8_t h, const Packet& pk, Outcome<Bits>& o, std::optional<S> iss) const {
        auto& x = s.host[h];
        const Profile& p = cfg_.host[h].profile;
        const auto before = x.tcb;
        const std::uint8_t conn_before = x.conn;
        auto seg = to_segment<Bits>(pk, wnd(1 - h));
        auto r = step(x.tcb, SegmentArrives<S>{seg, iss}, 0, p);
        // Bytes that reach a host whose user has fully closed have no reader: taken or refused
        // with RST (RFC 9293 §3.6, SHLD-3), they are lost.
        if (before.orphan && seg.len > 0 && (r.tcb.unread > before.unread || r.tcb.reason == CloseReason::aborted))
            x.discarded = true;
        if (before.state == synfin::State::listen && r.tcb.state != synfin::State::listen) {
            if (x.listen_used && cfg_.iss[h] != IssPolicy::adversarial)
                x.reissues = static_cast<std::uint8_t>((x.reissues + 1) & S::mask);
            x.listen_used = true;
        }

        // Ghost: in a simultaneous open (§3.10.7.3 fifth) the SYN of the peer's current attempt
        // makes the two attempts one connection, so this host takes the peer's incarnation,
        // and so do its segments still in flight.
        if (before.state == synfin::State::syn_sent && r.tcb.state == synfin::State::syn_received &&
            pk.inc != 0 && pk.inc != conn_before && s.host[1 - h].conn == pk.inc) {
            s.channel[h].relabel(conn_before, pk.inc);
            x.conn = pk.inc;
        }

        // Ghost: a host in LISTEN (or reopening from TIME-WAIT) joins the SYN's incarnation.
        bool joined = (before.state == synfin::State::listen && r.tcb.state != synfin::State::listen &&
                       r.tcb.state != synfin::State::closed) ||
                      (before.state == synfin::State::time_wait && r.tcb.state == synfin::State::syn_received);
        if (joined) {
            x.conn = pk.inc;
            x.sent = x.delivered = 0;
            x.saw_error = x.closed_established = x.discarded = false;
        }

        // no_stale_acceptance: a segment of an earlier connection incarnation must not move a
        // host that holds a later one (advance RCV.NXT or change its state).
        bool holds = x.conn == conn_before && conn_before != 0 && before.state != synfin::State::listen;
        bool moved = r.tcb.rcv_nxt != before.rcv_nxt || r.tcb.state != before.state;
        if (holds && pk.inc != 0 && pk.inc < conn_before && moved) s.violations |= stale_acceptance;

        // in_order_exactly_once: accepted payload must be the next bytes of this connection's stream.
        if (holds && synchronized(before.state) && synchronized(r.tcb.state) && !joined) {
            std::uint32_t advanced = r.tcb.rcv_nxt - before.rcv_nxt;
            bool fin_taken = remote_closed(r.tcb.state) && !remote_closed(before.state);
            std::uint32_t data = advanced - (fin_taken ? 1u : 0u);
            if (data > 0 && data < S::half) {
                // The packet must carry the stream bytes the receiver takes: [delivered, +data).
                bool right = pk.inc == conn_before && pk.off <= x.delivered && pk.off + pk.len >= x.delivered + data;
                if (!right) s.violations |= out_of_order;
                else x.delivered = static_cast<std::uint8_t>(x.delivered + data);
            }
            // Complete, too: a FIN taken means every byte its sender sent before it was delivered.
            if (fin_taken && pk.inc == conn_before &&
                ((x.delivered ^ (pk.off + pk.len)) & S::mask) != 0)
                s.violations |= out_of_order;
        }
        // A host without a connection answers for the segment's own incarnation (an RST for
        // a SYN it cannot take belongs to the connection that SYN is trying to open).
        bool answering = before.state == synfin::State::closed || before.state == synfin::State::listen;
        after_step(s, h, r, o, answering && !joined ? pk.inc : x.conn);
    }

    constexpr void after_step(State& s, std::uint8_t h, const StepResult<S>& r, Outcome<Bits>& o) const {
        after_step(s, h, r, o, s.host[h].conn);
    }

    constexpr void after_step(State& s, std::uint8_t h, const StepResult<S>& r, Outcome<Bits>& o,
                              std::uint8_t inc) const {
        auto& x = s.host[h];
        const auto& fx = r.effects;
        if (fx.has(Notice::reset) || fx.has(Notice::refused) || fx.has(Notice::timed_out)) x.saw_error = true;
        for (const auto& seg : fx) {
            std::uint8_t off = 0;
            if (seg.len > 0 || seg.flags.fin()) off = static_cast<std::uint8_t>((seg.seq - (r.tcb.iss + 1)) & S::mask);
            Packet pk = to_packet<Bits>(seg, inc, off);
            if (o.sent_count < o.sent.size()) o.sent[o.sent_count++] = seg;
            if (s.channel[h].count >= cfg_.capacity || !s.channel[h].insert(pk)) {
                // A full channel loses the segment, which spends loss budget. With none left, a
                // copy of a segment still in flight stays at its sender (as Linux's retransmission
                // that the queue refuses waits for the next timeout): the copy in flight must be
                // delivered, so only a second delivery of it is left out, which the duplication
                // budget explores. Then the overflow budget drops it. Anything else cannot happen:
                // the explorer skips it, and a state where every transition is skipped is a dead
                // end ("holds" is then unknown).
                ++o.dropped_full;
                if (s.loss_left > 0) --s.loss_left;
                else if (s.loss_left == 0 && s.channel[h].holds_copy(pk)) ++o.merged;
                else if (s.loss_left == 0 && s.overflow_left > 0) --s.overflow_left;
                else if (s.loss_left == 0) o.blocked = true;
            }
        }
        x.tcb = canonical(r.tcb, h);
        if (x.tcb.state == synfin::State::listen && x.listen_used) x.tcb.iss = S{}; // the next SYN brings one
        // An application that reads everything at once, or has closed, leaves nothing unread.
        if (x.tcb.unread > 0 && (cfg_.host[h].reads_all || x.tcb.orphan)) x.tcb.unread = 0;
        if (x.tcb.state == synfin::State::closed) x.conn = x.crashed ? 0 : x.conn;
    }

    // Fields that cannot change behaviour in the explored configurations are zeroed, so that
    // states differing only in them are one state: window edges (windows are constant here),
    // and everything a CLOSED or LISTEN TCB keeps but never reads again.
    constexpr Tcb<S> canonical(Tcb<S> t, int h) const {
        t.snd_wl1 = S{};
        t.snd_mss = explored_mss(t.state, cfg_.host[h].profile);
        if (t.retries > retry_cap(h)) t.retries = retry_cap(h); // beyond every limit, more are alike
        t.snd_wl2 = S{};
        t.ts_recent = 0;
        if (t.state == synfin::State::closed) {
            Tcb<S> c{};
            c.reason = t.reason;
            return c;
        }
        if (t.state == synfin::State::listen) {
            Tcb<S> c{};
            c.state = synfin::State::listen;
            c.iss = t.iss;
            c.rcv_wnd = t.rcv_wnd;
            return c;
        }
        return t;
    }

    // The retry count past which behaviour no longer changes: every bounded limit and the
    // backoff's ceiling are below it.
    [[nodiscard]] constexpr std::uint8_t retry_cap(int h) const {
        const Profile& p = cfg_.host[h].profile;
        int cap = 0;
        for (int lim : {p.syn_retries, p.synack_retries, p.data_retries})
            if (lim > cap) cap = lim;
        Duration r = p.rto_initial;
        int doublings = 0;
        while (r < p.rto_max && doublings < 16) { r *= 2; ++doublings; }
        if (doublings > cap) cap = doublings;
        return static_cast<std::uint8_t>(cap + 1);
    }

    constexpr void tick(State& s) const {
        for (auto& ch : s.channel) ch.age(cfg_.msl);
        for (auto& h : s.host)
            for (Time& d : h.tcb.deadline)
                if (d != never) --d;
    }
};

} // namespace synfin
