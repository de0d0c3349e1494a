// Test support for the step function: an endpoint driven by a fake clock, a two-endpoint wire
// that carries segments between them, helpers that reach each of the eleven states of RFC 9293
// §3.3.2 by chaining real steps (never by writing a TCB by hand), and relative-number helpers
// (the seed's handshake table counts from each side's ISS, as Wireshark does).
// Read with RFC 9293 §3.10 (the events) and §3.3.2 (the state diagram).
#pragma once

#include <cstdint>
#include <deque>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "synfin/step.hpp"

namespace synfin::test {

// ---- segments ---------------------------------------------------------------------------------

template <class S>
constexpr Segment<S> make_seg(Flags f, S seq, S ack = S{}, std::uint32_t len = 0, std::uint16_t wnd = 65535) {
    Segment<S> s;
    s.flags = f;
    s.seq = seq;
    s.ack = ack;
    s.len = len;
    s.wnd = wnd;
    return s;
}

// What a well-behaved peer sends next to `t`: SEQ = RCV.NXT, ACK = SND.NXT (everything acked).
template <class S>
constexpr Segment<S> from_peer(const Tcb<S>& t, Flags f, std::uint32_t len = 0, std::uint16_t wnd = 65535) {
    return make_seg<S>(f, t.rcv_nxt, t.snd_nxt, len, wnd);
}

// Relative numbers (offset from an ISS). A segment without ACK shows ack 0, as capture tools do.
template <class S>
constexpr std::uint32_t rel(S x, S base) { return x - base; }

template <class S>
struct Relative {
    std::uint8_t flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint32_t len = 0;
    friend constexpr bool operator==(const Relative&, const Relative&) = default;
};

template <class S>
constexpr Relative<S> relative(const Segment<S>& s, S own_iss, S peer_iss) {
    return {s.flags.bits, rel(s.seq, own_iss), s.flags.ack() ? rel(s.ack, peer_iss) : 0u, s.len};
}

template <class S>
std::string describe(const Segment<S>& s) {
    std::ostringstream o;
    o << '<' << to_string(s.flags) << " seq=" << s.seq.value() << " ack=" << s.ack.value()
      << " len=" << s.len << " wnd=" << s.wnd << '>';
    return o.str();
}

// Only the segment kinds, for "emits at most these kinds" checks.
template <class S>
constexpr bool any_segment(const Effects<S>& fx, Flag f) {
    for (const auto& s : fx)
        if (s.flags.has(f)) return true;
    return false;
}

template <class S>
constexpr bool has_timer(const Tcb<S>& t) {
    for (auto d : t.deadline)
        if (d != never) return true;
    return false;
}

// ---- one endpoint on a fake clock -------------------------------------------------------------

template <class S>
struct Endpoint {
    Profile profile{};
    Tcb<S> tcb{};
    Time now = 0;
    Effects<S> fx{}; // effects of the latest step

    Endpoint() = default;
    explicit Endpoint(const Profile& p) : profile(p) {}

    template <class E>
    const Effects<S>& on(const E& e) {
        auto r = step(tcb, e, now, profile);
        tcb = r.tcb;
        fx = r.effects;
        return fx;
    }
    const Effects<S>& arrive(const Segment<S>& s) { return on(SegmentArrives<S>{s}); }
    // Jump the clock to a timer's deadline and fire it (style: tests drive a fake clock).
    const Effects<S>& fire(Timer t) {
        if (tcb.at(t) == never) throw std::logic_error(std::string("timer not armed: ") + name(t));
        now = tcb.at(t);
        return on(Timeout{t});
    }
    // Jump to the earliest deadline (what a driver loop does) and fire that timer.
    const Effects<S>& fire_next() {
        auto d = next_deadline(tcb);
        if (d.at == never) throw std::logic_error("no timer armed");
        now = d.at;
        return on(Timeout{d.timer});
    }
    [[nodiscard]] State state() const { return tcb.state; }
};

// ---- two endpoints and the network between them -----------------------------------------------

// a and b share one clock. Segments a sends queue in to_b, and the reverse; a test delivers,
// drops or reorders them by hand. `log` keeps every segment sent, in order, with its sender.
template <class S>
struct Wire {
    struct Sent {
        char from; // 'a' or 'b'
        Segment<S> seg;
    };

    Endpoint<S> a, b;
    std::deque<Segment<S>> to_a, to_b;
    std::vector<Sent> log;
    Time now = 0;

    Wire(const Profile& pa, const Profile& pb) : a(pa), b(pb) {}

    template <class E>
    const Effects<S>& at_a(const E& e) { return post('a', a.on(e)); }
    template <class E>
    const Effects<S>& at_b(const E& e) { return post('b', b.on(e)); }

    // Deliver the oldest segment in flight towards a (or b); false if none.
    bool deliver_to_a() {
        if (to_a.empty()) return false;
        auto s = to_a.front();
        to_a.pop_front();
        at_a(SegmentArrives<S>{s});
        return true;
    }
    bool deliver_to_b() {
        if (to_b.empty()) return false;
        auto s = to_b.front();
        to_b.pop_front();
        at_b(SegmentArrives<S>{s});
        return true;
    }
    Segment<S> drop_to_a() { auto s = to_a.front(); to_a.pop_front(); return s; }
    Segment<S> drop_to_b() { auto s = to_b.front(); to_b.pop_front(); return s; }

    // Deliver in both directions until nothing is in flight (no timer fires).
    void settle(int limit = 256) {
        while ((!to_a.empty() || !to_b.empty()) && limit-- > 0) {
            deliver_to_b();
            deliver_to_a();
        }
        if (limit <= 0) throw std::logic_error("wire did not settle");
    }

    void advance(Time t) {
        if (t < now) throw std::logic_error("time runs forwards");
        now = a.now = b.now = t;
    }
    const Effects<S>& fire_a(Timer t) {
        advance(a.tcb.at(t));
        return at_a(Timeout{t});
    }
    const Effects<S>& fire_b(Timer t) {
        advance(b.tcb.at(t));
        return at_b(Timeout{t});
    }

    // The segments logged so far, from one side.
    [[nodiscard]] std::vector<Segment<S>> sent_by(char who) const {
        std::vector<Segment<S>> out;
        for (const auto& s : log)
            if (s.from == who) out.push_back(s.seg);
        return out;
    }

private:
    const Effects<S>& post(char who, const Effects<S>& fx) {
        a.now = b.now = now;
        for (const auto& s : fx) {
            (who == 'a' ? to_b : to_a).push_back(s);
            log.push_back({who, s});
        }
        return fx;
    }
};

// ---- reaching each state by real steps --------------------------------------------------------

inline void expect_state(State got, State want, const char* where) {
    if (got != want) {
        throw std::logic_error(std::string(where) + ": in " + std::string(name(got)) + ", wanted " +
                               std::string(name(want)));
    }
}

// The endpoint that ends in `target` when reach_wire() builds it: b (the passive opener) for
// LISTEN, SYN-RECEIVED, CLOSE-WAIT and LAST-ACK; a (the active opener and closer) otherwise.
constexpr bool target_on_b(State target) {
    return target == State::listen || target == State::syn_received || target == State::close_wait ||
           target == State::last_ack;
}

struct ReachOptions {
    std::uint32_t a_sends = 0; // bytes a sends to b once ESTABLISHED (delivered, acked and read)
    std::uint32_t b_sends = 0;
    bool full_close = true;    // Close{full}: close() (orphan) or shutdown(SHUT_WR)
};

// Drive a (active, ISS iss_a) and b (passive, ISS iss_b) along the common paths of RFC 9293
// §3.5 and §3.6 until the endpoint named by target_on_b() is in `target`:
//   CLOSED       a fresh TCB (a)          LISTEN       b after passive OPEN
//   SYN-SENT     a after active OPEN      SYN-RECEIVED b after a's SYN
//   ESTABLISHED  a after the handshake    FIN-WAIT-1   a after CLOSE, its FIN still in flight
//   CLOSE-WAIT   b after a's FIN          FIN-WAIT-2   a after b acknowledges its FIN
//   LAST-ACK     b after its own CLOSE    TIME-WAIT    a after b's FIN
//   CLOSING      a after b's FIN crossed a's FIN (simultaneous close, §3.6 Figure 13)
template <class S>
Wire<S> reach_wire(State target, const Profile& p, S iss_a = S{1000}, S iss_b = S{5000}, ReachOptions o = {}) {
    Wire<S> w(p, p);
    if (target == State::closed) return w;
    w.at_b(Open<S>{true, iss_b, 0});
    expect_state(w.b.state(), State::listen, "passive OPEN");
    if (target == State::listen) return w;
    w.at_a(Open<S>{false, iss_a, 0});
    expect_state(w.a.state(), State::syn_sent, "active OPEN");
    if (target == State::syn_sent) return w;
    w.deliver_to_b();
    expect_state(w.b.state(), State::syn_received, "SYN at LISTEN");
    if (target == State::syn_received) return w;
    w.settle();
    expect_state(w.a.state(), State::established, "handshake (a)");
    expect_state(w.b.state(), State::established, "handshake (b)");
    if (o.a_sends > 0) w.at_a(Send{o.a_sends});
    if (o.b_sends > 0) w.at_b(Send{o.b_sends});
    w.settle();
    if (o.a_sends > 0) w.at_b(Receive{o.a_sends});
    if (o.b_sends > 0) w.at_a(Receive{o.b_sends});
    if (w.a.tcb.in_flight() != 0 || w.b.tcb.in_flight() != 0 || w.a.tcb.send_queued != 0 ||
        w.b.tcb.send_queued != 0)
        throw std::logic_error("data exchange did not complete");
    // A held ACK (Linux delayed ACK) would otherwise ride on a later segment: send it now.
    if (w.a.tcb.ack_pending) w.fire_a(Timer::delayed_ack);
    if (w.b.tcb.ack_pending) w.fire_b(Timer::delayed_ack);
    w.settle();
    if (target == State::established) return w;

    w.at_a(Close{o.full_close});
    expect_state(w.a.state(), State::fin_wait_1, "CLOSE in ESTABLISHED");
    if (target == State::fin_wait_1) return w;
    if (target == State::closing) {
        w.at_b(Close{o.full_close});
        expect_state(w.b.state(), State::fin_wait_1, "CLOSE in ESTABLISHED (b)");
        w.deliver_to_a(); // b's FIN, which does not acknowledge a's FIN
        expect_state(w.a.state(), State::closing, "FIN in FIN-WAIT-1");
        return w;
    }
    w.deliver_to_b();
    expect_state(w.b.state(), State::close_wait, "FIN in ESTABLISHED");
    if (target == State::close_wait) return w;
    if (target == State::fin_wait_2 || target == State::time_wait) {
        if (w.b.tcb.ack_pending) w.fire_b(Timer::delayed_ack);
        w.deliver_to_a();
        expect_state(w.a.state(), State::fin_wait_2, "ACK of FIN in FIN-WAIT-1");
        if (target == State::fin_wait_2) return w;
    }
    w.at_b(Close{o.full_close});
    expect_state(w.b.state(), State::last_ack, "CLOSE in CLOSE-WAIT");
    if (target == State::last_ack) return w;
    w.deliver_to_a();
    expect_state(w.a.state(), State::time_wait, "FIN in FIN-WAIT-2");
    if (target == State::time_wait) return w;
    throw std::logic_error("reach_wire: unknown target");
}

// The endpoint in `target` (see reach_wire), with its profile and clock.
template <class S = Seq32>
Endpoint<S> reach(State target, const Profile& p, S iss_a = S{1000}, S iss_b = S{5000}, ReachOptions o = {}) {
    auto w = reach_wire<S>(target, p, iss_a, iss_b, o);
    return target_on_b(target) ? w.b : w.a;
}

// Fires the retransmission timer n times; each resends `len` bytes from SND.UNA. The gaps between.
template <class E>
std::vector<Duration> retransmission_gaps(E& e, int n, std::uint32_t len) {
    std::vector<Duration> gaps;
    Time last = e.now;
    for (int i = 0; i < n; ++i) {
        const auto& fx = e.fire(Timer::retransmission);
        gaps.push_back(e.now - last);
        last = e.now;
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].seq == e.tcb.snd_una);
        CHECK(fx[0].len == len);
        CHECK(fx[0].flags.ack());
    }
    return gaps;
}

// SYN-RECEIVED by an active OPEN: both ends open at once and each receives the other's bare SYN
// (§3.5 Figure 8, simultaneous open). Returns the wire with both ends in SYN-RECEIVED.
template <class S>
Wire<S> simultaneous_open(const Profile& p, S iss_a = S{1000}, S iss_b = S{5000}) {
    Wire<S> w(p, p);
    w.at_a(Open<S>{false, iss_a, 0});
    w.at_b(Open<S>{false, iss_b, 0});
    w.deliver_to_a();
    w.deliver_to_b();
    expect_state(w.a.state(), State::syn_received, "SYN in SYN-SENT (a)");
    expect_state(w.b.state(), State::syn_received, "SYN in SYN-SENT (b)");
    return w;
}

} // namespace synfin::test

namespace Catch {
template <>
struct StringMaker<synfin::State> {
    static std::string convert(synfin::State s) { return std::string(synfin::name(s)); }
};
template <>
struct StringMaker<synfin::UserError> {
    static std::string convert(synfin::UserError e) { return synfin::name(e); }
};
template <>
struct StringMaker<synfin::CloseReason> {
    static std::string convert(synfin::CloseReason r) { return synfin::name(r); }
};
template <>
struct StringMaker<synfin::Timer> {
    static std::string convert(synfin::Timer t) { return synfin::name(t); }
};
template <>
struct StringMaker<synfin::Flags> {
    static std::string convert(synfin::Flags f) { return synfin::to_string(f); }
};
template <unsigned B>
struct StringMaker<synfin::Seq<B>> {
    static std::string convert(synfin::Seq<B> s) { return std::to_string(s.value()); }
};
template <class S>
struct StringMaker<synfin::Segment<S>> {
    static std::string convert(const synfin::Segment<S>& s) { return synfin::test::describe(s); }
};
} // namespace Catch
