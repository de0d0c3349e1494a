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
#include "properties.hpp"
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
    std::uint32_t max_bytes = 0;      // data each side could send (0: the lifecycle without data)

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
    g.max_bytes = opt.max_bytes;
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
        // SEND: always where it is an error (no connection, no foreign socket, closing), and
        // while this side has sent fewer than max_bytes elsewhere.
        const bool send_is_error = t.state == State::closed || t.state == State::listen || local_closed(t.state);
        const std::uint32_t sent = t.state == State::closed || t.state == State::listen
                                       ? 0u : static_cast<std::uint32_t>(t.snd_nxt - (t.iss + 1)) + t.send_queued;
        if (send_is_error || sent < opt.max_bytes) record("SEND", step(t, Send{1}, 0, p), 0);
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

// "without error conditions ... or data" when the view leaves them out, as Figure 5 does.
inline std::string view_note(const EndpointGraph& g, const EndpointDotOptions& o) {
    std::vector<std::string> out;
    if (!o.errors) out.emplace_back("error conditions (RST, ABORT, giving up)");
    if (g.max_bytes == 0) out.emplace_back("data");
    std::string s = o.self_loops ? "all transitions, self-loops included" : "state changes";
    if (!out.empty()) s += ", without " + dot::join(out, " or ");
    return s + (o.errors || g.max_bytes != 0 ? "" : ", as RFC 9293 Figure 5 draws them");
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
    endpoint_header(w, o.title.empty() ? "TCP endpoint states, derived from step(): profile " + g.profile + "\n" +
                                              view_note(g, o) + "\nbold: the client's path (blue) and the server's (green)"
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
    endpoint_header(w, o.title.empty() ? "TCP endpoint states, derived from step(): " + a.profile + " against " +
                                              b.profile + "\n" + view_note(a, o) + "\ngreen +: only " + a.profile +
                                              "; red -: only " + b.profile + "; grey: both"
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


// ---------------------------------------------------------------------------------------------
// The counterexample ladder.

// The seed's notation for a segment (its tables, claim 2): the SYN and ACK bits always, FIN and
// RST when set, then relative numbers. A segment without ACK shows ack=0, as capture tools do.
inline std::string seed_label(Flags f, std::uint32_t rel_seq, std::uint32_t rel_ack, std::uint32_t len) {
    std::ostringstream o;
    o << "SYN=" << (f.syn() ? 1 : 0) << " ACK=" << (f.ack() ? 1 : 0);
    if (f.fin()) o << " FIN=1";
    if (f.rst()) o << " RST=1";
    o << " seq=" << rel_seq << " ack=" << (f.ack() ? rel_ack : 0u) << " len=" << len;
    return o.str();
}

enum class ArrowFate : std::uint8_t { delivered, lost, expired, dropped, in_flight };

constexpr const char* name(ArrowFate f) {
    constexpr std::array<const char*, 5> names{"delivered", "lost", "expired", "dropped", "in flight"};
    auto i = static_cast<std::size_t>(f);
    return i < names.size() ? names[i] : "?";
}

template <unsigned Bits>
struct LadderArrow {
    int from = 0;                        // the sending host
    std::size_t sent_row = 0;            // the row of the step that sent it
    std::size_t end_row = 0;             // delivered, lost, expired (aged past MSL) or dropped there
    ArrowFate fate = ArrowFate::in_flight;
    Segment<Seq<Bits>> seg{};            // as sent, wire numbers
    std::uint32_t rel_seq = 0;           // seq minus the sender's ISS
    std::uint32_t rel_ack = 0;           // ack minus the receiver's ISS
    bool copy = false;                   // a duplicate the network made of arrow `original`
    std::size_t original = 0;
    std::string label;                   // seed_label(...)
};

struct LadderRow {
    std::string action;                  // the trace's line for this step ("" for the first row)
    std::array<std::string, 2> event{};  // what the host did ("connect()", "timeout: time_wait", "CRASH")
    std::array<std::string, 2> state{};  // each host's state after the step
    std::array<bool, 2> changed{};       // the state (or the host's incarnation) changed in this step
    std::string note;                    // what the network or time did
    unsigned ticks = 0;                  // time passing (consecutive ticks share one row)
    unsigned time = 0;                   // ticks since the start, after this row
    bool cycle = false;                  // part of the cycle a liveness trace repeats
};

template <unsigned Bits>
struct Ladder {
    static constexpr std::size_t no_cycle = static_cast<std::size_t>(-1);
    std::string config;
    std::string property;
    std::vector<LadderRow> rows;               // row 0: the initial state; the last: the end
    std::vector<LadderArrow<Bits>> arrows;     // in the order the segments were sent
    std::size_t cycle_start = no_cycle;        // first row of the cycle
};

namespace detail::ladder {

template <unsigned Bits>
std::string host_state(const Host<Bits>& h) {
    std::string s(name(h.tcb.state));
    if (h.crashed) return s + " (crashed)";
    if (h.tcb.state == State::closed && h.tcb.reason != CloseReason::none && h.tcb.reason != CloseReason::closed_normally)
        s += std::string(" (") + name(h.tcb.reason) + ")";
    return s;
}

inline std::string user_event(const ScriptStep& st, unsigned arg) {
    std::string s = std::string(name(st.action)) + "(";
    if (st.action == UserAction::send || st.action == UserAction::receive) s += std::to_string(st.bytes);
    s += ")";
    if (st.action == UserAction::connect || st.action == UserAction::listen) s += " ISS=" + std::to_string(arg);
    return s;
}

template <unsigned Bits>
bool matches(const Packet& p, const Segment<Seq<Bits>>& s) {
    Packet q = to_packet<Bits>(s, 0, 0);
    return p.flags == q.flags && p.seq == q.seq && p.ack == q.ack && p.len == q.len && p.age == 0;
}

inline std::string kind(const Packet& p) { return to_string(Flags(p.flags)); }

} // namespace detail::ladder

// Replays a trace on its system (System::apply, the same code the checker ran) and lays it out
// as rows and arrows. Fails with a message when a step is not enabled where the trace puts it.
template <unsigned Bits>
std::variant<Ladder<Bits>, std::string> build_ladder(const System<Bits>& sys, const Trace& trace) {
    using namespace detail::ladder;
    using S = Seq<Bits>;
    Ladder<Bits> lad;
    lad.config = trace.config;
    lad.property = trace.property;
    auto s = sys.initial();
    struct InFlight { Packet pk; std::size_t arrow; };
    std::array<std::vector<InFlight>, 2> flight{};
    std::array<std::uint32_t, 2> base{};  // each host's ISS, of its current (or last) incarnation
    for (int h = 0; h < 2; ++h)
        if (s.host[h].tcb.state != State::closed) base[h] = s.host[h].tcb.iss.value();
    unsigned time = 0;
    {
        LadderRow r0;
        for (int h = 0; h < 2; ++h) { r0.state[h] = host_state(s.host[h]); r0.changed[h] = true; }
        r0.note = "t=0";
        lad.rows.push_back(r0);
    }
    auto end_arrow = [&](int ch, const Packet& pk, ArrowFate fate, std::size_t row) -> std::size_t {
        auto& v = flight[ch];
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!(v[i].pk == pk)) continue;
            std::size_t a = v[i].arrow;
            lad.arrows[a].fate = fate;
            lad.arrows[a].end_row = row;
            v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
            return a;
        }
        return static_cast<std::size_t>(-1);
    };
    std::size_t step_no = 0;
    auto run = [&](const std::vector<Action>& acts, bool cycle) -> std::optional<std::string> {
        for (Action a : acts) {
            ++step_no;
            std::string line = describe_action(sys, s, a);
            if (!enabled(sys, s, a))
                return "step " + std::to_string(step_no) + " (" + line + ") is not enabled in the state it reaches";
            Outcome<Bits> o;
            auto next = sys.apply(s, a, &o);
            if (o.blocked) return "step " + std::to_string(step_no) + " (" + line + ") overflows a channel with no loss budget";
            // Consecutive ticks share a row: time passing, nothing else.
            bool merge = a.kind == ActionKind::tick && lad.rows.size() > 1 && lad.rows.back().ticks > 0 &&
                         lad.rows.back().cycle == cycle && !(cycle && lad.rows.size() == lad.cycle_start);
            if (!merge) {
                LadderRow r;
                r.action = line;
                r.cycle = cycle;
                lad.rows.push_back(r);
            }
            const std::size_t row = lad.rows.size() - 1;
            LadderRow& r = lad.rows.back();
            if (!merge) r.action = line;
            else r.action += "; " + line;
            switch (a.kind) {
            case ActionKind::user: {
                const auto& hc = sys.config().host[a.host];
                auto pc = s.host[a.host].pc;
                r.event[a.host] = pc < hc.script_len ? user_event(hc.script[pc], a.arg) : line;
                break;
            }
            case ActionKind::timeout: r.event[a.host] = std::string("timeout: ") + name(static_cast<Timer>(a.arg)); break;
            case ActionKind::crash: r.event[a.host] = "CRASH"; break;
            case ActionKind::deliver: end_arrow(a.host, o.packet, ArrowFate::delivered, row); break;
            case ActionKind::lose:
                end_arrow(a.host, o.packet, ArrowFate::lost, row);
                r.note = "network loses " + kind(o.packet) + " " + std::string(host_name(a.host)) + "->" +
                         std::string(host_name(1 - a.host));
                break;
            case ActionKind::duplicate: {
                std::size_t orig = static_cast<std::size_t>(-1);
                for (const auto& f : flight[a.host])
                    if (f.pk == o.packet) { orig = f.arrow; break; }
                if (orig != static_cast<std::size_t>(-1)) {
                    LadderArrow<Bits> c = lad.arrows[orig];
                    c.copy = true;
                    c.original = orig;
                    c.fate = ArrowFate::in_flight;
                    c.sent_row = row;
                    lad.arrows.push_back(c);
                    flight[a.host].push_back({o.packet, lad.arrows.size() - 1});
                }
                r.note = "network duplicates " + kind(o.packet) + " " + std::string(host_name(a.host)) + "->" +
                         std::string(host_name(1 - a.host));
                break;
            }
            case ActionKind::tick: {
                ++r.ticks;
                ++time;
                const auto msl = sys.config().msl;
                for (int ch = 0; ch < 2; ++ch) {
                    std::vector<InFlight> keep;
                    for (auto f : flight[ch]) {
                        if (dies_at_next_tick(f.pk.age, msl)) {
                            lad.arrows[f.arrow].fate = ArrowFate::expired;
                            lad.arrows[f.arrow].end_row = row;
                            continue;
                        }
                        ++f.pk.age;
                        keep.push_back(f);
                    }
                    flight[ch] = keep;
                }
                r.note = "t=" + std::to_string(time) + (r.ticks == 1 ? "  (1 tick)" : "  (" + std::to_string(r.ticks) + " ticks)");
                break;
            }
            }
            // The segments this step sent, matched with what entered the sender's channel.
            if (o.sent_count > 0) {
                const int sender = a.kind == ActionKind::deliver ? 1 - a.host : a.host;
                const int receiver = 1 - sender;
                std::vector<Packet> added;
                {
                    std::vector<Packet> before(s.channel[sender].items.begin(), s.channel[sender].items.begin() + s.channel[sender].count);
                    if (a.kind == ActionKind::deliver || a.kind == ActionKind::lose) {
                        if (a.host == sender) {
                            auto it = std::find(before.begin(), before.end(), o.packet);
                            if (it != before.end()) before.erase(it);
                        }
                    }
                    for (std::size_t i = 0; i < next.channel[sender].count; ++i) {
                        const Packet& p = next.channel[sender][i];
                        auto it = std::find(before.begin(), before.end(), p);
                        if (it != before.end()) before.erase(it);
                        else added.push_back(p);
                    }
                }
                const auto& pre = s.host[sender].tcb;
                const auto& post = next.host[sender].tcb;
                std::uint32_t sb = post.state != State::closed ? post.iss.value()
                                   : pre.state != State::closed ? pre.iss.value() : base[sender];
                const auto& peer = next.host[receiver].tcb;
                std::uint32_t rb = peer.state != State::closed ? peer.iss.value() : base[receiver];
                for (std::size_t k = 0; k < o.sent_count; ++k) {
                    const auto& seg = o.sent[k];
                    LadderArrow<Bits> arrow;
                    arrow.from = sender;
                    arrow.sent_row = row;
                    arrow.seg = seg;
                    arrow.rel_seq = (seg.seq.value() - sb) & S::mask;
                    arrow.rel_ack = seg.flags.ack() ? ((seg.ack.value() - rb) & S::mask) : 0u;
                    arrow.label = seed_label(seg.flags, arrow.rel_seq, arrow.rel_ack, seg.len);
                    auto it = std::find_if(added.begin(), added.end(), [&](const Packet& p) { return matches<Bits>(p, seg); });
                    lad.arrows.push_back(arrow);
                    if (it == added.end()) {
                        lad.arrows.back().fate = ArrowFate::dropped; // the channel was full
                        lad.arrows.back().end_row = row;
                    } else {
                        flight[sender].push_back({*it, lad.arrows.size() - 1});
                        added.erase(it);
                    }
                }
            }
            for (int h = 0; h < 2; ++h) {
                r.state[h] = host_state(next.host[h]);
                const auto& before = lad.rows[row - (merge ? 0 : 1)];
                r.changed[h] = r.changed[h] || r.state[h] != before.state[h] || next.host[h].conn != s.host[h].conn;
                if (next.host[h].tcb.state != State::closed) base[h] = next.host[h].tcb.iss.value();
            }
            s = next;
        }
        return std::nullopt;
    };
    if (auto err = run(trace.stem, false)) return *err;
    if (!trace.cycle.empty()) {
        lad.cycle_start = lad.rows.size();
        if (auto err = run(trace.cycle, true)) return *err;
    }
    LadderRow end;
    for (int h = 0; h < 2; ++h) end.state[h] = lad.rows.back().state[h];
    end.cycle = !trace.cycle.empty();
    if (!trace.cycle.empty()) end.note = "back to the start\nof the cycle";
    else if (find_property(trace.property)) end.note = "violates\n" + trace.property;
    else end.note = "end";
    lad.rows.push_back(end);
    for (auto& ar : lad.arrows)
        if (ar.fate == ArrowFate::in_flight) ar.end_row = lad.rows.size() - 1;
    return lad;
}

struct LadderDotOptions {
    std::string title;          // default: property and configuration
    bool wire = false;          // also show the wire numbers (mod 2^Bits) under the relative ones
    std::array<std::string, 2> host_names{"A (client)", "B (server)"};
};

// The ladder as DOT, laid out by hand: every node is pinned (`layout=neato`, `pos="x,y!"`), so
// that `dot` renders the file as drawn. Four columns (time and network notes, host A, the
// network, host B), one row per step. Each segment is a straight arrow from the row that sent it
// to the row that delivered it, its label just above where it leaves the sender; a lost, expired
// or dropped one ends in a red cross in the network column.
template <unsigned Bits>
std::string ladder_dot(const Ladder<Bits>& lad, const LadderDotOptions& o = {}) {
    dot::Writer w("ladder");
    std::string title = o.title;
    if (title.empty()) {
        title = lad.property.empty() ? lad.config : lad.property + " on " + lad.config;
        title += "\nrelative numbers: seq from the sender's ISS, ack from the receiver's";
    }
    // Geometry, in inches.
    const double x_note = 0.9, x_a = 2.9, gap = 6.0, x_b = x_a + gap, x_mid = x_a + gap / 2;
    const double lines = 1.0 + (o.wire ? 1.0 : 0.0);
    const double dy = 0.5 + 0.14 * lines;
    auto pos = [](double x, double y) {
        std::ostringstream p;
        p.setf(std::ios::fixed);
        p.precision(3);
        p << x << ',' << y << '!';
        return p.str();
    };
    auto y_of = [&](std::size_t row) { return -static_cast<double>(row + 1) * dy; };
    w.graph_attrs({{"label", title}, {"labelloc", "t"}, {"fontname", "Helvetica"}, {"fontsize", "14"},
                   {"layout", "neato"}, {"splines", "false"}, {"outputorder", "edgesfirst"}, {"pad", "0.3"}});
    w.node_defaults({{"fontname", "Helvetica"}, {"fontsize", "10"}});
    w.edge_defaults({{"fontname", "Helvetica"}, {"fontsize", "9"}});
    const std::array<std::string, 4> col{"n", "a", "x", "b"};
    auto id = [&](int c, std::size_t row) { return col[static_cast<std::size_t>(c)] + std::to_string(row); };
    auto host_col = [](int h) { return h == 0 ? 1 : 3; };
    auto host_x = [&](int h) { return h == 0 ? x_a : x_b; };
    std::vector<bool> cross(lad.rows.size(), false);
    for (const auto& a : lad.arrows)
        if (a.fate == ArrowFate::lost || a.fate == ArrowFate::expired || a.fate == ArrowFate::dropped) cross[a.end_row] = true;
    // Header: the two hosts.
    w.node("ah", {{"label", o.host_names[0]}, {"shape", "box"}, {"style", "filled"}, {"fillcolor", "#dde6f5"},
                  {"fontname", "Helvetica-Bold"}, {"pos", pos(x_a, 0)}});
    w.node("bh", {{"label", o.host_names[1]}, {"shape", "box"}, {"style", "filled"}, {"fillcolor", "#f5e6d6"},
                  {"fontname", "Helvetica-Bold"}, {"pos", pos(x_b, 0)}});
    for (std::size_t i = 0; i < lad.rows.size(); ++i) {
        const auto& r = lad.rows[i];
        const double y = y_of(i);
        std::string note = r.note;
        if (i == lad.cycle_start) note = "cycle: the steps below\nrepeat forever" + (note.empty() ? "" : "\n" + note);
        std::string note_color = i == lad.cycle_start || (r.cycle && i + 1 == lad.rows.size()) ? "#6a1b9a"
                                 : r.note.rfind("violates", 0) == 0 ? "#c62828"
                                 : r.ticks ? "#555555" : "#8a4b00";
        w.node(id(0, i), {{"label", note}, {"shape", "plaintext"}, {"fontcolor", note_color}, {"fontsize", "9"},
                          {"tooltip", r.action.empty() ? "initial state" : r.action}, {"pos", pos(x_note, y)}});
        for (int h = 0; h < 2; ++h) {
            std::string label = r.event[h].empty() ? r.state[h] : r.event[h] + "\n" + r.state[h];
            dot::Attrs ha{{"label", label}, {"tooltip", r.action.empty() ? "initial state" : r.action},
                          {"pos", pos(host_x(h), y)}};
            if (!r.event[h].empty()) {
                ha.insert(ha.end(), {{"shape", "box"}, {"style", "rounded,filled"}, {"fillcolor", "#fff3c4"},
                                     {"color", "#b08a00"}, {"height", "0.4"}});
            } else if (r.changed[h]) {
                ha.insert(ha.end(), {{"shape", "box"}, {"style", "rounded,filled"},
                                     {"fillcolor", h == 0 ? "#dde6f5" : "#f5e6d6"}, {"color", "#555555"}, {"height", "0.3"}});
            } else {
                ha.insert(ha.end(), {{"shape", "box"}, {"style", "filled"}, {"color", "white"}, {"fillcolor", "white"},
                                     {"fontcolor", "#9a9a9a"}, {"fontsize", "8"}, {"height", "0.18"}, {"margin", "0.02,0.01"}});
            }
            w.node(id(host_col(h), i), ha);
        }
        if (cross[i])
            w.node(id(2, i), {{"label", "\xC3\x97"}, {"shape", "plaintext"}, {"fontcolor", "#c62828"}, {"fontsize", "24"},
                              {"width", "0.2"}, {"height", "0.2"}, {"margin", "0"}, {"pos", pos(x_mid, y)}});
        else
            w.node(id(2, i), {{"label", ""}, {"shape", "point"}, {"style", "invis"}, {"width", "0.01"}, {"pos", pos(x_mid, y)}});
    }
    // Lifelines: solid while nothing happens, dashed across time passing, purple in the cycle.
    for (int h = 0; h < 2; ++h) {
        std::string prev = h == 0 ? "ah" : "bh";
        for (std::size_t i = 0; i < lad.rows.size(); ++i) {
            dot::Attrs la{{"arrowhead", "none"}, {"color", lad.rows[i].cycle ? "#6a1b9a" : "#444444"}, {"penwidth", "1.4"}};
            if (lad.rows[i].ticks) la.emplace_back("style", "dashed");
            w.edge(prev, id(host_col(h), i), la);
            prev = id(host_col(h), i);
        }
    }
    // The segments, in the order they were sent. Each label is a node pinned on its arrow, a
    // third of the way across from the sender, on white so the line passes behind it: labels
    // of arrows that cross then sit on opposite sides, clear of each other and of the boxes.
    struct Box {
        double x, y, w, h; // centre and size, inches
        [[nodiscard]] double overlap(const Box& o) const {
            double ox = std::min(x + w / 2, o.x + o.w / 2) - std::max(x - w / 2, o.x - o.w / 2);
            double oy = std::min(y + h / 2, o.y + o.h / 2) - std::max(y - h / 2, o.y - o.h / 2);
            return ox > 0 && oy > 0 ? ox * oy : 0;
        }
    };
    std::vector<Box> placed; // the host boxes, then each label as it is placed
    for (std::size_t i = 0; i < lad.rows.size(); ++i) {
        for (int h = 0; h < 2; ++h) {
            const auto& r = lad.rows[i];
            const auto hs = static_cast<std::size_t>(h);
            double chars = static_cast<double>(std::max(r.state[hs].size(), r.event[hs].size()));
            placed.push_back({host_x(h), y_of(i), 0.075 * chars + 0.2, r.event[hs].empty() ? 0.3 : 0.42});
        }
    }
    for (std::size_t k = 0; k < lad.arrows.size(); ++k) {
        const auto& a = lad.arrows[k];
        std::vector<std::string> label{a.label};
        if (o.wire) label.push_back("wire: seq=" + std::to_string(a.seg.seq.value()) + " ack=" + std::to_string(a.seg.ack.value()));
        if (a.copy) label.emplace_back("(a copy the network made)");
        if (a.fate == ArrowFate::expired) label.emplace_back("(older than MSL: gone)");
        if (a.fate == ArrowFate::dropped) label.emplace_back("(channel full: dropped)");
        if (a.fate == ArrowFate::in_flight) label.emplace_back("(still in flight)");
        const std::string color = a.from == 0 ? "#1f4e9c" : "#b3541e";
        dot::Attrs ea{{"color", color}, {"penwidth", "1.3"}, {"id", "seg" + std::to_string(k)},
                      {"tooltip", a.label + " (" + name(a.fate) + ")"}};
        std::string to;
        double end_x = x_mid;
        switch (a.fate) {
        case ArrowFate::delivered:
            to = id(host_col(1 - a.from), a.end_row);
            end_x = host_x(1 - a.from);
            break;
        case ArrowFate::lost:
        case ArrowFate::expired:
        case ArrowFate::dropped:
            to = id(2, a.end_row);
            ea.emplace_back("arrowhead", "none");
            break;
        case ArrowFate::in_flight:
            to = id(2, a.end_row);
            ea.emplace_back("style", "dotted");
            break;
        }
        if (a.copy) ea.emplace_back("style", "dashed");
        w.edge(id(host_col(a.from), a.sent_row), to, ea);
        // Where on the arrow: a third of the way across by preference, slid along it until the
        // label clears the labels and boxes already placed (the least overlap if none is clear).
        const double x0 = host_x(a.from), y0 = y_of(a.sent_row), y1 = y_of(a.end_row);
        const double dx = end_x - x0;
        const double adx = std::max(0.01, dx > 0 ? dx : -dx);
        std::size_t longest = 0;
        for (const auto& l : label) longest = std::max(longest, l.size());
        const Box size{0, 0, 0.066 * static_cast<double>(longest) + 0.1, 0.17 * static_cast<double>(label.size()) + 0.04};
        const double t0 = std::min(0.85, 0.32 * gap / adx);
        double best_t = t0, best_overlap = -1;
        for (int step = 0; step <= 16 && best_overlap != 0; ++step) {
            double t = t0 + (step % 2 ? 1 : -1) * 0.05 * ((step + 1) / 2);
            if (t < 0.06 || t > 0.94) continue;
            Box b{x0 + t * dx, y0 + t * (y1 - y0), size.w, size.h};
            double overlap = 0;
            for (const auto& o2 : placed) overlap += b.overlap(o2);
            if (best_overlap < 0 || overlap < best_overlap) { best_overlap = overlap; best_t = t; }
        }
        const double x = x0 + best_t * dx, y = y0 + best_t * (y1 - y0);
        placed.push_back({x, y, size.w, size.h});
        w.node("seg" + std::to_string(k) + "_label",
               {{"label", dot::join(label, "\n")}, {"shape", "plaintext"}, {"style", "filled"}, {"fillcolor", "white"},
                {"fontsize", "9"}, {"fontcolor", color}, {"margin", "0.02,0.01"}, {"width", "0"}, {"height", "0"},
                {"pos", pos(x, y)}});
    }
    return w.str();
}

// ---------------------------------------------------------------------------------------------
// The explored state space.

// What to mark on an explored space: the states that violate a safety property (empty: none),
// and a counterexample as the explored states it passes through (a liveness lasso's stem and
// cycle one after the other; a cycle's states also count as violating).
struct SpaceMarks {
    std::vector<bool> violating;       // by state index
    std::vector<std::uint32_t> path;   // state indices, in order

    [[nodiscard]] bool bad(std::uint32_t i) const { return i < violating.size() && violating[i]; }
};

// Marks for a safety property: every state it holds in, and the shortest path to the first.
template <unsigned Bits, class Violated>
SpaceMarks safety_marks(const Explorer<Bits>& ex, Violated&& violated) {
    SpaceMarks m;
    m.violating.assign(ex.size(), false);
    std::uint32_t first = Explorer<Bits>::none;
    for (std::uint32_t i = 0; i < ex.size(); ++i) {
        if (!violated(ex.state(i))) continue;
        m.violating[i] = true;
        if (first == Explorer<Bits>::none) first = i;
    }
    if (first != Explorer<Bits>::none) {
        for (std::uint32_t i = first;; i = ex.parent(i)) {
            m.path.push_back(i);
            if (i == 0 || i == Explorer<Bits>::none) break;
        }
        std::reverse(m.path.begin(), m.path.end());
    }
    return m;
}

// Marks for a liveness counterexample: the lasso's states, its cycle as violating.
inline SpaceMarks lasso_marks(std::size_t states, const Lasso& l) {
    SpaceMarks m;
    m.violating.assign(states, false);
    m.path = l.stem;
    for (std::size_t k = 0; k < l.cycle.size(); ++k) {
        if (k > 0 || l.cycle[0] != l.stem.back()) m.path.push_back(l.cycle[k]);
        if (l.cycle[k] < states) m.violating[l.cycle[k]] = true;
    }
    return m;
}

struct SpaceDotOptions {
    std::size_t max_draw = 2000;  // more states than this: the summary graph of host-state pairs
    bool summary = false;         // the summary even for a small space
    std::string title;
};

// A checker state in one line, for tooltips: each host's state and script position, what is in
// flight each way (flags seq/ack len, age in ticks), and the armed deadlines.
template <unsigned Bits>
std::string describe_state(const System<Bits>& sys, const SystemState<Bits>& s) {
    std::ostringstream o;
    for (int h = 0; h < 2; ++h) {
        const auto& x = s.host[h];
        o << (h ? "; " : "") << host_name(h) << ' ' << detail::ladder::host_state(x) << " (step " << unsigned(x.pc) << '/'
          << unsigned(sys.config().host[h].script_len) << ')';
        for (std::size_t t = 0; t < timer_count; ++t)
            if (x.tcb.deadline[t] != never) o << ' ' << name(static_cast<Timer>(t)) << " in " << x.tcb.deadline[t];
    }
    for (int c = 0; c < 2; ++c) {
        o << "; " << host_name(c) << "->" << host_name(1 - c) << ':';
        if (s.channel[c].empty()) o << " -";
        for (std::size_t i = 0; i < s.channel[c].count; ++i) {
            const Packet& p = s.channel[c][i];
            o << ' ' << to_string(Flags(p.flags)) << ' ' << unsigned(p.seq) << '/' << unsigned(p.ack) << " len " << unsigned(p.len)
              << " age " << unsigned(p.age);
        }
    }
    if (s.violations) o << "; violation latched";
    return o.str();
}

namespace detail::space {

inline std::string pair_name(State a, State b) { return "A " + std::string(name(a)) + "\nB " + std::string(name(b)); }
inline std::string pair_id(State a, State b) {
    return "p" + std::to_string(static_cast<int>(a)) + "_" + std::to_string(static_cast<int>(b));
}

} // namespace detail::space

// The summary: one node per pair of host states, with the number of explored states in it (and
// how many violate), one edge per pair of pairs with the number of transitions between them.
template <unsigned Bits>
std::string space_summary_dot(const Explorer<Bits>& ex, const System<Bits>& sys, const SpaceMarks& marks,
                              const SpaceDotOptions& o = {}) {
    using namespace detail::space;
    (void)sys;
    const std::uint32_t n = static_cast<std::uint32_t>(ex.size());
    std::map<std::pair<State, State>, std::array<std::uint64_t, 3>> nodes; // states, on path, violating
    std::map<std::pair<std::pair<State, State>, std::pair<State, State>>, std::array<std::uint64_t, 2>> edges; // count, on path
    std::vector<std::pair<State, State>> pair_of(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        auto s = ex.state(i);
        pair_of[i] = {s.host[0].tcb.state, s.host[1].tcb.state};
        auto& c = nodes[pair_of[i]];
        ++c[0];
        if (marks.bad(i)) ++c[2];
    }
    for (auto i : marks.path)
        if (i < n) nodes[pair_of[i]][1] = 1;
    for (std::uint32_t i = 0; i < n; ++i) {
        for (const auto& [a, j] : ex.successors(i)) {
            (void)a;
            if (pair_of[i] != pair_of[j]) ++edges[{pair_of[i], pair_of[j]}][0];
        }
    }
    for (std::size_t k = 1; k < marks.path.size(); ++k) {
        auto i = marks.path[k - 1], j = marks.path[k];
        if (i < n && j < n && pair_of[i] != pair_of[j]) edges[{pair_of[i], pair_of[j]}][1] = 1;
    }
    dot::Writer w("space_summary");
    std::string title = o.title.empty() ? std::string("explored state space") : o.title;
    title += "\n" + std::to_string(n) + " states in " + std::to_string(nodes.size()) +
             " pairs of host states; edges: transitions between pairs";
    w.graph_attrs({{"label", title}, {"labelloc", "t"}, {"fontname", "Helvetica"}, {"fontsize", "14"}, {"rankdir", "TB"},
                   {"nodesep", "0.3"}, {"ranksep", "0.5"}, {"newrank", "true"}});
    w.node_defaults({{"fontname", "Helvetica"}, {"fontsize", "10"}, {"shape", "box"}, {"style", "rounded,filled"},
                     {"fillcolor", "#f4f4f4"}});
    w.edge_defaults({{"fontname", "Helvetica"}, {"fontsize", "8"}, {"color", "#8a8a8a"}, {"fontcolor", "#555555"}});
    const auto init = n > 0 ? pair_of[0] : std::pair<State, State>{State::closed, State::closed};
    for (const auto& [p, c] : nodes) {
        std::string label = pair_name(p.first, p.second) + "\n" + std::to_string(c[0]) + (c[0] == 1 ? " state" : " states");
        dot::Attrs a{{"label", label}};
        if (c[2]) {
            label += "\n" + std::to_string(c[2]) + " violating";
            a = {{"label", label}, {"fillcolor", "#f4b6b6"}};
        }
        if (c[1]) a.insert(a.end(), {{"color", "#c62828"}, {"penwidth", "2.2"}});
        if (p == init) a.insert(a.end(), {{"peripheries", "2"}, {"fillcolor", c[2] ? "#f4b6b6" : "#fff3c4"}, {"xlabel", "initial"}});
        w.node(pair_id(p.first, p.second), a);
    }
    for (const auto& [e, c] : edges) {
        dot::Attrs a{{"label", std::to_string(c[0])}};
        if (c[1]) a.insert(a.end(), {{"color", "#c62828"}, {"fontcolor", "#c62828"}, {"penwidth", "2.2"}});
        w.edge(pair_id(e.first.first, e.first.second), pair_id(e.second.first, e.second.second), a);
    }
    return w.str();
}

// Every explored state as a small node, grouped in clusters by the pair of host states; the
// initial state doubled and yellow, violating states red, the counterexample's path in red.
// A space with more than max_draw states gets the summary instead.
template <unsigned Bits>
std::string space_dot(const Explorer<Bits>& ex, const System<Bits>& sys, const SpaceMarks& marks, const SpaceDotOptions& o = {}) {
    using namespace detail::space;
    if (o.summary || ex.size() > o.max_draw) return space_summary_dot(ex, sys, marks, o);
    const std::uint32_t n = static_cast<std::uint32_t>(ex.size());
    std::map<std::pair<State, State>, std::vector<std::uint32_t>> clusters;
    for (std::uint32_t i = 0; i < n; ++i) {
        auto s = ex.state(i);
        clusters[{s.host[0].tcb.state, s.host[1].tcb.state}].push_back(i);
    }
    dot::Writer w("space");
    std::string title = o.title.empty() ? std::string("explored state space") : o.title;
    title += "\n" + std::to_string(n) + " states, grouped by the pair of host states; dashed: a tick";
    w.graph_attrs({{"label", title}, {"labelloc", "t"}, {"fontname", "Helvetica"}, {"fontsize", "14"}, {"rankdir", "TB"},
                   {"nodesep", "0.08"}, {"ranksep", "0.3"}, {"newrank", "true"}}); // dot's old ranking fails on some clusters ("trouble in init_rank")
    w.node_defaults({{"shape", "circle"}, {"label", ""}, {"width", "0.14"}, {"height", "0.14"}, {"fixedsize", "true"},
                     {"style", "filled"}, {"fillcolor", "#c9d6ea"}, {"color", "#5a6f8f"}});
    w.edge_defaults({{"color", "#9a9a9a"}, {"arrowsize", "0.4"}, {"penwidth", "0.6"}});
    std::set<std::uint32_t> on_path(marks.path.begin(), marks.path.end());
    std::set<std::pair<std::uint32_t, std::uint32_t>> path_edges;
    for (std::size_t k = 1; k < marks.path.size(); ++k) path_edges.insert({marks.path[k - 1], marks.path[k]});
    for (const auto& [p, members] : clusters) {
        w.open("cluster_" + pair_id(p.first, p.second),
               {{"label", "A " + std::string(name(p.first)) + " / B " + std::string(name(p.second)) + " (" +
                              std::to_string(members.size()) + ")"},
                {"fontname", "Helvetica"}, {"fontsize", "9"}, {"style", "rounded"}, {"color", "#b0b0b0"}});
        for (auto i : members) {
            dot::Attrs a{{"tooltip", "#" + std::to_string(i) + ": " + describe_state(sys, ex.state(i))}};
            if (marks.bad(i)) a.insert(a.end(), {{"fillcolor", "#e53935"}, {"color", "#8e0000"}});
            if (on_path.count(i)) a.insert(a.end(), {{"color", "#8e0000"}, {"penwidth", "2"}});
            if (i == 0) a.insert(a.end(), {{"shape", "doublecircle"}, {"width", "0.3"}, {"height", "0.3"},
                                           {"fillcolor", "#ffd54f"}, {"xlabel", "initial"}, {"fontsize", "9"}});
            w.node("s" + std::to_string(i), a);
        }
        w.close();
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        std::set<std::uint32_t> done;
        for (const auto& [a, j] : ex.successors(i)) {
            if (j == i || !done.insert(j).second) continue;
            dot::Attrs ea{{"tooltip", describe_action(sys, ex.state(i), a)}};
            if (a.kind == ActionKind::tick) ea.emplace_back("style", "dashed");
            if (path_edges.count({i, j})) ea.insert(ea.end(), {{"color", "#c62828"}, {"penwidth", "1.8"}});
            w.edge("s" + std::to_string(i), "s" + std::to_string(j), ea);
        }
    }
    return w.str();
}

} // namespace synfin
