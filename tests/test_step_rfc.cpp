// step() against RFC 9293 §3.10 (Event Processing), one TEST_CASE per rule, named after its
// section; rows per state where the rule applies to several. Each endpoint is brought to its
// state by chaining real steps (tests/support/harness.hpp), never by writing a TCB by hand.
// Also: RFC 1122 §4.2.2.13 (CLOSE with unread data), §4.2.3.6 (keepalive), RFC 5961 (challenge
// ACKs), RFC 1337, RFC 6298 (backoff), RFC 7323 / RFC 2018 / RFC 6691 (options), and the Linux
// departures selected by profiles::linux_default().
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using namespace synfin::test;
using S = Seq32;

const Profile rfc = profiles::rfc9293();
const Profile lnx = profiles::linux_default();

constexpr S iss_a{1000}; // reach()'s active opener
constexpr S iss_b{5000}; // reach()'s passive opener

Profile without_wscale(Profile p) {
    p.wscale = no_wscale;
    return p;
}

Profile with_keepalive(Profile p) {
    p.keepalive = true;
    return p;
}

// The synchronized states other than TIME-WAIT, which has its own handler.
const std::vector<State> synchronized_but_time_wait{State::syn_received, State::established, State::fin_wait_1,
                                                    State::fin_wait_2,   State::close_wait,  State::closing,
                                                    State::last_ack};

// §3.10.7.4 "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>": the ACK for an unacceptable segment, and the
// challenge ACK of RFC 5961.
void check_is_plain_ack(const Effects<S>& fx, const Tcb<S>& t) {
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::ack));
    CHECK(fx[0].seq == t.snd_nxt);
    CHECK(fx[0].ack == t.rcv_nxt);
    CHECK(fx[0].len == 0);
}

} // namespace

// =============================================================================================
// §3.10.1 OPEN
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.1 OPEN in CLOSED: passive enters LISTEN, active sends <SEQ=ISS><CTL=SYN> and enters SYN-SENT",
          "[rfc][open]") {
    Endpoint<S> server(rfc);
    const auto& pfx = server.on(Open<S>{true, S{77}, 0});
    CHECK(server.state() == State::listen);
    CHECK(pfx.error == UserError::ok);
    CHECK(pfx.size() == 0);
    CHECK_FALSE(has_timer(server.tcb));
    CHECK(server.tcb.iss == S{77});

    Endpoint<S> client(rfc);
    client.now = 500;
    const auto& fx = client.on(Open<S>{false, S{1000}, 0});
    CHECK(client.state() == State::syn_sent);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::syn));
    CHECK(fx[0].seq == S{1000});
    CHECK(fx[0].len == 0);
    CHECK(client.tcb.snd_una == S{1000});  // SND.UNA = ISS
    CHECK(client.tcb.snd_nxt == S{1001});  // SND.NXT = ISS + 1
    CHECK(fx.next == Deadline{500 + rfc.rto_initial, Timer::retransmission});
    // The SYN offers this profile's options (RFC 6691, RFC 7323 §2.2, RFC 2018 §2).
    CHECK(fx[0].opt.mss == 1460);
    CHECK(fx[0].opt.wscale == 7);
    CHECK(fx[0].opt.sack_permitted);
    CHECK(fx[0].wnd == rfc.syn_window);

    SECTION("the ISS may be the largest number: SND.NXT wraps to 0") {
        Endpoint<S> c(rfc);
        c.on(Open<S>{false, S{0xffffffffu}, 0});
        CHECK(c.tcb.snd_nxt == S{0});
        CHECK(c.tcb.in_flight() == 1);
    }
}

TEST_CASE("RFC 9293 §3.10.1 OPEN in LISTEN: an active OPEN turns the listener into an active connection",
          "[rfc][open]") {
    auto e = reach(State::listen, rfc);
    const auto& fx = e.on(Open<S>{false, S{42}, 0});
    CHECK(fx.error == UserError::ok);
    CHECK(e.state() == State::syn_sent);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::syn));
    CHECK(fx[0].seq == S{42});
}

TEST_CASE("RFC 9293 §3.10.1 OPEN in any other state: error connection already exists", "[rfc][open]") {
    for (State s : {State::listen, State::syn_sent, State::syn_received, State::established, State::fin_wait_1,
                    State::fin_wait_2, State::close_wait, State::closing, State::last_ack, State::time_wait}) {
        for (bool passive : {true, false}) {
            if (s == State::listen && !passive) continue; // the case above
            CAPTURE(s, passive);
            auto e = reach(s, rfc);
            auto before = e.tcb;
            const auto& fx = e.on(Open<S>{passive, S{9}, 0});
            CHECK(fx.error == UserError::connection_already_exists);
            CHECK(fx.size() == 0);
            CHECK(e.tcb == before);
        }
    }
}

// =============================================================================================
// §3.10.2 SEND
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.2 SEND in CLOSED and LISTEN: connection does not exist, foreign socket unspecified",
          "[rfc][send]") {
    Endpoint<S> closed(rfc);
    CHECK(closed.on(Send{10}).error == UserError::connection_does_not_exist);
    CHECK(closed.tcb == Tcb<S>{});
    // The model's OPEN names no foreign socket, so SEND in LISTEN always takes the error branch.
    auto listen = reach(State::listen, rfc);
    auto before = listen.tcb;
    const auto& fx = listen.on(Send{10});
    CHECK(fx.error == UserError::remote_socket_unspecified);
    CHECK(fx.size() == 0);
    CHECK(listen.tcb == before);
}

TEST_CASE("RFC 9293 §3.10.2 SEND in SYN-SENT and SYN-RECEIVED: data is queued until ESTABLISHED", "[rfc][send]") {
    SECTION("SYN-SENT: the data goes out with the handshake's ACK") {
        auto w = reach_wire<S>(State::syn_sent, rfc);
        const auto& fx = w.at_a(Send{100});
        CHECK(fx.error == UserError::ok);
        CHECK(fx.size() == 0);
        CHECK(w.a.tcb.send_queued == 100);
        CHECK(w.a.tcb.snd_nxt == iss_a + 1);
        w.deliver_to_b();                       // SYN
        const auto& est = (w.deliver_to_a(), w.a.fx); // SYN+ACK
        CHECK(w.a.state() == State::established);
        REQUIRE(est.size() == 1); // the ACK rides on the data (§3.10.7.3: "or queued data")
        CHECK(est[0].flags.ack());
        CHECK(est[0].seq == iss_a + 1);
        CHECK(est[0].ack == iss_b + 1);
        CHECK(est[0].len == 100);
        CHECK(w.a.tcb.send_queued == 0);
    }
    SECTION("SYN-RECEIVED: the data goes out when the ACK of the SYN arrives") {
        auto w = reach_wire<S>(State::syn_received, rfc);
        const auto& fx = w.at_b(Send{200});
        CHECK(fx.error == UserError::ok);
        CHECK(fx.size() == 0);
        CHECK(w.b.tcb.send_queued == 200);
        w.deliver_to_a(); // SYN+ACK
        w.deliver_to_b(); // ACK
        CHECK(w.b.state() == State::established);
        REQUIRE(w.b.fx.size() == 1);
        CHECK(w.b.fx[0].seq == iss_b + 1);
        CHECK(w.b.fx[0].len == 200);
    }
}

TEST_CASE("RFC 9293 §3.10.2 SEND in ESTABLISHED and CLOSE-WAIT: segmentized within the MSS and the send window",
          "[rfc][send]") {
    SECTION("ESTABLISHED: MSS-sized segments, PSH and ACK, retransmission timer armed") {
        auto e = reach(State::established, rfc);
        e.now = 10;
        const auto& fx = e.on(Send{3000});
        REQUIRE(fx.size() == 3);
        std::uint32_t expect[] = {1460, 1460, 80};
        S seq = iss_a + 1;
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(fx[i].flags == (Flag::ack | Flag::psh));
            CHECK(fx[i].seq == seq);
            CHECK(fx[i].ack == e.tcb.rcv_nxt);
            CHECK(fx[i].len == expect[i]);
            seq += expect[i];
        }
        CHECK(e.tcb.snd_nxt == iss_a + 3001);
        CHECK(e.tcb.snd_una == iss_a + 1);
        CHECK(e.tcb.at(Timer::retransmission) == 10 + rfc.rto_initial);
    }
    SECTION("ESTABLISHED: never beyond SND.UNA + SND.WND; the rest waits for the window to open") {
        auto p = without_wscale(rfc);
        auto e = reach(State::established, p);
        e.arrive(from_peer(e.tcb, Flag::ack, 0, 1000)); // the peer offers 1000 bytes
        REQUIRE(e.tcb.snd_wnd == 1000);
        const auto& fx = e.on(Send{3000});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].len == 1000);
        CHECK(e.tcb.send_queued == 2000);
        const auto& more = e.arrive(from_peer(e.tcb, Flag::ack, 0, 1000)); // acks the 1000, window 1000
        REQUIRE(more.size() == 1);
        CHECK(more[0].seq == iss_a + 1001);
        CHECK(more[0].len == 1000);
        CHECK(e.tcb.send_queued == 1000);
    }
    SECTION("CLOSE-WAIT: the peer has closed, this side may still send") {
        auto e = reach(State::close_wait, rfc);
        const auto& fx = e.on(Send{10});
        CHECK(fx.error == UserError::ok);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].len == 10);
        CHECK(fx[0].seq == iss_b + 1);
        CHECK(e.state() == State::close_wait);
    }
}

TEST_CASE("RFC 9293 §3.10.2 SEND in FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT: connection closing",
          "[rfc][send]") {
    for (State s : {State::fin_wait_1, State::fin_wait_2, State::closing, State::last_ack, State::time_wait}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto before = e.tcb;
        const auto& fx = e.on(Send{10});
        CHECK(fx.error == UserError::connection_closing);
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 7323 §2.3 and RFC 9293 §3.4: OPEN refuses a profile whose windows exceed a quarter of the sequence space",
          "[rfc][open]") {
    using S16 = Seq<16>;
    STATIC_REQUIRE(max_window<S16> == 16384);
    STATIC_REQUIRE(max_window<Seq32> == (std::uint32_t{1} << 30));
    STATIC_REQUIRE(windows_fit<Seq32>(profiles::linux_default()));
    STATIC_REQUIRE_FALSE(windows_fit<S16>(profiles::rfc9293())); // 65535 > 2^14
    for (bool passive : {true, false}) {
        CAPTURE(passive);
        Endpoint<S16> big(rfc);
        const auto& fx = big.on(Open<S16>{passive, S16{100}, 0});
        CHECK(fx.error == UserError::window_exceeds_sequence_space);
        CHECK(fx.size() == 0);
        CHECK(big.state() == State::closed);
    }
    Profile fits = rfc;
    fits.rcv_wnd = 16384;
    fits.syn_window = 16384;
    Endpoint<S16> ok(fits);
    CHECK(ok.on(Open<S16>{false, S16{100}, 0}).error == UserError::ok);
    CHECK(ok.state() == State::syn_sent);
    // What the bound prevents: with RCV.WND 65535 in a 2^16 space, an RST 30000 behind RCV.NXT
    // is "in the window" (§3.10.7.4 first), as 35536 ahead of it.
    CHECK(in_window(S16{50000}, S16{50000} - 30000, 65535));
    CHECK_FALSE(in_window(S16{50000}, S16{50000} - 30000, max_window<S16>));
}

// =============================================================================================
// §3.10.3 RECEIVE
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.3 RECEIVE in CLOSED: connection does not exist - before ESTABLISHED: nothing yet",
          "[rfc][receive]") {
    Endpoint<S> closed(rfc);
    CHECK(closed.on(Receive{10}).error == UserError::connection_does_not_exist);
    for (State s : {State::listen, State::syn_sent, State::syn_received}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto before = e.tcb;
        const auto& fx = e.on(Receive{10});
        CHECK(fx.error == UserError::ok);
        CHECK(fx.bytes_read == 0);
        CHECK_FALSE(fx.eof);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.3 RECEIVE in ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2: hands over the bytes that arrived",
          "[rfc][receive]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2}) {
        CAPTURE(s);
        auto e = reach(s, rfc, iss_a, iss_b, {0, 0, false}); // shutdown(SHUT_WR): still reading
        e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una, 300));
        REQUIRE(e.tcb.unread == 300);
        auto r1 = e.on(Receive{100});
        CHECK(r1.bytes_read == 100);
        CHECK_FALSE(r1.eof);
        CHECK(e.tcb.unread == 200);
        auto r2 = e.on(Receive{1000});
        CHECK(r2.bytes_read == 200);
        CHECK_FALSE(r2.eof);
        auto r3 = e.on(Receive{1000});
        CHECK(r3.bytes_read == 0);
        CHECK_FALSE(r3.eof); // no FIN yet: an empty read is not the end
    }
}

TEST_CASE("RFC 9293 §3.10.3 RECEIVE in CLOSE-WAIT: the bytes on hand, then end of file", "[rfc][receive]") {
    auto e = reach(State::established, rfc);
    e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin, 50));
    REQUIRE(e.state() == State::close_wait);
    auto r1 = e.on(Receive{20});
    CHECK(r1.bytes_read == 20);
    CHECK_FALSE(r1.eof);
    auto r2 = e.on(Receive{100});
    CHECK(r2.bytes_read == 30);
    CHECK(r2.eof);
    auto r3 = e.on(Receive{100});
    CHECK(r3.bytes_read == 0);
    CHECK(r3.eof);
    CHECK(r3.error == UserError::connection_closing); // "If no text is awaiting delivery"
}

TEST_CASE("RFC 9293 §3.10.3 RECEIVE in CLOSING, LAST-ACK, TIME-WAIT: error connection closing; Linux: end of file",
          "[rfc][receive]") {
    for (State s : {State::closing, State::last_ack, State::time_wait}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        const auto& fx = e.on(Receive{10});
        CHECK(fx.bytes_read == 0);
        CHECK(fx.eof);
        CHECK(fx.error == UserError::connection_closing);
        auto l = reach(s, lnx);
        const auto& lfx = l.on(Receive{10}); // tcp_recvmsg: RCV_SHUTDOWN and nothing queued -> 0
        CHECK(lfx.bytes_read == 0);
        CHECK(lfx.eof);
        CHECK(lfx.error == UserError::ok);
    }
}

TEST_CASE("RFC 9293 §3.10.3 and §3.10.7.4 eighth (FIN implies PUSH): text that arrived before the FIN is read in TIME-WAIT",
          "[rfc][receive]") {
    for (const Profile& p : {rfc, lnx}) {
        CAPTURE(p.name);
        auto w = reach_wire<S>(State::fin_wait_2, p, iss_a, iss_b, {0, 0, false}); // shutdown(SHUT_WR)
        w.at_b(Send{40});
        w.deliver_to_a();
        w.at_b(Close{false});
        w.deliver_to_a();
        REQUIRE(w.a.state() == State::time_wait);
        REQUIRE(w.a.tcb.unread == 40);
        auto r1 = w.a.on(Receive{100});
        CHECK(r1.bytes_read == 40);
        CHECK(r1.eof);
        CHECK(r1.error == UserError::ok);
    }
}

TEST_CASE("tcp_recvmsg (Linux, conformance F10): the bytes received outlive the connection; the RFC flushes them",
          "[rfc][receive][linux]") {
    SECTION("after a reset: the bytes, then the reset's error") {
        auto l = reach(State::established, lnx);
        l.arrive(from_peer(l.tcb, Flag::ack, 100));
        l.arrive(from_peer(l.tcb, Flags(Flag::rst)));
        REQUIRE(l.state() == State::closed);
        auto r1 = l.on(Receive{1000});
        CHECK(r1.bytes_read == 100);
        CHECK(r1.error == UserError::ok);
        auto r2 = l.on(Receive{1000});
        CHECK(r2.bytes_read == 0);
        CHECK(r2.error == UserError::connection_does_not_exist);
        CHECK(l.tcb.reason == CloseReason::reset);

        auto r = reach(State::established, rfc);
        r.arrive(from_peer(r.tcb, Flag::ack, 100));
        r.arrive(from_peer(r.tcb, Flags(Flag::rst)));
        REQUIRE(r.state() == State::closed);
        CHECK(r.on(Receive{1000}).error == UserError::connection_does_not_exist); // §3.10.7.4: queues flushed
    }
    SECTION("after shutdown() in CLOSE-WAIT and LAST-ACK: the bytes, then end of file") {
        auto l = reach(State::established, lnx, iss_a, iss_b, {0, 0, false});
        l.arrive(from_peer(l.tcb, Flag::ack | Flag::fin, 100));
        REQUIRE(l.state() == State::close_wait);
        l.on(Close{false});
        l.arrive(from_peer(l.tcb, Flag::ack));
        REQUIRE(l.state() == State::closed);
        REQUIRE(l.tcb.reason == CloseReason::closed_normally);
        auto r1 = l.on(Receive{1000});
        CHECK(r1.bytes_read == 100);
        CHECK(r1.error == UserError::ok);
        auto r2 = l.on(Receive{1000});
        CHECK(r2.bytes_read == 0);
        CHECK(r2.eof);
        CHECK(r2.error == UserError::ok);
    }
    SECTION("a socket that never connected has nothing to read") {
        Endpoint<S> closed(lnx);
        CHECK(closed.on(Receive{10}).error == UserError::connection_does_not_exist);
    }
}

// =============================================================================================
// §3.10.4 CLOSE
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.4 CLOSE in CLOSED: connection does not exist", "[rfc][close]") {
    Endpoint<S> e(rfc);
    const auto& fx = e.on(Close{});
    CHECK(fx.error == UserError::connection_does_not_exist);
    CHECK_FALSE(fx.released);
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in LISTEN and SYN-SENT: delete the TCB", "[rfc][close]") {
    for (State s : {State::listen, State::syn_sent}) {
        for (bool full : {true, false}) {
            CAPTURE(s, full);
            auto e = reach(s, rfc);
            const auto& fx = e.on(Close{full});
            CHECK(fx.error == UserError::ok);
            CHECK(fx.size() == 0);
            CHECK(fx.released);
            CHECK(fx.has(Notice::closed));
            CHECK(e.state() == State::closed);
            CHECK(e.tcb.reason == CloseReason::closed_normally);
            CHECK_FALSE(has_timer(e.tcb));
        }
    }
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in SYN-RECEIVED: the FIN is queued until ESTABLISHED (documented simplification)",
          "[rfc][close]") {
    auto w = reach_wire<S>(State::syn_received, rfc);
    const auto& fx = w.at_b(Close{});
    CHECK(fx.error == UserError::ok);
    CHECK(fx.size() == 0); // no FIN before the ACK of our SYN
    CHECK(w.b.state() == State::syn_received);
    CHECK(w.b.tcb.fin_queued);
    w.deliver_to_a(); // SYN+ACK
    w.deliver_to_b(); // ACK: ESTABLISHED, then at once FIN-WAIT-1 with the FIN
    CHECK(w.b.state() == State::fin_wait_1);
    CHECK(w.b.fx.has(Notice::established));
    REQUIRE(w.b.fx.size() == 1);
    CHECK(w.b.fx[0].flags == (Flag::ack | Flag::fin));
    CHECK(w.b.fx[0].seq == iss_b + 1);
    CHECK(w.b.tcb.snd_nxt == iss_b + 2);
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in ESTABLISHED: FIN after the queued data, enter FIN-WAIT-1", "[rfc][close]") {
    SECTION("nothing queued: <SEQ=SND.NXT><CTL=FIN,ACK>") {
        auto e = reach(State::established, rfc);
        auto nxt = e.tcb.snd_nxt;
        const auto& fx = e.on(Close{});
        CHECK(e.state() == State::fin_wait_1);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::ack | Flag::fin));
        CHECK(fx[0].seq == nxt);
        CHECK(fx[0].ack == e.tcb.rcv_nxt);
        CHECK(e.tcb.snd_nxt == nxt + 1); // the FIN occupies one number
        CHECK(e.tcb.fin_sent);
        CHECK(e.tcb.at(Timer::retransmission) != never);
    }
    SECTION("queued data: the FIN rides on the last data segment") {
        auto e = reach(State::established, rfc);
        const auto& fx1 = e.on(Send{100});
        REQUIRE(fx1.size() == 1);
        const auto& fx2 = e.on(Close{});
        REQUIRE(fx2.size() == 1); // the 100 bytes went out already: a bare FIN
        CHECK(fx2[0].seq == iss_a + 101);
        auto p = without_wscale(rfc);
        auto f = reach(State::established, p);
        f.arrive(from_peer(f.tcb, Flag::ack, 0, 50)); // window 50
        f.on(Send{80});                                // 50 out, 30 queued
        const auto& fx3 = f.on(Close{});
        CHECK(f.state() == State::fin_wait_1);
        CHECK(fx3.size() == 0); // window closed: the FIN waits behind the data
        CHECK(f.tcb.fin_queued);
        CHECK_FALSE(f.tcb.fin_sent);
        const auto& fx4 = f.arrive(from_peer(f.tcb, Flag::ack, 0, 50));
        REQUIRE(fx4.size() == 1);
        CHECK(fx4[0].len == 30);
        CHECK(fx4[0].flags.fin());
        CHECK(fx4[0].seq == iss_a + 51);
        CHECK(f.tcb.snd_nxt == iss_a + 82);
    }
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in CLOSE-WAIT: FIN, enter LAST-ACK", "[rfc][close]") {
    auto e = reach(State::close_wait, rfc);
    auto nxt = e.tcb.snd_nxt;
    const auto& fx = e.on(Close{});
    CHECK(e.state() == State::last_ack);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::ack | Flag::fin));
    CHECK(fx[0].seq == nxt);
    CHECK(fx[0].ack == e.tcb.rcv_nxt);
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in FIN-WAIT-1 and FIN-WAIT-2: never a second FIN", "[rfc][close]") {
    for (State s : {State::fin_wait_1, State::fin_wait_2}) {
        CAPTURE(s);
        SECTION(std::string("after shutdown: close() is ok and makes an orphan, in ") + std::string(name(s))) {
            auto e = reach(s, rfc, iss_a, iss_b, {0, 0, false});
            REQUIRE_FALSE(e.tcb.orphan);
            CHECK(e.on(Close{false}).error == UserError::connection_closing); // shutdown twice
            const auto& fx = e.on(Close{true});
            CHECK(fx.error == UserError::ok);
            CHECK(fx.size() == 0);
            CHECK(e.tcb.orphan);
            CHECK(e.state() == s);
        }
        SECTION(std::string("after close: connection closing, in ") + std::string(name(s))) {
            auto e = reach(s, rfc);
            auto before = e.tcb;
            const auto& fx = e.on(Close{});
            CHECK(fx.error == UserError::connection_closing);
            CHECK(fx.size() == 0);
            CHECK(e.tcb == before);
        }
    }
}

TEST_CASE("RFC 9293 §3.10.4 CLOSE in CLOSING, LAST-ACK, TIME-WAIT: connection closing", "[rfc][close]") {
    for (State s : {State::closing, State::last_ack, State::time_wait}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto before = e.tcb;
        const auto& fx = e.on(Close{});
        CHECK(fx.error == UserError::connection_closing);
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 1122 §4.2.2.13 CLOSE with unread data sends RST and ends the connection", "[rfc][close]") {
    for (State s : {State::established, State::close_wait}) {
        for (const Profile* p : {&rfc, &lnx}) {
            CAPTURE(s, p->name);
            auto w = reach_wire<S>(State::established, *p);
            if (s == State::close_wait) {
                w.at_b(Send{10});
                w.at_b(Close{});
                w.deliver_to_a();
                w.deliver_to_a();
            } else {
                w.at_b(Send{10});
                w.deliver_to_a();
            }
            auto& e = w.a;
            REQUIRE(e.state() == s);
            REQUIRE(e.tcb.unread == 10);
            auto nxt = e.tcb.snd_nxt;
            const auto& fx = w.at_a(Close{});
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags.rst());
            CHECK(fx[0].seq == nxt);
            CHECK(fx[0].flags.ack() == p->rst_carries_ack); // Linux: RST|ACK (tcp_send_active_reset)
            CHECK(fx.released);
            CHECK(e.tcb.reason == CloseReason::aborted);
            // The peer takes the RST at SND.NXT as a reset (after the ACKs queued before it).
            while (w.deliver_to_b()) {
            }
            CHECK(w.b.state() == State::closed);
            CHECK(w.b.tcb.reason == CloseReason::reset);
        }
    }
    SECTION("not from TIME-WAIT: both directions are done, and 2 MSL must still run") {
        // ABORT sends no RST in TIME-WAIT (§3.10.5), and on Linux the user's socket is already
        // CLOSE there (tcp_time_wait -> tcp_done), so tcp_close() sends no reset either.
        auto w = reach_wire<S>(State::fin_wait_2, rfc, iss_a, iss_b, {0, 0, false});
        w.at_b(Send{10});
        w.at_b(Close{});
        w.settle();
        REQUIRE(w.a.state() == State::time_wait);
        REQUIRE(w.a.tcb.unread == 10);
        auto deadline = w.a.tcb.at(Timer::time_wait);
        const auto& fx = w.at_a(Close{});
        CHECK(fx.size() == 0);
        CHECK_FALSE(fx.released);
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.a.tcb.at(Timer::time_wait) == deadline);
    }
    SECTION("shutdown(SHUT_WR) with unread data is an ordinary FIN") {
        auto w = reach_wire<S>(State::established, rfc);
        w.at_b(Send{10});
        w.deliver_to_a();
        const auto& fx = w.at_a(Close{false});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::ack | Flag::fin));
        CHECK(w.a.state() == State::fin_wait_1);
    }
}

TEST_CASE("RFC 1122 §4.2.2.13 data arriving after a full CLOSE is answered with RST", "[rfc][close]") {
    for (State s : {State::fin_wait_1, State::fin_wait_2}) {
        CAPTURE(s);
        auto e = reach(s, rfc); // close(): an orphan
        REQUIRE(e.tcb.orphan);
        auto nxt = e.tcb.snd_nxt;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una, 10));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags.rst());
        CHECK(fx[0].seq == nxt);
        CHECK(fx.released);
        CHECK(e.tcb.reason == CloseReason::aborted);
        // After shutdown(SHUT_WR) the same data is simply delivered.
        auto h = reach(s, rfc, iss_a, iss_b, {0, 0, false});
        const auto& hfx = h.arrive(make_seg<S>(Flag::ack, h.tcb.rcv_nxt, h.tcb.snd_una, 10));
        CHECK_FALSE(any_segment(hfx, Flag::rst));
        CHECK(h.tcb.unread == 10);
        CHECK(h.state() == s);
    }
}

namespace {
// An active OPEN at 0 whose SYNs go unanswered: the times (ms) of its retransmissions, and when it gives up.
std::pair<std::vector<Time>, Time> syn_schedule(const Profile& p) {
    Endpoint<S> e(p);
    e.on(Open<S>{false, iss_a, 0});
    std::vector<Time> sent;
    for (int i = 0; i < 300 && e.state() == State::syn_sent; ++i) {
        const auto& fx = e.fire(Timer::retransmission);
        if (fx.size() == 1 && fx[0].flags == Flags(Flag::syn)) sent.push_back(e.now);
    }
    REQUIRE(e.state() == State::closed);
    REQUIRE(e.tcb.reason == CloseReason::timed_out);
    return {sent, e.now};
}
} // namespace

TEST_CASE("tcp_retransmit_timer and tcp_write_timeout (Linux 6.5+, conformance F1): linear SYN timeouts",
          "[rfc][timeout][linux]") {
    constexpr Duration s = profiles::second;
    SECTION("the defaults (ip-sysctl.rst): RTOs 1, 1, 1, 1, 1, 2, 4 ...; the last SYN at 67 s, the give-up at 131 s") {
        auto [sent, gave_up] = syn_schedule(lnx);
        CHECK(sent == std::vector<Time>{1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 7 * s, 11 * s, 19 * s, 35 * s, 67 * s});
        CHECK(gave_up == 131 * s);
    }
    SECTION("tcp_syn_retries=2 (seen on 6.18): SYNs at 0..5 s, and connect() fails at 7 s, when two doubling ones would") {
        Profile p = lnx;
        p.syn_retries = 2;
        auto [sent, gave_up] = syn_schedule(p);
        CHECK(sent == std::vector<Time>{1 * s, 2 * s, 3 * s, 4 * s, 5 * s});
        CHECK(gave_up == 7 * s);
    }
    SECTION("tcp_syn_linear_timeouts=0: doubling from the first, as RFC 6298 §5.5 and rfc9293") {
        Profile p = lnx;
        p.syn_retries = 2;
        p.syn_linear_timeouts = 0;
        auto [sent, gave_up] = syn_schedule(p);
        CHECK(sent == std::vector<Time>{1 * s, 3 * s});
        CHECK(gave_up == 7 * s);
        CHECK(rfc.syn_linear_timeouts == 0);
    }
}

TEST_CASE("tcp_rcv_synsent_state_process (Linux, conformance F11): an unacceptable ACK in SYN-SENT brings the SYN forward, once",
          "[rfc][syn_sent][linux]") {
    auto e = reach(State::syn_sent, lnx);
    const Time rto_due = e.tcb.at(Timer::retransmission);
    const auto& fx = e.arrive(make_seg<S>(Flag::syn | Flag::ack, S{7000}, iss_a + 5));
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::rst)); // §3.10.7.3: <SEQ=SEG.ACK><CTL=RST>
    CHECK(fx[0].seq == iss_a + 5);
    CHECK(e.tcb.at(Timer::retransmission) == e.now + 8);
    const auto& again = e.fire(Timer::retransmission);
    REQUIRE(again.size() == 1);
    CHECK(again[0].flags == Flags(Flag::syn));
    CHECK(e.tcb.at(Timer::retransmission) == e.now + 1000); // linear: the RTO stays 1 s
    // Once retransmitted, a bad ACK leaves the timer alone, as an RST with a bad ACK does.
    const Time next = e.tcb.at(Timer::retransmission);
    e.arrive(make_seg<S>(Flag::rst | Flag::ack, S{0}, iss_a + 5));
    CHECK(e.tcb.at(Timer::retransmission) == next);
    // The RFC waits for its RTO.
    auto r = reach(State::syn_sent, rfc);
    r.arrive(make_seg<S>(Flag::syn | Flag::ack, S{7000}, iss_a + 5));
    CHECK(r.tcb.at(Timer::retransmission) == rto_due);
}

TEST_CASE("tcp_timewait_state_process TCP_FIN_WAIT2 (Linux, conformance F7): an orphan in FIN-WAIT-2 checks as RFC 793 does",
          "[rfc][fin_wait_2][linux]") {
    auto orphan = [] {
        auto e = reach(State::fin_wait_2, lnx); // close(): the FIN acknowledged, an orphan
        REQUIRE(e.tcb.orphan);
        return e;
    };
    SECTION("an in-window SYN: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>, and the connection is gone") {
        auto e = orphan();
        const S seq = e.tcb.rcv_nxt + 500;
        const auto& fx = e.arrive(make_seg<S>(Flags(Flag::syn), seq));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::rst | Flag::ack));
        CHECK(fx[0].seq == S{0});
        CHECK(fx[0].ack == seq + 1);
        CHECK(fx.released);
    }
    SECTION("any in-window RST ends it, silently; RFC 5961 would challenge it") {
        auto e = orphan();
        const auto& fx = e.arrive(make_seg<S>(Flags(Flag::rst), e.tcb.rcv_nxt + 100));
        CHECK(fx.size() == 0);
        CHECK(fx.released);
        CHECK(e.tcb.reason == CloseReason::reset);
    }
    SECTION("a segment with neither data nor FIN is dropped silently, even an ACK of data never sent") {
        auto e = orphan();
        const auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_nxt + 100000));
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
    }
    SECTION("out of the window: an ACK, as before") {
        auto e = orphan();
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt - 1000, e.tcb.snd_nxt, 10));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.state() == State::fin_wait_2);
    }
    SECTION("the FIN at RCV.NXT: TIME-WAIT, as before") {
        auto e = orphan();
        const auto& fx = e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin));
        CHECK(e.state() == State::time_wait);
        CHECK(any_segment(fx, Flag::ack));
    }
    SECTION("after shutdown(SHUT_WR) the socket stays full: RFC 5961 challenges the SYN") {
        auto e = reach(State::fin_wait_2, lnx, iss_a, iss_b, {0, 0, false});
        REQUIRE_FALSE(e.tcb.orphan);
        const auto& fx = e.arrive(make_seg<S>(Flags(Flag::syn), e.tcb.rcv_nxt + 500));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.state() == State::fin_wait_2);
    }
    SECTION("with tcp_fin_timeout above TIME-WAIT the orphan stays a full socket") {
        Profile p = lnx;
        p.fin_wait_2_timeout = 2 * p.time_wait;
        auto e = reach(State::fin_wait_2, p);
        const auto& fx = e.arrive(make_seg<S>(Flags(Flag::syn), e.tcb.rcv_nxt + 500));
        check_is_plain_ack(fx, e.tcb);
    }
}

TEST_CASE("tcp_rcv_state_process TCP_FIN_WAIT1/2 (Linux, conformance F6): data after close() gets <SEQ=SEG.ACK><CTL=RST>",
          "[rfc][close][linux]") {
    for (State s : {State::fin_wait_1, State::fin_wait_2}) {
        CAPTURE(s);
        auto e = reach(s, lnx);
        REQUIRE(e.tcb.orphan);
        const S seg_ack = e.tcb.snd_una; // in FIN-WAIT-1 below SND.NXT: the RST follows the segment, not the TCB
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, seg_ack, 10));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::rst));
        CHECK(fx[0].seq == seg_ack);
        CHECK(fx.released);
        CHECK(e.tcb.reason == CloseReason::aborted);
    }
}

TEST_CASE("RFC 9293 §3.6 SHLD-3 is a knob: silent_close closes over unread bytes with a FIN and keeps bytes after CLOSE",
          "[rfc][close]") {
    // The broken variant of no_silent_data_loss: the same two paths as the two cases above, with
    // rst_on_close_with_unread off, lose the bytes without a word to the peer.
    constexpr Profile silent = profiles::silent_close();
    static_assert(!silent.rst_on_close_with_unread && profiles::rfc9293().rst_on_close_with_unread);
    SECTION("CLOSE with unread data: a FIN, and the peer's release looks orderly") {
        auto w = reach_wire<S>(State::established, silent);
        w.at_b(Send{10});
        w.deliver_to_a();
        REQUIRE(w.a.tcb.unread == 10);
        const auto& fx = w.at_a(Close{});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::ack | Flag::fin));
        CHECK_FALSE(fx.released);
        CHECK(w.a.state() == State::fin_wait_1);
        while (w.deliver_to_b()) {
        }
        CHECK(w.b.state() == State::close_wait);
        CHECK(w.b.tcb.reason == CloseReason::none);
    }
    SECTION("data after a full CLOSE: taken, acknowledged, no RST") {
        for (State st : {State::fin_wait_1, State::fin_wait_2}) {
            CAPTURE(st);
            auto e = reach(st, silent);
            REQUIRE(e.tcb.orphan);
            const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una, 10));
            CHECK_FALSE(any_segment(fx, Flag::rst));
            CHECK_FALSE(fx.released);
            CHECK(e.tcb.unread == 10);
            CHECK(e.state() == st);
        }
    }
}

// =============================================================================================
// §3.10.5 ABORT
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.5 ABORT in each state: RST <SEQ=SND.NXT> where the peer holds state", "[rfc][abort]") {
    struct Row {
        State s;
        bool rst;
        bool reset_notice;
    };
    const Row rows[] = {
        {State::listen, false, true},       {State::syn_sent, false, true},    {State::syn_received, true, true},
        {State::established, true, true},   {State::fin_wait_1, true, true},   {State::fin_wait_2, true, true},
        {State::close_wait, true, true},    {State::closing, false, false},    {State::last_ack, false, false},
        {State::time_wait, false, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.s);
        auto e = reach(r.s, rfc);
        auto nxt = e.tcb.snd_nxt;
        const auto& fx = e.on(Abort{});
        CHECK(fx.error == UserError::ok);
        CHECK(fx.released);
        CHECK(e.state() == State::closed);
        CHECK(e.tcb.reason == CloseReason::aborted);
        CHECK(fx.has(Notice::reset) == r.reset_notice);
        CHECK_FALSE(has_timer(e.tcb));
        if (r.rst) {
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == Flags(Flag::rst)); // <SEQ=SND.NXT><CTL=RST>
            CHECK(fx[0].seq == nxt);
        } else {
            CHECK(fx.size() == 0);
        }
    }
    Endpoint<S> closed(rfc);
    CHECK(closed.on(Abort{}).error == UserError::connection_does_not_exist);
}

TEST_CASE("RFC 9293 §3.10.5 ABORT on Linux: the RST carries ACK (tcp_send_active_reset)", "[rfc][abort][linux]") {
    auto e = reach(State::established, lnx);
    const auto& fx = e.on(Abort{});
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::rst | Flag::ack));
    CHECK(fx[0].seq == e.tcb.snd_nxt);
    CHECK(fx[0].ack == e.tcb.rcv_nxt);
}

// =============================================================================================
// §3.10.7.1 CLOSED
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.1 CLOSED: a segment without ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>",
          "[rfc][closed]") {
    struct Row {
        const char* label;
        Flags flags;
        std::uint32_t len;
        std::uint32_t ack; // expected SEG.SEQ + SEG.LEN
    };
    const Row rows[] = {
        {"SYN (SEG.LEN counts the SYN)", Flag::syn, 0, 101},
        {"data", Flag::psh, 10, 110},
        {"FIN with data", Flag::fin, 5, 106},
        {"SYN and FIN", Flag::syn | Flag::fin, 0, 102},
        {"no flags, no data", Flags{}, 0, 100},
    };
    for (const auto& r : rows) {
        CAPTURE(r.label);
        Endpoint<S> e(rfc);
        const auto& fx = e.arrive(make_seg<S>(r.flags, S{100}, S{777}, r.len));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::rst | Flag::ack));
        CHECK(fx[0].seq == S{0});
        CHECK(fx[0].ack == S{r.ack});
        CHECK(e.state() == State::closed);
    }
}

TEST_CASE("RFC 9293 §3.10.7.1 CLOSED: a segment with ACK gets <SEQ=SEG.ACK><CTL=RST>", "[rfc][closed]") {
    for (Flags f : {Flags(Flag::ack), Flag::syn | Flag::ack, Flag::ack | Flag::fin}) {
        CAPTURE(f);
        // Also a TCB that has been through a connection attempt and was deleted.
        auto done = reach(State::syn_sent, rfc);
        done.on(Close{});
        REQUIRE(done.state() == State::closed);
        const auto& dfx = done.arrive(make_seg<S>(f, S{100}, S{555}, 7));
        REQUIRE(dfx.size() == 1);
        CHECK(dfx[0].flags == Flags(Flag::rst));
        CHECK(dfx[0].seq == S{555});
        Endpoint<S> fresh(rfc);
        const auto& fx = fresh.arrive(make_seg<S>(f, S{100}, S{555}));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].seq == S{555});
    }
}

TEST_CASE("RFC 9293 §3.10.7.1 CLOSED: an incoming RST is discarded, never answered", "[rfc][closed]") {
    for (Flags f : {Flags(Flag::rst), Flag::rst | Flag::ack, Flag::rst | Flag::syn, Flag::rst | Flag::fin}) {
        CAPTURE(f);
        Endpoint<S> e(rfc);
        const auto& fx = e.arrive(make_seg<S>(f, S{100}, S{555}, 3));
        CHECK(fx.size() == 0);
        CHECK(e.tcb == Tcb<S>{});
    }
}

// =============================================================================================
// §3.10.7.2 LISTEN
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.2 LISTEN: an RST is ignored", "[rfc][listen]") {
    for (Flags f : {Flags(Flag::rst), Flag::rst | Flag::ack, Flag::rst | Flag::syn}) {
        CAPTURE(f);
        auto e = reach(State::listen, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(f, S{100}, S{200}));
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.2 LISTEN: any ACK is answered with <SEQ=SEG.ACK><CTL=RST>", "[rfc][listen]") {
    for (Flags f : {Flags(Flag::ack), Flag::syn | Flag::ack, Flag::ack | Flag::fin, Flag::ack | Flag::psh}) {
        CAPTURE(f);
        auto e = reach(State::listen, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(f, S{100}, S{4242}, 5));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::rst));
        CHECK(fx[0].seq == S{4242});
        CHECK(e.tcb == before); // still listening
    }
}

TEST_CASE("RFC 9293 §3.10.7.2 LISTEN: a SYN enters SYN-RECEIVED and sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>",
          "[rfc][listen]") {
    auto e = reach(State::listen, rfc);
    e.now = 70;
    const auto& fx = e.arrive(make_seg<S>(Flag::syn, S{300}, S{}, 0, 4000));
    CHECK(e.state() == State::syn_received);
    CHECK(e.tcb.passive);
    CHECK(e.tcb.irs == S{300});
    CHECK(e.tcb.rcv_nxt == S{301});
    CHECK(e.tcb.snd_una == iss_b);
    CHECK(e.tcb.snd_nxt == iss_b + 1);
    CHECK(e.tcb.snd_wnd == 4000);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::syn | Flag::ack));
    CHECK(fx[0].seq == iss_b);
    CHECK(fx[0].ack == S{301});
    CHECK(fx.next == Deadline{70 + rfc.rto_initial, Timer::retransmission});
}

TEST_CASE("RFC 9293 §3.10.7.2 LISTEN: any other segment is dropped", "[rfc][listen]") {
    for (Flags f : {Flags{}, Flags(Flag::fin), Flags(Flag::psh), Flags(Flag::urg), Flag::fin | Flag::psh}) {
        CAPTURE(f);
        auto e = reach(State::listen, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(f, S{300}, S{}, 20));
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.2 LISTEN: data and FIN on a SYN are not queued (documented: dropped, the peer resends)",
          "[rfc][listen]") {
    auto e = reach(State::listen, rfc);
    const auto& fx = e.arrive(make_seg<S>(Flag::syn | Flag::fin, S{300}, S{}, 20));
    CHECK(e.state() == State::syn_received);
    CHECK(e.tcb.rcv_nxt == S{301}); // only the SYN is taken
    CHECK(e.tcb.unread == 0);
    CHECK_FALSE(fx.has(Notice::peer_closed));
}

// =============================================================================================
// §3.10.7.3 SYN-SENT
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: an unacceptable ACK is answered with <SEQ=SEG.ACK><CTL=RST>",
          "[rfc][syn-sent]") {
    struct Row {
        const char* label;
        S ack;
    };
    const Row rows[] = {
        {"SEG.ACK = ISS (our SYN not acked)", iss_a},
        {"SEG.ACK < ISS", iss_a - 1000},
        {"SEG.ACK > SND.NXT", iss_a + 2},
    };
    for (const auto& r : rows) {
        for (Flags f : {Flags(Flag::ack), Flag::syn | Flag::ack}) {
            CAPTURE(r.label, f);
            auto e = reach(State::syn_sent, rfc);
            auto before = e.tcb;
            const auto& fx = e.arrive(make_seg<S>(f, S{9000}, r.ack));
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == Flags(Flag::rst));
            CHECK(fx[0].seq == r.ack);
            CHECK(e.tcb == before); // the segment is discarded; still SYN-SENT
        }
        CAPTURE(r.label);
        auto e = reach(State::syn_sent, rfc);
        auto before = e.tcb;
        CHECK(e.arrive(make_seg<S>(Flag::rst | Flag::ack, S{9000}, r.ack)).size() == 0); // never RST for RST
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: RST with acceptable ACK refuses the connection", "[rfc][syn-sent]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::syn_sent, *p);
        auto syn = w.drop_to_b(); // the SYN reaches a host with no listener, which answers per §3.10.7.1
        Endpoint<S> nobody(*p);
        const auto& rst = nobody.arrive(syn);
        REQUIRE(rst.size() == 1);
        CHECK(rst[0].flags == (Flag::rst | Flag::ack));
        const auto& fx = w.a.arrive(rst[0]);
        CHECK(fx.size() == 0);
        CHECK(fx.released);
        CHECK(fx.has(Notice::refused));
        CHECK(w.a.state() == State::closed);
        CHECK(w.a.tcb.reason == CloseReason::refused);
        CHECK_FALSE(has_timer(w.a.tcb));
    }
}

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: RST without an acceptable ACK is dropped", "[rfc][syn-sent]") {
    for (Flags f : {Flags(Flag::rst), Flag::rst | Flag::syn}) {
        CAPTURE(f);
        auto e = reach(State::syn_sent, rfc);
        auto before = e.tcb;
        CHECK(e.arrive(make_seg<S>(f, S{9000}, iss_a + 1)).size() == 0);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: SYN+ACK enters ESTABLISHED and sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
          "[rfc][syn-sent]") {
    auto e = reach(State::syn_sent, rfc);
    e.now = 300;
    const auto& fx = e.arrive(make_seg<S>(Flag::syn | Flag::ack, S{9000}, iss_a + 1, 0, 8000));
    CHECK(e.state() == State::established);
    CHECK(fx.has(Notice::established));
    CHECK(e.tcb.irs == S{9000});
    CHECK(e.tcb.rcv_nxt == S{9001});
    CHECK(e.tcb.snd_una == iss_a + 1);
    CHECK(e.tcb.snd_wnd == 8000); // SND.WND <- SEG.WND, never scaled in a SYN (RFC 7323 §2.2)
    CHECK(e.tcb.snd_wl1 == S{9000});
    CHECK(e.tcb.snd_wl2 == iss_a + 1);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == Flags(Flag::ack));
    CHECK(fx[0].seq == iss_a + 1);
    CHECK(fx[0].ack == S{9001});
    CHECK(e.tcb.at(Timer::retransmission) == never); // the SYN is acknowledged
    CHECK(fx.next.at == never);
}

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: a SYN alone enters SYN-RECEIVED (simultaneous open)", "[rfc][syn-sent]") {
    auto e = reach(State::syn_sent, rfc);
    const auto& fx = e.arrive(make_seg<S>(Flag::syn, S{9000}));
    CHECK(e.state() == State::syn_received);
    CHECK_FALSE(e.tcb.passive);
    CHECK(e.tcb.rcv_nxt == S{9001});
    CHECK(e.tcb.snd_una == iss_a); // our SYN is not acknowledged yet
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags == (Flag::syn | Flag::ack));
    CHECK(fx[0].seq == iss_a);      // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    CHECK(fx[0].ack == S{9001});
    CHECK(e.tcb.at(Timer::retransmission) != never);
    // The peer's SYN+ACK then acknowledges our SYN: ESTABLISHED (§3.10.7.4 fifth, SYN-RECEIVED).
    auto w = simultaneous_open<S>(rfc);
    w.settle();
    CHECK(w.a.state() == State::established);
    CHECK(w.b.state() == State::established);
}

TEST_CASE("RFC 9293 §3.10.7.3 SYN-SENT: a segment with neither SYN nor RST is dropped", "[rfc][syn-sent]") {
    for (Flags f : {Flags(Flag::ack), Flag::ack | Flag::fin, Flags(Flag::fin), Flags{}}) {
        CAPTURE(f);
        auto e = reach(State::syn_sent, rfc);
        auto before = e.tcb;
        CHECK(e.arrive(make_seg<S>(f, S{9000}, iss_a + 1, 10)).size() == 0);
        CHECK(e.tcb == before);
    }
}

// =============================================================================================
// §3.10.7.4 first: sequence number
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 Table 6: the four segment acceptability cases", "[rfc][acceptability]") {
    // An acceptable RST resets (rfc9293: RFC 5961 off); an unacceptable one is dropped silently.
    // That makes acceptability observable without looking inside step.
    struct Row {
        const char* label;
        std::uint32_t rcv_wnd;
        std::int64_t offset; // SEG.SEQ - RCV.NXT
        std::uint32_t len;
        bool acceptable;
    };
    const Row rows[] = {
        {"len 0, wnd 0: SEG.SEQ = RCV.NXT", 0, 0, 0, true},
        {"len 0, wnd 0: SEG.SEQ = RCV.NXT + 1", 0, 1, 0, false},
        {"len 0, wnd 0: SEG.SEQ = RCV.NXT - 1", 0, -1, 0, false},
        {"len 0, wnd > 0: at RCV.NXT", 1000, 0, 0, true},
        {"len 0, wnd > 0: last in window", 1000, 999, 0, true},
        {"len 0, wnd > 0: just past the window", 1000, 1000, 0, false},
        {"len 0, wnd > 0: just before RCV.NXT", 1000, -1, 0, false},
        {"len > 0, wnd 0: even at RCV.NXT", 0, 0, 5, false},
        {"len > 0, wnd > 0: starts in the window", 1000, 995, 10, true},
        {"len > 0, wnd > 0: ends in the window", 1000, -5, 10, true},
        {"len > 0, wnd > 0: ends exactly at RCV.NXT - 1", 1000, -10, 10, false},
        {"len > 0, wnd > 0: starts past the window", 1000, 1000, 10, false},
        {"len > 0, wnd > 0: covers RCV.NXT", 1000, -20, 100, true},
    };
    for (const auto& r : rows) {
        CAPTURE(r.label);
        Profile p = without_wscale(rfc);
        p.rcv_wnd = r.rcv_wnd;
        auto e = reach(State::established, p);
        REQUIRE(e.tcb.rcv_wnd == r.rcv_wnd);
        auto before = e.tcb;
        S seq = e.tcb.rcv_nxt + static_cast<std::uint32_t>(r.offset);
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, seq, S{}, r.len));
        CHECK(fx.size() == 0);
        if (r.acceptable) {
            CHECK(e.state() == State::closed);
            CHECK(e.tcb.reason == CloseReason::reset);
        } else {
            CHECK(e.tcb == before);
        }
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 first: an unacceptable segment is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
          "[rfc][acceptability]") {
    for (State s : synchronized_but_time_wait) {
        for (const Profile* p : {&rfc, &lnx}) {
            CAPTURE(s, p->name);
            auto e = reach(s, *p);
            auto before = e.tcb;
            // Old data entirely below RCV.NXT, and data entirely beyond the window.
            for (std::int64_t off : {std::int64_t{-100}, std::int64_t{70000}}) {
                S seq = e.tcb.rcv_nxt + static_cast<std::uint32_t>(off);
                const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::psh, seq, e.tcb.snd_nxt, 50));
                check_is_plain_ack(fx, e.tcb);
                CHECK(e.tcb.rcv_nxt == before.rcv_nxt);
                CHECK(e.tcb.unread == before.unread);
                CHECK(e.state() == s);
            }
            // An unacceptable RST is dropped without an answer. (Not at RCV.NXT-1: there Linux's
            // tcp_reset_check resets CLOSE-WAIT, LAST-ACK and CLOSING, test_step_fidelity.cpp.)
            S old = e.tcb.rcv_nxt - 2;
            CHECK(e.arrive(make_seg<S>(Flag::rst, old)).size() == 0);
            CHECK(e.state() == s);
        }
    }
    SECTION("TIME-WAIT") {
        auto e = reach(State::time_wait, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt + 70000u, e.tcb.snd_nxt, 5));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.state() == State::time_wait);
    }
}

// =============================================================================================
// §3.10.7.4 second: RST
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 second: RST in SYN-RECEIVED from a passive OPEN returns to LISTEN",
          "[rfc][rst]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto e = reach(State::syn_received, *p);
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK(e.state() == State::listen);
        CHECK(fx.size() == 0);
        CHECK_FALSE(fx.released); // the listener lives on
        CHECK(fx.notices == 0);   // "the user need not be informed"
        CHECK_FALSE(has_timer(e.tcb)); // the retransmission queue is flushed
        // ... and takes the next SYN.
        e.arrive(make_seg<S>(Flag::syn, S{777}));
        CHECK(e.state() == State::syn_received);
        CHECK(e.tcb.rcv_nxt == S{778});
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 second: RST in SYN-RECEIVED from an active OPEN refuses the connection", "[rfc][rst]") {
    auto w = simultaneous_open<S>(rfc);
    const auto& fx = w.a.arrive(make_seg<S>(Flag::rst, w.a.tcb.rcv_nxt));
    CHECK(fx.released);
    CHECK(fx.has(Notice::refused));
    CHECK(w.a.state() == State::closed);
    CHECK(w.a.tcb.reason == CloseReason::refused);
    CHECK(fx.size() == 0);
}

TEST_CASE("RFC 9293 §3.10.7.4 second: RST in ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT resets the connection",
          "[rfc][rst]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2, State::close_wait}) {
        for (const Profile* p : {&rfc, &lnx}) {
            CAPTURE(s, p->name);
            auto e = reach(s, *p);
            const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
            CHECK(fx.size() == 0);
            CHECK(fx.released);
            CHECK(fx.has(Notice::reset));
            CHECK(e.state() == State::closed);
            CHECK(e.tcb.reason == CloseReason::reset);
            CHECK_FALSE(has_timer(e.tcb));
        }
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 second: RST in CLOSING and LAST-ACK enters CLOSED", "[rfc][rst]") {
    for (State s : {State::closing, State::last_ack}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK(fx.size() == 0);
        CHECK(fx.released);
        CHECK(e.state() == State::closed);
        CHECK(e.tcb.reason == CloseReason::reset);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 second: RST in TIME-WAIT enters CLOSED unless RFC 1337 is on", "[rfc][rst][time-wait]") {
    SECTION("rfc9293: TIME-WAIT assassination") {
        auto e = reach(State::time_wait, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK(fx.released);
        CHECK(e.state() == State::closed);
        CHECK(fx.size() == 0);
    }
    SECTION("rfc1337: the RST is ignored and TIME-WAIT runs its course") {
        Profile p = rfc;
        p.rfc1337 = true;
        auto e = reach(State::time_wait, p);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK_FALSE(fx.released);
        CHECK(e.tcb == before);
        CHECK(fx.size() == 0);
    }
    SECTION("linux: an exact RST kills TIME-WAIT (tcp_rfc1337 = 0), an inexact one is dropped silently") {
        auto e = reach(State::time_wait, lnx);
        auto before = e.tcb;
        CHECK(e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt + 5)).size() == 0);
        CHECK(e.tcb == before);
        e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK(e.state() == State::closed);
    }
}

TEST_CASE("RFC 5961 §3.2: an in-window RST not at RCV.NXT gets a challenge ACK (linux profile)", "[rfc][rst][rfc5961]") {
    for (State s : synchronized_but_time_wait) {
        CAPTURE(s);
        // FIN-WAIT-2 after shutdown(SHUT_WR): an orphan there checks as RFC 793 does (F7, below).
        auto e = reach(s, lnx, iss_a, iss_b, {0, 0, s != State::fin_wait_2});
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt + 1));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb.state == before.state);
        CHECK(e.tcb.rcv_nxt == before.rcv_nxt);
        CHECK_FALSE(fx.released);
        // The exact RST still resets (RFC 5961 §3.2 case 2).
        e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt));
        CHECK(e.state() == (s == State::syn_received ? State::listen : State::closed));
    }
    SECTION("without RFC 5961 (rfc9293) the same RST resets at once") {
        auto e = reach(State::established, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::rst, e.tcb.rcv_nxt + 1));
        CHECK(fx.size() == 0);
        CHECK(e.state() == State::closed);
    }
}

// =============================================================================================
// §3.10.7.4 fourth: SYN
// =============================================================================================

TEST_CASE("RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK (linux profile)", "[rfc][syn][rfc5961]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2, State::close_wait, State::closing,
                    State::last_ack, State::time_wait}) {
        CAPTURE(s);
        // FIN-WAIT-2 after shutdown(SHUT_WR): an orphan there checks as RFC 793 does (F7).
        auto e = reach(s, lnx, iss_a, iss_b, {0, 0, s != State::fin_wait_2});
        auto expect = e.tcb;
        expect.ack_pending = false; // CLOSE-WAIT: the challenge ACK also carries the held ACK of the FIN
        expect.deadline[static_cast<std::size_t>(Timer::delayed_ack)] = never;
        expect.last_oow_ack = e.now; // the challenge counts against tcp_invalid_ratelimit (F4)
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == expect);
    }
    SECTION("SYN-RECEIVED of an active OPEN: per the synchronized states") {
        auto w = simultaneous_open<S>(lnx);
        auto before = w.a.tcb;
        before.last_oow_ack = w.a.now;
        const auto& fx = w.a.arrive(make_seg<S>(Flag::syn, w.a.tcb.rcv_nxt));
        check_is_plain_ack(fx, w.a.tcb);
        CHECK(w.a.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fourth: a SYN in the window resets the connection (RFC 793 behaviour, rfc9293 profile)",
          "[rfc][syn]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2, State::close_wait, State::closing,
                    State::last_ack, State::time_wait}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto nxt = e.tcb.snd_nxt;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::rst));
        CHECK(fx[0].seq == nxt);
        CHECK(fx.released);
        CHECK(e.state() == State::closed);
        CHECK(e.tcb.reason == CloseReason::reset);
    }
    SECTION("a SYN outside the window only gets the ACK of the first check") {
        auto e = reach(State::established, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt - 10));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fourth: a SYN in SYN-RECEIVED from a passive OPEN returns to LISTEN", "[rfc][syn]") {
    SECTION("a different SYN in the window") {
        auto e = reach(State::syn_received, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt));
        CHECK(e.state() == State::listen);
        CHECK(fx.size() == 0);
        CHECK_FALSE(has_timer(e.tcb));
    }
    SECTION("rfc9293: a retransmitted SYN (SEG.SEQ = IRS) is old, so it only gets an ACK") {
        auto e = reach(State::syn_received, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.irs));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == before);
    }
    SECTION("linux: a retransmitted SYN gets the SYN+ACK again (tcp_check_req: inet_rtx_syn_ack)") {
        auto e = reach(State::syn_received, lnx);
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.irs));
        CHECK(e.state() == State::syn_received);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::syn | Flag::ack));
        CHECK(fx[0].seq == iss_b);
        CHECK(fx[0].ack == iss_a + 1);
    }
}

// =============================================================================================
// §3.10.7.4 fifth: ACK
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 fifth: a segment without ACK is dropped", "[rfc][ack]") {
    for (State s : synchronized_but_time_wait) {
        CAPTURE(s);
        auto e = reach(s, rfc, iss_a, iss_b, {0, 0, false});
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::psh, e.tcb.rcv_nxt, e.tcb.snd_nxt, 10));
        CHECK(fx.size() == 0);
        CHECK(e.tcb == before);
        e.arrive(make_seg<S>(Flag::fin, e.tcb.rcv_nxt, e.tcb.snd_nxt));
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth SYN-RECEIVED: an acceptable ACK enters ESTABLISHED with SND.WND, WL1, WL2",
          "[rfc][ack]") {
    auto e = reach(State::syn_received, rfc);
    const auto& fx = e.arrive(make_seg<S>(Flag::ack, iss_a + 1, iss_b + 1, 0, 300));
    CHECK(e.state() == State::established);
    CHECK(fx.has(Notice::established));
    CHECK(fx.size() == 0);
    CHECK(e.tcb.snd_una == iss_b + 1);
    CHECK(e.tcb.snd_wnd == (300u << e.tcb.snd_wscale)); // RFC 7323 §2.2: scaled from now on
    CHECK(e.tcb.snd_wscale == 7);
    CHECK(e.tcb.snd_wl1 == iss_a + 1);
    CHECK(e.tcb.snd_wl2 == iss_b + 1);
    CHECK(e.tcb.at(Timer::retransmission) == never);
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth SYN-RECEIVED: an unacceptable ACK is answered with <SEQ=SEG.ACK><CTL=RST>",
          "[rfc][ack]") {
    for (std::uint32_t bad : {0u, 2u, 100u}) { // SEG.ACK = ISS (= SND.UNA), beyond SND.NXT
        CAPTURE(bad);
        auto e = reach(State::syn_received, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, iss_a + 1, iss_b + bad));
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == Flags(Flag::rst));
        CHECK(fx[0].seq == iss_b + bad);
        CHECK(e.tcb == before);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth ESTABLISHED: an ACK advances SND.UNA, a duplicate is ignored", "[rfc][ack]") {
    auto e = reach(State::established, rfc);
    e.on(Send{1000});
    REQUIRE(e.tcb.in_flight() == 1000);
    e.fire(Timer::retransmission); // one retransmission: the backoff is raised
    REQUIRE(e.tcb.retries == 1);
    e.now += 10;
    const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 401));
    CHECK(e.tcb.snd_una == iss_a + 401);
    CHECK(fx.has(Notice::data_acked));
    CHECK(e.tcb.retries == 0);                                          // RFC 6298 §5.3 / backoff reset
    CHECK(e.tcb.at(Timer::retransmission) == e.now + rfc.rto_initial); // restarted for the rest
    auto before = e.tcb;
    const auto& dup = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 401));
    CHECK(dup.size() == 0);
    CHECK_FALSE(dup.has(Notice::data_acked));
    CHECK(e.tcb == before);
    e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 1001));
    CHECK(e.tcb.in_flight() == 0);
    CHECK(e.tcb.at(Timer::retransmission) == never); // all acknowledged
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth: an ACK of unsent data is answered with an ACK and the segment dropped",
          "[rfc][ack]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2, State::close_wait, State::closing,
                    State::last_ack}) {
        for (const Profile* p : {&rfc, &lnx}) {
            CAPTURE(s, p->name);
            auto e = reach(s, *p, iss_a, iss_b, {0, 0, false});
            auto before = e.tcb;
            const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_nxt + 10, 20));
            check_is_plain_ack(fx, e.tcb);
            CHECK(e.tcb.rcv_nxt == before.rcv_nxt); // the text is dropped with it
            CHECK(e.tcb.unread == before.unread);
            CHECK(e.tcb.snd_una == before.snd_una);
            CHECK(e.state() == s);
        }
    }
}

TEST_CASE("RFC 5961 §5.2: an ACK older than SND.UNA - MAX.SND.WND gets a challenge ACK (linux profile)",
          "[rfc][ack][rfc5961]") {
    auto l = reach(State::established, lnx);
    auto before = l.tcb;
    // MAX.SND.WND, not SND.WND: after a window shrinks, ACKs in flight within the largest window
    // offered are still acceptable (tests/test_step_fidelity.cpp has the shrunk case).
    S too_old = l.tcb.snd_una - l.tcb.max_send_window() - 1;
    check_is_plain_ack(l.arrive(make_seg<S>(Flag::ack, l.tcb.rcv_nxt, too_old, 0, 1)), l.tcb);
    before.last_oow_ack = l.now;
    CHECK(l.tcb == before); // and no window update from it
    // rfc9293: the same ACK is just an old duplicate.
    auto r = reach(State::established, rfc);
    S old = r.tcb.snd_una - r.tcb.max_send_window() - 1;
    CHECK(r.arrive(make_seg<S>(Flag::ack, r.tcb.rcv_nxt, old)).size() == 0);
    CHECK(r.state() == State::established);
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth: the send window is updated only by newer segments (SND.WL1, SND.WL2)",
          "[rfc][ack][window]") {
    auto e = reach(State::established, without_wscale(rfc));
    S r0 = e.tcb.rcv_nxt;
    REQUIRE(e.tcb.snd_wl1 == r0 - 1); // from the SYN+ACK
    // SND.WL1 < SEG.SEQ: update.
    e.arrive(make_seg<S>(Flag::ack, r0, iss_a + 1, 0, 3000));
    CHECK(e.tcb.snd_wnd == 3000);
    CHECK(e.tcb.snd_wl1 == r0);
    CHECK(e.tcb.snd_wl2 == iss_a + 1);
    // SND.WL1 = SEG.SEQ and SND.WL2 = SEG.ACK: update (a window-only update).
    e.arrive(make_seg<S>(Flag::ack, r0, iss_a + 1, 0, 2000));
    CHECK(e.tcb.snd_wnd == 2000);
    // SND.WL1 = SEG.SEQ and SND.WL2 < SEG.ACK: update.
    e.on(Send{100});
    e.arrive(make_seg<S>(Flag::ack, r0, iss_a + 101, 0, 500));
    CHECK(e.tcb.snd_wnd == 500);
    CHECK(e.tcb.snd_wl2 == iss_a + 101);
    // A segment ahead of RCV.NXT (in the window) carries a newer SEG.SEQ: update.
    e.arrive(make_seg<S>(Flag::ack, r0 + 10, iss_a + 101, 0, 4000));
    CHECK(e.tcb.snd_wnd == 4000);
    CHECK(e.tcb.snd_wl1 == r0 + 10);
    // SND.WL1 > SEG.SEQ: an older segment must not shrink the window.
    e.arrive(make_seg<S>(Flag::ack, r0, iss_a + 101, 0, 100));
    CHECK(e.tcb.snd_wnd == 4000);
    CHECK(e.tcb.snd_wl1 == r0 + 10);
    // SEG.ACK < SND.UNA (a duplicate): no update either.
    e.arrive(make_seg<S>(Flag::ack, r0 + 10, iss_a + 1, 0, 7));
    CHECK(e.tcb.snd_wnd == 4000);
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth FIN-WAIT-1: the ACK of our FIN enters FIN-WAIT-2", "[rfc][ack]") {
    auto e = reach(State::established, rfc);
    e.on(Send{100});
    e.on(Close{});
    REQUIRE(e.state() == State::fin_wait_1);
    // Acknowledges the data but not the FIN: stay.
    e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 101));
    CHECK(e.state() == State::fin_wait_1);
    CHECK(e.tcb.at(Timer::retransmission) != never);
    const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 102));
    CHECK(e.state() == State::fin_wait_2);
    CHECK(fx.size() == 0);
    CHECK(e.tcb.at(Timer::retransmission) == never);
    // FIN-WAIT-2: a further ACK changes nothing (the CLOSE is complete, the TCB stays).
    auto before = e.tcb;
    e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 102));
    CHECK(e.tcb == before);
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth CLOSING: the ACK of our FIN enters TIME-WAIT, any other segment is ignored",
          "[rfc][ack]") {
    auto e = reach(State::closing, rfc);
    auto before = e.tcb;
    // Not the ACK of our FIN, and carrying text: ignored (the window update of ESTABLISHED aside).
    const auto& ignored = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una, 10));
    CHECK(ignored.size() == 0);
    CHECK(e.state() == State::closing);
    CHECK(e.tcb.rcv_nxt == before.rcv_nxt);
    CHECK(e.tcb.snd_una == before.snd_una);
    CHECK(e.tcb.deadline == before.deadline);
    e.now = 1234;
    const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_nxt));
    CHECK(e.state() == State::time_wait);
    CHECK(fx.size() == 0);
    CHECK(fx.next == Deadline{1234 + rfc.time_wait, Timer::time_wait});
    CHECK(e.tcb.at(Timer::time_wait) == 1234 + rfc.time_wait);
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth LAST-ACK: the ACK of our FIN closes the connection", "[rfc][ack]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto e = reach(State::last_ack, *p);
        e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una));
        CHECK(e.state() == State::last_ack);
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_nxt));
        CHECK(fx.released);
        CHECK(fx.has(Notice::closed));
        CHECK(fx.size() == 0);
        CHECK(e.state() == State::closed);
        CHECK(e.tcb.reason == CloseReason::closed_normally);
        CHECK_FALSE(has_timer(e.tcb));
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 fifth TIME-WAIT: a retransmitted FIN is acknowledged and restarts the 2 MSL timer",
          "[rfc][ack][time-wait]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::time_wait, *p);
        auto fin = w.sent_by('b').back(); // b's FIN, which put a into TIME-WAIT
        REQUIRE(fin.flags.fin());
        w.advance(w.now + 5000);
        const auto& fx = w.at_a(SegmentArrives<S>{fin});
        CHECK(w.a.state() == State::time_wait);
        check_is_plain_ack(fx, w.a.tcb);
        CHECK(w.a.tcb.at(Timer::time_wait) == w.now + p->time_wait);
    }
}

// =============================================================================================
// §3.10.7.4 seventh: segment text
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 seventh: text is delivered in ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and acknowledged",
          "[rfc][text]") {
    for (State s : {State::established, State::fin_wait_1, State::fin_wait_2}) {
        CAPTURE(s);
        auto e = reach(s, rfc, iss_a, iss_b, {0, 0, false});
        S r0 = e.tcb.rcv_nxt;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::psh, r0, e.tcb.snd_una, 100));
        CHECK(e.tcb.rcv_nxt == r0 + 100);
        CHECK(e.tcb.unread == 100);
        CHECK(fx.has(Notice::data_delivered));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.state() == s);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 seventh: only the new part of a straddling segment is taken - no reassembly queue",
          "[rfc][text]") {
    auto e = reach(State::established, rfc);
    S r0 = e.tcb.rcv_nxt;
    e.arrive(make_seg<S>(Flag::ack, r0 - 10, e.tcb.snd_nxt, 30)); // 10 old bytes, 20 new
    CHECK(e.tcb.rcv_nxt == r0 + 20);
    CHECK(e.tcb.unread == 20);
    // A segment beyond RCV.NXT is acknowledged (MAY-13) but not held (documented: no reassembly).
    const auto& fx = e.arrive(make_seg<S>(Flag::ack, r0 + 50, e.tcb.snd_nxt, 10));
    check_is_plain_ack(fx, e.tcb);
    CHECK(e.tcb.rcv_nxt == r0 + 20);
    CHECK(e.tcb.unread == 20);
}

TEST_CASE("RFC 9293 §3.10.7.4 seventh: text after the peer's FIN is ignored in CLOSE-WAIT, CLOSING, LAST-ACK",
          "[rfc][text]") {
    for (State s : {State::close_wait, State::closing, State::last_ack}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_una, 50));
        CHECK_FALSE(fx.has(Notice::data_delivered));
        CHECK(e.tcb.rcv_nxt == before.rcv_nxt);
        CHECK(e.tcb.unread == before.unread);
        CHECK(e.state() == s);
    }
}

// =============================================================================================
// §3.10.7.4 eighth: FIN
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.7.4 eighth: FIN in ESTABLISHED enters CLOSE-WAIT and is acknowledged", "[rfc][fin]") {
    SECTION("rfc9293: the ACK goes at once") {
        auto e = reach(State::established, rfc);
        S r0 = e.tcb.rcv_nxt;
        const auto& fx = e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin));
        CHECK(e.state() == State::close_wait);
        CHECK(e.tcb.rcv_nxt == r0 + 1); // RCV.NXT advances over the FIN
        CHECK(fx.has(Notice::peer_closed));
        check_is_plain_ack(fx, e.tcb);
    }
    SECTION("linux, before any data: the ACK goes at once (ato is still 0; conformance F5)") {
        auto e = reach(State::established, lnx);
        const auto& fx = e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin));
        CHECK(e.state() == State::close_wait);
        check_is_plain_ack(fx, e.tcb);
        CHECK_FALSE(e.tcb.ack_pending);
    }
    SECTION("linux, after data: the ACK is delayed (tcp_fin enters pingpong), then sent by the delayed-ACK timer") {
        auto e = reach(State::established, lnx);
        e.arrive(from_peer(e.tcb, Flag::ack | Flag::psh, 10));
        if (e.tcb.ack_pending) e.fire(Timer::delayed_ack);
        e.now = 100;
        const auto& fx = e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin));
        CHECK(e.state() == State::close_wait);
        CHECK(fx.size() == 0);
        CHECK(e.tcb.ack_pending);
        CHECK(fx.next == Deadline{100 + lnx.delayed_ack, Timer::delayed_ack});
        const auto& later = e.fire(Timer::delayed_ack);
        check_is_plain_ack(later, e.tcb);
        CHECK_FALSE(e.tcb.ack_pending);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 eighth: FIN with the ACK of our SYN in SYN-RECEIVED enters CLOSE-WAIT", "[rfc][fin]") {
    auto e = reach(State::syn_received, rfc);
    const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::fin, iss_a + 1, iss_b + 1));
    CHECK(e.state() == State::close_wait);
    CHECK(fx.has(Notice::established));
    CHECK(fx.has(Notice::peer_closed));
    CHECK(e.tcb.rcv_nxt == iss_a + 2);
}

TEST_CASE("RFC 9293 §3.10.7.4 eighth: FIN in FIN-WAIT-1 enters CLOSING, or TIME-WAIT if our FIN is acked",
          "[rfc][fin]") {
    SECTION("our FIN not yet acknowledged: CLOSING") {
        auto e = reach(State::fin_wait_1, rfc);
        const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::fin, e.tcb.rcv_nxt, e.tcb.snd_una));
        CHECK(e.state() == State::closing);
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb.at(Timer::retransmission) != never); // our FIN is still retransmitted
    }
    SECTION("acknowledged in this segment: TIME-WAIT, other timers off") {
        auto e = reach(State::fin_wait_1, lnx); // linux: also a keepalive-free orphan
        e.now = 50;
        const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::fin, e.tcb.rcv_nxt, e.tcb.snd_nxt));
        CHECK(e.state() == State::time_wait);
        check_is_plain_ack(fx, e.tcb);
        CHECK(fx.next == Deadline{50 + lnx.time_wait, Timer::time_wait});
        for (std::size_t i = 0; i < timer_count; ++i)
            if (static_cast<Timer>(i) != Timer::time_wait) CHECK(e.tcb.deadline[i] == never);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 eighth: FIN in FIN-WAIT-2 enters TIME-WAIT and is acknowledged", "[rfc][fin]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto e = reach(State::fin_wait_2, *p);
        e.now += 7;
        const auto& fx = e.arrive(from_peer(e.tcb, Flag::ack | Flag::fin));
        CHECK(e.state() == State::time_wait);
        CHECK(fx.has(Notice::peer_closed));
        check_is_plain_ack(fx, e.tcb);
        CHECK(fx.next == Deadline{e.now + p->time_wait, Timer::time_wait});
        CHECK(e.tcb.at(Timer::fin_wait_2) == never);
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 eighth: a retransmitted FIN in CLOSE-WAIT, CLOSING, LAST-ACK is acknowledged again",
          "[rfc][fin]") {
    for (State s : {State::close_wait, State::closing, State::last_ack}) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        auto before = e.tcb;
        // The peer's FIN again: SEQ = RCV.NXT - 1.
        const auto& fx = e.arrive(make_seg<S>(Flag::ack | Flag::fin, e.tcb.rcv_nxt - 1, e.tcb.snd_una));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == before); // remain in the state
    }
}

TEST_CASE("RFC 9293 §3.10.7.4 eighth: a FIN is not processed in CLOSED, LISTEN, SYN-SENT", "[rfc][fin]") {
    auto l = reach(State::listen, rfc);
    auto lb = l.tcb;
    CHECK(l.arrive(make_seg<S>(Flag::fin, S{10})).size() == 0);
    CHECK(l.tcb == lb);
    auto s = reach(State::syn_sent, rfc);
    auto sb = s.tcb;
    CHECK(s.arrive(make_seg<S>(Flag::fin, S{10})).size() == 0);
    CHECK(s.tcb == sb);
    Endpoint<S> c(rfc);
    const auto& fx = c.arrive(make_seg<S>(Flag::fin, S{10}));
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].flags.rst()); // §3.10.7.1, not a FIN
    CHECK(c.state() == State::closed);
}

// =============================================================================================
// §3.10.8 timeouts
// =============================================================================================

TEST_CASE("RFC 9293 §3.10.8 retransmission timeout: the SYN is resent with exponential backoff 1, 2, 4, ... s",
          "[rfc][timeout]") {
    struct Row {
        const Profile* p;
        std::vector<Duration> intervals; // from each send to the next timeout
    };
    Profile lnx_doubling = lnx; // tcp_syn_linear_timeouts=0 (the default 4: test "... conformance F1")
    lnx_doubling.syn_linear_timeouts = 0;
    const Row rows[] = {
        {&rfc, {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000}},    // RFC 6298 §2.5: capped at 60 s
        {&lnx_doubling, {1000, 2000, 4000, 8000, 16000, 32000, 64000}},  // tcp_syn_retries = 6: 127 s
    };
    for (const auto& r : rows) {
        CAPTURE(r.p->name);
        Endpoint<S> e(*r.p);
        const auto* fx = &e.on(Open<S>{false, iss_a, 0});
        for (std::size_t i = 0; i < r.intervals.size(); ++i) {
            CAPTURE(i);
            REQUIRE(fx->next.timer == Timer::retransmission);
            CHECK(fx->next.at - e.now == r.intervals[i]);
            Time due = fx->next.at;
            // Early: nothing happens.
            e.now = due - 1;
            auto before = e.tcb;
            CHECK(e.on(Timeout{Timer::retransmission}).size() == 0);
            CHECK(e.tcb == before);
            e.now = due;
            fx = &e.on(Timeout{Timer::retransmission});
            if (i + 1 < r.intervals.size()) {
                REQUIRE(fx->size() == 1);
                CHECK((*fx)[0].flags == Flags(Flag::syn)); // the segment at the front, again
                CHECK((*fx)[0].seq == iss_a);
                CHECK(e.state() == State::syn_sent);
            }
        }
        // The last timeout: the retry limit is reached, the connection attempt gives up.
        CHECK(fx->released);
        CHECK(fx->has(Notice::timed_out));
        CHECK(fx->size() == 0);
        CHECK(e.tcb.reason == CloseReason::timed_out);
    }
}

TEST_CASE("RFC 9293 §3.10.8 retransmission timeout: data is resent from SND.UNA until the retry limit, then timed out",
          "[rfc][timeout]") {
    auto e = reach(State::established, rfc);
    e.on(Send{2000});
    CHECK(retransmission_gaps(e, 6, 1460) == std::vector<Duration>{1000, 2000, 4000, 8000, 16000, 32000});
    const Time last = e.now;
    const auto& fx = e.fire(Timer::retransmission);
    CHECK(e.now - last == 60000);
    CHECK(fx.released);
    CHECK(fx.has(Notice::timed_out));
    CHECK(fx.size() == 0); // rst_on_retry_giveup is off: no RST (Linux tcp_write_err too)
    CHECK(e.tcb.reason == CloseReason::timed_out);
}

TEST_CASE("RFC 9293 §3.10.8 retransmission timeout: a FIN is resent with the last data", "[rfc][timeout]") {
    auto e = reach(State::established, rfc);
    e.on(Send{10});
    e.on(Close{});
    const auto& fx = e.fire(Timer::retransmission);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].seq == iss_a + 1);
    CHECK(fx[0].len == 10);
    CHECK(fx[0].flags.fin());
}

TEST_CASE("RFC 1122 §4.2.3.5 SYN+ACK retransmissions: a passive SYN-RECEIVED gives up back to LISTEN, silently on linux",
          "[rfc][timeout]") {
    for (const Profile* p : {&lnx, &rfc}) {
        CAPTURE(p->name);
        auto e = reach(State::syn_received, *p);
        for (int i = 0; i < p->synack_retries; ++i) {
            const auto& fx = e.fire(Timer::retransmission);
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags == (Flag::syn | Flag::ack));
            CHECK(fx[0].seq == iss_b);
        }
        const auto& fx = e.fire(Timer::retransmission);
        CHECK(e.state() == State::listen);
        CHECK(fx.size() == 0); // no RST: tcp_synack_retries drops the request
        CHECK(fx.notices == 0);
        CHECK_FALSE(has_timer(e.tcb));
    }
}

TEST_CASE("RFC 9293 §3.10.8 TIME-WAIT timeout: delete the TCB after 2 MSL", "[rfc][timeout][time-wait]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto e = reach(State::time_wait, *p);
        Time entered = e.now;
        CHECK(e.tcb.at(Timer::time_wait) == entered + p->time_wait);
        e.now = entered + p->time_wait - 1;
        e.on(Timeout{Timer::time_wait});
        CHECK(e.state() == State::time_wait);
        const auto& fx = e.fire(Timer::time_wait);
        CHECK(fx.released);
        CHECK(e.state() == State::closed);
        CHECK(e.tcb.reason == CloseReason::closed_normally);
        CHECK(e.now == entered + p->time_wait);
    }
}

TEST_CASE("RFC 9293 §3.10.8 USER TIMEOUT: data unacknowledged for the user timeout aborts the connection",
          "[rfc][timeout]") {
    Profile p = rfc;
    p.user_timeout = 30 * profiles::second;
    SECTION("armed while data is in flight, restarted by progress, off when all is acked") {
        auto e = reach(State::established, p);
        CHECK(e.tcb.at(Timer::user_timeout) == never); // nothing outstanding
        e.now = 100;
        e.on(Send{2000});
        CHECK(e.tcb.at(Timer::user_timeout) == 100 + p.user_timeout);
        e.now = 5000;
        e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, iss_a + 1001));
        CHECK(e.tcb.at(Timer::user_timeout) == 5000 + p.user_timeout);
        e.arrive(make_seg<S>(Flag::ack, e.tcb.rcv_nxt, e.tcb.snd_nxt));
        CHECK(e.tcb.at(Timer::user_timeout) == never);
    }
    SECTION("expiry: flush, signal, CLOSED") {
        auto e = reach(State::established, p);
        e.on(Send{100});
        // The retransmissions run (1, 2, 4, 8 s ...) but the user timeout comes first.
        const Effects<S>* fx = nullptr;
        while (e.state() != State::closed) fx = &e.fire_next();
        CHECK(e.now == p.user_timeout);
        CHECK(fx->released);
        CHECK(fx->has(Notice::timed_out));
        CHECK(e.tcb.reason == CloseReason::timed_out);
    }
    SECTION("also for a connection attempt in SYN-SENT") {
        Endpoint<S> e(p);
        e.on(Open<S>{false, iss_a, 0});
        CHECK(e.tcb.at(Timer::user_timeout) == p.user_timeout);
        e.arrive(make_seg<S>(Flag::syn | Flag::ack, iss_b, iss_a + 1));
        CHECK(e.tcb.at(Timer::user_timeout) == never);
    }
}

TEST_CASE("RFC 9293 §3.10.8 a timeout of a timer that is not armed, or not yet due, changes nothing", "[rfc][timeout]") {
    for (State s : all_states) {
        CAPTURE(s);
        auto e = reach(s, rfc);
        for (std::size_t i = 0; i < timer_count; ++i) {
            auto t = static_cast<Timer>(i);
            if (e.tcb.at(t) != never) e.now = e.tcb.at(t) - 1; // not yet due
            auto before = e.tcb;
            const auto& fx = e.on(Timeout{t});
            CHECK(fx.size() == 0);
            CHECK(e.tcb == before);
        }
    }
}

// =============================================================================================
// RFC 1122 §4.2.3.6 keepalive, Linux FIN-WAIT-2 timeout
// =============================================================================================

TEST_CASE("RFC 1122 §4.2.3.6 keepalive: off by default, so ESTABLISHED has no timer", "[rfc][keepalive]") {
    for (const Profile* p : {&rfc, &lnx}) {
        CAPTURE(p->name);
        auto w = reach_wire<S>(State::established, *p);
        CHECK_FALSE(has_timer(w.a.tcb));
        CHECK_FALSE(has_timer(w.b.tcb));
        CHECK(next_deadline(w.a.tcb).at == never);
    }
}

TEST_CASE("RFC 1122 §4.2.3.6 keepalive: a probe <SEQ=SND.NXT-1> after the idle time, an answer resets the count",
          "[rfc][keepalive]") {
    auto p = with_keepalive(rfc);
    auto w = reach_wire<S>(State::established, p);
    Time start = w.now;
    CHECK(w.a.tcb.at(Timer::keepalive) == start + p.keepalive_time);
    const auto& probe = w.fire_a(Timer::keepalive);
    REQUIRE(probe.size() == 1);
    CHECK(probe[0].flags == Flags(Flag::ack));
    CHECK(probe[0].seq == w.a.tcb.snd_nxt - 1);
    CHECK(probe[0].len == 0);
    CHECK(w.a.tcb.keepalive_probes == 1);
    CHECK(w.a.tcb.at(Timer::keepalive) == w.now + p.keepalive_intvl);
    // A second probe unanswered, then the peer answers the third (it ACKs the old sequence number).
    w.to_b.clear();
    w.fire_a(Timer::keepalive);
    CHECK(w.a.tcb.keepalive_probes == 2);
    w.to_b.clear();
    w.fire_a(Timer::keepalive);
    w.deliver_to_b();
    REQUIRE(w.to_a.size() == 1); // the peer's ACK for an unacceptable segment
    w.deliver_to_a();
    CHECK(w.a.tcb.keepalive_probes == 0);
    CHECK(w.a.tcb.at(Timer::keepalive) == w.now + p.keepalive_time);
    CHECK(w.a.state() == State::established);
}

TEST_CASE("RFC 1122 §4.2.3.6 keepalive: when the probes run out the connection times out, Linux sends RST",
          "[rfc][keepalive]") {
    for (const Profile* base : {&rfc, &lnx}) {
        CAPTURE(base->name);
        auto p = with_keepalive(*base);
        auto e = reach(State::established, p);
        Time start = e.now;
        for (int i = 0; i < p.keepalive_probes; ++i) {
            const auto& fx = e.fire(Timer::keepalive);
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].seq == e.tcb.snd_nxt - 1);
        }
        const auto& fx = e.fire(Timer::keepalive);
        CHECK(e.now - start == p.keepalive_time + p.keepalive_probes * p.keepalive_intvl);
        CHECK(fx.released);
        CHECK(fx.has(Notice::timed_out));
        CHECK(e.tcb.reason == CloseReason::timed_out);
        if (p.rst_on_keepalive_timeout) {
            REQUIRE(fx.size() == 1);
            CHECK(fx[0].flags.rst());
            CHECK(fx[0].seq == e.tcb.snd_nxt);
        } else {
            CHECK(fx.size() == 0);
        }
    }
}

TEST_CASE("RFC 1122 §4.2.3.6 keepalive: no probe while data is outstanding, none in TIME-WAIT", "[rfc][keepalive]") {
    auto p = with_keepalive(rfc);
    auto e = reach(State::established, p);
    e.on(Send{10});
    CHECK(e.tcb.at(Timer::keepalive) == never); // only an idle connection is probed
    auto t = reach(State::time_wait, p);
    CHECK(t.tcb.at(Timer::keepalive) == never);
    // Simultaneous close: CLOSING -> TIME-WAIT on the ACK of our FIN.
    auto c = reach(State::closing, p);
    c.arrive(make_seg<S>(Flag::ack, c.tcb.rcv_nxt, c.tcb.snd_nxt));
    REQUIRE(c.state() == State::time_wait);
    CHECK(c.tcb.at(Timer::keepalive) == never);
    CHECK(next_deadline(c.tcb).timer == Timer::time_wait);
}

TEST_CASE("Linux tcp_fin_timeout: an orphan in FIN-WAIT-2 is closed after 60 s, a half-closed socket is not",
          "[linux][timeout]") {
    SECTION("close(): orphan") {
        auto e = reach(State::fin_wait_2, lnx);
        Time entered = e.now;
        CHECK(e.tcb.at(Timer::fin_wait_2) == entered + lnx.fin_wait_2_timeout);
        const auto& fx = e.fire(Timer::fin_wait_2);
        CHECK(fx.released);
        CHECK(fx.size() == 0);
        CHECK(e.tcb.reason == CloseReason::timed_out);
    }
    SECTION("shutdown(SHUT_WR): waits for the peer indefinitely, until close() makes it an orphan") {
        auto e = reach(State::fin_wait_2, lnx, iss_a, iss_b, {0, 0, false});
        CHECK_FALSE(has_timer(e.tcb));
        e.now += 1000;
        e.on(Close{true});
        CHECK(e.tcb.at(Timer::fin_wait_2) == e.now + lnx.fin_wait_2_timeout);
    }
    SECTION("rfc9293: no FIN-WAIT-2 timer at all") {
        auto e = reach(State::fin_wait_2, rfc);
        CHECK_FALSE(has_timer(e.tcb));
    }
}

TEST_CASE("Linux delayed ACK: a prompt CLOSE in CLOSE-WAIT merges the ACK of the FIN into its FIN+ACK (3 segments)",
          "[linux][release]") {
    SECTION("linux, after data: FIN, FIN+ACK, ACK") {
        auto w = reach_wire<S>(State::established, lnx);
        w.at_a(Send{10});
        w.settle();
        w.at_b(Receive{10}); // unread data would make CLOSE a reset (RFC 1122 §4.2.2.13)
        auto n = w.log.size();
        w.at_a(Close{});
        w.deliver_to_b();
        CHECK(w.b.fx.size() == 0); // the ACK of a's FIN is held
        w.advance(w.now + 10);     // the application closes within TCP_DELACK_MIN
        const auto& fx = w.at_b(Close{});
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::ack | Flag::fin));
        CHECK(fx[0].ack == w.b.tcb.rcv_nxt); // acknowledges a's FIN
        CHECK(w.b.tcb.at(Timer::delayed_ack) == never);
        w.settle();
        CHECK(w.log.size() - n == 3);
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.b.state() == State::closed);
    }
    SECTION("rfc9293: FIN, ACK, FIN, ACK") {
        auto w = reach_wire<S>(State::established, rfc);
        auto n = w.log.size();
        w.at_a(Close{});
        w.deliver_to_b();
        REQUIRE(w.b.fx.size() == 1);
        CHECK(w.b.fx[0].flags == Flags(Flag::ack));
        w.at_b(Close{});
        w.settle();
        CHECK(w.log.size() - n == 4);
        CHECK(w.a.state() == State::time_wait);
        CHECK(w.b.state() == State::closed);
    }
}

TEST_CASE("RFC 6298 §2.3 and §5.5 on linux: once synchronized the RTO is tcp_rto_min, backed off; the handshake keeps the initial RTO",
          "[rfc][timeout][linux]") {
    SECTION("data: 200 ms, then doubled") {
        auto e = reach(State::established, lnx);
        e.on(Send{100});
        CHECK(retransmission_gaps(e, 3, 100) == std::vector<Duration>{200, 400, 800});
    }
    SECTION("SYN and SYN+ACK: the initial RTO, 1 s") {
        auto s = reach(State::syn_sent, lnx);
        CHECK(s.tcb.at(Timer::retransmission) == s.now + lnx.rto_initial);
        auto r = reach(State::syn_received, lnx);
        CHECK(r.tcb.at(Timer::retransmission) == r.now + lnx.rto_initial);
    }
    SECTION("rfc9293 has no floor of its own: 1 s throughout") {
        auto e = reach(State::established, rfc);
        e.on(Send{100});
        CHECK(e.tcb.at(Timer::retransmission) == e.now + rfc.rto_initial);
    }
}

// =============================================================================================
// Options in the handshake
// =============================================================================================

TEST_CASE("RFC 9293 §3.7.1 and RFC 6691: each side's send MSS is the peer's MSS option, 536 without one",
          "[rfc][options]") {
    Profile small = rfc;
    small.mss = 1000;
    Profile none = rfc;
    none.mss = 0; // no MSS option in the SYN
    SECTION("1460 and 1000") {
        Wire<S> w(rfc, small);
        w.at_b(Open<S>{true, iss_b, 0});
        w.at_a(Open<S>{false, iss_a, 0});
        w.settle();
        CHECK(w.a.tcb.snd_mss == 1000); // what b announced
        CHECK(w.b.tcb.snd_mss == 1000); // what a announced (1460), capped by b's own 1000
        w.at_a(Send{2500});
        REQUIRE(w.a.fx.size() == 3);
        CHECK(w.a.fx[0].len == 1000);
    }
    SECTION("no option: the default 536") {
        Wire<S> w(none, rfc);
        w.at_b(Open<S>{true, iss_b, 0});
        w.at_a(Open<S>{false, iss_a, 0});
        CHECK_FALSE(w.to_b.front().opt.has_mss());
        w.settle();
        CHECK(w.b.tcb.snd_mss == 536);
    }
}

TEST_CASE("RFC 6691 §2 and RFC 9293 §3.7.1: the payload is the MSS less the timestamps option every segment carries",
          "[rfc][options]") {
    Profile no_ts = lnx;
    no_ts.timestamps = false;
    struct Row {
        const char* label;
        Profile a, b;
        std::uint32_t full;
    };
    for (const Row& r : {Row{"both offer timestamps (Linux: 1448)", lnx, lnx, 1448},
                         Row{"one side does not: no option, the whole MSS", lnx, no_ts, 1460}}) {
        SECTION(r.label) {
            Wire<S> w(r.a, r.b);
            w.at_b(Open<S>{true, iss_b, 0});
            w.at_a(Open<S>{false, iss_a, 0});
            w.settle();
            w.at_a(Send{3000});
            REQUIRE(w.a.fx.size() >= 2);
            CHECK(w.a.fx[0].len == r.full);
            CHECK(w.a.fx[1].len == std::min<std::uint32_t>(r.full, 3000 - r.full));
            CHECK(w.a.fx[0].opt.timestamps == (r.full == 1448));
        }
    }
}

TEST_CASE("RFC 7323 §1.3 and §2.2: window scaling only when both SYNs carry the option", "[rfc][options]") {
    struct Row {
        const char* label;
        bool a_offers;
        bool b_offers;
    };
    for (const auto& r : {Row{"both", true, true}, Row{"client only", true, false}, Row{"server only", false, true},
                          Row{"neither", false, false}}) {
        CAPTURE(r.label);
        Wire<S> w(r.a_offers ? rfc : without_wscale(rfc), r.b_offers ? rfc : without_wscale(rfc));
        w.at_b(Open<S>{true, iss_b, 0});
        w.at_a(Open<S>{false, iss_a, 0});
        CHECK(w.to_b.front().opt.has_wscale() == r.a_offers);
        w.deliver_to_b();
        REQUIRE(w.to_a.size() == 1);
        // A SYN+ACK carries the option only if the SYN did (RFC 7323 §1.3).
        CHECK(w.to_a.front().opt.has_wscale() == (r.a_offers && r.b_offers));
        w.settle();
        std::uint8_t shift = (r.a_offers && r.b_offers) ? 7 : 0;
        CHECK(w.a.tcb.snd_wscale == shift);
        CHECK(w.a.tcb.rcv_wscale == shift);
        CHECK(w.b.tcb.snd_wscale == shift);
        CHECK(w.b.tcb.rcv_wscale == shift);
        // After the handshake the window field is scaled (the SYNs' fields never are).
        w.at_b(Send{1});
        w.settle();
        CHECK(w.a.tcb.snd_wnd == (std::uint32_t{65535} >> shift) << shift);
    }
    SECTION("a shift above 14 is taken as 14 (RFC 7323 §2.3)") {
        auto e = reach(State::listen, rfc);
        auto syn = make_seg<S>(Flag::syn, S{300});
        syn.opt.wscale = 15;
        e.arrive(syn);
        CHECK(e.tcb.snd_wscale == 14);
    }
}

TEST_CASE("RFC 2018 §2 SACK-permitted and RFC 7323 timestamps: only when both SYNs carry them", "[rfc][options]") {
    Profile nosack = rfc;
    nosack.sack = false;
    struct Row {
        const char* label;
        Profile a, b;
        bool sack, ts;
    };
    const Row rows[] = {
        {"rfc9293 both", rfc, rfc, true, false},
        {"client without SACK", nosack, rfc, false, false},
        {"server without SACK", rfc, nosack, false, false},
        {"linux both: timestamps too", lnx, lnx, true, true},
        {"linux client, rfc9293 server: no timestamps", lnx, rfc, true, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.label);
        Wire<S> w(r.a, r.b);
        w.at_b(Open<S>{true, iss_b, 0});
        w.at_a(Open<S>{false, iss_a, 0});
        w.deliver_to_b();
        CHECK(w.to_a.front().opt.sack_permitted == r.sack);
        CHECK(w.to_a.front().opt.timestamps == r.ts);
        w.settle();
        CHECK(w.a.tcb.sack_ok == r.sack);
        CHECK(w.b.tcb.sack_ok == r.sack);
        CHECK(w.a.tcb.ts_ok == r.ts);
        CHECK(w.b.tcb.ts_ok == r.ts);
        w.at_a(Send{1});
        CHECK(w.a.fx[0].opt.timestamps == r.ts); // RFC 7323 §3.2: on every segment once agreed
    }
}

// =============================================================================================
// Linux TIME-WAIT: a new SYN reopens
// =============================================================================================

TEST_CASE("Linux TCP_TW_SYN: a SYN above RCV.NXT in TIME-WAIT of a passive socket reopens with ISS = SND.NXT + 65537",
          "[linux][time-wait]") {
    // The passive side closes first, so it is the one in TIME-WAIT.
    auto passive_time_wait = [](const Profile& p) {
        auto w = reach_wire<S>(State::established, p);
        w.at_b(Close{});
        w.deliver_to_a();
        w.at_a(Close{});
        w.settle();
        expect_state(w.b.state(), State::time_wait, "passive closer");
        return w.b;
    };
    SECTION("linux: reopened") {
        auto e = passive_time_wait(lnx);
        REQUIRE(e.tcb.passive);
        S old_nxt = e.tcb.snd_nxt;
        S new_seq = e.tcb.rcv_nxt + 100000;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, new_seq));
        CHECK(e.state() == State::syn_received);
        REQUIRE(fx.size() == 1);
        CHECK(fx[0].flags == (Flag::syn | Flag::ack));
        CHECK(fx[0].seq == old_nxt + 65537);
        CHECK(fx[0].ack == new_seq + 1);
        CHECK(e.tcb.at(Timer::time_wait) == never);
    }
    SECTION("linux: a SYN at or below RCV.NXT gets a challenge ACK instead") {
        auto e = passive_time_wait(lnx);
        auto before = e.tcb;
        before.last_oow_ack = e.now;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt - 5));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == before);
    }
    SECTION("linux: an active opener's TIME-WAIT has no listener to reopen") {
        auto e = reach(State::time_wait, lnx);
        REQUIRE_FALSE(e.tcb.passive);
        e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt + 100000));
        CHECK(e.state() == State::time_wait);
    }
    SECTION("rfc9293: never reopened; beyond the window the SYN only gets an ACK") {
        auto e = passive_time_wait(rfc);
        auto before = e.tcb;
        const auto& fx = e.arrive(make_seg<S>(Flag::syn, e.tcb.rcv_nxt + 100000));
        check_is_plain_ack(fx, e.tcb);
        CHECK(e.tcb == before);
    }
}
