// A passive connection whose user has already called CLOSE does not go back to LISTEN.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace synfin;
using namespace synfin::test;

namespace {
using S = Seq32;
const Profile rfc = profiles::rfc9293();
} // namespace

TEST_CASE("RFC 9293 §3.10.7.4 RST in SYN-RECEIVED after CLOSE: the TCB is deleted, not returned to LISTEN",
          "[rfc][rst][close]") {
    auto w = reach_wire<S>(State::syn_received, rfc);
    w.at_b(Close{});
    REQUIRE(w.b.tcb.fin_queued);
    Segment<S> rst;
    rst.flags = Flag::rst;
    rst.seq = w.b.tcb.rcv_nxt;
    auto r = step(w.b.tcb, SegmentArrives<S>{rst}, 0, rfc);
    CHECK(r.tcb.state == State::closed);
    CHECK(r.effects.released);
    CHECK(r.effects.has(Notice::reset));
}

TEST_CASE("RFC 9293 §3.10.7.4 RST in SYN-RECEIVED without CLOSE: back to LISTEN", "[rfc][rst]") {
    auto w = reach_wire<S>(State::syn_received, rfc);
    Segment<S> rst;
    rst.flags = Flag::rst;
    rst.seq = w.b.tcb.rcv_nxt;
    auto r = step(w.b.tcb, SegmentArrives<S>{rst}, 0, rfc);
    CHECK(r.tcb.state == State::listen);
    CHECK_FALSE(r.effects.released);
}
