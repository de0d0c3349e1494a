// Graphviz DOT writers (DOT is text: no dependency on Graphviz to write it):
//   - the endpoint graph: one node per RFC 9293 state (§3.3.2, Figure 5), edges labelled
//     `event / response` in the RFC's style, derived by exploring one endpoint's `step` over every
//     user call, every segment a peer could meaningfully send, and every timer that fires;
//     a comparison mode shows what one profile adds to or removes from another;
//   - the explored state space of a small checker configuration, states grouped by the pair of
//     host states, and a summary graph of those pairs for configurations too large to draw;
//   - the counterexample ladder: a trace drawn as a sequence diagram, the two hosts as vertical
//     lines, one arrow per segment with the seed's relative numbers (`SYN=1 ACK=0 seq=0 ack=0
//     len=0`), lost segments ending in a cross, host states at each step, ticks as time passing.
// `synfin graph` (checks/graph.cpp) is the command line for all three.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "explorer.hpp"
#include "step.hpp"
#include "trace.hpp"

namespace synfin::dot {

// A DOT double-quoted string holding `text` literally: quotes and backslashes escaped, line
// breaks as DOT's centred line break `\n`. (DOT reads `\N`, `\G`, `\l` ... as escapes in labels,
// so a lone backslash must be doubled to stay a backslash.)
inline std::string quote(std::string_view text) {
    std::string o;
    o.reserve(text.size() + 2);
    o += '"';
    for (char c : text) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': break;
        default: o += c; break;
        }
    }
    o += '"';
    return o;
}

using Attrs = std::vector<std::pair<std::string, std::string>>;

// ` [k="v", ...]`, every value quoted (so any text is safe), or nothing for no attributes.
inline std::string attributes(const Attrs& a) {
    if (a.empty()) return {};
    std::string o = " [";
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) o += ", ";
        o += a[i].first;
        o += '=';
        o += quote(a[i].second);
    }
    o += ']';
    return o;
}

// A small writer for one graph: statements in the order given, subgraphs nested by open/close.
class Writer {
public:
    explicit Writer(std::string_view name, bool directed = true) : directed_(directed) {
        out_ << (directed ? "digraph " : "graph ") << quote(name) << " {\n";
        depth_ = 1;
    }

    void graph_attrs(const Attrs& a) { line("graph" + attributes(a)); }
    void node_defaults(const Attrs& a) { line("node" + attributes(a)); }
    void edge_defaults(const Attrs& a) { line("edge" + attributes(a)); }
    void node(std::string_view id, const Attrs& a = {}) { line(quote(id) + attributes(a)); }
    void edge(std::string_view from, std::string_view to, const Attrs& a = {}) {
        line(quote(from) + (directed_ ? " -> " : " -- ") + quote(to) + attributes(a));
    }
    // { rank=same; "a"; "b"; }
    void same_rank(const std::vector<std::string>& ids) {
        std::string s = "{ rank=same;";
        for (const auto& id : ids) s += ' ' + quote(id) + ';';
        line(s + " }");
    }
    void comment(std::string_view text) {
        std::string s = "// ";
        for (char c : text) s += (c == '\n' ? ' ' : c);
        line(s);
    }
    void open(std::string_view subgraph_name, const Attrs& graph_attrs = {}) {
        line("subgraph " + quote(subgraph_name) + " {");
        ++depth_;
        if (!graph_attrs.empty()) this->graph_attrs(graph_attrs);
    }
    void close() {
        if (depth_ > 1) --depth_;
        line("}");
    }
    [[nodiscard]] std::string str() const { return out_.str() + "}\n"; }

private:
    void line(const std::string& s) {
        for (int i = 0; i < depth_; ++i) out_ << "  ";
        out_ << s << '\n';
    }
    std::ostringstream out_;
    bool directed_ = true;
    int depth_ = 0;
};

inline std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string o;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) o += sep;
        o += parts[i];
    }
    return o;
}

} // namespace synfin::dot

namespace synfin {

// ---------------------------------------------------------------------------------------------
// The endpoint graph.

struct EndpointEdge {
    State from = State::closed;
    State to = State::closed;
    std::string event;     // "rcv SYN", "active OPEN", "timeout=2MSL" ...
    std::string response;  // "snd SYN,ACK", "create TCB, snd SYN", "delete TCB", "x" (nothing)

    [[nodiscard]] std::string label() const { return event + " / " + response; }
    friend bool operator==(const EndpointEdge&, const EndpointEdge&) = default;
    friend auto operator<=>(const EndpointEdge& a, const EndpointEdge& b) {
        return std::tie(a.from, a.to, a.event, a.response) <=> std::tie(b.from, b.to, b.event, b.response);
    }
};

struct EndpointGraph {
    std::string profile;
    std::vector<EndpointEdge> edges;  // sorted, distinct; self-loops included
    std::size_t tcbs = 0;             // concrete TCBs explored
    std::size_t steps = 0;            // events applied
    bool complete = true;             // false: the TCB limit was reached

    [[nodiscard]] bool has(State from, State to, std::string_view event, std::string_view response) const {
        for (const auto& e : edges)
            if (e.from == from && e.to == to && e.event == event && e.response == response) return true;
        return false;
    }
    [[nodiscard]] bool has(State from, State to) const {
        for (const auto& e : edges)
            if (e.from == from && e.to == to) return true;
        return false;
    }
    [[nodiscard]] std::vector<EndpointEdge> between(State from, State to) const {
        std::vector<EndpointEdge> v;
        for (const auto& e : edges)
            if (e.from == from && e.to == to) v.push_back(e);
        return v;
    }
};

struct EndpointOptions {
    std::size_t max_tcbs = 100'000;
    std::uint32_t max_bytes = 2;  // bytes each side may send: enough to reach every state with data
};

namespace detail::endpoint {

using S = Seq32;
inline constexpr S our_iss{1000};   // the explored endpoint's ISS (x in the seed's tables)
inline constexpr S peer_iss{5000};  // the peer's (y)

// A segment kind as the RFC's diagram names it: "SYN", "SYN,ACK", "ACK", "FIN" (every FIN after
// the handshake carries ACK), "data" (payload, perhaps with FIN), "RST" or "RST,ACK".
inline std::string segment_kind(const Segment<S>& s) {
    if (s.flags.rst()) return s.flags.ack() ? "RST,ACK" : "RST";
    if (s.flags.syn()) return s.flags.ack() ? "SYN,ACK" : "SYN";
    if (s.len > 0) return s.flags.fin() ? "data,FIN" : "data";
    if (s.flags.fin()) return "FIN";
    return "ACK";
}

// The number space of a TCB that knows its peer: SYN-RECEIVED and after.
inline bool knows_peer(State s) { return s != State::closed && s != State::listen && s != State::syn_sent; }

// What a received segment is, in the diagram's words, from the receiving TCB's point of view:
// "rcv SYN", "rcv SYN,ACK", "rcv RST", or its FIN, data and what its ACK acknowledges joined by
// " + " ("rcv FIN + ACK of FIN" is note 2 of Figure 5); a bare ACK of nothing new is "rcv ACK".
inline std::string segment_event(const Tcb<S>& t, const Segment<S>& seg) {
    if (seg.flags.rst()) return "rcv RST";
    if (seg.flags.syn()) return seg.flags.ack() ? "rcv SYN,ACK" : "rcv SYN";
    bool acks_syn = seg.flags.ack() && t.state == State::syn_received && t.snd_una == t.iss &&
                    in_range_open_closed(t.snd_una, seg.ack, t.snd_nxt);
    bool acks_fin = seg.flags.ack() && t.fin_sent && t.snd_una != t.snd_nxt && seg.ack == t.snd_nxt;
    std::vector<std::string> parts;
    if (seg.flags.fin()) parts.emplace_back("FIN");
    if (seg.len > 0) parts.emplace_back("data");
    if (acks_syn) parts.emplace_back("ACK of SYN");
    if (acks_fin) parts.emplace_back("ACK of FIN");
    if (parts.empty()) parts.emplace_back("ACK");
    return "rcv " + dot::join(parts, " + ");
}

inline std::string timer_event(Timer timer, const Profile& p) {
    switch (timer) {
    case Timer::time_wait:
        if (p.time_wait == 2 * p.msl) return "timeout=2MSL";
        if (p.time_wait == p.msl) return "timeout=MSL";
        return "timeout=TIME-WAIT";
    case Timer::retransmission: return "timeout=RTO";
    case Timer::delayed_ack: return "timeout=delayed ACK";
    case Timer::keepalive: return "timeout=keepalive";
    case Timer::user_timeout: return "timeout=USER TIMEOUT";
    case Timer::fin_wait_2: return "timeout=FIN-WAIT-2";
    }
    return "timeout";
}

// "create TCB, snd SYN", "snd ACK", "delete TCB", "error", or the RFC's "x" for nothing at all.
inline std::string response(const Tcb<S>& before, const StepResult<S>& r) {
    std::vector<std::string> parts;
    if (before.state == State::closed && r.tcb.state != State::closed) parts.emplace_back("create TCB");
    if (r.effects.error != UserError::ok) parts.emplace_back("error");
    std::vector<std::string> kinds;
    for (const auto& s : r.effects) {
        auto k = segment_kind(s);
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    }
    if (!kinds.empty()) parts.push_back("snd " + dot::join(kinds, ","));
    if (r.tcb.ack_pending && !before.ack_pending) parts.emplace_back("delay ACK");
    if (r.effects.released) parts.emplace_back("delete TCB");
    return parts.empty() ? std::string("x") : dot::join(parts, ", ");
}

// One concrete TCB, with its numbers rotated so that ISS = our_iss and IRS = peer_iss and its
// deadlines relative to now: `step` is invariant under both, so the exploration stays finite.
inline Tcb<S> canonical(Tcb<S> t) {
    if (t.state == State::closed) return Tcb<S>{};
    std::uint32_t d = our_iss - t.iss;
    t.iss += d;
    t.snd_una += d;
    t.snd_nxt += d;
    t.snd_wl2 += d;
    if (knows_peer(t.state)) {
        std::uint32_t e = peer_iss - t.irs;
        t.irs += e;
        t.rcv_nxt += e;
        t.snd_wl1 += e;
    }
    t.ts_recent = 0;
    return t;
}

inline Tcb<S> shift_time(Tcb<S> t, Time now) {
    for (auto& d : t.deadline)
        if (d != never) d -= now;
    return t;
}

inline Segment<S> peer_segment(Flags f, S seq, S ack, std::uint32_t len = 0) {
    Segment<S> s;
    s.flags = f;
    s.seq = seq;
    s.ack = ack;
    s.len = len;
    s.wnd = 65535;
    return s;
}

// Every segment a peer could send that means something to `t`, derived from t's own numbers:
// the peer's SYN, a SYN+ACK of our SYN, an ACK of everything we sent and one of nothing new,
// one byte of data, a FIN with and without the ACK of ours, a retransmitted FIN, RSTs in the
// window (with the ACK SYN-SENT needs), an in-window SYN, and a new SYN above the window.
inline std::vector<Segment<S>> peer_segments(const Tcb<S>& t, std::uint32_t max_bytes) {
    std::vector<Segment<S>> v;
    const bool synced = knows_peer(t.state);
    const S r = synced ? t.rcv_nxt : peer_iss;
    const S all = t.snd_nxt;
    const S none = t.snd_una;
    v.push_back(peer_segment(Flag::syn, peer_iss, S{}));
    v.push_back(peer_segment(Flag::syn | Flag::ack, peer_iss, all));
    v.push_back(peer_segment(Flag::ack, r, all));
    if (none != all) v.push_back(peer_segment(Flag::ack, r, none));
    if (!synced || static_cast<std::uint32_t>(t.rcv_nxt - (t.irs + 1)) < max_bytes)
        v.push_back(peer_segment(Flag::psh | Flag::ack, r, all, 1));
    v.push_back(peer_segment(Flag::fin | Flag::ack, r, none));
    if (none != all) v.push_back(peer_segment(Flag::fin | Flag::ack, r, all));
    if (synced && remote_closed(t.state)) v.push_back(peer_segment(Flag::fin | Flag::ack, r - 1, all));
    v.push_back(peer_segment(Flag::rst, r, S{}));
    v.push_back(peer_segment(Flag::rst | Flag::ack, r, all));
    if (synced) {
        v.push_back(peer_segment(Flag::syn, r, S{}));
        v.push_back(peer_segment(Flag::syn, r + (1u << 20), S{}));
    }
    return v;
}

} // namespace detail::endpoint

// Explores one endpoint from CLOSED over every user call (passive and active OPEN, SEND, RECEIVE,
// CLOSE as close() and as shutdown(), ABORT), every segment of detail::endpoint::peer_segments,
// and the timer due first; collapses the concrete TCBs to their RFC states. Nothing in the graph
// is written by hand: every edge is a step that `step` took.
inline EndpointGraph derive_endpoint_graph(const Profile& p, const EndpointOptions& opt = {}) {
    using namespace detail::endpoint;
    EndpointGraph g;
    g.profile = std::string(p.name);
    std::set<EndpointEdge> edges;
    std::vector<Tcb<S>> seen;          // in discovery order
    std::deque<std::size_t> queue;
    // Seen TCBs, bucketed by state and a few numbers (a linear scan would be quadratic).
    std::map<std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>, std::vector<std::size_t>> index;
    auto key = [](const Tcb<S>& t) {
        return std::make_tuple(static_cast<int>(t.state), t.snd_nxt.value(), t.rcv_nxt.value(), t.send_queued,
                               static_cast<std::uint32_t>(t.retries));
    };
    auto add = [&](const Tcb<S>& t) {
        auto& bucket = index[key(t)];
        for (auto i : bucket)
            if (seen[i] == t) return;
        if (seen.size() >= opt.max_tcbs) { g.complete = false; return; }
        bucket.push_back(seen.size());
        seen.push_back(t);
        queue.push_back(seen.size() - 1);
    };
    add(Tcb<S>{});
    while (!queue.empty()) {
        const Tcb<S> t = seen[queue.front()];
        queue.pop_front();
        auto record = [&](const std::string& event, const StepResult<S>& r, Time now) {
            ++g.steps;
            edges.insert(EndpointEdge{t.state, r.tcb.state, event, response(t, r)});
            add(canonical(shift_time(r.tcb, now)));
        };
        record("passive OPEN", step(t, Open<S>{true, our_iss, 0}, 0, p), 0);
        record("active OPEN", step(t, Open<S>{false, our_iss, 0}, 0, p), 0);
        if (static_cast<std::uint32_t>(t.snd_nxt - t.iss) + t.send_queued <= opt.max_bytes)
            record("SEND", step(t, Send{1}, 0, p), 0);
        record("RECEIVE", step(t, Receive{t.unread == 0 ? 1 : t.unread}, 0, p), 0);
        record("CLOSE", step(t, Close{true}, 0, p), 0);
        record("CLOSE", step(t, Close{false}, 0, p), 0);
        record("ABORT", step(t, Abort{}, 0, p), 0);
        for (const auto& seg : peer_segments(t, opt.max_bytes))
            record(segment_event(t, seg), step(t, SegmentArrives<S>{seg}, 0, p), 0);
        // Timers fire in deadline order: the earliest (every one of them, if tied).
        Time first = never;
        for (Time d : t.deadline) first = std::min(first, d);
        if (first != never) {
            for (std::size_t i = 0; i < timer_count; ++i) {
                if (t.deadline[i] != first) continue;
                auto timer = static_cast<Timer>(i);
                record(timer_event(timer, p), step(t, Timeout{timer}, first, p), first);
            }
        }
    }
    g.tcbs = seen.size();
    g.edges.assign(edges.begin(), edges.end());
    return g;
}

// Figure 5 "addresses neither error conditions nor actions that are not connected with state
// changes", and its note 3 leaves out sending and receiving RST. These are the edges it leaves
// out: a response with RST or a user error, ABORT, a received RST (but for note 1's SYN-RECEIVED
// -> LISTEN), giving up after retransmission, keepalive or user timeout, and a SYN that a
// synchronized connection takes as an error (§3.10.7.4 fourth check).
inline bool error_condition(const EndpointEdge& e) {
    auto has = [](const std::string& s, std::string_view w) { return s.find(w) != std::string::npos; };
    if (has(e.response, "RST") || has(e.response, "error")) return true;
    if (e.event == "ABORT") return true;
    if (e.event == "rcv RST") return !(e.from == State::syn_received && e.to == State::listen);
    if (e.from != e.to && (e.event == "timeout=RTO" || e.event == "timeout=keepalive" || e.event == "timeout=USER TIMEOUT"))
        return true;
    if (e.event == "rcv SYN" && synchronized(e.from) && (e.to == State::listen || e.to == State::closed)) return true;
    return false;
}

struct EndpointDotOptions {
    bool self_loops = false;  // Figure 5 shows state changes only
    bool errors = true;       // false: leave out what Figure 5 leaves out (error_condition)
    std::string title;        // default: "TCP endpoint states ... <profile>"
};

namespace detail::endpoint {

// The main paths emphasised, as in the seed's claim 8 and Figure 5: the client opens actively
// and closes first, the server opens passively and closes second.
inline int main_path(const EndpointEdge& e) {
    struct P { State from, to; std::string_view event; };
    static constexpr std::array<P, 6> client{{
        {State::closed, State::syn_sent, "active OPEN"},
        {State::syn_sent, State::established, "rcv SYN,ACK"},
        {State::established, State::fin_wait_1, "CLOSE"},
        {State::fin_wait_1, State::fin_wait_2, "rcv ACK of FIN"},
        {State::fin_wait_2, State::time_wait, "rcv FIN"},
        {State::time_wait, State::closed, "timeout="},
    }};
    static constexpr std::array<P, 6> server{{
        {State::closed, State::listen, "passive OPEN"},
        {State::listen, State::syn_received, "rcv SYN"},
        {State::syn_received, State::established, "rcv ACK of SYN"},
        {State::established, State::close_wait, "rcv FIN"},
        {State::close_wait, State::last_ack, "CLOSE"},
        {State::last_ack, State::closed, "rcv ACK of FIN"},
    }};
    auto match = [&](const P& m) {
        if (m.from != e.from || m.to != e.to) return false;
        return m.event.back() == '=' ? e.event.rfind(m.event, 0) == 0 : e.event == m.event;
    };
    for (const auto& m : client)
        if (match(m)) return 1;
    for (const auto& m : server)
        if (match(m)) return 2;
    return 0;
}

inline std::string state_id(State s) { return std::string(name(s)); }

// Node layout hints so the picture reads like Figure 5: top to bottom, opening states first.
inline void endpoint_nodes(dot::Writer& w) {
    w.node_defaults({{"shape", "box"}, {"style", "rounded,filled"}, {"fillcolor", "#f4f4f4"},
                     {"fontname", "Helvetica-Bold"}, {"fontsize", "12"}, {"width", "1.4"}});
    for (State s : all_states) w.node(state_id(s));
    w.same_rank({state_id(State::syn_received), state_id(State::syn_sent)});
    w.same_rank({state_id(State::fin_wait_1), state_id(State::close_wait)});
    w.same_rank({state_id(State::fin_wait_2), state_id(State::closing), state_id(State::last_ack)});
}

inline void endpoint_header(dot::Writer& w, const std::string& title) {
    w.graph_attrs({{"label", title}, {"labelloc", "t"}, {"fontname", "Helvetica"}, {"fontsize", "16"},
                   {"rankdir", "TB"}, {"nodesep", "0.6"}, {"ranksep", "0.7"}, {"newrank", "true"}});
    w.edge_defaults({{"fontname", "Helvetica"}, {"fontsize", "9"}});
}

} // namespace detail::endpoint

// One node per state; one edge per state pair and kind (main path or other), carrying every
// distinct `event / response` that takes the endpoint from one state to the other.
inline std::string endpoint_dot(const EndpointGraph& g, const EndpointDotOptions& o = {}) {
    using namespace detail::endpoint;
    dot::Writer w("endpoint_" + g.profile);
    endpoint_header(w, o.title.empty() ? "TCP endpoint states, derived from step(): profile " + g.profile +
                                              "\nbold: the client's path (blue) and the server's (green)"
                                        : o.title);
    w.comment("derived by exploring " + std::to_string(g.tcbs) + " TCBs over " + std::to_string(g.steps) +
              " steps" + (g.complete ? "" : " (incomplete: TCB limit reached)"));
    endpoint_nodes(w);
    std::map<std::tuple<State, State, int>, std::vector<std::string>> groups;
    for (const auto& e : g.edges) {
        if (e.from == e.to && !o.self_loops) continue;
        if (!o.errors && error_condition(e)) continue;
        groups[{e.from, e.to, main_path(e)}].push_back(e.label());
    }
    for (const auto& [k, labels] : groups) {
        auto [from, to, path] = k;
        dot::Attrs a{{"label", dot::join(labels, "\n")}};
        if (path == 1) { a.insert(a.end(), {{"color", "#1f4e9c"}, {"fontcolor", "#1f4e9c"}, {"penwidth", "2.6"}}); }
        else if (path == 2) { a.insert(a.end(), {{"color", "#2a7f2a"}, {"fontcolor", "#2a7f2a"}, {"penwidth", "2.6"}}); }
        else { a.insert(a.end(), {{"color", "#777777"}, {"fontcolor", "#444444"}}); }
        w.edge(state_id(from), state_id(to), a);
    }
    return w.str();
}

// What profile `a` does that `b` does not (green, +) and the reverse (red, dashed, -); the
// transitions both take in grey.
inline std::string endpoint_compare_dot(const EndpointGraph& a, const EndpointGraph& b, const EndpointDotOptions& o = {}) {
    using namespace detail::endpoint;
    dot::Writer w("endpoint_" + a.profile + "_vs_" + b.profile);
    endpoint_header(w, o.title.empty() ? "TCP endpoint states: " + a.profile + " against " + b.profile +
                                              "\ngreen +: only " + a.profile + "; red -: only " + b.profile +
                                              "; grey: both"
                                        : o.title);
    endpoint_nodes(w);
    std::set<EndpointEdge> in_a(a.edges.begin(), a.edges.end()), in_b(b.edges.begin(), b.edges.end());
    std::set<EndpointEdge> all = in_a;
    all.insert(in_b.begin(), in_b.end());
    std::map<std::tuple<State, State, int>, std::vector<std::string>> groups; // 0 both, 1 a only, 2 b only
    for (const auto& e : all) {
        if (e.from == e.to && !o.self_loops) continue;
        if (!o.errors && error_condition(e)) continue;
        int side = in_a.count(e) && in_b.count(e) ? 0 : in_a.count(e) ? 1 : 2;
        groups[{e.from, e.to, side}].push_back((side == 1 ? "+ " : side == 2 ? "- " : "") + e.label());
    }
    for (const auto& [k, labels] : groups) {
        auto [from, to, side] = k;
        dot::Attrs attrs{{"label", dot::join(labels, "\n")}};
        if (side == 0) attrs.insert(attrs.end(), {{"color", "#9a9a9a"}, {"fontcolor", "#555555"}});
        if (side == 1) attrs.insert(attrs.end(), {{"color", "#1b8a1b"}, {"fontcolor", "#1b8a1b"}, {"penwidth", "2.2"}});
        if (side == 2) attrs.insert(attrs.end(), {{"color", "#c62828"}, {"fontcolor", "#c62828"}, {"penwidth", "2.2"}, {"style", "dashed"}});
        w.edge(state_id(from), state_id(to), attrs);
    }
    return w.str();
}

} // namespace synfin
