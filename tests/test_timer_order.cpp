// The order relations between durations (include/synfin/timer_order.hpp, docs/properties.md
// "Order relations") as a cell reports them: every holding cell of the suite keeps those its
// property rests on, each broken variant that is about time breaks its own, and a knob changed
// in a model file that breaks one is named in the cell's assumptions (issue 16).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include <synfin/timer_order.hpp>

#include "../checks/runner.hpp"

namespace {

using namespace synfin;
using namespace synfin::suite;

constexpr Config both(const Profile& real, int loss = 0, int max_retries = 2, Duration msl = 2) {
    Config c;
    c.msl = static_cast<std::uint8_t>(msl);
    c.loss_budget = static_cast<std::int8_t>(loss);
    const Profile q = in_ticks(real, max_retries, msl);
    c.host[0].profile = q;
    c.host[1].profile = q;
    return c;
}

constexpr Profile with_keepalive(Profile p) {
    p.keepalive = true;
    return p;
}

// rfc9293 and Linux at the checker's scale keep every relation, with keepalive on too. (Linux
// needs a retry cap of 3 at loss 0 for R2: its delayed ACK adds a unit to the round trip.)
static_assert(broken_order_relations(both(with_keepalive(profiles::rfc9293()))) == 0);
static_assert(broken_order_relations(both(with_keepalive(profiles::linux_default()), 0, 3)) == 0);
static_assert(broken_order_relations(both(profiles::linux_default(), 0, 2)) == relation_bit(OrderRelation::retries_outlast));
// The variants about time break theirs and no other.
static_assert(broken_order_relations(both(profiles::short_time_wait())) == relation_bit(OrderRelation::time_wait));
static_assert(broken_order_relations(both(profiles::no_time_wait())) == relation_bit(OrderRelation::time_wait));
static_assert(broken_order_relations(both(profiles::impatient())) == relation_bit(OrderRelation::retries_outlast));
// A set asked for is a filter: a relation outside it is not reported.
static_assert(broken_order_relations(both(profiles::impatient()), relation_bit(OrderRelation::time_wait)) == 0);

} // namespace

TEST_CASE("timer order: every holding cell of the suite keeps the order relations its property rests on",
          "[timer_order][suite]") {
    int holding = 0;
    for (const auto& c : cells()) {
        if (c.expected != Verdict::holds) continue;
        ++holding;
        const auto config = config_named(config_name(c));
        REQUIRE(config);
        const PropertyInfo* info = find_property(c.property);
        REQUIRE(info);
        INFO(c.property << " on " << config_name(c));
        CHECK(broken_order_relations(*config, info->relies_on) == 0);
        // And at the finer resolution its refinement explores.
        const auto fine = config_named(config_name(c) + "@msl=" + std::to_string(2 * config->msl));
        REQUIRE(fine);
        CHECK(broken_order_relations(*fine, info->relies_on) == 0);
    }
    CHECK(holding > 20);
}

TEST_CASE("timer order: each relation, broken by one knob, is the one reported", "[timer_order]") {
    const Config good = both(with_keepalive(profiles::rfc9293()));
    REQUIRE(broken_order_relations(good) == 0);
    auto breaking = [&](auto change) {
        Config c = good;
        change(c.host[1].profile);
        return broken_order_relations(c);
    };
    CHECK(breaking([](Profile& p) { p.data_retries = 0; }) == relation_bit(OrderRelation::retries_outlast));
    CHECK(breaking([](Profile& p) { p.user_timeout = 4; }) == relation_bit(OrderRelation::retries_outlast));
    CHECK(breaking([](Profile& p) { p.user_timeout = 5; }) == 0);
    CHECK(breaking([](Profile& p) { p.time_wait = 3; }) == relation_bit(OrderRelation::time_wait));
    CHECK(breaking([](Profile& p) { p.keepalive_time = 4; }) == relation_bit(OrderRelation::keepalive_after_closing));
    CHECK(breaking([](Profile& p) { p.fin_wait_2_timeout = 5; }) == relation_bit(OrderRelation::keepalive_after_closing));
    CHECK(breaking([](Profile& p) { p.keepalive_intvl = 4; }) == relation_bit(OrderRelation::keepalive_interval));
    CHECK(breaking([](Profile& p) { p.keepalive_probes = 4; }) == relation_bit(OrderRelation::kill_after_probe));
    // Without keepalive its relations say nothing.
    CHECK(breaking([](Profile& p) { p.keepalive = false; p.keepalive_time = 1; }) == 0);
    // R2 waits for the answer through the peer's delayed ACK, and for the (loss+1)-th send.
    CHECK(breaking([](Profile& p) { p.delayed_ack = 1; }) == relation_bit(OrderRelation::retries_outlast));
    Config lossy = good;
    lossy.loss_budget = 1;
    CHECK(broken_order_relations(lossy) == relation_bit(OrderRelation::retries_outlast));
    lossy.loss_budget = -1; // unbounded loss is held to the first send
    CHECK(broken_order_relations(lossy) == 0);
}

TEST_CASE("timer order: a cell's assumptions name its fairness, each host's ISS and the relations it rests on",
          "[timer_order][suite]") {
    const auto liveness = assumptions_of(*config_named("close/rfc9293"), PropertyKind::liveness,
                                         find_property("simultaneous_close_converges")->relies_on);
    CHECK(liveness.fairness.find("weak fairness of time and of the users") == 0);
    CHECK(relation_list(liveness.relies_on) == "R2, R3");
    CHECK(liveness.broken == 0);
    // close lists no policy: adversarial, the most general (checks/suite.hpp, Scenario::iss).
    CHECK(liveness.iss[0] == "first ISS 0, then any value");
    CHECK(liveness.iss[1] == "first ISS 4, then any value");
    const auto clock = assumptions_of(*config_named("reconnect_clock/rfc9293_hardened"), PropertyKind::safety, 0);
    CHECK(clock.iss[0] == "first ISS 0, then the RFC 6528 clock (beyond every number the last incarnation used)");

    const auto stale = assumptions_of(*config_named("reconnect/short_time_wait"), PropertyKind::safety,
                                      find_property("no_stale_acceptance")->relies_on);
    CHECK(stale.fairness.find("none") == 0);
    CHECK(relation_list(stale.relies_on) == "R1, R3");
    CHECK(relation_list(stale.broken) == "R3");
    CHECK(stale.iss[0] == "first ISS 0, then one above the last");
    CHECK(stale.iss[1] == "first ISS 4, then any value");

    const auto any = assumptions_of(*config_named("reconnect_clock_any_iss/linux"), PropertyKind::safety, 0);
    CHECK(any.iss[1].find("every first ISS") == 0);
    CHECK(relation_list(any.relies_on).empty());
}

TEST_CASE("timer order: docs/properties.md lists, per property, the relations the catalogue says it rests on",
          "[timer_order][docs]") {
    const auto doc = std::filesystem::path(__FILE__).parent_path().parent_path() / "docs" / "properties.md";
    std::ifstream in(doc);
    REQUIRE(in);
    std::set<std::string> seen;
    const std::regex id("R[1-9]");
    for (std::string line; std::getline(in, line);) {
        for (const auto& p : property_catalogue) {
            const std::string row = "| `" + std::string(p.name) + "` |";
            if (line.rfind(row, 0) != 0) continue;
            std::set<std::string> listed, expected;
            for (auto it = std::sregex_iterator(line.begin(), line.end(), id); it != std::sregex_iterator(); ++it)
                listed.insert(it->str());
            for (auto r : relation_ids(p.relies_on)) expected.insert(std::string(r));
            INFO(line);
            CHECK(listed == expected);
            seen.insert(std::string(p.name));
        }
    }
    CHECK(seen.size() == property_catalogue.size());
}
