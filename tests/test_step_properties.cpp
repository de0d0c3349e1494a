// Properties of step() (RapidCheck): from every reachable state -- each of the eleven of RFC
// 9293 §3.3.2, reached by chaining real steps -- and for any segment or any sequence of events,
// the TCB invariants hold and the endpoint only emits the segment kinds its state allows.
// Run at 32 bits with the rfc9293 and linux profiles, and at 3 bits (the exhaustive checker's
// sequence space) with the same profiles shrunk to a few bytes and ticks.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;

// The built-in profiles on the checker's scale: windows and MSS of two bytes, ticks for time,
// no options. Otherwise the same knobs (RFC 5961, Linux TIME-WAIT reopen, delayed ACK, ...).
Profile tiny(Profile p) {
    p.msl = 2;
    p.time_wait = p.time_wait > 0 ? 4 : 0;
    p.rto_initial = 1;
    p.rto_max = 2;
    p.syn_retries = 2;
    p.synack_retries = 2;
    p.data_retries = 2;
    p.fin_wait_2_timeout = p.fin_wait_2_timeout > 0 ? 3 : 0;
    p.delayed_ack = p.delayed_ack > 0 ? 1 : 0;
    p.keepalive_time = 2;
    p.keepalive_intvl = 1;
    p.keepalive_probes = 1;
    p.mss = 2;
    p.wscale = no_wscale;
    p.sack = false;
    p.timestamps = false;
    p.syn_window = 2;
    p.rcv_wnd = 2;
    return p;
}

Profile with_keepalive(Profile p) {
    p.keepalive = true;
    return p;
}

template <class S>
std::vector<Profile> profiles_for() {
    if constexpr (S::bits == 32) {
        Profile ka = with_keepalive(profiles::rfc9293());
        ka.name = "rfc9293+keepalive";
        ka.user_timeout = 100 * profiles::second;
        return {profiles::rfc9293(), profiles::linux_default(), ka};
    } else {
        Profile r = tiny(profiles::rfc9293());
        Profile l = tiny(profiles::linux_default());
        Profile ka = with_keepalive(tiny(profiles::linux_default()));
        ka.name = "linux+keepalive";
        ka.user_timeout = 5;
        return {r, l, ka};
    }
}

// ---- generators ---------------------------------------------------------------------------

// A choice uniform over [lo, hi) at every test size (gen::inRange alone favours small values in
// the early, small-sized tests, which would starve the later states and branches).
template <class T>
T uniform(T lo, T hi) {
    return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}
template <class S>
S any_number() {
    return S(*rc::gen::resize(100, rc::gen::arbitrary<std::uint32_t>()));
}

template <class S>
S near(S base, int lo, int hi) {
    auto d = uniform(lo, hi + 1);
    return base + static_cast<std::uint32_t>(d);
}

// Any segment, but with sequence and acknowledgment numbers near the ones the TCB expects as
// often as anywhere, so that every branch of §3.10.7 is reached.
template <class S>
Segment<S> any_segment_for(const Tcb<S>& t) {
    constexpr bool tiny_space = S::bits < 8;
    Segment<S> s;
    s.flags = Flags(static_cast<std::uint8_t>(uniform(0, 64)));
    switch (uniform(0, 5)) {
    case 0: s.seq = any_number<S>(); break;
    case 1: s.seq = t.irs; break;
    case 2: s.seq = near(t.rcv_nxt + t.rcv_wnd, -2, 2); break;
    default: s.seq = near(t.rcv_nxt, -3, 3); break;
    }
    switch (uniform(0, 5)) {
    case 0: s.ack = any_number<S>(); break;
    case 1: s.ack = near(t.snd_una, -2, 2); break;
    case 2: s.ack = t.iss; break;
    default: s.ack = near(t.snd_nxt, -2, 2); break;
    }
    switch (uniform(0, 4)) {
    case 0: s.len = 0; break;
    case 1: s.len = *rc::gen::arbitrary<std::uint32_t>() % 70000u; break;
    default: s.len = *rc::gen::inRange<std::uint32_t>(0, tiny_space ? 6u : 3000u); break;
    }
    s.wnd = *rc::gen::oneOf(rc::gen::arbitrary<std::uint16_t>(),
                            rc::gen::element(std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{65535}));
    if (uniform(0, 4) == 0) {
        s.opt.mss = *rc::gen::arbitrary<std::uint16_t>();
        s.opt.wscale = *rc::gen::oneOf(rc::gen::element(std::uint8_t{no_wscale}, std::uint8_t{0}, std::uint8_t{7}, std::uint8_t{14}, std::uint8_t{15}),
                                       rc::gen::arbitrary<std::uint8_t>());
        s.opt.sack_permitted = *rc::gen::arbitrary<bool>();
        s.opt.timestamps = *rc::gen::arbitrary<bool>();
        s.opt.ts_val = *rc::gen::arbitrary<std::uint32_t>();
    }
    return s;
}

// An endpoint in `target`, reached by real steps from arbitrary ISSs, after an arbitrary
// exchange of data, by close() or shutdown().
template <class S>
Endpoint<S> reach_any_way(State target, const Profile& p) {
    constexpr std::uint32_t max_data = S::bits < 8 ? 3u : 5000u;
    ReachOptions o;
    o.a_sends = uniform<std::uint32_t>(0, max_data);
    o.b_sends = uniform<std::uint32_t>(0, max_data);
    o.full_close = *rc::gen::arbitrary<bool>();
    auto e = reach<S>(target, p, any_number<S>(), any_number<S>(), o);
    RC_ASSERT(e.state() == target);
    return e;
}

// Run `body(endpoint)` as one property per profile and reachable state.
template <class S, class Body>
void for_each_reachable(const char* what, Body body) {
    for (const Profile& p : profiles_for<S>()) {
        for (State target : all_states) {
            rc::prop(std::string(what) + ", " + std::string(p.name) + ", " + std::string(name(target)),
                     [p, target, body] { body(reach_any_way<S>(target, p)); });
        }
    }
}

// ---- the invariants -------------------------------------------------------------------------

template <class S>
bool may_send_syn(State before, const Profile& p) {
    switch (before) {
    case State::closed: case State::listen: case State::syn_sent: case State::syn_received: return true;
    case State::time_wait: return p.time_wait_syn_reopens; // Linux TCP_TW_SYN: a SYN+ACK
    default: return false;
    }
}

// Everything a single step must respect, whatever the event.
template <class S>
void check_step(const Tcb<S>& before, const StepResult<S>& r, const Profile& p, const Segment<S>* input) {
    const auto& t = r.tcb;
    const auto& fx = r.effects;
    RC_ASSERT(le(t.snd_una, t.snd_nxt));
    RC_ASSERT(t.in_flight() < S::half);
    if (t.state == State::closed) RC_ASSERT(!has_timer(t));
    if (fx.released) RC_ASSERT(t.state == State::closed);
    RC_ASSERT(fx.size() <= max_segments_per_step);
    RC_ASSERT(fx.next == next_deadline(t));
    if (t.state == State::time_wait) { // §3.10.7.4: TIME-WAIT runs its own timer only
        for (std::size_t i = 0; i < timer_count; ++i)
            if (static_cast<Timer>(i) != Timer::time_wait) RC_ASSERT(t.deadline[i] == never);
    }
    for (const auto& s : fx) {
        // §3.10.7.1 and throughout: an RST is never answered with an RST.
        if (input != nullptr && input->flags.rst()) RC_ASSERT(!s.flags.rst());
        if (s.flags.rst()) continue;
        // SYNs come only from the opening states (never from ESTABLISHED or a closing state).
        if (s.flags.syn()) RC_ASSERT(may_send_syn<S>(before.state, p));
        // Once past SYN-SENT every segment carries an ACK, and it acknowledges RCV.NXT.
        if (!s.flags.syn()) RC_ASSERT(s.flags.ack());
        if (s.flags.ack() && t.state != State::closed) RC_ASSERT(s.ack == t.rcv_nxt);
        // Nothing beyond what has been sent: SEG.SEQ + SEG.LEN <= SND.NXT.
        RC_ASSERT(le(s.seq + s.seg_len(), t.snd_nxt));
        // Data only in the states that may send it.
        if (s.len > 0) {
            RC_ASSERT((t.state == State::established || t.state == State::fin_wait_1 ||
                       t.state == State::close_wait || t.state == State::closing || t.state == State::last_ack));
        }
        // A FIN only after CLOSE, and never data after our FIN: it sits at SND.NXT - 1.
        if (s.flags.fin()) {
            RC_ASSERT(local_closed(t.state));
            RC_ASSERT(t.fin_sent);
            RC_ASSERT(s.seq + s.len == t.snd_nxt - 1);
        }
        if (before.fin_sent && s.len > 0) RC_ASSERT(le(s.seq + s.len, before.snd_nxt - 1));
        if (t.fin_sent && s.len > 0) RC_ASSERT(le(s.seq + s.len, t.snd_nxt - 1));
    }
}

// One arbitrary event at an arbitrary (forward) time; the clock may jump to a deadline.
template <class S>
struct AnyEvent {
    int kind = 0;
    bool flag = false;
    S iss{};
    std::uint32_t bytes = 0;
    Timer timer = Timer::retransmission;
    Segment<S> seg{};
    Time at = 0;
};

template <class S>
AnyEvent<S> any_event(const Tcb<S>& t, Time now) {
    constexpr std::uint32_t max_bytes = S::bits < 8 ? 6u : 5000u;
    AnyEvent<S> e;
    e.kind = uniform(0, 12);
    e.at = now;
    switch (e.kind) {
    case 0: e.flag = *rc::gen::arbitrary<bool>(); e.iss = any_number<S>(); break;
    case 1: case 2: e.bytes = *rc::gen::inRange<std::uint32_t>(0, max_bytes); break;
    case 3: e.flag = *rc::gen::arbitrary<bool>(); break;
    case 4: break;
    case 5: case 6:
        e.timer = static_cast<Timer>(uniform<std::size_t>(0, timer_count));
        if (t.at(e.timer) != never && t.at(e.timer) > now && *rc::gen::arbitrary<bool>()) e.at = t.at(e.timer);
        else e.at = now + *rc::gen::inRange<Time>(0, 3);
        break;
    default:
        e.seg = any_segment_for(t);
        e.at = now + *rc::gen::inRange<Time>(0, 2);
        break;
    }
    return e;
}

template <class S>
std::string describe(const AnyEvent<S>& e) {
    std::ostringstream o;
    o << "t=" << e.at << ' ';
    switch (e.kind) {
    case 0: o << "OPEN " << (e.flag ? "passive" : "active") << " iss=" << e.iss.value(); break;
    case 1: o << "SEND " << e.bytes; break;
    case 2: o << "RECEIVE " << e.bytes; break;
    case 3: o << "CLOSE " << (e.flag ? "full" : "shutdown"); break;
    case 4: o << "ABORT"; break;
    case 5: case 6: o << "TIMEOUT " << name(e.timer); break;
    default: o << "SEGMENT " << test::describe(e.seg); break;
    }
    return o.str();
}

template <class S>
std::string describe(const Tcb<S>& t) {
    std::ostringstream o;
    o << name(t.state) << " una=" << t.snd_una.value() << " nxt=" << t.snd_nxt.value()
      << " wnd=" << t.snd_wnd << " rcv=" << t.rcv_nxt.value() << " queued=" << t.send_queued
      << (t.fin_queued ? " fin_queued" : "") << (t.fin_sent ? " fin_sent" : "");
    return o.str();
}

template <class S>
StepResult<S> apply(const Tcb<S>& t, const AnyEvent<S>& e, const Profile& p) {
    switch (e.kind) {
    case 0: return step(t, Open<S>{e.flag, e.iss, 0}, e.at, p);
    case 1: return step(t, Send{e.bytes}, e.at, p);
    case 2: return step(t, Receive{e.bytes}, e.at, p);
    case 3: return step(t, Close{e.flag}, e.at, p);
    case 4: return step(t, Abort{}, e.at, p);
    case 5: case 6: return step(t, Timeout{e.timer}, e.at, p);
    default: return step(t, SegmentArrives<S>{e.seg}, e.at, p);
    }
}

template <class S>
void property_any_segment_from_any_state() {
    for_each_reachable<S>("one arbitrary segment", [](const Endpoint<S>& e) {
        auto seg = any_segment_for(e.tcb);
        auto r = step(e.tcb, SegmentArrives<S>{seg}, e.now, e.profile);
        check_step(e.tcb, r, e.profile, &seg);
    });
}

template <class S>
void property_any_events_from_any_state() {
    for_each_reachable<S>("arbitrary events", [](const Endpoint<S>& e) {
        auto n = uniform(1, 40);
        Tcb<S> t = e.tcb;
        Time now = e.now;
        RC_LOG() << "start: " << describe(t) << "\n";
        for (int i = 0; i < n; ++i) {
            auto ev = any_event(t, now);
            now = ev.at;
            auto r = apply(t, ev, e.profile);
            RC_LOG() << describe(ev) << "\n  -> " << describe(r.tcb);
            for (const auto& out : r.effects) RC_LOG() << " out " << test::describe(out);
            RC_LOG() << "\n";
            check_step(t, r, e.profile, ev.kind >= 7 ? &ev.seg : nullptr);
            t = r.tcb;
        }
    });
}

// Two endpoints joined by a lossy, reordering wire, driven by arbitrary user calls and timers.
template <class S>
void property_wire() {
    rc::prop("two endpoints over a lossy, reordering wire", [] {
        auto ps = profiles_for<S>();
        const auto& pa = ps[uniform<std::size_t>(0, ps.size())];
        const auto& pb = ps[uniform<std::size_t>(0, ps.size())];
        Wire<S> w(pa, pb);
        w.at_b(Open<S>{true, any_number<S>(), 0});
        w.at_a(Open<S>{false, any_number<S>(), 0});
        auto n = uniform(1, 80);
        for (int i = 0; i < n; ++i) {
            bool to_a = *rc::gen::arbitrary<bool>();
            auto& q = to_a ? w.to_a : w.to_b;
            auto& ep = to_a ? w.a : w.b;
            auto before = ep.tcb;
            switch (uniform(0, 10)) {
            case 0: // lose a segment
                if (!q.empty()) q.erase(q.begin() + static_cast<std::ptrdiff_t>(uniform<std::size_t>(0, q.size())));
                continue;
            case 1: { // a timer fires, the clock jumping to it
                auto d = next_deadline(ep.tcb);
                if (d.at == never) continue;
                w.advance(std::max(w.now, d.at));
                const auto& fx = to_a ? w.at_a(Timeout{d.timer}) : w.at_b(Timeout{d.timer});
                check_step<S>(before, StepResult<S>{ep.tcb, fx}, ep.profile, nullptr);
                continue;
            }
            case 2: {
                const auto& fx = to_a ? w.at_a(Send{*rc::gen::inRange<std::uint32_t>(0, 4)})
                                      : w.at_b(Send{*rc::gen::inRange<std::uint32_t>(0, 4)});
                check_step<S>(before, StepResult<S>{ep.tcb, fx}, ep.profile, nullptr);
                continue;
            }
            case 3: {
                const auto& fx = to_a ? w.at_a(Close{*rc::gen::arbitrary<bool>()}) : w.at_b(Close{*rc::gen::arbitrary<bool>()});
                check_step<S>(before, StepResult<S>{ep.tcb, fx}, ep.profile, nullptr);
                continue;
            }
            case 4: {
                const auto& fx = to_a ? w.at_a(Receive{8}) : w.at_b(Receive{8});
                check_step<S>(before, StepResult<S>{ep.tcb, fx}, ep.profile, nullptr);
                continue;
            }
            default: { // deliver one segment, not necessarily the oldest
                if (q.empty()) continue;
                auto k = uniform<std::size_t>(0, q.size());
                auto seg = q[k];
                q.erase(q.begin() + static_cast<std::ptrdiff_t>(k));
                if (uniform(0, 8) == 0) q.push_back(seg); // duplicated by the network
                const auto& fx = to_a ? w.at_a(SegmentArrives<S>{seg}) : w.at_b(SegmentArrives<S>{seg});
                check_step(before, StepResult<S>{ep.tcb, fx}, ep.profile, &seg);
                continue;
            }
            }
        }
    });
}

} // namespace

TEST_CASE("step properties: each of the eleven states is reachable by real steps (rfc9293, linux - 32 and 3 bits)",
          "[properties]") {
    for (const Profile& p : {profiles::rfc9293(), profiles::linux_default()}) {
        for (State s : all_states) {
            CAPTURE(p.name, s);
            CHECK(reach<Seq32>(s, p).state() == s);
            CHECK(reach<Seq<3>>(s, tiny(p), Seq<3>(6), Seq<3>(7)).state() == s);
        }
    }
    CHECK(simultaneous_open<Seq32>(profiles::rfc9293()).a.state() == State::syn_received);
    CHECK(simultaneous_open<Seq<3>>(tiny(profiles::linux_default()), Seq<3>(7), Seq<3>(3)).b.state() == State::syn_received);
}

TEST_CASE("step properties: any segment in any reachable state keeps the TCB invariants (Seq32)", "[properties]") {
    property_any_segment_from_any_state<Seq32>();
}

TEST_CASE("step properties: any segment in any reachable state keeps the TCB invariants (Seq<3>)", "[properties]") {
    property_any_segment_from_any_state<Seq<3>>();
}

TEST_CASE("step properties: arbitrary event sequences keep the TCB invariants (Seq32)", "[properties]") {
    property_any_events_from_any_state<Seq32>();
}

TEST_CASE("step properties: arbitrary event sequences keep the TCB invariants (Seq<3>)", "[properties]") {
    property_any_events_from_any_state<Seq<3>>();
}

TEST_CASE("step properties: two endpoints over a lossy, reordering wire keep the invariants (Seq32)", "[properties]") {
    property_wire<Seq32>();
}

TEST_CASE("step properties: two endpoints over a lossy, reordering wire keep the invariants (Seq<3>)", "[properties]") {
    property_wire<Seq<3>>();
}

TEST_CASE("step properties: step is deterministic and leaves its input untouched", "[properties]") {
    for_each_reachable<Seq32>("same input, same output", [](const Endpoint<Seq32>& e) {
        auto seg = any_segment_for(e.tcb);
        const auto copy = e.tcb;
        auto r1 = step(e.tcb, SegmentArrives<Seq32>{seg}, e.now, e.profile);
        auto r2 = step(e.tcb, SegmentArrives<Seq32>{seg}, e.now, e.profile);
        RC_ASSERT(e.tcb == copy);
        RC_ASSERT(r1.tcb == r2.tcb);
        RC_ASSERT(r1.effects.size() == r2.effects.size());
        for (std::size_t i = 0; i < r1.effects.size(); ++i) RC_ASSERT(r1.effects[i] == r2.effects[i]);
    });
}
