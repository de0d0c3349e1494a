// The core as a faithful reference (issue 10): the rules where step() departed from RFC 9293
// §3.10 or from the Linux kernel, one TEST_CASE per rule, named after its section or after the
// Linux function it follows. Every Linux behaviour here also has a tests/pkt/ script that
// passes under upstream packetdrill on the kernel (named beside each test). Endpoints are
// brought to their state by real steps (tests/support/harness.hpp), never by writing a TCB.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/harness.hpp"
#include "support/pkt_scripts.hpp"
#include "synfin/packetdrill.hpp"
#include "../checks/pkt.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;
namespace fs = std::filesystem;

const Profile rfc = profiles::rfc9293();
const Profile hardened = profiles::rfc9293_hardened();
const Profile lnx = profiles::linux_default();

// Window fields taken as bytes, so that a test can offer exactly 100.
Profile without_wscale(Profile p) {
    p.wscale = no_wscale;
    return p;
}

// The ACK a peer sends: at RCV.NXT, acknowledging `ack`, offering `wnd`.
Segment<S> ack_of(const Tcb<S>& t, S ack, std::uint16_t wnd, Flags f = Flags(Flag::ack)) {
    return make_seg<S>(f, t.rcv_nxt, ack, 0, wnd);
}

// An established endpoint (a, the active opener) whose peer offers `wnd` bytes. The SYNs offer
// a small window, so that the largest window offered is the one a test chooses.
Endpoint<S> established_with_window(const Profile& p, std::uint16_t wnd) {
    Profile q = without_wscale(p);
    q.syn_window = 100;
    auto e = reach(State::established, q);
    e.arrive(ack_of(e.tcb, e.tcb.snd_nxt, wnd));
    if (e.tcb.snd_wnd != wnd) throw std::logic_error("window not taken");
    return e;
}

pkt::RunReport run_pkt(const std::string& text) {
    pkt::RunOptions o;
    return pktexport::run_text(text, o);
}

std::string joined(const pkt::RunReport& r) {
    std::string s;
    for (const auto& m : r.messages) s += m + "\n";
    return s;
}

} // namespace

// =============================================================================================
// Item 1: nothing queued is ever stranded (tests/pkt/closing_queued_data.pkt)
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 fifth CLOSING: an ACK short of our FIN still takes its window and sends what is queued "
          "(Linux tcp_rcv_state_process, tcp_data_snd_check)",
          "[fidelity][closing]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto a = established_with_window(*p, 100);
        const S una = a.tcb.snd_una;
        const auto& first = a.on(Send{200});
        REQUIRE(first.size() == 1);
        CHECK(first[0].len == 100); // the window allows half
        a.on(Close{});
        REQUIRE(a.state() == State::fin_wait_1);
        REQUIRE(a.tcb.send_queued == 100);
        REQUIRE_FALSE(a.tcb.fin_sent);
        // The peer's FIN crosses: it acknowledges none of our data.
        a.arrive(ack_of(a.tcb, una, 100, Flag::fin | Flag::ack));
        REQUIRE(a.state() == State::closing);
        // The peer acknowledges the first 100 bytes and opens its window: the rest and the FIN go.
        const auto& fx = a.arrive(ack_of(a.tcb, una + 100, 1000));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].seq == una + 100);
        CHECK(fx[0].len == 100);
        CHECK(fx[0].flags == (Flag::fin | Flag::psh | Flag::ack));
        CHECK(a.state() == State::closing);
        CHECK(a.tcb.at(Timer::retransmission) != never);
        CHECK(a.tcb.send_queued == 0);
        // And the ACK of it all ends CLOSING as usual.
        a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 1000));
        CHECK(a.state() == State::time_wait);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth: in every state with data or a FIN queued an acceptable ACK updates the window "
          "and sends (ESTABLISHED, FIN-WAIT-1, CLOSING, CLOSE-WAIT, LAST-ACK)",
          "[fidelity][window]") {
    const std::vector<State> states{State::established, State::fin_wait_1, State::closing, State::close_wait,
                                    State::last_ack};
    for (const Profile* p : {&rfc, &lnx}) {
        for (State target : states) {
            CAPTURE(p->name, target);
            auto a = established_with_window(*p, 100);
            const S una = a.tcb.snd_una;
            if (target == State::close_wait || target == State::last_ack) {
                a.arrive(ack_of(a.tcb, una, 100, Flag::fin | Flag::ack));
                REQUIRE(a.state() == State::close_wait);
            }
            a.on(Send{200});
            REQUIRE(a.tcb.send_queued == 100);
            const bool closes = target != State::established && target != State::close_wait;
            if (closes) a.on(Close{});
            if (target == State::closing) a.arrive(ack_of(a.tcb, una, 100, Flag::fin | Flag::ack));
            REQUIRE(a.state() == target);
            // A zero window first: nothing may go, and nothing is lost.
            CHECK(a.arrive(ack_of(a.tcb, una + 100, 0)).size() == 0);
            CHECK(a.tcb.snd_wnd == 0);
            CHECK(a.tcb.send_queued == 100);
            // The window opens (a window update: same SEQ and ACK): the rest goes now.
            const auto& fx = a.arrive(ack_of(a.tcb, una + 100, 1000));
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].seq == una + 100);
            CHECK(fx[0].len == 100);
            CHECK(fx[0].flags.fin() == closes);
            CHECK(a.state() == target);
            CHECK(a.tcb.at(Timer::retransmission) != never);
        }
    }
}

TEST_CASE("Output budget (docs/design.md): at most max_segments_per_step segments per step, the rest goes out on the "
          "ACKs that the segments in flight draw",
          "[fidelity][budget]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto a = established_with_window(*p, 65535);
        const std::uint32_t mss = a.tcb.snd_mss - (a.tcb.ts_ok ? 12u : 0u);
        const std::uint32_t total = 10 * mss;
        const auto& first = a.on(Send{total});
        CHECK(first.size() == max_segments_per_step);
        CHECK(a.tcb.send_queued == total - max_segments_per_step * mss);
        CHECK(a.tcb.at(Timer::retransmission) != never);
        std::uint32_t sent = max_segments_per_step * mss;
        // CLOSE is a step too: it sends the next burst, and the FIN waits behind the rest.
        const auto& closing = a.on(Close{});
        REQUIRE(a.state() == State::fin_wait_1);
        CHECK(closing.size() == max_segments_per_step);
        for (const auto& s : closing) sent += s.len;
        CHECK_FALSE(a.tcb.fin_sent);
        // Each ACK of everything sent so far releases the next burst; the FIN rides on the last.
        int steps = 0;
        while (!a.tcb.fin_sent && steps++ < 10) {
            const auto& fx = a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 65535));
            REQUIRE(fx.size() >= 1);
            CHECK(fx.size() <= max_segments_per_step);
            for (const auto& s : fx) sent += s.len;
            CHECK(a.tcb.at(Timer::retransmission) != never);
        }
        CHECK(sent == total);
        CHECK(a.tcb.send_queued == 0);
        a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 65535));
        CHECK(a.state() == State::fin_wait_2);
    }
}

TEST_CASE("Output budget: a simultaneous close with more data queued than one step sends converges to TIME-WAIT on "
          "both sides, by ACKs alone",
          "[fidelity][budget][closing]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::established, *p);
        w.at_a(Send{20000});
        w.at_b(Send{30000});
        // shutdown(SHUT_WR): a full close() would answer the peer's data with RST (RFC 1122
        // §4.2.2.13), which is not what this test is about.
        w.at_a(Close{false});
        w.at_b(Close{false});
        // Deliver everything; the only timer fired is a held ACK with nothing else to carry it.
        int limit = 512;
        while ((!w.to_a.empty() || !w.to_b.empty()) && limit-- > 0) {
            w.deliver_to_b();
            w.deliver_to_a();
            if (w.a.tcb.ack_pending && w.to_b.empty()) w.fire_a(Timer::delayed_ack);
            if (w.b.tcb.ack_pending && w.to_a.empty()) w.fire_b(Timer::delayed_ack);
        }
        REQUIRE(limit > 0);
        CHECK(w.a.tcb.send_queued == 0);
        CHECK(w.b.tcb.send_queued == 0);
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.b.state() == State::time_wait);
    }
}

// =============================================================================================
// Item 3 of the brief (issue 10 #3): RFC 5961 §5.2 bounds old ACKs by MAX.SND.WND
// (tests/pkt/rfc5961_max_snd_wnd.pkt)
// =============================================================================================

TEST_CASE("RFC 5961 §5.2: after a zero-window ACK, an ACK older than SND.UNA but within MAX.SND.WND is accepted "
          "(linux, rfc9293_hardened)",
          "[fidelity][rfc5961]") {
    for (const Profile* p : {&lnx, &hardened}) {
        CAPTURE(p->name);
        auto a = established_with_window(*p, 1000);
        const S una = a.tcb.snd_una;
        a.on(Send{500});
        a.arrive(ack_of(a.tcb, una + 500, 0)); // all acknowledged, and the window closes
        REQUIRE(a.tcb.snd_wnd == 0);
        CHECK(a.tcb.max_send_window() == 1000);
        // In sequence, with data, acknowledging 200 bytes less: old, but not an attack.
        const auto before_nxt = a.tcb.rcv_nxt;
        const auto& fx = a.arrive(make_seg<S>(Flag::ack | Flag::psh, a.tcb.rcv_nxt, una + 300, 10, 1000));
        CHECK(a.tcb.rcv_nxt == before_nxt + 10); // the text is taken
        CHECK(a.tcb.snd_una == una + 500);
        CHECK(a.tcb.snd_wnd == 0); // an old ACK updates no window (§3.10.7.4 fifth)
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].ack == before_nxt + 10);
        // Older than SND.UNA - MAX.SND.WND: a challenge ACK, and the segment is dropped.
        const auto mid = a.tcb;
        const auto& ch = a.arrive(make_seg<S>(Flag::ack | Flag::psh, a.tcb.rcv_nxt, una + 500 - 1001, 10, 1000));
        INFO(synfin::test::describe(ch.size() ? ch[0] : Segment<S>{}));
        REQUIRE(ch.size() == 1);
        CHECK(ch[0].flags == Flags(Flag::ack));
        CHECK(ch[0].ack == mid.rcv_nxt);
        CHECK(a.tcb.rcv_nxt == mid.rcv_nxt);
    }
}

TEST_CASE("RFC 5961 §5.2: MAX.SND.WND is the largest window offered, and a TCB whose window never shrank keeps "
          "max_snd_wnd at 0 (the checker packs TCBs without it)",
          "[fidelity][rfc5961]") {
    auto a = established_with_window(lnx, 1000);
    CHECK(a.tcb.max_snd_wnd == 0);
    CHECK(a.tcb.max_send_window() == 1000);
    a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 3000)); // grows: still nothing to keep
    CHECK(a.tcb.max_snd_wnd == 0);
    CHECK(a.tcb.max_send_window() == 3000);
    a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 200)); // shrinks: the peak is kept
    CHECK(a.tcb.max_send_window() == 3000);
    a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 2000));
    CHECK(a.tcb.max_send_window() == 3000);
    a.arrive(ack_of(a.tcb, a.tcb.snd_nxt, 5000));
    CHECK(a.tcb.max_send_window() == 5000);
}

// =============================================================================================
// The packetdrill runner never aborts (issue 10 #15)
// =============================================================================================

TEST_CASE("pkt runner: getsockopt(SO_ERROR) after an RST in CLOSE-WAIT reports EPIPE (Linux tcp_reset), never an "
          "exception",
          "[fidelity][pkt]") {
    const std::string head = std::string(synfin::test::passive_open) + R"(+.1 < F. 1:1(0) ack 1 win 65535
+0 > . 1:1(0) ack 2
+.1 < R. 2:2(0) ack 1 win 0
)";
    pkt::RunReport ok;
    REQUIRE_NOTHROW(ok = run_pkt(head + "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [EPIPE], [4]) = 0\n"));
    INFO(joined(ok));
    CHECK(ok.verdict == pkt::Verdict::pass);
    // A wrong expectation fails with a message.
    pkt::RunReport wrong;
    REQUIRE_NOTHROW(wrong = run_pkt(head + "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n"));
    CHECK(wrong.verdict == pkt::Verdict::fail);
    // An errno the runner does not know is a failure with a message, not an exception.
    pkt::RunReport unknown;
    REQUIRE_NOTHROW(unknown = run_pkt(head + "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ENOSUCHERR], [4]) = 0\n"));
    CHECK(unknown.verdict == pkt::Verdict::fail);
    CHECK(joined(unknown).find("ENOSUCHERR") != std::string::npos);
}

TEST_CASE("pkt runner: every errno the model runner can return or keep pending has its Linux number",
          "[fidelity][pkt]") {
    // Every errno name the runner's source spells out maps, so a new one cannot be forgotten.
    const fs::path header = fs::path(__FILE__).parent_path().parent_path() / "include" / "synfin" / "packetdrill.hpp";
    std::ifstream in(header);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string src = text.str();
    const std::regex literal("\"(E[A-Z]{3,})\"");
    int seen = 0;
    for (std::sregex_iterator it(src.begin(), src.end(), literal), end; it != end; ++it, ++seen) {
        CAPTURE((*it)[1].str());
        CHECK(pkt::errno_number((*it)[1].str()).has_value());
    }
    CHECK(seen >= 10);

    const std::vector<std::pair<const char*, long long>> linux_errnos{
        {"EBADF", 9},       {"EAGAIN", 11},      {"EWOULDBLOCK", 11}, {"EINVAL", 22},
        {"EPIPE", 32},      {"ECONNRESET", 104}, {"ENOTCONN", 107},   {"ETIMEDOUT", 110},
        {"ECONNREFUSED", 111}, {"EINPROGRESS", 115}};
    for (const auto& [name, value] : linux_errnos) {
        CAPTURE(name);
        REQUIRE(pkt::errno_number(name).has_value());
        CHECK(*pkt::errno_number(name) == value);
    }
    CHECK_FALSE(pkt::errno_number("ENOSUCHERR").has_value());
}

// =============================================================================================
// Linux LISTEN discards SYN+FIN (issue 10 #10; tests/pkt/listen_syn_fin.pkt)
// =============================================================================================

TEST_CASE("Linux tcp_rcv_state_process TCP_LISTEN: a SYN+FIN is discarded (linux), the RFC takes the SYN (rfc9293)",
          "[fidelity][listen]") {
    auto l = reach(State::listen, lnx);
    const auto before = l.tcb;
    CHECK(l.arrive(make_seg<S>(Flag::syn | Flag::fin, S{300})).size() == 0);
    CHECK(l.state() == State::listen);
    CHECK(l.tcb == before);
    // A plain SYN after it opens as usual.
    const auto& fx = l.arrive(make_seg<S>(Flags(Flag::syn), S{300}));
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::syn | Flag::ack));
    CHECK(l.state() == State::syn_received);
    // §3.10.7.2 third: the RFC processes the SYN (its FIN is not modelled, docs/design.md).
    auto r = reach(State::listen, rfc);
    const auto& rx = r.arrive(make_seg<S>(Flag::syn | Flag::fin, S{300}));
    REQUIRE(rx.size() == 1);
    CHECK(rx[0].flags == (Flag::syn | Flag::ack));
    CHECK(r.state() == State::syn_received);
}

// =============================================================================================
// rfc9293 trims a FIN just outside the window (issue 10 #12)
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 first: a FIN at exactly RCV.NXT+RCV.WND lies outside the window and is trimmed, "
          "\"including SYN and FIN\" (rfc9293)",
          "[fidelity][window][fin]") {
    Profile q = rfc;
    q.rcv_wnd = 100;
    auto e = reach(State::established, q);
    const S r0 = e.tcb.rcv_nxt;
    // 100 bytes fill the window: the FIN after them is at RCV.NXT+RCV.WND, outside.
    const auto& fx = e.arrive(make_seg<S>(Flag::fin | Flag::ack | Flag::psh, r0, e.tcb.snd_nxt, 100));
    CHECK(e.tcb.rcv_nxt == r0 + 100);
    CHECK(e.tcb.unread == 100);
    CHECK(e.state() == State::established);
    CHECK_FALSE(fx.has(Notice::peer_closed));
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].ack == r0 + 100); // the data, not the FIN, is acknowledged
    // The FIN sent again, now inside the window, is taken.
    e.arrive(make_seg<S>(Flag::fin | Flag::ack, r0 + 100, e.tcb.snd_nxt));
    CHECK(e.state() == State::close_wait);
    CHECK(e.tcb.rcv_nxt == r0 + 101);
    // 99 bytes and the FIN fit exactly: taken at once.
    auto f = reach(State::established, q);
    const S f0 = f.tcb.rcv_nxt;
    f.arrive(make_seg<S>(Flag::fin | Flag::ack | Flag::psh, f0, f.tcb.snd_nxt, 99));
    CHECK(f.state() == State::close_wait);
    CHECK(f.tcb.rcv_nxt == f0 + 100);
}

// =============================================================================================
// Linux tcp_reset_check (issue 10 #9; tests/pkt/rst_reset_check_{close_wait,last_ack,closing}.pkt)
// =============================================================================================

TEST_CASE("Linux tcp_reset_check: in CLOSE-WAIT, LAST-ACK and CLOSING an RST at RCV.NXT-1 resets (linux), "
          "rfc9293 drops it as outside the window",
          "[fidelity][rst]") {
    for (State s : {State::close_wait, State::last_ack, State::closing}) {
        CAPTURE(s);
        auto l = reach(s, lnx);
        const auto& fx = l.arrive(make_seg<S>(Flag::rst | Flag::ack, l.tcb.rcv_nxt - 1, l.tcb.snd_nxt));
        CHECK(l.state() == State::closed);
        CHECK(fx.has(Notice::reset));
        CHECK(fx.size() == 0);
        auto r = reach(s, rfc);
        const auto before = r.tcb;
        CHECK(r.arrive(make_seg<S>(Flag::rst | Flag::ack, r.tcb.rcv_nxt - 1, r.tcb.snd_nxt)).size() == 0);
        CHECK(r.tcb == before);
    }
    // Before the peer's FIN, RCV.NXT-1 is only an old number: ESTABLISHED and FIN-WAIT-1 drop it.
    for (State s : {State::established, State::fin_wait_1}) {
        CAPTURE(s);
        auto l = reach(s, lnx);
        const auto before = l.tcb;
        CHECK(l.arrive(make_seg<S>(Flag::rst | Flag::ack, l.tcb.rcv_nxt - 1, l.tcb.snd_nxt)).size() == 0);
        CHECK(l.tcb == before);
    }
}

// =============================================================================================
// Linux TIME-WAIT (issue 10 #8; tests/pkt/time_wait_in_window.pkt)
// =============================================================================================

TEST_CASE("Linux tcp_timewait_state_process: in TIME-WAIT only a bare segment or an RST at RCV.NXT is in window - "
          "data, a new FIN, a segment beyond RCV.NXT get an ACK (linux)",
          "[fidelity][time-wait]") {
    auto e = reach(State::time_wait, lnx);
    const S rn = e.tcb.rcv_nxt;
    const S sn = e.tcb.snd_nxt;
    // A bare ACK at RCV.NXT: taken silently, and the 2 MSL restart.
    e.now += 1000;
    CHECK(e.arrive(make_seg<S>(Flag::ack, rn, sn)).size() == 0);
    CHECK(e.state() == State::time_wait);
    CHECK(e.tcb.at(Timer::time_wait) == e.now + lnx.time_wait);
    struct Row {
        const char* what;
        Segment<S> seg;
    };
    const std::vector<Row> rows{
        {"data at RCV.NXT", make_seg<S>(Flag::ack | Flag::psh, rn, sn, 10)},
        {"a new FIN at RCV.NXT", make_seg<S>(Flag::fin | Flag::ack, rn, sn)},
        {"a bare ACK beyond RCV.NXT", make_seg<S>(Flag::ack, rn + 100, sn)},
        {"the retransmitted FIN", make_seg<S>(Flag::fin | Flag::ack, rn - 1, sn)},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        const auto& fx = e.arrive(row.seg);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::ack));
        CHECK(fx[0].seq == sn);
        CHECK(fx[0].ack == rn);
        CHECK(e.state() == State::time_wait);
        CHECK(e.tcb.rcv_nxt == rn);
    }
    // rfc9293: data in the window is ignored there (§3.10.7.4: only a FIN retransmission is
    // expected in TIME-WAIT), without an ACK.
    auto r = reach(State::time_wait, rfc);
    CHECK(r.arrive(make_seg<S>(Flag::ack | Flag::psh, r.tcb.rcv_nxt, r.tcb.snd_nxt, 10)).size() == 0);
    CHECK(r.state() == State::time_wait);
}

// =============================================================================================
// One fresh ISS per attempt (issue 10 #5)
// =============================================================================================

namespace fresh_iss {
// A listener that took a SYN at `syn_seq` and went back to LISTEN on an RST: the failed attempt.
Endpoint<S> failed_attempt(const Profile& p) {
    auto l = reach(State::listen, p);
    l.arrive(make_seg<S>(Flags(Flag::syn), S{300}));
    REQUIRE(l.state() == State::syn_received);
    l.arrive(make_seg<S>(Flags(Flag::rst), S{301}));
    REQUIRE(l.state() == State::listen);
    return l;
}

constexpr bool caller_iss_is_taken() {
    Tcb<S> t{};
    auto l = step(t, Open<S>{true, S{7}, 0}, 0, profiles::rfc9293());
    auto r = step(l.tcb, SegmentArrives<S>{make_seg<S>(Flags(Flag::syn), S{300}), S{1234}}, 0, profiles::rfc9293());
    return r.tcb.iss == S{1234} && r.effects[0].seq == S{1234} && r.tcb.snd_nxt == S{1235};
}
static_assert(caller_iss_is_taken(), "a SYN in LISTEN takes the ISS its event offers, at compile time too");
} // namespace fresh_iss

TEST_CASE("RFC 9293 §3.4.1 MUST-8, RFC 6528: a SYN taken in LISTEN uses the ISS the caller offers with it",
          "[fidelity][iss]") {
    for (const Profile& p : {rfc, lnx}) {
        auto l = reach(State::listen, p);
        const auto& fx = l.on(SegmentArrives<S>{make_seg<S>(Flags(Flag::syn), S{300}), S{0xdeadbeef}});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::syn | Flag::ack));
        CHECK(fx[0].seq == S{0xdeadbeef});
        CHECK(fx[0].ack == S{301});
        CHECK(l.tcb.iss == S{0xdeadbeef});
    }
}

TEST_CASE("RFC 9293 §3.4.1 MUST-8: after SYN-RECEIVED goes back to LISTEN, the next attempt never reuses the "
          "failed attempt's ISS, so a delayed ACK of that attempt cannot complete it (tests/pkt/rst_syn_received.pkt)",
          "[fidelity][iss]") {
    for (const Profile& p : {rfc, lnx}) {
        auto l = fresh_iss::failed_attempt(p);
        const S old_iss = S{5000}; // reach()'s ISS for the passive host
        // Without a caller's ISS the listener moves its own as far as it can.
        auto fallback = l;
        const auto& fx = fallback.arrive(make_seg<S>(Flags(Flag::syn), S{900}));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].seq == old_iss + S::half);
        // The delayed ACK of the failed attempt (ACK = old ISS + 1) is not acceptable now: it
        // gets <SEQ=SEG.ACK><CTL=RST> (§3.10.7.4 SYN-RECEIVED fifth) and the attempt stays.
        const auto& rx = fallback.arrive(make_seg<S>(Flags(Flag::ack), S{901}, old_iss + 1u));
        REQUIRE(rx.size() == 1);
        CHECK(rx[0].flags.rst());
        CHECK(rx[0].seq == old_iss + 1u);
        CHECK(fallback.state() == State::syn_received);
        // With the caller's ISS, that one.
        auto offered = l;
        const auto& ox = offered.on(SegmentArrives<S>{make_seg<S>(Flags(Flag::syn), S{900}), S{777}});
        REQUIRE(ox.size() == 1);
        CHECK(ox[0].seq == S{777});
    }
}

TEST_CASE("Linux tcp_timewait_state_process TCP_TW_SYN: a reopening SYN takes ISS = SND.NXT + 65537 (tw_isn), "
          "not the caller's", "[fidelity][iss]") {
    auto w = reach_wire<S>(State::established, lnx); // the passive side closes first
    w.at_b(Close{});
    w.deliver_to_a();
    w.at_a(Close{});
    w.settle();
    auto tw = w.b;
    REQUIRE(tw.state() == State::time_wait);
    REQUIRE(tw.tcb.passive);
    const S expect = tw.tcb.snd_nxt + 65537u;
    const auto& fx = tw.on(SegmentArrives<S>{make_seg<S>(Flags(Flag::syn), tw.tcb.rcv_nxt + 100u), S{42}});
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::syn | Flag::ack));
    CHECK(fx[0].seq == expect);
}

// =============================================================================================
// Simultaneous open completes on the crossing SYN,ACK (issue 10 #7; tests/pkt/simultaneous_open.pkt)
// =============================================================================================

TEST_CASE("RFC 9293 §3.5 Figure 7, Linux tcp_validate_incoming: in a simultaneous open the SYN,ACK that arrives "
          "in SYN-RECEIVED completes the connection; the RFC sends nothing for it, Linux a duplicate ACK",
          "[fidelity][simultaneous-open]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = simultaneous_open<S>(*p);
        REQUIRE(w.to_a.size() == 1);
        REQUIRE(w.to_b.size() == 1);
        const Segment<S> synack = w.to_a.front();
        REQUIRE(synack.flags == (Flag::syn | Flag::ack));
        const auto& fx = w.a.arrive(w.drop_to_a());
        CHECK(w.a.state() == State::established);
        CHECK(fx.has(Notice::established));
        if (p->old_segment_to_rcv_wup) { // tcp_data_queue: an old segment ending at RCV.NXT
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == Flags(Flag::ack));
            CHECK(fx[0].seq == w.a.tcb.snd_nxt);
            CHECK(fx[0].ack == w.a.tcb.rcv_nxt);
        } else {
            CHECK(fx.size() == 0);
        }
        CHECK(w.a.tcb.snd_una == w.a.tcb.snd_nxt);
        CHECK(w.a.tcb.at(Timer::retransmission) == never);
        CHECK(w.a.tcb.snd_wl1 == synack.seq);
        // RFC 7323 §2.2: a SYN's window is never scaled; Linux scales this one (TCP_SYN_RECV).
        REQUIRE(w.a.tcb.snd_wscale == 7);
        const std::uint32_t scaled = static_cast<std::uint32_t>(synack.wnd) << 7;
        CHECK(w.a.tcb.snd_wnd == (p->crossing_synack_window_scaled ? scaled : synack.wnd));
        w.deliver_to_b();
        CHECK(w.b.state() == State::established);
        // Two SYNs, two SYN,ACKs and, on Linux, b's duplicate ACK (a's went outside the wire).
        CHECK(w.log.size() == (p->old_segment_to_rcv_wup ? 5u : 4u));
    }
    CHECK_FALSE(rfc.crossing_synack_window_scaled);
    CHECK(lnx.crossing_synack_window_scaled);
    // A SYN,ACK acknowledging anything but our SYN is not the crossing one: old, and answered.
    auto w = simultaneous_open<S>(rfc);
    Segment<S> other = w.to_a.front();
    other.ack = other.ack + 1;
    const auto& fx = w.a.arrive(other);
    CHECK(w.a.state() == State::syn_received);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::ack));
}

// =============================================================================================
// Linux's lower window edge is RCV.WUP (issue 10 #6; tests/pkt/rcv_wup_closing.pkt)
// =============================================================================================

TEST_CASE("Linux tcp_sequence: the window's lower edge is RCV.WUP - a segment ending at RCV.NXT has its ACK "
          "taken (linux); RFC 9293 §3.10.7.4 first finds it old and only answers it",
          "[fidelity][acceptability]") {
    const auto retransmitted_fin = [](const Tcb<S>& t) {
        return make_seg<S>(Flag::fin | Flag::ack, t.rcv_nxt - 1, t.snd_nxt);
    };
    SECTION("CLOSING: the retransmitted FIN that acknowledges our FIN moves to TIME-WAIT, silently") {
        auto l = reach(State::closing, lnx);
        CHECK(l.arrive(retransmitted_fin(l.tcb)).size() == 0);
        CHECK(l.state() == State::time_wait);
        auto r = reach(State::closing, rfc);
        const S una = r.tcb.snd_una;
        const auto& fx = r.arrive(retransmitted_fin(r.tcb));
        CHECK(r.state() == State::closing);
        CHECK(r.tcb.snd_una == una);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::ack));
    }
    SECTION("LAST-ACK: it closes the connection, silently") {
        auto l = reach(State::last_ack, lnx);
        const auto& fx = l.arrive(retransmitted_fin(l.tcb));
        CHECK(fx.size() == 0);
        CHECK(fx.has(Notice::closed));
        CHECK(l.state() == State::closed);
        auto r = reach(State::last_ack, rfc);
        CHECK(r.arrive(retransmitted_fin(r.tcb)).size() == 1);
        CHECK(r.state() == State::last_ack);
    }
    SECTION("CLOSE-WAIT: the ACK of our data is taken, then the duplicate ACK goes") {
        for (const Profile* p : {&lnx, &rfc}) {
            CAPTURE(p->name);
            auto e = reach(State::close_wait, *p);
            e.on(Send{10});
            REQUIRE(e.tcb.in_flight() == 10);
            const auto& fx = e.arrive(retransmitted_fin(e.tcb));
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == Flags(Flag::ack));
            CHECK(fx[0].ack == e.tcb.rcv_nxt);
            CHECK(e.tcb.in_flight() == (p->old_segment_to_rcv_wup ? 0u : 10u));
        }
    }
    SECTION("RCV.WUP is one below RCV.NXT while the ACK of a FIN is delayed") {
        // After data, Linux holds the ACK of the FIN (tcp_fin: pingpong): the last ACK sent was
        // at RCV.NXT-1, so a bare segment there - the peer's ACK from before its FIN, reordered -
        // is in the window and taken without an answer.
        auto held = reach(State::close_wait, lnx, S{1000}, S{5000}, ReachOptions{10, 0, true});
        REQUIRE(held.tcb.ack_pending);
        const auto before = held.tcb;
        CHECK(held.arrive(make_seg<S>(Flags(Flag::ack), held.tcb.rcv_nxt - 1, held.tcb.snd_nxt)).size() == 0);
        CHECK(held.state() == State::close_wait);
        CHECK(held.tcb.ack_pending); // still held: nothing answered the segment
        CHECK(held.tcb.rcv_nxt == before.rcv_nxt);
        // Without a held ACK, RCV.WUP is RCV.NXT and the same segment is old: answered.
        auto prompt = reach(State::close_wait, lnx);
        REQUIRE_FALSE(prompt.tcb.ack_pending);
        CHECK(prompt.arrive(make_seg<S>(Flags(Flag::ack), prompt.tcb.rcv_nxt - 1, prompt.tcb.snd_nxt)).size() == 1);
    }
}
