// synfin replay: the live-scenario parser, the Linux profile from sysctls, the replay engine and
// its two peers (a live stack through the raw-socket driver, or the model itself for --simulate),
// and the command line. See replay.hpp and docs/conformance.md.
#include "replay.hpp"

#include <synfin/decimal.hpp>

#include "netns.hpp"
#include "pkt.hpp"
#include "runner.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <synfin/driver/driver.hpp>
#include <synfin/step.hpp>

namespace synfin::replay {
namespace {

using S = Seq32;
using live::Netns;
using live::read_file;
using live::sysctl_path;
using live::to_sockaddr;
using Seg = Segment<S>;

// ---- small text helpers ------------------------------------------------------------------------

struct Word {
    std::string_view text;
    std::size_t column = 0; // 1-based
};

std::vector<Word> split_words(std::string_view line) {
    std::vector<Word> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        if (i >= line.size() || line[i] == '#') break;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' && line[j] != '#') ++j;
        out.push_back({line.substr(i, j - i), i + 1});
        i = j;
    }
    return out;
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    auto v = synfin::signed_decimal(s);
    if (!v || *v < 0 || *v > 0xffffffffLL) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::optional<HostRef> parse_host(std::string_view s) {
    if (s == "client") return HostRef::client;
    if (s == "server") return HostRef::server;
    if (s == "driver") return HostRef::driver;
    if (s == "kernel") return HostRef::kernel;
    return std::nullopt;
}

const char* host_name(HostRef h) {
    switch (h) {
    case HostRef::client: return "client";
    case HostRef::server: return "server";
    case HostRef::driver: return "driver";
    case HostRef::kernel: return "kernel";
    }
    return "?";
}

std::optional<State> parse_state(std::string_view s) {
    std::string want = lower(s);
    std::replace(want.begin(), want.end(), '_', '-');
    for (State st : all_states)
        if (lower(name(st)) == want) return st;
    return std::nullopt;
}

std::optional<Flags> parse_flags(std::string_view s) {
    std::uint8_t bits = 0;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t j = s.find(',', i);
        if (j == std::string_view::npos) j = s.size();
        std::string f = lower(s.substr(i, j - i));
        if (f == "syn") bits |= 0x02;
        else if (f == "fin") bits |= 0x01;
        else if (f == "rst") bits |= 0x04;
        else if (f == "psh") bits |= 0x08;
        else if (f == "ack") bits |= 0x10;
        else if (f == "urg") bits |= 0x20;
        else return std::nullopt;
        i = j + 1;
    }
    return Flags(bits);
}

std::optional<SeqExpr> parse_expr(std::string_view s) {
    SeqExpr e;
    struct B { std::string_view name; SeqExpr::Base base; };
    constexpr std::array<B, 3> bases{{{"snd.nxt", SeqExpr::Base::snd_nxt}, {"snd.una", SeqExpr::Base::snd_una},
                                      {"rcv.nxt", SeqExpr::Base::rcv_nxt}}};
    for (const auto& b : bases) {
        if (s.substr(0, b.name.size()) == b.name) {
            e.base = b.base;
            auto rest = s.substr(b.name.size());
            if (rest.empty()) return e;
            if (rest[0] != '+' && rest[0] != '-') return std::nullopt;
            auto v = synfin::signed_decimal(rest);
            if (!v) return std::nullopt;
            e.offset = *v;
            return e;
        }
    }
    auto v = synfin::signed_decimal(s);
    if (!v) return std::nullopt;
    e.base = SeqExpr::Base::isn;
    e.offset = *v;
    return e;
}

} // namespace

// ---- the scenario parser -----------------------------------------------------------------------

namespace {
// A scenario runs in real time against a live stack: an hour bounds what a test may take, and
// keeps a simulated run of a mistyped time from stepping for days.
constexpr std::int64_t max_scenario_ms = 3600000;
constexpr const char* too_long = "a scenario lasts at most an hour (3600000 ms)";
} // namespace

std::variant<Script, ScriptError> parse_script(std::string_view text) {
    Script sc;
    std::size_t lineno = 0;
    bool saw_header = false, saw_end = false;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineno;
        auto w = split_words(line);
        if (w.empty()) {
            if (nl == text.size()) break;
            continue;
        }
        auto err = [&](std::size_t col, std::string msg) { return ScriptError{lineno, col, std::move(msg)}; };
        if (!saw_header) {
            if (w.size() != 2 || w[0].text != "synfin-live" || w[1].text != "1")
                return err(w[0].column, "the first line must be 'synfin-live 1'");
            saw_header = true;
            continue;
        }
        if (saw_end) return err(w[0].column, "nothing may follow 'end'");
        const auto kw = w[0].text;
        if (kw == "name") {
            if (w.size() != 2) return err(w[0].column, "usage: name WORD");
            sc.name = std::string(w[1].text);
        } else if (kw == "roles") {
            if (w.size() < 2 || w.size() > 3) return err(w[0].column, "usage: roles client [server]");
            sc.roles.clear();
            for (std::size_t i = 1; i < w.size(); ++i) {
                auto h = parse_host(w[i].text);
                if (!h || (*h != HostRef::client && *h != HostRef::server))
                    return err(w[i].column, "a role is client or server");
                sc.roles.push_back(*h);
            }
        } else if (kw == "sysctl") {
            if (w.size() != 2) return err(w[0].column, "usage: sysctl net.ipv4.tcp_NAME=VALUE");
            auto eq = w[1].text.find('=');
            if (eq == std::string_view::npos) return err(w[1].column, "usage: sysctl net.ipv4.tcp_NAME=VALUE");
            auto key = w[1].text.substr(0, eq);
            auto val = w[1].text.substr(eq + 1);
            if (key.substr(0, 13) != "net.ipv4.tcp_")
                return err(w[1].column, "only net.ipv4.tcp_* sysctls may be set by a scenario");
            if (key.find('/') != std::string_view::npos || key.find("..") != std::string_view::npos || val.empty())
                return err(w[1].column, "bad sysctl name or value");
            for (char c : val)
                if (!(std::isdigit(static_cast<unsigned char>(c)) || c == ' ')) return err(w[1].column, "sysctl values are numbers");
            sc.sysctls.emplace_back(std::string(key), std::string(val));
        } else if (kw == "profile") {
            if (w.size() < 3) return err(w[0].column, "usage: profile HOST KNOB=VALUE ...");
            auto h = parse_host(w[1].text);
            if (!h) return err(w[1].column, "unknown host '" + std::string(w[1].text) + "'");
            for (std::size_t i = 2; i < w.size(); ++i) {
                auto eq = w[i].text.find('=');
                if (eq == std::string_view::npos) return err(w[i].column, "usage: KNOB=VALUE");
                Profile probe = profiles::linux_default();
                if (!set_knob(probe, w[i].text.substr(0, eq), w[i].text.substr(eq + 1)))
                    return err(w[i].column, "unknown knob or bad value '" + std::string(w[i].text) + "'");
                sc.knobs.emplace_back(*h, std::string(w[i].text.substr(0, eq)), std::string(w[i].text.substr(eq + 1)));
            }
        } else if (kw == "network") {
            if (w.size() != 2 || w[1].text != "held") return err(w[0].column, "usage: network held");
            sc.held = true;
        } else if (kw == "seq-bits") {
            auto n = w.size() == 2 ? parse_u32(w[1].text) : std::nullopt;
            if (!n || *n < 2 || *n > 32) return err(w[0].column, "usage: seq-bits N (2..32)");
            sc.seq_bits = *n;
        } else if (kw == "end") {
            if (w.size() != 2) return err(w[0].column, "usage: end MS");
            auto t = synfin::signed_decimal(w[1].text);
            if (!t || *t < 0) return err(w[1].column, "a time is a number of milliseconds");
            if (*t > max_scenario_ms) return err(w[1].column, too_long);
            sc.end = *t;
            saw_end = true;
        } else if (kw == "at") {
            if (w.size() < 3) return err(w[0].column, "usage: at MS HOST ACTION ... | at MS lose|resend|inject ...");
            auto t = synfin::signed_decimal(w[1].text);
            if (!t || *t < 0) return err(w[1].column, "a time is a number of milliseconds");
            if (*t > max_scenario_ms) return err(w[1].column, too_long);
            if (!sc.actions.empty() && *t < sc.actions.back().at)
                return err(w[1].column, "times must not decrease");
            Action a;
            a.at = *t;
            a.line = lineno;
            std::string_view verb = w[2].text;
            std::size_t next = 3;
            if (verb == "lose") {
                if (w.size() != 5) return err(w[2].column, "usage: at MS lose FROM->TO N|all|none");
                auto arrow = w[3].text.find("->");
                if (arrow == std::string_view::npos) return err(w[3].column, "usage: FROM->TO");
                auto f = parse_host(w[3].text.substr(0, arrow));
                auto to = parse_host(w[3].text.substr(arrow + 2));
                if (!f || !to) return err(w[3].column, "hosts are client, server, driver or kernel");
                a.op = Op::lose;
                a.host = *f;
                a.to = *to;
                if (w[4].text == "all") a.count = -1;
                else if (w[4].text == "none") a.count = 0;
                else {
                    auto n = synfin::signed_decimal(w[4].text);
                    if (!n || *n <= 0 || *n > 1000000) return err(w[4].column, "lose N (N > 0), all or none");
                    a.count = static_cast<int>(*n);
                }
                next = 5;
            } else if (verb == "deliver" || verb == "drop" || verb == "duplicate") {
                if (w.size() < 5) return err(w[2].column, "usage: at MS " + std::string(verb) + " FROM->TO FLAGS seq=N ack=N len=N");
                auto arrow = w[3].text.find("->");
                if (arrow == std::string_view::npos) return err(w[3].column, "usage: FROM->TO");
                auto f = parse_host(w[3].text.substr(0, arrow));
                auto to = parse_host(w[3].text.substr(arrow + 2));
                if (!f || !to) return err(w[3].column, "hosts are client, server, driver or kernel");
                auto fl = parse_flags(w[4].text);
                if (!fl) return err(w[4].column, "flags are SYN,ACK,FIN,RST,PSH,URG joined by commas");
                a.op = verb == "deliver" ? Op::deliver : verb == "drop" ? Op::drop : Op::duplicate;
                a.host = *f;
                a.to = *to;
                a.image.flags = *fl;
                for (std::size_t i = 5; i < w.size(); ++i) {
                    auto eq = w[i].text.find('=');
                    auto n = eq == std::string_view::npos ? std::nullopt : parse_u32(w[i].text.substr(eq + 1));
                    auto k = w[i].text.substr(0, eq == std::string_view::npos ? 0 : eq);
                    const bool known = k == "seq" || k == "ack" || k == "len" || (k == "iss" && a.op == Op::deliver);
                    if (!n || !known)
                        return err(w[i].column, a.op == Op::deliver ? "expected seq=N, ack=N, len=N or iss=N"
                                                                    : "expected seq=N, ack=N or len=N");
                    const std::uint32_t v = n.value();
                    if (k == "iss") a.iss = v;
                    else (k == "seq" ? a.image.seq : k == "ack" ? a.image.ack : a.image.len) = v;
                }
                next = w.size();
            } else if (verb == "resend") {
                if (w.size() != 4 || (w[3].text != "fin" && w[3].text != "last"))
                    return err(w[2].column, "usage: at MS resend fin|last");
                a.op = Op::resend;
                a.host = HostRef::driver;
                a.fin_only = w[3].text == "fin";
                next = 4;
            } else if (verb == "inject") {
                if (w.size() < 4) return err(w[2].column, "usage: at MS inject FLAGS [seq=E] [ack=E] [len=N] [wnd=N]");
                auto fl = parse_flags(w[3].text);
                if (!fl) return err(w[3].column, "flags are SYN,ACK,FIN,RST,PSH,URG joined by commas");
                a.op = Op::inject;
                a.host = HostRef::driver;
                a.flags = *fl;
                a.seq = SeqExpr{SeqExpr::Base::snd_nxt, 0};
                for (std::size_t i = 4; i < w.size(); ++i) {
                    auto eq = w[i].text.find('=');
                    if (eq == std::string_view::npos) return err(w[i].column, "expected KEY=VALUE");
                    auto k = w[i].text.substr(0, eq), v = w[i].text.substr(eq + 1);
                    if (k == "seq" || k == "ack") {
                        auto e = parse_expr(v);
                        if (!e) return err(w[i].column, "a number, or snd.nxt/snd.una/rcv.nxt with +N or -N");
                        (k == "seq" ? a.seq : a.ack) = *e;
                    } else if (k == "len") {
                        auto n = parse_u32(v);
                        if (!n || *n > 1400) return err(w[i].column, "len is 0..1400");
                        a.bytes = *n;
                    } else if (k == "wnd") {
                        auto n = parse_u32(v);
                        if (!n || *n > 0xffff) return err(w[i].column, "wnd is 0..65535");
                        a.wnd = static_cast<std::uint16_t>(*n);
                    } else {
                        return err(w[i].column, "unknown inject field '" + std::string(k) + "'");
                    }
                }
                next = w.size();
            } else {
                auto h = parse_host(verb);
                if (!h) return err(w[2].column, "unknown host or network action '" + std::string(verb) + "'");
                a.host = *h;
                if (w.size() < 4) return err(w[2].column, "missing action");
                std::string_view act = w[3].text;
                next = 4;
                auto need_bytes = [&](Op op) -> std::optional<ScriptError> {
                    if (w.size() < 5) return err(w[3].column, std::string(act) + " needs a byte count");
                    auto n = parse_u32(w[4].text);
                    if (!n || *n == 0 || *n > 1000000) return err(w[4].column, "a byte count is 1..1000000");
                    a.op = op;
                    a.bytes = *n;
                    next = 5;
                    return std::nullopt;
                };
                if (act == "listen" || act == "connect") {
                    a.op = act == "listen" ? Op::listen : Op::connect;
                    for (; next < w.size(); ++next) {
                        if (w[next].text == "keepalive") a.keepalive = true;
                        else if (w[next].text.substr(0, 4) == "iss=") {
                            auto n = parse_u32(w[next].text.substr(4));
                            if (!n) return err(w[next].column, "iss= takes a 32-bit number");
                            a.iss = *n;
                        } else {
                            return err(w[next].column, "unknown option '" + std::string(w[next].text) + "'");
                        }
                    }
                } else if (act == "send") {
                    if (auto e = need_bytes(Op::send)) return *e;
                } else if (act == "read") {
                    if (auto e = need_bytes(Op::read)) return *e;
                } else if (act == "close") {
                    a.op = Op::close;
                } else if (act == "shutdown") {
                    a.op = Op::shutdown;
                } else if (act == "abort") {
                    a.op = Op::abort;
                } else if (act == "crash") {
                    a.op = Op::crash;
                } else if (act == "expect") {
                    if (w.size() != 5) return err(w[3].column, "usage: at MS HOST expect STATE");
                    auto st = parse_state(w[4].text);
                    if (!st) return err(w[4].column, "unknown state '" + std::string(w[4].text) + "'");
                    a.op = Op::expect;
                    a.state = *st;
                    next = 5;
                } else {
                    return err(w[3].column, "unknown action '" + std::string(act) + "'");
                }
            }
            if (next < w.size()) return err(w[next].column, "unexpected '" + std::string(w[next].text) + "'");
            sc.actions.push_back(a);
        } else {
            return err(w[0].column, "unknown line '" + std::string(kw) + "'");
        }
        if (nl == text.size()) break;
    }
    if (!saw_header) return ScriptError{1, 1, "empty scenario: the first line must be 'synfin-live 1'"};
    if (!saw_end) return ScriptError{lineno, 1, "missing 'end MS' line (the scenario is truncated?)"};
    if (!sc.actions.empty() && sc.actions.back().at > sc.end)
        return ScriptError{sc.actions.back().line, 1, "an action comes after the end time"};
    return sc;
}

// ---- a checker trace as a held-network scenario -------------------------------------------------

std::variant<Script, std::string> script_from_trace(std::string_view text, Role role, std::int64_t tick_ms) {
    using namespace synfin::suite;
    auto parsed = parse_trace(text);
    if (auto* e = std::get_if<TraceError>(&parsed))
        return "line " + std::to_string(e->line) + ":" + std::to_string(e->column) + ": " + e->message;
    const Trace& t = std::get<Trace>(parsed);
    auto config = config_named(t.config);
    if (!config) return "unknown configuration '" + t.config + "' (see 'synfin list')";
    const System<seq_bits> sys(*config);
    const Config& cfg = sys.config();
    const int d = role == Role::client ? 0 : 1; // host 0 is the suite's client
    const int k = 1 - d;
    auto ref = [](int h) { return h == 0 ? HostRef::client : HostRef::server; };
    const std::uint32_t mod = 1u << seq_bits, mask = mod - 1;

    Script sc;
    sc.name = "trace " + t.config + " (" + t.property + ")";
    sc.held = true;
    sc.seq_bits = seq_bits;
    // The driver's host is the trace's own host, its ticks made real.
    Profile dp = cfg.host[d].profile;
    for (Duration* x : {&dp.msl, &dp.time_wait, &dp.rto_initial, &dp.rto_max, &dp.rto_min, &dp.fin_wait_2_timeout, &dp.delayed_ack,
                        &dp.user_timeout, &dp.keepalive_time, &dp.keepalive_intvl})
        *x *= tick_ms;
    sc.driver_profile = dp;
    // The live host gets the sysctls that bring Linux nearest to the trace's host: its retry
    // limits and timeouts in ticks, and no options (the checker's segments carry none).
    const Profile& kp = cfg.host[k].profile;
    auto sysctl = [&](const char* key, long long v) { sc.sysctls.emplace_back(std::string("net.ipv4.") + key, std::to_string(v)); };
    auto seconds = [&](Duration ticks) { return std::max<long long>(1, (ticks * tick_ms + 999) / 1000); };
    if (kp.syn_retries != unbounded) sysctl("tcp_syn_retries", kp.syn_retries);
    sysctl("tcp_syn_linear_timeouts", kp.syn_linear_timeouts);
    if (kp.synack_retries != unbounded) sysctl("tcp_synack_retries", kp.synack_retries);
    else sc.notes.push_back("the trace's live-side host retries SYN+ACK forever; Linux's limit stays at its default");
    if (kp.data_retries != unbounded) sysctl("tcp_retries2", kp.data_retries);
    sysctl("tcp_timestamps", 0);
    sysctl("tcp_sack", 0);
    sysctl("tcp_window_scaling", 0);
    sysctl("tcp_invalid_ratelimit", 0);
    sysctl("tcp_rfc1337", kp.rfc1337 ? 1 : 0);
    // Linux's RTO after the handshake is tcp_rto_min plus srtt and timer granularity, up to 80 ms
    // here (conformance F2); the trace's is a tick, like the SYN's. Just under a tick, so that the
    // live retransmission comes before the trace's next step.
    sysctl("tcp_rto_min_us", std::max<Duration>(kp.rto_initial, 1) * tick_ms * 950);
    if (kp.fin_wait_2_timeout > 0) sysctl("tcp_fin_timeout", seconds(kp.fin_wait_2_timeout));
    if (kp.keepalive) {
        sysctl("tcp_keepalive_time", seconds(kp.keepalive_time));
        sysctl("tcp_keepalive_intvl", seconds(kp.keepalive_intvl));
        sysctl("tcp_keepalive_probes", kp.keepalive_probes);
    }
    if (kp.time_wait * tick_ms != 60000)
        sc.notes.push_back("the trace's live-side host keeps TIME-WAIT " + std::to_string(kp.time_wait * tick_ms) +
                           " ms; Linux keeps it 60 s (TCP_TIMEWAIT_LEN, no sysctl)");

    constexpr std::int64_t start = 100, step_ms = 20, kernel_timer_margin = 60;
    std::int64_t cursor = start, ticks = 0;
    std::array<std::array<std::int64_t, timer_count>, 2> armed_at{}, armed_tick{}, due_tick{};
    for (auto& h : due_tick) h.fill(-1);
    std::uint32_t d_iss32 = 0;
    std::uint8_t d_iss3 = 0, d_last_nxt3 = 0;
    bool d_opened = false;
    // The driver's 32-bit ISS for a trace's ISS: congruent to it and nearest to the last
    // incarnation's numbers, so that old segments fall where they fell in the trace.
    auto driver_iss = [&](std::uint8_t iss3) {
        if (!d_opened) {
            d_iss32 = 0x40000000u + iss3;
        } else {
            std::uint32_t last_nxt32 = d_iss32 + ((d_last_nxt3 - d_iss3) & mask);
            auto delta = static_cast<std::int32_t>((iss3 - d_last_nxt3) & mask);
            if (delta >= static_cast<std::int32_t>(mod / 2)) delta -= static_cast<std::int32_t>(mod);
            d_iss32 = last_nxt32 + static_cast<std::uint32_t>(delta);
        }
        d_iss3 = iss3;
        d_last_nxt3 = iss3;
        d_opened = true;
        return d_iss32;
    };

    using Img = std::tuple<std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t>;
    auto img = [](const Packet& p) { return Img{static_cast<std::uint8_t>(p.flags & 0x17), p.seq, p.ack, p.len}; };
    auto bag = [&](const SystemState<seq_bits>& st, int c) {
        std::multiset<Img> b;
        for (std::size_t i = 0; i < st.channel[c].count; ++i) b.insert(img(st.channel[c][i]));
        return b;
    };
    std::size_t step_no = 0; // actions name the trace step they come from, as their line
    auto push = [&](Action x, HostRef host, std::int64_t at) {
        x.at = at;
        x.line = step_no;
        x.host = host;
        sc.actions.push_back(x);
    };
    auto image_action = [&](Op op, int from, const Img& m, std::int64_t at, std::optional<std::uint32_t> iss = std::nullopt) {
        Action x;
        x.op = op;
        x.iss = iss;
        x.to = ref(1 - from);
        x.image.flags = Flags(std::get<0>(m));
        x.image.seq = std::get<1>(m);
        x.image.ack = std::get<2>(m);
        x.image.len = std::get<3>(m);
        push(x, ref(from), at);
    };

    auto s = sys.initial();
    std::vector<synfin::Action> all = t.stem;
    all.insert(all.end(), t.cycle.begin(), t.cycle.end());
    if (!t.cycle.empty())
        sc.notes.push_back("the trace is a lasso: its cycle (" + std::to_string(t.cycle.size()) + " steps) is played once");
    for (std::size_t i = 0; i < all.size(); ++i) {
        const synfin::Action a = all[i];
        step_no = i + 1;
        if (!enabled(sys, s, a)) return "step " + std::to_string(i + 1) + " is not enabled: not a trace of " + t.config;
        std::int64_t at = cursor;
        std::optional<int> removed_from; // a packet the step takes out of a channel
        Img removed{};
        int sender = a.host;            // whose segments this step sends
        switch (a.kind) {
        case ActionKind::tick:
            ++ticks;
            at = cursor = std::max(cursor, start + ticks * tick_ms);
            break;
        case ActionKind::timeout: {
            // The host's own timer does it; later steps wait until it has.
            auto ti = static_cast<std::size_t>(a.arg);
            const std::int64_t fire = armed_at[a.host][ti] + (due_tick[a.host][ti] - armed_tick[a.host][ti]) * tick_ms;
            at = cursor = std::max(cursor, fire + (a.host == k ? kernel_timer_margin : 5));
            break;
        }
        case ActionKind::user: {
            const ScriptStep& st = cfg.host[a.host].script[s.host[a.host].pc];
            Action x;
            switch (st.action) {
            case UserAction::connect: x.op = Op::connect; break;
            case UserAction::listen: x.op = Op::listen; break;
            case UserAction::send: x.op = Op::send; x.bytes = st.bytes; break;
            case UserAction::close: x.op = Op::close; break;
            case UserAction::shutdown: x.op = Op::shutdown; break;
            case UserAction::abort: x.op = Op::abort; break;
            case UserAction::receive: x.op = Op::read; x.bytes = st.bytes; break;
            }
            if (x.op == Op::connect || x.op == Op::listen) {
                x.keepalive = cfg.host[a.host].profile.keepalive;
                const auto iss3 = static_cast<std::uint8_t>(a.arg);
                if (a.host == d) {
                    x.iss = driver_iss(iss3);
                } else {
                    x.iss = iss3; // the live stack picks its own; images use the trace's
                }
            }
            push(x, ref(a.host), at);
            break;
        }
        case ActionKind::deliver:
        case ActionKind::lose:
        case ActionKind::duplicate: {
            const Img m = img(s.channel[a.host][packet_index(a)]);
            // A listener's fresh ISS for this SYN (a later attempt): the driver's host takes it.
            std::optional<std::uint32_t> fresh;
            if (a.kind == ActionKind::deliver && a.host != d && chosen_iss(a) >= 0)
                fresh = driver_iss(static_cast<std::uint8_t>(chosen_iss(a)));
            image_action(a.kind == ActionKind::deliver ? Op::deliver : a.kind == ActionKind::lose ? Op::drop : Op::duplicate,
                         a.host, m, at, fresh);
            if (a.kind != ActionKind::duplicate) {
                removed_from = a.host;
                removed = m;
            }
            sender = 1 - a.host;
            break;
        }
        case ActionKind::crash:
            if (a.host == k)
                return std::string("step ") + std::to_string(i + 1) + " crashes host " + std::string(synfin::host_name(a.host)) +
                       ", which the live stack plays in this role: a live stack cannot be crashed from here (play role " +
                       (role == Role::client ? "server" : "client") + ")";
            {
                Action x;
                x.op = Op::crash;
                push(x, ref(d), at);
            }
            break;
        }
        const auto before = s;
        synfin::Outcome<seq_bits> out;
        s = sys.apply(s, a, &out);
        // Segments that leave the network with no step of their own (a full channel, or older
        // than MSL) are dropped from the held network too.
        for (int c = 0; c < 2; ++c) {
            auto expected = bag(before, c);
            if (removed_from == c) expected.erase(expected.find(removed));
            if (a.kind == ActionKind::duplicate && a.host == c) expected.insert(img(before.channel[c][a.arg]));
            if (sender == c && a.kind != ActionKind::tick)
                for (std::size_t j = 0; j < out.sent_count; ++j) expected.insert(img(to_packet<seq_bits>(out.sent[j], 0, 0)));
            const auto actual = bag(s, c);
            for (const auto& m : actual) {
                auto it = expected.find(m);
                if (it != expected.end()) expected.erase(it);
            }
            for (const auto& m : expected) image_action(Op::drop, c, m, at);
        }
        // Timers (re)armed by this step: when, and for how many ticks.
        for (int h = 0; h < 2; ++h)
            for (std::size_t ti = 0; ti < timer_count; ++ti) {
                const Time rel = s.host[h].tcb.deadline[ti];
                const std::int64_t due = rel == never ? -1 : ticks + rel;
                if (due != due_tick[h][ti] && due >= 0) {
                    armed_at[h][ti] = at;
                    armed_tick[h][ti] = ticks;
                }
                due_tick[h][ti] = due;
            }
        const State ds = s.host[d].tcb.state;
        if (ds != State::closed && ds != State::listen) d_last_nxt3 = static_cast<std::uint8_t>(s.host[d].tcb.snd_nxt.value());
        // What the trace says each host is now.
        for (int h : {d, k}) {
            Action x;
            x.op = Op::expect;
            x.state = s.host[h].tcb.state;
            push(x, ref(h), at + step_ms / 2);
        }
        cursor = at + step_ms;
    }
    // A deadlock or a lasso claims that nothing more happens: watch for three ticks. (Within the
    // trace, a timer may fire live a little before the trace's step that would have cancelled
    // it: ticks order timers only to the tick, real time to the millisecond.)
    const bool quiet = t.property == "no_deadlock" || !t.cycle.empty();
    sc.surplus_from = cursor;
    sc.surplus_until = quiet ? cursor + 3 * tick_ms : cursor;
    sc.end = quiet ? sc.surplus_until : cursor + 1500;
    for (std::size_t j = 0; j < s.channel[k].count; ++j) {
        const Packet& p = s.channel[k][j];
        sc.kernel_in_flight_at_end.push_back(Image{Flags(static_cast<std::uint8_t>(p.flags & 0x17)), p.seq, p.ack, p.len});
    }
    return sc;
}

// ---- the Linux profile from sysctls --------------------------------------------------------------

const std::vector<std::string>& profile_sysctls() {
    static const std::vector<std::string> names{
        "net.ipv4.tcp_syn_retries",      "net.ipv4.tcp_synack_retries",    "net.ipv4.tcp_retries2",
        "net.ipv4.tcp_orphan_retries",   "net.ipv4.tcp_fin_timeout",       "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_keepalive_intvl",  "net.ipv4.tcp_keepalive_probes",  "net.ipv4.tcp_rfc1337",
        "net.ipv4.tcp_sack",             "net.ipv4.tcp_timestamps",        "net.ipv4.tcp_window_scaling",
        "net.ipv4.tcp_rmem",             "net.core.rmem_max",              "net.ipv4.tcp_syn_linear_timeouts",
        "net.ipv4.tcp_invalid_ratelimit", "net.ipv4.tcp_challenge_ack_limit", "net.ipv4.tcp_rto_max_ms",
        "net.ipv4.tcp_rto_min_us",       "net.ipv4.tcp_syncookies",        "net.ipv4.tcp_ecn",
    };
    return names;
}

namespace {
std::optional<std::int64_t> sysctl_int(const Sysctls& s, const std::string& k, std::size_t field = 0) {
    auto it = s.find(k);
    if (it == s.end()) return std::nullopt;
    std::istringstream in(it->second);
    std::int64_t v = 0;
    for (std::size_t i = 0; i <= field; ++i)
        if (!(in >> v)) return std::nullopt;
    return v;
}
} // namespace

Profile linux_profile(const Sysctls& s, std::vector<std::string>* unmodelled) {
    Profile p = profiles::linux_default();
    auto get = [&](const char* k, std::size_t field = 0) { return sysctl_int(s, k, field); };
    if (auto v = get("net.ipv4.tcp_syn_retries")) p.syn_retries = static_cast<int>(*v);
    if (auto v = get("net.ipv4.tcp_syn_linear_timeouts")) p.syn_linear_timeouts = static_cast<int>(*v);
    if (auto v = get("net.ipv4.tcp_synack_retries")) p.synack_retries = static_cast<int>(*v);
    if (auto v = get("net.ipv4.tcp_retries2")) p.data_retries = static_cast<int>(*v);
    if (auto v = get("net.ipv4.tcp_fin_timeout")) p.fin_wait_2_timeout = *v * profiles::second;
    if (auto v = get("net.ipv4.tcp_keepalive_time")) p.keepalive_time = *v * profiles::second;
    if (auto v = get("net.ipv4.tcp_keepalive_intvl")) p.keepalive_intvl = *v * profiles::second;
    if (auto v = get("net.ipv4.tcp_keepalive_probes")) p.keepalive_probes = static_cast<int>(*v);
    if (auto v = get("net.ipv4.tcp_rfc1337")) p.rfc1337 = *v != 0;
    if (auto v = get("net.ipv4.tcp_sack")) p.sack = *v != 0;
    if (auto v = get("net.ipv4.tcp_timestamps")) p.timestamps = *v != 0;
    if (auto v = get("net.ipv4.tcp_rto_max_ms")) p.rto_max = *v;
    if (auto v = get("net.ipv4.tcp_invalid_ratelimit"); v && *v >= 0) p.invalid_ack_ratelimit = *v;
    {
        auto rmem2 = get("net.ipv4.tcp_rmem", 2);
        auto rmax = get("net.core.rmem_max");
        if (rmem2 || rmax) p.wscale = linux_wscale(static_cast<std::uint64_t>(rmem2.value_or(6291456)),
                                                   static_cast<std::uint64_t>(rmax.value_or(212992)));
    }
    if (auto v = get("net.ipv4.tcp_window_scaling"); v && *v == 0) p.wscale = no_wscale;
    if (!unmodelled) return p;
    auto say = [&](std::string line) { unmodelled->push_back(std::move(line)); };
    if (auto v = get("net.ipv4.tcp_challenge_ack_limit"); v && *v < 1000000)
        say("tcp_challenge_ack_limit=" + std::to_string(*v) + ": challenge ACKs are limited per second; the model has no limit");
    if (auto v = get("net.ipv4.tcp_orphan_retries"); v && *v != p.data_retries)
        say("tcp_orphan_retries=" + std::to_string(*v) + (*v == 0 ? " (8)" : "") +
            ": an orphan's retransmissions are limited by it, not tcp_retries2; the model uses data_retries");
    if (auto v = get("net.ipv4.tcp_rto_min_us"); v && *v > 0) p.rto_min = std::max<std::int64_t>(1, *v / 1000);
    return p;
}

bool set_knob(Profile& p, std::string_view knob, std::string_view value) {
    auto v = synfin::signed_decimal(value);
    if (!v || *v < -1 || *v > 100000000) return false;
    auto i = static_cast<int>(*v);
    if (knob == "syn_retries") p.syn_retries = i;
    else if (knob == "synack_retries") p.synack_retries = i;
    else if (knob == "data_retries") p.data_retries = i;
    else if (knob == "rto_initial") p.rto_initial = *v;
    else if (knob == "rto_min") p.rto_min = *v;
    else if (knob == "delayed_ack") p.delayed_ack = *v;
    else if (knob == "fin_wait_2_timeout") p.fin_wait_2_timeout = *v;
    else if (knob == "keepalive") p.keepalive = *v != 0;
    else if (knob == "keepalive_time") p.keepalive_time = *v;
    else if (knob == "keepalive_intvl") p.keepalive_intvl = *v;
    else if (knob == "keepalive_probes") p.keepalive_probes = i;
    else if (knob == "timestamps") p.timestamps = *v != 0;
    else if (knob == "sack") p.sack = *v != 0;
    else if (knob == "wscale") { if (*v > 14 && *v != no_wscale) return false; p.wscale = static_cast<std::uint8_t>(*v); }
    else if (knob == "mss") { if (*v < 0 || *v > 0xffff) return false; p.mss = static_cast<std::uint16_t>(*v); }
    else if (knob == "rcv_wnd") { if (*v <= 0) return false; p.rcv_wnd = static_cast<std::uint32_t>(*v); }
    else return false;
    return true;
}

namespace {

// ---- one host on the model -----------------------------------------------------------------------

using Event = std::variant<Open<S>, Send, Receive, Close, Abort, SegmentArrives<S>, Timeout>;

struct Logged {
    Event event;
    Time at = 0;
    std::string cause; // what the segments it makes are predicted as ("reply to SYN", ...)
};

struct ModelHost {
    Profile profile;
    Tcb<S> tcb{};
    std::array<Time, timer_count> armed_at{}; // when each deadline was last set (for tolerance)
    // The kernel's host: the ISS is not known until its SYN is seen. The incarnation since the
    // last Open runs with a placeholder and is run again with the real ISS then (step is pure).
    std::vector<Logged> log;
    bool synced = true;
    std::size_t consumed = 0; // segments of this incarnation already matched on the wire
    std::size_t consumed_skip = 0; // while running it again: outputs already matched, not predicted again
    std::uint64_t incarnation = 0;

    Effects<S> apply(const Event& e, Time now) {
        auto before = tcb.deadline;
        StepResult<S> r = std::visit([&](const auto& ev) { return step(tcb, ev, now, profile); }, e);
        tcb = r.tcb;
        for (std::size_t i = 0; i < timer_count; ++i)
            if (tcb.deadline[i] != before[i]) armed_at[i] = now;
        return r.effects;
    }
};

// The frame's first 128 bytes (Ethernet, IP, TCP headers and options), as hex rows.
std::string live_bytes(const std::vector<std::uint8_t>& f) {
    if (f.empty()) return "    (simulated: no bytes)\n";
    const std::size_t n = std::min<std::size_t>(f.size(), 128);
    std::string out = driver::hex_dump(std::span<const std::uint8_t>(f.data(), n));
    if (n < f.size()) out += "    ... " + std::to_string(f.size()) + " bytes in all\n";
    return out;
}

std::string notices_text(std::uint16_t n) {
    static constexpr std::array<const char*, 8> names{"established", "data acked", "data delivered", "peer closed",
                                                      "reset", "refused", "timed out", "closed"};
    std::string o;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (n & (1u << i)) o += (o.empty() ? "" : ", ") + std::string(names[i]);
    return o;
}

// ---- the live side, abstracted -----------------------------------------------------------------

using Micros = std::int64_t;

struct Seen {
    Seg seg{};
    std::vector<std::uint8_t> frame;
    Micros at = 0;
    bool checksum_filled = false;
};

// A user call's outcome in the terms both a socket and the model can give.
struct CallResult {
    bool performed = true;
    enum class Kind : std::uint8_t { ok, again, eof, error } kind = Kind::ok;
    std::uint32_t bytes = 0;
    std::string error; // errno name
    std::string text;  // what was done, for the log
};

class Peer {
public:
    virtual ~Peer() = default;
    virtual Micros now() = 0;
    virtual int send(const Seg& seg, std::vector<std::uint8_t>* frame) = 0;
    // The next segment from the live host before `until`, or nothing when it is reached.
    virtual std::optional<Seen> wait(Micros until, std::string& error) = 0;
    virtual CallResult call(const Action& a) = 0;
    // The live host's state for the scenario's 4-tuple, if this peer can tell.
    virtual std::optional<State> live_state(std::string& detail) = 0;
    virtual void tick() {}
};

std::string errno_name(int e) {
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOTCONN: return "ENOTCONN";
    case EINPROGRESS: return "EINPROGRESS";
    case EADDRINUSE: return "EADDRINUSE";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    default: return std::string("errno ") + std::to_string(e) + " (" + std::strerror(e) + ")";
    }
}

// What a socket call would return, according to the model's effects for the same call.
CallResult model_result(Op op, const Effects<S>& fx, const Tcb<S>& after) {
    CallResult r;
    if (fx.error != UserError::ok) {
        r.kind = CallResult::Kind::error;
        switch (after.reason) {
        case CloseReason::reset: r.error = "ECONNRESET"; break;
        case CloseReason::refused: r.error = "ECONNREFUSED"; break;
        case CloseReason::timed_out: r.error = "ETIMEDOUT"; break;
        default: r.error = name(fx.error); break;
        }
        return r;
    }
    if (op == Op::read) {
        if (fx.bytes_read > 0) { r.kind = CallResult::Kind::ok; r.bytes = fx.bytes_read; }
        else if (fx.eof) r.kind = CallResult::Kind::eof;
        else r.kind = CallResult::Kind::again;
    }
    return r;
}

std::string describe(const CallResult& r) {
    switch (r.kind) {
    case CallResult::Kind::ok: return r.bytes ? std::to_string(r.bytes) + " bytes" : "ok";
    case CallResult::Kind::again: return "nothing to read (EAGAIN)";
    case CallResult::Kind::eof: return "end of file";
    case CallResult::Kind::error: return "error " + r.error;
    }
    return "?";
}

// ---- the simulated peer (--simulate): the live host is the model itself ---------------------------

class SimPeer final : public Peer {
public:
    SimPeer(Profile p, std::uint32_t iss) : iss_(iss) { host_.profile = p; }

    Micros now() override { return now_; }

    int send(const Seg& seg, std::vector<std::uint8_t>* frame) override {
        if (frame) frame->clear();
        queue(host_.apply(SegmentArrives<S>{seg}, now_ / 1000));
        return 0;
    }

    std::optional<Seen> wait(Micros until, std::string&) override {
        for (;;) {
            Micros out_at = out_.empty() ? std::numeric_limits<Micros>::max() : out_.front().at;
            Deadline d = next_deadline(host_.tcb);
            Micros timer_at = d.at == never ? std::numeric_limits<Micros>::max() : d.at * 1000;
            if (out_at <= until && out_at <= timer_at) {
                Seen s = out_.front();
                out_.pop_front();
                now_ = std::max(now_, s.at);
                return s;
            }
            if (timer_at <= until) {
                now_ = std::max(now_, timer_at);
                queue(host_.apply(Timeout{d.timer}, d.at));
                continue;
            }
            now_ = std::max(now_, until);
            return std::nullopt;
        }
    }

    CallResult call(const Action& a) override {
        Effects<S> fx;
        CallResult r;
        switch (a.op) {
        case Op::listen:
        case Op::connect:
            host_.profile.keepalive = a.keepalive;
            fx = host_.apply(Open<S>{a.op == Op::listen, S(iss_), 0x5000}, now_ / 1000);
            r.text = a.op == Op::listen ? "listen" : "connect";
            iss_ += 0x01000000;
            break;
        case Op::send: fx = host_.apply(Send{a.bytes}, now_ / 1000); r.text = "send"; break;
        case Op::read: fx = host_.apply(Receive{a.bytes}, now_ / 1000); r.text = "read"; break;
        case Op::close: fx = host_.apply(Close{true}, now_ / 1000); r.text = "close"; break;
        case Op::shutdown: fx = host_.apply(Close{false}, now_ / 1000); r.text = "shutdown"; break;
        case Op::abort: fx = host_.apply(Abort{}, now_ / 1000); r.text = "abort"; break;
        default: r.performed = false; return r;
        }
        auto m = model_result(a.op, fx, host_.tcb);
        m.text = r.text + (a.op == Op::read || a.op == Op::send ? " -> " + describe(m) : std::string()) + " (simulated)";
        queue(fx);
        return m;
    }

    std::optional<State> live_state(std::string& detail) override {
        detail = "simulated";
        return host_.tcb.state;
    }

private:
    void queue(const Effects<S>& fx) {
        for (const auto& seg : fx) {
            Seen s;
            s.seg = seg;
            s.at = now_ + 50; // 50 us on the simulated wire
            out_.push_back(s);
        }
    }

    ModelHost host_;
    std::uint32_t iss_;
    Micros now_ = 0;
    std::deque<Seen> out_;
};

// ---- the live peer: a stack reached through the raw-socket driver ------------------------------

class LivePeer final : public Peer {
public:
    LivePeer(driver::Driver& d, driver::Endpoint local, driver::Endpoint peer, Netns* ns)
        : drv_(d), local_(local), peer_(peer), ns_(ns), start_(driver::Clock::now()) {}

    ~LivePeer() override {
        for (int fd : {listen_fd_, conn_fd_, diag_fd_})
            if (fd >= 0) ::close(fd);
    }

    // Opens the sock_diag socket in the namespace, to read the live host's state.
    void open_diag() {
        if (!ns_) return;
        std::string err;
        ns_->run([&] { diag_fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG); }, err);
    }

    Micros now() override {
        return std::chrono::duration_cast<std::chrono::microseconds>(driver::Clock::now() - start_).count();
    }

    int send(const Seg& seg, std::vector<std::uint8_t>* frame) override { return drv_.send(seg, frame); }

    std::optional<Seen> wait(Micros until, std::string& error) override {
        int e = 0;
        auto in = drv_.receive(start_ + std::chrono::microseconds(until), e);
        if (e != 0) error = std::string("receive: ") + std::strerror(e);
        if (!in) return std::nullopt;
        Seen s;
        s.seg = in->seg;
        s.frame = std::move(in->frame);
        s.checksum_filled = in->checksum_filled;
        s.at = std::chrono::duration_cast<std::chrono::microseconds>(in->at - start_).count();
        return s;
    }

    void tick() override { try_accept(); }

    CallResult call(const Action& a) override {
        CallResult r;
        if (!ns_) {
            r.performed = false;
            r.text = "not performed (no --netns: the peer's application must do it)";
            return r;
        }
        auto fail = [&](const std::string& what, int e) {
            r.kind = CallResult::Kind::error;
            r.error = errno_name(e);
            r.text = what + ": " + r.error;
            return r;
        };
        switch (a.op) {
        case Op::listen:
        case Op::connect: {
            int fd = -1;
            std::string err;
            ns_->run([&] { fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }, err);
            if (fd < 0) return fail("socket", errno);
            int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (a.keepalive) ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            auto me = to_sockaddr(peer_);
            if (::bind(fd, reinterpret_cast<const sockaddr*>(&me), sizeof me) != 0) {
                int e = errno;
                ::close(fd);
                return fail("bind " + driver::to_string(peer_), e);
            }
            if (a.op == Op::listen) {
                if (::listen(fd, 8) != 0) {
                    int e = errno;
                    ::close(fd);
                    return fail("listen", e);
                }
                listen_fd_ = fd;
                r.text = "socket, bind " + driver::to_string(peer_) + ", listen" + (a.keepalive ? " (SO_KEEPALIVE)" : "");
            } else {
                auto to = to_sockaddr(local_);
                if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
                    int e = errno;
                    ::close(fd);
                    return fail("connect", e);
                }
                conn_fd_ = fd;
                r.text = "socket, bind " + driver::to_string(peer_) + ", connect " + driver::to_string(local_) +
                         " (non-blocking)" + (a.keepalive ? " (SO_KEEPALIVE)" : "");
            }
            return r;
        }
        case Op::send: {
            try_accept();
            if (conn_fd_ < 0) return fail("send: no connection accepted", ENOTCONN);
            std::vector<char> buf(a.bytes, 'k');
            ssize_t n = ::send(conn_fd_, buf.data(), buf.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0) return fail("send", errno);
            r.bytes = static_cast<std::uint32_t>(n);
            r.text = "send " + std::to_string(a.bytes) + " -> " + std::to_string(n);
            return r;
        }
        case Op::read: {
            try_accept();
            if (conn_fd_ < 0) return fail("read: no connection accepted", ENOTCONN);
            std::vector<char> buf(a.bytes);
            ssize_t n = ::recv(conn_fd_, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN) {
                    r.kind = CallResult::Kind::again;
                    r.text = "recv: EAGAIN";
                    return r;
                }
                return fail("recv", errno);
            }
            r.kind = n == 0 ? CallResult::Kind::eof : CallResult::Kind::ok;
            r.bytes = static_cast<std::uint32_t>(n);
            r.text = "recv " + std::to_string(a.bytes) + " -> " + std::to_string(n);
            return r;
        }
        case Op::close:
        case Op::abort: {
            try_accept();
            int& fd = conn_fd_ >= 0 ? conn_fd_ : listen_fd_;
            if (fd < 0) return fail("close: no socket", EBADF);
            if (a.op == Op::abort) {
                linger l{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            ::close(fd);
            fd = -1;
            r.text = a.op == Op::abort ? "SO_LINGER {1, 0}, close" : "close";
            return r;
        }
        case Op::shutdown: {
            try_accept();
            if (conn_fd_ < 0) return fail("shutdown: no connection", ENOTCONN);
            if (::shutdown(conn_fd_, SHUT_WR) != 0) return fail("shutdown", errno);
            r.text = "shutdown(SHUT_WR)";
            return r;
        }
        default: r.performed = false; return r;
        }
    }

    std::optional<State> live_state(std::string& detail) override {
        if (diag_fd_ < 0) return std::nullopt;
        struct {
            nlmsghdr nlh;
            inet_diag_req_v2 req;
        } msg{};
        msg.nlh.nlmsg_len = sizeof msg;
        msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        msg.nlh.nlmsg_flags = NLM_F_REQUEST;
        msg.nlh.nlmsg_seq = ++diag_seq_;
        msg.req.sdiag_family = AF_INET;
        msg.req.sdiag_protocol = IPPROTO_TCP;
        msg.req.idiag_states = ~0u;
        msg.req.id.idiag_sport = htons(peer_.port);
        msg.req.id.idiag_dport = htons(local_.port);
        msg.req.id.idiag_src[0] = htonl(peer_.addr);
        msg.req.id.idiag_dst[0] = htonl(local_.addr);
        msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
        msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (::sendto(diag_fd_, &msg, sizeof msg, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
            detail = std::string("sock_diag: ") + std::strerror(errno);
            return std::nullopt;
        }
        alignas(nlmsghdr) char buf[8192];
        for (;;) {
            ssize_t n = ::recv(diag_fd_, buf, sizeof buf, 0);
            if (n < 0) {
                detail = std::string("sock_diag: ") + std::strerror(errno);
                return std::nullopt;
            }
            auto len = static_cast<unsigned>(n);
            for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
                if (h->nlmsg_seq != diag_seq_) continue;
                if (h->nlmsg_type == NLMSG_ERROR) {
                    nlmsgerr e{};
                    std::memcpy(&e, NLMSG_DATA(h), sizeof e);
                    if (e.error == -ENOENT) {
                        // The 4-tuple has no socket; a listener on the port is the LISTEN TCB.
                        detail = listen_fd_ >= 0 ? "no connection, a listener" : "no socket";
                        return listen_fd_ >= 0 ? State::listen : State::closed;
                    }
                    detail = std::string("sock_diag: ") + std::strerror(-e.error);
                    return std::nullopt;
                }
                if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
                    inet_diag_msg m{};
                    std::memcpy(&m, NLMSG_DATA(h), sizeof m);
                    static constexpr std::array<std::pair<int, State>, 12> map{{
                        {1, State::established}, {2, State::syn_sent}, {3, State::syn_received}, {4, State::fin_wait_1},
                        {5, State::fin_wait_2}, {6, State::time_wait}, {7, State::closed}, {8, State::close_wait},
                        {9, State::last_ack}, {10, State::listen}, {11, State::closing}, {12, State::syn_received}}};
                    for (auto [k, st] : map)
                        if (k == m.idiag_state) {
                            detail = "kernel socket state " + std::to_string(k);
                            return st;
                        }
                    detail = "unknown kernel state " + std::to_string(m.idiag_state);
                    return std::nullopt;
                }
            }
        }
    }

private:
    void try_accept() {
        if (listen_fd_ < 0 || conn_fd_ >= 0) return;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        conn_fd_ = fd;
        // The model's LISTEN TCB becomes the connection: the listener goes, as after one accept.
        ::close(listen_fd_);
        listen_fd_ = -1;
    }

    driver::Driver& drv_;
    driver::Endpoint local_, peer_;
    Netns* ns_;
    driver::Clock::time_point start_;
    int listen_fd_ = -1, conn_fd_ = -1, diag_fd_ = -1;
    std::uint32_t diag_seq_ = 0;
};

// ---- the engine ----------------------------------------------------------------------------------

struct Prediction {
    Seg seg{};
    Micros earliest = 0, latest = 0;
    std::string cause;
    std::uint64_t incarnation = 0;
};

class Engine {
public:
    Engine(const Script& sc, const Options& o, Peer& peer, Profile kernel, Profile drv, std::FILE* out)
        : sc_(sc), o_(o), peer_(peer), out_(out) {
        k_.profile = kernel;
        d_.profile = drv;
    }

    Outcome run() {
        std::size_t next = 0;
        const Micros end = scaled(sc_.end);
        for (;;) {
            // Segments that have already arrived come first, at their arrival times: if this
            // process was held up, they must not be taken for late or missing.
            for (;;) {
                std::string err;
                auto seen = peer_.wait(peer_.now(), err);
                if (!err.empty()) {
                    result_.verdict = Verdict::error;
                    result_.message = err;
                    return finish();
                }
                if (!seen) break;
                on_seen(*seen);
                if (stopped()) return finish();
            }
            Micros now = peer_.now();
            peer_.tick();
            // Script actions that are due, in order. A held segment the trace names may not have
            // arrived yet: then the actions wait for it.
            bool waiting = false;
            while (!stopped() && next < sc_.actions.size() && scaled(sc_.actions[next].at) <= now) {
                if (!perform(sc_.actions[next], now)) {
                    waiting = true;
                    break;
                }
                late(now - scaled(sc_.actions[next].at), "line " + std::to_string(sc_.actions[next].line));
                ++next;
                now = peer_.now();
            }
            if (stopped()) break;
            // The driver's timers.
            for (Deadline dd = next_deadline(d_.tcb); dd.at != never && dd.at <= ms(now); dd = next_deadline(d_.tcb)) {
                late(now - dd.at * 1000, "the driver's " + std::string(name(dd.timer)) + " timer");
                log(now, "driver", std::string(name(dd.timer)) + " timer (due " + std::to_string(dd.at) + " ms)");
                d_time_ = std::max(d_time_, ms(now));
                emit_driver(d_.apply(Timeout{dd.timer}, d_time_), now);
                if (stopped()) break;
            }
            if (stopped()) break;
            // The kernel's timers, on the model, at their deadlines.
            fire_kernel_timers(ms(now));
            if (!expected_.empty() && now > expected_.front().latest) {
                const auto& p = expected_.front();
                diverge(now, "expected from the kernel by " + fmt_ms(p.latest) + " ms: " + fmt_seg(p.seg, false) +
                                 "   [" + p.cause + "]\n  seen: nothing",
                        "missing: " + flags_len(p.seg) + " [" + p.cause + "] in " + std::string(name(k_.tcb.state)));
                break;
            }
            const bool pending = !expected_.empty() && expected_.front().earliest <= end;
            if (now >= end && !pending && next >= sc_.actions.size()) break;
            // Sleep until the next thing due, or a segment.
            Micros until = pending ? expected_.front().latest + 1 : now < end ? end : now + 2000;
            if (next < sc_.actions.size() && !waiting) until = std::min(until, scaled(sc_.actions[next].at));
            if (auto dd = next_deadline(d_.tcb); dd.at != never) until = std::min(until, dd.at * 1000);
            if (auto kd = next_deadline(k_.tcb); kd.at != never) until = std::min(until, kd.at * 1000);
            until = std::min(until, now + (waiting ? 2000 : 200000)); // poll the accept queue now and then
            if (until < now) until = now;
            std::string err;
            auto seen = peer_.wait(until, err);
            if (!err.empty()) {
                result_.verdict = Verdict::error;
                result_.message = err;
                return finish();
            }
            if (seen) on_seen(*seen);
            if (stopped()) break;
        }
        return finish();
    }

private:
    const Script& sc_;
    Options o_;
    Peer& peer_;
    std::FILE* out_;
    ModelHost d_, k_;
    std::deque<Prediction> expected_;
    int lose_to_kernel_ = 0, lose_to_driver_ = 0;
    std::optional<Seg> last_sent_, last_fin_;
    std::optional<std::uint32_t> d_iss_, k_isn_;
    // The held network: segments in flight, with the kernel's ISN and the trace's ISS for the
    // kernel's host when they were sent (to compute their images).
    struct Held {
        Seg seg{};
        std::uint32_t isn = 0, trace_iss = 0;
        Micros at = 0;
    };
    std::deque<Held> held_to_kernel_, held_to_driver_;
    // The trace's ISS for the kernel's host, paired with the live ISN once that is learnt.
    std::uint32_t k_trace_iss_ = 0, k_trace_iss_next_ = 0;
    Outcome result_{Verdict::conforms, {}, {}, {}, 0, 0};
    std::set<std::string> note_keys_;
    bool done_ = false;

    [[nodiscard]] bool stopped() const { return done_; }

    // How late this process did what the scenario or the driver's timers asked (a busy machine).
    Micros max_late_ = 0;
    std::string max_late_at_;
    void late(Micros by, const std::string& what) {
        if (by > max_late_) {
            max_late_ = by;
            max_late_at_ = what;
        }
        if (by > tol()) log(peer_.now(), "late", what + " ran " + fmt_ms(by) + " ms late (machine busy?)");
    }
    Time d_time_ = 0; // the driver's model never goes back in time
    bool kernel_error_reported_ = false; // a kernel call already returned the connection's error
    [[nodiscard]] Micros scaled(std::int64_t t) const { return static_cast<Micros>(std::llround(static_cast<double>(t) * o_.time_scale * 1000.0)); }
    static Time ms(Micros us) { return us / 1000; }
    static std::string fmt_ms(Micros us) {
        char b[32];
        std::snprintf(b, sizeof b, "%.1f", static_cast<double>(us) / 1000.0);
        return b;
    }

    [[nodiscard]] bool is_driver(HostRef h) const {
        switch (h) {
        case HostRef::driver: return true;
        case HostRef::kernel: return false;
        case HostRef::client: return o_.role == Role::client;
        case HostRef::server: return o_.role == Role::server;
        }
        return false;
    }

    void log(Micros t, const std::string& who, const std::string& what) {
        if (hold_log_) {
            held_.emplace_back(t, who, what);
            return;
        }
        std::fprintf(out_, "%9s ms  %-7s %s\n", fmt_ms(t).c_str(), who.c_str(), what.c_str());
        std::fflush(out_);
    }

    // seq/ack relative to the initial sequence numbers, as the reader thinks of them.
    [[nodiscard]] std::string fmt_seg(const Seg& s, bool from_driver) const {
        auto rel = [](S v, std::optional<std::uint32_t> base) {
            if (!base) return std::to_string(v.value()) + "(abs)";
            return std::to_string(static_cast<std::int64_t>(static_cast<std::int32_t>(v.value() - *base)));
        };
        const auto& own = from_driver ? d_iss_ : k_isn_;
        const auto& other = from_driver ? k_isn_ : d_iss_;
        std::string o = to_string(s.flags) + " seq=" + rel(s.seq, own);
        if (s.flags.ack()) o += " ack=" + rel(s.ack, other);
        o += " len=" + std::to_string(s.len) + " win=" + std::to_string(s.wnd);
        std::string opts;
        auto add = [&](const std::string& x) { opts += (opts.empty() ? "" : ",") + x; };
        if (s.opt.has_mss()) add("mss " + std::to_string(s.opt.mss));
        if (s.opt.sack_permitted) add("sackOK");
        if (s.opt.timestamps) add("TS");
        if (s.opt.has_wscale()) add("ws " + std::to_string(s.opt.wscale));
        if (!opts.empty()) o += " <" + opts + ">";
        return o;
    }

    void diverge(Micros t, const std::string& what, std::string cls) {
        log(t, "DIVERGE", what);
        result_.verdict = Verdict::diverges;
        result_.message = what;
        result_.kind = std::move(cls);
        done_ = true;
    }
    static std::string flags_len(const Seg& s) {
        return to_string(Flags(static_cast<std::uint8_t>(s.flags.bits & 0x17))) + (s.len ? " len>0" : "");
    }

    void note(const std::string& key, const std::string& text) {
        if (note_keys_.insert(key).second) result_.notes.push_back(text);
    }

    // ---- the driver's host ----

    void emit_driver(const Effects<S>& fx, Micros now) {
        if (fx.notices) log(now, "driver", "notice: " + notices_text(fx.notices) + " -> " + std::string(name(d_.tcb.state)));
        for (const auto& seg : fx) {
            if (stopped()) return;
            send_from_driver(seg, now, "sent");
        }
    }

    void send_from_driver(const Seg& seg, Micros now, const std::string& verb) {
        if (sc_.held && verb == "sent") {
            held_to_kernel_.push_back({seg, k_isn_.value_or(0), k_trace_iss_, now});
            log(now, "held", fmt_seg(seg, true) + "   (driver->kernel: " + image_text(image_of(held_to_kernel_.back(), true)) + ")");
            return;
        }
        last_sent_ = seg;
        if (seg.flags.fin()) last_fin_ = seg;
        if (lose_to_kernel_ != 0) {
            if (lose_to_kernel_ > 0) --lose_to_kernel_;
            log(now, verb, fmt_seg(seg, true) + "   (lost: not sent)");
            return;
        }
        std::vector<std::uint8_t> frame;
        int e = peer_.send(seg, &frame);
        if (e == EMSGSIZE) {
            // The model's own host made a segment the link cannot carry: a defect of the model
            // (its MSS does not allow for TCP options, docs/conformance.md F3), not of the link.
            const std::size_t ip = 20 + wire::header_length(seg.opt) + seg.len;
            diverge(now, "the driver's host (the model) sent " + fmt_seg(seg, true) + ": " + std::to_string(ip) +
                             " bytes of IP, more than the link's MTU (" + std::to_string(seg.len) + " bytes of data with " +
                             std::to_string(wire::header_length(seg.opt) - 20) + " bytes of TCP options)",
                    "oversize: the driver's host sent a segment larger than the MTU");
            return;
        }
        if (e != 0) {
            result_.verdict = Verdict::error;
            result_.message = std::string("sending: ") + std::strerror(e);
            done_ = true;
            return;
        }
        ++result_.sent;
        log(now, verb, fmt_seg(seg, true));
        if (o_.verbose && !frame.empty()) std::fputs(driver::hex_dump(frame).c_str(), out_);
        kernel_event(SegmentArrives<S>{seg}, now, "reply to " + to_string(seg.flags));
    }

    void driver_user(const Action& a, Micros now) {
        Effects<S> fx;
        std::string what;
        const Time t = d_time_ = std::max(d_time_, ms(now));
        switch (a.op) {
        case Op::listen:
        case Op::connect: {
            d_.profile.keepalive = a.keepalive || d_.profile.keepalive;
            std::uint32_t iss = a.iss.value_or(1000);
            d_iss_ = iss;
            fx = d_.apply(Open<S>{a.op == Op::listen, S(iss), 100000}, t);
            what = std::string(a.op == Op::listen ? "listen" : "connect") + " iss=" + std::to_string(iss);
            break;
        }
        case Op::send: fx = d_.apply(Send{a.bytes}, t); what = "send " + std::to_string(a.bytes); break;
        case Op::read: fx = d_.apply(Receive{a.bytes}, t); what = "read " + std::to_string(a.bytes) + " -> " + std::to_string(fx.bytes_read) + (fx.eof ? " (eof)" : ""); break;
        case Op::close: fx = d_.apply(Close{true}, t); what = "close"; break;
        case Op::shutdown: fx = d_.apply(Close{false}, t); what = "shutdown"; break;
        case Op::abort: fx = d_.apply(Abort{}, t); what = "abort"; break;
        default: return;
        }
        if (fx.error != UserError::ok) what += " (error: " + std::string(name(fx.error)) + ")";
        log(now, "driver", what + " -> " + std::string(name(d_.tcb.state)));
        emit_driver(fx, now);
    }

    // ---- the kernel's host, on the model ----

    void predict(const Effects<S>& fx, Micros earliest, Micros latest, const std::string& cause, Micros now, bool quiet = false) {
        for (const auto& seg : fx) {
            if (k_.consumed_skip > 0) {
                --k_.consumed_skip;
                continue;
            }
            expected_.push_back({seg, earliest, latest, cause, k_.incarnation});
            if (!quiet)
                log(now, "expect", fmt_seg(seg, false) + "   [" + cause + ", " + fmt_ms(earliest) + ".." + fmt_ms(latest) + " ms]");
        }
    }

    [[nodiscard]] Micros tol() const { return o_.tolerance * 1000; }

    // Log lines held back while a user call's own line is not yet printed.
    bool hold_log_ = false;
    std::vector<std::tuple<Micros, std::string, std::string>> held_;
    void flush_pending_log() {
        hold_log_ = false;
        for (const auto& [t, who, what] : held_) log(t, who, what);
        held_.clear();
    }

    void kernel_event(const Event& e, Micros now, const std::string& cause, bool print_now = true) {
        fire_kernel_timers(ms(now));
        hold_log_ = !print_now;
        k_.log.push_back({e, ms(now), cause});
        State before = k_.tcb.state;
        auto fx = k_.apply(e, ms(now));
        if (k_.tcb.state != before || fx.notices)
            log(now, "model", "kernel " + std::string(name(before)) + " -> " + std::string(name(k_.tcb.state)) +
                                  (fx.notices ? " (" + notices_text(fx.notices) + ")" : ""));
        predict(fx, now - tol(), now + tol(), cause, now);
        last_kernel_fx_ = fx;
    }
    Effects<S> last_kernel_fx_{};

    void fire_kernel_timers(Time until_ms) {
        for (Deadline kd = next_deadline(k_.tcb); kd.at != never && kd.at <= until_ms; kd = next_deadline(k_.tcb)) {
            Time armed = k_.armed_at[static_cast<std::size_t>(kd.timer)];
            k_.log.push_back({Timeout{kd.timer}, kd.at, std::string(name(kd.timer)) + " timer"});
            State before = k_.tcb.state;
            auto fx = k_.apply(Timeout{kd.timer}, kd.at);
            Micros d = kd.at * 1000;
            Micros late = tol() + (kd.at - armed) * 1000 / 8;
            log(d, "model", "kernel " + std::string(name(kd.timer)) + " timer (armed at " + std::to_string(armed) +
                                " ms): " + std::string(name(before)) + " -> " + std::string(name(k_.tcb.state)));
            predict(fx, d - tol(), d + late, std::string(name(kd.timer)) + " timer", d);
            if (k_.tcb.deadline[static_cast<std::size_t>(kd.timer)] <= kd.at) {
                // A timer that fires without moving on would loop here forever: a model defect.
                result_.verdict = Verdict::error;
                result_.message = "the model's " + std::string(name(kd.timer)) + " timer fired at " + std::to_string(kd.at) +
                                  " ms in " + std::string(name(k_.tcb.state)) + " and stayed due";
                done_ = true;
                return;
            }
        }
    }

    // The kernel's ISN is learnt from its SYN: the incarnation is run again from its Open with it.
    void sync_kernel(std::uint32_t isn, Micros now) {
        k_isn_ = isn;
        k_trace_iss_ = k_trace_iss_next_;
        std::vector<Logged> log_copy = k_.log;
        if (log_copy.empty() || !std::holds_alternative<Open<S>>(log_copy.front().event)) return;
        std::get<Open<S>>(log_copy.front().event).iss = S(isn);
        // Drop this incarnation's unmatched predictions; the rerun makes them again.
        std::erase_if(expected_, [&](const Prediction& p) { return p.incarnation == k_.incarnation; });
        ModelHost fresh;
        fresh.profile = k_.profile;
        fresh.incarnation = k_.incarnation;
        fresh.consumed_skip = k_.consumed;
        fresh.consumed = k_.consumed;
        k_ = fresh;
        log(now, "model", "kernel ISN is " + std::to_string(isn) + ": its model runs again from its OPEN with it");
        for (const auto& l : log_copy) {
            k_.log.push_back(l);
            const bool timer = std::holds_alternative<Timeout>(l.event);
            Time armed = timer ? k_.armed_at[static_cast<std::size_t>(std::get<Timeout>(l.event).timer)] : l.at;
            auto fx = k_.apply(l.event, l.at);
            Micros t = l.at * 1000;
            Micros late = timer ? tol() + (l.at - armed) * 1000 / 8 : tol();
            predict(fx, t - tol(), t + late, l.cause, now, true);
        }
        k_.synced = true;
    }

    void kernel_user(const Action& a, Micros now) {
        fire_kernel_timers(ms(now));
        CallResult live = peer_.call(a);
        Event e;
        switch (a.op) {
        case Op::listen:
        case Op::connect: {
            k_trace_iss_next_ = a.iss.value_or(0);
            k_.profile.keepalive = a.keepalive;
            k_.log.clear();
            k_.synced = false;
            k_.consumed = 0;
            k_.consumed_skip = 0;
            ++k_.incarnation;
            e = Open<S>{a.op == Op::listen, S(0), 0};
            break;
        }
        case Op::send: e = Send{a.bytes}; break;
        case Op::read: e = Receive{a.bytes}; break;
        case Op::close: e = Close{true}; break;
        case Op::shutdown: e = Close{false}; break;
        case Op::abort: e = Abort{}; break;
        default: return;
        }
        static constexpr std::array<const char*, 7> op_names{"listen", "connect", "send", "read", "close", "shutdown", "abort"};
        kernel_event(e, now, "after " + std::string(op_names[static_cast<std::size_t>(a.op)]), false);
        CallResult want = model_result(a.op, last_kernel_fx_, k_.tcb);
        std::string verdict;
        if (live.performed && (a.op == Op::read || a.op == Op::send)) verdict = "   (the model: " + describe(want) + ")";
        log(now, "kernel", (live.text.empty() ? std::string("?") : live.text) + verdict);
        flush_pending_log();
        if (!live.performed || (a.op != Op::read && a.op != Op::send)) return;
        bool agree = want.kind == live.kind && (want.kind != CallResult::Kind::ok || a.op != Op::read || want.bytes == live.bytes);
        if (a.op == Op::send) agree = (want.kind == CallResult::Kind::error) == (live.kind == CallResult::Kind::error);
        // The errno may differ (EPIPE for ECONNRESET ...): an error is an error.
        if (!agree && want.kind == CallResult::Kind::error && live.kind == CallResult::Kind::error) agree = true;
        // A socket reports a connection's error once (SO_ERROR is cleared), then end of file;
        // the model's CLOSED keeps saying why. Not a difference in TCP.
        if (!agree && want.kind == CallResult::Kind::error && live.kind == CallResult::Kind::eof && kernel_error_reported_) {
            agree = true;
            note("error once", "after reporting a connection error once, a socket's read returns end of file; the "
                               "model's CLOSED keeps reporting the error (the sockets API, not TCP)");
        }
        if (live.kind == CallResult::Kind::error &&
            (live.error == "ECONNRESET" || live.error == "ECONNREFUSED" || live.error == "ETIMEDOUT"))
            kernel_error_reported_ = true;
        if (!agree)
            diverge(now, "the kernel's " + std::string(a.op == Op::read ? "read" : "send") + " returned " + describe(live) +
                             "; the model says " + describe(want),
                    "call: " + std::string(a.op == Op::read ? "read" : "send") + " kernel " +
                        (live.kind == CallResult::Kind::ok ? std::string("ok") : describe(live)) + ", model " +
                        (want.kind == CallResult::Kind::ok ? std::string("ok") : describe(want)));
        else if (want.kind == CallResult::Kind::error && want.error != live.error)
            note("errno " + live.error + want.error, "a failed " + std::string(a.op == Op::read ? "read" : "send") +
                                                        ": kernel " + live.error + ", model " + want.error);
    }

    void check_state(const Action& a, Micros now) {
        const bool drv = is_driver(a.host);
        const ModelHost& h = drv ? d_ : k_;
        std::string who = std::string(host_name(a.host)) + (drv ? " (driver)" : " (kernel)");
        if (h.tcb.state != a.state) {
            log(now, "FAIL", "scenario expectation: " + who + " should be " + std::string(name(a.state)) + ", the model is " +
                                 std::string(name(h.tcb.state)));
            result_.verdict = Verdict::diverges;
            result_.message = std::string(sc_.held ? "trace step " : "scenario expectation at line ") + std::to_string(a.line) +
                              ": " + who + " should be " + std::string(name(a.state)) + ", the model is " +
                              std::string(name(h.tcb.state));
            result_.kind = "expectation: " + std::string(drv ? "driver" : "kernel") + " " + std::string(name(h.tcb.state)) +
                           ", not " + std::string(name(a.state));
            done_ = true;
            return;
        }
        std::string what = who + " is " + std::string(name(h.tcb.state)) + " on the model";
        if (!drv) {
            std::string detail;
            auto live = peer_.live_state(detail);
            if (live) {
                what += ", " + std::string(name(*live)) + " live (" + detail + ")";
                if (*live != h.tcb.state) {
                    log(now, "expect", what);
                    diverge(now, "state: the model's kernel host is " + std::string(name(h.tcb.state)) +
                                     ", the live socket is " + std::string(name(*live)) + " (" + detail + ")",
                            "state: model " + std::string(name(h.tcb.state)) + ", live " + std::string(name(*live)));
                    return;
                }
            } else {
                what += " (live state unknown" + (detail.empty() ? std::string() : ": " + detail) + ")";
            }
        }
        log(now, "expect", what);
    }

    bool perform(const Action& a, Micros now) {
        switch (a.op) {
        case Op::deliver:
        case Op::drop:
        case Op::duplicate: return network_op(a, now);
        case Op::crash:
            if (!is_driver(a.host)) {
                result_.verdict = Verdict::error;
                result_.message = "line " + std::to_string(a.line) + ": the live stack cannot be crashed from here";
                done_ = true;
                return true;
            }
            {
                ModelHost fresh;
                fresh.profile = d_.profile;
                d_ = fresh;
            }
            log(now, "driver", "crash: the TCB is gone, silently -> CLOSED");
            return true;
        case Op::expect: check_state(a, now); return true;
        case Op::lose:
            if (is_driver(a.host) == is_driver(a.to)) {
                result_.verdict = Verdict::error;
                result_.message = "line " + std::to_string(a.line) + ": lose needs one host on each side";
                done_ = true;
                return true;
            }
            (is_driver(a.host) ? lose_to_kernel_ : lose_to_driver_) = a.count;
            log(now, "net", std::string("lose ") + (is_driver(a.host) ? "driver->kernel " : "kernel->driver ") +
                                (a.count < 0 ? "all" : a.count == 0 ? "none" : std::to_string(a.count)));
            return true;
        case Op::resend: {
            const auto& s = a.fin_only ? last_fin_ : last_sent_;
            if (!s) {
                result_.verdict = Verdict::error;
                result_.message = "line " + std::to_string(a.line) + ": nothing to resend";
                done_ = true;
                return true;
            }
            send_from_driver(*s, now, "resent");
            return true;
        }
        case Op::inject: {
            const auto& t = d_.tcb;
            auto eval = [&](const SeqExpr& e, bool is_ack) {
                S base;
                switch (e.base) {
                case SeqExpr::Base::isn: base = S(is_ack ? k_isn_.value_or(0) : d_iss_.value_or(0)); break;
                case SeqExpr::Base::snd_nxt: base = t.snd_nxt; break;
                case SeqExpr::Base::snd_una: base = t.snd_una; break;
                case SeqExpr::Base::rcv_nxt: base = t.rcv_nxt; break;
                }
                return base + static_cast<std::uint32_t>(e.offset);
            };
            Seg s;
            s.flags = a.flags;
            s.seq = eval(a.seq, false);
            s.ack = a.flags.ack() ? eval(a.ack, true) : S(0);
            s.len = a.bytes;
            s.wnd = a.wnd.value_or(static_cast<std::uint16_t>(std::min<std::uint32_t>(0xffff, t.rcv_wnd >> t.rcv_wscale)));
            if (t.ts_ok && !a.flags.rst()) {
                s.opt.timestamps = true;
                s.opt.ts_val = static_cast<std::uint32_t>(ms(now)) + t.ts_offset;
                s.opt.ts_ecr = t.ts_recent;
            }
            auto saved_sent = last_sent_, saved_fin = last_fin_;
            send_from_driver(s, now, "inject");
            last_sent_ = saved_sent;
            last_fin_ = saved_fin;
            return true;
        }
        default: break;
        }
        if (is_driver(a.host)) driver_user(a, now);
        else kernel_user(a, now);
        return true;
    }

    [[nodiscard]] static bool same(const Seg& want, const Seg& got) {
        constexpr std::uint8_t core = 0x17; // SYN, FIN, RST, ACK
        if ((want.flags.bits & core) != (got.flags.bits & core)) return false;
        if (want.seq != got.seq || want.len != got.len) return false;
        if (want.flags.ack() && want.ack != got.ack) return false;
        return true;
    }

    void compare_details(const Seg& want, const Seg& got) {
        const std::string kind = to_string(Flags(static_cast<std::uint8_t>(want.flags.bits & 0x17)));
        if (want.flags.psh() != got.flags.psh())
            note("psh" + kind, kind + ": PSH " + (got.flags.psh() ? "set" : "not set") + " by the kernel, " +
                                   (want.flags.psh() ? "set" : "not set") + " by the model");
        if (want.flags.syn()) {
            if (want.wnd != got.wnd)
                note("win" + kind, kind + " window: kernel " + std::to_string(got.wnd) + ", model " + std::to_string(want.wnd));
            if (want.opt.mss != got.opt.mss)
                note("mss" + kind, kind + " MSS option: kernel " + std::to_string(got.opt.mss) + ", model " + std::to_string(want.opt.mss));
            if (want.opt.wscale != got.opt.wscale)
                note("ws" + kind, kind + " window scale: kernel " + (got.opt.has_wscale() ? std::to_string(got.opt.wscale) : "none") +
                                      ", model " + (want.opt.has_wscale() ? std::to_string(want.opt.wscale) : "none"));
            if (want.opt.sack_permitted != got.opt.sack_permitted || want.opt.timestamps != got.opt.timestamps)
                note("opt" + kind, kind + " SACK-permitted/timestamps options differ");
        } else if (!want.flags.rst() && want.wnd != got.wnd) {
            note("win", "window field after the handshake: kernel " + std::to_string(got.wnd) + " (first seen), model " +
                            std::to_string(want.wnd) + " (the model's RCV.WND is fixed)");
        }
        if (want.opt.timestamps != got.opt.timestamps && !want.flags.syn())
            note("ts" + kind, kind + ": timestamps option " + (got.opt.timestamps ? "present" : "absent") + " from the kernel, " +
                                  (want.opt.timestamps ? "present" : "absent") + " on the model");
    }

    void on_seen(const Seen& s) {
        const Micros now = s.at;
        if (!k_.synced && s.seg.flags.syn()) sync_kernel(s.seg.seq.value(), now);
        fire_kernel_timers(ms(now));
        log(now, "seen", fmt_seg(s.seg, false) + (s.checksum_filled ? "   (checksum left to offload)" : ""));
        for (;;) {
            if (expected_.empty()) {
                Deadline kd = next_deadline(k_.tcb);
                if (kd.at != never && kd.at * 1000 <= now + tol()) {
                    fire_kernel_timers(kd.at);
                    continue;
                }
                std::string next = kd.at == never ? std::string("no timer armed")
                                                  : "next: its " + std::string(name(kd.timer)) + " timer at " +
                                                        std::to_string(kd.at) + " ms";
                diverge(now, "the kernel sent " + fmt_seg(s.seg, false) + " at " + fmt_ms(now) +
                                 " ms\n  the model expects nothing from it now (kernel " + std::string(name(k_.tcb.state)) +
                                 ", " + next + ")\n  live bytes:\n" + live_bytes(s.frame),
                        "unexpected: " + flags_len(s.seg) + " in " + std::string(name(k_.tcb.state)) +
                            (kd.at == never ? std::string() : " before its " + std::string(name(kd.timer)) + " timer"));
                return;
            }
            const Prediction p = expected_.front();
            if (!same(p.seg, s.seg)) {
                diverge(now, "expected: " + fmt_seg(p.seg, false) + "   [" + p.cause + ", " + fmt_ms(p.earliest) + ".." +
                                 fmt_ms(p.latest) + " ms]\n  seen:     " + fmt_seg(s.seg, false) + " at " + fmt_ms(now) +
                                 " ms\n  live bytes:\n" + live_bytes(s.frame),
                        "mismatch: expected " + flags_len(p.seg) + " [" + p.cause + "], seen " + flags_len(s.seg) +
                            (p.seg.seq != s.seg.seq ? " seq" : "") + (p.seg.flags.ack() && p.seg.ack != s.seg.ack ? " ack" : "") +
                            (p.seg.len != s.seg.len ? " len" : ""));
                return;
            }
            if (now < p.earliest) {
                diverge(now, "too early: " + fmt_seg(s.seg, false) + " at " + fmt_ms(now) + " ms, the model says " +
                                 fmt_ms(p.earliest) + ".." + fmt_ms(p.latest) + " ms [" + p.cause + "]\n  live bytes:\n" +
                                 live_bytes(s.frame),
                        "early: " + flags_len(s.seg) + " [" + p.cause + "]");
                return;
            }
            expected_.pop_front();
            if (p.incarnation == k_.incarnation) ++k_.consumed;
            // The kernel re-armed its retransmission timer when it really retransmitted: so does
            // its model, or a late timer's lateness would add up over the backoff.
            constexpr auto rtx = static_cast<std::size_t>(Timer::retransmission);
            if (p.cause == "retransmission timer" && p.incarnation == k_.incarnation && k_.tcb.deadline[rtx] != never &&
                now > p.earliest + tol())
                k_.tcb.deadline[rtx] += ms(now - (p.earliest + tol()));
            ++result_.matched;
            compare_details(p.seg, s.seg);
            log(now, "ok", "matches the model (" + std::string(now >= (p.earliest + tol()) ? "+" : "") +
                               fmt_ms(now - (p.earliest + tol())) + " ms from " + p.cause + ")");
            break;
        }
        if (lose_to_driver_ != 0) {
            if (lose_to_driver_ > 0) --lose_to_driver_;
            log(now, "net", "lost: not delivered to the driver's host");
            return;
        }
        if (sc_.held) {
            held_to_driver_.push_back({s.seg, k_isn_.value_or(0), k_trace_iss_, now});
            log(now, "held", "kernel->driver: " + image_text(image_of(held_to_driver_.back(), false)));
            return;
        }
        deliver_to_driver(s.seg, now);
    }

    // iss: the trace's fresh ISS for a listener's later attempt (none: the host's own).
    void deliver_to_driver(const Seg& seg, Micros now, std::optional<std::uint32_t> iss = std::nullopt) {
        State before = d_.tcb.state;
        d_time_ = std::max(d_time_, ms(now));
        std::optional<S> offered;
        if (iss) offered = S(*iss);
        auto fx = d_.apply(SegmentArrives<S>{seg, offered}, d_time_);
        if (d_.tcb.state != before) log(now, "driver", std::string(name(before)) + " -> " + std::string(name(d_.tcb.state)));
        emit_driver(fx, now);
    }

    // ---- the held network ----

    [[nodiscard]] Image image_of(const Held& h, bool from_driver) const {
        const std::uint32_t mask = sc_.seq_bits >= 32 ? 0xffffffffu : (1u << sc_.seq_bits) - 1;
        auto kernel_number = [&](S v) { return (v.value() - h.isn + h.trace_iss) & mask; };
        Image im;
        im.flags = Flags(static_cast<std::uint8_t>(h.seg.flags.bits & 0x17));
        im.seq = from_driver ? h.seg.seq.value() & mask : kernel_number(h.seg.seq);
        im.ack = !h.seg.flags.ack() ? 0 : from_driver ? kernel_number(h.seg.ack) : h.seg.ack.value() & mask;
        im.len = h.seg.len;
        return im;
    }
    static std::string image_text(const Image& im) {
        return to_string(im.flags) + " seq=" + std::to_string(im.seq) + (im.flags.ack() ? " ack=" + std::to_string(im.ack) : "") +
               " len=" + std::to_string(im.len);
    }
    static bool same_image(const Image& a, const Image& b) {
        return (a.flags.bits & 0x17) == (b.flags.bits & 0x17) && a.seq == b.seq && a.len == b.len &&
               (!a.flags.ack() || a.ack == b.ack);
    }

    // deliver, drop or duplicate the oldest held segment with the action's image. False: not
    // there yet (the caller waits, up to held_wait).
    static constexpr Micros held_wait = 3000000;
    bool network_op(const Action& a, Micros now) {
        const char* verb = a.op == Op::deliver ? "deliver" : a.op == Op::drop ? "drop" : "duplicate";
        if (!sc_.held || is_driver(a.host) == is_driver(a.to)) {
            result_.verdict = Verdict::error;
            result_.message = "line " + std::to_string(a.line) + ": " + verb + " needs 'network held' and one host on each side";
            done_ = true;
            return true;
        }
        const bool to_kernel = is_driver(a.host);
        auto& q = to_kernel ? held_to_kernel_ : held_to_driver_;
        auto it = std::find_if(q.begin(), q.end(), [&](const Held& h) { return same_image(image_of(h, to_kernel), a.image); });
        const std::string dir = to_kernel ? "driver->kernel" : "kernel->driver";
        if (it == q.end()) {
            if (now < scaled(a.at) + held_wait) return false;
            std::string list;
            for (const auto& h : q) list += "\n    " + image_text(image_of(h, to_kernel));
            diverge(now, "trace step " + std::to_string(a.line) + ": the trace " + std::string(verb) + "s " + dir + " " +
                             image_text(a.image) + ", which the " + (to_kernel ? "driver's host" : "kernel") +
                             " has not sent; held " + dir + ":" + (list.empty() ? std::string(" nothing") : list),
                    "trace: " + std::string(to_kernel ? "driver's host" : "kernel") + " never sent " +
                        to_string(a.image.flags) + (a.image.len ? " len>0" : ""));
            return true;
        }
        Held h = *it;
        if (a.op == Op::duplicate) {
            q.push_back(h);
            log(now, "net", "duplicated " + dir + ": " + image_text(a.image));
            return true;
        }
        q.erase(it);
        if (a.op == Op::drop) {
            log(now, "net", "dropped " + dir + ": " + image_text(a.image));
            return true;
        }
        log(now, "net", "delivers " + dir + ": " + image_text(a.image));
        if (to_kernel) send_from_driver(h.seg, now, "delivered");
        else deliver_to_driver(h.seg, now, a.iss);
        return true;
    }

    // A trace's live host must not have sent more than the trace's host did: what it holds
    // beyond the trace's segments in flight, sent before surplus_until, says it did something
    // else (retransmitted where the trace's host would not, say).
    void check_surplus() {
        if (!sc_.held || result_.verdict != Verdict::conforms) return;
        std::vector<Image> expected = sc_.kernel_in_flight_at_end;
        // What the trace's host sent and the trace never delivered must be there too: the
        // live host may have answered its last segments otherwise.
        std::deque<Held> held = held_to_driver_;
        std::string missing, first_missing;
        for (const auto& e : expected) {
            auto it = std::find_if(held.begin(), held.end(), [&](const Held& h) { return same_image(image_of(h, false), e); });
            if (it != held.end()) {
                held.erase(it);
                continue;
            }
            missing += "\n    " + image_text(e);
            if (first_missing.empty()) first_missing = to_string(e.flags) + (e.len ? " len>0" : "");
        }
        if (!missing.empty()) {
            diverge(peer_.now(), "the live host did not send what the trace's host sends at the end (never delivered):" + missing,
                    "trace: kernel never sent " + first_missing);
            return;
        }
        std::string extra;
        std::string first;
        for (const auto& h : held) {
            const Image im = image_of(h, false);
            if (h.at <= scaled(sc_.surplus_from) || h.at > scaled(sc_.surplus_until)) continue;
            extra += "\n    " + image_text(im) + " at " + fmt_ms(h.at) + " ms";
            if (first.empty()) first = to_string(im.flags) + (im.len ? " len>0" : "");
        }
        if (!extra.empty())
            diverge(peer_.now(), "the live host sent segments the trace's host does not send (held, never delivered):" + extra,
                    "trace: kernel sent more: " + first);
    }

    Outcome finish() {
        check_surplus();
        if (result_.verdict == Verdict::diverges) {
            // What the live host does next, for the reader (not compared): a missing segment
            // may just be late, an unexpected one may be followed by more.
            const Micros until = peer_.now() + 300000;
            std::string err;
            while (auto seen = peer_.wait(until, err))
                log(seen->at, "after", fmt_seg(seen->seg, false) + "   (seen after the divergence, not compared)");
        }
        const Micros now = peer_.now();
        result_.max_late_us = max_late_;
        if (max_late_ > tol())
            log(now, "timing", "this process ran up to " + fmt_ms(max_late_) + " ms late (" + max_late_at_ +
                                   "): the machine was busy; timings near the tolerance may be affected");
        std::string detail;
        auto live = peer_.live_state(detail);
        log(now, "end", "driver " + std::string(name(d_.tcb.state)) + ", kernel " + std::string(name(k_.tcb.state)) +
                            " on the model" + (live ? ", " + std::string(name(*live)) + " live" : std::string()));
        for (const auto& p : expected_)
            log(now, "end", "not checked (due after the end): " + fmt_seg(p.seg, false) + " [" + p.cause + "]");
        return result_;
    }
};

// ---- the command line ------------------------------------------------------------------------------

const char* replay_usage = R"(usage: synfin replay SCENARIO|TRACE --iface IF --peer IP:PORT --role client|server [options]
       synfin replay SCENARIO|TRACE --simulate --role client|server [options]

Plays one host of a live scenario (docs/conformance.md) on the model, sending its segments with
a raw AF_PACKET socket on IF, against the live stack at IP:PORT, and checks every segment the
live stack sends against what the model predicts for it.

A packetdrill script (FILE.pkt) runs as 'synfin pkt run FILE.pkt --live' does, with the live
stack as the stack under test (--role is not needed; --local and --netns are).

A checker trace (synfin check --trace-dir, docs/trace-format.md) is replayed on a held network:
the driver holds every segment both ways and delivers, loses or duplicates them as the trace
does, ticks become --tick milliseconds, and after every step both hosts must be in the states
the trace gives them (docs/conformance.md, "Counterexamples against the kernel").

options:
  --role client|server  the scenario's role the driver plays (the live stack plays the other)
  --local IP:PORT       the driver's address (default: IF's IPv4 address, port 40000); use one
                        that no local stack answers for (an interface without that address)
  --peer-mac MAC        the peer's Ethernet address (default: ask with one ARP request)
  --netns NAME          the live stack's network namespace (/run/netns/NAME): its user calls
                        are performed there, the scenario's sysctls are set there and the model's
                        profile is read from its sysctls
  --time-scale X        multiply the scenario's times by X (default 1)
  --tolerance MS        timing tolerance either side (default 25, 100 for a trace; timers get
                        1/8 of their duration more on the late side)
  --tick MS             a trace's tick in real time (default 1000: Linux's initial RTO)
  --simulate            no network: the live host is the model itself (a dry run)
  --verbose             also print the bytes of every frame sent

exit status: 0 the live stack conforms, 1 it diverges (or a scenario expectation fails),
             2 bad usage, unreadable scenario, or the driver cannot run (nothing is sent then).
)";

// A checker trace starts, after its comment lines, with "synfin-trace".
bool is_trace(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        auto first = line.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && line[first] != '#') return line.substr(first, 12) == "synfin-trace";
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return false;
}

int usage_error(const std::string& msg) {
    std::fprintf(stderr, "synfin replay: %s\n(see 'synfin replay --help')\n", msg.c_str());
    return 2;
}

} // namespace

int command(const std::vector<std::string>& args) {
    std::string file, iface, netns, role_s, peer_s, local_s;
    std::optional<driver::Endpoint> peer, local;
    std::optional<driver::Mac> peer_mac;
    Options o;
    bool simulate = false;
    std::int64_t tick_ms = 1000;
    bool tolerance_given = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--help" || a == "-h") {
            std::fputs(replay_usage, stdout);
            return 0;
        } else if (a == "--iface") {
            if (!value(iface)) return usage_error("--iface needs an interface name");
        } else if (a == "--peer") {
            if (!value(peer_s) || !(peer = driver::parse_endpoint(peer_s))) return usage_error("--peer needs IP:PORT");
        } else if (a == "--local") {
            if (!value(local_s) || !(local = driver::parse_endpoint(local_s))) return usage_error("--local needs IP:PORT");
        } else if (a == "--peer-mac") {
            if (!value(v) || !(peer_mac = driver::parse_mac(v))) return usage_error("--peer-mac needs xx:xx:xx:xx:xx:xx");
        } else if (a == "--role") {
            if (!value(role_s) || (role_s != "client" && role_s != "server")) return usage_error("--role is client or server");
            o.role = role_s == "client" ? Role::client : Role::server;
        } else if (a == "--netns") {
            if (!value(netns)) return usage_error("--netns needs a name");
        } else if (a == "--time-scale") {
            char* end = nullptr;
            if (!value(v)) return usage_error("--time-scale needs a number");
            o.time_scale = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end != 0 || !(o.time_scale > 0 && o.time_scale <= 1000)) return usage_error("--time-scale needs a number in (0, 1000]");
        } else if (a == "--tolerance") {
            if (!value(v)) return usage_error("--tolerance needs milliseconds");
            auto n = synfin::signed_decimal(v);
            if (!n || *n < 0 || *n > 60000) return usage_error("--tolerance needs 0..60000 ms");
            o.tolerance = *n;
            tolerance_given = true;
        } else if (a == "--tick") {
            if (!value(v)) return usage_error("--tick needs milliseconds");
            auto n = synfin::signed_decimal(v);
            if (!n || *n < 100 || *n > 60000) return usage_error("--tick needs 100..60000 ms");
            tick_ms = *n;
        } else if (a == "--simulate") {
            simulate = true;
        } else if (a == "--verbose") {
            o.verbose = true;
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else if (file.empty()) {
            file = a;
        } else {
            return usage_error("one scenario file only");
        }
    }
    if (file.empty()) return usage_error("no scenario file");
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".pkt") == 0) {
        // A packetdrill script says itself who plays what: the live stack is the stack under
        // test, the driver its remote side (synfin pkt run --live, docs/packetdrill.md).
        if (simulate) return run_pkt({"run", file});
        if (iface.empty() || peer_s.empty() || local_s.empty() || netns.empty())
            return usage_error("a packetdrill script needs --iface, --peer, --local and --netns (or --simulate)");
        return run_pkt({"run", file, "--live", "--iface", iface, "--peer", peer_s, "--local", local_s, "--netns", netns});
    }
    if (role_s.empty()) return usage_error("--role client|server is required");
    if (!simulate && iface.empty()) return usage_error("--iface is required (or --simulate)");
    if (!simulate && !peer) return usage_error("--peer IP:PORT is required (or --simulate)");

    // 1. The scenario: nothing is opened or sent before it parses.
    std::ifstream in(file, std::ios::binary);
    if (!in) return usage_error("cannot read '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::variant<Script, ScriptError> parsed;
    if (is_trace(text)) {
        auto conv = script_from_trace(text, o.role, tick_ms);
        if (auto* e = std::get_if<std::string>(&conv)) {
            std::fprintf(stderr, "%s: %s\n", file.c_str(), e->c_str());
            return 2;
        }
        parsed = std::move(std::get<Script>(conv));
        // A trace orders events only to the tick, and its held network makes timing matter
        // little; the kernel's longer timers run up to an eighth late and then some.
        if (!tolerance_given) o.tolerance = 100;
    } else {
        parsed = parse_script(text);
    }
    if (auto* e = std::get_if<ScriptError>(&parsed)) {
        std::fprintf(stderr, "%s:%zu:%zu: %s\n", file.c_str(), e->line, e->column, e->message.c_str());
        return 2;
    }
    const Script& sc = std::get<Script>(parsed);
    for (const auto& n : sc.notes) std::printf("trace: %s\n", n.c_str());
    const HostRef want_role = o.role == Role::client ? HostRef::client : HostRef::server;
    if (std::find(sc.roles.begin(), sc.roles.end(), want_role) == sc.roles.end())
        return usage_error("scenario '" + (sc.name.empty() ? file : sc.name) + "' is not meant to be played in role " + role_s);
    for (const auto& [h, k, v] : sc.knobs) {
        bool drv = h == HostRef::driver || (h == HostRef::client && o.role == Role::client) ||
                   (h == HostRef::server && o.role == Role::server);
        if (!drv)
            return usage_error("scenario line 'profile " + std::string(host_name(h)) + " " + k + "=" + v +
                               "': in role " + role_s + " that host is the live stack, whose profile comes from its sysctls");
    }
    // Without --netns the live stack is remote and its application is not ours to drive: only a
    // passive live side, one listen and nothing after it, can be played (it must be listening).
    if (!simulate && netns.empty()) {
        const HostRef live_role = o.role == Role::client ? HostRef::server : HostRef::client;
        bool listened = false;
        for (const auto& a : sc.actions) {
            const bool live = a.host == HostRef::kernel || a.host == live_role;
            if (!live || a.op > Op::abort) continue;
            if (a.op == Op::listen && !listened) {
                listened = true;
                continue;
            }
            return usage_error("without --netns the live stack is remote, so only a scenario whose live side is passive "
                               "(one listen, no other call) can be played; line " + std::to_string(a.line) +
                               " is another call of the live host: give --netns, or play the other role");
        }
        if (listened) std::printf("the live stack is remote: it must already listen at %s\n", driver::to_string(*peer).c_str());
    }

    Sysctls sysctls;
    std::vector<std::string> unmodelled;
    driver::Driver drv;
    Netns ns;
    const bool use_netns = !netns.empty();
    driver::Endpoint local_ep{};
    if (!simulate) {
        // 2. The link: CAP_NET_RAW, the interface up. Still nothing sent.
        driver::Endpoint placeholder{0, 0};
        auto st = drv.open(iface, local.value_or(placeholder), *peer, peer_mac);
        if (!st.ok()) {
            std::fprintf(stderr, "synfin replay: %s\n", st.message.c_str());
            return 2;
        }
        auto if_addr = drv.link().ipv4_address();
        if (!local) {
            if (!if_addr) return usage_error("interface " + iface + " has no IPv4 address: give --local IP:PORT");
            local = driver::Endpoint{*if_addr, 40000};
        }
        local_ep = *local;
        if (if_addr && *if_addr == local->addr)
            std::fprintf(stderr, "synfin replay: warning: %s carries %s, so this host's own stack will answer the peer "
                                 "too (use an interface without that address)\n",
                         iface.c_str(), driver::addr_string(local->addr).c_str());
        st = drv.open(iface, *local, *peer, peer_mac);
        if (!st.ok()) {
            std::fprintf(stderr, "synfin replay: %s\n", st.message.c_str());
            return 2;
        }
        // 3. The live stack's namespace: sysctls in, profile out.
        if (use_netns) {
            std::string err;
            if (!ns.open(netns, err)) {
                std::fprintf(stderr, "synfin replay: %s\n", err.c_str());
                return 2;
            }
            std::string failed, missing;
            ns.run([&] {
                for (const auto& [k, v] : sc.sysctls) {
                    if (::access(sysctl_path(k).c_str(), F_OK) != 0) {
                        missing += " " + k; // an older kernel without it: nothing to set
                        continue;
                    }
                    std::ofstream f(sysctl_path(k));
                    f << v << "\n";
                    f.flush();
                    if (!f) failed += " " + k;
                }
                for (const auto& k : profile_sysctls())
                    if (auto val = read_file(sysctl_path(k))) sysctls[k] = *val;
                // A kernel before 6.5 has no linear SYN timeouts: it doubles from the first.
                sysctls.try_emplace("net.ipv4.tcp_syn_linear_timeouts", "0");
            }, err);
            if (!err.empty()) {
                std::fprintf(stderr, "synfin replay: %s\n", err.c_str());
                return 2;
            }
            if (!failed.empty()) {
                std::fprintf(stderr, "synfin replay: cannot set sysctl(s)%s in namespace %s\n", failed.c_str(), netns.c_str());
                return 2;
            }
            if (!missing.empty())
                std::printf("warning: this kernel has no sysctl(s)%s: not set (the scenario may not apply)\n", missing.c_str());
            if (!sysctls.count("net.core.rmem_max"))
                if (auto val = read_file(sysctl_path("net.core.rmem_max"))) sysctls["net.core.rmem_max"] = *val;
        } else {
            for (const auto& [k, v] : sc.sysctls) sysctls[k] = v;
            unmodelled.push_back("no --netns: the peer's sysctls are taken from the scenario, not read");
        }
    } else {
        for (const auto& [k, v] : sc.sysctls) sysctls[k] = v;
    }

    Profile kernel_profile = linux_profile(sysctls, &unmodelled);
    Profile driver_profile = sc.driver_profile.value_or(kernel_profile);
    for (const auto& [h, k, v] : sc.knobs) set_knob(driver_profile, k, v);

    std::printf("scenario %s: driver plays the %s, %s plays the %s\n", sc.name.empty() ? file.c_str() : sc.name.c_str(),
                role_s.c_str(), simulate ? "the model (simulated)" : ("the live stack at " + driver::to_string(*peer)).c_str(),
                o.role == Role::client ? "server" : "client");
    std::printf("kernel profile: linux_default with syn_retries=%d synack_retries=%d data_retries=%d fin_wait_2=%lld ms "
                "keepalive %lld/%lld ms x%d rfc1337=%d sack=%d timestamps=%d wscale=%d\n",
                kernel_profile.syn_retries, kernel_profile.synack_retries, kernel_profile.data_retries,
                static_cast<long long>(kernel_profile.fin_wait_2_timeout), static_cast<long long>(kernel_profile.keepalive_time),
                static_cast<long long>(kernel_profile.keepalive_intvl), kernel_profile.keepalive_probes, kernel_profile.rfc1337,
                kernel_profile.sack, kernel_profile.timestamps, kernel_profile.wscale);
    for (const auto& u : unmodelled) std::printf("not modelled: %s\n", u.c_str());

    Outcome r;
    if (simulate) {
        SimPeer sim(kernel_profile, 0x9e3779b9u);
        Engine eng(sc, o, sim, kernel_profile, driver_profile, stdout);
        r = eng.run();
    } else {
        // 4. The peer's MAC: the only frame that is not to the peer's 4-tuple is this ARP request.
        auto st = drv.resolve_peer(3000);
        if (!st.ok()) {
            std::fprintf(stderr, "synfin replay: %s\n", st.message.c_str());
            return 2;
        }
        std::printf("link %s: local %s (%s), peer %s (%s)\n", iface.c_str(), driver::to_string(local_ep).c_str(),
                    driver::to_string(drv.local_mac()).c_str(), driver::to_string(*peer).c_str(),
                    driver::to_string(drv.peer_mac()).c_str());
        LivePeer live(drv, local_ep, *peer, use_netns ? &ns : nullptr);
        live.open_diag();
        Engine eng(sc, o, live, kernel_profile, driver_profile, stdout);
        r = eng.run();
        const auto& stt = drv.stats();
        std::printf("frames: %llu sent, %llu received for this connection, %llu other ignored, %llu malformed\n",
                    static_cast<unsigned long long>(stt.sent), static_cast<unsigned long long>(stt.received),
                    static_cast<unsigned long long>(stt.ignored), static_cast<unsigned long long>(stt.malformed));
    }
    for (const auto& n : r.notes) std::printf("note (not a divergence): %s\n", n.c_str());
    if (sc.held && r.verdict == Verdict::conforms)
        std::printf("reproduced: the live stack followed the trace to its last step\n");
    else if (sc.held && r.verdict == Verdict::diverges)
        std::printf("NOT reproduced: the live stack left the trace (below)\n");
    switch (r.verdict) {
    case Verdict::conforms:
        std::printf("conforms: %zu segments matched the model, %zu sent\n", r.matched, r.sent);
        return 0;
    case Verdict::diverges:
        std::printf("DIVERGES after %zu matching segments: %s\n", r.matched, r.message.c_str());
        std::printf("divergence class: %s\n", r.kind.c_str());
        return 1;
    case Verdict::error:
        std::fprintf(stderr, "synfin replay: %s\n", r.message.c_str());
        return 2;
    }
    return 2;
}

} // namespace synfin::replay
