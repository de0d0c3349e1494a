// Running the suite's cells: one exploration per (scenario, profile), every property of the
// cells that share it checked on it, counterexamples turned into traces.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <synfin/properties.hpp>
#include <synfin/trace.hpp>

#include "assumptions.hpp"
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
        {"no_stale_acceptance", "reconnect_clock", "rfc9293_hardened", Verdict::holds, "claim 13b: 2*MSL with an ISS that starts beyond the old incarnation (RFC 6528) lets no old segment in"},
        {"no_stale_acceptance", "reconnect_clock", "linux", Verdict::violated, "finding: Linux reopens TIME-WAIT with ISS = SND.NXT+65537, not the clock, and an old <SEQ=0> RST,ACK falls in the new window"},
        {"no_stale_acceptance", "reconnect_clock_any_iss", "rfc9293_hardened", Verdict::violated, "finding 3: the first ISS matters: the RST,ACK <SEQ=0> that refused the client's first SYN resets its second connection when the server's ISS puts RCV.NXT at 0 (1 in 2^bits; no clock moves that constant)"},
        {"no_stale_acceptance", "reconnect_clock_any_iss", "linux", Verdict::violated, "finding 3: the same RST,ACK <SEQ=0>, for Linux too"},
        {"no_stale_acceptance", "reconnect", "rfc9293_hardened", Verdict::violated, "finding: with an adversarial ISS 2*MSL alone is not enough: the <SEQ=0> RST,ACK that refused the first SYN falls in the window of a later attempt"},
        {"no_stale_acceptance", "reconnect_counter", "rfc9293_hardened", Verdict::violated, "finding: with an ISS one above the last, an old ACK, TIME-WAIT's answer and CLOSED's RST are three hops each within MSL"},
        {"no_stale_acceptance", "reconnect", "no_time_wait", Verdict::violated, "claim 13: without TIME-WAIT an old RST, answering an old ACK, reaches the new connection"},
        {"no_stale_acceptance", "reconnect", "short_time_wait", Verdict::violated, "claim 13: MSL is not enough, it takes 2*MSL: an old ACK still in flight when a TIME-WAIT of MSL ends draws an RST that resets the new connection"},
        {"no_stale_acceptance", "reconnect", "rfc9293", Verdict::violated, "finding: RST and in-window SYN end TIME-WAIT early (RFC 1337 assassination)"},
        {"no_stale_acceptance", "reconnect", "linux", Verdict::violated, "finding: tcp_rfc1337=0 lets an old RST end TIME-WAIT"},
        {"simultaneous_close_converges", "close", "rfc9293", Verdict::holds, "claim 10: crossing FINs meet in CLOSING"},
        {"simultaneous_close_converges", "close", "linux", Verdict::unknown, "bound: Linux's delayed ACK adds a segment, and 4 in flight a direction leave dead ends; tail drop is no way out here, a drop is a loss and the cell assumes none (docs/properties.md, \"Bounds\")"},
        {"simultaneous_close_converges", "close", "no_closing_state", Verdict::violated, "claim 10: without CLOSING crossing FINs never finish"},
        {"handshake_agreement", "restart", "rfc9293", Verdict::unknown, "bound: claim 2 finds no disagreement, but each server attempt has a fresh ISS (MUST-8) and their SYN+ACKs fill a channel: dead ends (restart_tail_drop decides it)"},
        {"handshake_agreement", "restart", "unchecked_synack", Verdict::violated, "an old SYN+ACK taken at face value"},
        {"handshake_agreement", "restart_tail_drop", "rfc9293", Verdict::holds, "claim 2 without the bound: a channel that drops one segment when full leaves no dead end, and no attempt's SYN+ACK is taken for another's (33 M states)"},
        {"handshake_agreement", "restart_tail_drop", "unchecked_synack", Verdict::violated, "an old SYN+ACK taken at face value, with tail drop too"},
        {"no_deadlock", "close", "rfc9293", Verdict::holds, "claim 8: the four-segment release completes"},
        {"no_deadlock", "lossy_close", "rfc9293+keepalive", Verdict::holds, "retransmission and keepalive leave nothing stuck"},
        {"no_deadlock", "lossy_close", "no_retransmission", Verdict::violated, "a lost segment is never sent again"},
        {"no_deadlock", "lossy_close", "rfc9293", Verdict::violated, "finding: FIN-WAIT-2 waits forever for a FIN that is gone"},
        {"no_livelock", "lossy_close", "rfc9293+keepalive", Verdict::holds, "R2 ends every retransmission and keepalive every idle wait: issue 16's CLOSING/FIN-WAIT-2 keepalive cycle is gone (CLOSING keeps its retransmission timer, issue 10)"},
        {"no_livelock", "lossy_close", "linux", Verdict::holds, "tcp_retries2 and the orphans' FIN-WAIT-2 timeout finish every close"},
        {"no_livelock", "lossy_close", "rfc9293", Verdict::violated, "finding: FIN-WAIT-2 waits forever once its peer gave up on the FIN (the no_deadlock finding, seen as a lasso)"},
        {"no_livelock", "lossy_close", "unbounded_data_retries", Verdict::violated, "RFC 1122 §4.2.3.5: without R2 a FIN whose ACK is lost (CLOSING's or LAST-ACK's) is retransmitted forever, and TIME-WAIT restarts on each copy; a timer is always armed, so no_deadlock cannot see it"},
        {"no_deadlock", "lossy_close", "unbounded_data_retries", Verdict::holds, "finding 6: the variant's livelock is invisible to no_deadlock, a timer is armed at every state"},
        {"no_livelock", "lossy_close", "no_retransmission", Verdict::violated, "a stuck state is a livelock too: two lost FINs and nothing armed"},
        {"no_livelock", "crash", "rfc9293+keepalive", Verdict::holds, "keepalive finishes the connection of a crashed peer; the idle ESTABLISHED pair it probes forever is at rest"},
        {"no_livelock", "crash", "no_keepalive", Verdict::violated, "claim 7: ESTABLISHED outlives its crashed peer"},
        {"no_livelock", "close", "rfc9293", Verdict::holds, "claim 8: every close finishes, crossing FINs included"},
        {"no_livelock", "stale_syn", "rfc9293", Verdict::holds, "a CLOSE-WAIT whose user never closes, facing FIN-WAIT-2, is at rest, not unfinished"},
        {"no_spurious_timeout", "idle", "rfc9293+keepalive", Verdict::holds, "keepalive probes a live peer without killing it: 5 probes a unit apart outlast a probe's round trip"},
        {"no_spurious_timeout", "idle", "linux+keepalive", Verdict::holds, "keepalive probes a live peer without killing it: one probe, its interval past a round trip"},
        {"no_spurious_timeout", "close", "rfc9293", Verdict::holds, "the retry schedule outlasts the FIN's round trip"},
        {"no_spurious_timeout", "restart", "rfc9293", Verdict::violated, "finding: the old SYN holds the listener in SYN-RECEIVED, which drops the new SYN, and the client gives up while the answer to its retransmission is in flight; a higher retry cap only lengthens the chain"},
        {"no_spurious_timeout", "idle", "impatient", Verdict::violated, "one retransmission gives up before the SYN+ACK, on its way, can arrive"},
        {"in_order_exactly_once", "data", "rfc9293", Verdict::holds, "sequence numbers deliver each byte once, in order"},
        {"in_order_exactly_once", "data", "no_sequence_check", Verdict::violated, "without the §3.10.7.4 check a FIN is taken over a gap in the data (or a retransmission is delivered twice)"},
        {"in_order_exactly_once", "dup_data", "rfc9293", Verdict::holds, "a duplicated segment is taken once: its copy falls below RCV.NXT"},
        {"in_order_exactly_once", "dup_data", "no_sequence_check", Verdict::violated, "without the §3.10.7.4 check the copy is delivered again"},
        {"no_silent_data_loss", "unread_close", "rfc9293", Verdict::unknown, "bound: no violation (an RST for CLOSE with bytes unread, or for bytes after CLOSE, §3.6 SHLD-3), but the SYN's retransmissions and the client's data and FIN fill a channel: dead ends (unread_close_tail_drop decides it)"},
        {"no_silent_data_loss", "unread_close", "silent_close", Verdict::violated, "without SHLD-3 the server's FIN makes the client's release orderly though its bytes were never read"},
        {"no_silent_data_loss", "unread_close_tail_drop", "rfc9293", Verdict::holds, "§3.6 SHLD-3 without the bound: with two tail drops there is no dead end, and every CLOSE over unread bytes resets the peer (37 M states)"},
        {"no_silent_data_loss", "unread_close_tail_drop", "silent_close", Verdict::violated, "without SHLD-3, with tail drop too"},
        {"no_silent_data_loss", "partial_read", "rfc9293", Verdict::holds, "a RECEIVE that leaves a byte unread, then CLOSE: RST"},
        {"no_silent_data_loss", "partial_read", "silent_close", Verdict::violated, "the byte left unread is lost without a word"},
        {"no_half_open_leak", "abort", "rfc9293", Verdict::holds, "§3.10.5: ABORT's RST releases the peer"},
        {"no_half_open_leak", "abort", "silent_abort", Verdict::violated, "an ABORT without RST leaves the server ESTABLISHED forever"},
        {"no_half_open_leak", "server_crash", "rfc9293+keepalive", Verdict::holds, "the crashed server's RST answers the client's data or keepalive probe"},
        {"no_half_open_leak", "server_crash", "no_keepalive", Verdict::violated, "an idle client never learns that the server crashed"},
        {"no_livelock", "lossy_close", "unbounded_data_retries+user_timeout", Verdict::holds, "§3.10.8: the user timeout ends the FIN retransmitted forever"},
        {"no_spurious_timeout", "close", "rfc9293+user_timeout", Verdict::holds, "the user timeout outlasts a round trip: it never ends a live connection"},
    };
    return all;
}

// The check of a holding verdict at the next finer resolution (twice the ticks per MSL).
enum class Refinement { not_run, stable, changed, incomplete };

constexpr std::string_view name(Refinement r) {
    switch (r) {
    case Refinement::stable: return "stable";
    case Refinement::changed: return "changed";
    case Refinement::incomplete: return "incomplete";
    default: return "not run";
    }
}

struct CellResult {
    const Cell* cell = nullptr;
    Verdict verdict = Verdict::unknown;
    ExploreStats stats{};
    double seconds = 0;
    std::optional<Trace> counterexample;
    std::size_t counterexample_length = 0;
    std::optional<Trace> dead_end;     // a path to the first dead end, when a bound made one
    std::uint64_t premise_states = 0;  // liveness: states where the premise holds (0: vacuous)
    std::uint8_t msl = 0;              // the resolution explored
    Refinement refinement = Refinement::not_run;
    Verdict refined_verdict = Verdict::unknown;
    std::uint64_t refined_states = 0;
    std::optional<Assumptions> assumptions; // once the configuration and property are known
    std::string note; // partial verdicts and errors
    [[nodiscard]] bool as_expected() const { return cell && verdict == cell->expected; }
};

struct RunOptions {
    unsigned threads = 1;
    std::uint64_t max_states = 50'000'000;
    std::uint64_t max_memory = 12ull << 30;
    bool progress = false;
    // Holding verdicts are re-checked at twice the resolution, within this many states; beyond
    // it the refinement is "incomplete" and said so (0: no refinement).
    std::uint64_t refine_max_states = 2'000'000;
    const std::atomic<bool>* interrupt = nullptr; // ExploreOptions::interrupt
};

// A holding verdict stands only if the finer resolution agrees; a change is reported as
// "unstable", never as "holds" (issue 16, finding 1).
inline void apply_refinement(CellResult& coarse, const CellResult& fine) {
    if (coarse.verdict != Verdict::holds) return;
    coarse.refined_verdict = fine.verdict;
    coarse.refined_states = fine.stats.states;
    if (fine.verdict == Verdict::holds) {
        coarse.refinement = Refinement::stable;
    } else if (fine.verdict == Verdict::violated || fine.verdict == Verdict::unstable) {
        coarse.refinement = Refinement::changed;
        coarse.verdict = Verdict::unstable;
        coarse.note = "holds at MSL = " + std::to_string(coarse.msl) + " ticks, " + std::string(name(fine.verdict)) +
                      " at MSL = " + std::to_string(fine.msl) + " ticks";
        coarse.counterexample = fine.counterexample;
        coarse.counterexample_length = fine.counterexample_length;
    } else {
        coarse.refinement = Refinement::incomplete;
        if (coarse.note.empty())
            coarse.note = "refinement to MSL = " + std::to_string(fine.msl) + " ticks incomplete (" +
                          (fine.note.empty() ? std::string("state limit") : fine.note) + ")";
    }
}

// A property a model file states itself (an invariant, or P leads to Q): the CLI installs the
// lookup here (checks/model_file.hpp), as it installs model_loader().
struct UserProperty {
    PropertyKind kind = PropertyKind::safety;
    std::optional<Safety<seq_bits>> safety;
    std::optional<LeadsTo<seq_bits>> liveness;
};
using PropertyLoader = std::optional<UserProperty> (*)(std::string_view config, std::string_view property);
inline PropertyLoader& user_property_loader() {
    static PropertyLoader loader = nullptr;
    return loader;
}

// A property of a configuration, built in or the configuration's own: its kind and predicates,
// or why it cannot be decided there (known false: no such property).
struct ResolvedProperty {
    bool known = false;
    PropertyKind kind = PropertyKind::safety;
    std::optional<Safety<seq_bits>> safety;
    std::optional<LeadsTo<seq_bits>> liveness;
    std::string inapplicable;
    // A property of a model file's own may rest on any of them.
    OrderRelations relies_on = all_order_relations;
};

inline ResolvedProperty resolve_property(const Properties<seq_bits>& props, std::string_view config, std::string_view property) {
    ResolvedProperty r;
    if (const PropertyInfo* info = find_property(property)) {
        r.known = true;
        r.kind = info->kind;
        r.relies_on = info->relies_on;
        r.inapplicable = std::string(props.inapplicable(property));
        r.safety = props.safety(property);
        r.liveness = props.liveness(property);
        return r;
    }
    if (auto at = config.find("@msl="); at != std::string_view::npos) config = config.substr(0, at);
    if (!user_property_loader()) return r;
    if (auto u = user_property_loader()(config, property)) {
        r.known = true;
        r.kind = u->kind;
        r.safety = u->safety;
        r.liveness = u->liveness;
    }
    return r;
}

// SCENARIO/PROFILE for a built-in cell; the model file's path for a cell of a model file (whose
// profile is empty: each host names its own).
inline std::string config_name(const Cell& c) {
    return c.profile.empty() ? std::string(c.scenario) : std::string(c.scenario) + "/" + std::string(c.profile);
}

// Explores one (scenario, profile) at resolution msl (0: the scenario's) and decides every
// given cell that uses it.
inline std::vector<CellResult> explore_group(const std::vector<const Cell*>& group, const RunOptions& ro,
                                             std::uint8_t msl = 0) {
    std::vector<CellResult> out;
    const Cell& first = *group.front();
    for (auto* c : group) {
        CellResult r;
        r.cell = c;
        out.push_back(r);
    }
    // The trace names the resolution only where it is not the configuration's own.
    std::string cfg = config_name(first);
    const auto own = config_named(cfg);
    if (!own) {
        for (auto& r : out) r.note = "unknown configuration";
        return out;
    }
    if (msl != 0 && msl != own->msl) cfg += "@msl=" + std::to_string(msl);
    auto t0 = std::chrono::steady_clock::now();
    const auto named = config_named(cfg);
    if (!named) {
        for (auto& r : out) r.note = "no configuration at MSL = " + std::to_string(msl) + " ticks";
        return out;
    }
    const Config config = *named;
    System<seq_bits> sys(config);
    for (auto& r : out) r.msl = config.msl;
    ExploreOptions eo;
    eo.threads = ro.threads;
    eo.max_states = ro.max_states;
    eo.max_memory = ro.max_memory;
    eo.progress = ro.progress;
    eo.progress_label = config_name(first);
    eo.interrupt = ro.interrupt;
    Explorer<seq_bits> ex(sys, eo);
    if (!ex.fits()) {
        for (auto& r : out) r.note = "configuration too large to pack into 256 bits";
        return out;
    }
    Properties<seq_bits> props{sys};
    std::vector<Safety<seq_bits>> safety;
    std::vector<std::size_t> safety_of(out.size(), SIZE_MAX);
    bool any_liveness = false;
    std::vector<ResolvedProperty> resolved;
    for (std::size_t i = 0; i < out.size(); ++i) {
        resolved.push_back(resolve_property(props, cfg, out[i].cell->property));
        const auto& rp = resolved.back();
        if (!rp.known || !rp.inapplicable.empty()) continue;
        if (rp.safety) {
            safety_of[i] = safety.size();
            safety.push_back(*rp.safety);
        } else {
            any_liveness = true;
        }
    }
    auto first_bad = ex.run(safety, !any_liveness);
    bool complete = ex.stats().completion == Completion::complete;
    auto trace_of = [&](std::vector<std::uint32_t> stem, std::vector<std::uint32_t> cycle, std::string_view prop) {
        Trace t{cfg, std::string(prop), {}, {}};
        for (std::size_t j = 1; j < stem.size(); ++j) t.stem.push_back(*ex.action_between(stem[j - 1], stem[j]));
        for (std::size_t j = 1; j < cycle.size(); ++j) t.cycle.push_back(*ex.action_between(cycle[j - 1], cycle[j]));
        return t;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& r = out[i];
        if (!resolved[i].known) {
            r.verdict = Verdict::unknown;
            r.note = "unknown property";
            continue;
        }
        r.assumptions = assumptions_of(config, resolved[i].kind, resolved[i].relies_on);
        if (!resolved[i].inapplicable.empty()) {
            r.verdict = Verdict::unknown;
            r.note = resolved[i].inapplicable;
            continue;
        }
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
            if (!complete) {
                r.verdict = Verdict::unknown;
                r.note = ex.stats().completion == Completion::interrupted ? "interrupted" : "exploration incomplete";
                continue;
            }
            auto lasso = ex.leads_to(*resolved[i].liveness);
            r.premise_states = ex.premise_states();
            if (lasso) {
                r.verdict = Verdict::violated;
                r.counterexample = trace_of(lasso->stem, lasso->cycle, r.cell->property);
                r.counterexample_length = r.counterexample->stem.size() + r.counterexample->cycle.size();
            } else if (r.premise_states == 0) {
                r.verdict = Verdict::unknown;
                r.note = "vacuous: no reachable state satisfies the premise";
            } else {
                r.verdict = Verdict::holds;
            }
        }
        if (ex.stats().completion == Completion::state_limit) r.note = "state limit reached: partial";
        if (ex.stats().completion == Completion::memory_limit) r.note = "memory limit reached: partial";
        if (ex.stats().completion == Completion::interrupted) r.note = "interrupted";
        // A dead end is behaviour the bounds cut off: "holds" says nothing about what follows it.
        if (ex.stats().dead_ends > 0 && ex.stats().first_dead_end != Explorer<seq_bits>::none) {
            r.dead_end = Trace{cfg, "dead_end", ex.path_to(ex.stats().first_dead_end), {}};
            if (r.verdict == Verdict::holds) {
                r.verdict = Verdict::unknown;
                r.note = std::to_string(ex.stats().dead_ends) + " dead ends: a full channel with no loss budget stops time";
            }
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& r : out) { r.stats = ex.stats(); r.seconds = secs; }
    return out;
}

inline std::vector<CellResult> run_group(const std::vector<const Cell*>& group, const RunOptions& ro) {
    auto out = explore_group(group, ro);
    bool any_holds = std::any_of(out.begin(), out.end(), [](const CellResult& r) { return r.verdict == Verdict::holds; });
    if (!any_holds || ro.refine_max_states == 0 || out.empty() || out.front().msl == 0) return out;
    RunOptions fine_options = ro;
    fine_options.max_states = std::min(ro.max_states, ro.refine_max_states);
    auto fine = explore_group(group, fine_options, static_cast<std::uint8_t>(2 * out.front().msl));
    for (std::size_t i = 0; i < out.size() && i < fine.size(); ++i) {
        apply_refinement(out[i], fine[i]);
        out[i].seconds += fine[i].seconds;
    }
    return out;
}

// Replays a trace on its configuration and says whether it shows the violation it claims.
struct Verification {
    bool confirmed = false;
    std::string message;
    bool bad_input = false; // the trace names no known configuration or property: exit 2, not 1
};

inline Verification verify(const Trace& t) {
    if (t.config.find('/') == std::string::npos && !names_model_file(t.config))
        return {false, "config must be SCENARIO/PROFILE or a model file (FILE.toml)", true};
    auto config = config_named(t.config);
    if (!config) return {false, "unknown configuration '" + t.config + "' (see 'synfin list')", true};
    const bool dead_end = t.property == "dead_end";
    System<seq_bits> sys(*config);
    Properties<seq_bits> props{sys};
    const ResolvedProperty info = resolve_property(props, t.config, t.property);
    if (!info.known && !dead_end)
        return {false, "unknown property '" + t.property + "' (see 'synfin list', or the model file's checks)", true};
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
    if (dead_end) {
        bool dead = sys.dead_end(s) && t.cycle.empty();
        return {dead, dead ? "the last state is a dead end: every transition is blocked by a full channel"
                           : "the last state is not a dead end"};
    }
    if (!info.inapplicable.empty()) return {false, info.inapplicable};
    if (info.kind == PropertyKind::safety) {
        if (!t.cycle.empty()) return {false, "a safety counterexample has no cycle"};
        bool bad = info.safety->violated(s);
        return {bad, bad ? "the last state violates " + t.property : "the last state does not violate " + t.property};
    }
    auto lt = *info.liveness;
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
    auto config = config_named(t.config);
    if (!config) return "# unknown configuration '" + t.config + "'\n";
    System<seq_bits> sys(*config);
    return write_trace(sys, t);
}

} // namespace synfin::suite
