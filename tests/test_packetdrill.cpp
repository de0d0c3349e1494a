// packetdrill scripts against the model (include/synfin/packetdrill.hpp, docs/packetdrill.md):
// the lifecycle scripts of tests/pkt, matching rules, unsupported lines, configuration from
// shell lines, syntax errors with line and column, trace -> packetdrill -> pkt run round trips,
// and a bounded fuzz property over the parser.
#include "synfin/packetdrill.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "../checks/pkt.hpp"
#include "support/pkt_scripts.hpp"

namespace {

using namespace synfin;
namespace fs = std::filesystem;

const fs::path pkt_dir = fs::path(__FILE__).parent_path() / "pkt";

std::optional<std::string> read_relative(const std::string& path, const std::string& base) {
    fs::path p(path);
    if (p.is_relative()) p = fs::path(base) / p;
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

pkt::RunReport run(const std::string& text, const std::string& base = ".") {
    pkt::RunOptions o;
    o.base_dir = base;
    o.read_file = &read_relative;
    return pktexport::run_text(text, o);
}

std::string joined(const pkt::RunReport& r) {
    std::string s;
    for (const auto& m : r.messages) s += m + "\n";
    for (const auto& n : r.notes) s += "note: " + n + "\n";
    return s;
}

using synfin::test::passive_open;

} // namespace

TEST_CASE("pkt: every script in tests/pkt passes on the model", "[pkt]") {
    std::vector<fs::path> scripts;
    for (const auto& e : fs::directory_iterator(pkt_dir))
        if (e.path().extension() == ".pkt") scripts.push_back(e.path());
    REQUIRE(scripts.size() >= 15);
    for (const auto& p : scripts) {
        auto text = read_relative(p.string(), ".");
        REQUIRE(text);
        auto r = run(*text, p.parent_path().string());
        INFO(p.filename().string() << "\n" << joined(r));
        CHECK(r.verdict == pkt::Verdict::pass);
    }
}

TEST_CASE("pkt: the model's segment must match the next > line", "[pkt]") {
    SECTION("flags") {
        auto r = run(std::string(passive_open) + "+0 close(4) = 0\n+0 > R. 1:1(0) ack 1\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        REQUIRE(!r.messages.empty());
        CHECK(r.messages[0].rfind("10: ", 0) == 0);
        CHECK(r.messages[0].find("flags differ") != std::string::npos);
    }
    SECTION("no <...> means no options") {
        auto r = run("0 `sysctl -q net.ipv4.tcp_timestamps=0`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                     "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("options differ") != std::string::npos);
    }
    SECTION("<...> skips the option check, a missing win is not checked") {
        auto r = run("0 `sysctl -q net.ipv4.tcp_timestamps=0`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                     "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 <...>\n");
        CHECK(r.verdict == pkt::Verdict::pass);
    }
    SECTION("window when given") {
        auto r = run("0 `sysctl -q net.ipv4.tcp_timestamps=0`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                     "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 win 1 <...>\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("window differs") != std::string::npos);
    }
    SECTION("timing beyond the tolerance") {
        auto r = run(std::string(passive_open) + "+0 close(4) = 0\n+.01 > F. 1:1(0) ack 1\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("expected at") != std::string::npos);
        auto ok = run(std::string(passive_open) + "+0 close(4) = 0\n+.003 > F. 1:1(0) ack 1\n");
        CHECK(ok.verdict == pkt::Verdict::pass);
    }
    SECTION("a segment no > line expects") {
        auto r = run(std::string(passive_open) + "+0 close(4) = 0\n+1 < . 1:1(0) ack 2 win 65535\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("which no '>' line expects") != std::string::npos);
    }
    SECTION("a > line the model does not send") {
        auto r = run(std::string(passive_open) + "+0 > . 1:1(0) ack 1\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("it sent nothing") != std::string::npos);
    }
    SECTION("syscall results and errno") {
        auto r = run(std::string(passive_open) + "+0 read(4, ..., 10) = 0\n");
        CHECK(r.verdict == pkt::Verdict::fail); // blocks: no data, no FIN
        auto e = run(std::string(passive_open) + "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n+0 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)\n");
        CHECK(e.verdict == pkt::Verdict::pass);
        auto g = run(std::string(passive_open) + "+0 fcntl(4, F_GETFL) = 0x2\n+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1460], [4]) = 0\n");
        INFO(joined(g));
        CHECK(g.verdict == pkt::Verdict::pass);
    }
    SECTION("a blocking read with a range returns when the data comes") {
        auto r = run(std::string(passive_open) + "+0...0.3 read(4, ..., 1000) = 5\n+.2 < P. 1:6(5) ack 1 win 65535\n+0 > . 1:1(0) ack 6\n");
        INFO(joined(r));
        CHECK(r.verdict == pkt::Verdict::pass);
    }
}

TEST_CASE("pkt: numbers out of range are errors that name the value, never truncated", "[pkt]") {
    SECTION("a write count beyond what one write() takes") {
        auto r = run(std::string(passive_open) + "+0 write(4, ..., 99999999999) = 99999999999\n");
        CHECK(r.verdict == pkt::Verdict::fail);
        CHECK(joined(r).find("write count '99999999999'") != std::string::npos);
        auto neg = run(std::string(passive_open) + "+0 write(4, ..., -1) = -1\n");
        CHECK(neg.verdict == pkt::Verdict::fail);
        CHECK(joined(neg).find("write count '-1'") != std::string::npos);
    }
    SECTION("a tolerance that is no number, or beyond ten seconds") {
        for (const char* bad : {"abc", "", "-5", "99999999999999999999", "10000001", "20ms"}) {
            CAPTURE(bad);
            auto r = run(std::string("--tolerance_usecs=") + bad + "\n" + passive_open);
            CHECK(r.verdict == pkt::Verdict::fail);
            CHECK(joined(r).find("--tolerance_usecs needs a number") != std::string::npos);
        }
        auto ok = run(std::string("--tolerance_usecs=20000\n") + passive_open);
        INFO(joined(ok));
        CHECK(ok.verdict == pkt::Verdict::pass);
        CHECK(joined(ok).find("tolerance 20000 us") != std::string::npos);
    }
    static_assert(pkt::max_tolerance_us == 10'000'000);
}

TEST_CASE("pkt: what the model does not have is unsupported, with the line", "[pkt]") {
    const char* text = R"(0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "cubic", 5) = 0
+0 < S 0:0(0) win 100 <mss 1000,sack 1:2>
0 `tc qdisc add dev tun0 root netem delay 10ms`
%{ print(tcpi_rtt) }%
+0 < [ect0] S 0:0(0) win 1
+0 < SE 0:0(0) win 1
+0 < S 0:0(0) win 1 <FO abcd>
+0 getsockopt(3, SOL_TCP, TCP_INFO, {tcpi_state=1}, 4) = 0
+0 sendmsg(3, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_control=[]}, 0) = 0
+0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 4
+0 < udp (100)
0 `sysctl -q net.ipv4.tcp_no_such_thing=1`
)";
    auto r = run(text);
    CHECK(r.verdict == pkt::Verdict::unsupported);
    std::string all = joined(r);
    INFO(all);
    for (int line : {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
        CHECK(all.find(std::to_string(line) + ": unsupported:") != std::string::npos);
    CHECK(all.find("SACK blocks") != std::string::npos);
    CHECK(all.find("Fast Open") != std::string::npos);
    CHECK(all.find("ECN") != std::string::npos);
    CHECK(all.find("embedded Python") != std::string::npos);
    CHECK(all.find("tcp_info") != std::string::npos);
}

TEST_CASE("pkt: shell lines configure the profile - a settings script is read, not run", "[pkt]") {
    SECTION("tcp_rmem decides the window scale Linux offers") {
        auto r = run("0 `sysctl -q net.ipv4.tcp_timestamps=0; sysctl -q net.ipv4.tcp_rmem=\"4096 87380 33554432\"`\n"
                     "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
                     "+0 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>\n+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>\n");
        INFO(joined(r));
        CHECK(r.verdict == pkt::Verdict::pass);
    }
    SECTION("tcp_invalid_ratelimit sets the rate limit of out-of-window ACKs (F4), in milliseconds") {
        Profile p = profiles::linux_default();
        pkt::SysctlState st;
        CHECK(pkt::apply_sysctl(p, st, "net.ipv4.tcp_invalid_ratelimit", "0").kind == pkt::SysctlResult::applied);
        CHECK(p.invalid_ack_ratelimit == 0);
        CHECK(pkt::apply_sysctl(p, st, "/proc/sys/net/ipv4/tcp_invalid_ratelimit", "250").kind == pkt::SysctlResult::applied);
        CHECK(p.invalid_ack_ratelimit == 250);
        CHECK(pkt::apply_sysctl(p, st, "net.ipv4.tcp_invalid_ratelimit", "fast").kind == pkt::SysctlResult::unknown);
        CHECK(p.invalid_ack_ratelimit == 250);
    }
    SECTION("defaults.sh") {
        fs::path dir = fs::temp_directory_path() / "synfin_pkt_defaults";
        fs::create_directories(dir / "common");
        fs::create_directories(dir / "tests");
        {
            std::ofstream o(dir / "common" / "defaults.sh");
            o << "#!/bin/bash\nset -e\nsysctl -q net.ipv4.tcp_timestamps=0\nsysctl -q net.ipv4.tcp_syn_retries=1\n"
                 "sysctl -q net.ipv4.tcp_congestion_control=cubic\necho 0 > /proc/sys/net/ipv4/tcp_ecn\n"
                 "ip link set dev lo mtu 1500\n";
        }
        auto r = run("0 `../common/defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                     "0...3.1 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)\n"
                     "0 > S 0:0(0) <...>\n1 > S 0:0(0) <...>\n",
                     (dir / "tests").string());
        std::string all = joined(r);
        INFO(all);
        CHECK(r.verdict == pkt::Verdict::pass);
        CHECK(all.find("profile: net.ipv4.tcp_syn_retries=1") != std::string::npos);
        CHECK(all.find("ignored (no effect on the model): net.ipv4.tcp_congestion_control=cubic") != std::string::npos);
        CHECK(all.find("ignored (no effect on the model): net.ipv4.tcp_ecn=0") != std::string::npos);
        CHECK(all.find("ignored (not a sysctl): ip link") != std::string::npos);
        fs::remove_all(dir);
    }
    SECTION("a script that cannot be read is unsupported") {
        auto r = run("0 `../common/none.sh`\n", "/nonexistent");
        CHECK(r.verdict == pkt::Verdict::unsupported);
    }
}

TEST_CASE("pkt: a syntax error reports line, column and what was expected", "[pkt]") {
    struct Case { const char* text; std::size_t line, column; const char* expected; };
    const Case cases[] = {
        {"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0 win 100\n", 2, 12, "expected '(' in START:END(LEN)"},
        {"// comment\n\nfoo\n", 3, 1, "expected a time"},
        {"0 < X 0:0(0) win 1\n", 1, 5, "expected TCP flags"},
        {"0 close(3) =\n", 1, 13, "expected a number as the result"},
        {"  +0 < S 0:0(0) win 1 <mss 1000,wscale>\n", 1, 39, "expected a number after 'wscale'"},
        {"0 < . 1:1(0) win 1\n", 1, 19, "needs 'ack N'"},
        {"0 < S 0:0(0)\n", 1, 13, "needs 'win N'"},
        {"0 close(3\n", 1, 10, "expected ')'"},
        {"0 `sysctl -q x=1\n", 1, 4, "expected '`'"},
        {"0 < S 0:5(1) win 1\n", 1, 7, "END - START differs from LEN"},
    };
    for (const auto& c : cases) {
        auto p = pkt::parse(c.text);
        INFO(c.text);
        REQUIRE(std::holds_alternative<pkt::Diag>(p));
        const auto& d = std::get<pkt::Diag>(p);
        INFO(d.line << ":" << d.column << ": " << d.message);
        CHECK(d.line == c.line);
        CHECK(d.column == c.column);
        CHECK(d.message.find(c.expected) != std::string::npos);
    }
}

namespace {

const char* const reconnect_trace = R"(synfin-trace 1
config reconnect/no_time_wait
property no_stale_acceptance
seq-bits 3
user A connect iss=0
user B listen iss=4
deliver A->B 0
deliver B->A 0
user A close
deliver A->B 1
user B close
deliver B->A 1
deliver A->B 1
deliver B->A 0
user A connect iss=1
user B listen iss=6
deliver A->B 0
deliver A->B 0
end
)";

const char* const crash_trace = R"(synfin-trace 1
config crash/no_keepalive
property no_half_open_leak
seq-bits 3
user B listen iss=4
user A connect iss=0
deliver A->B 0
deliver B->A 0
crash A
deliver A->B 0
cycle
tick
end
)";

} // namespace

TEST_CASE("pkt: trace -> packetdrill -> pkt run passes on the model, from either host", "[pkt][export]") {
    for (const char* text : {reconnect_trace, crash_trace}) {
        auto parsed = parse_trace(text);
        REQUIRE(std::holds_alternative<Trace>(parsed));
        for (int host : {0, 1}) {
            auto ex = pktexport::export_trace(std::get<Trace>(parsed), host);
            REQUIRE(ex.error.empty());
            INFO(ex.text);
            auto p = pkt::parse(ex.text);
            REQUIRE(std::holds_alternative<pkt::Script>(p));
            auto r = run(ex.text);
            INFO(joined(r));
            CHECK(r.verdict == pkt::Verdict::pass);
            CHECK(ex.text.find("> S") != std::string::npos);
        }
    }
}

TEST_CASE("pkt: an exported script with a changed expectation fails", "[pkt][export]") {
    auto parsed = parse_trace(reconnect_trace);
    auto ex = pktexport::export_trace(std::get<Trace>(parsed), 1);
    auto at = ex.text.find("> S. ");
    REQUIRE(at != std::string::npos);
    std::string bad = ex.text;
    bad.replace(at, 5, "> R. ");
    CHECK(run(bad).verdict == pkt::Verdict::fail);
}

// Fuzz: no input crashes the parser, and whatever parses runs to a verdict. Bounded by
// RapidCheck's test count; under ctest with a fixed seed (tests/main.cpp).
TEST_CASE("pkt fuzz: random and mutated scripts never crash the parser or the runner", "[pkt][fuzz]") {
    rc::prop("random bytes", [](const std::string& s) {
        auto p = pkt::parse(s);
        if (auto* sc = std::get_if<pkt::Script>(&p)) {
            pkt::Runner<Seq32> r(pkt::RunOptions{});
            (void)r.run(*sc);
        } else {
            const auto& d = std::get<pkt::Diag>(p);
            RC_ASSERT(d.line >= 1);
            RC_ASSERT(!d.message.empty());
        }
    });
    const std::string seed = std::string(passive_open) +
                             "+0 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 1\n+0...1 read(4, ..., 5) = 0\n"
                             "+.1 < F. 1:1(0) ack 11 win 100 <nop,TS val 1 ecr 2>\n+0 close(4) = 0\n";
    rc::prop("mutated scripts", [&seed](std::vector<std::pair<std::uint16_t, char>> edits) {
        std::string s = seed;
        for (auto [pos, ch] : edits) {
            std::size_t at = pos % (s.size() + 1);
            if (ch % 3 == 0 && at < s.size()) s.erase(at, 1);
            else if (ch % 3 == 1 && at < s.size()) s[at] = ch;
            else s.insert(at, 1, ch);
        }
        auto p = pkt::parse(s);
        if (auto* sc = std::get_if<pkt::Script>(&p)) {
            pkt::Runner<Seq32> r(pkt::RunOptions{});
            (void)r.run(*sc);
        }
    });
}
