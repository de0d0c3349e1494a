// The seed note's tables, as the model computes them: the three-way handshake in relative
// numbers (claim 2), the four-segment release (claim 8), and the three-segment release that a
// Linux-like profile produces when the passive closer's delayed ACK of the FIN merges with a
// prompt CLOSE (claim 12). See /work/shared/seed-claims.md for the claims.
//
// Two Tcb<Seq32> endpoints are driven by hand with step(): every segment one side emits is queued
// and delivered to the other, in order. Nothing printed below is a literal: each number and state
// name comes from a TCB or a segment, so if the model changed, this output (checked against
// handshake_tables.expected) would change with it.
//
// Read with RFC 9293 §3.5 (establishing a connection), §3.6 (closing), §3.10 (event processing).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "synfin/step.hpp"

namespace {

using namespace synfin;
using S = Seq32;

// Which control bits a table shows, in the seed's `SYN=1 ACK=0 ...` style.
enum class Style { handshake, release };

struct Side {
    const char* name;
    S iss;
    Tcb<S> tcb{};
    std::deque<Segment<S>> inbox{}; // segments sent to this side, not yet delivered
    std::string path{};             // the states this side passed through, "A -> B -> C"
    State last = State::closed;

    void record(State s) {
        if (!path.empty() && s == last) return;
        path += (path.empty() ? "" : " -> ") + std::string(synfin::name(s));
        last = s;
    }
};

// A segment in relative numbers, as the seed (and Wireshark) shows them: SEQ counts from the
// sender's ISS, ACK from the receiver's; a segment without the ACK bit shows ack=0.
std::string relative(const Segment<S>& s, S sender_iss, S receiver_iss, Style style) {
    auto bit = [&](Flag f) { return s.flags.has(f) ? 1 : 0; };
    std::uint32_t seq = s.seq - sender_iss;
    std::uint32_t ack = s.flags.ack() ? static_cast<std::uint32_t>(s.ack - receiver_iss) : 0u;
    char buf[96];
    if (style == Style::handshake) {
        std::snprintf(buf, sizeof buf, "SYN=%d ACK=%d seq=%u ack=%u len=%u", bit(Flag::syn), bit(Flag::ack),
                      static_cast<unsigned>(seq), static_cast<unsigned>(ack), static_cast<unsigned>(s.len));
    } else {
        std::snprintf(buf, sizeof buf, "FIN=%d ACK=%d seq=%u ack=%u len=%u", bit(Flag::fin), bit(Flag::ack),
                      static_cast<unsigned>(seq), static_cast<unsigned>(ack), static_cast<unsigned>(s.len));
    }
    std::string out = buf;
    // Bits the style's columns do not show are listed, so nothing the model sends is hidden.
    std::uint8_t shown = style == Style::handshake ? (Flag::syn | Flag::ack).bits : (Flag::fin | Flag::ack).bits;
    Flags rest(static_cast<std::uint8_t>(s.flags.bits & ~shown));
    if (rest.bits != 0) out += " +" + to_string(rest);
    return out;
}

[[noreturn]] void fail(const char* what, const char* who) {
    std::fprintf(stderr, "%s%s\n", what, who);
    std::exit(1);
}

// Two endpoints on one clock, printing one row per event: the time, where the event happens,
// what it is, what the endpoint sends in answer, and both states afterwards.
class Pair {
public:
    Pair(const Profile& p, S client_iss, S server_iss, Style style)
        : p_(p), client_{"client", client_iss}, server_{"server", server_iss}, style_(style) {}

    void quiet(bool q) { quiet_ = q; }
    [[nodiscard]] Time now() const { return now_; }
    Side& client() { return client_; }
    Side& server() { return server_; }
    [[nodiscard]] const Side& client() const { return client_; }
    [[nodiscard]] const Side& server() const { return server_; }
    [[nodiscard]] const std::vector<Segment<S>>& sent_by_client() const { return sent_by_client_; }
    [[nodiscard]] const std::vector<Segment<S>>& sent_by_server() const { return sent_by_server_; }

    void header() const {
        std::printf("  %-8s %-7s %-22s %-42s %-12s %s\n", "t (ms)", "at", "event", "sends (relative numbers)",
                    "client", "server");
    }

    template <class E>
    void user(Side& at, const E& event, const std::string& what) {
        run(at, event, what);
    }

    // Deliver the oldest segment queued for `at`.
    void deliver(Side& at) {
        if (at.inbox.empty()) fail("no segment in flight towards the ", at.name);
        Segment<S> seg = at.inbox.front();
        at.inbox.pop_front();
        run(at, SegmentArrives<S>{seg}, to_string(seg.flags) + " arrives");
    }

    // Jump the clock to `at`'s deadline for `timer` and fire it.
    void fire(Side& at, Timer timer) {
        Time due = at.tcb.at(timer);
        if (due == never) fail("timer not armed at the ", at.name);
        now_ = due;
        run(at, Timeout{timer}, std::string(name(timer)) + " timeout");
    }

    void advance(Duration d) { now_ += d; }

    void expect(const Side& side, State want, const char* where) const {
        if (side.tcb.state != want) {
            std::fprintf(stderr, "%s: the %s is in %s, expected %s\n", where, side.name,
                         std::string(name(side.tcb.state)).c_str(), std::string(name(want)).c_str());
            std::exit(1);
        }
    }

private:
    Profile p_;
    Side client_;
    Side server_;
    Style style_;
    Time now_ = 0;
    bool quiet_ = false;
    std::vector<Segment<S>> sent_by_client_{};
    std::vector<Segment<S>> sent_by_server_{};

    Side& peer_of(const Side& s) { return &s == &client_ ? server_ : client_; }

    template <class E>
    void run(Side& at, const E& event, const std::string& what) {
        auto [tcb, fx] = step(at.tcb, event, now_, p_);
        at.tcb = tcb;
        at.record(tcb.state);
        Side& peer = peer_of(at);
        std::vector<std::string> sends;
        for (const auto& seg : fx) {
            peer.inbox.push_back(seg);
            (&at == &client_ ? sent_by_client_ : sent_by_server_).push_back(seg);
            sends.push_back(relative(seg, at.iss, peer.iss, style_));
        }
        if (quiet_) return;
        if (sends.empty()) sends.emplace_back("-");
        for (std::size_t i = 0; i < sends.size(); ++i) {
            if (i == 0) {
                std::printf("  %-8lld %-7s %-22s %-42s %-12s %s\n", static_cast<long long>(now_), at.name,
                            what.c_str(), sends[i].c_str(), std::string(name(client_.tcb.state)).c_str(),
                            std::string(name(server_.tcb.state)).c_str());
            } else {
                std::printf("  %-8s %-7s %-22s %s\n", "", "", "", sends[i].c_str());
            }
        }
    }
};

// An absolute number named after x (the client's ISS) or y (the server's): "x+1=1001".
std::string named(S v, S base, const char* letter) {
    std::uint32_t d = v - base;
    std::string out = letter;
    if (d != 0) out += "+" + std::to_string(d);
    return out + "=" + std::to_string(v.value());
}

// The handshake without printing, for the release tables.
void connect_quietly(Pair& w, std::uint32_t data_bytes = 0) {
    w.quiet(true);
    w.user(w.server(), Open<S>{true, w.server().iss, 0}, "passive OPEN");
    w.user(w.client(), Open<S>{false, w.client().iss, 0}, "active OPEN");
    w.deliver(w.server());
    w.deliver(w.client());
    w.deliver(w.server());
    w.expect(w.client(), State::established, "handshake");
    w.expect(w.server(), State::established, "handshake");
    if (data_bytes > 0) { // the client's data, ACKed and read
        w.user(w.client(), Send{data_bytes}, "SEND");
        w.deliver(w.server());
        w.deliver(w.client());
        w.user(w.server(), Receive{data_bytes}, "RECEIVE");
    }
    w.client().path.clear();
    w.server().path.clear();
    w.client().record(w.client().tcb.state);
    w.server().record(w.server().tcb.state);
    w.quiet(false);
}

void paths(const Pair& w) {
    std::printf("  client: %s\n  server: %s\n", w.client().path.c_str(), w.server().path.c_str());
}

void claim2(const Profile& p, S x, S y, std::uint32_t k) {
    Pair w(p, x, y, Style::handshake);
    std::printf("\nClaim 2: three-way handshake, then the first data segment\n"
                "(profile %s; client ISS x = %u, server ISS y = %u)\n",
                std::string(p.name).c_str(), static_cast<unsigned>(x.value()), static_cast<unsigned>(y.value()));
    w.header();
    w.user(w.server(), Open<S>{true, y, 0}, "passive OPEN");
    w.user(w.client(), Open<S>{false, x, 0}, "active OPEN");
    w.deliver(w.server());
    w.deliver(w.client());
    w.deliver(w.server());
    w.user(w.client(), Send{k}, "SEND " + std::to_string(k) + " bytes");
    w.deliver(w.server());

    const auto& c = w.sent_by_client();
    const auto& s = w.sent_by_server();
    if (c.size() < 3 || s.empty()) fail("claim 2: ", "too few segments");
    std::printf("  absolute: SYN seq=%s; SYN+ACK seq=%s ack=%s; ACK seq=%s ack=%s;\n"
                "            data seq=%s ack=%s len=%u\n",
                named(c[0].seq, x, "x").c_str(), named(s[0].seq, y, "y").c_str(), named(s[0].ack, x, "x").c_str(),
                named(c[1].seq, x, "x").c_str(), named(c[1].ack, y, "y").c_str(), named(c[2].seq, x, "x").c_str(),
                named(c[2].ack, y, "y").c_str(), static_cast<unsigned>(c[2].len));
    std::printf("  sequence numbers consumed by each SYN: client %u, server %u (SEG.LEN, RFC 9293 §3.3.1)\n",
                static_cast<unsigned>(c[0].seg_len()), static_cast<unsigned>(s[0].seg_len()));
}

// Claim 8: the active closer's FIN, the passive closer's ACK, its own FIN later, the last ACK,
// and TIME-WAIT for 2*MSL.
void claim8(const Profile& p, S x, S y) {
    Pair w(p, x, y, Style::release);
    connect_quietly(w);
    std::printf("\nClaim 8: four-segment release, the client closes first\n"
                "(profile %s; a fresh connection, opened as above without data; relative numbers)\n",
                std::string(p.name).c_str());
    w.header();
    std::size_t before = w.sent_by_client().size() + w.sent_by_server().size();
    w.user(w.client(), Close{}, "CLOSE");
    w.deliver(w.server());
    w.deliver(w.client());
    w.user(w.server(), Close{}, "CLOSE");
    w.deliver(w.client());
    Time entered = w.now();
    w.expect(w.client(), State::time_wait, "claim 8");
    w.deliver(w.server());
    std::size_t segments = w.sent_by_client().size() + w.sent_by_server().size() - before;
    w.fire(w.client(), Timer::time_wait);
    Duration waited = w.now() - entered;
    std::printf("  segments in the release: %zu; TIME-WAIT lasted %lld ms (profile: MSL %lld ms, 2*MSL %lld ms)\n",
                segments, static_cast<long long>(waited), static_cast<long long>(p.msl),
                static_cast<long long>(2 * p.msl));
    paths(w);
}

// Claim 12: with a delayed ACK (Linux: tcp_fin() enters pingpong mode, TCP_DELACK_MIN = 40 ms)
// the ACK of the FIN is held; a CLOSE before the timer fires sends one FIN+ACK that carries it.
// Linux delays it only once data has arrived (conformance F5), so the client sends 100 bytes.
void claim12(const Profile& p, S x, S y, Duration close_after) {
    Pair w(p, x, y, Style::release);
    connect_quietly(w, 100);
    bool merged = close_after < p.delayed_ack;
    std::printf("\nClaim 12: %s, the server closes %lld ms after the client's FIN arrives\n"
                "(profile %s, delayed ACK %lld ms, after 100 bytes from the client; relative numbers)\n",
                merged ? "three-segment release" : "for contrast", static_cast<long long>(close_after),
                std::string(p.name).c_str(), static_cast<long long>(p.delayed_ack));
    w.header();
    std::size_t before = w.sent_by_client().size() + w.sent_by_server().size();
    w.user(w.client(), Close{}, "CLOSE");
    w.deliver(w.server());
    Time fin_arrived = w.now();
    if (!merged) w.fire(w.server(), Timer::delayed_ack);
    w.advance(fin_arrived + close_after - w.now());
    w.user(w.server(), Close{}, "CLOSE");
    if (!merged) w.deliver(w.client()); // the lone ACK of the FIN
    w.deliver(w.client());
    Time entered = w.now();
    w.expect(w.client(), State::time_wait, "claim 12");
    w.deliver(w.server());
    std::size_t segments = w.sent_by_client().size() + w.sent_by_server().size() - before;
    w.fire(w.client(), Timer::time_wait);
    std::printf("  segments in the release: %zu; TIME-WAIT lasted %lld ms (profile: time_wait %lld ms)\n", segments,
                static_cast<long long>(w.now() - entered), static_cast<long long>(p.time_wait));
    paths(w);
}

} // namespace

int main() {
    const S x{1000};
    const S y{5000};
    std::printf("synfin: the seed note's tables, computed by step() on two Tcb<Seq32> endpoints.\n"
                "Each row is one event; 'sends' is what that endpoint emits in answer; the last two\n"
                "columns are the states after the event.\n");
    claim2(profiles::rfc9293(), x, y, 100);
    claim8(profiles::rfc9293(), x, y);
    claim12(profiles::linux_default(), x, y, 1);
    claim12(profiles::linux_default(), x, y, 100);
    return 0;
}
