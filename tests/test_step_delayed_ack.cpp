// Linux delays the ACK of text on an interactive connection (pingpong mode; RFC 1122 §4.2.3.2
// allows the delay; docs/conformance.md F8). tests/pkt/delayed_ack_interactive.pkt shows the
// kernel doing so.
#include <catch2/catch.hpp>

#include <synfin/system.hpp>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;

const Profile lnx = profiles::linux_default();

static_assert(profiles::linux_default().interactive_delayed_ack);
static_assert(!profiles::rfc9293().interactive_delayed_ack);
// The checker's hosts ACK text at once: its TCBs never set pingpong, delayed_data or last_data_arrival.
static_assert(!in_ticks(profiles::linux_default()).interactive_delayed_ack);

// Text from the peer, in order.
Segment<S> text(const Tcb<S>& t, std::uint32_t len) { return from_peer(t, Flag::ack | Flag::psh, len); }

bool is_ack_of(const Effects<S>& fx, const Tcb<S>& t) {
    return fx.size() == 1 && fx[0].flags == Flags(Flag::ack) && fx[0].len == 0 && fx[0].ack == t.rcv_nxt;
}

// An ESTABLISHED endpoint that has answered the peer's text 10 ms after it arrived, and whose
// reply the peer has acknowledged: interactive.
Endpoint<S> interactive() {
    auto e = reach(State::established, lnx);
    e.now = 1000;
    REQUIRE(is_ack_of(e.arrive(text(e.tcb, 10)), e.tcb)); // the first text: ACKed at once
    CHECK_FALSE(e.tcb.pingpong);
    e.now = 1010;
    e.on(Send{10});
    CHECK(e.tcb.pingpong);
    e.now = 1100;
    e.arrive(from_peer(e.tcb, Flag::ack));
    REQUIRE(e.tcb.snd_una == e.tcb.snd_nxt);
    return e;
}

} // namespace

TEST_CASE("tcp_event_data_sent (Linux, conformance F8): a reply within the delayed-ACK timeout makes the connection interactive",
          "[linux][delayed-ack]") {
    auto e = interactive();
    e.now = 2000;
    CHECK(e.arrive(text(e.tcb, 10)).size() == 0);
    CHECK(e.tcb.ack_pending);
    CHECK(e.tcb.at(Timer::delayed_ack) == 2040);
    SECTION("a reply carries the held ACK, and the connection stays interactive") {
        e.now = 2010;
        const auto& fx = e.on(Send{10});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].len == 10);
        CHECK(fx[0].ack == e.tcb.rcv_nxt);
        CHECK_FALSE(e.tcb.ack_pending);
        CHECK(e.tcb.at(Timer::delayed_ack) == never);
        CHECK(e.tcb.pingpong);
    }
    SECTION("tcp_delack_timer_handler: an ACK that goes alone ends interactive mode") {
        CHECK(is_ack_of(e.fire(Timer::delayed_ack), e.tcb));
        CHECK(e.now == 2040);
        CHECK_FALSE(e.tcb.pingpong);
        e.now = 2100;
        CHECK(is_ack_of(e.arrive(text(e.tcb, 10)), e.tcb));
    }
}

TEST_CASE("tcp_event_data_sent (Linux): a reply later than the delayed-ACK timeout does not", "[linux][delayed-ack]") {
    auto e = reach(State::established, lnx);
    e.now = 1000;
    REQUIRE(is_ack_of(e.arrive(text(e.tcb, 10)), e.tcb));
    e.now = 1040; // 40 ms: not within ato
    e.on(Send{10});
    CHECK_FALSE(e.tcb.pingpong);
    e.now = 1100;
    e.arrive(from_peer(e.tcb, Flag::ack));
    e.now = 1200;
    CHECK(is_ack_of(e.arrive(text(e.tcb, 10)), e.tcb));
    SECTION("nor does a reply before any text arrived (ato is 0 until then)") {
        auto f = reach(State::established, lnx);
        f.on(Send{10});
        CHECK_FALSE(f.tcb.pingpong);
    }
}

TEST_CASE("__tcp_ack_snd_check (Linux): more than a full segment unacknowledged is ACKed at once", "[linux][delayed-ack]") {
    auto e = interactive();
    e.now = 2000;
    SECTION("a full segment is the largest text seen (tcp_measure_rcv_mss)") {
        CHECK(e.arrive(text(e.tcb, 1000)).size() == 0);
        CHECK(e.tcb.delayed_data == 1000);
        CHECK(e.tcb.rcv_mss == 1000);
        CHECK(is_ack_of(e.arrive(text(e.tcb, 10)), e.tcb)); // 1010 bytes > 1000
        CHECK(e.tcb.delayed_data == 0);
        CHECK_FALSE(e.tcb.ack_pending);
        CHECK(e.tcb.pingpong);
    }
    SECTION("536 bytes until a larger segment is seen (tcp_initialize_rcv_mss)") {
        CHECK(e.tcb.rcv_mss == 0); // 10-byte text so far
        CHECK(e.arrive(text(e.tcb, 300)).size() == 0);
        CHECK(e.arrive(text(e.tcb, 236)).size() == 0); // 536: not more
        CHECK(is_ack_of(e.arrive(text(e.tcb, 1)), e.tcb));
    }
    SECTION("never above our own MSS less the timestamps") {
        REQUIRE(e.tcb.ts_ok);
        CHECK(e.arrive(text(e.tcb, 1448)).size() == 0);
        CHECK(e.tcb.rcv_mss == 1448);
        CHECK(is_ack_of(e.arrive(text(e.tcb, 1)), e.tcb));
    }
}

TEST_CASE("tcp_enter_quickack_mode (Linux): old text ends interactive mode and is ACKed at once", "[linux][delayed-ack]") {
    auto e = interactive();
    e.now = 2000;
    const Segment<S> first = text(e.tcb, 10);
    REQUIRE(e.arrive(first).size() == 0);
    // The peer retransmits it: it missed the ACK.
    e.now = 2020;
    CHECK(is_ack_of(e.arrive(first), e.tcb));
    CHECK_FALSE(e.tcb.pingpong);
    CHECK(e.tcb.unread == 20);
}

TEST_CASE("Linux tcp_sequence: while the ACK of text is held, RCV.WUP is the RCV.NXT of the last ACK sent",
          "[linux][delayed-ack]") {
    auto e = interactive();
    e.now = 2000;
    e.on(Send{10}); // within 40 ms of nothing: the last text arrived at 1000
    const Segment<S> ack_sent_before_its_text = from_peer(e.tcb, Flag::ack);
    e.now = 2005;
    // Its text, sent after that ACK, acknowledges only what came before our reply: held.
    REQUIRE(e.arrive(make_seg<S>(Flag::ack | Flag::psh, e.tcb.rcv_nxt, e.tcb.snd_una, 10)).size() == 0);
    // The peer's ACK of our reply, sent before its text and delivered after it, ends at RCV.WUP:
    // it is processed (tcp_sequence), not answered as old.
    e.now = 2006;
    CHECK(e.arrive(ack_sent_before_its_text).size() == 0);
    CHECK(e.tcb.snd_una == e.tcb.snd_nxt);
    CHECK(e.tcb.ack_pending);
}
