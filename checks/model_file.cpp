// Reading model files with toml++ (Debian libtomlplusplus-dev); the format is docs/models.md.
#include "model_file.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include <synfin/decimal.hpp>
#include <synfin/explorer.hpp>
#include <synfin/knobs.hpp>
#include <synfin/properties.hpp>

namespace synfin::model {

std::string Error::text() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

// toml++ 3.3.0 (Debian's) reaches __builtin_unreachable when it asks whether some non-ASCII
// characters are white space (is_non_ascii_horizontal_whitespace: U+00A1 to U+0499, U+2C5E to
// U+3057 but U+3000, U+FB26 to U+FEFE), which it does between tokens, in keys and in strings.
// They are valid TOML, so they are not refused: toml++ reads each as a private-use character in
// its place (one code point for one, so lines and columns stay right), and the strings the model
// keeps, and the errors, get them back. Private-use characters themselves are refused.
namespace detail {

constexpr std::uint32_t stand_in_base = 0xE000;
constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 3> troublesome{{{0xA1, 0x499}, {0x2C5E, 0x3057}, {0xFB26, 0xFEFE}}};

std::uint32_t stand_in(std::uint32_t cp) {
    std::uint32_t offset = 0;
    for (auto [lo, hi] : troublesome) {
        if (cp >= lo && cp <= hi && cp != 0x3000) return stand_in_base + offset + (cp - lo);
        offset += hi - lo + 1;
    }
    return cp;
}

std::uint32_t original(std::uint32_t cp) {
    if (cp < stand_in_base) return cp;
    std::uint32_t offset = cp - stand_in_base;
    for (auto [lo, hi] : troublesome) {
        if (offset <= hi - lo) return lo + offset;
        offset -= hi - lo + 1;
    }
    return cp;
}

} // namespace detail

namespace {

using detail::stand_in;
using detail::original;

void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Rewrites each two- or three-byte UTF-8 sequence through f; anything else (ASCII, four bytes,
// malformed UTF-8, which toml++ reports) is copied as it is.
template <class F>
std::string map_code_points(std::string_view text, F&& f) {
    std::string out;
    out.reserve(text.size() + text.size() / 2);
    for (std::size_t i = 0; i < text.size();) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
        const auto cont = [&](std::size_t k) { return i + k < text.size() && (b(k) & 0xC0) == 0x80; };
        if ((b(0) & 0xE0) == 0xC0 && cont(1) && b(0) >= 0xC2) {
            put_utf8(out, f(static_cast<std::uint32_t>(((b(0) & 0x1F) << 6) | (b(1) & 0x3F))));
            i += 2;
        } else if ((b(0) & 0xF0) == 0xE0 && cont(1) && cont(2)) {
            std::uint32_t cp = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
            if (cp < 0x800) { out += text.substr(i, 3); i += 3; continue; } // overlong: toml++'s to report
            put_utf8(out, f(cp));
            i += 3;
        } else {
            out += text[i++];
        }
    }
    return out;
}

std::string restored(std::string_view s) { return map_code_points(s, original); }

// The first private-use character (U+E000 to U+F8FF), which stand-ins would be confused with.
std::optional<Error> private_use(std::string_view text, const std::string& path) {
    std::size_t line = 1, column = 1;
    std::optional<Error> found;
    map_code_points(text, [&](std::uint32_t cp) {
        if (!found && cp >= 0xE000 && cp <= 0xF8FF)
            found = Error{path, 0, 0, "a private-use character (U+E000 to U+F8FF)"};
        return cp;
    });
    if (!found) return std::nullopt;
    for (std::size_t i = 0; i + 2 < text.size(); ++i) { // its place, for the message
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') { ++line; column = 1; continue; }
        if (c == 0xEE || (c == 0xEF && static_cast<unsigned char>(text[i + 1]) < 0xA4)) break;
        if ((c & 0xC0) != 0x80) ++column;
    }
    found->line = line;
    found->column = column;
    return found;
}

// Thrown inside the reader only, caught in parse(): the first error ends the reading.
struct Failure {
    Error error;
};

class Reader {
public:
    explicit Reader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const toml::source_region& at, std::string message) const {
        throw Failure{{path_, at.begin.line, at.begin.column, std::move(message)}};
    }
    [[noreturn]] void fail_file(std::string message) const { throw Failure{{path_, 0, 0, std::move(message)}}; }

    // Every key of t must be one of `known`; the first other one is an error where it is written.
    void only(const toml::table& t, std::initializer_list<std::string_view> known, std::string_view where) const {
        for (auto&& [key, node] : t) {
            bool ok = false;
            for (auto k : known) ok = ok || key.str() == k;
            if (!ok) {
                std::string list;
                for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
                fail(key.source(), "unknown key '" + std::string(key.str()) + "' in " + std::string(where) + " (known: " + list + ")");
            }
        }
    }

    std::int64_t integer(const toml::node& n, std::string_view key, std::int64_t lo, std::int64_t hi) const {
        auto v = n.value_exact<std::int64_t>();
        if (!v) fail(n.source(), std::string(key) + " must be an integer");
        if (*v < lo || *v > hi)
            fail(n.source(), std::string(key) + " = " + std::to_string(*v) + " is out of range (" + std::to_string(lo) + " to " +
                                 std::to_string(hi) + ")");
        return *v;
    }
    bool boolean(const toml::node& n, std::string_view key) const {
        auto v = n.value_exact<bool>();
        if (!v) fail(n.source(), std::string(key) + " must be true or false");
        return *v;
    }
    std::string string(const toml::node& n, std::string_view key) const {
        auto v = n.value_exact<std::string>();
        if (!v) fail(n.source(), std::string(key) + " must be a string");
        return *v;
    }
    const toml::table& table(const toml::node& n, std::string_view key) const {
        if (!n.is_table()) fail(n.source(), std::string(key) + " must be a table");
        return *n.as_table();
    }

    void bounds(const toml::table& t, Model& m) const {
        only(t, {"seq_bits", "msl_ticks", "capacity", "loss", "duplication", "crashes", "overflow", "max_retries"}, "[bounds]");
        if (auto n = t.get("seq_bits")) integer(*n, "seq_bits", suite::seq_bits, suite::seq_bits);
        if (auto n = t.get("msl_ticks")) m.msl = static_cast<std::uint8_t>(integer(*n, "msl_ticks", 2, 16));
        if (auto n = t.get("capacity")) m.capacity = static_cast<std::uint8_t>(integer(*n, "capacity", 1, channel_capacity));
        if (auto n = t.get("loss")) m.loss = static_cast<std::int8_t>(integer(*n, "loss", -1, 7));
        if (auto n = t.get("duplication")) m.duplication = static_cast<std::uint8_t>(integer(*n, "duplication", 0, 7));
        if (auto n = t.get("crashes")) m.crashes = static_cast<std::uint8_t>(integer(*n, "crashes", 0, 7));
        if (auto n = t.get("overflow")) m.overflow = static_cast<std::uint8_t>(integer(*n, "overflow", 0, 7));
        if (auto n = t.get("max_retries")) m.max_retries = static_cast<int>(integer(*n, "max_retries", 0, 8));
    }

    ScriptStep step(const toml::node& n) const {
        std::string text = string(n, "a script step");
        std::istringstream words(text);
        std::string w;
        std::vector<std::string> ws;
        while (words >> w) ws.push_back(w);
        ScriptStep st;
        std::size_t i = 0;
        if (!ws.empty() && ws[0] == "eager") { st.eager = true; ++i; }
        if (i >= ws.size()) fail(n.source(), "empty script step");
        static constexpr std::array actions{UserAction::connect, UserAction::listen, UserAction::send, UserAction::close,
                                            UserAction::shutdown, UserAction::abort, UserAction::receive};
        bool found = false;
        for (auto a : actions)
            if (ws[i] == name(a)) { st.action = a; found = true; }
        if (!found)
            fail(n.source(), "unknown script step '" + ws[i] + "' (connect, listen, send N, receive N, close, shutdown, abort; "
                             "'eager' before one that need not wait for the connection)");
        ++i;
        const bool counted = st.action == UserAction::send || st.action == UserAction::receive;
        if (counted) {
            if (i >= ws.size()) fail(n.source(), ws[i - 1] + " needs a byte count ('" + ws[i - 1] + " 2')");
            auto count = decimal_between(ws[i], 1, 3);
            if (!count) fail(n.source(), "'" + ws[i] + "' is not a byte count from 1 to 3");
            st.bytes = static_cast<std::uint8_t>(*count);
            ++i;
        }
        if (i != ws.size()) fail(n.source(), "unexpected '" + ws[i] + "' in script step '" + text + "'");
        return st;
    }

    void knobs(const toml::table& t, Profile& p) const {
        for (auto&& entry : t) {
            const toml::key& key = entry.first; // not a structured binding: Clang 14 cannot capture those
            const toml::node& node = entry.second;
            bool found = false;
            const std::string k(key.str());
            for_each_knob(p, [&](std::string_view name, KnobKind kind, auto& member) {
                if (name != k) return;
                found = true;
                if (fixed_by_checker(name))
                    fail(key.source(), "knob '" + k + "' has no effect in the checker (its segments carry no options, its "
                                       "windows are a few bytes and its SYN backoff doubles): leave it out");
                using M = std::remove_reference_t<decltype(member)>;
                if constexpr (std::is_same_v<M, bool>) {
                    member = boolean(node, k);
                } else if (kind == KnobKind::duration) {
                    member = static_cast<M>(integer(node, k + " (milliseconds)", 0, 100LL * 24 * 3600 * 1000));
                } else if (kind == KnobKind::count) {
                    const bool retries = k.size() > 8 && k.substr(k.size() - 8) == "_retries";
                    member = static_cast<M>(integer(node, k + (retries ? " (-1: unbounded)" : ""), retries ? -1 : 0, 1000));
                } else {
                    member = static_cast<M>(integer(node, k, 0, static_cast<std::int64_t>(std::numeric_limits<M>::max())));
                }
            });
            if (!found) fail(key.source(), "unknown knob '" + k + "' (see 'synfin profile show rfc9293' for every knob)");
        }
        if (p.msl <= 0) fail_file("the knob msl must be above 0: the checker's durations keep their ratio to it");
    }

    void host(const toml::table& t, HostModel& h, std::string_view which) const {
        const std::string where = "[host." + std::string(which) + "]";
        only(t, {"profile", "script", "knobs", "may_crash", "reads_all", "after_peer_opens", "iss", "first_iss", "any_first_iss"},
             where);
        auto pn = t.get("profile");
        if (!pn) fail(t.source(), where + " needs a profile (see 'synfin list')");
        h.profile_name = string(*pn, "profile");
        const suite::ProfileChoice* pc = suite::find_profile(h.profile_name);
        if (!pc) fail(pn->source(), "unknown profile '" + h.profile_name + "' (see 'synfin list')");
        h.profile = pc->profile;
        auto sn = t.get("script");
        if (!sn) fail(t.source(), where + " needs a script, e.g. script = [\"connect\", \"close\"]");
        const toml::array* arr = sn->as_array();
        if (!arr) fail(sn->source(), "script must be an array of steps");
        if (arr->empty()) fail(sn->source(), "script is empty: a host with nothing to do");
        if (arr->size() > max_script) fail(sn->source(), "script has " + std::to_string(arr->size()) + " steps, at most " +
                                                         std::to_string(max_script));
        unsigned bytes = 0;
        for (const auto& e : *arr) {
            h.script.push_back(step(e));
            if (h.script.back().action == UserAction::send) bytes += h.script.back().bytes;
        }
        // With its SYN and FIN, a host's stream must stay within half the sequence space, or an
        // old byte and a new one could not be told apart.
        if (bytes > 3)
            fail(sn->source(), "the script sends " + std::to_string(bytes) + " bytes in all; at most 3 fit the " +
                                   std::to_string(suite::seq_bits) + "-bit sequence space beside the SYN and the FIN");
        if (auto n = t.get("knobs")) knobs(table(*n, "knobs"), h.profile);
        if (auto n = t.get("may_crash")) h.may_crash = boolean(*n, "may_crash");
        if (auto n = t.get("reads_all")) h.reads_all = boolean(*n, "reads_all");
        if (auto n = t.get("after_peer_opens")) h.after_peer_opens = boolean(*n, "after_peer_opens");
        if (auto n = t.get("iss")) {
            const std::string v = string(*n, "iss");
            bool found = false;
            for (auto p : {IssPolicy::adversarial, IssPolicy::counter, IssPolicy::clock})
                if (v == name(p)) { h.iss = p; found = true; }
            if (!found) fail(n->source(), "unknown iss '" + v + "' (adversarial, counter, clock)");
        }
        if (auto n = t.get("first_iss")) h.first_iss = static_cast<std::uint8_t>(integer(*n, "first_iss", 0, (1 << suite::seq_bits) - 1));
        if (auto n = t.get("any_first_iss")) h.any_first_iss = boolean(*n, "any_first_iss");
    }

    // An expression in a string value: its errors point into the string (FILE:LINE:COL).
    std::shared_ptr<const expr::Program> expression(const toml::node& n, std::string_view key) const {
        const std::string text = string(n, key);
        auto parsed = expr::parse(text);
        if (auto* e = std::get_if<expr::Error>(&parsed)) {
            toml::source_region at = n.source();
            at.begin.column = static_cast<toml::source_index>(at.begin.column + 1 + e->offset); // past the opening quote
            fail(at, std::string(key) + ": " + restored(e->message));
        }
        return std::make_shared<const expr::Program>(expr::compile(*std::get<std::unique_ptr<expr::Node>>(parsed)));
    }

    void check(const toml::node& n, Model& m) const {
        const toml::table& t = table(n, "[[check]]");
        only(t, {"property", "name", "invariant", "leads_to", "expect", "why"}, "[[check]]");
        CheckModel c;
        auto pn = t.get("property");
        auto nn = t.get("name");
        auto in = t.get("invariant");
        auto ln = t.get("leads_to");
        const int stated = (pn ? 1 : 0) + (in ? 1 : 0) + (ln ? 1 : 0);
        if (stated != 1)
            fail(t.source(), "[[check]] needs exactly one of property = \"NAME\" (built in: 'synfin list'), "
                             "invariant = \"EXPR\" or leads_to = [\"P\", \"Q\"]");
        const toml::node* named = pn;
        if (pn) {
            if (nn) fail(nn->source(), "name is for a property of your own (invariant or leads_to); a built-in one has its name");
            c.property = string(*pn, "property");
            if (!find_property(c.property)) fail(pn->source(), "unknown property '" + c.property + "' (see 'synfin list')");
        } else {
            if (!nn) fail(t.source(), "[[check]] with an invariant or leads_to needs a name (it names traces and rows)");
            named = nn;
            c.property = string(*nn, "name");
            bool word = !c.property.empty() && c.property.size() <= 64;
            for (char ch : c.property) word = word && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_');
            if (!word) fail(nn->source(), "name must be 1 to 64 of a-z, 0-9 and _");
            if (find_property(c.property) || c.property == "dead_end")
                fail(nn->source(), "name '" + c.property + "' is taken by a built-in property");
            if (in) {
                c.kind = CheckKind::invariant;
                c.p = expression(*in, "invariant");
            } else {
                c.kind = CheckKind::leads_to;
                const toml::array* arr = ln->as_array();
                if (!arr || arr->size() != 2) fail(ln->source(), "leads_to must be [\"P\", \"Q\"]: two expressions");
                c.p = expression(*arr->get(0), "leads_to's P");
                c.q = expression(*arr->get(1), "leads_to's Q");
            }
        }
        auto en = t.get("expect");
        if (!en) fail(t.source(), "[[check]] needs expect = \"holds\", \"violated\" or \"unknown\"");
        const std::string e = string(*en, "expect");
        if (e == "holds") c.expected = suite::Verdict::holds;
        else if (e == "violated") c.expected = suite::Verdict::violated;
        else if (e == "unknown") c.expected = suite::Verdict::unknown;
        else fail(en->source(), "expect must be \"holds\", \"violated\" or \"unknown\", not '" + e + "'");
        if (auto w = t.get("why")) c.why = restored(string(*w, "why"));
        for (const auto& other : m.checks)
            if (other.property == c.property) fail(named->source(), "property '" + c.property + "' is checked twice");
        m.checks.push_back(std::move(c));
    }

    std::unique_ptr<Model> read(const toml::table& root) const {
        auto m = std::make_unique<Model>();
        m->path = path_;
        only(root, {"summary", "bounds", "host", "check"}, "the model file");
        if (auto n = root.get("summary")) m->summary = restored(string(*n, "summary"));
        if (auto n = root.get("bounds")) bounds(table(*n, "bounds"), *m);
        auto hn = root.get("host");
        if (!hn) fail_file("no [host.a] and [host.b]: the model needs both hosts");
        const toml::table& hosts = table(*hn, "host");
        only(hosts, {"a", "b"}, "[host]");
        for (int h = 0; h < 2; ++h) {
            const char* which = h == 0 ? "a" : "b";
            auto n = hosts.get(which);
            if (!n) fail(hosts.source(), std::string("no [host.") + which + "]: the model needs both hosts");
            host(table(*n, std::string("host.") + which), m->host[h], which);
        }
        auto cn = root.get("check");
        const char* none = "no [[check]]: a model file with nothing to check would pass vacuously";
        if (!cn) fail_file(none);
        if (!cn->is_array_of_tables() || cn->as_array()->empty()) fail(cn->source(), none);
        for (const auto& c : *cn->as_array()) check(c, *m);
        return m;
    }

private:
    std::string path_;
};

} // namespace

Config make_config(const Model& m, std::uint8_t msl) {
    Config c;
    c.name = m.path;
    c.summary = m.summary;
    c.msl = msl != 0 ? msl : m.msl;
    for (int h = 0; h < 2; ++h) {
        const HostModel& hm = m.host[h];
        HostConfig& hc = c.host[h];
        hc.profile = suite::checker_profile(hm.profile, m.max_retries, m.loss, c.msl);
        hc.script_len = static_cast<std::uint8_t>(hm.script.size());
        for (std::size_t i = 0; i < hm.script.size() && i < max_script; ++i) hc.script[i] = hm.script[i];
        hc.may_crash = hm.may_crash;
        hc.reads_all = hm.reads_all;
        hc.after_peer_opens = hm.after_peer_opens;
        c.iss[h] = hm.iss;
        c.first_iss[h] = hm.first_iss;
        c.any_first_iss[h] = hm.any_first_iss;
    }
    c.loss_budget = m.loss;
    c.capacity = m.capacity;
    c.dup_budget = m.duplication;
    c.crash_budget = m.crashes;
    c.overflow_budget = m.overflow;
    return c;
}

std::variant<std::unique_ptr<Model>, Error> parse(std::string_view text, const std::string& path) {
    Reader reader(path);
    if (auto e = private_use(text, path)) return *e;
    const std::string safe = map_code_points(text, stand_in);
    try {
        toml::table root = toml::parse(safe, path);
        auto m = reader.read(root);
        if (m->crashes > 0 && !m->host[0].may_crash && !m->host[1].may_crash)
            reader.fail_file("bounds.crashes is " + std::to_string(m->crashes) + " but neither host may_crash");
        if (!Packer<suite::seq_bits>(make_config(*m)).fits() || !Packer<suite::seq_bits>(make_config(*m, 2 * m->msl)).fits())
            reader.fail_file("the model does not fit the checker's packed state (256 bits) at MSL = " + std::to_string(m->msl) +
                             " ticks or twice that: lower the budgets, the capacity, msl_ticks or max_retries");
        for (const auto& c : m->checks)
            m->cells.push_back({c.property, m->path, "", c.expected, c.why});
        return m;
    } catch (const toml::parse_error& e) {
        return Error{path, e.source().begin.line, e.source().begin.column, restored(e.description())};
    } catch (Failure& f) {
        f.error.message = restored(f.error.message);
        return f.error;
    }
}

std::variant<const Model*, Error> load(const std::string& path) {
    static std::map<std::string, std::unique_ptr<Model>> cache;
    if (auto it = cache.find(path); it != cache.end()) return it->second.get();
    if (path.find_first_of(" \t\r\n") != std::string::npos)
        return Error{path, 0, 0, "a model file's path may not contain white space (traces name it)"};
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return Error{path, 0, 0, "is a directory, not a model file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, 0, 0, "cannot read the model file"};
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = parse(ss.str(), path);
    if (auto* e = std::get_if<Error>(&parsed)) return *e;
    auto& slot = cache[path];
    slot = std::move(std::get<std::unique_ptr<Model>>(parsed));
    return slot.get();
}

std::optional<Config> load_config(std::string_view file, std::uint8_t msl) {
    auto loaded = load(std::string(file));
    if (auto* m = std::get_if<const Model*>(&loaded)) return make_config(**m, msl);
    return std::nullopt;
}

std::optional<suite::UserProperty> user_property(std::string_view file, std::string_view property) {
    auto loaded = load(std::string(file));
    auto* m = std::get_if<const Model*>(&loaded);
    if (!m) return std::nullopt;
    for (const auto& c : (*m)->checks) {
        if (c.property != property || c.kind == CheckKind::builtin) continue;
        suite::UserProperty u;
        const std::shared_ptr<const expr::Program> p = c.p, q = c.q;
        if (c.kind == CheckKind::invariant) {
            u.kind = PropertyKind::safety;
            u.safety = Safety<suite::seq_bits>{c.property, [p](const expr::St& s) { return expr::run(*p, s) == 0; }};
        } else {
            u.kind = PropertyKind::liveness;
            u.liveness = LeadsTo<suite::seq_bits>{c.property, [p](const expr::St& s) { return expr::run(*p, s) != 0; },
                                                  [q](const expr::St& s) { return expr::run(*q, s) != 0; }};
        }
        return u;
    }
    return std::nullopt;
}

std::string show_profile(const suite::ProfileChoice& pc) {
    std::ostringstream o;
    o << "# profile " << pc.name;
    if (!pc.profile.breaks.empty()) o << " (a broken variant: breaks " << pc.profile.breaks << ")";
    o << "; durations in milliseconds, -1: unbounded\n";
    o << "[host.a]\nprofile = \"" << pc.name << "\"\nscript = [\"connect\", \"close\"]    # yours\n[host.a.knobs]\n";
    for_each_knob(pc.profile, [&](std::string_view name, KnobKind kind, const auto& v) {
        // The knobs the checker sets itself are shown, commented out, since a model may not set them.
        o << (fixed_by_checker(name) ? "# " : "") << name << " = ";
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, bool>) o << (v ? "true" : "false");
        else o << static_cast<long long>(v);
        if (fixed_by_checker(name)) o << "    # set by the checker";
        else if (kind == KnobKind::duration && v > 0 && v % 1000 == 0) o << "    # " << v / 1000 << " s";
        o << "\n";
    });
    return o.str();
}

std::vector<std::string> diff_profiles(const Profile& a, const Profile& b) {
    std::vector<std::string> out;
    for_each_knob(a, [&](std::string_view name, KnobKind, const auto& va) {
        for_each_knob(b, [&](std::string_view other, KnobKind, const auto& vb) {
            if (other != name) return;
            if constexpr (std::is_same_v<decltype(va), decltype(vb)>) {
                if (va == vb) return;
                auto text = [](const auto& v) {
                    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, bool>) return std::string(v ? "true" : "false");
                    else return std::to_string(static_cast<long long>(v));
                };
                out.push_back(std::string(name) + " = " + text(va) + " -> " + text(vb));
            }
        });
    });
    return out;
}

} // namespace synfin::model
