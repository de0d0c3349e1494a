// Traces: a run of the checker's system as text (docs/trace-format.md), written with the states
// and segments of every step as comments, and read back for `synfin trace verify`.
#pragma once

#include <charconv>
#include <optional>
#include <variant>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "system.hpp"

namespace synfin {

struct Trace {
    Trace() = default;
    Trace(std::string config_name, std::string property_name, std::vector<Action> stem_actions,
          std::vector<Action> cycle_actions, std::vector<UserAction> calls = {})
        : config(std::move(config_name)), property(std::move(property_name)), stem(std::move(stem_actions)),
          cycle(std::move(cycle_actions)), user_calls(std::move(calls)) {}

    std::string config;
    std::string property;
    std::vector<Action> stem;   // from the initial state
    std::vector<Action> cycle;  // liveness: repeated forever after the stem (empty for safety)
    // The user calls the trace names, in order (read back so that a replay can check them
    // against the configuration's scripts; empty for a trace built in memory).
    std::vector<UserAction> user_calls;
};

struct TraceError {
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
};

inline constexpr std::string_view host_name(int h) { return h == 0 ? "A" : "B"; }

// "SYN,ACK seq=0 ack=1 len=0" with numbers as they are on the wire (mod 2^Bits).
template <class S>
std::string describe(const Segment<S>& s) {
    std::ostringstream o;
    o << to_string(s.flags) << " seq=" << s.seq.value() << " ack=" << s.ack.value() << " len=" << s.len;
    return o.str();
}

template <unsigned Bits>
std::string describe_host(const Host<Bits>& h) {
    std::ostringstream o;
    o << name(h.tcb.state);
    if (h.crashed) o << "(crashed)";
    if (h.tcb.state == State::closed && h.tcb.reason != CloseReason::none) o << "(" << name(h.tcb.reason) << ")";
    return o.str();
}

template <unsigned Bits>
std::string describe_action(const System<Bits>& sys, const SystemState<Bits>& s, Action a) {
    std::ostringstream o;
    switch (a.kind) {
    case ActionKind::user: {
        const auto& hc = sys.config().host[a.host];
        auto pc = s.host[a.host].pc;
        auto st = pc < hc.script_len ? hc.script[pc] : ScriptStep{};
        o << "user " << host_name(a.host) << ' ' << name(st.action);
        if (st.action == UserAction::connect || st.action == UserAction::listen) o << " iss=" << unsigned(a.arg);
        if (st.action == UserAction::send || st.action == UserAction::receive) o << ' ' << unsigned(st.bytes);
        break;
    }
    case ActionKind::deliver:
    case ActionKind::lose:
    case ActionKind::duplicate:
        o << name(a.kind) << ' ' << host_name(a.host) << "->" << host_name(1 - a.host) << ' ' << unsigned(packet_index(a));
        if (chosen_iss(a) >= 0) o << " iss=" << chosen_iss(a); // a listener's fresh ISS for this SYN
        break;
    case ActionKind::timeout: o << "timeout " << host_name(a.host) << ' ' << name(static_cast<Timer>(a.arg)); break;
    case ActionKind::tick: o << "tick"; break;
    case ActionKind::crash: o << "crash " << host_name(a.host); break;
    }
    return o.str();
}

template <unsigned Bits>
bool enabled(const System<Bits>& sys, const SystemState<Bits>& s, Action a) {
    bool found = false;
    sys.for_each_action(s, [&](Action b) { found = found || a == b; });
    return found;
}

// The trace as text; each step is followed by what it did, as a comment.
template <unsigned Bits>
std::string write_trace(const System<Bits>& sys, const Trace& t) {
    std::ostringstream o;
    o << "synfin-trace 1\n";
    o << "config " << t.config << "\n";
    o << "property " << t.property << "\n";
    o << "seq-bits " << Bits << "\n";
    auto s = sys.initial();
    auto emit = [&](Action a) {
        Outcome<Bits> out;
        std::string line = describe_action(sys, s, a);
        std::string what;
        if (a.kind == ActionKind::deliver || a.kind == ActionKind::lose || a.kind == ActionKind::duplicate)
            what = describe(to_segment<Bits>(s.channel[a.host][packet_index(a)], 0));
        s = sys.apply(s, a, &out);
        o << line;
        for (std::size_t pad = line.size(); pad < 28; ++pad) o << ' ';
        o << " # ";
        if (!what.empty()) o << what << "; ";
        o << "A " << describe_host(s.host[0]) << ", B " << describe_host(s.host[1]);
        for (std::size_t i = 0; i < out.sent_count; ++i) o << "; sends " << describe(out.sent[i]);
        o << "\n";
    };
    for (Action a : t.stem) emit(a);
    if (!t.cycle.empty()) {
        o << "cycle\n";
        for (Action a : t.cycle) emit(a);
    }
    o << "end\n";
    return o.str();
}

namespace detail {

inline std::optional<int> parse_host(std::string_view w) {
    if (w == "A") return 0;
    if (w == "B") return 1;
    return std::nullopt;
}

inline std::optional<unsigned> parse_uint(std::string_view w) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) return std::nullopt;
    return v;
}

} // namespace detail

// Parses the text of write_trace. The comments are ignored: the actions alone define the run,
// and the user action at each point is the next step of the configuration's script.
inline std::variant<Trace, TraceError> parse_trace(std::string_view text) {
    Trace t;
    std::size_t line_no = 0;
    bool header = false, in_cycle = false, ended = false;
    auto fail = [&](std::size_t col, std::string msg) -> std::variant<Trace, TraceError> {
        return TraceError{line_no, col + 1, std::move(msg)};
    };
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        std::vector<std::pair<std::string_view, std::size_t>> words;
        for (std::size_t i = 0; i < line.size();) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
            std::size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
            if (j > i) words.emplace_back(line.substr(i, j - i), i);
            i = j;
        }
        if (words.empty()) continue;
        auto [w0, c0] = words[0];
        if (ended) return fail(c0, "text after 'end'");
        if (!header) {
            if (w0 != "synfin-trace" || words.size() != 2 || words[1].first != "1")
                return fail(c0, "expected 'synfin-trace 1' as the first line");
            header = true;
            continue;
        }
        auto need = [&](std::size_t n) { return words.size() == n; };
        if (w0 == "config" || w0 == "property") {
            if (!need(2)) return fail(c0, std::string("expected '") + std::string(w0) + " NAME'");
            (w0 == "config" ? t.config : t.property) = std::string(words[1].first);
            continue;
        }
        if (w0 == "seq-bits") continue; // informative: the configuration fixes the width
        if (w0 == "cycle") { in_cycle = true; continue; }
        if (w0 == "end") { ended = true; continue; }
        Action a;
        if (w0 == "tick") {
            if (!need(1)) return fail(words[1].second, "'tick' takes no arguments");
            a = Action{ActionKind::tick, 0, 0};
        } else if (w0 == "user") {
            if (words.size() < 3 || words.size() > 4) return fail(c0, "expected 'user A|B ACTION [iss=N|BYTES]'");
            auto h = detail::parse_host(words[1].first);
            if (!h) return fail(words[1].second, "expected host A or B");
            std::optional<UserAction> act;
            for (auto u : {UserAction::connect, UserAction::listen, UserAction::send, UserAction::close,
                           UserAction::shutdown, UserAction::abort, UserAction::receive})
                if (words[2].first == name(u)) act = u;
            if (!act) return fail(words[2].second, "expected connect, listen, send, receive, close, shutdown or abort");
            bool opens = *act == UserAction::connect || *act == UserAction::listen;
            unsigned arg = 0;
            if (words.size() == 4) {
                if (opens && words[3].first.substr(0, 4) == "iss=") {
                    auto v = detail::parse_uint(words[3].first.substr(4));
                    if (!v || *v > 255) return fail(words[3].second, "expected iss=NUMBER");
                    arg = *v;
                } else if (*act == UserAction::send || *act == UserAction::receive) {
                    if (!detail::parse_uint(words[3].first)) return fail(words[3].second, "expected a byte count");
                } else {
                    return fail(words[3].second, opens ? "expected iss=NUMBER" : "this action takes no argument");
                }
            }
            t.user_calls.push_back(*act);
            a = Action{ActionKind::user, static_cast<std::uint8_t>(*h), static_cast<std::uint8_t>(arg)};
        } else if (w0 == "deliver" || w0 == "lose" || w0 == "duplicate") {
            const bool with_iss = w0 == "deliver" && words.size() == 4;
            if (!with_iss && !need(3))
                return fail(c0, std::string("expected '") + std::string(w0) + " A->B|B->A INDEX" +
                                    (w0 == "deliver" ? " [iss=N]'" : "'"));
            int from = words[1].first == "A->B" ? 0 : words[1].first == "B->A" ? 1 : -1;
            if (from < 0) return fail(words[1].second, "expected A->B or B->A");
            auto idx = detail::parse_uint(words[2].first);
            if (!idx || *idx >= channel_capacity) return fail(words[2].second, "expected a packet index");
            auto kind = w0 == "deliver" ? ActionKind::deliver : w0 == "lose" ? ActionKind::lose : ActionKind::duplicate;
            a = Action{kind, static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(*idx)};
            if (with_iss) {
                std::optional<unsigned> v;
                if (words[3].first.substr(0, 4) == "iss=") v = detail::parse_uint(words[3].first.substr(4));
                if (!v || *v > 31) return fail(words[3].second, "expected iss=NUMBER (0 to 31)");
                a = delivery(static_cast<std::uint8_t>(from), static_cast<std::uint8_t>(*idx), static_cast<int>(*v));
            }
        } else if (w0 == "timeout") {
            if (!need(3)) return fail(c0, "expected 'timeout A|B TIMER'");
            auto h = detail::parse_host(words[1].first);
            if (!h) return fail(words[1].second, "expected host A or B");
            std::optional<std::uint8_t> timer;
            for (std::size_t i = 0; i < timer_count; ++i)
                if (words[2].first == name(static_cast<Timer>(i))) timer = static_cast<std::uint8_t>(i);
            if (!timer) return fail(words[2].second, "unknown timer");
            a = Action{ActionKind::timeout, static_cast<std::uint8_t>(*h), *timer};
        } else if (w0 == "crash") {
            if (!need(2)) return fail(c0, "expected 'crash A|B'");
            auto h = detail::parse_host(words[1].first);
            if (!h) return fail(words[1].second, "expected host A or B");
            a = Action{ActionKind::crash, static_cast<std::uint8_t>(*h), 0};
        } else {
            return fail(c0, "unknown step '" + std::string(w0) + "'");
        }
        (in_cycle ? t.cycle : t.stem).push_back(a);
    }
    if (!header) return TraceError{line_no == 0 ? 1 : line_no, 1, "empty trace: expected 'synfin-trace 1'"};
    if (!ended) return TraceError{line_no, 1, "the trace does not end with 'end' (truncated?)"};
    if (t.config.empty()) return TraceError{line_no, 1, "missing 'config NAME'"};
    return t;
}

} // namespace synfin
