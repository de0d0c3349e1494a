// The expression language of model files (checks/expr.hpp): its errors, its precedence, and the
// compiled program against an evaluator built beside the text, on reachable states.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <functional>

#include "../../checks/expr.hpp"
#include "../../checks/model_file.hpp"

using namespace synfin;

namespace {

// The states of a small exploration (idle/rfc9293+keepalive: a few thousand).
const std::vector<expr::St>& some_states() {
    static const std::vector<expr::St> all = [] {
        auto config = suite::config_named("idle/rfc9293+keepalive");
        System<suite::seq_bits> sys(*config);
        Explorer<suite::seq_bits> ex(sys, {});
        ex.run({});
        std::vector<expr::St> v;
        for (std::uint32_t i = 0; i < ex.size(); ++i) v.push_back(ex.state(i));
        return v;
    }();
    return all;
}

expr::Program compiled(std::string_view text) {
    auto p = expr::parse(text);
    if (auto* e = std::get_if<expr::Error>(&p)) FAIL(std::string(text) << ": " << e->message << " at " << e->offset);
    return expr::compile(*std::get<std::unique_ptr<expr::Node>>(p));
}

std::size_t count_true(std::string_view text) {
    auto p = compiled(text);
    std::size_t n = 0;
    for (const auto& s : some_states()) n += expr::run(p, s) != 0;
    return n;
}

// An expression as text, with what it means computed directly from the state.
struct Gen {
    std::string text;
    std::function<std::int64_t(const expr::St&)> value;
};

rc::Gen<Gen> integer(int depth);
rc::Gen<Gen> boolean(int depth);

rc::Gen<Gen> integer(int depth) {
    auto leaf = rc::gen::oneOf(
        rc::gen::map(rc::gen::inRange(0, 9), [](int v) { return Gen{std::to_string(v), [v](const expr::St&) { return std::int64_t{v}; }}; }),
        rc::gen::map(rc::gen::inRange(0, 2), [](int h) {
            return Gen{std::string(h ? "b" : "a") + ".snd_nxt", [h](const expr::St& s) { return std::int64_t{s.host[h].tcb.snd_nxt.value()}; }};
        }),
        rc::gen::map(rc::gen::inRange(0, 2), [](int h) {
            return Gen{std::string(h ? "b" : "a") + ".pc", [h](const expr::St& s) { return std::int64_t{s.host[h].pc}; }};
        }),
        rc::gen::map(rc::gen::inRange(0, 2), [](int h) {
            return Gen{std::string(h ? "ba" : "ab") + ".count", [h](const expr::St& s) { return std::int64_t{s.channel[h].count}; }};
        }));
    if (depth <= 0) return leaf;
    return rc::gen::oneOf(leaf, rc::gen::mapcat(rc::gen::tuple(integer(depth - 1), integer(depth - 1), rc::gen::arbitrary<bool>()),
                                                [](const std::tuple<Gen, Gen, bool>& t) {
                                                    // not structured bindings: Clang 14 cannot capture those
                                                    const Gen l = std::get<0>(t), r = std::get<1>(t);
                                                    const bool plus = std::get<2>(t);
                                                    return rc::gen::just(Gen{"(" + l.text + (plus ? " + " : " - ") + r.text + ")",
                                                                             [l, r, plus](const expr::St& s) {
                                                                                 return plus ? l.value(s) + r.value(s) : l.value(s) - r.value(s);
                                                                             }});
                                                }));
}

rc::Gen<Gen> boolean(int depth) {
    auto compare = rc::gen::map(rc::gen::tuple(integer(depth), integer(depth), rc::gen::inRange(0, 6)),
                                [](const std::tuple<Gen, Gen, int>& t) {
                                    const Gen l = std::get<0>(t), r = std::get<1>(t);
                                    const int op = std::get<2>(t);
                                    static const char* sym[] = {"==", "!=", "<", "<=", ">", ">="};
                                    return Gen{"(" + l.text + " " + sym[op] + " " + r.text + ")", [l, r, op](const expr::St& s) {
                                                   auto a = l.value(s), b = r.value(s);
                                                   switch (op) {
                                                   case 0: return std::int64_t{a == b};
                                                   case 1: return std::int64_t{a != b};
                                                   case 2: return std::int64_t{a < b};
                                                   case 3: return std::int64_t{a <= b};
                                                   case 4: return std::int64_t{a > b};
                                                   default: return std::int64_t{a >= b};
                                                   }
                                               }};
                                });
    auto state = rc::gen::map(rc::gen::tuple(rc::gen::inRange(0, 2), rc::gen::inRange<std::size_t>(0, state_count)),
                              [](const std::tuple<int, std::size_t>& t) {
                                  const int h = std::get<0>(t);
                                  const std::size_t st = std::get<1>(t);
                                  std::string n(name(static_cast<State>(st)));
                                  for (auto& c : n) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                                  return Gen{std::string(h ? "b" : "a") + ".state == " + n, [h, st](const expr::St& s) {
                                                 return std::int64_t{static_cast<std::size_t>(s.host[h].tcb.state) == st};
                                             }};
                              });
    if (depth <= 0) return rc::gen::oneOf(compare, state);
    auto combined = rc::gen::map(rc::gen::tuple(boolean(depth - 1), boolean(depth - 1), rc::gen::inRange(0, 3)),
                                 [](const std::tuple<Gen, Gen, int>& t) {
                                     const Gen l = std::get<0>(t), r = std::get<1>(t);
                                     const int op = std::get<2>(t);
                                     if (op == 2) return Gen{"!(" + l.text + ")", [l](const expr::St& s) { return std::int64_t{!l.value(s)}; }};
                                     return Gen{"(" + l.text + (op ? " || " : " && ") + r.text + ")", [l, r, op](const expr::St& s) {
                                                    return std::int64_t{op ? (l.value(s) || r.value(s)) : (l.value(s) && r.value(s))};
                                                }};
                                 });
    return rc::gen::oneOf(compare, state, combined);
}

} // namespace

TEST_CASE("expr: random expressions agree with an evaluator built beside their text", "[models][property]") {
    const auto& states = some_states();
    REQUIRE(states.size() > 1000);
    rc::prop("compiled program == tree == reference on reachable states", [&] {
        const Gen g = *boolean(3);
        auto parsed = expr::parse(g.text);
        if (auto* e = std::get_if<expr::Error>(&parsed)) RC_FAIL(g.text + ": " + e->message);
        const auto& tree = *std::get<std::unique_ptr<expr::Node>>(parsed);
        const auto program = expr::compile(tree);
        for (std::size_t i = 0; i < states.size(); i += 7) {
            const auto want = g.value(states[i]);
            RC_ASSERT(expr::run(program, states[i]) == want);
            RC_ASSERT(expr::evaluate(tree, states[i]) == want);
        }
    });
}

TEST_CASE("expr: precedence and the names it reads", "[models]") {
    // not > and > or; comparisons bind tighter than logic, arithmetic tighter than comparisons.
    CHECK(count_true("true || false && false") == some_states().size());
    CHECK(count_true("!false && false") == 0);
    CHECK(count_true("not true or true") == some_states().size());
    CHECK(count_true("1 + 2 == 3 and 5 - 2 - 1 == 2") == some_states().size());
    CHECK(count_true("- 1 < 0") == some_states().size());
    CHECK(count_true("a.state == established") == count_true("!(a.state != established)"));
    CHECK(count_true("a.state == established") > 0);
    CHECK(count_true("a.state == time_wait") == 0); // idle: nobody closes
    CHECK(count_true("ab.syn > 0") > 0);
    CHECK(count_true("ab.count >= ab.syn + ab.fin - ab.fin") == some_states().size());
    CHECK(count_true("loss_left == 0") == some_states().size());
    CHECK(count_true("a.keepalive_armed") > 0);
    CHECK(count_true("a.conn == b.conn || a.conn == 0 || b.conn == 0") == some_states().size());
}

TEST_CASE("expr: errors say where and what", "[models]") {
    struct Case {
        std::string text;
        std::size_t offset;
        std::string says;
    };
    const std::vector<Case> cases{
        {"", 0, "ends where a value should be"},
        {"a.state", 0, "a property must be true or false, not a state"},
        {"a.snd_una", 0, "must be true or false, not an integer"},
        {"a.colour == 1", 2, "unknown field 'colour'"},
        {"c.state == closed", 0, "unknown 'c.'"},
        {"x == 1", 0, "unknown name 'x'"},
        {"a.state == 1", 8, "'==' compares a state with an integer"},
        {"a.state < closed", 8, "'<' orders integers only"},
        {"1 < 2 < 3", 6, "comparisons do not chain"},
        {"(1 == 1", 7, "')' expected"},
        {"1 == 1 )", 7, "unexpected ')'"},
        {"true + 1 == 2", 0, "each side of '+' and '-' must be an integer"},
        {"!1", 1, "what 'not' negates must be true or false"},
        {"1 && true", 0, "each side of 'and' must be true or false"},
        {"99999999 == 1", 0, "a number from 0 to 1000000"},
        {"a.state == $", 11, "'$' where a value should be"},
        {std::string(40, '(') + "true" + std::string(40, ')'), 32, "nests deeper than 32"},
        {std::string(40, '!') + "true", 33, "nests deeper than 32"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto p = expr::parse(c.text);
        REQUIRE(std::holds_alternative<expr::Error>(p));
        const auto& e = std::get<expr::Error>(p);
        CHECK(e.offset == c.offset);
        CHECK_THAT(e.message, Catch::Contains(c.says));
    }
}

TEST_CASE("model file: a check of one's own, and its errors", "[models]") {
    const std::string hosts = "[host.a]\nprofile = \"rfc9293\"\nscript = [\"connect\"]\n[host.b]\nprofile = \"rfc9293\"\nscript = [\"listen\"]\n";
    auto parse = [&](const std::string& check) { return model::parse(hosts + "[[check]]\n" + check, "m.toml"); };
    auto good = parse("name = \"mine\"\ninvariant = \"a.delivered <= b.sent\"\nexpect = \"holds\"\n");
    REQUIRE(std::holds_alternative<std::unique_ptr<model::Model>>(good));
    const auto& m = *std::get<std::unique_ptr<model::Model>>(good);
    CHECK(m.checks[0].kind == model::CheckKind::invariant);
    CHECK(m.cells[0].property == "mine");
    auto lt = parse("name = \"mine\"\nleads_to = [\"a.state == syn_sent\", \"a.state != syn_sent\"]\nexpect = \"holds\"\n");
    REQUIRE(std::holds_alternative<std::unique_ptr<model::Model>>(lt));
    CHECK(std::get<std::unique_ptr<model::Model>>(lt)->checks[0].kind == model::CheckKind::leads_to);
    struct Case {
        std::string check;
        std::size_t line, column;
        std::string says;
    };
    const std::vector<Case> cases{
        {"name = \"mine\"\ninvariant = \"a.colour == 1\"\nexpect = \"holds\"\n", 9, 16, "invariant: unknown field 'colour'"},
        {"name = \"mine\"\nleads_to = [\"true\", \"a.state\"]\nexpect = \"holds\"\n", 9, 22, "leads_to's Q: a property must be true or false"},
        {"name = \"mine\"\nleads_to = [\"true\"]\nexpect = \"holds\"\n", 9, 12, "leads_to must be [\"P\", \"Q\"]"},
        {"invariant = \"true\"\nexpect = \"holds\"\n", 7, 1, "needs a name"},
        {"name = \"no_deadlock\"\ninvariant = \"true\"\nexpect = \"holds\"\n", 8, 8, "taken by a built-in property"},
        {"name = \"Mine\"\ninvariant = \"true\"\nexpect = \"holds\"\n", 8, 8, "name must be 1 to 64 of a-z"},
        {"property = \"no_deadlock\"\ninvariant = \"true\"\nexpect = \"holds\"\n", 7, 1, "exactly one of"},
        {"property = \"no_deadlock\"\nname = \"x\"\nexpect = \"holds\"\n", 9, 8, "name is for a property of your own"},
        {"expect = \"holds\"\n", 7, 1, "exactly one of"},
    };
    for (const auto& c : cases) {
        INFO(c.check);
        auto r = parse(c.check);
        REQUIRE(std::holds_alternative<model::Error>(r));
        const auto& e = std::get<model::Error>(r);
        CHECK(e.line == c.line);
        CHECK(e.column == c.column);
        CHECK_THAT(e.message, Catch::Contains(c.says));
    }
}
