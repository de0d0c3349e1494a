// A retransmitted SYN+ACK carries the same options as the first one.
#include <catch2/catch.hpp>

#include <synfin/synfin.hpp>

using namespace synfin;

TEST_CASE("RFC 7323 §1.3: a retransmitted SYN+ACK offers window scale only if the SYN did", "[rfc7323][options]") {
    using S = Seq32;
    const Profile p = profiles::linux_default();
    auto listen = step(Tcb<S>{}, Open<S>{true, S(5000), 0}, 0, p);
    for (bool syn_has_ws : {false, true}) {
        Segment<S> syn;
        syn.flags = Flag::syn;
        syn.seq = S(100);
        syn.wnd = 64240;
        syn.opt.mss = 1460;
        if (syn_has_ws) syn.opt.wscale = 7;
        auto r = step(listen.tcb, SegmentArrives<S>{syn}, 0, p);
        REQUIRE(r.effects.size() == 1);
        CHECK(r.effects[0].opt.has_wscale() == syn_has_ws);
        auto again = step(r.tcb, Timeout{Timer::retransmission}, r.tcb.at(Timer::retransmission), p);
        REQUIRE(again.effects.size() == 1);
        CHECK(again.effects[0].flags == (Flag::syn | Flag::ack));
        CHECK(again.effects[0].opt.has_wscale() == syn_has_ws);
        CHECK(again.effects[0].opt.mss == r.effects[0].opt.mss);
    }
}
