// Traces (include/synfin/trace.hpp, docs/trace-format.md): what write_trace writes, parse_trace
// reads back as the same run; malformed text is rejected with a line, a column and the problem;
// comments and blank lines are ignored.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <synfin/trace.hpp>

namespace {

using namespace synfin;
using U = UserAction;

constexpr unsigned Bits = 3;
using St = SystemState<Bits>;

// A configuration in which every kind of step can happen: users connect, listen, send, close
// and abort; packets are delivered, lost and duplicated; timers fire; a host crashes.
Config busy_config() {
    Profile p = profiles::linux_default(); // delayed ACK and the FIN-WAIT-2 timer too
    p.keepalive = true;
    p = in_ticks(p);
    Config c;
    c.name = "busy";
    for (int h = 0; h < 2; ++h) c.host[h].profile = p;
    const ScriptStep a[] = {{U::connect}, {U::send, 2}, {U::close}, {U::connect}, {U::abort}};
    const ScriptStep b[] = {{U::listen}, {U::shutdown}, {U::listen}};
    for (std::size_t i = 0; i < std::size(a); ++i) c.host[0].script[i] = a[i];
    for (std::size_t i = 0; i < std::size(b); ++i) c.host[1].script[i] = b[i];
    c.host[0].script_len = static_cast<std::uint8_t>(std::size(a));
    c.host[1].script_len = static_cast<std::uint8_t>(std::size(b));
    c.loss_budget = 2;
    c.dup_budget = 2;
    c.crash_budget = 1;
    c.host[1].may_crash = true;
    return c;
}

std::vector<Action> unblocked_actions(const System<Bits>& sys, const St& s) {
    std::vector<Action> out;
    sys.for_each_action(s, [&](Action a) {
        Outcome<Bits> o;
        sys.apply(s, a, &o);
        if (!o.blocked) out.push_back(a);
    });
    return out;
}

Trace parsed_ok(const std::variant<Trace, TraceError>& r) {
    if (const auto* e = std::get_if<TraceError>(&r)) FAIL_CHECK(e->line << ":" << e->column << ": " << e->message);
    REQUIRE(std::holds_alternative<Trace>(r));
    return std::get<Trace>(r);
}

TraceError parse_error(std::string_view text) {
    auto r = parse_trace(text);
    INFO(text);
    REQUIRE(std::holds_alternative<TraceError>(r));
    return std::get<TraceError>(r);
}

std::string with_header(std::string_view body) {
    return "synfin-trace 1\nconfig close/rfc9293\nproperty no_deadlock\nseq-bits 3\n" + std::string(body);
}

// A short run on busy_config() with every step written out, for the comment/blank-line tests.
Trace sample_trace() {
    return Trace{"busy/linux+keepalive",
                 "no_deadlock",
                 {Action{ActionKind::user, 1, 4}, Action{ActionKind::user, 0, 0}, Action{ActionKind::deliver, 0, 0},
                  Action{ActionKind::duplicate, 1, 0}, Action{ActionKind::lose, 1, 0}},
                 {Action{ActionKind::tick, 0, 0}, Action{ActionKind::deliver, 1, 0}, Action{ActionKind::crash, 1, 0}}};
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Round trip.

TEST_CASE("trace: write_trace then parse_trace gives back the run of a random walk", "[trace][properties]") {
    const System<Bits> sys(busy_config());
    rc::prop("the parsed stem and cycle equal the actions written", [&] {
        St s = sys.initial();
        std::vector<Action> walk;
        const int steps = *rc::gen::inRange(0, 60);
        for (int k = 0; k < steps; ++k) {
            auto acts = unblocked_actions(sys, s);
            RC_ASSERT(!acts.empty());
            Action a = acts[*rc::gen::inRange<std::size_t>(0, acts.size())];
            walk.push_back(a);
            s = sys.apply(s, a);
        }
        // Any split: the writer and the reader do not care whether the "cycle" really cycles.
        const auto split = *rc::gen::inRange<std::size_t>(0, walk.size() + 1);
        Trace t{"busy/linux+keepalive", "no_half_open_leak", {walk.begin(), walk.begin() + static_cast<std::ptrdiff_t>(split)},
                {walk.begin() + static_cast<std::ptrdiff_t>(split), walk.end()}};
        const std::string text = write_trace(sys, t);
        RC_ASSERT(text.rfind("synfin-trace 1\nconfig busy/linux+keepalive\nproperty no_half_open_leak\nseq-bits 3\n", 0) == 0);
        RC_ASSERT(text.size() >= 4);
        RC_ASSERT(text.substr(text.size() - 4) == "end\n");
        RC_ASSERT((text.find("\ncycle\n") != std::string::npos) == !t.cycle.empty());
        auto r = parse_trace(text);
        const auto* back = std::get_if<Trace>(&r);
        RC_ASSERT(back != nullptr);
        RC_ASSERT(back->config == t.config);
        RC_ASSERT(back->property == t.property);
        RC_ASSERT(back->stem == t.stem);
        RC_ASSERT(back->cycle == t.cycle);
    });
}

TEST_CASE("trace: every kind of step survives the round trip", "[trace]") {
    // A deterministic walk: the users' next steps as soon as they are enabled, else a kind of
    // step not written yet, else any; B crashes only in the second half. The walk must write
    // every kind of step (and the scripts' user actions) at least once.
    const System<Bits> sys(busy_config());
    St s = sys.initial();
    std::vector<Action> walk;
    bool kind_seen[7] = {};
    for (int k = 0; k < 400; ++k) {
        auto acts = unblocked_actions(sys, s);
        REQUIRE(!acts.empty());
        const bool may_crash = k >= 200;
        std::vector<Action> allowed;
        for (Action a : acts)
            if (a.kind != ActionKind::crash || may_crash) allowed.push_back(a);
        REQUIRE(!allowed.empty());
        Action pick = allowed[static_cast<std::size_t>(k) * 7919 % allowed.size()];
        bool chosen = false;
        for (Action a : allowed)
            if (!chosen && a.kind == ActionKind::user) { pick = a; chosen = true; }
        for (Action a : allowed)
            if (!chosen && !kind_seen[static_cast<int>(a.kind)]) { pick = a; chosen = true; }
        kind_seen[static_cast<int>(pick.kind)] = true;
        walk.push_back(pick);
        s = sys.apply(s, pick);
    }
    for (int kind = 0; kind < 7; ++kind) {
        INFO("kind " << name(static_cast<ActionKind>(kind)));
        CHECK(kind_seen[kind]);
    }
    Trace t{"busy/linux+keepalive", "no_deadlock", walk, {}};
    const std::string text = write_trace(sys, t);
    const Trace back = parsed_ok(parse_trace(text));
    CHECK(back.stem == walk);
    CHECK(back.cycle.empty());
    for (const char* word : {"\nuser A connect iss=0 ", "\nuser B listen iss=4 ", "\nuser A send 2 ", "\ndeliver A->B ",
                             "\nlose ", "\nduplicate ", "\ntimeout ", "\ncrash B ", "\ntick "}) {
        INFO(word);
        CHECK(text.find(word) != std::string::npos);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: where, and what.

TEST_CASE("trace: parse errors carry the line and column and name the problem", "[trace]") {
    struct Case {
        std::string text;
        std::size_t line, column;
        std::string message; // a substring of the message
    };
    const std::vector<Case> cases{
        // the header
        {"config close/rfc9293\nend\n", 1, 1, "synfin-trace 1"},
        {"# a comment first\n\nsynfin-trace 2\nend\n", 3, 1, "synfin-trace 1"},
        {"  synfin-trace 1 extra\nend\n", 1, 3, "synfin-trace 1"},
        // unknown steps
        {with_header("tick\n  jump A\nend\n"), 6, 3, "unknown step 'jump'"},
        {with_header("\tdeliverx A->B 0\nend\n"), 5, 2, "unknown step 'deliverx'"},
        // bad hosts
        {with_header("user C connect iss=0\nend\n"), 5, 6, "expected host A or B"},
        {with_header("timeout  Z retransmission\nend\n"), 5, 10, "expected host A or B"},
        {with_header("crash a\nend\n"), 5, 7, "expected host A or B"},
        {with_header("deliver A-B 0\nend\n"), 5, 9, "expected A->B or B->A"},
        {with_header("lose B->B 0\nend\n"), 5, 6, "expected A->B or B->A"},
        // bad indices and numbers
        {with_header("deliver A->B 4\nend\n"), 5, 14, "expected a packet index"},
        {with_header("lose B->A x\nend\n"), 5, 11, "expected a packet index"},
        {with_header("duplicate A->B -1\nend\n"), 5, 16, "expected a packet index"},
        {with_header("deliver A->B 0x1\nend\n"), 5, 14, "expected a packet index"},
        {with_header("user A connect iss=256\nend\n"), 5, 16, "expected iss=NUMBER"},
        {with_header("user A connect iss=\nend\n"), 5, 16, "expected iss=NUMBER"},
        // wrong shapes
        {with_header("tick 1\nend\n"), 5, 6, "'tick' takes no arguments"},
        {with_header("user A\nend\n"), 5, 1, "user A|B ACTION"},
        {with_header("crash\nend\n"), 5, 1, "crash A|B"},
        {with_header("deliver A->B\nend\n"), 5, 1, "deliver A->B|B->A INDEX"},
        {with_header("timeout A nap\nend\n"), 5, 11, "unknown timer"},
        {"synfin-trace 1\nconfig\nend\n", 2, 1, "config NAME"},
        {"synfin-trace 1\nconfig a b\nend\n", 2, 1, "config NAME"},
        // the end
        {with_header("tick\n"), 5, 1, "truncated"},
        {with_header("tick\ntick  # cut here"), 6, 1, "truncated"},
        {with_header("tick\nend\ntick\n"), 7, 1, "text after 'end'"},
        {"synfin-trace 1\nproperty no_deadlock\nend\n", 3, 1, "missing 'config NAME'"},
    };
    for (const auto& c : cases) {
        auto e = parse_error(c.text);
        INFO(c.text << "\n-> " << e.line << ":" << e.column << ": " << e.message);
        CHECK(e.line == c.line);
        CHECK(e.column == c.column);
        CHECK(e.message.find(c.message) != std::string::npos);
    }
    SECTION("an empty or blank file is not a trace") {
        for (std::string_view text : {"", "\n\n", "# only a comment\n"}) {
            auto e = parse_error(text);
            CHECK(e.message.find("synfin-trace 1") != std::string::npos);
            CHECK(e.column == 1);
        }
    }
}

TEST_CASE("trace: a trace cut off at any line is reported as truncated, at its last line", "[trace]") {
    const System<Bits> sys(busy_config());
    const std::string text = write_trace(sys, sample_trace());
    std::vector<std::size_t> line_ends;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') line_ends.push_back(i);
    REQUIRE(line_ends.size() == 4 + 5 + 1 + 3 + 1); // header lines, stem, "cycle", cycle, "end"
    // Cut after each complete line but the last ("end").
    for (std::size_t n = 1; n + 1 < line_ends.size(); ++n) {
        std::string cut = text.substr(0, line_ends[n - 1] + 1);
        auto e = parse_error(cut);
        INFO(cut);
        CHECK(e.line == n);
        CHECK(e.message.find("truncated") != std::string::npos);
    }
}

// ---------------------------------------------------------------------------------------------
// Comments and blank lines.

TEST_CASE("trace: comments, blank lines, tabs and CRLF line ends are ignored", "[trace]") {
    const System<Bits> sys(busy_config());
    const Trace t = sample_trace();
    const std::string written = write_trace(sys, t);
    REQUIRE(written.find(" # ") != std::string::npos); // the writer comments every step
    const Trace from_writer = parsed_ok(parse_trace(written));
    CHECK(from_writer.stem == t.stem);
    CHECK(from_writer.cycle == t.cycle);

    const std::string by_hand =
        "# no_deadlock on busy/linux+keepalive: written by hand\n"
        "\n"
        "   # an indented comment\n"
        "synfin-trace 1   # the format\r\n"
        "config busy/linux+keepalive\n"
        "property\tno_deadlock\n"
        "\n\n"
        "seq-bits 3\n"
        "user B listen iss=4#no space before the comment\n"
        "\tuser A connect iss=0\r\n"
        "deliver A->B 0   # SYN\n"
        "  \t  \n"
        "duplicate B->A 0\n"
        "# lose B->A 1  (commented out: not a step)\n"
        "lose B->A 0\n"
        "cycle # from here on, forever\n"
        "tick\n"
        "deliver   B->A   0\n"
        "crash B\n"
        "end\n"
        "# trailing comment\n"
        "\n";
    const Trace parsed = parsed_ok(parse_trace(by_hand));
    CHECK(parsed.config == t.config);
    CHECK(parsed.property == t.property);
    CHECK(parsed.stem == t.stem);
    CHECK(parsed.cycle == t.cycle);

    // Dropping every comment and blank line from the writer's text changes nothing either.
    std::string bare;
    std::size_t pos = 0;
    while (pos < written.size()) {
        auto nl = written.find('\n', pos);
        std::string line = written.substr(pos, nl - pos);
        pos = nl + 1;
        line = line.substr(0, line.find('#'));
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (!line.empty()) bare += line + "\n";
    }
    REQUIRE(bare.find('#') == std::string::npos);
    const Trace from_bare = parsed_ok(parse_trace(bare));
    CHECK(from_bare.stem == t.stem);
    CHECK(from_bare.cycle == t.cycle);
}

TEST_CASE("trace: the sample run is what the writer says it is", "[trace]") {
    // The hand-written sample above is a real run of busy_config(): each step is enabled.
    const System<Bits> sys(busy_config());
    const Trace t = sample_trace();
    St s = sys.initial();
    for (const auto* part : {&t.stem, &t.cycle})
        for (Action a : *part) {
            REQUIRE(enabled(sys, s, a));
            s = sys.apply(s, a);
        }
    CHECK(s.host[1].crashed);
}
