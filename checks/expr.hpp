// The expression language of model files' own properties (`invariant = "EXPR"`, `leads_to =
// ["P", "Q"]`; docs/models.md, "Properties of your own"): parsed and type-checked once, then run
// on every state as a short postfix program, never re-parsed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <synfin/system.hpp>

#include "suite.hpp"

namespace synfin::expr {

using St = SystemState<suite::seq_bits>;

enum class Type : std::uint8_t { integer, boolean, state };

// What a name reads: a host's field (a.*, b.*), a channel's count (ab.*, ba.*), or a budget.
struct FieldRef {
    std::uint8_t id = 0;
    std::uint8_t host = 0; // the host, or the sending host of a channel
};

enum class Op : std::uint8_t { constant, field, negate, logical_not, add, subtract, eq, ne, lt, le, gt, ge, logical_and, logical_or };

struct Node {
    Op op = Op::constant;
    Type type = Type::integer;
    std::int64_t value = 0; // constant
    FieldRef field{};
    std::unique_ptr<Node> left, right;
    std::size_t at = 0;     // offset in the text, for messages
};

struct Error {
    std::size_t offset = 0; // in the expression's text
    std::string message;
};

struct Instr {
    Op op;
    FieldRef field;
    std::int64_t value;
};

struct Program {
    std::vector<Instr> code;
    Type type = Type::boolean;
    std::size_t depth = 0; // the evaluation stack it needs
};

inline constexpr std::size_t max_depth = 32;

// Parses and type-checks; the result is a boolean expression or an error.
std::variant<std::unique_ptr<Node>, Error> parse(std::string_view text);
Program compile(const Node& n);

// The reference evaluator (the tree itself), against which the compiled program is tested.
std::int64_t evaluate(const Node& n, const St& s);

inline std::int64_t read(FieldRef f, const St& s);

inline std::int64_t run(const Program& p, const St& s) {
    std::array<std::int64_t, max_depth + 1> stack{};
    std::size_t top = 0;
    for (const auto& in : p.code) {
        switch (in.op) {
        case Op::constant: stack[top++] = in.value; break;
        case Op::field: stack[top++] = read(in.field, s); break;
        case Op::negate: stack[top - 1] = -stack[top - 1]; break;
        case Op::logical_not: stack[top - 1] = !stack[top - 1]; break;
        default: {
            const std::int64_t r = stack[--top], l = stack[top - 1];
            std::int64_t v = 0;
            switch (in.op) {
            case Op::add: v = l + r; break;
            case Op::subtract: v = l - r; break;
            case Op::eq: v = l == r; break;
            case Op::ne: v = l != r; break;
            case Op::lt: v = l < r; break;
            case Op::le: v = l <= r; break;
            case Op::gt: v = l > r; break;
            case Op::ge: v = l >= r; break;
            case Op::logical_and: v = l && r; break;
            default: v = l || r; break;
            }
            stack[top - 1] = v;
        }
        }
    }
    return stack[0];
}

// The names an expression may read, with their types and what they mean (docs/models.md).
struct Name {
    std::string_view name;
    Type type;
    std::string_view meaning;
};
const std::vector<Name>& host_fields();    // after "a." or "b."
const std::vector<Name>& channel_fields(); // after "ab." (A to B) or "ba."
const std::vector<Name>& globals();

inline std::int64_t read(FieldRef f, const St& s) {
    const auto& h = s.host[f.host % 2];
    const auto& t = h.tcb;
    const auto& ch = s.channel[f.host % 2];
    auto flagged = [&](std::uint8_t bit) {
        std::int64_t n = 0;
        for (std::size_t i = 0; i < ch.count; ++i) n += (ch[i].flags & bit) != 0;
        return n;
    };
    auto armed = [&](Timer timer) { return std::int64_t{t.deadline[static_cast<std::size_t>(timer)] != never}; };
    switch (f.id) {
    // host fields, in host_fields() order
    case 0: return static_cast<std::int64_t>(t.state);
    case 1: return t.snd_una.value();
    case 2: return t.snd_nxt.value();
    case 3: return t.rcv_nxt.value();
    case 4: return t.iss.value();
    case 5: return t.irs.value();
    case 6: return t.snd_wnd;
    case 7: return t.rcv_wnd;
    case 8: return t.send_queued;
    case 9: return t.unread;
    case 10: return t.retries;
    case 11: return t.keepalive_probes;
    case 12: return t.fin_queued;
    case 13: return t.fin_sent;
    case 14: return t.passive;
    case 15: return t.orphan;
    case 16: return h.pc;
    case 17: return h.opens;
    case 18: return h.conn;
    case 19: return h.sent;
    case 20: return h.delivered;
    case 21: return h.crashed;
    case 22: return h.saw_error;
    case 23: return h.closed_established;
    case 24: return h.discarded;
    case 25: return armed(Timer::retransmission);
    case 26: return armed(Timer::delayed_ack);
    case 27: return armed(Timer::time_wait);
    case 28: return armed(Timer::keepalive);
    case 29: return armed(Timer::user_timeout);
    case 30: return armed(Timer::fin_wait_2);
    // channel fields
    case 64: return ch.count;
    case 65: return flagged(0x02);
    case 66: return flagged(0x10);
    case 67: return flagged(0x01);
    case 68: return flagged(0x04);
    case 69: {
        std::int64_t n = 0;
        for (std::size_t i = 0; i < ch.count; ++i) n += ch[i].len > 0;
        return n;
    }
    // globals
    case 128: return s.loss_left;
    case 129: return s.dup_left;
    case 130: return s.crash_left;
    case 131: return s.overflow_left;
    default: return 0;
    }
}

} // namespace synfin::expr
