// Driving step() from C++: the loop a stack author writes around the pure model. The model owns
// no clock, socket or timer; the driver keeps `now`, feeds events in, sends the segments that come
// out, and sleeps until effects.next (the earliest deadline), where it delivers Timeout{timer}.
// Here the "network" is a queue with 50 ms of one-way delay that loses the client's first SYN,
// so the client retransmits it after the initial RTO of 1 s (RFC 6298 §2.1, RFC 9293 §3.8.1).
#include <cstdio>
#include <deque>
#include <string>

#include "synfin/step.hpp"

using namespace synfin;
using S = Seq32;

struct Host {
    const char* name;
    Tcb<S> tcb{};
    Deadline next{}; // effects.next of the last step: when this host wants to be called again
    Host* peer = nullptr;
};
struct InFlight { Time arrives; Host* to; Segment<S> seg; };

int main() {
    const Profile profile = profiles::rfc9293();
    const Duration delay = 50; // ms, one way
    Time now = 0;              // the fake clock: the driver, not the model, owns time
    std::deque<InFlight> network;
    int syns_to_lose = 1;
    Host client{"client"}, server{"server"};
    client.peer = &server;
    server.peer = &client;

    // One event in, then do what the effects say: send the segments, remember the deadline.
    auto feed = [&](Host& h, const auto& event, const std::string& what) {
        auto [tcb, fx] = step(h.tcb, event, now, profile);
        h.tcb = tcb;
        h.next = fx.next;
        std::string wake = fx.next.at == never ? "none"
                         : std::string(name(fx.next.timer)) + " at " + std::to_string(fx.next.at) + " ms";
        std::printf("%6lld ms  %s: %-22s -> %-12s next: %s\n", static_cast<long long>(now), h.name, what.c_str(),
                    std::string(name(tcb.state)).c_str(), wake.c_str());
        for (const auto& seg : fx) {
            bool lost = seg.flags == Flags(Flag::syn) && syns_to_lose-- > 0;
            std::printf("%9s sends %s seq=%u ack=%u%s\n", "", to_string(seg.flags).c_str(), seg.seq.value(),
                        seg.ack.value(), lost ? "  (lost in the network)" : "");
            if (!lost) network.push_back({now + delay, h.peer, seg});
        }
        if (fx.has(Notice::established)) std::printf("%9s notice: connection established\n", "");
    };

    feed(server, Open<S>{true, S{5000}, 0}, "OPEN (passive)");
    feed(client, Open<S>{false, S{1000}, 0}, "OPEN (active)");

    while (client.tcb.state != State::established || server.tcb.state != State::established) {
        // Sleep until the first thing due: a segment arriving, or either host's deadline.
        Host& timed = client.next.at <= server.next.at ? client : server;
        Time seg_at = network.empty() ? never : network.front().arrives;
        if (seg_at == never && timed.next.at == never) break; // nothing can happen any more
        if (seg_at <= timed.next.at) {
            InFlight in = network.front();
            network.pop_front();
            now = in.arrives;
            feed(*in.to, SegmentArrives<S>{in.seg}, to_string(in.seg.flags) + " arrives");
        } else {
            now = timed.next.at;
            feed(timed, Timeout{timed.next.timer}, std::string(name(timed.next.timer)) + " timeout");
        }
    }
    std::printf("both ESTABLISHED at %lld ms\n", static_cast<long long>(now));
    return client.tcb.state == State::established && server.tcb.state == State::established ? 0 : 1;
}
