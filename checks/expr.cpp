// The expression language of model files (checks/expr.hpp): a precedence-climbing parser with
// types, a compiler to postfix code, and the tree evaluator the compiled code is tested against.
#include "expr.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <synfin/decimal.hpp>

namespace synfin::expr {

const std::vector<Name>& host_fields() {
    static const std::vector<Name> all{
        {"state", Type::state, "the RFC state: closed, listen, syn_sent, ..., time_wait"},
        {"snd_una", Type::integer, "SND.UNA (0 to 7: the 3-bit sequence space)"},
        {"snd_nxt", Type::integer, "SND.NXT"},
        {"rcv_nxt", Type::integer, "RCV.NXT"},
        {"iss", Type::integer, "ISS"},
        {"irs", Type::integer, "IRS"},
        {"snd_wnd", Type::integer, "SND.WND, bytes"},
        {"rcv_wnd", Type::integer, "RCV.WND, bytes"},
        {"send_queued", Type::integer, "bytes the user has sent that are not yet on the wire"},
        {"unread", Type::integer, "bytes received and not yet read by the user"},
        {"retries", Type::integer, "consecutive retransmissions of the segment at SND.UNA"},
        {"keepalive_probes", Type::integer, "unanswered keepalive probes"},
        {"fin_queued", Type::boolean, "the user has called CLOSE: a FIN follows the queued data"},
        {"fin_sent", Type::boolean, "the FIN has been sent and not yet acknowledged"},
        {"passive", Type::boolean, "the connection came from LISTEN"},
        {"orphan", Type::boolean, "the user closed both directions"},
        {"pc", Type::integer, "the script position: steps taken"},
        {"opens", Type::integer, "connects and listens the user has made"},
        {"conn", Type::integer, "ghost: the incarnation of the connection held (0: none)"},
        {"sent", Type::integer, "ghost: bytes the user has handed to SEND in this connection"},
        {"delivered", Type::integer, "ghost: bytes delivered to the user in this connection"},
        {"crashed", Type::boolean, "the host has crashed"},
        {"saw_error", Type::boolean, "the user has been told reset, refused or timed out"},
        {"closed_established", Type::boolean, "ghost: the user called CLOSE in ESTABLISHED"},
        {"discarded", Type::boolean, "ghost: received bytes were thrown away unread"},
        {"retransmission_armed", Type::boolean, "the retransmission timer is armed"},
        {"delayed_ack_armed", Type::boolean, "the delayed-ACK timer is armed"},
        {"time_wait_armed", Type::boolean, "the TIME-WAIT timer is armed"},
        {"keepalive_armed", Type::boolean, "the keepalive timer is armed"},
        {"user_timeout_armed", Type::boolean, "the user timeout is armed"},
        {"fin_wait_2_armed", Type::boolean, "the FIN-WAIT-2 timer is armed"},
    };
    return all;
}

const std::vector<Name>& channel_fields() {
    static const std::vector<Name> all{
        {"count", Type::integer, "segments in flight"},
        {"syn", Type::integer, "of them, those with SYN"},
        {"ack", Type::integer, "those with ACK"},
        {"fin", Type::integer, "those with FIN"},
        {"rst", Type::integer, "those with RST"},
        {"data", Type::integer, "those with payload"},
    };
    return all;
}

const std::vector<Name>& globals() {
    static const std::vector<Name> all{
        {"loss_left", Type::integer, "segments the network may still lose (-1: any)"},
        {"dup_left", Type::integer, "segments it may still duplicate"},
        {"crash_left", Type::integer, "crashes left"},
        {"overflow_left", Type::integer, "tail drops left"},
    };
    return all;
}

namespace {

// The states by their names in code: closed, syn_sent, fin_wait_1, ...
std::optional<State> state_named(std::string_view w) {
    for (std::size_t i = 0; i < state_count; ++i) {
        std::string n(name(static_cast<State>(i)));
        for (auto& c : n) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (n == w) return static_cast<State>(i);
    }
    return std::nullopt;
}

std::string_view type_name(Type t) {
    return t == Type::integer ? "an integer" : t == Type::boolean ? "true or false" : "a state";
}

struct Failure {
    Error error;
};

class Parser {
public:
    explicit Parser(std::string_view t) : text_(t) {}

    std::unique_ptr<Node> whole() {
        auto n = disjunction(0);
        skip();
        if (pos_ < text_.size()) fail(pos_, "unexpected '" + std::string(1, text_[pos_]) + "'");
        expect(*n, Type::boolean, "a property");
        return n;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;

    [[noreturn]] void fail(std::size_t at, std::string m) const { throw Failure{{at, std::move(m)}}; }

    void skip() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool symbol(std::string_view s) {
        skip();
        if (text_.substr(pos_, s.size()) != s) return false;
        pos_ += s.size();
        return true;
    }
    static bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
    bool keyword(std::string_view w) {
        skip();
        if (text_.substr(pos_, w.size()) != w) return false;
        if (pos_ + w.size() < text_.size() && word_char(text_[pos_ + w.size()])) return false;
        pos_ += w.size();
        return true;
    }
    void expect(const Node& n, Type t, std::string_view what) const {
        if (n.type != t)
            fail(n.at, std::string(what) + " must be " + std::string(type_name(t)) + ", not " + std::string(type_name(n.type)));
    }
    static std::unique_ptr<Node> make(Op op, Type type, std::size_t at, std::unique_ptr<Node> l = {}, std::unique_ptr<Node> r = {}) {
        auto n = std::make_unique<Node>();
        n->op = op;
        n->type = type;
        n->at = at;
        n->left = std::move(l);
        n->right = std::move(r);
        return n;
    }
    void nest(std::size_t depth, std::size_t at) const {
        if (depth > max_depth) fail(at, "the expression nests deeper than " + std::to_string(max_depth));
    }

    std::unique_ptr<Node> disjunction(std::size_t d) {
        auto l = conjunction(d);
        for (;;) {
            skip();
            std::size_t at = pos_;
            if (!symbol("||") && !keyword("or")) return l;
            auto r = conjunction(d);
            expect(*l, Type::boolean, "each side of 'or'");
            expect(*r, Type::boolean, "each side of 'or'");
            l = make(Op::logical_or, Type::boolean, at, std::move(l), std::move(r));
        }
    }
    std::unique_ptr<Node> conjunction(std::size_t d) {
        auto l = negation(d);
        for (;;) {
            skip();
            std::size_t at = pos_;
            if (!symbol("&&") && !keyword("and")) return l;
            auto r = negation(d);
            expect(*l, Type::boolean, "each side of 'and'");
            expect(*r, Type::boolean, "each side of 'and'");
            l = make(Op::logical_and, Type::boolean, at, std::move(l), std::move(r));
        }
    }
    std::unique_ptr<Node> negation(std::size_t d) {
        skip();
        std::size_t at = pos_;
        nest(d, at);
        if ((text_.substr(pos_, 1) == "!" && text_.substr(pos_, 2) != "!=" && symbol("!")) || keyword("not")) {
            auto n = negation(d + 1);
            expect(*n, Type::boolean, "what 'not' negates");
            return make(Op::logical_not, Type::boolean, at, std::move(n));
        }
        return comparison(d);
    }
    std::unique_ptr<Node> comparison(std::size_t d) {
        auto l = sum(d);
        skip();
        std::size_t at = pos_;
        static constexpr std::array<std::pair<std::string_view, Op>, 6> ops{
            {{"==", Op::eq}, {"!=", Op::ne}, {"<=", Op::le}, {">=", Op::ge}, {"<", Op::lt}, {">", Op::gt}}};
        for (auto [sym, op] : ops) {
            if (!symbol(sym)) continue;
            auto r = sum(d);
            if (l->type != r->type)
                fail(at, "'" + std::string(sym) + "' compares " + std::string(type_name(l->type)) + " with " +
                             std::string(type_name(r->type)));
            if (l->type != Type::integer && op != Op::eq && op != Op::ne)
                fail(at, "'" + std::string(sym) + "' orders integers only; " + std::string(type_name(l->type)) +
                             " takes == and !=");
            auto n = make(op, Type::boolean, at, std::move(l), std::move(r));
            skip();
            for (auto [again, unused] : ops) {
                (void)unused;
                if (text_.substr(pos_, again.size()) == again) fail(pos_, "comparisons do not chain: add parentheses");
            }
            return n;
        }
        return l;
    }
    std::unique_ptr<Node> sum(std::size_t d) {
        auto l = unary(d);
        for (;;) {
            skip();
            std::size_t at = pos_;
            Op op;
            if (symbol("+")) op = Op::add;
            else if (symbol("-")) op = Op::subtract;
            else return l;
            auto r = unary(d);
            expect(*l, Type::integer, "each side of '+' and '-'");
            expect(*r, Type::integer, "each side of '+' and '-'");
            l = make(op, Type::integer, at, std::move(l), std::move(r));
        }
    }
    std::unique_ptr<Node> unary(std::size_t d) {
        skip();
        std::size_t at = pos_;
        nest(d, at);
        if (symbol("-")) {
            auto n = unary(d + 1);
            expect(*n, Type::integer, "what '-' negates");
            return make(Op::negate, Type::integer, at, std::move(n));
        }
        return primary(d);
    }
    std::unique_ptr<Node> primary(std::size_t d) {
        skip();
        std::size_t at = pos_;
        if (pos_ >= text_.size()) fail(at, "the expression ends where a value should be");
        if (symbol("(")) {
            nest(d + 1, at);
            auto n = disjunction(d + 1);
            if (!symbol(")")) fail(pos_, "')' expected");
            return n;
        }
        if (std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
            std::size_t end = pos_;
            while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
            auto v = decimal_between(text_.substr(pos_, end - pos_), 0, 1'000'000);
            if (!v) fail(at, "a number from 0 to 1000000");
            pos_ = end;
            auto n = make(Op::constant, Type::integer, at);
            n->value = *v;
            return n;
        }
        std::size_t end = pos_;
        while (end < text_.size() && word_char(text_[end])) ++end;
        if (end == pos_) fail(at, "'" + std::string(1, text_[pos_]) + "' where a value should be");
        const std::string_view w = text_.substr(pos_, end - pos_);
        pos_ = end;
        if (w == "true" || w == "false") {
            auto n = make(Op::constant, Type::boolean, at);
            n->value = w == "true";
            return n;
        }
        if (auto st = state_named(w)) {
            auto n = make(Op::constant, Type::state, at);
            n->value = static_cast<std::int64_t>(*st);
            return n;
        }
        auto field = [&](const std::vector<Name>& names, std::string_view f, std::uint8_t base, std::uint8_t host) {
            for (std::size_t i = 0; i < names.size(); ++i)
                if (names[i].name == f) {
                    auto n = make(Op::field, names[i].type, at);
                    n->field = {static_cast<std::uint8_t>(base + i), host};
                    return n;
                }
            std::string list;
            for (const auto& x : names) list += (list.empty() ? "" : ", ") + std::string(x.name);
            fail(at + (w.size() - f.size()), "unknown field '" + std::string(f) + "' (" + list + ")");
        };
        auto dot = w.find('.');
        if (dot != std::string_view::npos) {
            const std::string_view owner = w.substr(0, dot), f = w.substr(dot + 1);
            if (owner == "a" || owner == "b") return field(host_fields(), f, 0, owner == "a" ? 0 : 1);
            if (owner == "ab" || owner == "ba") return field(channel_fields(), f, 64, owner == "ab" ? 0 : 1);
            fail(at, "unknown '" + std::string(owner) + ".': a. and b. name the hosts, ab. and ba. the channels");
        }
        for (std::size_t i = 0; i < globals().size(); ++i)
            if (globals()[i].name == w) {
                auto n = make(Op::field, Type::integer, at);
                n->field = {static_cast<std::uint8_t>(128 + i), 0};
                return n;
            }
        fail(at, "unknown name '" + std::string(w) + "' (a.FIELD, b.FIELD, ab.FIELD, ba.FIELD, a state such as "
                 "established, a budget such as loss_left, true, false; docs/models.md)");
    }
};

void emit(const Node& n, Program& p, std::size_t depth) {
    p.depth = std::max(p.depth, depth + 1);
    if (n.left) emit(*n.left, p, depth);
    if (n.right) emit(*n.right, p, depth + 1);
    p.code.push_back({n.op, n.field, n.value});
}

} // namespace

std::variant<std::unique_ptr<Node>, Error> parse(std::string_view text) {
    try {
        auto n = Parser(text).whole();
        if (compile(*n).depth > max_depth)
            return Error{0, "the expression needs more than " + std::to_string(max_depth) + " values at once: simplify it"};
        return n;
    } catch (const Failure& f) {
        return f.error;
    }
}

Program compile(const Node& n) {
    Program p;
    p.type = n.type;
    emit(n, p, 0);
    return p;
}

std::int64_t evaluate(const Node& n, const St& s) {
    switch (n.op) {
    case Op::constant: return n.value;
    case Op::field: return read(n.field, s);
    case Op::negate: return -evaluate(*n.left, s);
    case Op::logical_not: return !evaluate(*n.left, s);
    case Op::logical_and: return evaluate(*n.left, s) && evaluate(*n.right, s);
    case Op::logical_or: return evaluate(*n.left, s) || evaluate(*n.right, s);
    default: break;
    }
    const std::int64_t l = evaluate(*n.left, s), r = evaluate(*n.right, s);
    switch (n.op) {
    case Op::add: return l + r;
    case Op::subtract: return l - r;
    case Op::eq: return l == r;
    case Op::ne: return l != r;
    case Op::lt: return l < r;
    case Op::le: return l <= r;
    case Op::gt: return l > r;
    default: return l >= r;
    }
}

} // namespace synfin::expr
