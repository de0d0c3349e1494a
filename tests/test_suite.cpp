// The `synfin check` suite (checks/suite.hpp, checks/runner.hpp), cell by cell for the cells
// that explore quickly: each broken variant is found violated, and its counterexample, written
// as a trace file and read back, is confirmed by `verify`, while the same trace with its last
// step (or its cycle) removed is not; each holding cell holds. Test names give the property,
// the configuration and the claim the cell is evidence for (the cell's `why`).
#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "../checks/runner.hpp"

namespace {

using namespace synfin;
using namespace synfin::suite;

const Cell& find_cell(std::string_view property, std::string_view config) {
    for (const auto& c : cells())
        if (c.property == property && config_name(c) == config) return c;
    FAIL("no suite cell " << property << " on " << config);
    return cells().front(); // not reached: FAIL throws
}

CellResult run_cell(const Cell& c, unsigned threads = 1) {
    RunOptions ro;
    ro.threads = threads;
    ro.refine_max_states = 0;
    auto rs = run_group({&c}, ro);
    REQUIRE(rs.size() == 1);
    REQUIRE(rs[0].cell == &c);
    return rs[0];
}

Trace reparse(const std::string& text) {
    auto parsed = parse_trace(text);
    if (const auto* e = std::get_if<TraceError>(&parsed)) FAIL(e->line << ":" << e->column << ": " << e->message << "\n" << text);
    return std::get<Trace>(parsed);
}

// The cell is violated; its counterexample survives the trip through a trace file and is
// confirmed; mutilated, it is not. Returns the counterexample for further checks.
// Cells of `companions` on the same configuration are decided on the same exploration and must
// have their expected verdicts too.
Trace check_violated(std::string_view property, std::string_view config, std::string_view why_contains,
                     CellResult* result = nullptr, const std::vector<std::string_view>& companions = {}) {
    const Cell& c = find_cell(property, config);
    INFO(property << " on " << config << ": " << c.why);
    CHECK(std::string_view(c.why).find(why_contains) != std::string_view::npos);
    REQUIRE(c.expected == Verdict::violated);
    std::vector<const Cell*> group{&c};
    for (auto p : companions) group.push_back(&find_cell(p, config));
    RunOptions ro;
    ro.refine_max_states = 0;
    auto rs = run_group(group, ro);
    REQUIRE(rs.size() == group.size());
    for (std::size_t i = 1; i < rs.size(); ++i) {
        INFO(rs[i].cell->property << " on " << config << ": " << rs[i].note);
        CHECK(rs[i].as_expected());
    }
    auto r = rs[0];
    REQUIRE(r.verdict == Verdict::violated);
    CHECK(r.as_expected());
    REQUIRE(r.counterexample.has_value());
    const Trace& cex = *r.counterexample;
    CHECK(cex.config == std::string(config));
    CHECK(cex.property == std::string(property));
    CHECK(r.counterexample_length == cex.stem.size() + cex.cycle.size());
    const bool liveness = find_property(property)->kind == PropertyKind::liveness;
    CHECK(cex.cycle.empty() == !liveness);
    if (liveness) CHECK(r.premise_states > 0);
    if (result) *result = r;

    // Written as `synfin check --trace-dir` writes it, read back as `synfin trace verify` does.
    const std::string text = "# " + std::string(property) + " on " + std::string(config) + "\n" + trace_text(cex);
    const Trace back = reparse(text);
    REQUIRE(back.config == cex.config);
    REQUIRE(back.property == cex.property);
    REQUIRE(back.stem == cex.stem);
    REQUIRE(back.cycle == cex.cycle);
    auto v = verify(back);
    INFO(text << "verify: " << v.message);
    CHECK(v.confirmed);

    // Without its last step the trace shows nothing: a safety counterexample is a shortest
    // one, so the state before its end does not violate; a lasso whose cycle loses a step
    // does not come back to where it started.
    Trace shorter = back;
    if (liveness) {
        shorter.cycle.pop_back();
    } else {
        REQUIRE(!shorter.stem.empty());
        shorter.stem.pop_back();
    }
    auto vs = verify(reparse(trace_text(shorter)));
    INFO("without the last step: " << vs.message);
    CHECK_FALSE(vs.confirmed);
    if (liveness) {
        Trace no_cycle = back;
        no_cycle.cycle.clear();
        auto vc = verify(reparse(trace_text(no_cycle)));
        INFO("without the cycle: " << vc.message);
        CHECK_FALSE(vc.confirmed);
    } else {
        // Nor does a safety trace with a cycle stuck on.
        Trace with_cycle = back;
        with_cycle.cycle.push_back(Action{ActionKind::tick, 0, 0});
        CHECK_FALSE(verify(with_cycle).confirmed);
    }
    return back;
}

void check_holds(const std::vector<std::pair<std::string_view, std::string_view>>& property_config,
                 std::string_view why_contains) {
    // Cells sharing a configuration are decided on one exploration, as `synfin check` does.
    std::vector<const Cell*> group;
    for (auto [p, c] : property_config) group.push_back(&find_cell(p, c));
    for (const auto* c : group) {
        REQUIRE(config_name(*c) == config_name(*group.front()));
        REQUIRE(c->expected == Verdict::holds);
    }
    CHECK(std::string_view(group.front()->why).find(why_contains) != std::string_view::npos);
    RunOptions ro;
    ro.refine_max_states = 0; // the refinement has tests of its own below
    auto rs = run_group(group, ro);
    REQUIRE(rs.size() == group.size());
    for (const auto& r : rs) {
        INFO(r.cell->property << " on " << config_name(*r.cell) << ": " << r.cell->why << " " << r.note);
        CHECK(r.verdict == Verdict::holds);
        CHECK(r.as_expected());
        CHECK_FALSE(r.counterexample.has_value());
        CHECK(r.stats.completion == Completion::complete);
        CHECK(r.stats.states > 0);
        CHECK(r.stats.dead_ends == 0);
        CHECK_FALSE(r.dead_end.has_value());
        if (find_property(r.cell->property)->kind == PropertyKind::liveness) CHECK(r.premise_states > 0);
    }
}

// The states a lasso passes through, from the initial state: the stem's, then the cycle's.
std::pair<std::vector<SystemState<seq_bits>>, std::vector<SystemState<seq_bits>>> replay_lasso(const Trace& t) {
    auto config = config_named(t.config);
    REQUIRE(config.has_value());
    System<seq_bits> sys(*config);
    auto s = sys.initial();
    std::vector<SystemState<seq_bits>> stem{s}, cycle;
    for (auto a : t.stem) stem.push_back(s = sys.apply(s, a));
    cycle.push_back(s);
    for (auto a : t.cycle) cycle.push_back(s = sys.apply(s, a));
    return {stem, cycle};
}

} // namespace

// ---------------------------------------------------------------------------------------------
// The suite itself.

TEST_CASE("suite: every cell names a known property, scenario and profile, and every broken variant is shown broken",
          "[suite]") {
    std::set<std::string> configs_seen;
    for (const auto& c : cells()) {
        INFO(c.property << " on " << config_name(c));
        REQUIRE(find_property(c.property) != nullptr);
        REQUIRE(find_scenario(c.scenario) != nullptr);
        const auto* pc = find_profile(c.profile);
        REQUIRE(pc != nullptr);
        // Unknown is expected only where a bound is known to cut the space, and says so.
        if (c.expected == Verdict::unknown) CHECK(std::string_view(c.why).rfind("bound:", 0) == 0);
        CHECK(c.expected != Verdict::unstable);
        CHECK_FALSE(c.why.empty());
        // A broken variant names the property it breaks; its cells for that property expect it broken.
        if (pc->profile.breaks == c.property) CHECK(c.expected == Verdict::violated);
        // Every configuration fits the explorer's keys.
        if (configs_seen.insert(config_name(c)).second) {
            System<seq_bits> sys(make_config(*find_scenario(c.scenario), *pc));
            CHECK(Packer<seq_bits>(sys.config()).fits());
        }
    }
    for (const auto& p : profile_choices()) {
        if (p.profile.breaks.empty()) continue;
        INFO("profile " << p.name << " breaks " << p.profile.breaks);
        // Shown on the profile itself or on a variant of it ("unbounded_synack_retries+keepalive").
        const std::string variant = std::string(p.name) + "+";
        bool shown = false;
        for (const auto& c : cells()) {
            bool this_profile = c.profile == p.name || std::string(c.profile).rfind(variant, 0) == 0;
            shown = shown || (this_profile && c.property == p.profile.breaks && c.expected == Verdict::violated);
        }
        CHECK(shown);
    }
}

TEST_CASE("suite: verify rejects traces that name no known configuration or property, or that cannot be replayed",
          "[suite]") {
    Trace t{"close/rfc9293", "no_deadlock", {}, {}};
    CHECK_FALSE(verify(Trace{"close", "no_deadlock", {}, {}}).confirmed);
    CHECK_FALSE(verify(Trace{"nowhere/rfc9293", "no_deadlock", {}, {}}).confirmed);
    CHECK_FALSE(verify(Trace{"close/nonesuch", "no_deadlock", {}, {}}).confirmed);
    CHECK_FALSE(verify(Trace{"close/rfc9293", "no_such_property", {}, {}}).confirmed);
    // Those are bad input (exit 2); a trace that replays but shows nothing is a verdict (exit 1).
    for (const auto& [config, property] : {std::pair{"close", "no_deadlock"}, {"nowhere/rfc9293", "no_deadlock"},
                                           {"close/nonesuch", "no_deadlock"}, {"close/rfc9293", "no_such_property"}})
        CHECK(verify(Trace{config, property, {}, {}}).bad_input);
    // The empty run does not deadlock.
    auto v0 = verify(t);
    CHECK_FALSE(v0.bad_input);
    CHECK_FALSE(v0.confirmed);
    CHECK(v0.message.find("does not violate") != std::string::npos);
    // A step that is not enabled: B's first step is listen, but A's SYN is not in flight yet.
    Trace bad = t;
    bad.stem = {Action{ActionKind::user, 1, 4}, Action{ActionKind::deliver, 0, 0}};
    auto vb = verify(bad);
    CHECK_FALSE(vb.confirmed);
    CHECK(vb.message.find("step 2 is not enabled") != std::string::npos);
    // A liveness trace needs a cycle that returns to its start and lets time pass.
    Trace live{"close/rfc9293", "simultaneous_close_converges", {}, {}};
    CHECK(verify(live).message.find("needs a cycle") != std::string::npos);
    live.cycle = {Action{ActionKind::tick, 0, 0}};
    auto vl = verify(live);
    CHECK_FALSE(vl.confirmed);
    CHECK(vl.message.find("premise") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Broken variants: violated, with a counterexample that `trace verify` confirms.

TEST_CASE("no_half_open_leak is violated on stale_syn/two_way_handshake: claim 5, with a two-way handshake an old SYN "
          "leaves the server waiting forever",
          "[suite][claim5]") {
    auto t = check_violated("no_half_open_leak", "stale_syn/two_way_handshake", "claim 5");
    // The stale SYN is delivered to the server after the client gave up on it.
    bool delivered = false;
    for (auto a : t.stem) delivered = delivered || (a.kind == ActionKind::deliver && a.host == 0);
    CHECK(delivered);
}

TEST_CASE("no_half_open_leak is violated on crash/no_keepalive: claim 7, without keepalive ESTABLISHED has no timeout",
          "[suite][claim7]") {
    auto t = check_violated("no_half_open_leak", "crash/no_keepalive", "claim 7");
    bool crashed = false;
    for (auto a : t.stem) crashed = crashed || a.kind == ActionKind::crash;
    CHECK(crashed);
}

TEST_CASE("no_stale_acceptance is violated on reconnect/no_time_wait: claim 13, without TIME-WAIT an old segment "
          "reaches the new connection",
          "[suite][claim13]") {
    check_violated("no_stale_acceptance", "reconnect/no_time_wait", "claim 13");
}

TEST_CASE("no_stale_acceptance is violated on reconnect/short_time_wait: claim 13, MSL is not enough, it takes 2*MSL",
          "[suite][claim13]") {
    check_violated("no_stale_acceptance", "reconnect/short_time_wait", "2*MSL");
}

TEST_CASE("no_stale_acceptance is violated on reconnect/rfc9293: finding, RST or in-window SYN ends TIME-WAIT early "
          "(RFC 1337)",
          "[suite][finding]") {
    check_violated("no_stale_acceptance", "reconnect/rfc9293", "RFC 1337");
}

TEST_CASE("no_stale_acceptance is violated on reconnect/linux: finding, tcp_rfc1337=0 lets an old RST end TIME-WAIT",
          "[suite][finding]") {
    check_violated("no_stale_acceptance", "reconnect/linux", "tcp_rfc1337");
}

TEST_CASE("simultaneous_close_converges is violated on close/no_closing_state: claim 10, without CLOSING crossing FINs "
          "never finish",
          "[suite][claim10][heavy]") {
    auto t = check_violated("simultaneous_close_converges", "close/no_closing_state", "claim 10");
    CHECK(!t.cycle.empty());
}

TEST_CASE("handshake_agreement is violated on restart/unchecked_synack: claim 2, an old SYN+ACK taken at face value",
          "[suite][claim2]") {
    check_violated("handshake_agreement", "restart/unchecked_synack", "SYN+ACK");
}

TEST_CASE("no_deadlock is violated on lossy_close/no_retransmission: a lost segment is never sent again",
          "[suite]") {
    auto t = check_violated("no_deadlock", "lossy_close/no_retransmission", "never sent again");
    // Replayed: some segment sent is never delivered (lost, or gone after MSL), and the run
    // ends with nothing in flight.
    System<seq_bits> sys(make_config(*find_scenario("lossy_close"), *find_profile("no_retransmission")));
    auto s = sys.initial();
    std::size_t sent = 0, delivered = 0;
    for (auto a : t.stem) {
        Outcome<seq_bits> o;
        s = sys.apply(s, a, &o);
        sent += o.sent_count;
        delivered += a.kind == ActionKind::deliver ? 1 : 0;
    }
    CHECK(delivered < sent);
    CHECK(s.channel[0].empty());
    CHECK(s.channel[1].empty());
}

TEST_CASE("no_deadlock is violated on lossy_close/rfc9293: finding, FIN-WAIT-2 waits forever for a FIN that is gone",
          "[suite][finding][heavy]") {
    check_violated("no_deadlock", "lossy_close/rfc9293", "FIN-WAIT-2");
}

TEST_CASE("no_half_open_leak is violated on lossy_close/rfc9293: finding, the RFC alone leaks FIN-WAIT-2 when the peer "
          "has gone",
          "[suite][finding][heavy]") {
    check_violated("no_half_open_leak", "lossy_close/rfc9293", "FIN-WAIT-2");
}

TEST_CASE("in_order_exactly_once is violated on data/no_sequence_check: without the §3.10.7.4 check a FIN is taken "
          "over a gap in the data",
          "[suite]") {
    auto t = check_violated("in_order_exactly_once", "data/no_sequence_check", "over a gap");
    // The shortest run: the server takes the client's FIN before the data it follows.
    System<seq_bits> sys(make_config(*find_scenario("data"), *find_profile("no_sequence_check")));
    auto s = sys.initial();
    for (auto a : t.stem) s = sys.apply(s, a);
    CHECK(s.host[1].tcb.state == State::close_wait);
    CHECK(s.host[1].delivered < s.host[0].sent);
}

TEST_CASE("no_livelock is violated on lossy_close/unbounded_data_retries: RFC 1122 §4.2.3.5, without R2 a "
          "FIN is retransmitted forever while no_deadlock holds",
          "[suite][finding6][heavy]") {
    CellResult r;
    auto t = check_violated("no_livelock", "lossy_close/unbounded_data_retries", "§4.2.3.5", &r, {"no_deadlock"});
    CHECK(find_cell("no_deadlock", "lossy_close/unbounded_data_retries").expected == Verdict::holds);
    // 39 since the retry caps keep R2 at loss 0 under unbounded loss too (SYN and SYN+ACK 3, was 2).
    CHECK(r.counterexample_length == 39);
    auto [stem, cycle] = replay_lasso(t);
    System<seq_bits> sys(*config_named(t.config));
    Properties<seq_bits> props{sys};
    const auto live = *props.liveness("no_livelock");
    const auto deadlock = *props.safety("no_deadlock");
    // The loop comes back to where it began, lets time pass, and the connection stays
    // unfinished all the way round; yet no state on it is stuck, so no_deadlock holds there.
    REQUIRE(cycle.size() == t.cycle.size() + 1);
    CHECK(cycle.front() == cycle.back());
    CHECK(std::count(t.cycle.begin(), t.cycle.end(), Action{ActionKind::tick, 0, 0}) > 0);
    bool retransmits = false;
    for (auto a : t.cycle)
        retransmits = retransmits || (a.kind == ActionKind::timeout && a.arg == static_cast<std::uint8_t>(Timer::retransmission));
    CHECK(retransmits);
    for (const auto& s : cycle) {
        CHECK(live.p(s));
        CHECK_FALSE(deadlock.violated(s));
        CHECK(sys.script_done(s, 0));
        CHECK(sys.script_done(s, 1));
    }
    // The FIN retransmitted forever is one whose ACK never comes (here CLOSING's, after crossing
    // FINs; LAST-ACK's is the same loop); its peer's TIME-WAIT restarts on each copy.
    for (const auto& s : cycle) {
        CHECK((s.host[1].tcb.state == State::closing || s.host[1].tcb.state == State::last_ack));
        CHECK(s.host[1].tcb.fin_sent);
        CHECK(s.host[0].tcb.state == State::time_wait);
    }
    // The same network on the bounded profile finishes: R2 is what ends the loop.
    CHECK(find_cell("no_livelock", "lossy_close/rfc9293+keepalive").expected == Verdict::holds);
}

TEST_CASE("no_livelock is violated on crash/no_keepalive: claim 7, ESTABLISHED outlives its crashed peer",
          "[suite][finding6][claim7]") {
    CellResult r;
    auto t = check_violated("no_livelock", "crash/no_keepalive", "claim 7", &r);
    CHECK(r.counterexample_length == 7);
    auto [stem, cycle] = replay_lasso(t);
    CHECK(cycle.front() == cycle.back());
    CHECK(cycle.front().host[0].crashed);
    CHECK(cycle.front().host[1].tcb.state == State::established);
}

TEST_CASE("no_livelock is violated on lossy_close/no_retransmission: a stuck state is a livelock too",
          "[suite][finding6]") {
    CellResult r;
    auto t = check_violated("no_livelock", "lossy_close/no_retransmission", "stuck", &r);
    // Both FINs lost in FIN-WAIT-1 (a lasso is not always a shortest one: which one is found
    // follows the state numbering, which follows the packed layout).
    CHECK(r.counterexample_length == 10);
    // The loop is time passing over a state that no_deadlock also reports.
    auto [stem, cycle] = replay_lasso(t);
    System<seq_bits> sys(*config_named(t.config));
    Properties<seq_bits> props{sys};
    CHECK(cycle.front() == cycle.back());
    CHECK(props.stuck(cycle.front()));
}

TEST_CASE("no_livelock is violated on lossy_close/rfc9293: finding, FIN-WAIT-2 waits forever", "[suite][finding6][heavy]") {
    CellResult r;
    check_violated("no_livelock", "lossy_close/rfc9293", "FIN-WAIT-2", &r);
    CHECK(r.counterexample_length == 18);
}

TEST_CASE("no_livelock: an unfinished connection is one the users are done with that is not at rest",
          "[suite][finding6]") {
    System<seq_bits> sys(make_config(*find_scenario("crash"), *find_profile("rfc9293+keepalive")));
    Properties<seq_bits> props{sys};
    SystemState<seq_bits> s = sys.initial();
    for (int h = 0; h < 2; ++h) {
        s.host[h].pc = sys.config().host[h].script_len;
        s.host[h].conn = 1;
    }
    auto with = [&](State a, State b) {
        auto x = s;
        x.host[0].tcb.state = a;
        x.host[1].tcb.state = b;
        return x;
    };
    CHECK_FALSE(props.unfinished(with(State::closed, State::closed)));
    CHECK_FALSE(props.unfinished(with(State::closed, State::listen)));
    CHECK_FALSE(props.unfinished(with(State::established, State::established)));
    CHECK_FALSE(props.unfinished(with(State::close_wait, State::fin_wait_2)));
    CHECK(props.unfinished(with(State::closing, State::fin_wait_2)));   // issue 16's pair
    CHECK(props.unfinished(with(State::time_wait, State::last_ack)));
    CHECK(props.unfinished(with(State::fin_wait_2, State::closed)));
    CHECK(props.unfinished(with(State::established, State::listen)));
    // At rest means nothing unacknowledged or queued, in one incarnation, with no host crashed.
    auto busy = with(State::established, State::established);
    busy.host[0].tcb.snd_nxt = busy.host[0].tcb.snd_una + 1;
    CHECK(props.unfinished(busy));
    auto queued = with(State::established, State::established);
    queued.host[1].tcb.send_queued = 1;
    CHECK(props.unfinished(queued));
    auto other = with(State::established, State::established);
    other.host[1].conn = 2;
    CHECK(props.unfinished(other));
    auto crashed = with(State::closed, State::established);
    crashed.host[0].crashed = true;
    CHECK(props.unfinished(crashed));
    // While a user still has a step to take, nothing is unfinished yet.
    auto early = with(State::closing, State::fin_wait_2);
    early.host[0].pc = 0;
    CHECK_FALSE(props.unfinished(early));
    // The property's two sides are each other's negation.
    auto lt = *props.liveness("no_livelock");
    for (const auto& x : {busy, early, with(State::established, State::established)}) CHECK(lt.p(x) != lt.q(x));
}

TEST_CASE("suite: counterexamples are the same for 1 and 2 explorer threads", "[suite]") {
    for (auto [p, c] : {std::pair<std::string_view, std::string_view>{"no_half_open_leak", "stale_syn/two_way_handshake"},
                        {"handshake_agreement", "restart/unchecked_synack"},
                        {"no_stale_acceptance", "reconnect/no_time_wait"},
                        {"no_livelock", "crash/no_keepalive"}}) {
        INFO(p << " on " << c);
        const Cell& cell = find_cell(p, c);
        auto one = run_cell(cell, 1);
        auto two = run_cell(cell, 2);
        REQUIRE(one.counterexample.has_value());
        REQUIRE(two.counterexample.has_value());
        CHECK(one.counterexample->stem == two.counterexample->stem);
        CHECK(one.counterexample->cycle == two.counterexample->cycle);
        CHECK(one.stats.states == two.stats.states);
        CHECK(trace_text(*one.counterexample) == trace_text(*two.counterexample));
    }
}

// ---------------------------------------------------------------------------------------------
// Mechanisms that work: the cells hold.

TEST_CASE("no_half_open_leak holds on stale_syn/rfc9293: claim 5, with three segments an old SYN never establishes",
          "[suite][claim5]") {
    check_holds({{"no_half_open_leak", "stale_syn/rfc9293"}}, "claim 5");
}

TEST_CASE("no_half_open_leak holds on crash/rfc9293+keepalive: claim 7, keepalive ends the wait for a crashed peer",
          "[suite][claim7][heavy]") {
    check_holds({{"no_half_open_leak", "crash/rfc9293+keepalive"}}, "claim 7");
}

TEST_CASE("no_livelock holds on crash/rfc9293+keepalive and stale_syn/rfc9293: a crashed peer's connection is finished, "
          "an idle pair or a CLOSE-WAIT left open is at rest",
          "[suite][finding6][heavy]") {
    check_holds({{"no_livelock", "crash/rfc9293+keepalive"}}, "crashed peer");
    check_holds({{"no_livelock", "stale_syn/rfc9293"}}, "CLOSE-WAIT");
}

// lossy_close/rfc9293+keepalive (9.5 M states) is left to `synfin check`.
TEST_CASE("no_livelock holds on lossy_close/linux: tcp_retries2 and the orphans' FIN-WAIT-2 timeout finish every close",
          "[suite][finding6][heavy]") {
    check_holds({{"no_livelock", "lossy_close/linux"}, {"no_half_open_leak", "lossy_close/linux"}}, "tcp_retries2");
}

TEST_CASE("simultaneous_close_converges, no_deadlock and no_livelock hold on close/rfc9293: claim 10, crossing FINs meet "
          "in CLOSING - claim 8, the four-segment release completes",
          "[suite][claim10][claim8][heavy]") {
    check_holds({{"simultaneous_close_converges", "close/rfc9293"}, {"no_deadlock", "close/rfc9293"},
                 {"no_livelock", "close/rfc9293"}},
                "claim 10");
    CHECK(std::string_view(find_cell("no_deadlock", "close/rfc9293").why).find("claim 8") != std::string_view::npos);
}

TEST_CASE("simultaneous_close_converges is unknown on close/linux: dead ends at 4 segments in flight, each path to one "
          "confirmed by verify",
          "[suite][bounds][heavy]") {
    const Cell& c = find_cell("simultaneous_close_converges", "close/linux");
    REQUIRE(c.expected == Verdict::unknown);
    auto r = run_cell(c);
    CHECK(r.verdict == Verdict::unknown);
    CHECK(r.stats.dead_ends > 0);
    CHECK(r.stats.blocked_states >= r.stats.dead_ends);
    REQUIRE(r.dead_end.has_value());
    auto v = verify(reparse(trace_text(*r.dead_end)));
    INFO(v.message);
    CHECK(v.confirmed);
    Trace shorter = *r.dead_end;
    REQUIRE_FALSE(shorter.stem.empty());
    shorter.stem.pop_back();
    CHECK_FALSE(verify(shorter).confirmed);
}

TEST_CASE("dead ends: at 3 segments in flight close/rfc9293 has states where a full channel blocks everything, "
          "and a holding verdict there is unknown",
          "[suite][bounds][heavy]") {
    Config small = make_config(*find_scenario("close"), *find_profile("rfc9293"));
    small.capacity = 3;
    System<seq_bits> sys(small);
    Explorer<seq_bits> ex(sys, ExploreOptions{});
    ex.run({});
    CHECK(ex.stats().dead_ends > 0);
    REQUIRE(ex.stats().first_dead_end != Explorer<seq_bits>::none);
    auto s = ex.state(ex.stats().first_dead_end);
    CHECK(sys.dead_end(s));
    CHECK_FALSE(sys.tick_enabled(s));
    // Each channel is at its capacity: that is what refuses the answers.
    CHECK((s.channel[0].count == small.capacity || s.channel[1].count == small.capacity));
    CHECK_FALSE(sys.dead_end(sys.initial()));
    // The scenario's own capacity has none.
    System<seq_bits> roomy(make_config(*find_scenario("close"), *find_profile("rfc9293")));
    Explorer<seq_bits> ex4(roomy, ExploreOptions{});
    ex4.run({});
    CHECK(ex4.stats().dead_ends == 0);
}

TEST_CASE("refinement: a holding verdict that changes at the finer resolution is unstable, never holds",
          "[suite][refinement]") {
    const Cell& c = find_cell("no_half_open_leak", "stale_syn/rfc9293");
    CellResult coarse;
    coarse.cell = &c;
    coarse.verdict = Verdict::holds;
    coarse.msl = 2;
    CellResult fine = coarse;
    fine.msl = 4;
    SECTION("violated when finer") {
        fine.verdict = Verdict::violated;
        fine.counterexample = Trace{"stale_syn/rfc9293@msl=4", "no_half_open_leak", {Action{}}, {Action{}}};
        fine.counterexample_length = 2;
        apply_refinement(coarse, fine);
        CHECK(coarse.verdict == Verdict::unstable);
        CHECK(coarse.refinement == Refinement::changed);
        CHECK(coarse.counterexample_length == 2);
        CHECK(coarse.note.find("MSL = 4") != std::string::npos);
        CHECK_FALSE(coarse.as_expected());
    }
    SECTION("incomplete when finer") {
        fine.verdict = Verdict::unknown;
        apply_refinement(coarse, fine);
        CHECK(coarse.verdict == Verdict::holds);
        CHECK(coarse.refinement == Refinement::incomplete);
        CHECK_FALSE(coarse.note.empty());
    }
    SECTION("holds when finer") {
        apply_refinement(coarse, fine);
        CHECK(coarse.verdict == Verdict::holds);
        CHECK(coarse.refinement == Refinement::stable);
    }
    SECTION("a violation is not refined") {
        coarse.verdict = Verdict::violated;
        fine.verdict = Verdict::holds;
        apply_refinement(coarse, fine);
        CHECK(coarse.verdict == Verdict::violated);
        CHECK(coarse.refinement == Refinement::not_run);
    }
}

// crash/rfc9293+keepalive was the second case until keepalive's probes outlasted a round trip
// (issue 16, finding 5): its finer space now exceeds the default refinement budget.
TEST_CASE("refinement: the suite re-runs holding cells at twice the resolution (stale_syn/rfc9293 and idle are stable)",
          "[suite][refinement][heavy]") {
    for (auto [property, config] : {std::pair<const char*, const char*>{"no_half_open_leak", "stale_syn/rfc9293"},
                                    {"no_spurious_timeout", "idle/rfc9293+keepalive"}}) {
        INFO(config);
        const Cell& c = find_cell(property, config);
        auto rs = run_group({&c}, RunOptions{});
        REQUIRE(rs.size() == 1);
        CHECK(rs[0].msl == 2);
        CHECK(rs[0].verdict == Verdict::holds);
        CHECK(rs[0].refinement == Refinement::stable);
        CHECK(rs[0].refined_verdict == Verdict::holds);
        CHECK(rs[0].refined_states > rs[0].stats.states); // the finer space is larger
        if (find_property(property)->kind == PropertyKind::liveness) CHECK(rs[0].premise_states > 0);
    }
    // The finer configuration keeps the ratios: TIME-WAIT 2*MSL, RTO MSL/2 .. MSL.
    auto fine = config_named("stale_syn/rfc9293@msl=4");
    REQUIRE(fine.has_value());
    CHECK(fine->msl == 4);
    CHECK(fine->host[1].profile.time_wait == 8);
    CHECK(fine->host[1].profile.rto_initial == 2);
    CHECK(fine->host[1].profile.rto_max == 4);
    CHECK_FALSE(config_named("stale_syn/rfc9293@msl=x").has_value());
    CHECK_FALSE(config_named("stale_syn/rfc9293@msl=1").has_value());
}

TEST_CASE("handshake_agreement is unknown on restart/rfc9293: no disagreement in 20 M states, but each of the "
          "server's attempts has its own ISS now (MUST-8), and their SYN+ACKs fill a channel: dead ends",
          "[suite][claim2][bounds][heavy]") {
    const Cell& c = find_cell("handshake_agreement", "restart/rfc9293");
    REQUIRE(c.expected == Verdict::unknown);
    auto r = run_cell(c);
    CHECK(r.verdict == Verdict::unknown);
    CHECK_FALSE(r.counterexample.has_value());
    CHECK(r.stats.dead_ends > 0);
    REQUIRE(r.dead_end.has_value());
    CHECK(verify(reparse(trace_text(*r.dead_end))).confirmed);
}

TEST_CASE("no_stale_acceptance holds on reconnect_clock/rfc9293_hardened: claim 13b, 2*MSL and a clock-driven ISS",
          "[suite][claim13][heavy]") {
    check_holds({{"no_stale_acceptance", "reconnect_clock/rfc9293_hardened"}}, "claim 13b");
}

TEST_CASE("no_stale_acceptance is violated on reconnect/rfc9293_hardened: finding, with an adversarial ISS 2*MSL alone "
          "is not enough",
          "[suite][claim13]") {
    auto t = check_violated("no_stale_acceptance", "reconnect/rfc9293_hardened", "adversarial ISS");
    // The old segment that does it is the <SEQ=0> RST,ACK that refused the first SYN, and the
    // window it falls in is that of a later attempt of the server, whose fresh ISS is any value.
    const std::string text = trace_text(t);
    CHECK(text.find("RST,ACK seq=0 ack=1 len=0; A CLOSED(reset)") != std::string::npos);
    bool fresh_attempt = false;
    for (auto a : t.stem) fresh_attempt = fresh_attempt || chosen_iss(a) >= 0;
    CHECK(fresh_attempt);
}

TEST_CASE("no_stale_acceptance is violated on reconnect_counter/rfc9293_hardened: finding, three hops each within MSL",
          "[suite][claim13]") {
    check_violated("no_stale_acceptance", "reconnect_counter/rfc9293_hardened", "three hops");
}

TEST_CASE("no_stale_acceptance is violated on reconnect_clock/linux: finding, Linux reopens TIME-WAIT with SND.NXT+65537",
          "[suite][claim13]") {
    check_violated("no_stale_acceptance", "reconnect_clock/linux", "65537");
}

TEST_CASE("in_order_exactly_once is complete: on data/no_sequence_check no host reaches CLOSE-WAIT with bytes missing "
          "unless the violation is latched",
          "[suite][finding7][heavy]") {
    System<seq_bits> sys(make_config(*find_scenario("data"), *find_profile("no_sequence_check")));
    Explorer<seq_bits> ex(sys, ExploreOptions{});
    auto missing = [](const SystemState<seq_bits>& s) {
        return s.host[1].tcb.state == State::close_wait && s.host[1].delivered < s.host[0].sent;
    };
    Safety<seq_bits> reached{"missing bytes at CLOSE-WAIT", missing};
    Safety<seq_bits> unnoticed{"missing bytes at CLOSE-WAIT, no violation",
                               [&](const SystemState<seq_bits>& s) { return missing(s) && (s.violations & out_of_order) == 0; }};
    auto first = ex.run({reached, unnoticed});
    CHECK(first[0] != Explorer<seq_bits>::none); // the variant does take a FIN over a gap
    CHECK(first[1] == Explorer<seq_bits>::none); // and the property always notices
}

TEST_CASE("finding 3: in a simultaneous open neither host's SYN is an old segment to the other (the two attempts "
          "are one connection), and both agree on the ISS",
          "[suite][finding3][heavy]") {
    Config c = make_config(Scenario{"simultaneous_open", "both connect, then close",
                                    {{U::connect}, {U::close}}, {{U::connect}, {U::close}}, 0},
                           *find_profile("rfc9293"));
    System<seq_bits> sys(c);
    Properties<seq_bits> props{sys};
    Explorer<seq_bits> ex(sys, ExploreOptions{});
    Safety<seq_bits> crossed{"both in SYN-RECEIVED",
                             [](const SystemState<seq_bits>& s) {
                                 return s.host[0].tcb.state == State::syn_received &&
                                        s.host[1].tcb.state == State::syn_received;
                             }};
    Safety<seq_bits> both_established{"both ESTABLISHED", [](const SystemState<seq_bits>& s) {
                                          return s.host[0].tcb.state == State::established &&
                                                 s.host[1].tcb.state == State::established &&
                                                 s.host[0].conn == s.host[1].conn;
                                      }};
    auto first = ex.run({crossed, both_established, *props.safety("no_stale_acceptance"),
                         *props.safety("handshake_agreement")});
    CHECK(first[0] != Explorer<seq_bits>::none); // the SYNs do cross
    CHECK(first[1] != Explorer<seq_bits>::none); // and the connection opens, as one incarnation
    CHECK(first[2] == Explorer<seq_bits>::none);
    CHECK(first[3] == Explorer<seq_bits>::none);
}

TEST_CASE("finding 3 / issue 10 #5: a listener's later attempt takes a fresh ISS by its policy (clock: one past "
          "the failed attempt's; adversarial: any, offered with the delivery and written in the trace)",
          "[suite][finding3]") {
    // B takes A's SYN, an RST sends it back to LISTEN, and A's retransmitted SYN opens again.
    Scenario sc{"reattempt", "", {{U::connect}}, {{U::listen}}, 1};
    auto reattempt_isses = [&](IssPolicy policy) {
        sc.iss = {policy, policy};
        System<seq_bits> sys(make_config(sc, *find_profile("rfc9293")));
        Explorer<seq_bits> ex(sys, ExploreOptions{});
        std::set<unsigned> seen;
        ex.run({});
        for (std::uint32_t i = 0; i < ex.stats().states; ++i) {
            auto s = ex.state(i);
            if (s.host[1].listen_used && s.host[1].tcb.state == State::syn_received) seen.insert(s.host[1].tcb.iss.value());
        }
        return seen;
    };
    // The first attempt has the first ISS, 4; a later one under the clock 5, never 4 again.
    CHECK(reattempt_isses(IssPolicy::clock) == std::set<unsigned>{4, 5});
    auto any = reattempt_isses(IssPolicy::adversarial);
    CHECK(any.size() == 8);
}

TEST_CASE("no_stale_acceptance is violated on reconnect_clock_any_iss/rfc9293_hardened: finding 3, the first ISS "
          "matters, and the <SEQ=0> RST,ACK that refused the first SYN resets the second connection",
          "[suite][finding3]") {
    auto cex = check_violated("no_stale_acceptance", "reconnect_clock_any_iss/rfc9293_hardened", "first ISS matters");
    CHECK(cex.stem.size() == 12);
    const std::string text = trace_text(cex);
    CHECK(text.find("RST,ACK seq=0") != std::string::npos);
    CHECK(text.find("A CLOSED(reset)") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Timer ratios (issue 16, finding 5): the order relations in_ticks keeps at every resolution.

namespace {

// The relations docs/properties.md lists under "Order relations", for one profile at one
// resolution, with the retry cap make_config would give a scenario of `loss` lost segments: those
// a configuration in ticks shows (broken_order_relations, keepalive on so that R4-R6 count), and
// the stronger forms that need the real profile beside it.
constexpr bool keeps_order(const Profile& real, Duration msl, int loss) {
    Profile probing = real;
    probing.keepalive = true;
    Config c;
    c.msl = static_cast<std::uint8_t>(msl);
    c.loss_budget = static_cast<std::int8_t>(loss);
    c.host[0].profile = in_ticks(probing, retries_outlasting(in_ticks(real, 64, msl), loss), msl);
    c.host[1].profile = c.host[0].profile;
    const Profile& q = c.host[0].profile;
    const Duration round_trip = 2 * msl; // a probe, a SYN, a FIN without data: answered at once
    bool ok = broken_order_relations(c) == 0;
    // TIME-WAIT is scaled exactly, not only kept at 2*MSL or more (R3).
    ok = ok && q.msl == msl && q.time_wait * real.msl == real.time_wait * msl;
    // The interval is on the same side of a probe's round trip as the real one (R5 in full).
    ok = ok && (q.keepalive_intvl > round_trip) == (real.keepalive_intvl > 2 * real.msl);
    // The RTO is below a round trip, as 1 s is below 2*MSL.
    ok = ok && q.rto_initial < round_trip && q.rto_max < round_trip;
    return ok;
}

constexpr bool keeps_order_everywhere(const Profile& real) {
    bool ok = true;
    for (Duration msl : {2, 4, 8})
        for (int loss : {0, 1, 2}) ok = ok && keeps_order(real, msl, loss);
    return ok;
}

static_assert(keeps_order_everywhere(profiles::rfc9293()));
static_assert(keeps_order_everywhere(profiles::linux_default()));
// The smallest values that keep them, at the coarsest resolution (MSL = 2 ticks).
static_assert(in_ticks(profiles::rfc9293()).keepalive_time == 5);
static_assert(in_ticks(profiles::rfc9293()).keepalive_intvl == 1);  // 75 s < 2*120 s
static_assert(in_ticks(profiles::rfc9293()).keepalive_probes == 5);
static_assert(in_ticks(profiles::linux_default()).keepalive_time == 5);
static_assert(in_ticks(profiles::linux_default()).keepalive_intvl == 5); // 75 s > 2*30 s
static_assert(in_ticks(profiles::linux_default()).keepalive_probes == 1);
static_assert(retries_outlasting(in_ticks(profiles::rfc9293(), 64), 0) == 2);
static_assert(retries_outlasting(in_ticks(profiles::rfc9293(), 64), 1) == 3);
static_assert(retries_outlasting(in_ticks(profiles::linux_default(), 64), 0) == 3); // + its delayed ACK
// The broken variant gives up before the answer to its first send can be back.
static_assert(retry_give_up_time(in_ticks(profiles::impatient()), 1, false) <= answer_delay(in_ticks(profiles::impatient())));

} // namespace

TEST_CASE("in_ticks keeps the order relations of rfc9293 and linux at MSL = 2, 4 and 8 ticks", "[suite][ratios]") {
    for (const Profile& real : {profiles::rfc9293(), profiles::linux_default()}) {
        for (Duration msl : {2, 4, 8}) {
            for (int loss : {0, 1, 2}) {
                INFO(real.name << " at MSL = " << msl << ", loss " << loss);
                CHECK(keeps_order(real, msl, loss));
            }
            // Doubling the resolution doubles every duration.
            const Profile a = in_ticks(real, 2, msl), b = in_ticks(real, 2, 2 * msl);
            CHECK(b.keepalive_time == 2 * a.keepalive_time);
            CHECK(b.keepalive_intvl == 2 * a.keepalive_intvl);
            CHECK(b.keepalive_probes == a.keepalive_probes);
            CHECK(b.rto_initial == 2 * a.rto_initial);
            CHECK(b.time_wait == 2 * a.time_wait);
        }
    }
    // make_config gives a zero-loss scenario the retry cap those relations need.
    auto close_linux = make_config(*find_scenario("close"), *find_profile("linux"));
    CHECK(close_linux.host[0].profile.data_retries == 3);
    auto close_rfc = make_config(*find_scenario("close"), *find_profile("rfc9293"));
    CHECK(close_rfc.host[0].profile.data_retries == 2);
    auto idle_impatient = make_config(*find_scenario("idle"), *find_profile("impatient"));
    CHECK(idle_impatient.host[0].profile.syn_retries == 1); // in_ticks only lowers a limit
}

TEST_CASE("no_spurious_timeout is violated on idle/impatient: one retransmission gives up before the SYN+ACK can arrive",
          "[suite][ratios]") {
    auto t = check_violated("no_spurious_timeout", "idle/impatient", "gives up before");
    CHECK(t.stem.size() == 7);
    // Nothing was lost: every segment is still in flight or was delivered, and A timed out.
    System<seq_bits> sys(make_config(*find_scenario("idle"), *find_profile("impatient")));
    auto s = sys.initial();
    for (auto a : t.stem) {
        CHECK(a.kind != ActionKind::lose);
        s = sys.apply(s, a);
    }
    CHECK(s.loss_left == 0);
    CHECK(s.host[0].tcb.reason == CloseReason::timed_out);
}

TEST_CASE("no_spurious_timeout holds on idle with keepalive: probes never kill a live peer (rfc9293, linux)",
          "[suite][ratios]") {
    check_holds({{"no_spurious_timeout", "idle/rfc9293+keepalive"}}, "outlast a probe's round trip");
    check_holds({{"no_spurious_timeout", "idle/linux+keepalive"}}, "past a round trip");
}

TEST_CASE("no_spurious_timeout holds on close/rfc9293: the retry schedule outlasts the FIN's round trip",
          "[suite][ratios][heavy]") {
    check_holds({{"no_spurious_timeout", "close/rfc9293"}}, "round trip");
}

TEST_CASE("no_spurious_timeout is violated on restart/rfc9293: finding, the old SYN holds the listener in SYN-RECEIVED, "
          "which drops the new SYN",
          "[suite][ratios][finding]") {
    auto t = check_violated("no_spurious_timeout", "restart/rfc9293", "drops the new SYN");
    CHECK(t.stem.size() == 17);
}

TEST_CASE("no_spurious_timeout cannot be decided with unbounded loss: unknown, and a trace of it is refused",
          "[suite][ratios]") {
    System<seq_bits> sys(make_config(*find_scenario("lossy_close"), *find_profile("rfc9293")));
    Properties<seq_bits> props{sys};
    CHECK_FALSE(props.inapplicable("no_spurious_timeout").empty());
    CHECK(props.inapplicable("no_deadlock").empty());
    auto v = verify(Trace{"lossy_close/rfc9293", "no_spurious_timeout", {Action{ActionKind::tick, 0, 0}}, {}});
    CHECK_FALSE(v.confirmed);
    CHECK(v.message.find("unbounded loss") != std::string::npos);
}

// ---- issue 16, finding 8: every rule the suite relies on is reachable in it ----

namespace {

// The length of a shortest run of the configuration to a state where `what` holds, or
// nothing when no reachable state has it.
std::optional<std::size_t> shortest_to(std::string_view scenario, std::string_view profile,
                                       std::function<bool(const SystemState<seq_bits>&)> what) {
    System<seq_bits> sys(make_config(*find_scenario(scenario), *find_profile(profile)));
    ExploreOptions eo;
    eo.max_states = 20'000'000;
    Explorer<seq_bits> ex(sys, eo);
    auto bad = ex.run({Safety<seq_bits>{"reached", std::move(what)}}, true);
    if (bad[0] == Explorer<seq_bits>::none) return std::nullopt;
    return ex.path_to(bad[0]).size();
}

bool has_step(const Trace& t, ActionKind k, int host, std::optional<UserAction> user = std::nullopt) {
    auto sys = System<seq_bits>(*config_named(t.config));
    auto s = sys.initial();
    for (auto a : t.stem) {
        bool match = a.kind == k && (host < 0 || a.host == host);
        if (match && user) match = sys.config().host[a.host].script[s.host[a.host].pc].action == *user;
        if (match) return true;
        s = sys.apply(s, a);
    }
    return false;
}

} // namespace

TEST_CASE("RFC 9293 §3.6 SHLD-3 in the suite: CLOSE with bytes unread resets the peer (partial_read: a RECEIVE "
          "reads one byte of two)",
          "[suite][finding8][heavy]") {
    // The server read one byte, closed, and its RST reached the client, who was told.
    auto n = shortest_to("partial_read", "rfc9293", [](const SystemState<seq_bits>& s) {
        return s.host[1].discarded && s.host[1].tcb.reason == CloseReason::aborted && s.host[0].saw_error &&
               s.host[0].tcb.reason == CloseReason::reset;
    });
    REQUIRE(n);
    CHECK(*n > 6);
    auto t = check_violated("no_silent_data_loss", "partial_read/silent_close", "unread");
    CHECK(t.stem.size() == 11);
    CHECK(has_step(t, ActionKind::user, 1, UserAction::receive));
    check_holds({{"no_silent_data_loss", "partial_read/rfc9293"}}, "RECEIVE");
}

TEST_CASE("RFC 9293 §3.6 SHLD-3 in the suite: bytes that reach a host after its CLOSE reset the peer (unread_close)",
          "[suite][finding8]") {
    // Refused with RST, not taken: the server delivered none of them.
    auto n = shortest_to("unread_close", "rfc9293", [](const SystemState<seq_bits>& s) {
        return s.host[1].discarded && s.host[1].delivered == 0 && s.host[1].tcb.reason == CloseReason::aborted;
    });
    REQUIRE(n);
    auto t = check_violated("no_silent_data_loss", "unread_close/silent_close", "orderly");
    CHECK(t.stem.size() == 10);
    // The server's application never reads: the bytes wait unread, not read at once.
    System<seq_bits> sys(*config_named(t.config));
    auto s = sys.initial();
    std::uint32_t most_unread = 0;
    for (auto a : t.stem) {
        s = sys.apply(s, a);
        most_unread = std::max(most_unread, s.host[1].tcb.unread);
    }
    CHECK(most_unread == 2);
}

TEST_CASE("RFC 9293 §3.10.5 ABORT in the suite: its RST releases the peer; without it the peer leaks", "[suite][finding8]") {
    auto n = shortest_to("abort", "rfc9293", [](const SystemState<seq_bits>& s) {
        return s.host[0].tcb.reason == CloseReason::aborted && s.host[1].tcb.reason == CloseReason::reset;
    });
    REQUIRE(n);
    auto t = check_violated("no_half_open_leak", "abort/silent_abort", "without RST");
    CHECK(t.stem.size() + t.cycle.size() == 7);
    CHECK(has_step(t, ActionKind::user, 0, UserAction::abort));
    check_holds({{"no_half_open_leak", "abort/rfc9293"}}, "ABORT");
}

TEST_CASE("a server crash in the suite: the rebooted server's RST ends the client's connection; without keepalive an "
          "idle client leaks",
          "[suite][finding8]") {
    auto n = shortest_to("server_crash", "rfc9293+keepalive", [](const SystemState<seq_bits>& s) {
        return s.host[1].crashed && s.host[0].tcb.reason == CloseReason::reset;
    });
    REQUIRE(n);
    auto t = check_violated("no_half_open_leak", "server_crash/no_keepalive", "server crashed");
    CHECK(has_step(t, ActionKind::crash, 1));
}

TEST_CASE("duplication in the suite: a duplicated data segment is taken once; without the sequence check twice",
          "[suite][finding8]") {
    auto n = shortest_to("dup_data", "rfc9293", [](const SystemState<seq_bits>& s) {
        return s.dup_left == 0 && s.host[1].delivered == 2;
    });
    REQUIRE(n);
    auto t = check_violated("in_order_exactly_once", "dup_data/no_sequence_check", "copy");
    CHECK(has_step(t, ActionKind::duplicate, 0));
    check_holds({{"in_order_exactly_once", "dup_data/rfc9293"}}, "duplicated");
}

TEST_CASE("RFC 9293 §3.10.8 USER TIMEOUT in the suite: it ends a FIN retransmitted forever, and never a live "
          "connection",
          "[suite][finding8][heavy]") {
    // A state where the user timeout is due: it fires (and only where the profile has one).
    auto due = [](const SystemState<seq_bits>& s) {
        constexpr auto ut = static_cast<std::size_t>(Timer::user_timeout);
        return s.host[0].tcb.deadline[ut] == 0 || s.host[1].tcb.deadline[ut] == 0;
    };
    CHECK(shortest_to("lossy_close", "unbounded_data_retries+user_timeout", due));
    CHECK_FALSE(shortest_to("lossy_close", "unbounded_data_retries", due));
    check_holds({{"no_livelock", "lossy_close/unbounded_data_retries+user_timeout"}}, "user timeout");
    check_holds({{"no_spurious_timeout", "close/rfc9293+user_timeout"}}, "round trip");
}

TEST_CASE("in_ticks: the user timeout outlasts the answer to the first send at every resolution", "[suite][ratios]") {
    for (Duration msl : {2, 4, 8}) {
        Profile p = profiles::rfc9293();
        p.user_timeout = 300 * profiles::second;
        Profile q = in_ticks(p, 2, msl);
        CHECK(q.user_timeout > answer_delay(q));
        CHECK(in_ticks(profiles::rfc9293(), 2, msl).user_timeout == 0);
    }
}
