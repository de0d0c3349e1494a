// The behavioural claims of the seed note (seed/connect-and-release.md, restated in English and
// numbered in /work/shared/seed-claims.md), one TEST_CASE each, named "claim N: ...". Claims
// about one endpoint drive one TCB; claims about a conversation drive two endpoints through
// the harness's wire, delivering, dropping and replaying segments by hand. Where the note and
// Linux disagree (claim 6), the test asserts what each profile does and its name says so.
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "synfin/codec.hpp"
#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;

const Profile rfc = profiles::rfc9293();
const Profile lnx = profiles::linux_default();

constexpr S x{1000}; // the client's ISS
constexpr S y{5000}; // the server's ISS

// The states one endpoint passes through, recorded after every step it takes.
struct StateLog {
    std::vector<State> seen;
    void note(State s) {
        if (seen.empty() || seen.back() != s) seen.push_back(s);
    }
};

} // namespace

TEST_CASE("claim 1: initially the client is CLOSED and the server, after a passive OPEN, LISTEN", "[claims]") {
    Tcb<S> client{};
    CHECK(client.state == State::closed);
    CHECK(next_deadline(client).at == never);
    Endpoint<S> server(rfc);
    server.on(Open<S>{true, y, 0});
    CHECK(server.state() == State::listen);
    CHECK(server.fx.size() == 0); // a listener sends nothing until a SYN arrives
}

TEST_CASE("claim 2: the handshake in relative numbers (0/0, 0/1, 1/1, then data 1/1 len k) and absolute x, y, x+1, y+1",
          "[claims]") {
    for (S iss_c : {x, S{0}, S{0xffffffffu}}) {
        for (const Profile* p : {&rfc, &lnx}) {
            CAPTURE(iss_c, p->name);
            const S iss_s = iss_c + 0x12345678u;
            Wire<S> w(*p, *p);
            w.at_b(Open<S>{true, iss_s, 0});
            w.at_a(Open<S>{false, iss_c, 0});
            CHECK(w.a.state() == State::syn_sent);
            w.deliver_to_b();
            CHECK(w.b.state() == State::syn_received);
            w.deliver_to_a();
            CHECK(w.a.state() == State::established);
            w.deliver_to_b();
            CHECK(w.b.state() == State::established);
            const std::uint32_t k = 100;
            w.at_a(Send{k});
            REQUIRE(w.log.size() == 4);
            const auto& syn = w.log[0].seg;
            const auto& synack = w.log[1].seg;
            const auto& ack = w.log[2].seg;
            const auto& data = w.log[3].seg;
            // Relative to each sender's ISS, as the note (and Wireshark) shows them.
            using R = Relative<S>;
            CHECK(relative(syn, iss_c, iss_s) == R{Flags(Flag::syn).bits, 0, 0, 0});
            CHECK(relative(synack, iss_s, iss_c) == R{(Flag::syn | Flag::ack).bits, 0, 1, 0});
            CHECK(relative(ack, iss_c, iss_s) == R{Flags(Flag::ack).bits, 1, 1, 0});
            CHECK(relative(data, iss_c, iss_s) == R{(Flag::ack | Flag::psh).bits, 1, 1, k});
            // Absolute: SYN seq=x; SYN+ACK seq=y ack=x+1; ACK seq=x+1 ack=y+1.
            CHECK(syn.seq == iss_c);
            CHECK(synack.seq == iss_s);
            CHECK(synack.ack == iss_c + 1);
            CHECK(ack.seq == iss_c + 1);
            CHECK(ack.ack == iss_s + 1);
            CHECK(data.seq == iss_c + 1);
            CHECK(data.ack == iss_s + 1);
        }
    }
}

TEST_CASE("claim 3: a SYN consumes one sequence number and the two SYN segments carry no data", "[claims]") {
    auto w = reach_wire<S>(State::established, rfc, x, y);
    const auto& syn = w.log[0].seg;
    const auto& synack = w.log[1].seg;
    CHECK(syn.len == 0);
    CHECK(synack.len == 0);
    CHECK(syn.seg_len() == 1); // SEG.LEN counts the SYN (§3.3.1)
    CHECK(synack.seg_len() == 1);
    CHECK(w.a.tcb.snd_nxt == x + 1);
    CHECK(w.b.tcb.rcv_nxt == x + 1);
    CHECK(w.b.tcb.snd_nxt == y + 1);
    CHECK(w.a.tcb.rcv_nxt == y + 1);
    // And a SYN that does carry data is not taken as carrying it (data on a SYN is dropped).
    auto l = reach(State::listen, rfc);
    l.arrive(make_seg<S>(Flag::syn, S{300}, S{}, 10));
    CHECK(l.tcb.rcv_nxt == S{301});
}

TEST_CASE("claim 4: the handshake exchanges MSS, window, window scale, ISNs and SACK-permitted in a 32-byte header",
          "[claims]") {
    auto w = reach_wire<S>(State::established, rfc, x, y);
    for (const auto* seg : {&w.log[0].seg, &w.log[1].seg}) {
        CAPTURE(*seg);
        CHECK(seg->opt.mss == 1460);
        CHECK(seg->opt.has_wscale());
        CHECK(seg->opt.sack_permitted);
        CHECK(seg->wnd == rfc.syn_window);
        CHECK(wire::header_length(seg->opt) == 32); // 20 fixed + 12 of options
    }
    CHECK(w.log[0].seg.seq == x); // the ISNs
    CHECK(w.log[1].seg.seq == y);
    // Linux adds timestamps (net.ipv4.tcp_timestamps = 1): 40 bytes; without them, 32.
    auto l = reach_wire<S>(State::established, lnx, x, y);
    CHECK(wire::header_length(l.log[0].seg.opt) == 40);
    Profile no_ts = lnx;
    no_ts.timestamps = false;
    auto m = reach_wire<S>(State::established, no_ts, x, y);
    CHECK(wire::header_length(m.log[0].seg.opt) == 32);
}

TEST_CASE("claim 5: a stale SYN after release makes a two-way-handshake server ESTABLISHED - three-way never does",
          "[claims]") {
    // One connection, opened and released completely; then the client's first SYN, delayed in
    // the network all along, reaches the server, which is listening again.
    auto run = [](const Profile& server_profile, bool lose_client_rst) {
        Wire<S> w(rfc, server_profile);
        w.at_b(Open<S>{true, y, 0});
        w.at_a(Open<S>{false, x, 0});
        auto stale_syn = w.to_b.front();
        w.settle();
        expect_state(w.a.state(), State::established, "client");
        expect_state(w.b.state(), State::established, "server");
        w.at_a(Close{});
        w.settle();
        w.at_b(Close{});
        w.settle();
        w.fire_a(Timer::time_wait);
        expect_state(w.a.state(), State::closed, "client released");
        expect_state(w.b.state(), State::closed, "server released");
        w.at_b(Open<S>{true, y + 1000000u, 0});
        w.at_b(SegmentArrives<S>{stale_syn});
        if (lose_client_rst) w.to_a.clear();
        return w;
    };
    SECTION("two_way_handshake: ESTABLISHED on the stale SYN alone, for a client that wants nothing") {
        auto w = run(profiles::two_way_handshake(), true);
        CHECK(w.b.state() == State::established);
        CHECK(w.b.fx.has(Notice::established));
        CHECK(w.a.state() == State::closed);
        // With the client's answer lost, the server waits for data that never comes: it sent no
        // data, so no timer runs, and an hour later it is still ESTABLISHED.
        CHECK(next_deadline(w.b.tcb).at == never);
        w.advance(w.now + 3600 * profiles::second);
        CHECK(w.b.state() == State::established);
    }
    SECTION("rfc9293: the server stays in SYN-RECEIVED; the client's RST returns it to LISTEN") {
        auto w = run(rfc, false);
        CHECK(w.b.state() == State::syn_received);
        CHECK_FALSE(w.b.fx.has(Notice::established));
        w.deliver_to_a(); // the SYN+ACK reaches the CLOSED client, which answers RST (§3.10.7.1)
        REQUIRE(w.to_b.size() == 1);
        CHECK(w.to_b.front().flags.rst());
        w.deliver_to_b();
        CHECK(w.b.state() == State::listen);
    }
    SECTION("rfc9293: with the RST lost too, the server gives up and returns to LISTEN") {
        auto w = run(rfc, true);
        REQUIRE(w.b.state() == State::syn_received);
        bool established = false;
        while (w.b.state() == State::syn_received) {
            w.fire_b(Timer::retransmission);
            w.to_a.clear();
            established = established || w.b.fx.has(Notice::established);
        }
        CHECK_FALSE(established);
        CHECK(w.b.state() == State::listen);
        CHECK_FALSE(has_timer(w.b.tcb));
    }
}

TEST_CASE("claim 6: a lost third segment makes the server resend SYN+ACK, then give up -- silently on Linux, RST only "
          "where a profile asks for it",
          "[claims]") {
    SECTION("the client's ACK is lost; the retransmitted SYN+ACK completes the handshake") {
        auto w = reach_wire<S>(State::syn_received, lnx, x, y);
        w.deliver_to_a(); // SYN+ACK
        CHECK(w.a.state() == State::established);
        w.drop_to_b();    // the third segment is lost
        const auto& again = w.fire_b(Timer::retransmission);
        REQUIRE(again.size() == 1);
        CHECK(again[0].flags == (Flag::syn | Flag::ack));
        w.deliver_to_a(); // the client re-ACKs the duplicate SYN+ACK (§3.10.7.4 first check)
        w.deliver_to_b();
        CHECK(w.b.state() == State::established);
    }
    struct Row {
        const char* label;
        Profile p;
        bool rst;
    };
    Profile seed_note = lnx;
    seed_note.rst_on_synack_giveup = true;
    const Row rows[] = {{"linux: tcp_synack_retries, then the request is dropped", lnx, false},
                        {"rfc9293: no RST either", rfc, false},
                        {"the note's version (rst_on_synack_giveup): RST", seed_note, true}};
    for (const auto& r : rows) {
        CAPTURE(r.label);
        auto e = reach(State::syn_received, r.p, x, y);
        int resent = 0;
        const Effects<S>* fx = nullptr;
        while (e.state() == State::syn_received) {
            fx = &e.fire(Timer::retransmission);
            if (e.state() == State::syn_received) {
                REQUIRE(fx->size() == 1);
                CHECK((*fx)[0].flags == (Flag::syn | Flag::ack));
                ++resent;
            }
        }
        CHECK(resent == r.p.synack_retries);
        CHECK(e.state() == State::listen); // "closes the connection": the half-open one is gone
        CHECK(any_segment(*fx, Flag::rst) == r.rst);
        if (r.rst) CHECK((*fx)[0].seq == y + 1);
    }
}

TEST_CASE("claim 7: once ESTABLISHED the server has no timer of its own, unless keepalive (or a user timeout) is set",
          "[claims]") {
    auto w = reach_wire<S>(State::established, rfc, x, y);
    CHECK(next_deadline(w.b.tcb).at == never);
    CHECK(next_deadline(w.a.tcb).at == never);
    // A silent client: an hour later, nothing has happened and nothing will.
    w.advance(w.now + 3600 * profiles::second);
    for (std::size_t i = 0; i < timer_count; ++i) w.at_b(Timeout{static_cast<Timer>(i)});
    CHECK(w.b.state() == State::established);
    // With keepalive, a client that vanished is found: probes, then the connection times out.
    Profile ka = rfc;
    ka.keepalive = true;
    auto k = reach_wire<S>(State::established, ka, x, y);
    CHECK(next_deadline(k.b.tcb).timer == Timer::keepalive);
    k.to_b.clear();
    while (k.b.state() == State::established) {
        k.fire_b(Timer::keepalive);
        k.to_a.clear(); // the client is gone
    }
    CHECK(k.b.tcb.reason == CloseReason::timed_out);
    CHECK(k.now >= ka.keepalive_time);
    // The note's application timeout: a user timeout only runs while data is unacknowledged.
    Profile ut = rfc;
    ut.user_timeout = 15 * profiles::second;
    auto u = reach(State::established, ut, x, y);
    CHECK(next_deadline(u.tcb).at == never);
    u.on(Send{1});
    CHECK(u.tcb.at(Timer::user_timeout) == u.now + 15 * profiles::second);
}

TEST_CASE("claim 8: the four-way release, state by state", "[claims]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::established, *p, x, y);
        StateLog a, b;
        auto note = [&] {
            a.note(w.a.state());
            b.note(w.b.state());
        };
        note();
        w.at_a(Close{false}); // the active closer: FIN
        note();
        w.deliver_to_b(); // the peer takes the FIN
        note();
        if (w.b.tcb.ack_pending) w.fire_b(Timer::delayed_ack); // Linux holds the ACK a moment
        w.deliver_to_a(); // the ACK
        note();
        w.at_b(Send{10}); // CLOSE-WAIT: the peer may still send
        w.deliver_to_a();
        note();
        CHECK(w.a.tcb.unread == 10);
        w.deliver_to_b(); // ACK of the data
        w.at_b(Close{});  // the peer is done: FIN
        note();
        w.deliver_to_a(); // the active closer ACKs the FIN
        note();
        w.deliver_to_b();
        note();
        w.fire_a(Timer::time_wait);
        note();
        CHECK(a.seen == std::vector<State>{State::established, State::fin_wait_1, State::fin_wait_2, State::time_wait,
                                           State::closed});
        CHECK(b.seen == std::vector<State>{State::established, State::close_wait, State::last_ack, State::closed});
        CHECK(w.a.tcb.reason == CloseReason::closed_normally);
        CHECK(w.b.tcb.reason == CloseReason::closed_normally);
    }
}

TEST_CASE("claim 9: four segments because each direction is shut separately (half-close)", "[claims]") {
    auto w = reach_wire<S>(State::established, rfc, x, y);
    auto first = w.log.size();
    w.at_a(Close{false}); // shutdown(SHUT_WR): a stops sending, still receives
    w.settle();
    REQUIRE(w.a.state() == State::fin_wait_2);
    REQUIRE(w.b.state() == State::close_wait);
    // The other direction is still open: b sends, a reads, for as long as b likes.
    for (int i = 0; i < 3; ++i) {
        w.at_b(Send{100});
        w.settle();
    }
    auto r = w.at_a(Receive{1000});
    CHECK(r.bytes_read == 300);
    CHECK_FALSE(r.eof);
    w.at_b(Close{});
    w.settle();
    auto e = w.at_a(Receive{1000});
    CHECK(e.eof);
    // The release itself, data and its ACKs aside: a FIN and its ACK in each direction.
    std::vector<char> release; // 'F' a FIN, 'A' the pure ACK of a FIN, by the order they were sent
    for (std::size_t i = first; i < w.log.size(); ++i) {
        const auto& s = w.log[i];
        if (s.seg.flags.fin()) release.push_back('F');
        for (std::size_t j = first; j < i; ++j) {
            const auto& f = w.log[j];
            if (f.from != s.from && f.seg.flags.fin() && s.seg.len == 0 && !s.seg.flags.fin() &&
                s.seg.ack == f.seg.seq + f.seg.seg_len())
                release.push_back('A');
        }
    }
    CHECK(release == std::vector<char>{'F', 'A', 'F', 'A'});
}

TEST_CASE("claim 10: FINs crossing in the network: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both sides", "[claims]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::established, *p, x, y);
        w.at_a(Close{});
        w.at_b(Close{});
        CHECK(w.a.state() == State::fin_wait_1);
        CHECK(w.b.state() == State::fin_wait_1);
        w.deliver_to_a(); // b's FIN, before the ACK of a's FIN
        w.deliver_to_b(); // a's FIN, before the ACK of b's FIN
        CHECK(w.a.state() == State::closing);
        CHECK(w.b.state() == State::closing);
        w.settle(); // the ACKs
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.b.state() == State::time_wait);
    }
}

// a sends 10 bytes and b reads them.
static void exchange_data(Wire<S>& w) {
    w.at_a(Send{10});
    w.settle();
    w.at_b(Receive{10});
}

TEST_CASE("claim 11: FIN and ACK of our FIN in one segment take FIN-WAIT-1 straight to TIME-WAIT", "[claims]") {
    auto w = reach_wire<S>(State::established, lnx, x, y);
    exchange_data(w); // Linux delays the ACK of a FIN only once data has arrived (conformance F5)
    w.at_a(Close{});
    w.deliver_to_b(); // Linux holds its ACK ...
    w.at_b(Close{});  // ... and sends it with its FIN
    REQUIRE(w.to_a.size() == 1);
    const auto& finack = w.to_a.front();
    CHECK(finack.flags.fin());
    CHECK(finack.ack == w.a.tcb.snd_nxt);
    StateLog a;
    a.note(w.a.state());
    w.deliver_to_a();
    a.note(w.a.state());
    CHECK(a.seen == std::vector<State>{State::fin_wait_1, State::time_wait}); // FIN-WAIT-2 skipped
}

TEST_CASE("claim 12: a passive closer with nothing to send merges ACK and FIN: three segments on linux, four on rfc9293",
          "[claims]") {
    struct Row {
        const Profile* p;
        bool data_first;
        std::size_t segments;
    };
    // Linux delays the ACK of a FIN only once data has arrived (conformance F5).
    for (const auto& r : {Row{&lnx, true, 3}, Row{&rfc, true, 4}, Row{&lnx, false, 4}}) {
        CAPTURE(r.p->name, r.data_first);
        auto w = reach_wire<S>(State::established, *r.p, x, y);
        if (r.data_first) exchange_data(w);
        auto first = w.log.size();
        w.at_a(Close{});
        w.deliver_to_b();
        w.at_b(Close{}); // the application closes at once on EOF
        w.settle();
        CHECK(w.log.size() - first == r.segments);
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.b.state() == State::closed);
    }
    SECTION("linux: if the application is slow, the delayed ACK goes alone and the capture shows four") {
        auto w = reach_wire<S>(State::established, lnx, x, y);
        exchange_data(w);
        auto first = w.log.size();
        w.at_a(Close{});
        w.deliver_to_b();
        w.fire_b(Timer::delayed_ack);
        w.advance(w.now + 1000);
        w.at_b(Close{});
        w.settle();
        CHECK(w.log.size() - first == 4);
    }
}

TEST_CASE("claim 13: TIME-WAIT lasts 2 MSL and acknowledges a retransmitted FIN when the last ACK is lost", "[claims]") {
    CHECK(rfc.msl == 120 * profiles::second); // RFC 1122's suggested two minutes
    CHECK(rfc.time_wait == 2 * rfc.msl);
    CHECK(lnx.time_wait == 2 * lnx.msl); // Linux: TCP_TIMEWAIT_LEN = 60 s
    CHECK(lnx.time_wait == 60 * profiles::second);
    SECTION("(a) the last ACK is lost: the FIN comes again and is ACKed again") {
        auto w = reach_wire<S>(State::last_ack, rfc, x, y);
        while (!w.to_a.empty()) w.deliver_to_a(); // b's FIN reaches a: TIME-WAIT, and a ACKs it
        REQUIRE(w.a.state() == State::time_wait);
        w.to_b.clear(); // that ACK is lost
        CHECK(w.b.state() == State::last_ack);
        w.fire_b(Timer::retransmission); // b retransmits its FIN
        REQUIRE(w.to_a.size() == 1);
        CHECK(w.to_a.front().flags.fin());
        w.deliver_to_a();
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.a.tcb.at(Timer::time_wait) == w.now + rfc.time_wait); // 2 MSL restarted
        w.deliver_to_b();
        CHECK(w.b.state() == State::closed);
        CHECK(w.b.tcb.reason == CloseReason::closed_normally);
    }
    SECTION("(a) without TIME-WAIT the retransmitted FIN meets a CLOSED endpoint and draws an RST") {
        auto w = reach_wire<S>(State::last_ack, profiles::no_time_wait(), x, y);
        while (!w.to_a.empty()) w.deliver_to_a();
        REQUIRE(w.a.state() == State::closed);
        w.to_b.clear();
        w.fire_b(Timer::retransmission);
        w.deliver_to_a();
        REQUIRE(w.to_b.size() == 1);
        CHECK(w.to_b.front().flags.rst());
        w.deliver_to_b();
        CHECK(w.b.state() == State::closed);
        CHECK(w.b.tcb.reason == CloseReason::reset); // an error where there should be none
    }
    SECTION("(b) old segments of the connection are not taken while TIME-WAIT lasts") {
        auto w = reach_wire<S>(State::time_wait, rfc, x, y);
        auto old_data = make_seg<S>(Flag::ack | Flag::psh, w.a.tcb.rcv_nxt - 51, w.a.tcb.snd_nxt, 50);
        const auto& fx = w.at_a(SegmentArrives<S>{old_data});
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.a.tcb.unread == 0);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::ack));
        w.fire_a(Timer::time_wait);
        CHECK(w.now >= 2 * rfc.msl);
    }
}

TEST_CASE("claim 14: an abortive close sends RST and the receiver closes at once", "[claims]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::established, *p, x, y);
        w.at_b(Send{100}); // data still in flight towards the aborting side does not matter
        const auto& fx = w.at_a(Abort{});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags.rst());
        CHECK(w.a.state() == State::closed);
        w.to_a.clear();
        w.deliver_to_b();
        CHECK(w.b.state() == State::closed);
        CHECK(w.b.fx.has(Notice::reset)); // an error, reported to the user
        CHECK(w.b.tcb.reason == CloseReason::reset);
        CHECK(w.b.fx.size() == 0);         // no answer to an RST
        CHECK_FALSE(has_timer(w.b.tcb));   // no TIME-WAIT, no retransmission of its data
    }
}

TEST_CASE("claim 15: only TCP keepalive is modelled - it is a TCP segment with no data and off by default", "[claims]") {
    // HTTP keep-alive (reusing a connection for several requests) is an application pattern the
    // model does not see; TCP keepalive is a knob of the profile, off unless asked for
    // (RFC 1122 §4.2.3.6 MUST default to off).
    CHECK_FALSE(rfc.keepalive);
    CHECK_FALSE(lnx.keepalive);
    Profile ka = rfc;
    ka.keepalive = true;
    auto e = reach(State::established, ka, x, y);
    const auto& probe = e.fire(Timer::keepalive);
    REQUIRE(probe.size() == 1);
    CHECK(probe[0].len == 0);
    CHECK(probe[0].seq == e.tcb.snd_nxt - 1);
}

TEST_CASE("claim 16: short and long connections are usage patterns, not timing rules", "[claims]") {
    // Short: connect, transfer, close. Long: connect, transfer, wait, transfer ... on one
    // connection. The model has no rule that tells them apart: the same ESTABLISHED TCB carries
    // any number of transfers with any idle gap between them.
    auto w = reach_wire<S>(State::established, rfc, x, y);
    for (int round = 0; round < 3; ++round) {
        w.at_a(Send{500});
        w.settle();
        CHECK(w.at_b(Receive{500}).bytes_read == 500);
        w.advance(w.now + 600 * profiles::second); // ten idle minutes
        CHECK(next_deadline(w.a.tcb).at == never);
        CHECK(w.a.state() == State::established);
    }
    w.at_a(Close{});
    w.settle();
    w.at_b(Close{});
    w.settle();
    CHECK(w.b.state() == State::closed);
}

TEST_CASE("claim 17: an idle open connection costs memory (a TCB of a few hundred bytes), not network capacity",
          "[claims]") {
    static_assert(sizeof(Tcb<Seq32>) < 256, "a TCB is a few hundred bytes at most");
    static_assert(sizeof(Tcb<Seq<3>>) <= sizeof(Tcb<Seq32>));
    // ... and an idle connection sends nothing: no segment, no timer.
    auto w = reach_wire<S>(State::established, rfc, x, y);
    auto sent = w.log.size();
    w.advance(w.now + 24 * 3600 * profiles::second);
    for (std::size_t i = 0; i < timer_count; ++i) {
        w.at_a(Timeout{static_cast<Timer>(i)});
        w.at_b(Timeout{static_cast<Timer>(i)});
    }
    CHECK(w.log.size() == sent);
}

TEST_CASE("claim 18: SYN-RECEIVED and FIN-WAIT-1 last about one round trip, so netstat rarely shows them", "[claims]") {
    // A 10 ms one-way delay: each delivery first advances the clock by it.
    const Duration delay = 10;
    Wire<S> w(rfc, rfc);
    auto deliver_b = [&] { w.advance(w.now + delay); w.deliver_to_b(); };
    auto deliver_a = [&] { w.advance(w.now + delay); w.deliver_to_a(); };
    w.at_b(Open<S>{true, y, 0});
    w.at_a(Open<S>{false, x, 0});
    deliver_b();
    Time syn_received_at = w.now;
    REQUIRE(w.b.state() == State::syn_received);
    deliver_a();
    deliver_b();
    REQUIRE(w.b.state() == State::established);
    Duration in_syn_received = w.now - syn_received_at;
    w.advance(w.now + 60 * profiles::second); // a minute of ESTABLISHED
    w.at_a(Close{});
    Time fin_wait_1_at = w.now;
    deliver_b();
    deliver_a();
    REQUIRE(w.a.state() == State::fin_wait_2);
    Duration in_fin_wait_1 = w.now - fin_wait_1_at;
    CHECK(in_syn_received == 2 * delay);
    CHECK(in_fin_wait_1 == 2 * delay);
    // Against TIME-WAIT's 2 MSL, these are four orders of magnitude shorter.
    CHECK(in_syn_received * 10000 < rfc.time_wait);
    CHECK(in_fin_wait_1 * 10000 < rfc.time_wait);
}
