// Linux answers out-of-window segments and sends challenge ACKs at most once per
// tcp_invalid_ratelimit (500 ms) on a connection (tcp_oow_rate_limited, RFC 5961 §10;
// docs/conformance.md F4). tests/pkt/oow_rate_limit.pkt shows the kernel doing so.
#include <catch2/catch.hpp>

#include <synfin/system.hpp>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;

const Profile lnx = profiles::linux_default();
const Profile rfc = profiles::rfc9293();

static_assert(profiles::linux_default().invalid_ack_ratelimit == 500);
static_assert(profiles::rfc9293().invalid_ack_ratelimit == 0);
// The checker's hosts answer every invalid segment: its TCBs never set last_oow_ack.
static_assert(in_ticks(profiles::linux_default()).invalid_ack_ratelimit == 0);

// An ACK far ahead of the window: out of window, no text, so an ACK loop could start from it.
Segment<S> stray_ack(const Tcb<S>& t) { return make_seg<S>(Flag::ack, t.rcv_nxt + 1000000u, t.snd_nxt); }

bool answered_with_ack(const Effects<S>& fx, const Tcb<S>& t) {
    return fx.size() == 1 && fx[0].flags == Flags(Flag::ack) && fx[0].seq == t.snd_nxt && fx[0].ack == t.rcv_nxt;
}

} // namespace

TEST_CASE("tcp_oow_rate_limited (Linux, conformance F4): one ACK per 500 ms to out-of-window segments",
          "[linux][rfc5961][oow]") {
    auto e = reach(State::established, lnx);
    e.now = 10000;
    CHECK(answered_with_ack(e.arrive(stray_ack(e.tcb)), e.tcb));
    CHECK(e.tcb.last_oow_ack == 10000);
    e.now += 100;
    CHECK(e.arrive(stray_ack(e.tcb)).size() == 0);
    CHECK(e.tcb.last_oow_ack == 10000); // a suppressed ACK does not restart the interval
    e.now = 10499;
    CHECK(e.arrive(stray_ack(e.tcb)).size() == 0);
    e.now = 10500;
    CHECK(answered_with_ack(e.arrive(stray_ack(e.tcb)), e.tcb));
    CHECK(e.tcb.last_oow_ack == 10500);
    CHECK(e.state() == State::established);
}

TEST_CASE("tcp_oow_rate_limited (Linux, conformance F4): text or a FIN out of the window is always answered",
          "[linux][oow]") {
    auto e = reach(State::established, lnx);
    e.now = 10000;
    REQUIRE(answered_with_ack(e.arrive(stray_ack(e.tcb)), e.tcb));
    e.now += 10;
    // "Data packets without SYNs are not likely part of an ACK loop": an old retransmission.
    CHECK(answered_with_ack(e.arrive(make_seg<S>(Flag::ack | Flag::psh, e.tcb.rcv_nxt + 1000000u, e.tcb.snd_nxt, 10)), e.tcb));
    CHECK(answered_with_ack(e.arrive(make_seg<S>(Flag::ack | Flag::fin, e.tcb.rcv_nxt + 1000000u, e.tcb.snd_nxt)), e.tcb));
    CHECK(e.tcb.last_oow_ack == 10000);
}

TEST_CASE("tcp_send_challenge_ack (Linux, RFC 5961 §3.2, §4.2, §5.2): challenges share the connection's interval",
          "[linux][rfc5961][oow]") {
    auto e = reach(State::established, lnx);
    e.now = 10000;
    // §3.2: an RST in the window, not at RCV.NXT.
    CHECK(answered_with_ack(e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt + 10)), e.tcb));
    e.now += 100;
    // §4.2: a SYN in the window, within 500 ms of that challenge.
    CHECK(e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt)).size() == 0);
    // §5.2 (tcp_ack): text acknowledging what was never sent is dropped, its challenge limited
    // too (unlike the first check, a challenge makes no exception for text).
    CHECK(e.arrive(make_seg<S>(Flag::ack | Flag::psh, e.tcb.rcv_nxt, e.tcb.snd_nxt + 50, 10)).size() == 0);
    CHECK(e.tcb.unread == 0);
    // An out-of-window ACK counts against the same interval.
    CHECK(e.arrive(stray_ack(e.tcb)).size() == 0);
    e.now = 10600;
    CHECK(answered_with_ack(e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt)), e.tcb));
    CHECK(e.state() == State::established);
}

TEST_CASE("tcp_timewait_check_oow_rate_limit (Linux): TIME-WAIT is a new socket with its own interval",
          "[linux][time-wait][oow]") {
    auto w = reach_wire<S>(State::established, lnx);
    w.advance(10000);
    REQUIRE(answered_with_ack(w.at_a(SegmentArrives<S>{stray_ack(w.a.tcb)}), w.a.tcb));
    w.to_b.clear();
    // a closes first and reaches TIME-WAIT within the same millisecond.
    w.at_a(Close{});
    w.deliver_to_b();
    w.at_b(Close{});
    w.settle();
    REQUIRE(w.a.state() == State::time_wait);
    REQUIRE(w.a.now == 10000);
    auto& e = w.a;
    CHECK(e.tcb.last_oow_ack == never);
    const Time t0 = e.now;
    CHECK(answered_with_ack(e.arrive(stray_ack(e.tcb)), e.tcb));
    e.now = t0 + 100;
    CHECK(e.arrive(stray_ack(e.tcb)).size() == 0);
    // The peer's FIN again (its ACK of ours lost): text or FIN, answered whatever the interval.
    CHECK(answered_with_ack(e.arrive(make_seg<S>(Flag::fin | Flag::ack, e.tcb.rcv_nxt - 1, e.tcb.snd_nxt)), e.tcb));
    CHECK(e.state() == State::time_wait);
}

TEST_CASE("tcp_check_req (Linux): a request socket resends its SYN+ACK at most once per 500 ms, and its child starts afresh",
          "[linux][syn-received][oow]") {
    auto w = reach_wire<S>(State::syn_received, lnx);
    auto& b = w.b;
    w.to_a.clear();
    b.now = 10000;
    const Segment<S> syn = make_seg<S>(Flag::syn, b.tcb.irs);
    REQUIRE(b.arrive(syn).size() == 1);
    CHECK(b.fx[0].flags == (Flag::syn | Flag::ack));
    b.now += 200;
    CHECK(b.arrive(syn).size() == 0);
    CHECK(b.state() == State::syn_received);
    // The handshake's ACK makes the full socket, whose first out-of-window ACK is answered.
    b.arrive(make_seg<S>(Flag::ack, b.tcb.rcv_nxt, b.tcb.snd_nxt));
    REQUIRE(b.state() == State::established);
    CHECK(b.tcb.last_oow_ack == never);
    CHECK(answered_with_ack(b.arrive(stray_ack(b.tcb)), b.tcb));
}

TEST_CASE("RFC 9293 §3.10.7.4 first: without a rate limit every unacceptable segment gets its ACK", "[rfc][oow]") {
    auto e = reach(State::established, rfc);
    for (int i = 0; i < 4; ++i) {
        e.now = 10000 + i;
        CHECK(answered_with_ack(e.arrive(stray_ack(e.tcb)), e.tcb));
    }
    CHECK(e.tcb.last_oow_ack == never);
}
