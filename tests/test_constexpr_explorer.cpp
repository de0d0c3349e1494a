// The explorer's constexpr mode: a property proved by the compiler on a small configuration.
#include <catch2/catch.hpp>

#include <synfin/explorer.hpp>
#include <synfin/properties.hpp>

namespace {

using namespace synfin;

constexpr Config handshake_only(Profile profile) {
    Config c;
    c.name = "handshake";
    // No retransmission: segments live up to MSL, and with retries the space outgrows what a
    // compiler evaluates in reasonable time.
    Profile p = in_ticks(profile, 0);
    c.host[0].profile = p;
    c.host[1].profile = p;
    c.host[0].script[0] = ScriptStep{UserAction::connect};
    c.host[0].script_len = 1;
    c.host[1].script[0] = ScriptStep{UserAction::listen};
    c.host[1].script_len = 1;
    c.loss_budget = 0;
    return c;
}

constexpr bool disagree(const SystemState<3>& s) { return Properties<3>::disagree(s); }

// Every state reachable by a handshake without loss, on rfc9293: the hosts agree on the ISNs.
constexpr auto rfc = explore_constexpr<3, 400>(handshake_only(profiles::rfc9293()), disagree);
static_assert(rfc.complete && !rfc.violated, "handshake_agreement holds, proved at compile time");
static_assert(rfc.states > 40, "the exploration is not trivial");

// The same exploration finds a state where both are ESTABLISHED (so the check is not vacuous).
constexpr auto both_established = explore_constexpr<3, 400>(handshake_only(profiles::rfc9293()), [](const SystemState<3>& s) {
    return s.host[0].tcb.state == State::established && s.host[1].tcb.state == State::established;
});
static_assert(both_established.violated, "the handshake completes in some run");

} // namespace

TEST_CASE("explorer constexpr mode agrees with the run-time explorer", "[explorer][constexpr]") {
    System<3> sys(handshake_only(profiles::rfc9293()));
    Explorer<3> ex(sys, ExploreOptions{});
    ex.run({});
    REQUIRE(ex.stats().states == rfc.states);
}
