// Graphviz writers (include/synfin/dot.hpp): every DOT text emitted here is rendered by the real
// `dot` (SYNFIN_DOT, found by CMake) and must exit 0 without a word on stderr. The endpoint graph
// must hold the eleven states and every transition of RFC 9293 §3.3.2's Figure 5, each edge of
// which is listed below; a ladder's arrows must be the trace's segments, in order.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <synfin/dot.hpp>

namespace {

using namespace synfin;

// ---- rendering with the real dot -------------------------------------------------------------

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Rendered {
    bool ran = false;     // false: no dot was found when the build was configured
    int status = -1;
    std::string svg;
    std::string errors;   // dot's stderr
};

// Renders `text` to SVG with dot; the SVG and dot's stderr come back for inspection.
Rendered render(const std::string& text, const std::string& name) {
    Rendered r;
    const std::string dot = SYNFIN_DOT;
    if (dot.empty()) return r;
    r.ran = true;
    auto dir = std::filesystem::temp_directory_path() / "synfin_test_dot";
    std::filesystem::create_directories(dir);
    auto in = dir / (name + ".dot"), out = dir / (name + ".svg"), err = dir / (name + ".err");
    {
        std::ofstream f(in, std::ios::binary);
        f << text;
    }
    std::string cmd = "'" + dot + "' -Tsvg '" + in.string() + "' -o '" + out.string() + "' 2> '" + err.string() + "'";
    r.status = std::system(cmd.c_str());
    r.svg = slurp(out);
    r.errors = slurp(err);
    return r;
}

void require_renders(const std::string& text, const std::string& name) {
    auto r = render(text, name);
    if (!r.ran) {
        WARN("Graphviz dot was not found when the build was configured: " << name << " not rendered");
        return;
    }
    INFO(name << ": dot said: " << r.errors);
    REQUIRE(r.status == 0);
    CHECK(r.errors.empty());
    CHECK(r.svg.find("<svg") != std::string::npos);
}

// The DOT edge statements `"from" -> "to" [...]` of a text, in order.
std::vector<std::string> edge_lines(const std::string& text, const std::string& from, const std::string& to) {
    std::vector<std::string> v;
    std::istringstream in(text);
    const std::string head = dot::quote(from) + " -> " + dot::quote(to);
    for (std::string l; std::getline(in, l);) {
        auto b = l.find_first_not_of(' ');
        if (b != std::string::npos && l.compare(b, head.size(), head) == 0 && l.size() > b + head.size() &&
            (l[b + head.size()] == ' ' || l[b + head.size()] == ';'))
            v.push_back(l);
    }
    return v;
}

// ---- the checker's configurations, built here as the suite builds them ----------------------

Config two_hosts(Profile p, std::vector<ScriptStep> client, std::vector<ScriptStep> server, std::int8_t loss,
                 int max_retries = 2) {
    Config c;
    c.name = "test";
    Profile q = in_ticks(p, max_retries);
    c.host[0].profile = q;
    c.host[1].profile = q;
    for (std::size_t i = 0; i < client.size(); ++i) c.host[0].script[i] = client[i];
    for (std::size_t i = 0; i < server.size(); ++i) c.host[1].script[i] = server[i];
    c.host[0].script_len = static_cast<std::uint8_t>(client.size());
    c.host[1].script_len = static_cast<std::uint8_t>(server.size());
    c.loss_budget = loss;
    return c;
}

using U = UserAction;

Config close_config(Profile p) { return two_hosts(p, {{U::connect}, {U::close}}, {{U::listen}, {U::close}}, 0); }

Config reconnect_config(Profile p) {
    Config c = two_hosts(p, {{U::connect}, {U::close}, {U::connect}}, {{U::listen}, {U::close}, {U::listen}}, 0, 1);
    c.iss = {IssPolicy::counter, IssPolicy::adversarial};
    return c;
}

// Replays a trace and collects what every step sent, in order: what the ladder must draw.
template <unsigned Bits>
std::vector<Segment<Seq<Bits>>> sent_segments(const System<Bits>& sys, const Trace& t) {
    std::vector<Segment<Seq<Bits>>> v;
    auto s = sys.initial();
    for (const auto* part : {&t.stem, &t.cycle}) {
        for (Action a : *part) {
            Outcome<Bits> o;
            s = sys.apply(s, a, &o);
            for (std::size_t i = 0; i < o.sent_count; ++i) v.push_back(o.sent[i]);
        }
    }
    return v;
}

// The labels of the arrows in a ladder's DOT, in the order the segment edges appear: each arrow
// is an edge with id "segN" and a label node "segN_label".
std::vector<std::string> dot_arrow_labels(const std::string& text) {
    std::vector<std::string> ids, labels;
    std::istringstream in(text);
    std::regex edge_id(R"re(-> .*id="(seg[0-9]+)")re");
    std::regex label_node(R"re(^\s*"(seg[0-9]+)_label" \[label="([^"\\]*))re");
    std::map<std::string, std::string> label_of;
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_search(l, m, edge_id)) ids.push_back(m[1]);
        if (std::regex_search(l, m, label_node)) label_of[m[1]] = m[2];
    }
    for (const auto& id : ids) labels.push_back(label_of[id]);
    return labels;
}

// A trace written by hand, in the trace format, for the seed's tables.
Trace parse(const std::string& text) {
    auto r = parse_trace(text);
    REQUIRE(std::holds_alternative<Trace>(r));
    return std::get<Trace>(r);
}

} // namespace

// ---- DOT text ---------------------------------------------------------------------------------

TEST_CASE("dot: quote escapes quotes and backslashes and line breaks", "[dot]") {
    CHECK(dot::quote("plain") == "\"plain\"");
    CHECK(dot::quote("a \"b\"") == "\"a \\\"b\\\"\"");
    CHECK(dot::quote("back\\slash") == "\"back\\\\slash\"");
    CHECK(dot::quote("two\nlines") == "\"two\\nlines\"");
    CHECK(dot::quote("no\\N escape") == "\"no\\\\N escape\"");
    CHECK(dot::attributes({}) == "");
    CHECK(dot::attributes({{"label", "x\"y"}, {"color", "red"}}) == " [label=\"x\\\"y\", color=\"red\"]");
}

TEST_CASE("dot: names that need quoting survive a round trip through dot", "[dot]") {
    // DOT keywords, punctuation, quotes, backslashes, HTML-ish text, UTF-8 and line breaks.
    const std::vector<std::string> names{
        "graph", "node", "a -> b", "x;y", "{braces}", "[brackets]", "quote \" inside", "back\\slash \\N \\G",
        "<b>not html</b> & amp", "TIME-WAIT \xC3\x97 2MSL", "two\nlines", "", "subgraph cluster_x", "--", "=equals="};
    dot::Writer w("weird \"graph\" name\\");
    w.graph_attrs({{"label", "title with \"quotes\", \\backslashes\\ and <angles>"}});
    for (std::size_t i = 0; i < names.size(); ++i) {
        w.node(names[i], {{"label", names[i]}, {"tooltip", names[i]}});
        if (i > 0) w.edge(names[i - 1], names[i], {{"label", names[i] + " / \"" + names[i - 1] + "\""}});
    }
    w.open("cluster \"odd\"", {{"label", "cluster \\ label"}});
    w.node("inside \"cluster\"");
    w.close();
    w.same_rank({names[1], names[2]});
    w.comment("a comment\nthat spans lines");
    const std::string text = w.str();
    auto r = render(text, "quoting");
    if (!r.ran) { WARN("no dot"); return; }
    INFO(r.errors);
    REQUIRE(r.status == 0);
    CHECK(r.errors.empty());
    // Each name became one node, rendered as its own text (SVG escapes <, > and &).
    CHECK(r.svg.find("quote &quot; inside") != std::string::npos);
    CHECK(r.svg.find("back\\slash \\N \\G") != std::string::npos);
    CHECK(r.svg.find("&lt;b&gt;not html&lt;/b&gt; &amp; amp") != std::string::npos);
    CHECK(r.svg.find("a &#45;&gt; b") != std::string::npos);
    std::size_t nodes = 0;
    for (std::size_t at = 0; (at = r.svg.find("class=\"node\"", at)) != std::string::npos; ++at) ++nodes;
    CHECK(nodes == names.size() + 1);
}

TEST_CASE("dot: a profile whose name needs quoting still gives a valid endpoint graph", "[dot]") {
    Profile p = profiles::rfc9293();
    p.name = "my \"odd\" profile\\ {x} -> y";
    auto g = derive_endpoint_graph(p, {100'000, 0});
    CHECK(g.profile == std::string(p.name));
    require_renders(endpoint_dot(g), "odd_profile");
    require_renders(endpoint_compare_dot(g, derive_endpoint_graph(profiles::rfc9293(), {100'000, 0})), "odd_profile_compare");
}

// ---- the endpoint graph -----------------------------------------------------------------------

namespace {

struct FigureEdge {
    State from, to;
    const char* event;
    const char* response;
};

// RFC 9293 Figure 5, edge by edge, in the model's words. Two edges of the figure are taken by
// another event in the model, as documented in docs/design.md and below:
//  - LISTEN -> SYN-SENT on "SEND / snd SYN": the model's LISTEN has no foreign socket, so SEND
//    there is §3.10.2's "error: foreign socket unspecified"; the same change of a passive
//    connection to an active one is §3.10.1's active OPEN in LISTEN: "active OPEN / snd SYN".
//  - SYN-RECEIVED -> FIN-WAIT-1 on "CLOSE / snd FIN": the model queues the FIN until the ACK of
//    its SYN arrives (§3.10.4's "otherwise" case, as Linux does), so CLOSE keeps SYN-RECEIVED
//    and the edge is "rcv ACK of SYN / snd FIN".
const std::vector<FigureEdge> figure5{
    {State::closed, State::listen, "passive OPEN", "create TCB"},
    {State::closed, State::syn_sent, "active OPEN", "create TCB, snd SYN"},
    {State::listen, State::closed, "CLOSE", "delete TCB"},
    {State::listen, State::syn_received, "rcv SYN", "snd SYN,ACK"},
    {State::listen, State::syn_sent, "active OPEN", "snd SYN"},            // Figure 5: SEND / snd SYN
    {State::syn_sent, State::closed, "CLOSE", "delete TCB"},
    {State::syn_sent, State::syn_received, "rcv SYN", "snd SYN,ACK"},
    {State::syn_sent, State::established, "rcv SYN,ACK", "snd ACK"},
    {State::syn_received, State::established, "rcv ACK of SYN", "x"},
    {State::syn_received, State::listen, "rcv RST", "x"},                   // note 1
    {State::syn_received, State::fin_wait_1, "rcv ACK of SYN", "snd FIN"},  // Figure 5: CLOSE / snd FIN
    {State::established, State::fin_wait_1, "CLOSE", "snd FIN"},
    {State::established, State::close_wait, "rcv FIN", "snd ACK"},
    {State::fin_wait_1, State::fin_wait_2, "rcv ACK of FIN", "x"},
    {State::fin_wait_1, State::closing, "rcv FIN", "snd ACK"},
    {State::fin_wait_1, State::time_wait, "rcv FIN + ACK of FIN", "snd ACK"}, // note 2
    {State::fin_wait_2, State::time_wait, "rcv FIN", "snd ACK"},
    {State::closing, State::time_wait, "rcv ACK of FIN", "x"},
    {State::close_wait, State::last_ack, "CLOSE", "snd FIN"},
    {State::last_ack, State::closed, "rcv ACK of FIN", "delete TCB"},
    {State::time_wait, State::closed, "timeout=2MSL", "delete TCB"},
};

} // namespace

TEST_CASE("endpoint graph: the eleven states and every transition of RFC 9293 Figure 5", "[dot][endpoint]") {
    for (std::uint32_t bytes : {0u, 2u}) { // Figure 5's view (no data) and the full exploration
        CAPTURE(bytes);
        const auto g = derive_endpoint_graph(profiles::rfc9293(), {100'000, bytes});
        REQUIRE(g.complete);
        CHECK(g.tcbs > 100);
        // Exactly the eleven states: every one is reached, and nothing else is a node.
        std::set<State> seen;
        for (const auto& e : g.edges) { seen.insert(e.from); seen.insert(e.to); }
        CHECK(seen.size() == state_count);
        for (State s : all_states) CHECK(seen.count(s) == 1);

        for (const auto& f : figure5) {
            CAPTURE(name(f.from), name(f.to), f.event, f.response);
            CHECK(g.has(f.from, f.to, f.event, f.response));
        }
        // The two documented departures: SEND in LISTEN is an error, CLOSE in SYN-RECEIVED
        // changes nothing and sends nothing.
        CHECK(g.has(State::listen, State::listen, "SEND", "error"));
        CHECK_FALSE(g.has(State::listen, State::syn_sent, "SEND", "snd SYN"));
        CHECK(g.has(State::syn_received, State::syn_received, "CLOSE", "x"));
        CHECK_FALSE(g.has(State::syn_received, State::fin_wait_1, "CLOSE", "snd FIN"));

        // The emitted DOT: eleven nodes, and each figure edge as an edge statement with its label.
        for (bool errors : {false, true}) {
            EndpointDotOptions o;
            o.errors = errors;
            const std::string text = endpoint_dot(g, o);
            std::size_t nodes = 0;
            for (State s : all_states) {
                const std::string decl = "\n  " + dot::quote(name(s));
                if (text.find(decl + "\n") != std::string::npos || text.find(decl + " [") != std::string::npos) ++nodes;
            }
            CHECK(nodes == state_count);
            for (const auto& f : figure5) {
                CAPTURE(name(f.from), name(f.to), f.event, f.response);
                auto lines = edge_lines(text, std::string(name(f.from)), std::string(name(f.to)));
                std::string label = std::string(f.event) + " / " + f.response;
                bool found = std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
                    auto at = l.find(label);
                    // the whole label: at the start of a line of the edge's label, up to its end
                    return at != std::string::npos && (l[at - 1] == '"' || l[at - 1] == 'n') &&
                           (l.compare(at + label.size(), 1, "\"") == 0 || l.compare(at + label.size(), 2, "\\n") == 0);
                });
                CHECK(found);
            }
            require_renders(text, errors ? "endpoint_rfc9293_all" : "endpoint_rfc9293");
        }
    }
}

TEST_CASE("endpoint graph: Figure 5's view leaves out error conditions that the full view has", "[dot][endpoint]") {
    const auto g = derive_endpoint_graph(profiles::rfc9293());
    // RST and ABORT from ESTABLISHED, and giving up on the SYN, are in the model...
    CHECK(g.has(State::established, State::closed, "rcv RST", "delete TCB"));
    CHECK(g.has(State::established, State::closed, "ABORT", "snd RST, delete TCB"));
    CHECK(g.has(State::syn_sent, State::closed, "timeout=RTO", "delete TCB"));
    CHECK(g.has(State::syn_sent, State::syn_sent, "timeout=RTO", "snd SYN"));
    // ...and are what error_condition() leaves out; Figure 5's own edges are not.
    CHECK(error_condition({State::established, State::closed, "rcv RST", "delete TCB"}));
    CHECK(error_condition({State::established, State::closed, "ABORT", "snd RST, delete TCB"}));
    CHECK(error_condition({State::syn_sent, State::closed, "timeout=RTO", "delete TCB"}));
    for (const auto& f : figure5) CHECK_FALSE(error_condition({f.from, f.to, f.event, f.response}));
    EndpointDotOptions fig;
    fig.errors = false;
    const std::string text = endpoint_dot(g, fig);
    CHECK(text.find("ABORT /") == std::string::npos); // (the title names what is left out)
    CHECK(text.find("RST, delete TCB") == std::string::npos);
    CHECK(text.find("rcv RST / x") != std::string::npos); // note 1 stays
    EndpointDotOptions loops;
    loops.self_loops = true;
    const std::string with_loops = endpoint_dot(g, loops);
    CHECK(edge_lines(with_loops, "TIME-WAIT", "TIME-WAIT").size() >= 1);
    CHECK(edge_lines(endpoint_dot(g), "TIME-WAIT", "TIME-WAIT").empty());
    require_renders(with_loops, "endpoint_self_loops");
}

TEST_CASE("endpoint graph: linux against rfc9293 shows what Linux adds and removes", "[dot][endpoint]") {
    const EndpointOptions fig{100'000, 0};
    const auto lnx = derive_endpoint_graph(profiles::linux_default(), fig);
    const auto rfc = derive_endpoint_graph(profiles::rfc9293(), fig);
    // Linux: an orphan's FIN-WAIT-2 times out; a new SYN reopens TIME-WAIT.
    CHECK(lnx.has(State::fin_wait_2, State::closed, "timeout=FIN-WAIT-2", "delete TCB"));
    CHECK_FALSE(rfc.has(State::fin_wait_2, State::closed, "timeout=FIN-WAIT-2", "delete TCB"));
    CHECK(lnx.has(State::time_wait, State::syn_received, "rcv SYN", "snd SYN,ACK"));
    CHECK_FALSE(rfc.has(State::time_wait, State::syn_received));
    // Without data the ACK of a FIN goes at once on both (conformance F5) ...
    CHECK(lnx.has(State::established, State::close_wait, "rcv FIN", "snd ACK"));
    CHECK_FALSE(lnx.has(State::established, State::close_wait, "rcv FIN", "delay ACK"));
    // ... after data Linux delays it, so a prompt CLOSE can merge it (claim 12).
    const auto lnx_data = derive_endpoint_graph(profiles::linux_default(), EndpointOptions{100'000, 1});
    const auto rfc_data = derive_endpoint_graph(profiles::rfc9293(), EndpointOptions{100'000, 1});
    CHECK(lnx_data.has(State::established, State::close_wait, "rcv FIN", "delay ACK"));
    CHECK_FALSE(rfc_data.has(State::established, State::close_wait, "rcv FIN", "delay ACK"));
    EndpointDotOptions o;
    o.errors = false;
    const std::string text = endpoint_compare_dot(lnx, rfc, o);
    CHECK(text.find("+ timeout=FIN-WAIT-2 / delete TCB") != std::string::npos);
    CHECK(text.find("+ rcv SYN / snd SYN,ACK") != std::string::npos);
    const std::string with_data = endpoint_compare_dot(lnx_data, rfc_data, o);
    CHECK(with_data.find("+ rcv FIN / delay ACK") != std::string::npos);
    // A transition both take is drawn once, without a sign.
    auto both = edge_lines(text, "CLOSED", "LISTEN");
    REQUIRE(both.size() == 1);
    CHECK(both[0].find("\"passive OPEN / create TCB\"") != std::string::npos);
    require_renders(text, "endpoint_linux_vs_rfc9293");
    o.errors = true;
    require_renders(endpoint_compare_dot(derive_endpoint_graph(profiles::linux_default()),
                                         derive_endpoint_graph(profiles::rfc9293()), o),
                    "endpoint_linux_vs_rfc9293_all");
}

TEST_CASE("endpoint graph: a broken variant loses the mechanism it breaks", "[dot][endpoint]") {
    const EndpointOptions fig{100'000, 0};
    CHECK_FALSE(derive_endpoint_graph(profiles::no_closing_state(), fig).has(State::fin_wait_1, State::closing));
    auto two_way = derive_endpoint_graph(profiles::two_way_handshake(), fig);
    CHECK(two_way.has(State::listen, State::established, "rcv SYN", "snd SYN,ACK"));
    CHECK_FALSE(two_way.has(State::listen, State::syn_received));
    auto short_tw = derive_endpoint_graph(profiles::short_time_wait(), fig);
    CHECK(short_tw.has(State::time_wait, State::closed, "timeout=MSL", "delete TCB"));
    auto no_tw = derive_endpoint_graph(profiles::no_time_wait(), fig);
    CHECK_FALSE(no_tw.has(State::fin_wait_2, State::time_wait));
    CHECK(no_tw.has(State::fin_wait_2, State::closed, "rcv FIN", "snd ACK, delete TCB"));
}

// ---- ladders ------------------------------------------------------------------------------------

TEST_CASE("ladder: the seed's handshake and four-segment release in the seed's numbers", "[dot][ladder]") {
    System<3> sys(close_config(profiles::rfc9293()));
    const Trace t = parse("synfin-trace 1\nconfig close/rfc9293\nproperty none\n"
                          "user B listen iss=4\nuser A connect iss=0\n"
                          "deliver A->B 0\ndeliver B->A 0\ndeliver A->B 0\n"  // the handshake
                          "user A close\ndeliver A->B 0\ndeliver B->A 0\n"    // FIN, its ACK
                          "user B close\ndeliver B->A 0\ndeliver A->B 0\n"    // FIN, the last ACK
                          "tick\ntick\ntick\ntick\ntimeout A time_wait\nend\n");
    auto built = build_ladder(sys, t);
    REQUIRE(std::holds_alternative<Ladder<3>>(built));
    const auto& lad = std::get<Ladder<3>>(built);
    std::vector<std::string> labels;
    for (const auto& a : lad.arrows) labels.push_back(a.label);
    // Claim 2's table: SYN=1 ACK=0 seq=0 ack=0; SYN=1 ACK=1 seq=0 ack=1; SYN=0 ACK=1 seq=1 ack=1.
    // Claim 8's: FIN seq=1 ack=1; ACK seq=1 ack=2; FIN seq=1 ack=2; ACK seq=2 ack=2.
    CHECK(labels == std::vector<std::string>{
                        "SYN=1 ACK=0 seq=0 ack=0 len=0", "SYN=1 ACK=1 seq=0 ack=1 len=0", "SYN=0 ACK=1 seq=1 ack=1 len=0",
                        "SYN=0 ACK=1 FIN=1 seq=1 ack=1 len=0", "SYN=0 ACK=1 seq=1 ack=2 len=0",
                        "SYN=0 ACK=1 FIN=1 seq=1 ack=2 len=0", "SYN=0 ACK=1 seq=2 ack=2 len=0"});
    for (const auto& a : lad.arrows) CHECK(a.fate == ArrowFate::delivered);
    CHECK(lad.arrows[0].from == 0);
    CHECK(lad.arrows[1].from == 1);
    // Host states at each step: the client's path of claim 8, ending CLOSED after 2*MSL.
    std::vector<std::string> client;
    for (const auto& r : lad.rows)
        if (client.empty() || client.back() != r.state[0]) client.push_back(r.state[0]);
    CHECK(client == std::vector<std::string>{"CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"});
    // Four ticks are one row of time passing.
    CHECK(std::count_if(lad.rows.begin(), lad.rows.end(), [](const LadderRow& r) { return r.ticks == 4; }) == 1);
    const std::string text = ladder_dot(lad);
    CHECK(dot_arrow_labels(text) == labels);
    require_renders(text, "ladder_handshake_release");
}

TEST_CASE("ladder: a counterexample's arrows are its segments in order with lost ones ending in a cross", "[dot][ladder]") {
    struct Case {
        const char* name;
        Config config;
        const char* property;
    };
    const std::vector<Case> cases{
        {"no_time_wait", reconnect_config(profiles::no_time_wait()), "no_stale_acceptance"},
        {"short_time_wait", reconnect_config(profiles::short_time_wait()), "no_stale_acceptance"},
        {"no_retransmission", two_hosts(profiles::no_retransmission(), {{U::connect}, {U::close}}, {{U::listen}, {U::close}}, -1),
         "no_deadlock"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        System<3> sys(c.config);
        Explorer<3> ex(sys, ExploreOptions{});
        Properties<3> props{sys};
        auto first = ex.run({*props.safety(c.property)}, true);
        REQUIRE(first[0] != Explorer<3>::none);
        Trace t{"test/" + std::string(c.name), c.property, ex.path_to(first[0]), {}};
        auto built = build_ladder(sys, t);
        REQUIRE(std::holds_alternative<Ladder<3>>(built));
        const auto& lad = std::get<Ladder<3>>(built);
        const auto sent = sent_segments(sys, t);
        std::vector<Segment<Seq<3>>> drawn;
        std::vector<std::string> labels;
        for (const auto& a : lad.arrows) {
            labels.push_back(a.label);
            if (!a.copy) drawn.push_back(a.seg);
        }
        CHECK(drawn == sent);
        CHECK(lad.rows.size() >= t.stem.size() / 2);
        // A segment is delivered, lost or aged out where the trace says so.
        std::size_t delivers = 0, loses = 0;
        for (Action a : t.stem) {
            delivers += a.kind == ActionKind::deliver;
            loses += a.kind == ActionKind::lose;
        }
        CHECK(static_cast<std::size_t>(std::count_if(lad.arrows.begin(), lad.arrows.end(), [](const auto& a) {
                  return a.fate == ArrowFate::delivered;
              })) == delivers);
        CHECK(static_cast<std::size_t>(std::count_if(lad.arrows.begin(), lad.arrows.end(), [](const auto& a) {
                  return a.fate == ArrowFate::lost;
              })) == loses);
        for (bool wire : {false, true}) {
            LadderDotOptions o;
            o.wire = wire;
            const std::string text = ladder_dot(lad, o);
            CHECK(dot_arrow_labels(text) == labels);
            if (loses > 0) CHECK(text.find("\xC3\x97") != std::string::npos); // the cross
            require_renders(text, std::string("ladder_") + c.name + (wire ? "_wire" : ""));
        }
    }
}

TEST_CASE("ladder: a liveness lasso draws its cycle and a network duplicate is drawn as a copy", "[dot][ladder]") {
    // The seed's claim 7: without keepalive, a server whose client crashed waits forever.
    Config c = two_hosts(profiles::no_keepalive(), {{U::connect}}, {{U::listen}}, 0);
    c.host[0].may_crash = true;
    c.crash_budget = 1;
    System<3> sys(c);
    Explorer<3> ex(sys, ExploreOptions{});
    ex.run({});
    Properties<3> props{sys};
    auto lasso = ex.leads_to(*props.liveness("no_half_open_leak"));
    REQUIRE(lasso);
    Trace t{"crash/no_keepalive", "no_half_open_leak", {}, {}};
    for (std::size_t j = 1; j < lasso->stem.size(); ++j) t.stem.push_back(*ex.action_between(lasso->stem[j - 1], lasso->stem[j]));
    for (std::size_t j = 1; j < lasso->cycle.size(); ++j) t.cycle.push_back(*ex.action_between(lasso->cycle[j - 1], lasso->cycle[j]));
    auto built = build_ladder(sys, t);
    REQUIRE(std::holds_alternative<Ladder<3>>(built));
    const auto& lad = std::get<Ladder<3>>(built);
    REQUIRE(lad.cycle_start != Ladder<3>::no_cycle);
    CHECK(lad.rows[lad.cycle_start].cycle);
    CHECK(lad.rows.back().note.find("cycle") != std::string::npos);
    bool crash = false;
    for (const auto& r : lad.rows) crash = crash || r.event[0] == "CRASH";
    CHECK(crash);
    std::vector<Segment<Seq<3>>> drawn;
    for (const auto& a : lad.arrows) drawn.push_back(a.seg);
    CHECK(drawn == sent_segments(sys, t));
    require_renders(ladder_dot(lad), "ladder_lasso");

    // A network duplicate: a second arrow, the copy, from the row where it was made.
    Config d = close_config(profiles::rfc9293());
    d.dup_budget = 1;
    System<3> dup(d);
    const Trace td = parse("synfin-trace 1\nconfig close/rfc9293\nproperty none\n"
                           "user B listen iss=4\nuser A connect iss=0\nduplicate A->B 0\n"
                           "deliver A->B 0\ndeliver A->B 0\nend\n");
    auto bd = build_ladder(dup, td);
    REQUIRE(std::holds_alternative<Ladder<3>>(bd));
    const auto& ld = std::get<Ladder<3>>(bd);
    REQUIRE(ld.arrows.size() >= 2);
    CHECK_FALSE(ld.arrows[0].copy);
    CHECK(ld.arrows[1].copy);
    CHECK(ld.arrows[1].label == ld.arrows[0].label);
    CHECK(ld.arrows[0].fate == ArrowFate::delivered);
    CHECK(ld.arrows[1].fate == ArrowFate::delivered);
    require_renders(ladder_dot(ld), "ladder_duplicate");
}

TEST_CASE("ladder: a step that is not enabled is reported and not drawn", "[dot][ladder]") {
    System<3> sys(close_config(profiles::rfc9293()));
    const Trace t = parse("synfin-trace 1\nconfig close/rfc9293\nproperty none\nuser A connect iss=0\ndeliver B->A 0\nend\n");
    auto built = build_ladder(sys, t);
    REQUIRE(std::holds_alternative<std::string>(built));
    CHECK(std::get<std::string>(built).find("step 2") != std::string::npos);
}

// ---- explored state spaces ----------------------------------------------------------------------

TEST_CASE("space graph: states grouped by host-state pairs with the initial one marked and violations red", "[dot][space]") {
    Config c = two_hosts(profiles::no_retransmission(), {{U::connect}, {U::close}}, {{U::listen}, {U::close}}, -1);
    System<3> sys(c);
    Explorer<3> ex(sys, ExploreOptions{});
    Properties<3> props{sys};
    auto safety = *props.safety("no_deadlock");
    ex.run({safety});
    REQUIRE(ex.size() < 2000);
    const auto marks = safety_marks(ex, safety.violated);
    REQUIRE_FALSE(marks.path.empty());
    CHECK(marks.path.front() == 0);
    CHECK(marks.bad(marks.path.back()));

    SpaceDotOptions o;
    o.title = "lossy_close/no_retransmission";
    const std::string full = space_dot(ex, sys, marks, o);
    // One node per state, one cluster per pair of host states, the initial state doubled.
    std::set<std::pair<State, State>> pairs;
    for (std::uint32_t i = 0; i < ex.size(); ++i) {
        auto s = ex.state(i);
        pairs.insert({s.host[0].tcb.state, s.host[1].tcb.state});
        CHECK(full.find("\n    \"s" + std::to_string(i) + "\" [") != std::string::npos);
    }
    std::size_t clusters = 0;
    for (std::size_t at = 0; (at = full.find("subgraph \"cluster_", at)) != std::string::npos; ++at) ++clusters;
    CHECK(clusters == pairs.size());
    CHECK(full.find("doublecircle") != std::string::npos);
    CHECK(full.find("initial") != std::string::npos);
    CHECK(full.find("#e53935") != std::string::npos); // a violating state
    require_renders(full, "space_full");

    o.summary = true;
    const std::string summary = space_dot(ex, sys, marks, o);
    std::size_t pair_nodes = 0;
    for (const auto& [a, b] : pairs)
        if (summary.find("\"p" + std::to_string(static_cast<int>(a)) + "_" + std::to_string(static_cast<int>(b)) + "\" [") != std::string::npos)
            ++pair_nodes;
    CHECK(pair_nodes == pairs.size());
    CHECK(summary.find("violating") != std::string::npos);
    CHECK(summary.find(std::to_string(ex.size()) + " states in " + std::to_string(pairs.size())) != std::string::npos);
    require_renders(summary, "space_summary");

    // Beyond max_draw the summary is drawn without being asked for.
    SpaceDotOptions small;
    small.max_draw = 10;
    CHECK(space_dot(ex, sys, marks, small).find("pairs of host states") != std::string::npos);
}

TEST_CASE("space graph: a liveness counterexample marks its cycle", "[dot][space]") {
    Config c = two_hosts(profiles::two_way_handshake(), {{U::connect}, {U::close, 0, true}}, {{U::listen}}, 1);
    System<3> sys(c);
    Explorer<3> ex(sys, ExploreOptions{});
    ex.run({});
    Properties<3> props{sys};
    auto lasso = ex.leads_to(*props.liveness("no_half_open_leak"));
    REQUIRE(lasso);
    const auto marks = lasso_marks(ex.size(), *lasso);
    for (auto i : lasso->cycle) CHECK(marks.bad(i));
    CHECK(marks.path.size() >= lasso->stem.size());
    SpaceDotOptions o;
    o.summary = true;
    require_renders(space_dot(ex, sys, marks, o), "space_lasso_summary");
}
