// The explorer (include/synfin/explorer.hpp) against things we can know without it: state counts
// derived by hand for tiny configurations, a brute-force BFS of our own over unpacked states,
// random walks of the system (every state they reach must have been counted, and must pack and
// unpack to itself), thread-count independence, early stopping, shortest counterexamples, and
// lassos for "P leads to Q" that replay with System::apply.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <synfin/explorer.hpp>
#include <synfin/properties.hpp>

#include "../checks/suite.hpp"

namespace {

using namespace synfin;
using U = UserAction;

constexpr unsigned Bits = suite::seq_bits; // the checker's sequence space: 3 bits
using St = SystemState<Bits>;
using Ex = Explorer<Bits>;

// A configuration written by hand: each host's script, one profile for both, everything else
// as Config's defaults (MSL 2 ticks, unbounded loss, no duplication, no crash).
Config hand(std::initializer_list<ScriptStep> a, std::initializer_list<ScriptStep> b,
            Profile p = in_ticks(profiles::rfc9293())) {
    Config c;
    c.name = "hand";
    int h = 0;
    for (auto script : {a, b}) {
        c.host[h].profile = p;
        c.host[h].script_len = static_cast<std::uint8_t>(script.size());
        std::size_t i = 0;
        for (const auto& st : script) c.host[h].script[i++] = st;
        ++h;
    }
    return c;
}

Config suite_config(std::string_view scenario, std::string_view profile) {
    const auto* sc = suite::find_scenario(scenario);
    const auto* pc = suite::find_profile(profile);
    REQUIRE(sc != nullptr);
    REQUIRE(pc != nullptr);
    return suite::make_config(*sc, *pc);
}

// Two bytes sent over a receiver without the sequence check, with loss, duplication and crash
// budgets: crashed hosts, budgets counting down, out-of-order deliveries (the latched
// violation), bytes delivered more than once.
Config data_budgets() {
    Config c = hand({{U::connect}, {U::send, 2}}, {{U::listen}}, in_ticks(profiles::no_sequence_check(), 1));
    c.loss_budget = 1;
    c.dup_budget = 1;
    c.crash_budget = 1;
    c.host[0].may_crash = true;
    return c;
}

// One byte, one duplicate, no loss: the duplicate is delivered a second time.
Config one_byte_twice() {
    Config c = hand({{U::connect}, {U::send, 1}}, {{U::listen}}, in_ticks(profiles::no_sequence_check()));
    c.loss_budget = 0;
    c.dup_budget = 1;
    return c;
}

// Abort and connect again without TIME-WAIT: two incarnations, stale segments accepted (the
// other latched violation), an adversarial ISS for the second connect.
Config abort_reconnect() {
    Config c = hand({{U::connect}, {U::abort}, {U::connect}}, {{U::listen}}, in_ticks(profiles::no_time_wait(), 1));
    c.loss_budget = 0;
    c.capacity = 2; // 2.8 M states; at three in flight, 49 M
    return c;
}

// The restart scenario with two segments in flight a direction instead of three: the same
// behaviours (each server attempt's fresh ISS, an old SYN+ACK taken at face value by
// unchecked_synack) in a quarter of a million states instead of 20 million, so that the tests
// below that explore it whole, several times over, take seconds.
Config small_restart(std::string_view profile) {
    Config c = suite_config("restart", profile);
    c.capacity = 2;
    return c;
}

// Successors of s as the explorer sees them: enabled actions whose transition is not blocked.
std::vector<std::pair<Action, St>> successors(const System<Bits>& sys, const St& s) {
    std::vector<std::pair<Action, St>> out;
    sys.for_each_action(s, [&](Action a) {
        Outcome<Bits> o;
        St n = sys.apply(s, a, &o);
        if (!o.blocked) out.emplace_back(a, n);
    });
    return out;
}

bool is_enabled(const System<Bits>& sys, const St& s, Action a) {
    bool found = false;
    sys.for_each_action(s, [&](Action b) { found = found || a == b; });
    return found;
}

// ---- a brute-force BFS over whole (unpacked) states ------------------------------------------
// Independent of packing and of the explorer's hash set: states are compared with
// SystemState::operator==, so two states the packer would merge are two states here.

struct StateHash {
    std::size_t operator()(const St& s) const noexcept {
        std::uint64_t h = 1469598103934665603ull;
        auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
        for (const auto& x : s.host) {
            const auto& t = x.tcb;
            mix(static_cast<unsigned>(t.state));
            for (auto v : {t.iss, t.snd_una, t.snd_nxt, t.irs, t.rcv_nxt}) mix(v.value());
            for (auto d : t.deadline) mix(static_cast<std::uint64_t>(d));
            mix(t.retries);
            mix(x.pc);
            mix(x.opens);
            mix(x.conn);
            mix(x.delivered);
            mix(x.crashed);
        }
        for (const auto& ch : s.channel) {
            mix(ch.count);
            for (std::size_t i = 0; i < ch.count; ++i) {
                const auto& p = ch[i];
                mix(p.flags); mix(p.seq); mix(p.ack); mix(p.len); mix(p.age); mix(p.inc); mix(p.off);
            }
        }
        mix(static_cast<std::uint8_t>(s.loss_left));
        mix(s.dup_left);
        mix(s.crash_left);
        mix(s.overflow_left);
        mix(s.violations);
        mix(s.next_conn);
        return static_cast<std::size_t>(h);
    }
};

struct BruteResult {
    std::size_t states = 0;
    std::uint64_t transitions = 0;
    std::uint32_t depth = 0;                       // deepest level
    std::optional<std::uint32_t> violation_depth;  // shallowest level with a violating state
};

// Level by level from the initial state; with stop_at_violation, ends after the first level
// that holds a violating state (its depth is then the length of a shortest counterexample).
BruteResult brute_bfs(const System<Bits>& sys, const std::function<bool(const St&)>& violated = {},
                      bool stop_at_violation = false) {
    BruteResult r;
    std::unordered_set<St, StateHash> seen;
    std::vector<St> level{sys.initial()};
    seen.insert(level.front());
    if (violated && violated(level.front())) r.violation_depth = 0;
    std::uint32_t depth = 0;
    while (!level.empty() && !(stop_at_violation && r.violation_depth)) {
        std::vector<St> next;
        for (const auto& s : level) {
            for (auto& [a, n] : successors(sys, s)) {
                ++r.transitions;
                if (seen.insert(n).second) next.push_back(n);
            }
        }
        if (next.empty()) break;
        ++depth;
        r.depth = depth;
        if (violated && !r.violation_depth)
            for (const auto& s : next)
                if (violated(s)) { r.violation_depth = depth; break; }
        level.swap(next);
    }
    r.states = seen.size();
    return r;
}

struct Counted {
    std::uint64_t states, transitions;
    std::uint32_t depth;
};

Counted explore(const Config& c, unsigned threads = 1) {
    System<Bits> sys(c);
    ExploreOptions o;
    o.threads = threads;
    Ex ex(sys, o);
    REQUIRE(ex.fits());
    ex.run({});
    REQUIRE(ex.stats().completion == Completion::complete);
    return {ex.stats().states, ex.stats().transitions, ex.stats().depth};
}

} // namespace

// ---------------------------------------------------------------------------------------------
// State spaces small enough to count by hand.

TEST_CASE("explorer: hand-counted state spaces of tiny configurations", "[explorer]") {
    SECTION("both scripts empty: the initial state alone, with its tick self-loop") {
        // Nothing is enabled but time passing, which changes nothing (no timer, no segment).
        auto r = explore(hand({}, {}));
        CHECK(r.states == 1);
        CHECK(r.transitions == 1);
        CHECK(r.depth == 0);
    }
    SECTION("A: [listen], B: nothing -> CLOSED and LISTEN") {
        // CLOSED --listen--> LISTEN; each state also ticks onto itself: 2 + 1 transitions.
        // (The first ISS is fixed, so the listen is one transition, not one per ISS.)
        auto r = explore(hand({{U::listen}}, {}));
        CHECK(r.states == 2);
        CHECK(r.transitions == 3);
        CHECK(r.depth == 1);
    }
    SECTION("A: [listen], B: [listen] -> each host CLOSED or LISTEN, independently") {
        // 2 x 2 states. Transitions: (C,C): listen A, listen B, tick; (L,C) and (C,L): the other
        // listen, tick; (L,L): tick. 3 + 2 + 2 + 1 = 8.
        auto r = explore(hand({{U::listen}}, {{U::listen}}));
        CHECK(r.states == 4);
        CHECK(r.transitions == 8);
        CHECK(r.depth == 2);
    }
    SECTION("A: [listen, close] -> close waits for accept(), which never returns") {
        // A (non-eager) close is not ready in LISTEN, and nobody connects: the same 2 states.
        auto r = explore(hand({{U::listen}, {U::close}}, {}));
        CHECK(r.states == 2);
        CHECK(r.transitions == 3);
    }
    SECTION("A: [listen, eager close] -> CLOSED, LISTEN, CLOSED with the script done") {
        // The final CLOSED differs from the initial one in the script position (pc 2 vs 0).
        // Transitions: listen + tick, close + tick, tick.
        auto r = explore(hand({{U::listen}, {U::close, 0, true}}, {}));
        CHECK(r.states == 3);
        CHECK(r.transitions == 5);
        CHECK(r.depth == 2);
    }
    SECTION("crashes: one host may crash once") {
        // Initial --crash A--> A crashed (then crash budget 0); both tick onto themselves.
        Config c = hand({}, {});
        c.host[0].may_crash = true;
        c.crash_budget = 1;
        auto r = explore(c);
        CHECK(r.states == 2);
        CHECK(r.transitions == 3);
    }
    SECTION("crashes: both hosts may crash, one crash in all") {
        // Initial, A crashed, B crashed. Transitions: crash A, crash B, tick; tick; tick.
        Config c = hand({}, {});
        c.host[0].may_crash = c.host[1].may_crash = true;
        c.crash_budget = 1;
        auto r = explore(c);
        CHECK(r.states == 3);
        CHECK(r.transitions == 5);
    }
    SECTION("crashes: both hosts may crash, two crashes in all") {
        // Adds "both crashed", reached from either single crash: 3 + 2 + 2 + 1 transitions.
        Config c = hand({}, {});
        c.host[0].may_crash = c.host[1].may_crash = true;
        c.crash_budget = 2;
        auto r = explore(c);
        CHECK(r.states == 4);
        CHECK(r.transitions == 8);
        CHECK(r.depth == 2);
    }
    SECTION("A connects to a CLOSED B, no retransmission, no loss") {
        // s0 CLOSED --connect--> s1 SYN-SENT, SYN(age 0) in flight (no timer: RTO is 0).
        // s1 --tick--> s2 SYN(age 1) --tick--> s3 SYN(age 2); s3 cannot tick (the SYN has lived
        //    MSL and there is no loss budget), it can only be delivered.
        // s1, s2, s3 --deliver--> s4: B (CLOSED) answers RST,ACK(age 0).
        // s4 --tick--> s5 RST(age 1) --tick--> s6 RST(age 2); s4, s5, s6 --deliver--> s7 A CLOSED
        //    (refused), script done.
        // Transitions: s0 2 (connect, tick), s1 2, s2 2, s3 1, s4 2, s5 2, s6 1, s7 1 (tick) = 13.
        Config c = hand({{U::connect}}, {}, in_ticks(profiles::no_retransmission()));
        c.loss_budget = 0;
        auto r = explore(c);
        CHECK(r.states == 8);
        CHECK(r.transitions == 13);
        CHECK(r.depth == 4);
    }
    SECTION("A connects to a CLOSED B, no retransmission, any segment may be lost") {
        // The same eight states plus s8: SYN-SENT with nothing in flight, forever (tick only).
        // Every state with a segment now also loses it (-> s8), and s3, s6 may tick, which
        // drops their segment after MSL (-> s8): s0 2, s1..s6 3 each, s7 1, s8 1 = 22.
        Config c = hand({{U::connect}}, {}, in_ticks(profiles::no_retransmission()));
        auto r = explore(c);
        CHECK(r.states == 9);
        CHECK(r.transitions == 22);
    }
}

TEST_CASE("explorer: state and transition counts equal a brute-force BFS over unpacked states", "[explorer][heavy]") {
    // The brute force compares whole SystemStates, so a field the packer lost or corrupted
    // (two different states stored as one, or a state stored as another) shows up as a
    // different count.
    struct Case {
        const char* name;
        Config config;
    };
    Config lossless_handshake = hand({{U::connect}}, {{U::listen}});
    lossless_handshake.loss_budget = 0;
    Config refused = hand({{U::connect}}, {});
    Config data_noseq = one_byte_twice();
    std::vector<Case> cases{
        {"A connect, B closed", refused},
        {"handshake without loss", lossless_handshake},
        {"send 1 byte, no sequence check, one duplicate", data_noseq},
        {"crash/no_keepalive", suite_config("crash", "no_keepalive")},
        {"stale_syn/two_way_handshake", suite_config("stale_syn", "two_way_handshake")},
        {"lossy_close/no_retransmission", suite_config("lossy_close", "no_retransmission")},
        {"restart/rfc9293, two in flight", small_restart("rfc9293")},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto counted = explore(c.config);
        auto brute = brute_bfs(System<Bits>(c.config));
        CHECK(counted.states == brute.states);
        CHECK(counted.transitions == brute.transitions);
        CHECK(counted.depth == brute.depth);
    }
}

TEST_CASE("explorer: tail drop: a full channel drops a segment against the overflow budget instead of stopping time",
          "[explorer][bounds]") {
    // A handshake with no loss and two segments in flight a direction: the retransmitted SYN+ACK
    // and the ACK of the SYN fill a channel, and two states are dead ends. One tail drop (the
    // segment that finds the channel full is lost, as a router's queue loses it) leaves none.
    Config c = hand({{U::connect}}, {{U::listen}});
    c.loss_budget = 0;
    c.capacity = 2;
    CHECK(explore(c).states == 2604);
    {
        System<Bits> sys(c);
        Ex ex(sys, {});
        ex.run({});
        CHECK(ex.stats().dead_ends == 2);
        CHECK(sys.dead_end(ex.state(ex.stats().first_dead_end)));
    }
    c.overflow_budget = 1;
    System<Bits> sys(c);
    Ex ex(sys, {});
    ex.run({});
    REQUIRE(ex.stats().completion == Completion::complete);
    CHECK(ex.stats().dead_ends == 0);
    CHECK(ex.stats().states == 3580);
    // Where the budget was spent, a send into a full channel went nowhere and was not refused;
    // with it spent, the same send is refused again.
    bool dropped = false, refused_after = false;
    for (std::uint32_t i = 0; i < ex.size(); ++i) {
        const St& s = ex.state(i);
        REQUIRE(s.overflow_left <= 1);
        // A give-up after a drop is not loss-free: never latched as spurious.
        if ((s.violations & gave_up) != 0) CHECK(s.overflow_left == 1);
        sys.for_each_action(s, [&](Action a) {
            Outcome<Bits> o;
            St n = sys.apply(s, a, &o);
            if (o.dropped_full == 0 || o.merged != 0) return;
            if (s.overflow_left == 1) {
                CHECK_FALSE(o.blocked);
                CHECK(n.overflow_left == 0);
                dropped = true;
            } else {
                CHECK(o.blocked);
                refused_after = true;
            }
        });
    }
    CHECK(dropped);
    CHECK(refused_after);
    // The budget is packed with the state, and the explorer's counts are a brute force's.
    auto brute = brute_bfs(sys);
    CHECK(brute.states == ex.stats().states);
    CHECK(brute.transitions == ex.stats().transitions);
}

TEST_CASE("explorer: states are numbered in BFS order and each stored path replays to its state", "[explorer]") {
    System<Bits> sys(suite_config("stale_syn", "rfc9293"));
    Ex ex(sys, {});
    ex.run({});
    REQUIRE(ex.size() > 1000);
    CHECK(ex.path_to(0).empty());
    std::size_t last_len = 0;
    for (std::uint32_t i = 1; i < ex.size(); ++i) {
        REQUIRE(ex.parent(i) < i);
        auto path = ex.path_to(i);
        REQUIRE(path.size() >= last_len); // depth never decreases with the index
        last_len = path.size();
        REQUIRE(path.back() == ex.action_into(i));
        // One step from the parent gives this state (and the parent's path is one shorter).
        REQUIRE(sys.apply(ex.state(ex.parent(i)), ex.action_into(i)) == ex.state(i));
        REQUIRE(ex.path_to(ex.parent(i)).size() + 1 == path.size());
    }
    CHECK(last_len == ex.stats().depth);
    // A few full replays from the initial state.
    for (std::uint32_t i : {1u, 100u, 1000u, static_cast<std::uint32_t>(ex.size() - 1)}) {
        St s = sys.initial();
        for (Action a : ex.path_to(i)) {
            REQUIRE(is_enabled(sys, s, a));
            s = sys.apply(s, a);
        }
        CHECK(s == ex.state(i));
        CHECK(ex.index_of(s) == i);
    }
}

// ---------------------------------------------------------------------------------------------
// Random walks: whatever the system can do, the explorer has counted, and packs losslessly.

namespace {

// Random walks from the initial state, choosing among the enabled, unblocked actions: every
// state on the way must be one the explorer counted, and must pack and unpack to itself.
// `reached` names what the configuration is there for; some explored state must show it.
void random_walks(const std::string& name, const Config& config, const std::function<bool(const St&)>& reached) {
    System<Bits> sys(config);
    Ex ex(sys, {});
    REQUIRE(ex.fits());
    ex.run({});
    REQUIRE(ex.stats().completion == Completion::complete);
    bool shown = false;
    for (std::uint32_t i = 0; i < ex.size() && !shown; ++i) shown = reached(ex.state(i));
    REQUIRE(shown);
    const auto& packer = ex.packer();
    rc::prop("random walk on " + name, [&] {
        St s = sys.initial();
        const int steps = *rc::gen::inRange(0, 150);
        for (int k = 0; k <= steps; ++k) {
            RC_ASSERT(packer.unpack(packer.pack(s)) == s);
            RC_ASSERT(ex.index_of(s) != Ex::none);
            auto next = successors(sys, s);
            // Something can always happen (at least time passing), unless a full channel with no
            // loss budget blocks even that: a dead end, which the explorer must have counted.
            RC_ASSERT(!next.empty() || ex.stats().dead_ends > 0);
            if (k == steps || next.empty()) break;
            auto pick = *rc::gen::inRange<std::size_t>(0, next.size());
            s = next[pick].second;
        }
    });
}

} // namespace

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (data, loss/dup/crash budgets)",
          "[explorer][properties][heavy]") {
    random_walks("send 2 bytes, no sequence check, loss/dup/crash budgets", data_budgets(), [](const St& s) {
        return s.host[0].crashed && s.dup_left == 0 && s.loss_left == 0 && (s.violations & out_of_order) != 0;
    });
}

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (one byte delivered twice)",
          "[explorer][properties][heavy]") {
    random_walks("send 1 byte, no sequence check, one duplicate", one_byte_twice(), [](const St& s) {
        return (s.violations & out_of_order) != 0 && s.host[1].tcb.state == State::established;
    });
}

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (abort and reconnect)",
          "[explorer][properties][heavy]") {
    random_walks("abort and reconnect, no TIME-WAIT", abort_reconnect(), [](const St& s) {
        return (s.violations & stale_acceptance) != 0 && s.next_conn == 3;
    });
}

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (restart/rfc9293)",
          "[explorer][properties][heavy]") {
    random_walks("restart/rfc9293, two in flight", small_restart("rfc9293"), [](const St& s) {
        return s.host[0].opens == 2 && s.host[1].tcb.state == State::established;
    });
}

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (crash/rfc9293+keepalive)",
          "[explorer][properties][heavy]") {
    random_walks("crash/rfc9293+keepalive", suite_config("crash", "rfc9293+keepalive"), [](const St& s) {
        return s.host[0].crashed && s.host[1].tcb.keepalive_probes > 0;
    });
}

TEST_CASE("explorer: random walks reach only counted, losslessly packed states (lossy_close/linux)",
          "[explorer][properties][heavy]") {
    random_walks("lossy_close/linux", suite_config("lossy_close", "linux"), [](const St& s) {
        return s.host[0].tcb.state == State::fin_wait_2 && s.host[0].tcb.at(Timer::fin_wait_2) != never;
    });
}

// ---------------------------------------------------------------------------------------------
// Determinism across thread counts, early stopping, shortest counterexamples.

TEST_CASE("explorer: states, transitions, numbering and first violations are the same for 1, 2 and 3 threads",
          "[explorer][heavy]") {
    System<Bits> sys(small_restart("unchecked_synack"));
    Properties<Bits> props{sys};
    std::vector<Safety<Bits>> safety{*props.safety("handshake_agreement"), *props.safety("no_deadlock"),
                                     *props.safety("no_stale_acceptance")};
    for (bool stop : {false, true}) {
        INFO("stop_when_violated " << stop);
        ExploreOptions o1;
        Ex one(sys, o1);
        auto f1 = one.run(safety, stop);
        REQUIRE(f1[0] != Ex::none); // handshake_agreement is violated here
        for (unsigned threads : {2u, 3u}) {
            INFO(threads << " threads");
            ExploreOptions on;
            on.threads = threads;
            Ex many(sys, on);
            auto fn = many.run(safety, stop);
            CHECK(fn == f1);
            CHECK(many.stats().states == one.stats().states);
            CHECK(many.stats().transitions == one.stats().transitions);
            CHECK(many.stats().depth == one.stats().depth);
            CHECK(many.stats().completion == one.stats().completion);
            REQUIRE(many.size() == one.size());
            for (std::uint32_t i = 0; i < one.size(); ++i) {
                REQUIRE(many.state(i) == one.state(i));
                REQUIRE(many.parent(i) == one.parent(i));
                REQUIRE(many.action_into(i) == one.action_into(i));
            }
        }
    }
}

TEST_CASE("explorer: liveness lassos are the same for 1 and 2 threads", "[explorer][heavy]") {
    System<Bits> sys(suite_config("lossy_close", "rfc9293"));
    Properties<Bits> props{sys};
    auto prop = *props.liveness("no_half_open_leak");
    Ex one(sys, {});
    one.run({});
    ExploreOptions o2;
    o2.threads = 2;
    Ex two(sys, o2);
    two.run({});
    auto l1 = one.leads_to(prop);
    auto l2 = two.leads_to(prop);
    REQUIRE(l1.has_value());
    REQUIRE(l2.has_value());
    CHECK(l1->stem == l2->stem);
    CHECK(l1->cycle == l2->cycle);
}

TEST_CASE("explorer: stop_when_violated finds the same shortest counterexample as a full run", "[explorer][heavy]") {
    struct Case {
        const char* property;
        Config config;
    };
    Config dup_twice = one_byte_twice();
    std::vector<Case> cases{
        {"handshake_agreement", small_restart("unchecked_synack")},
        {"no_deadlock", suite_config("lossy_close", "no_retransmission")},
        {"no_deadlock", suite_config("lossy_close", "rfc9293")},
        {"in_order_exactly_once", dup_twice},
    };
    for (const auto& c : cases) {
        INFO(c.property);
        System<Bits> sys(c.config);
        Properties<Bits> props{sys};
        std::vector<Safety<Bits>> safety{*props.safety(c.property)};
        Ex full(sys, {});
        auto ff = full.run(safety, false);
        Ex early(sys, {});
        auto fe = early.run(safety, true);
        REQUIRE(ff[0] != Ex::none);
        CHECK(full.stats().completion == Completion::complete);
        CHECK(early.stats().completion == Completion::stopped);
        CHECK(early.stats().states < full.stats().states);
        CHECK(fe[0] == ff[0]);
        CHECK(early.path_to(fe[0]) == full.path_to(ff[0]));
        CHECK(early.path_to(fe[0]).size() == full.path_to(ff[0]).size());
        // The stopped run stored the level of the first violation and nothing deeper.
        CHECK(early.stats().depth == early.path_to(fe[0]).size());
    }
}

TEST_CASE("explorer: running the same explorer again gives the results of a fresh one", "[explorer][heavy]") {
    System<Bits> sys(small_restart("unchecked_synack"));
    Properties<Bits> props{sys};
    std::vector<Safety<Bits>> safety{*props.safety("handshake_agreement")};
    Ex fresh(sys, {});
    auto want = fresh.run(safety);
    Ex reused(sys, {});
    reused.run(safety, true); // a partial run first, then complete ones
    for (int round = 0; round < 2; ++round) {
        INFO("run " << round + 2);
        auto got = reused.run(safety);
        CHECK(got == want);
        CHECK(reused.stats().states == fresh.stats().states);
        CHECK(reused.stats().transitions == fresh.stats().transitions);
        CHECK(reused.stats().depth == fresh.stats().depth);
        CHECK(reused.stats().completion == Completion::complete);
        REQUIRE(reused.size() == fresh.size());
        CHECK(reused.index_of(fresh.state(fresh.size() - 1)) == fresh.size() - 1);
    }
}

TEST_CASE("explorer: a safety counterexample is a shortest path to a violating state", "[explorer][heavy]") {
    struct Case {
        const char* property;
        Config config;
    };
    Config dup_twice = one_byte_twice();
    std::vector<Case> cases{
        {"handshake_agreement", suite_config("restart", "unchecked_synack")},
        {"no_deadlock", suite_config("lossy_close", "no_retransmission")},
        {"in_order_exactly_once", suite_config("data", "no_sequence_check")},
        {"in_order_exactly_once", dup_twice},
        {"no_stale_acceptance", suite_config("reconnect", "no_time_wait")},
    };
    for (const auto& c : cases) {
        INFO(c.property);
        System<Bits> sys(c.config);
        Properties<Bits> props{sys};
        auto safety = *props.safety(c.property);
        Ex ex(sys, {});
        auto first = ex.run({safety}, true)[0];
        REQUIRE(first != Ex::none);
        auto path = ex.path_to(first);
        // The path replays to a violating state, and no state before its end violates.
        St s = sys.initial();
        CHECK_FALSE(safety.violated(s));
        for (std::size_t i = 0; i < path.size(); ++i) {
            REQUIRE(is_enabled(sys, s, path[i]));
            Outcome<Bits> o;
            s = sys.apply(s, path[i], &o);
            REQUIRE_FALSE(o.blocked);
            if (i + 1 < path.size()) REQUIRE_FALSE(safety.violated(s));
        }
        CHECK(s == ex.state(first));
        CHECK(safety.violated(s));
        // No state at a smaller depth violates: our own BFS finds the first violation at the
        // counterexample's length. And no stored state numbered before it violates.
        auto brute = brute_bfs(sys, safety.violated, true);
        REQUIRE(brute.violation_depth.has_value());
        CHECK(*brute.violation_depth == path.size());
        for (std::uint32_t i = 0; i < first; ++i) REQUIRE_FALSE(safety.violated(ex.state(i)));
    }
}

// ---------------------------------------------------------------------------------------------
// Liveness: P leads to Q under weak fairness of time and of the users.

namespace {

bool in_state(const St& s, int h, State st) { return s.host[h].tcb.state == st; }

// Replays a lasso with System::apply and checks that it is a counterexample to p ~> q.
void check_lasso(const System<Bits>& sys, const Ex& ex, const Lasso& l, const LeadsTo<Bits>& prop) {
    REQUIRE(!l.stem.empty());
    CHECK(l.stem.front() == 0);
    St s = sys.initial();
    for (std::size_t j = 1; j < l.stem.size(); ++j) {
        auto a = ex.action_between(l.stem[j - 1], l.stem[j]);
        REQUIRE(a.has_value());
        REQUIRE(is_enabled(sys, s, *a));
        s = sys.apply(s, *a);
        REQUIRE(s == ex.state(l.stem[j]));
    }
    // Some state of the stem satisfies P, and from there on nothing satisfies Q.
    std::optional<std::size_t> p_at;
    for (std::size_t j = 0; j < l.stem.size(); ++j)
        if (prop.p(ex.state(l.stem[j]))) { p_at = j; break; }
    REQUIRE(p_at.has_value());
    for (std::size_t j = *p_at; j < l.stem.size(); ++j) CHECK_FALSE(prop.q(ex.state(l.stem[j])));
    // The cycle starts where the stem ends and comes back there, letting time pass, never
    // reaching Q, and with each user's next action disabled somewhere on it.
    REQUIRE(l.cycle.size() >= 2);
    CHECK(l.cycle.front() == l.stem.back());
    CHECK(l.cycle.back() == l.cycle.front());
    const St start = s;
    bool ticked = false;
    bool user_disabled[2] = {!sys.user_enabled(s, 0), !sys.user_enabled(s, 1)};
    for (std::size_t j = 1; j < l.cycle.size(); ++j) {
        auto a = ex.action_between(l.cycle[j - 1], l.cycle[j]);
        REQUIRE(a.has_value());
        REQUIRE(is_enabled(sys, s, *a));
        ticked = ticked || a->kind == ActionKind::tick;
        s = sys.apply(s, *a);
        REQUIRE(s == ex.state(l.cycle[j]));
        CHECK_FALSE(prop.q(s));
        for (int h = 0; h < 2; ++h) user_disabled[h] = user_disabled[h] || !sys.user_enabled(s, h);
    }
    CHECK(s == start);
    CHECK(ticked);
    CHECK(user_disabled[0]);
    CHECK(user_disabled[1]);
}

} // namespace

TEST_CASE("explorer: leads_to holds when every fair run reaches Q", "[explorer][liveness]") {
    LeadsTo<Bits> connecting_ends{"SYN-SENT ~> CLOSED", [](const St& s) { return in_state(s, 0, State::syn_sent); },
                                  [](const St& s) { return in_state(s, 0, State::closed); }};
    SECTION("a SYN to a CLOSED host: refused, or retransmitted until the retries run out") {
        // Any segment may be lost, but the SYN is retransmitted only twice (syn_retries capped
        // at 2 in ticks): every run ends in CLOSED.
        System<Bits> sys(hand({{U::connect}}, {}));
        Ex ex(sys, {});
        ex.run({});
        CHECK_FALSE(ex.leads_to(connecting_ends).has_value());
    }
    SECTION("unbounded SYN retries, but no loss: the RST arrives") {
        Profile p = profiles::rfc9293();
        p.syn_retries = unbounded;
        Config c = hand({{U::connect}}, {}, in_ticks(p));
        c.loss_budget = 0;
        System<Bits> sys(c);
        Ex ex(sys, {});
        ex.run({});
        CHECK_FALSE(ex.leads_to(connecting_ends).has_value());
    }
    SECTION("a cycle that starves an enabled user is not a counterexample") {
        // In the initial state A's listen stays enabled; only ticking forever (unfair to the
        // user) avoids LISTEN.
        System<Bits> sys(hand({{U::listen}}, {}));
        Ex ex(sys, {});
        ex.run({});
        LeadsTo<Bits> opens{"CLOSED ~> LISTEN", [](const St& s) { return in_state(s, 0, State::closed); },
                            [](const St& s) { return in_state(s, 0, State::listen); }};
        CHECK_FALSE(ex.leads_to(opens).has_value());
    }
}

TEST_CASE("explorer: leads_to fails with a lasso whose cycle replays back to its start", "[explorer][liveness]") {
    SECTION("LISTEN never closes by itself: the cycle is the tick self-loop") {
        System<Bits> sys(hand({{U::listen}}, {}));
        Ex ex(sys, {});
        ex.run({});
        LeadsTo<Bits> prop{"LISTEN ~> CLOSED", [](const St& s) { return in_state(s, 0, State::listen); },
                           [](const St& s) { return in_state(s, 0, State::closed); }};
        auto l = ex.leads_to(prop);
        REQUIRE(l.has_value());
        CHECK(l->stem == std::vector<std::uint32_t>{0, 1});
        CHECK(l->cycle == std::vector<std::uint32_t>{1, 1});
        check_lasso(sys, ex, *l, prop);
    }
    SECTION("unbounded SYN retries and a network that loses every SYN") {
        Profile p = profiles::rfc9293();
        p.syn_retries = unbounded;
        System<Bits> sys(hand({{U::connect}}, {}, in_ticks(p)));
        Ex ex(sys, {});
        ex.run({});
        LeadsTo<Bits> prop{"SYN-SENT ~> CLOSED", [](const St& s) { return in_state(s, 0, State::syn_sent); },
                           [](const St& s) { return in_state(s, 0, State::closed); }};
        auto l = ex.leads_to(prop);
        REQUIRE(l.has_value());
        CHECK(l->cycle.size() > 2); // lose, tick, retransmit: not a self-loop
        check_lasso(sys, ex, *l, prop);
    }
    SECTION("an idle ESTABLISHED pair never closes (no keepalive, no user action left)") {
        Config c = hand({{U::connect}}, {{U::listen}});
        c.loss_budget = 0;
        System<Bits> sys(c);
        Ex ex(sys, {});
        ex.run({});
        LeadsTo<Bits> prop{"ESTABLISHED ~> CLOSED", [](const St& s) { return in_state(s, 0, State::established); },
                           [](const St& s) { return in_state(s, 0, State::closed); }};
        auto l = ex.leads_to(prop);
        REQUIRE(l.has_value());
        check_lasso(sys, ex, *l, prop);
    }
}
