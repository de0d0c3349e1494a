// step() is constexpr: the seed's handshake and four-segment release are computed by the
// compiler and checked with static_assert (style §9, as Boost.SML's test/ft/constexpr.cpp does),
// including claim 2's exact table of relative sequence and acknowledgment numbers.
// RFC 9293 §3.5 (Figure 6, the three-way handshake) and §3.6 (Figure 12, normal close).
#include <array>
#include <cstdint>

#include <catch2/catch.hpp>

#include "support/harness.hpp"

namespace {

using namespace synfin;
using test::Relative;
using test::relative;

template <class S>
struct Trace {
    std::array<Segment<S>, 8> seg{};   // every segment sent, in order
    std::array<char, 8> from{};        // 'c' client, 's' server
    std::size_t n = 0;
    std::array<State, 8> client{};     // the client's state after each of its steps
    std::size_t nc = 0;
    std::array<State, 8> server{};
    std::size_t ns = 0;
    Tcb<S> c{}, s{};
    bool ok = true;                    // every step produced exactly what the script expected

    constexpr void record(char who, const Effects<S>& fx) {
        for (const auto& x : fx) {
            if (n == seg.size()) { ok = false; return; }
            from[n] = who;
            seg[n++] = x;
        }
    }
    template <class E>
    constexpr void at_client(const E& e, Time now, const Profile& p) {
        auto r = step(c, e, now, p);
        c = r.tcb;
        record('c', r.effects);
        if (nc < client.size()) client[nc++] = c.state;
    }
    template <class E>
    constexpr void at_server(const E& e, Time now, const Profile& p) {
        auto r = step(s, e, now, p);
        s = r.tcb;
        record('s', r.effects);
        if (ns < server.size()) server[ns++] = s.state;
    }
    constexpr const Segment<S>& last() const { return seg[n - 1]; }
};

// Figure 6: passive OPEN, active OPEN, SYN, SYN+ACK, ACK; then the client's first k bytes.
template <class S>
constexpr Trace<S> handshake(const Profile& p, S x, S y, std::uint32_t k) {
    Trace<S> t;
    t.at_server(Open<S>{true, y, 0}, 0, p);
    t.at_client(Open<S>{false, x, 0}, 0, p);
    t.at_server(SegmentArrives<S>{t.last()}, 0, p);
    t.at_client(SegmentArrives<S>{t.last()}, 0, p);
    t.at_server(SegmentArrives<S>{t.last()}, 0, p);
    if (t.n != 3) t.ok = false;
    if (k > 0) t.at_client(Send{k}, 0, p);
    return t;
}

// Figure 12 after the handshake: the client closes, the server ACKs, closes, the client ACKs
// and, 2 MSL later, deletes its TCB.
template <class S>
constexpr Trace<S> release(const Profile& p, S x, S y) {
    Trace<S> h = handshake<S>(p, x, y, 0);
    Trace<S> t;
    t.c = h.c;
    t.s = h.s;
    t.at_client(Close{}, 1, p);                          // FIN
    t.at_server(SegmentArrives<S>{t.last()}, 2, p);      // ACK (rfc9293: at once)
    if (t.s.ack_pending) t.at_server(Timeout{Timer::delayed_ack}, 2 + p.delayed_ack, p);
    Time now = 2 + p.delayed_ack;
    t.at_client(SegmentArrives<S>{t.last()}, now, p);    // -> FIN-WAIT-2
    t.at_server(Close{}, now, p);                        // FIN
    t.at_client(SegmentArrives<S>{t.last()}, now + 1, p); // -> TIME-WAIT, ACK
    t.at_server(SegmentArrives<S>{t.last()}, now + 2, p); // -> CLOSED
    t.at_client(Timeout{Timer::time_wait}, now + 1 + p.time_wait, p); // -> CLOSED
    return t;
}

constexpr Profile rfc = profiles::rfc9293();
constexpr Seq32 x{0x89abcdefu};
constexpr Seq32 y{0x01234567u};

constexpr Profile lnx = profiles::linux_default();

// Linux: the server's ACK of the FIN is held (delayed ACK) and rides on its prompt FIN.
constexpr Trace<Seq32> linux_release() {
    // Data first: before any, Linux ACKs a FIN at once (conformance F5).
    Trace<Seq32> h = handshake<Seq32>(lnx, x, y, 100);
    h.at_server(SegmentArrives<Seq32>{h.last()}, 0, lnx);
    h.at_client(SegmentArrives<Seq32>{h.last()}, 0, lnx);
    h.at_server(Receive{100}, 0, lnx); // unread data would make CLOSE a reset (RFC 1122 §4.2.2.13)
    Trace<Seq32> r;
    r.c = h.c;
    r.s = h.s;
    r.at_client(Close{}, 1, lnx);
    r.at_server(SegmentArrives<Seq32>{r.last()}, 2, lnx); // ACK held
    r.at_server(Close{}, 3, lnx);                         // FIN+ACK at once
    r.at_client(SegmentArrives<Seq32>{r.last()}, 4, lnx);
    r.at_server(SegmentArrives<Seq32>{r.last()}, 5, lnx);
    return r;
}

constexpr auto hs = handshake<Seq32>(rfc, x, y, 100);
constexpr auto rel = release<Seq32>(rfc, x, y);

} // namespace

TEST_CASE("static: the three-way handshake runs at compile time (RFC 9293 §3.5 Figure 6)", "[static]") {
    STATIC_REQUIRE(hs.ok);
    STATIC_REQUIRE(hs.n == 4); // SYN, SYN+ACK, ACK, first data
    STATIC_REQUIRE(hs.from[0] == 'c' && hs.from[1] == 's' && hs.from[2] == 'c' && hs.from[3] == 'c');
    STATIC_REQUIRE(hs.seg[0].flags == Flags(Flag::syn));
    STATIC_REQUIRE(hs.seg[1].flags == (Flag::syn | Flag::ack));
    STATIC_REQUIRE(hs.seg[2].flags == Flags(Flag::ack));
    // Absolute numbers: SYN seq=x; SYN+ACK seq=y ack=x+1; ACK seq=x+1 ack=y+1.
    STATIC_REQUIRE(hs.seg[0].seq == x);
    STATIC_REQUIRE(hs.seg[1].seq == y);
    STATIC_REQUIRE(hs.seg[1].ack == x + 1);
    STATIC_REQUIRE(hs.seg[2].seq == x + 1);
    STATIC_REQUIRE(hs.seg[2].ack == y + 1);
    // States: client SYN-SENT -> ESTABLISHED; server LISTEN -> SYN-RECEIVED -> ESTABLISHED.
    STATIC_REQUIRE(hs.client[0] == State::syn_sent);
    STATIC_REQUIRE(hs.client[1] == State::established);
    STATIC_REQUIRE(hs.server[0] == State::listen);
    STATIC_REQUIRE(hs.server[1] == State::syn_received);
    STATIC_REQUIRE(hs.server[2] == State::established);
    // Both TCBs agree on the numbers, and nothing is left to time.
    STATIC_REQUIRE(hs.c.rcv_nxt == hs.s.snd_nxt);
    STATIC_REQUIRE(hs.s.rcv_nxt == x + 1);
    STATIC_REQUIRE(next_deadline(hs.s).at == never);
}

TEST_CASE("static: claim 2's table of relative sequence and acknowledgment numbers", "[static][claims]") {
    using R = Relative<Seq32>;
    constexpr std::array<R, 4> table{
        relative(hs.seg[0], x, y), // client SYN
        relative(hs.seg[1], y, x), // server SYN+ACK
        relative(hs.seg[2], x, y), // client ACK
        relative(hs.seg[3], x, y), // client's first data, len k = 100
    };
    constexpr std::array<R, 4> seed{
        R{Flags(Flag::syn).bits, 0, 0, 0},
        R{(Flag::syn | Flag::ack).bits, 0, 1, 0},
        R{Flags(Flag::ack).bits, 1, 1, 0},
        R{(Flag::ack | Flag::psh).bits, 1, 1, 100},
    };
    STATIC_REQUIRE(table == seed);
    STATIC_REQUIRE(table[0].seq == 0 && table[0].ack == 0);
    STATIC_REQUIRE(table[1].seq == 0 && table[1].ack == 1);
    STATIC_REQUIRE(table[2].seq == 1 && table[2].ack == 1);
    STATIC_REQUIRE(table[3].seq == 1 && table[3].ack == 1 && table[3].len == 100);
}

TEST_CASE("static: the four-segment release runs at compile time (RFC 9293 §3.6 Figure 12)", "[static]") {
    STATIC_REQUIRE(rel.n == 4);
    STATIC_REQUIRE(rel.from[0] == 'c' && rel.from[1] == 's' && rel.from[2] == 's' && rel.from[3] == 'c');
    STATIC_REQUIRE(rel.seg[0].flags == (Flag::ack | Flag::fin));
    STATIC_REQUIRE(rel.seg[1].flags == Flags(Flag::ack));
    STATIC_REQUIRE(rel.seg[2].flags == (Flag::ack | Flag::fin));
    STATIC_REQUIRE(rel.seg[3].flags == Flags(Flag::ack));
    // Each FIN takes one number and its ACK acknowledges it.
    STATIC_REQUIRE(rel.seg[0].seq == x + 1);
    STATIC_REQUIRE(rel.seg[1].ack == x + 2);
    STATIC_REQUIRE(rel.seg[2].seq == y + 1);
    STATIC_REQUIRE(rel.seg[3].ack == y + 2);
    // Client: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSED (after 2 MSL).
    STATIC_REQUIRE(rel.nc == 4);
    STATIC_REQUIRE(rel.client[0] == State::fin_wait_1);
    STATIC_REQUIRE(rel.client[1] == State::fin_wait_2);
    STATIC_REQUIRE(rel.client[2] == State::time_wait);
    STATIC_REQUIRE(rel.client[3] == State::closed);
    // Server: CLOSE-WAIT, LAST-ACK, CLOSED.
    STATIC_REQUIRE(rel.ns == 3);
    STATIC_REQUIRE(rel.server[0] == State::close_wait);
    STATIC_REQUIRE(rel.server[1] == State::last_ack);
    STATIC_REQUIRE(rel.server[2] == State::closed);
    STATIC_REQUIRE(rel.c.reason == CloseReason::closed_normally);
    STATIC_REQUIRE(rel.s.reason == CloseReason::closed_normally);
}

TEST_CASE("static: on linux the release is three segments, FIN+ACK merged (claim 12)", "[static][claims]") {
    constexpr auto t = linux_release();
    STATIC_REQUIRE(t.n == 3);
    STATIC_REQUIRE(t.seg[1].flags == (Flag::ack | Flag::fin));
    STATIC_REQUIRE(t.seg[1].ack == x + 102);
    STATIC_REQUIRE(t.c.state == State::time_wait);
    STATIC_REQUIRE(t.s.state == State::closed);
}

TEST_CASE("static: the handshake in the checker's 3-bit space wraps around", "[static]") {
    // ISS 7 and 6: SND.NXT wraps to 0 and 7.
    // Windows of 2 bytes: a 3-bit space holds windows of at most a quarter of it (windows_fit).
    constexpr Profile tiny = [] {
        Profile p = profiles::rfc9293();
        p.rcv_wnd = p.syn_window = 2;
        return p;
    }();
    STATIC_REQUIRE_FALSE(windows_fit<Seq<3>>(rfc));
    constexpr auto t = handshake<Seq<3>>(tiny, Seq<3>(7), Seq<3>(6), 0);
    STATIC_REQUIRE(t.ok);
    STATIC_REQUIRE(t.seg[1].ack == Seq<3>(0));
    STATIC_REQUIRE(t.seg[2].seq == Seq<3>(0));
    STATIC_REQUIRE(t.seg[2].ack == Seq<3>(7));
    STATIC_REQUIRE(t.c.state == State::established);
    STATIC_REQUIRE(t.s.state == State::established);
    STATIC_REQUIRE(relative(t.seg[2], Seq<3>(7), Seq<3>(6)) == Relative<Seq<3>>{Flags(Flag::ack).bits, 1, 1, 0});
}
