// Running the suite's cells: one exploration per (scenario, profile), every property of the
// cells that share it checked on it, counterexamples turned into traces.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <synfin/properties.hpp>
#include <synfin/trace.hpp>

#include "suite.hpp"

namespace synfin::suite {

inline const std::vector<Cell>& cells() {
    static const std::vector<Cell> all{
        {"no_half_open_leak", "lossy_close", "rfc9293+keepalive", Verdict::holds, "retry limits plus keepalive release every half-open TCB"},
        {"no_half_open_leak", "lossy_close", "linux", Verdict::holds, "Linux's FIN-WAIT-2 timeout for orphans does it without keepalive"},
        {"no_half_open_leak", "lossy_close", "rfc9293", Verdict::violated, "finding: the RFC alone leaks FIN-WAIT-2 (and ESTABLISHED) when the peer has gone"},
        {"no_half_open_leak", "lossy_close", "unbounded_synack_retries+keepalive", Verdict::violated, "claim 6: SYN+ACK retries must be bounded"},
        {"no_half_open_leak", "stale_syn", "rfc9293", Verdict::holds, "claim 5: with three segments an old SYN never establishes"},
        {"no_half_open_leak", "stale_syn", "two_way_handshake", Verdict::violated, "claim 5: with two, the server waits forever"},
        {"no_half_open_leak", "crash", "rfc9293+keepalive", Verdict::holds, "claim 7: keepalive ends the wait for a crashed peer"},
        {"no_half_open_leak", "crash", "no_keepalive", Verdict::violated, "claim 7: without it ESTABLISHED has no timeout"},
        {"no_stale_acceptance", "reconnect", "rfc9293_hardened", Verdict::holds, "claim 13b: 2*MSL lets old segments die out"},
        {"no_stale_acceptance", "reconnect", "no_time_wait", Verdict::violated, "claim 13: without TIME-WAIT an old FIN reaches the new connection"},
        {"no_stale_acceptance", "reconnect", "short_time_wait", Verdict::violated, "claim 13: MSL is not enough, it takes 2*MSL"},
        {"no_stale_acceptance", "reconnect", "rfc9293", Verdict::violated, "finding: RST and in-window SYN end TIME-WAIT early (RFC 1337 assassination)"},
        {"no_stale_acceptance", "reconnect", "linux", Verdict::violated, "finding: tcp_rfc1337=0 lets an old RST end TIME-WAIT"},
        {"simultaneous_close_converges", "close", "rfc9293", Verdict::holds, "claim 10: crossing FINs meet in CLOSING"},
        {"simultaneous_close_converges", "close", "linux", Verdict::holds, "claim 10 on Linux"},
        {"simultaneous_close_converges", "close", "no_closing_state", Verdict::violated, "claim 10: without CLOSING crossing FINs never finish"},
        {"handshake_agreement", "restart", "rfc9293", Verdict::holds, "claim 2: the SYN+ACK must acknowledge this SYN"},
        {"handshake_agreement", "restart", "unchecked_synack", Verdict::violated, "an old SYN+ACK taken at face value"},
        {"no_deadlock", "close", "rfc9293", Verdict::holds, "claim 8: the four-segment release completes"},
        {"no_deadlock", "lossy_close", "rfc9293+keepalive", Verdict::holds, "retransmission and keepalive leave nothing stuck"},
        {"no_deadlock", "lossy_close", "no_retransmission", Verdict::violated, "a lost segment is never sent again"},
        {"no_deadlock", "lossy_close", "rfc9293", Verdict::violated, "finding: FIN-WAIT-2 waits forever for a FIN that is gone"},
        {"in_order_exactly_once", "data", "rfc9293", Verdict::holds, "sequence numbers deliver each byte once, in order"},
        {"in_order_exactly_once", "data", "no_sequence_check", Verdict::violated, "without the §3.10.7.4 check a retransmission is delivered twice"},
    };
    return all;
}

struct CellResult {
    const Cell* cell = nullptr;
    Verdict verdict = Verdict::unknown;
    ExploreStats stats{};
    double seconds = 0;
    std::optional<Trace> counterexample;
    std::size_t counterexample_length = 0;
    std::string note; // partial verdicts and errors
    [[nodiscard]] bool as_expected() const { return cell && verdict == cell->expected; }
};

struct RunOptions {
    unsigned threads = 1;
    std::uint64_t max_states = 50'000'000;
    std::uint64_t max_memory = 12ull << 30;
    bool progress = false;
};

inline std::string config_name(const Cell& c) { return std::string(c.scenario) + "/" + std::string(c.profile); }

// Explores one (scenario, profile) and decides every given cell that uses it.
inline std::vector<CellResult> run_group(const std::vector<const Cell*>& group, const RunOptions& ro) {
    std::vector<CellResult> out;
    const Cell& first = *group.front();
    const Scenario* sc = find_scenario(first.scenario);
    const ProfileChoice* pc = find_profile(first.profile);
    for (auto* c : group) {
        CellResult r;
        r.cell = c;
        out.push_back(r);
    }
    if (!sc || !pc) {
        for (auto& r : out) r.note = "unknown scenario or profile";
        return out;
    }
    auto t0 = std::chrono::steady_clock::now();
    System<seq_bits> sys(make_config(*sc, *pc));
    ExploreOptions eo;
    eo.threads = ro.threads;
    eo.max_states = ro.max_states;
    eo.max_memory = ro.max_memory;
    eo.progress = ro.progress;
    eo.progress_label = config_name(first);
    Explorer<seq_bits> ex(sys, eo);
    if (!ex.fits()) {
        for (auto& r : out) r.note = "configuration too large to pack into 256 bits";
        return out;
    }
    Properties<seq_bits> props{sys};
    std::vector<Safety<seq_bits>> safety;
    std::vector<std::size_t> safety_of(out.size(), SIZE_MAX);
    bool any_liveness = false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (auto s = props.safety(out[i].cell->property)) {
            safety_of[i] = safety.size();
            safety.push_back(*s);
        } else {
            any_liveness = true;
        }
    }
    auto first_bad = ex.run(safety, !any_liveness);
    bool complete = ex.stats().completion == Completion::complete;
    std::string cfg = config_name(first);
    auto trace_of = [&](std::vector<std::uint32_t> stem, std::vector<std::uint32_t> cycle, std::string_view prop) {
        Trace t{cfg, std::string(prop), {}, {}};
        for (std::size_t j = 1; j < stem.size(); ++j) t.stem.push_back(*ex.action_between(stem[j - 1], stem[j]));
        for (std::size_t j = 1; j < cycle.size(); ++j) t.cycle.push_back(*ex.action_between(cycle[j - 1], cycle[j]));
        return t;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& r = out[i];
        if (safety_of[i] != SIZE_MAX) {
            auto idx = first_bad[safety_of[i]];
            if (idx != Explorer<seq_bits>::none) {
                r.verdict = Verdict::violated;
                r.counterexample = Trace{cfg, std::string(r.cell->property), ex.path_to(idx), {}};
                r.counterexample_length = r.counterexample->stem.size();
            } else {
                r.verdict = complete ? Verdict::holds : Verdict::unknown;
            }
        } else {
            if (!complete) { r.verdict = Verdict::unknown; r.note = "exploration incomplete"; continue; }
            auto lasso = ex.leads_to(*props.liveness(r.cell->property));
            if (lasso) {
                r.verdict = Verdict::violated;
                r.counterexample = trace_of(lasso->stem, lasso->cycle, r.cell->property);
                r.counterexample_length = r.counterexample->stem.size() + r.counterexample->cycle.size();
            } else {
                r.verdict = Verdict::holds;
            }
        }
        if (ex.stats().completion == Completion::state_limit) r.note = "state limit reached: partial";
        if (ex.stats().completion == Completion::memory_limit) r.note = "memory limit reached: partial";
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& r : out) { r.stats = ex.stats(); r.seconds = secs; }
    return out;
}

// Replays a trace on its configuration and says whether it shows the violation it claims.
struct Verification {
    bool confirmed = false;
    std::string message;
};

inline Verification verify(const Trace& t) {
    auto slash = t.config.find('/');
    if (slash == std::string::npos) return {false, "config must be SCENARIO/PROFILE"};
    const Scenario* sc = find_scenario(t.config.substr(0, slash));
    const ProfileChoice* pc = find_profile(t.config.substr(slash + 1));
    if (!sc || !pc) return {false, "unknown configuration '" + t.config + "'"};
    const PropertyInfo* info = find_property(t.property);
    if (!info) return {false, "unknown property '" + t.property + "'"};
    System<seq_bits> sys(make_config(*sc, *pc));
    Properties<seq_bits> props{sys};
    auto s = sys.initial();
    std::size_t user_call = 0;
    auto replay = [&](const std::vector<Action>& acts, std::size_t offset, std::vector<SystemState<seq_bits>>* seen) -> std::optional<std::string> {
        for (std::size_t i = 0; i < acts.size(); ++i) {
            if (!enabled(sys, s, acts[i])) return "step " + std::to_string(offset + i + 1) + " is not enabled in the state it reaches";
            if (acts[i].kind == ActionKind::user && !t.user_calls.empty()) {
                const auto& hc = sys.config().host[acts[i].host];
                auto want = hc.script[s.host[acts[i].host].pc].action;
                if (user_call >= t.user_calls.size() || t.user_calls[user_call] != want)
                    return "step " + std::to_string(offset + i + 1) + " names a user call that is not the script's next (" +
                           std::string(name(want)) + ")";
                ++user_call;
            }
            Outcome<seq_bits> o;
            auto n = sys.apply(s, acts[i], &o);
            if (o.blocked) return "step " + std::to_string(offset + i + 1) + " overflows a channel with no loss budget";
            s = n;
            if (seen) seen->push_back(s);
        }
        return std::nullopt;
    };
    std::vector<SystemState<seq_bits>> stem_states{s};
    if (auto err = replay(t.stem, 0, &stem_states)) return {false, *err};
    if (info->kind == PropertyKind::safety) {
        if (!t.cycle.empty()) return {false, "a safety counterexample has no cycle"};
        bool bad = props.safety(t.property)->violated(s);
        return {bad, bad ? "the last state violates " + t.property : "the last state does not violate " + t.property};
    }
    auto lt = *props.liveness(t.property);
    if (t.cycle.empty()) return {false, "a liveness counterexample needs a cycle"};
    // The stem reaches a state where the premise holds and, from there on, never the conclusion.
    bool premise = false;
    for (std::size_t i = stem_states.size(); i-- > 0;) {
        if (lt.q(stem_states[i])) break;
        if (lt.p(stem_states[i])) { premise = true; break; }
    }
    if (!premise) return {false, "the stem does not reach the premise without the conclusion after it"};
    auto start = s;
    std::vector<SystemState<seq_bits>> cyc{s};
    if (auto err = replay(t.cycle, t.stem.size(), &cyc)) return {false, *err};
    if (!(s == start)) return {false, "the cycle does not return to the state it starts from"};
    bool ticks = false;
    for (auto a : t.cycle) ticks = ticks || a.kind == ActionKind::tick;
    if (!ticks) return {false, "the cycle does not let time pass"};
    for (const auto& c : cyc)
        if (lt.q(c)) return {false, "the cycle reaches a state where the conclusion holds"};
    for (int h = 0; h < 2; ++h) {
        bool disabled_somewhere = false;
        for (const auto& c : cyc) disabled_somewhere = disabled_somewhere || !sys.user_enabled(c, h);
        if (!disabled_somewhere) return {false, "the cycle starves a user whose next action stays enabled"};
    }
    return {true, "a fair cycle that never reaches the conclusion of " + t.property};
}

inline std::string trace_text(const Trace& t) {
    auto slash = t.config.find('/');
    const Scenario* sc = find_scenario(t.config.substr(0, slash));
    const ProfileChoice* pc = find_profile(t.config.substr(slash + 1));
    System<seq_bits> sys(make_config(*sc, *pc));
    return write_trace(sys, t);
}

} // namespace synfin::suite
