// packetdrill scripts with the model as the stack under test (docs/packetdrill.md).
// parse() turns a script into events; Runner<S> plays them against `step` on virtual time:
// `<` segments arrive at the model, `>` segments are what the model must send then, syscalls map
// to the user calls (RFC 9293 §3.10.1-§3.10.5), shell lines configure the profile. What the model
// does not have is reported as unsupported with its line, never skipped.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "codec.hpp"
#include "decimal.hpp"
#include "step.hpp"

namespace synfin::pkt {

struct Diag {
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
};

enum class OptKind : std::uint8_t { nop, eol, mss, wscale, sack_ok, ts };
struct ScriptOption {
    OptKind kind = OptKind::nop;
    std::uint32_t a = 0, b = 0;
};

struct ScriptPacket {
    bool inbound = true;
    Flags flags{};
    std::uint32_t start = 0, end = 0, len = 0;
    std::optional<std::uint32_t> ack;
    std::optional<std::uint32_t> win;
    bool options_given = false;   // a <...> list (possibly "<...>")
    bool options_any = false;     // "<...>": do not check
    std::vector<ScriptOption> options;
};

struct ScriptCall {
    std::string name;
    std::vector<std::string> args;
    long long ret = 0;
    std::string err;  // errno name, empty when none is given
};

enum class EventKind : std::uint8_t { packet, call, shell, option, unsupported };

struct Event {
    std::size_t line = 0;
    std::string text;
    EventKind kind = EventKind::unsupported;
    bool any_time = false;
    bool relative = false, range = false, end_relative = false;
    std::int64_t start_us = 0, end_us = 0;  // after resolve_times: absolute
    ScriptPacket packet;
    ScriptCall call;
    std::string shell;       // shell command or option text
    std::string unsupported; // why, for EventKind::unsupported
};

struct Script {
    std::vector<Event> events;
};

namespace detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

inline std::string trim(std::string_view s) {
    std::size_t a = 0, b = s.size();
    while (a < b && is_space(s[a])) ++a;
    while (b > a && is_space(s[b - 1])) --b;
    return std::string(s.substr(a, b - a));
}

// Comments removed, line structure kept (a block comment's newlines stay).
inline std::string strip_comments(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool in_block = false, in_shell = false, in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_block) {
            if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') { in_block = false; ++i; out += "  "; }
            else out += c == '\n' ? '\n' : ' ';
            continue;
        }
        if (c == '\n') { in_string = false; out += c; continue; }
        if (in_shell) { if (c == '`') in_shell = false; out += c; continue; }
        if (in_string) { if (c == '"') in_string = false; out += c; continue; }
        if (c == '`') { in_shell = true; out += c; continue; }
        if (c == '"') { in_string = true; out += c; continue; }
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            if (i < text.size()) out += '\n';
            continue;
        }
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') { in_block = true; ++i; out += "  "; continue; }
        out += c;
    }
    return out;
}

// A cursor over one statement with its line and the column of its first character.
class Cursor {
public:
    Cursor(std::string_view s, std::size_t line, std::size_t col0) : s_(s), line_(line), col0_(col0) {}
    void skip() { while (i_ < s_.size() && is_space(s_[i_])) ++i_; }
    [[nodiscard]] bool done() { skip(); return i_ >= s_.size(); }
    [[nodiscard]] char peek() { skip(); return i_ < s_.size() ? s_[i_] : '\0'; }
    [[nodiscard]] char peek_raw() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    bool eat(char c) { if (peek() == c) { ++i_; return true; } return false; }
    bool eat(std::string_view w) {
        skip();
        if (s_.substr(i_, w.size()) == w) { i_ += w.size(); return true; }
        return false;
    }
    std::string word() {
        skip();
        std::size_t j = i_;
        while (j < s_.size() && is_ident(s_[j])) ++j;
        std::string w(s_.substr(i_, j - i_));
        i_ = j;
        return w;
    }
    std::optional<std::uint64_t> number() {
        skip();
        std::size_t j = i_;
        std::uint64_t v = 0;
        bool hex = s_.substr(i_, 2) == "0x" || s_.substr(i_, 2) == "0X";
        if (hex) j += 2;
        std::size_t digits = 0;
        while (j < s_.size()) {
            char c = s_[j];
            int d = -1;
            if (is_digit(c)) d = c - '0';
            else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) break;
            v = v * (hex ? 16 : 10) + static_cast<std::uint64_t>(d);
            if (v > 0xffffffffffffull) return std::nullopt;
            ++j;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        i_ = j;
        return v;
    }
    // Seconds as "1", "0.25", ".1" -> microseconds.
    std::optional<std::int64_t> seconds() {
        skip();
        std::size_t j = i_;
        std::int64_t whole = 0, frac = 0, scale = 1000000;
        std::size_t digits = 0;
        while (j < s_.size() && is_digit(s_[j])) {
            whole = whole * 10 + (s_[j] - '0');
            if (whole > 100000000) return std::nullopt;
            ++j; ++digits;
        }
        if (j < s_.size() && s_[j] == '.' && s_.substr(j, 3) != "...") {
            ++j;
            while (j < s_.size() && is_digit(s_[j])) {
                if (scale > 1) { scale /= 10; frac += (s_[j] - '0') * scale; }
                ++j; ++digits;
            }
        }
        if (digits == 0) return std::nullopt;
        i_ = j;
        return whole * 1000000 + frac;
    }
    [[nodiscard]] std::string rest() const { return i_ < s_.size() ? std::string(s_.substr(i_)) : std::string(); }
    [[nodiscard]] std::size_t pos() const { return i_; }
    void set_pos(std::size_t p) { i_ = p; }
    [[nodiscard]] std::string_view text() const { return s_; }
    Diag error(std::string msg) {
        skip();
        return Diag{line_, col0_ + i_ + 1, std::move(msg)};
    }

private:
    std::string_view s_;
    std::size_t line_, col0_;
    std::size_t i_ = 0;
};

inline int depth_change(std::string_view s) {
    int d = 0;
    bool shell = false, str = false;
    for (char c : s) {
        if (shell) { if (c == '`') shell = false; continue; }
        if (str) { if (c == '"') str = false; continue; }
        if (c == '`') shell = true;
        else if (c == '"') str = true;
        else if (c == '(' || c == '{' || c == '[') ++d;
        else if (c == ')' || c == '}' || c == ']') --d;
    }
    return d;
}

// Splits "a, {b, c}, [d]" at top-level commas.
inline std::vector<std::string> split_args(std::string_view s) {
    std::vector<std::string> out;
    int d = 0;
    std::size_t start = 0;
    bool str = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (str) { if (c == '"') str = false; continue; }
        if (c == '"') str = true;
        else if (c == '(' || c == '{' || c == '[') ++d;
        else if (c == ')' || c == '}' || c == ']') --d;
        else if (c == ',' && d == 0) { out.push_back(trim(s.substr(start, i - start))); start = i + 1; }
    }
    std::string last = trim(s.substr(start));
    if (!last.empty() || !out.empty()) out.push_back(last);
    return out;
}

inline std::optional<Diag> parse_options(Cursor& c, ScriptPacket& p) {
    // after '<'
    p.options_given = true;
    if (c.eat("...")) {
        if (!c.eat('>')) return c.error("expected '>' after '<...'");
        p.options_any = true;
        return std::nullopt;
    }
    if (c.eat('>')) return std::nullopt;
    for (;;) {
        std::size_t at = c.pos();
        std::string w = c.word();
        ScriptOption o;
        if (w == "nop") o.kind = OptKind::nop;
        else if (w == "eol") o.kind = OptKind::eol;
        else if (w == "sackOK") o.kind = OptKind::sack_ok;
        else if (w == "mss" || w == "wscale") {
            auto v = c.number();
            if (!v || *v > (w == "mss" ? 0xffffu : 0xffu)) return c.error("expected a number after '" + w + "'");
            o.kind = w == "mss" ? OptKind::mss : OptKind::wscale;
            o.a = static_cast<std::uint32_t>(*v);
        } else if (w == "TS") {
            if (c.word() != "val") return c.error("expected 'val' after 'TS'");
            auto v = c.number();
            if (!v || *v > 0xffffffffu) return c.error("expected the TS value");
            if (c.word() != "ecr") return c.error("expected 'ecr'");
            auto e = c.number();
            if (!e || *e > 0xffffffffu) return c.error("expected the TS echo reply");
            o.kind = OptKind::ts;
            o.a = static_cast<std::uint32_t>(*v);
            o.b = static_cast<std::uint32_t>(*e);
        } else if (w == "sack" || w == "FO" || w == "md5" || w == "exp" || w == "mptcp" || w == "tcp_ao") {
            c.set_pos(at);
            return Diag{0, 0, "unsupported: option '" + w + "' (" +
                                  (w == "sack" ? std::string("SACK blocks") : w == "FO" ? std::string("Fast Open")
                                                                                        : std::string("not in the model")) + ")"};
        } else {
            c.set_pos(at);
            return c.error("expected a TCP option (nop, eol, mss N, wscale N, sackOK, TS val N ecr N, ...) or '>'");
        }
        p.options.push_back(o);
        if (c.eat(',')) continue;
        if (c.eat('>')) return std::nullopt;
        return c.error("expected ',' or '>' in the option list");
    }
}

inline std::optional<Diag> parse_packet(Cursor& c, Event& e) {
    ScriptPacket& p = e.packet;
    p.inbound = c.eat('<');
    if (!p.inbound && !c.eat('>')) return c.error("expected '<' or '>'");
    char f = c.peek();
    if (f == '[' || f == '(' ) {
        e.kind = EventKind::unsupported;
        e.unsupported = "ECN/IP-level packet annotations";
        return std::nullopt;
    }
    std::size_t at = c.pos();
    c.skip();
    std::size_t flag_start = c.pos();
    std::string flags;
    while (c.peek_raw() != '\0' && !is_space(c.peek_raw())) {
        flags += c.peek_raw();
        c.set_pos(c.pos() + 1);
    }
    if (flags == "icmp" || flags == "udp" || flags == "mpls" || flags == "gre" || flags == "ipv4" || flags == "ipv6") {
        e.kind = EventKind::unsupported;
        e.unsupported = "non-TCP packet '" + flags + "'";
        return std::nullopt;
    }
    std::uint8_t bits = 0;
    for (char ch : flags) {
        switch (ch) {
        case 'S': bits |= 0x02; break;
        case 'F': bits |= 0x01; break;
        case 'R': bits |= 0x04; break;
        case 'P': bits |= 0x08; break;
        case '.': bits |= 0x10; break;
        case 'U': bits |= 0x20; break;
        case 'E': case 'W':
            e.kind = EventKind::unsupported;
            e.unsupported = "ECN flags (E/W)";
            return std::nullopt;
        default:
            c.set_pos(flag_start);
            return c.error("expected TCP flags from S F R P . U (got '" + flags + "')");
        }
    }
    if (flags.empty()) { c.set_pos(at); return c.error("expected TCP flags"); }
    p.flags = Flags(bits);
    c.skip();
    const std::size_t seq_at = c.pos();
    auto s = c.number();
    if (!s || *s > 0xffffffffu) return c.error("expected START:END(LEN)");
    if (!c.eat(':')) return c.error("expected ':' in START:END(LEN)");
    auto en = c.number();
    if (!en || *en > 0xffffffffu) return c.error("expected END in START:END(LEN)");
    if (!c.eat('(')) return c.error("expected '(' in START:END(LEN)");
    auto l = c.number();
    if (!l || *l > 0xffff) return c.error("expected LEN in START:END(LEN)");
    if (!c.eat(')')) return c.error("expected ')' after LEN");
    if (((*en - *s) & 0xffffffffu) != *l) { c.set_pos(seq_at); return c.error("END - START differs from LEN"); }
    p.start = static_cast<std::uint32_t>(*s);
    p.end = static_cast<std::uint32_t>(*en);
    p.len = static_cast<std::uint32_t>(*l);
    while (!c.done()) {
        if (c.eat('<')) {
            auto d = parse_options(c, p);
            if (d) {
                if (d->message.rfind("unsupported: ", 0) == 0) {
                    e.kind = EventKind::unsupported;
                    e.unsupported = d->message.substr(13);
                    return std::nullopt;
                }
                return d;
            }
            continue;
        }
        std::size_t wat = c.pos();
        std::string w = c.word();
        if (w == "ack" || w == "win" || w == "urg") {
            auto v = c.number();
            if (!v || *v > 0xffffffffu) return c.error("expected a number after '" + w + "'");
            if (w == "ack") p.ack = static_cast<std::uint32_t>(*v);
            else if (w == "win") {
                if (*v > 0xffff) return c.error("window above 65535");
                p.win = static_cast<std::uint32_t>(*v);
            } else {
                e.kind = EventKind::unsupported;
                e.unsupported = "urgent pointer";
                return std::nullopt;
            }
            continue;
        }
        c.set_pos(wat);
        return c.error("expected 'ack N', 'win N', '<options>' or the end of the line");
    }
    if ((bits & 0x10) != 0 && !p.ack) return c.error("a segment with '.' (ACK) needs 'ack N'");
    if ((bits & 0x10) == 0 && p.ack) return c.error("'ack N' without the '.' (ACK) flag");
    if (p.inbound && !p.win) return c.error("an inbound segment needs 'win N'");
    e.kind = EventKind::packet;
    return std::nullopt;
}

inline std::optional<Diag> parse_call(Cursor& c, Event& e) {
    ScriptCall& call = e.call;
    call.name = c.word();
    if (!c.eat('(')) return c.error("expected '(' after '" + call.name + "'");
    // to the matching ')'
    std::string_view t = c.text();
    std::size_t i = c.pos(), start = i;
    int d = 1;
    bool str = false;
    for (; i < t.size(); ++i) {
        char ch = t[i];
        if (str) { if (ch == '"') str = false; continue; }
        if (ch == '"') str = true;
        else if (ch == '(' || ch == '{' || ch == '[') ++d;
        else if (ch == ')' || ch == '}' || ch == ']') { if (--d == 0) break; }
    }
    if (i >= t.size()) { c.set_pos(t.size()); return c.error("expected ')' to close the argument list"); }
    call.args = split_args(t.substr(start, i - start));
    c.set_pos(i + 1);
    if (!c.eat('=')) return c.error("expected '= RESULT' after the call");
    bool neg = c.eat('-');
    auto v = c.number();
    if (!v) {
        std::size_t at = c.pos();
        std::string w = c.word();
        if (!w.empty() && !neg) { call.ret = 0; call.err = "="+w; } // symbolic result, checked as text
        else { c.set_pos(at); return c.error("expected a number as the result"); }
    } else {
        call.ret = neg ? -static_cast<long long>(*v) : static_cast<long long>(*v);
    }
    if (!c.done()) {
        std::string w = c.word();
        if (w.empty() || w[0] != 'E') return c.error("expected an errno name such as EINPROGRESS");
        call.err = w;
        if (c.eat('(')) {
            std::size_t j = c.pos();
            int dd = 1;
            for (; j < t.size(); ++j) {
                if (t[j] == '(') ++dd;
                else if (t[j] == ')' && --dd == 0) break;
            }
            if (j >= t.size()) return c.error("expected ')' after the errno description");
            c.set_pos(j + 1);
        }
        if (!c.done()) return c.error("expected the end of the line after the errno");
    }
    e.kind = EventKind::call;
    return std::nullopt;
}

inline std::optional<Diag> parse_statement(std::string_view stmt, std::size_t line, std::size_t col0, Event& e) {
    Cursor c(stmt, line, col0);
    e.line = line;
    e.text = trim(stmt);
    if (c.peek() == '-' && c.text().substr(c.pos(), 2) == "--") {
        e.kind = EventKind::option;
        e.shell = trim(c.rest());
        return std::nullopt;
    }
    if (c.eat('*')) {
        e.any_time = true;
    } else {
        e.relative = c.eat('+');
        auto t = c.seconds();
        if (!t) return c.error("expected a time such as 0, +0.1 or * at the start of the event");
        e.start_us = *t;
        if (c.eat("...")) {
            e.range = true;
            e.end_relative = c.eat('+');
            auto t2 = c.seconds();
            if (!t2) return c.error("expected the end time after '...'");
            e.end_us = *t2;
        }
    }
    char ch = c.peek();
    if (ch == '<' || ch == '>') return parse_packet(c, e);
    if (ch == '`') {
        c.eat('`');
        std::string r = c.rest();
        auto close = r.find('`');
        if (close == std::string::npos) return c.error("expected '`' to close the shell command");
        if (!trim(std::string_view(r).substr(close + 1)).empty()) {
            c.set_pos(c.pos() + close + 1);
            return c.error("expected the end of the line after the shell command");
        }
        e.kind = EventKind::shell;
        e.shell = trim(std::string_view(r).substr(0, close));
        return std::nullopt;
    }
    if (ch == '%') {
        e.kind = EventKind::unsupported;
        e.unsupported = "embedded Python";
        return std::nullopt;
    }
    if (is_ident(ch) && !is_digit(ch)) return parse_call(c, e);
    return c.error("expected '<', '>', a system call or a `shell command` after the time");
}

} // namespace detail

inline constexpr std::int64_t max_script_us = 1000000000LL * 1000000LL; // 10^9 s

// Parses a script. Statements start at the beginning of a line; one continues onto the next
// lines while its brackets are open. Errors carry the line and column and say what was expected.
inline std::variant<Script, Diag> parse(std::string_view text) {
    std::string clean = detail::strip_comments(text);
    Script s;
    std::vector<std::string_view> lines;
    std::string_view all = clean;
    while (true) {
        auto nl = all.find('\n');
        lines.push_back(all.substr(0, nl));
        if (nl == std::string_view::npos) break;
        all = all.substr(nl + 1);
    }
    bool in_python = false;
    std::size_t python_line = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        std::string t = detail::trim(l);
        if (in_python) {
            if (t.find("}%") != std::string::npos) in_python = false;
            continue;
        }
        if (t.empty()) continue;
        std::size_t col0 = l.find_first_not_of(" \t\r");
        if (t.find("%{") != std::string::npos) {
            Event e;
            e.line = i + 1;
            e.text = t;
            e.kind = EventKind::unsupported;
            e.unsupported = "embedded Python";
            s.events.push_back(e);
            in_python = t.find("}%") == std::string::npos;
            python_line = i + 1;
            continue;
        }
        std::string stmt(l.substr(col0));
        std::size_t first = i;
        int depth = detail::depth_change(stmt);
        while (depth > 0 && i + 1 < lines.size()) {
            ++i;
            stmt += ' ';
            stmt += std::string(lines[i]);
            depth += detail::depth_change(lines[i]);
        }
        Event e;
        if (auto d = detail::parse_statement(stmt, first + 1, col0, e)) {
            // columns past the first line are approximate: report the first line's end instead
            if (d->column > l.size() + 1 - 0 && i != first) d->column = l.size() + 1;
            return *d;
        }
        s.events.push_back(std::move(e));
    }
    if (in_python) return Diag{python_line, 1, "expected '}%' to close the embedded Python block"};
    // Resolve times: '+' is relative to the previous event's start.
    std::int64_t last = 0;
    for (auto& e : s.events) {
        if (e.kind == EventKind::option) continue;
        if (e.any_time) { e.start_us = e.end_us = last; continue; }
        if (e.relative) e.start_us += last;
        if (e.start_us > max_script_us || e.end_us > max_script_us)
            return Diag{e.line, 1, "time beyond 10^9 seconds: expected a smaller time"};
        if (e.range) {
            if (e.end_relative) e.end_us += e.start_us;
            if (e.end_us < e.start_us) return Diag{e.line, 1, "the end of the time range is before its start"};
        } else {
            e.end_us = e.start_us;
        }
        last = e.start_us;
    }
    return s;
}

// ---- Configuration from shell lines -------------------------------------------------------------

struct SysctlResult {
    enum Kind { applied, ignored, unknown } kind = unknown;
    std::string note;
};

// tcp_rmem / rmem_max remembered to recompute Linux's window scale.
struct SysctlState {
    std::uint64_t tcp_rmem_max = 6291456;
    std::uint64_t rmem_max = 212992;
    bool window_scaling = true;
};

// Applies "net.ipv4.tcp_x" = "value" to the profile (time unit: ms).
inline SysctlResult apply_sysctl(Profile& p, SysctlState& st, std::string key, std::string value) {
    for (auto& ch : key) if (ch == '/') ch = '.';
    if (key.rfind("proc.sys.", 0) == 0) key = key.substr(9);
    if (key.rfind(".proc.sys.", 0) == 0) key = key.substr(10);
    std::vector<std::uint64_t> nums;
    {
        std::istringstream in(value);
        std::string w;
        while (in >> w) {
            char* end = nullptr;
            unsigned long long v = std::strtoull(w.c_str(), &end, 10);
            if (end == w.c_str() || *end != '\0') return {SysctlResult::unknown, key + "=" + value + " (not a number)"};
            nums.push_back(v);
        }
    }
    auto one = [&]() -> std::optional<std::uint64_t> { if (nums.size() == 1) return nums[0]; return std::nullopt; };
    const std::string name = key.rfind("net.ipv4.", 0) == 0 ? key.substr(9) : key;
    auto set_int = [&](int& field) -> SysctlResult {
        auto v = one();
        if (!v || *v > 255) return {SysctlResult::unknown, key + "=" + value + " (expected one small number)"};
        field = static_cast<int>(*v);
        return {SysctlResult::applied, key + "=" + value};
    };
    auto set_secs = [&](Duration& field) -> SysctlResult {
        auto v = one();
        if (!v || *v > 1000000) return {SysctlResult::unknown, key + "=" + value + " (expected seconds)"};
        field = static_cast<Duration>(*v) * profiles::second;
        return {SysctlResult::applied, key + "=" + value};
    };
    auto set_ms = [&](Duration& field) -> SysctlResult {
        auto v = one();
        if (!v || *v > 1000000000) return {SysctlResult::unknown, key + "=" + value + " (expected milliseconds)"};
        field = static_cast<Duration>(*v);
        return {SysctlResult::applied, key + "=" + value};
    };
    auto set_bool = [&](bool& field) -> SysctlResult {
        auto v = one();
        if (!v) return {SysctlResult::unknown, key + "=" + value + " (expected 0 or 1)"};
        field = *v != 0;
        return {SysctlResult::applied, key + "=" + value};
    };
    auto rescale = [&] {
        p.wscale = st.window_scaling ? linux_wscale(st.tcp_rmem_max, st.rmem_max) : no_wscale;
    };
    if (name == "tcp_syn_retries") return set_int(p.syn_retries);
    if (name == "tcp_synack_retries") return set_int(p.synack_retries);
    if (name == "tcp_retries2") return set_int(p.data_retries);
    if (name == "tcp_fin_timeout") return set_secs(p.fin_wait_2_timeout);
    if (name == "tcp_keepalive_time") return set_secs(p.keepalive_time);
    if (name == "tcp_keepalive_intvl") return set_secs(p.keepalive_intvl);
    if (name == "tcp_keepalive_probes") return set_int(p.keepalive_probes);
    if (name == "tcp_rfc1337") return set_bool(p.rfc1337);
    if (name == "tcp_invalid_ratelimit") return set_ms(p.invalid_ack_ratelimit);
    if (name == "tcp_timestamps") return set_bool(p.timestamps);
    if (name == "tcp_sack") return set_bool(p.sack);
    if (name == "tcp_syn_linear_timeouts") return set_int(p.syn_linear_timeouts);
    if (name == "tcp_window_scaling") {
        auto r = set_bool(st.window_scaling);
        if (r.kind == SysctlResult::applied) rescale();
        return r;
    }
    if (name == "tcp_rmem") {
        if (nums.size() != 3) return {SysctlResult::unknown, key + "=" + value + " (expected three numbers)"};
        st.tcp_rmem_max = nums[2];
        rescale();
        return {SysctlResult::applied, key + "=" + value + " (window scale " + std::to_string(p.wscale) + ")"};
    }
    if (key == "net.core.rmem_max") {
        auto v = one();
        if (!v) return {SysctlResult::unknown, key + "=" + value};
        st.rmem_max = *v;
        rescale();
        return {SysctlResult::applied, key + "=" + value + " (window scale " + std::to_string(p.wscale) + ")"};
    }
    // Settings of mechanisms the model does not have: they cannot change what it does.
    static const char* const no_effect[] = {
        "tcp_congestion_control", "tcp_early_retrans", "tcp_recovery", "tcp_min_rtt_wlen", "tcp_pacing_ss_ratio",
        "tcp_pacing_ca_ratio", "tcp_autocorking", "tcp_no_metrics_save", "tcp_moderate_rcvbuf", "tcp_min_tso_segs",
        "tcp_tso_win_divisor", "tcp_limit_output_bytes", "tcp_wmem", "tcp_mem", "tcp_reordering", "tcp_dsack",
        "tcp_fack", "tcp_frto", "tcp_thin_linear_timeouts", "tcp_slow_start_after_idle", "tcp_mtu_probing",
        "tcp_base_mss", "tcp_ecn", "tcp_ecn_fallback", "tcp_fastopen", "tcp_fastopen_key", "tcp_abort_on_overflow",
        "tcp_max_syn_backlog", "tcp_syncookies", "tcp_tw_reuse", "tcp_notsent_lowat", "tcp_comp_sack_nr",
        "tcp_comp_sack_delay_ns", "tcp_challenge_ack_limit", "tcp_adv_win_scale",
        "tcp_rto_min_us", "tcp_tso_rtt_log", "tcp_shrink_window", "tcp_plb_enabled", "tcp_backlog_ack_defer",
        "tcp_workaround_signed_windows", "ip_local_port_range", "tcp_min_snd_mss", "tcp_probe_threshold",
        "tcp_probe_interval", "tcp_rmem_min", "core.wmem_max", "core.optmem_max", "core.default_qdisc"};
    for (const char* n : no_effect)
        if (name == n || key == std::string("net.") + n) return {SysctlResult::ignored, key + "=" + value};
    return {SysctlResult::unknown, key + "=" + value};
}

// One sysctl assignment from a shell fragment: "sysctl -q net.ipv4.x=1", "sysctl -w x=1",
// "echo 1 > /proc/sys/net/ipv4/x". Returns nullopt when the fragment is none of these.
inline std::optional<std::pair<std::string, std::string>> sysctl_assignment(std::string_view cmd) {
    std::string c = detail::trim(cmd);
    if (c.rfind("sysctl", 0) == 0) {
        std::istringstream in(c.substr(6));
        std::string w, assign;
        while (in >> w) {
            if (w[0] == '-') continue;
            assign = w;
            std::string more;
            std::getline(in, more);
            assign += more;
            break;
        }
        auto eq = assign.find('=');
        if (eq == std::string::npos) return std::nullopt;
        std::string v = detail::trim(std::string_view(assign).substr(eq + 1));
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        return std::make_pair(detail::trim(std::string_view(assign).substr(0, eq)), v);
    }
    if (c.rfind("echo ", 0) == 0) {
        auto gt = c.find('>');
        if (gt == std::string::npos) return std::nullopt;
        std::string v = detail::trim(std::string_view(c).substr(5, gt - 5));
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        std::string path = detail::trim(std::string_view(c).substr(gt + 1));
        if (path.rfind("/proc/sys/", 0) != 0) return std::nullopt;
        return std::make_pair(path.substr(10), v);
    }
    return std::nullopt;
}

// ---- Running a script against the model -------------------------------------------------------

enum class Verdict : std::uint8_t { pass, fail, unsupported };

inline const char* name(Verdict v) {
    return v == Verdict::pass ? "passed" : v == Verdict::fail ? "FAILED" : "UNSUPPORTED";
}

struct RunReport {
    Verdict verdict = Verdict::pass;
    std::vector<std::string> messages;  // "LINE: ..." failures and unsupported lines
    std::vector<std::string> notes;     // configuration applied, settings ignored

    void fail(const Event& e, const std::string& msg) {
        if (verdict == Verdict::pass) verdict = Verdict::fail;
        messages.push_back(std::to_string(e.line) + ": " + msg + "\n    script: " + e.text);
    }
    void unsupported(const Event& e, const std::string& why) {
        verdict = Verdict::unsupported;
        messages.push_back(std::to_string(e.line) + ": unsupported: " + why + "\n    script: " + e.text);
    }
};

// Reads a file the script names in a shell line (e.g. ../common/defaults.sh); nullopt if absent.
using FileReader = std::optional<std::string> (*)(const std::string& path, const std::string& base);

struct RunOptions {
    Profile profile = profiles::linux_default();
    std::int64_t us_per_unit = 1000;   // the profile's time unit in microseconds (ms for Linux)
    std::int64_t tolerance_us = 4000;  // packetdrill's default tolerance
    std::uint32_t local_iss = 0x1a2b3c4d;
    // If given: each ISS the model chooses in turn (the last repeats): one per OPEN, and one per
    // later attempt of a listener (a SYN taken after SYN-RECEIVED went back to LISTEN, MUST-8).
    // If not: local_iss, moved by a constant for each later choice.
    std::vector<std::uint32_t> iss_sequence;
    std::string base_dir;              // for scripts named in shell lines
    FileReader read_file = nullptr;
};

// ---- Pieces shared by the model runner and the live runner (checks/pkt_live.cpp) -------------

inline std::string secs(std::int64_t us) {
    char b[32];
    std::snprintf(b, sizeof b, "%lld.%06lld", static_cast<long long>(us / 1000000), static_cast<long long>(us % 1000000));
    return b;
}

// Linux's number of every errno the model runner returns or keeps as a socket's pending error
// (asm-generic/errno-base.h, errno.h), for getsockopt(SO_ERROR) and its expected "[ENAME]".
// A name not here is the runner's mistake or the script's: reported, never thrown.
inline std::optional<long long> errno_number(std::string_view name) {
    struct Entry { std::string_view name; long long value; };
    static constexpr Entry table[] = {
        {"EBADF", 9},     {"EAGAIN", 11},     {"EWOULDBLOCK", 11}, {"EINVAL", 22},
        {"EPIPE", 32},    {"ECONNRESET", 104}, {"ENOTCONN", 107},  {"ETIMEDOUT", 110},
        {"ECONNREFUSED", 111}, {"EINPROGRESS", 115},
    };
    for (const auto& en : table)
        if (en.name == name) return en.value;
    return std::nullopt;
}

// "{l_onoff=1, l_linger=0}" or "{onoff=1, linger=0}" -> {1, 0}; "[5]" or "5" -> {5}
inline std::vector<long long> braces(const std::string& s) {
    std::vector<long long> out;
    std::string t = s;
    if (!t.empty() && (t.front() == '{' || t.front() == '[')) t = t.substr(1, t.size() >= 2 ? t.size() - 2 : 0);
    for (const auto& part : detail::split_args(t)) {
        auto eq = part.find('=');
        std::string v = detail::trim(eq == std::string::npos ? part : part.substr(eq + 1));
        char* end = nullptr;
        long long n = std::strtoll(v.c_str(), &end, 0);
        if (end == v.c_str()) n = -1;
        out.push_back(n);
    }
    return out;
}

// The option bytes a script's list stands for, with timestamps' values zero.
inline std::vector<std::uint8_t> script_option_bytes(const ScriptPacket& p) {
    std::vector<std::uint8_t> script;
    for (const auto& so : p.options) {
        switch (so.kind) {
        case OptKind::nop: script.push_back(1); break;
        case OptKind::eol: script.push_back(0); break;
        case OptKind::mss:
            script.insert(script.end(), {2, 4, static_cast<std::uint8_t>(so.a >> 8), static_cast<std::uint8_t>(so.a)});
            break;
        case OptKind::wscale: script.insert(script.end(), {3, 3, static_cast<std::uint8_t>(so.a)}); break;
        case OptKind::sack_ok: script.insert(script.end(), {4, 2}); break;
        case OptKind::ts: script.insert(script.end(), {8, 10, 0, 0, 0, 0, 0, 0, 0, 0}); break;
        }
    }
    return script;
}

// Option bytes as sent against the script's list, as packetdrill compares them: order and
// padding exact, timestamps' values not (a live stack's cannot be predicted).
inline bool options_match(std::span<const std::uint8_t> sent, const ScriptPacket& p) {
    std::vector<std::uint8_t> got(sent.begin(), sent.end());
    for (std::size_t i = 0; i < got.size();) {
        if (got[i] == 0) break;
        if (got[i] == 1) { ++i; continue; }
        if (i + 1 >= got.size() || got[i + 1] < 2) break;
        if (got[i] == 8 && got[i + 1] == 10 && i + 10 <= got.size()) std::fill(got.begin() + static_cast<std::ptrdiff_t>(i) + 2, got.begin() + static_cast<std::ptrdiff_t>(i) + 10, 0);
        i += got[i + 1];
    }
    return got == script_option_bytes(p);
}

// Option bytes in packetdrill's syntax: " <mss 1460,nop,nop,sackOK,nop,wscale 7>", or "".
inline std::string options_text(std::span<const std::uint8_t> b) {
    std::vector<std::string> v;
    auto be = [&](std::size_t at, std::size_t n) {
        std::uint32_t x = 0;
        for (std::size_t k = 0; k < n; ++k) x = x << 8 | b[at + k];
        return std::to_string(x);
    };
    for (std::size_t i = 0; i < b.size();) {
        const std::uint8_t kind = b[i];
        if (kind == 0) { v.emplace_back("eol"); break; }
        if (kind == 1) { v.emplace_back("nop"); ++i; continue; }
        const std::size_t len = i + 1 < b.size() ? b[i + 1] : 0;
        if (len < 2 || i + len > b.size()) { v.emplace_back("(malformed option " + std::to_string(kind) + ")"); break; }
        if (kind == 2 && len == 4) v.push_back("mss " + be(i + 2, 2));
        else if (kind == 3 && len == 3) v.push_back("wscale " + be(i + 2, 1));
        else if (kind == 4 && len == 2) v.emplace_back("sackOK");
        else if (kind == 8 && len == 10) v.push_back("TS val " + be(i + 2, 4) + " ecr " + be(i + 6, 4));
        else v.push_back("option " + std::to_string(kind) + " length " + std::to_string(len));
        i += len;
    }
    if (v.empty()) return "";
    std::string out = " <";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
    return out + ">";
}

// A segment as a script line would write it: START:END relative to `iss`, `ack` less `ack_offset`.
template <class S>
std::string describe(const Segment<S>& s, S iss, std::span<const std::uint8_t> option_bytes, std::uint32_t ack_offset = 0) {
    std::ostringstream out;
    std::string f;
    if (s.flags.syn()) f += 'S';
    if (s.flags.fin()) f += 'F';
    if (s.flags.rst()) f += 'R';
    if (s.flags.psh()) f += 'P';
    if (s.flags.ack()) f += '.';
    std::uint32_t rel = (s.seq - iss);
    out << f << ' ' << rel << ':' << ((rel + s.len) & S::mask) << '(' << s.len << ')';
    if (s.flags.ack()) out << " ack " << ((s.ack.value() - ack_offset) & S::mask);
    out << " win " << s.wnd << options_text(option_bytes);
    return out.str();
}

// How a sent segment differs from a `>` line, timing aside. Its sequence number is relative to
// `iss`; the line's `ack` is the remote's script number, sent as that plus `remote_offset`.
template <class S>
std::vector<std::string> segment_diffs(const Segment<S>& s, S iss, std::span<const std::uint8_t> option_bytes,
                                       const ScriptPacket& p, std::uint32_t remote_offset = 0) {
    std::vector<std::string> diffs;
    if ((s.flags.bits & 0x3f) != p.flags.bits) diffs.push_back("flags differ");
    std::uint32_t rel = s.seq - iss;
    bool rst_zero = s.flags.rst() && s.seq.value() == 0 && p.start == 0;
    if (rel != (p.start & S::mask) && !rst_zero) diffs.push_back("sequence number differs");
    if (s.len != p.len) diffs.push_back("payload length differs");
    if (p.ack && s.flags.ack() && s.ack != S(*p.ack + remote_offset)) diffs.push_back("ack number differs");
    if (p.win && s.wnd != *p.win) diffs.push_back("window differs");
    if (!p.options_any && !options_match(option_bytes, p)) diffs.push_back("options differ");
    return diffs;
}

// A `<` line as a segment: `ack` relative to the stack's ISS, the remote's numbers plus
// `remote_offset`. TS values are the script's (the live runner puts in its own).
template <class S>
Segment<S> inbound_segment(const ScriptPacket& p, S local_iss, std::uint32_t remote_offset = 0) {
    Segment<S> seg;
    seg.flags = p.flags;
    seg.seq = S(p.start + remote_offset);
    if (p.ack) seg.ack = local_iss + *p.ack;
    seg.wnd = static_cast<std::uint16_t>(p.win.value_or(0));
    seg.len = p.len;
    for (const auto& so : p.options) {
        if (so.kind == OptKind::mss) seg.opt.mss = static_cast<std::uint16_t>(so.a);
        if (so.kind == OptKind::wscale) seg.opt.wscale = static_cast<std::uint8_t>(so.a > 14 ? 14 : so.a);
        if (so.kind == OptKind::sack_ok) seg.opt.sack_permitted = true;
        if (so.kind == OptKind::ts) { seg.opt.timestamps = true; seg.opt.ts_val = so.a; seg.opt.ts_ecr = so.b; }
    }
    return seg;
}

// Why a system call line cannot run (empty: it can). The model and the live runner support
// the same calls, so a script is unsupported on both or on neither.
inline std::vector<std::string> unsupported_call(const ScriptCall& c) {
    std::vector<std::string> why;
    static const char* const calls[] = {"socket", "bind", "listen", "accept", "connect", "write", "send",
                                        "read", "recv", "close", "shutdown", "setsockopt", "getsockopt", "fcntl"};
    if (std::none_of(std::begin(calls), std::end(calls), [&](const char* n) { return c.name == n; })) {
        why.push_back("system call '" + c.name + "'");
        return why;
    }
    auto arg = [&](std::size_t i) { return i < c.args.size() ? c.args[i] : std::string(); };
    if (c.name == "socket" && arg(1).find("SOCK_STREAM") == std::string::npos) why.push_back("socket type other than SOCK_STREAM");
    if ((c.name == "send" || c.name == "recv") && c.args.size() > 3 && arg(3) != "0") why.push_back("send/recv flags " + arg(3));
    if (c.name == "setsockopt" || c.name == "getsockopt") {
        static const char* const opts[] = {"SO_LINGER", "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
                                           "TCP_MAXSEG", "TCP_USER_TIMEOUT", "TCP_NODELAY", "SO_REUSEADDR", "SO_REUSEPORT", "SO_ERROR"};
        if (std::none_of(std::begin(opts), std::end(opts), [&](const char* n) { return arg(2) == n; }))
            why.push_back("socket option " + arg(2) + (arg(2) == "TCP_INFO" ? " (tcp_info)" : ""));
        if (c.name == "setsockopt" && arg(2) == "SO_LINGER") {
            auto v = braces(arg(3));
            if (v.size() == 2 && v[0] != 0 && v[1] != 0) why.push_back("SO_LINGER with a nonzero linger time");
        }
    }
    if (c.name == "fcntl" && arg(1) != "F_SETFL" && arg(1) != "F_GETFL") why.push_back("fcntl " + arg(1));
    if (!c.err.empty() && c.err[0] == '=') why.push_back("symbolic result '" + c.err.substr(1) + "'");
    return why;
}

// What is wrong with a call's result, if anything (EWOULDBLOCK is EAGAIN).
inline std::optional<std::string> wrong_return(const ScriptCall& c, long long value, const std::string& err) {
    const std::string want_err = c.err == "EWOULDBLOCK" ? "EAGAIN" : c.err;
    if (value == c.ret && ((c.ret >= 0 && c.err.empty()) || err == want_err)) return std::nullopt;
    return "'" + c.name + "' returned " + std::to_string(value) + (err.empty() ? "" : " " + err) + ", expected " +
           std::to_string(c.ret) + (c.err.empty() ? "" : " " + c.err);
}

// A call must return within its line's time range, give or take the tolerance.
inline std::optional<std::string> return_outside(const ScriptCall& c, std::int64_t start_us, std::int64_t end_us,
                                                 std::int64_t tolerance_us, std::int64_t at_us) {
    if (at_us >= start_us - tolerance_us && at_us <= end_us + tolerance_us) return std::nullopt;
    return "'" + c.name + "' returned at " + secs(at_us) + ", outside " + secs(start_us) + "..." + secs(end_us);
}

// A shell line's commands: separated by ';', '&&' or newlines.
inline std::vector<std::string> shell_commands(const std::string& s) {
    std::vector<std::string> parts;
    std::string cur;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ';' || s[i] == '\n') { parts.push_back(cur); cur.clear(); continue; }
        if (s[i] == '&' && i + 1 < s.size() && s[i + 1] == '&') { parts.push_back(cur); cur.clear(); ++i; continue; }
        cur += s[i];
    }
    parts.push_back(cur);
    std::vector<std::string> out;
    for (const auto& raw : parts)
        if (auto cmd = detail::trim(raw); !cmd.empty()) out.push_back(cmd);
    return out;
}

// The settings script a shell command runs ("../common/defaults.sh"), if it is one.
inline std::optional<std::string> settings_script(const std::string& cmd) {
    std::string first = cmd.substr(0, cmd.find_first_of(" \t"));
    if (first.size() > 3 && first.substr(first.size() - 3) == ".sh") return first;
    return std::nullopt;
}

// The lines of a settings script that do something: comments, blank lines and `set` are not.
struct SettingsLine {
    std::size_t line = 0;
    std::string text;
    std::optional<std::pair<std::string, std::string>> sysctl; // key, value; nullopt: not a sysctl
};

inline std::vector<SettingsLine> settings_lines(const std::string& text) {
    std::vector<SettingsLine> out;
    std::istringstream in(text);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::string t = detail::trim(line);
        if (t.empty() || t[0] == '#' || t.rfind("set ", 0) == 0) continue;
        out.push_back(SettingsLine{n, t, sysctl_assignment(t)});
    }
    return out;
}

using synfin::decimal_in_range;

// Largest --tolerance_usecs: ten seconds, so that sums of times and tolerances stay far from overflow.
inline constexpr std::int64_t max_tolerance_us = 10'000'000;

inline std::string tolerance_error(std::string_view got) {
    return "--tolerance_usecs needs a number of microseconds from 0 to " + std::to_string(max_tolerance_us) + ", got '" +
           std::string(got) + "'";
}

// `--tolerance_usecs=N`, the one option line both runners take: nothing if the line is another
// option, -1 if its value is not a number in [0, max_tolerance_us].
inline std::optional<std::int64_t> tolerance_option(const std::string& t) {
    if (t.rfind("--tolerance_usecs=", 0) != 0) return std::nullopt;
    auto n = decimal_in_range(std::string_view(t).substr(18), max_tolerance_us);
    return n ? *n : -1;
}

template <class S>
class Runner {
public:
    explicit Runner(RunOptions o) : o_(std::move(o)), p_(o_.profile) {}

    RunReport run(const Script& script) {
        // Lines the model cannot run are found before anything runs.
        for (const auto& e : script.events) {
            if (e.kind == EventKind::unsupported) unsupported(e, e.unsupported);
            else if (e.kind == EventKind::option) option(e);
            else if (e.kind == EventKind::shell) shell(e);
            else if (e.kind == EventKind::call) precheck_call(e);
        }
        if (rep_.verdict != Verdict::pass) return rep_;
        for (std::size_t i = 0; i < script.events.size() && rep_.verdict == Verdict::pass; ++i) {
            const Event& e = script.events[i];
            if (e.kind == EventKind::option || e.kind == EventKind::shell) continue;
            if (pending_ && e.start_us > pending_->end_us + o_.tolerance_us) {
                fail(*pending_->event, "'" + pending_->event->call.name + "' did not return by " + secs(pending_->end_us));
                break;
            }
            if (e.kind == EventKind::packet && !e.packet.inbound) { expect(e); continue; }
            advance_before(e.start_us);
            if (rep_.verdict != Verdict::pass) break;
            check_unexpected(e);
            if (rep_.verdict != Verdict::pass) break;
            now_us_ = e.start_us > now_us_ ? e.start_us : now_us_;
            if (e.kind == EventKind::packet) inbound(e);
            else call(e);
            poll_pending();
        }
        if (rep_.verdict == Verdict::pass && pending_) {
            // A blocking call at the end: time runs on to the end of its range.
            advance_before(pending_->end_us + o_.tolerance_us + 1);
            poll_pending();
        }
        if (rep_.verdict == Verdict::pass && pending_)
            fail(*pending_->event, "'" + pending_->event->call.name + "' never returned");
        if (rep_.verdict == Verdict::pass && !out_.empty())
            rep_.notes.push_back("the model sent " + std::to_string(out_.size()) +
                                 " more segment(s) after the last line (not checked, as packetdrill): " + describe(out_.front().seg));
        return rep_;
    }

    [[nodiscard]] const Tcb<S>& tcb() const { return tcb_; }

private:
    struct Out {
        Segment<S> seg;
        std::int64_t at_us;
    };
    struct Pending {
        const Event* event;
        std::int64_t end_us;
    };
    enum class FdKind : std::uint8_t { socket, listener, conn };
    struct Fd {
        FdKind kind = FdKind::socket;
        bool nonblock = false;
    };

    RunOptions o_;
    Profile p_;
    SysctlState sysctl_{};
    RunReport rep_{};
    Tcb<S> tcb_{};
    std::int64_t now_us_ = 0;
    std::deque<Out> out_;
    std::optional<Pending> pending_;
    std::map<long long, Fd> fds_;
    S local_iss_{};
    bool listen_used_ = false; // the listener's ISS has served an attempt
    bool accepted_ = false, connected_fd_ = false, shut_rd_ = false, linger0_ = false, peer_fin_ = false;
    std::string so_error_;
    std::size_t opens_ = 0;

    S next_iss() {
        const std::size_t n = opens_++;
        if (o_.iss_sequence.empty()) return S(o_.local_iss + 0x9e3779b9u * static_cast<std::uint32_t>(n));
        return S(o_.iss_sequence[n < o_.iss_sequence.size() ? n : o_.iss_sequence.size() - 1]);
    }

    void fail(const Event& e, const std::string& msg) { rep_.fail(e, msg); }
    void unsupported(const Event& e, const std::string& why) { rep_.unsupported(e, why); }

    std::string describe(const Segment<S>& s) const {
        std::array<std::uint8_t, 64> b{};
        return pkt::describe(s, local_iss_, std::span<const std::uint8_t>(b.data(), wire::detail::write_options(s.opt, b, 0)));
    }

    [[nodiscard]] Time model_time(std::int64_t us) const { return static_cast<Time>(us / o_.us_per_unit); }
    [[nodiscard]] std::int64_t us_of(Time t) const { return static_cast<std::int64_t>(t) * o_.us_per_unit; }

    template <class E>
    void apply(const E& ev, Time now) {
        const State before = tcb_.state;
        auto r = step(tcb_, ev, now, p_);
        tcb_ = r.tcb;
        for (const auto& seg : r.effects) out_.push_back(Out{seg, us_of(now)});
        const auto& fx = r.effects;
        if constexpr (!std::is_same_v<E, Abort> && !std::is_same_v<E, Close>) {
            if (fx.has(Notice::refused) || (fx.has(Notice::reset) && before == State::syn_sent)) so_error_ = "ECONNREFUSED";
            else if (fx.has(Notice::reset)) so_error_ = before == State::close_wait ? "EPIPE" : "ECONNRESET"; // Linux tcp_reset()
            if (fx.has(Notice::peer_closed)) peer_fin_ = true;
            else if (fx.has(Notice::timed_out)) so_error_ = "ETIMEDOUT";
        }
        last_error_ = fx.error;
        last_read_ = fx.bytes_read;
        last_eof_ = fx.eof;
    }
    UserError last_error_ = UserError::ok;
    std::uint32_t last_read_ = 0;
    bool last_eof_ = false;

    // Fires the timers due strictly before `us` (a timer due at an event's own time fires after
    // it, unless a `>` line asks for its segment).
    void advance_before(std::int64_t us) {
        for (int guard = 0; guard < 10000; ++guard) {
            Deadline d = next_deadline(tcb_);
            if (d.at == never || us_of(d.at) >= us) break;
            apply(Timeout{d.timer}, d.at);
            if (now_us_ < us_of(d.at)) now_us_ = us_of(d.at);
            poll_pending();
        }
    }
    void advance_through(std::int64_t us) {
        for (int guard = 0; guard < 10000 && out_.empty(); ++guard) {
            Deadline d = next_deadline(tcb_);
            if (d.at == never || us_of(d.at) > us) break;
            apply(Timeout{d.timer}, d.at);
            if (now_us_ < us_of(d.at)) now_us_ = us_of(d.at);
            poll_pending();
        }
    }

    void check_unexpected(const Event& e) {
        if (!out_.empty() && out_.front().at_us < e.start_us - o_.tolerance_us)
            fail(e, "the model sent " + describe(out_.front().seg) + " at " + secs(out_.front().at_us) +
                        ", which no '>' line expects before this line");
    }

    // ---- `>`: the model's next segment must match --------------------------------------------
    void expect(const Event& e) {
        const ScriptPacket& p = e.packet;
        if (out_.empty()) advance_through(e.any_time ? std::numeric_limits<std::int64_t>::max() / 2 : e.start_us + o_.tolerance_us);
        if (out_.empty()) {
            fail(e, "expected the model to send a segment by " + secs(e.start_us + o_.tolerance_us) + "; it sent nothing (" +
                        std::string(name(tcb_.state)) + ")");
            return;
        }
        Out got = out_.front();
        out_.pop_front();
        const Segment<S>& s = got.seg;
        std::vector<std::string> diffs;
        if (!e.any_time && (got.at_us < e.start_us - o_.tolerance_us || got.at_us > e.end_us + o_.tolerance_us))
            diffs.push_back("sent at " + secs(got.at_us) + ", expected at " + secs(e.start_us));
        std::array<std::uint8_t, 64> opt_bytes{};
        const std::size_t n_opt = wire::detail::write_options(s.opt, opt_bytes, 0);
        for (auto& d : segment_diffs(s, local_iss_, std::span<const std::uint8_t>(opt_bytes.data(), n_opt), p)) diffs.push_back(d);
        if (!diffs.empty()) {
            std::string msg = "the model sent " + describe(s) + " at " + secs(got.at_us) + ":";
            for (const auto& d : diffs) msg += " " + d + ";";
            fail(e, msg);
        }
        if (got.at_us > now_us_) now_us_ = got.at_us;
    }

    // ---- `<`: a segment arrives --------------------------------------------------------------
    void inbound(const Event& e) {
        SegmentArrives<S> ev{inbound_segment(e.packet, local_iss_)};
        const Flags f = ev.seg.flags;
        const bool listening = tcb_.state == State::listen;
        if (listening && listen_used_ && f.syn() && !f.ack() && !f.rst()) ev.iss = next_iss();
        apply(ev, model_time(now_us_));
        if (listening && tcb_.state != State::listen) {
            listen_used_ = true;
            local_iss_ = tcb_.iss; // script numbers are relative to this attempt's ISS
        }
    }

    // ---- syscalls ----------------------------------------------------------------------------
    void precheck_call(const Event& e) {
        for (const auto& why : unsupported_call(e.call)) unsupported(e, why);
    }

    struct Ret {
        long long value = 0;
        std::string err;
    };

    Fd* fd(const std::string& a) {
        char* end = nullptr;
        long long n = std::strtoll(a.c_str(), &end, 10);
        if (end == a.c_str()) return nullptr;
        auto it = fds_.find(n);
        return it == fds_.end() ? nullptr : &it->second;
    }

    long long next_fd() const {
        long long n = 3;
        while (fds_.count(n)) ++n;
        return n;
    }

    std::optional<Ret> take_error() {
        if (so_error_.empty()) return std::nullopt;
        Ret r{-1, so_error_};
        so_error_.clear();
        return r;
    }

    // Whether an accept/connect/read/write may return now; nullopt: it blocks.
    std::optional<Ret> attempt(const Event& e) {
        const auto& c = e.call;
        auto arg = [&](std::size_t i) { return i < c.args.size() ? c.args[i] : std::string(); };
        Fd* f = fd(arg(0));
        const Time now = model_time(now_us_);
        if (c.name == "accept") {
            if (!f || f->kind != FdKind::listener) return Ret{-1, "EINVAL"};
            bool ready = tcb_.passive && !accepted_ && tcb_.state != State::syn_received && tcb_.state != State::listen &&
                         tcb_.state != State::closed;
            if (!ready) return std::nullopt;
            accepted_ = true;
            long long n = next_fd();
            fds_[n] = Fd{FdKind::conn, false};
            return Ret{n, ""};
        }
        if (c.name == "connect") {
            if (tcb_.state == State::syn_sent || tcb_.state == State::syn_received) return std::nullopt;
            if (auto er = take_error()) return er;
            if (tcb_.state == State::closed) return Ret{-1, "ECONNREFUSED"};
            return Ret{0, ""};
        }
        if (c.name == "read" || c.name == "recv") {
            if (shut_rd_) return Ret{0, ""};
            // Linux's tcp_recvmsg() reports the peer's FIN (SOCK_DONE) before a pending error.
            if (tcb_.unread == 0 && !peer_fin_) {
                if (auto er = take_error()) return er;
            }
            std::uint32_t want = static_cast<std::uint32_t>(std::strtoul(arg(2).c_str(), nullptr, 10));
            if (tcb_.state == State::closed && tcb_.unread == 0) return Ret{0, ""};
            apply(Receive{want}, now);
            if (last_read_ > 0) return Ret{last_read_, ""};
            if (last_eof_) return Ret{0, ""};
            if (tcb_.state == State::syn_sent || tcb_.state == State::syn_received || synchronized(tcb_.state)) return std::nullopt;
            return Ret{0, ""};
        }
        return Ret{-1, "EINVAL"};
    }

    void finish_call(const Event& e, const Ret& r, std::int64_t at_us) {
        if (auto m = return_outside(e.call, e.start_us, e.end_us, o_.tolerance_us, at_us)) fail(e, *m);
        else if (auto w = wrong_return(e.call, r.value, r.err)) fail(e, *w + " (" + std::string(name(tcb_.state)) + ")");
    }

    void poll_pending() {
        if (!pending_) return;
        auto r = attempt(*pending_->event);
        if (!r) return;
        const Event* e = pending_->event;
        pending_.reset();
        finish_call(*e, *r, now_us_);
    }

    void call(const Event& e) {
        const auto& c = e.call;
        auto arg = [&](std::size_t i) { return i < c.args.size() ? c.args[i] : std::string(); };
        if (pending_) { unsupported(e, "a system call while '" + pending_->event->call.name + "' blocks (one thread only)"); return; }
        const Time now = model_time(now_us_);
        Fd* f = fd(arg(0));
        auto done = [&](long long v, std::string err = "") { finish_call(e, Ret{v, std::move(err)}, now_us_); };
        auto block_or = [&]() {
            bool nb = f && f->nonblock;
            if (nb) { done(-1, "EAGAIN"); return; }
            pending_ = Pending{&e, e.end_us};
        };
        if (c.name == "socket") {
            long long n = next_fd();
            fds_[n] = Fd{};
            done(n);
            return;
        }
        if (!f) { done(-1, "EBADF"); return; }
        if (c.name == "bind") { done(0); return; }
        if (c.name == "listen") {
            if (tcb_.state != State::closed) { unsupported(e, "a second connection (the model runs one TCB)"); return; }
            local_iss_ = next_iss();
            listen_used_ = false;
            apply(Open<S>{true, local_iss_, 0}, now);
            f->kind = FdKind::listener;
            accepted_ = false;
            done(last_error_ == UserError::ok ? 0 : -1, last_error_ == UserError::ok ? "" : "EINVAL");
            return;
        }
        if (c.name == "connect") {
            if (tcb_.state != State::closed) { unsupported(e, "a second connection (the model runs one TCB)"); return; }
            local_iss_ = next_iss();
            apply(Open<S>{false, local_iss_, 0}, now);
            f->kind = FdKind::conn;
            connected_fd_ = true;
            if (f->nonblock) { done(-1, "EINPROGRESS"); return; }
            pending_ = Pending{&e, e.end_us};
            return;
        }
        if (c.name == "accept") {
            auto r = attempt(e);
            if (r) done(r->value, r->err);
            else block_or();
            return;
        }
        if (c.name == "read" || c.name == "recv") {
            if (f->kind != FdKind::conn) { done(-1, "ENOTCONN"); return; }
            auto r = attempt(e);
            if (r) done(r->value, r->err);
            else block_or();
            return;
        }
        if (c.name == "write" || c.name == "send") {
            if (f->kind != FdKind::conn) { done(-1, "ENOTCONN"); return; }
            if (auto er = take_error()) { done(er->value, er->err); return; }
            // Linux caps one write at MAX_RW_COUNT (INT_MAX rounded down to a page); a count the
            // model cannot hold is an error in the script, never a silently truncated number.
            auto count = decimal_in_range(arg(2), 0x7ffff000);
            if (!count) { fail(e, "write count '" + arg(2) + "' is not a number from 0 to 2147479552"); return; }
            const auto n = static_cast<std::uint32_t>(*count);
            if (tcb_.state == State::closed) { done(-1, "EPIPE"); return; }
            apply(Send{n}, now);
            if (last_error_ == UserError::ok) done(n);
            else done(-1, "EPIPE");
            return;
        }
        if (c.name == "close") {
            long long n = std::strtoll(arg(0).c_str(), nullptr, 10);
            FdKind k = f->kind;
            fds_.erase(n);
            if (k == FdKind::listener) {
                if (tcb_.state == State::listen) apply(Close{true}, now);
                else if (!accepted_ && tcb_.state != State::closed) apply(Abort{}, now); // unaccepted child: reset
            } else if (k == FdKind::conn && tcb_.state != State::closed) {
                if (linger0_) apply(Abort{}, now);
                else apply(Close{true}, now);
            }
            done(0);
            return;
        }
        if (c.name == "shutdown") {
            if (f->kind != FdKind::conn || tcb_.state == State::closed || tcb_.state == State::listen) { done(-1, "ENOTCONN"); return; }
            std::string how = arg(1);
            if (how == "SHUT_RD" || how == "SHUT_RDWR" || how == "0" || how == "2") shut_rd_ = true;
            if (how == "SHUT_WR" || how == "SHUT_RDWR" || how == "1" || how == "2") {
                if (!local_closed(tcb_.state)) apply(Close{false}, now);
            }
            done(0);
            return;
        }
        if (c.name == "fcntl") {
            if (arg(1) == "F_SETFL") {
                f->nonblock = arg(2).find("O_NONBLOCK") != std::string::npos;
                done(0);
            } else {
                done(2 | (f->nonblock ? 0x800 : 0));
            }
            return;
        }
        if (c.name == "setsockopt") {
            auto v = braces(arg(3));
            long long x = v.empty() ? 0 : v[0];
            x = x < 0 ? 0 : x > 1000000 ? 1000000 : x; // keeps every deadline far from overflow
            std::string opt = arg(2);
            if (opt == "SO_LINGER") linger0_ = v.size() == 2 && v[0] != 0 && v[1] == 0;
            else if (opt == "SO_KEEPALIVE") {
                if (synchronized(tcb_.state) && x != 0 && !p_.keepalive) {
                    unsupported(e, "SO_KEEPALIVE on a synchronized connection (the model arms keepalive on entering ESTABLISHED; set it on the listener or before connect)");
                    return;
                }
                p_.keepalive = x != 0;
            } else if (opt == "TCP_KEEPIDLE") p_.keepalive_time = x * 1000000 / o_.us_per_unit;
            else if (opt == "TCP_KEEPINTVL") p_.keepalive_intvl = x * 1000000 / o_.us_per_unit;
            else if (opt == "TCP_KEEPCNT") p_.keepalive_probes = static_cast<int>(x);
            else if (opt == "TCP_MAXSEG") p_.mss = static_cast<std::uint16_t>(x);
            else if (opt == "TCP_USER_TIMEOUT") p_.user_timeout = x * 1000 / o_.us_per_unit;
            else rep_.notes.push_back("line " + std::to_string(e.line) + ": " + opt + " accepted, ignored (no effect on the model)");
            done(0);
            return;
        }
        if (c.name == "getsockopt") {
            std::string opt = arg(2);
            long long got = 0;
            if (opt == "SO_ERROR") {
                if (auto er = take_error()) {
                    auto n = errno_number(er->err);
                    if (!n) { fail(e, "getsockopt SO_ERROR: pending error " + er->err + " has no errno number in the runner"); return; }
                    got = *n;
                }
            } else if (opt == "TCP_MAXSEG") got = synchronized(tcb_.state) ? tcb_.snd_mss : p_.mss;
            else if (opt == "SO_KEEPALIVE") got = p_.keepalive ? 1 : 0;
            else if (opt == "TCP_KEEPIDLE") got = p_.keepalive_time * o_.us_per_unit / 1000000;
            else if (opt == "TCP_KEEPINTVL") got = p_.keepalive_intvl * o_.us_per_unit / 1000000;
            else if (opt == "TCP_KEEPCNT") got = p_.keepalive_probes;
            else { unsupported(e, "getsockopt " + opt); return; }
            auto want = braces(arg(3));
            std::string a3 = arg(3);
            long long expect_v = want.empty() ? 0 : want[0];
            if (a3.size() > 2 && a3.front() == '[' && a3.back() == ']' && a3[1] == 'E') {
                auto n = errno_number(std::string_view(a3).substr(1, a3.size() - 2));
                if (!n) { fail(e, "getsockopt " + opt + ": unknown errno " + a3); return; }
                expect_v = *n;
            }
            if (got != expect_v) { fail(e, "getsockopt " + opt + " gave " + std::to_string(got) + ", expected " + a3); return; }
            done(0);
            return;
        }
        unsupported(e, "system call '" + c.name + "'");
    }

    // ---- configuration -----------------------------------------------------------------------
    void option(const Event& e) {
        const std::string& t = e.shell;
        if (auto tol = tolerance_option(t)) {
            if (*tol < 0) {
                fail(e, tolerance_error(std::string_view(t).substr(18)));
                return;
            }
            o_.tolerance_us = *tol;
            rep_.notes.push_back("line " + std::to_string(e.line) + ": tolerance " + std::to_string(o_.tolerance_us) + " us");
            return;
        }
        unsupported(e, "option line '" + t + "'");
    }

    void shell(const Event& e) {
        for (const auto& cmd : shell_commands(e.shell)) {
            if (auto a = sysctl_assignment(cmd)) {
                auto r = apply_sysctl(p_, sysctl_, a->first, a->second);
                if (r.kind == SysctlResult::applied) rep_.notes.push_back("line " + std::to_string(e.line) + ": profile: " + r.note);
                else if (r.kind == SysctlResult::ignored) rep_.notes.push_back("line " + std::to_string(e.line) + ": ignored (no effect on the model): " + r.note);
                else unsupported(e, "sysctl the profile does not know: " + r.note);
                continue;
            }
            auto file = settings_script(cmd);
            if (file && o_.read_file) {
                auto text = o_.read_file(*file, o_.base_dir);
                if (!text) { unsupported(e, "cannot read the script '" + *file + "'"); continue; }
                read_settings(e, *file, *text);
                continue;
            }
            unsupported(e, "shell command '" + cmd + "'");
        }
    }

    // A settings script is read, not run: its sysctl lines configure the profile.
    void read_settings(const Event& e, const std::string& file, const std::string& text) {
        for (const auto& l : settings_lines(text)) {
            std::string where = "line " + std::to_string(e.line) + ": " + file + ":" + std::to_string(l.line) + ": ";
            if (!l.sysctl) {
                rep_.notes.push_back(where + "ignored (not a sysctl): " + l.text);
                continue;
            }
            auto r = apply_sysctl(p_, sysctl_, l.sysctl->first, l.sysctl->second);
            if (r.kind == SysctlResult::applied) rep_.notes.push_back(where + "profile: " + r.note);
            else rep_.notes.push_back(where + "ignored (no effect on the model): " + r.note);
        }
    }
};

} // namespace synfin::pkt
