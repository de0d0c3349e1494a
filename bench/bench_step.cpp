// The cost of one step() per event (the aim: under 20 ns per segment with Seq32).
//
//   (a) a segment arriving in ESTABLISHED: a pure ACK that acknowledges data in flight, and an
//       in-order data segment (delivered and acknowledged), on the rfc9293 and linux profiles;
//   (b) the whole lifecycle, handshake + four-segment release + the TIME-WAIT timeout, 12 events,
//       run as one sequence and divided per event;
//   (c) the same with Seq<3>, the checker's sequence space.
//
// Every benchmark reports `per_event` (seconds per event; "12.3n" is 12.3 ns). Each timed step
// starts from a TCB built by real steps (never written by hand), and its result is passed to
// benchmark::DoNotOptimize so the compiler can neither drop it nor fold the constexpr step at
// compile time. See docs/performance.md for the figures and how to reproduce them.
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

#include "synfin/step.hpp"

namespace {

using namespace synfin;

// Every timed step goes through this one out-of-line function, as a stack's driver calls step():
// the figure includes the call, and `valgrind --tool=callgrind` can count instructions per call
// of run_step (see docs/performance.md).
template <class S, class E>
[[gnu::noinline]] StepResult<S> run_step(const Tcb<S>& tcb, const E& event, Time now, const Profile& p) {
    return step(tcb, event, now, p);
}

template <class S>
struct Connected {
    Tcb<S> client{};
    Tcb<S> server{};
    bool ok = false;
};

// The handshake by real steps; every segment is delivered at once (time 0).
template <class S>
Connected<S> connect(const Profile& p) {
    Connected<S> c;
    auto server = step(Tcb<S>{}, Open<S>{true, S{5}, 0}, 0, p);
    auto client = step(Tcb<S>{}, Open<S>{false, S{1}, 0}, 0, p);
    if (client.effects.size() != 1) return c;
    server = step(server.tcb, SegmentArrives<S>{client.effects[0]}, 0, p); // SYN -> SYN,ACK
    if (server.effects.size() != 1) return c;
    client = step(client.tcb, SegmentArrives<S>{server.effects[0]}, 0, p); // SYN,ACK -> ACK
    if (client.effects.size() != 1) return c;
    server = step(server.tcb, SegmentArrives<S>{client.effects[0]}, 0, p); // ACK
    c.client = client.tcb;
    c.server = server.tcb;
    c.ok = client.tcb.state == State::established && server.tcb.state == State::established;
    return c;
}

// Payload per data segment: one MSS at 32 bits; at 3 bits RFC 7323 §2.3 allows 2 in flight.
template <class S>
constexpr std::uint32_t payload() {
    return S::bits == 32 ? 1460u : 1u;
}

void per_event(benchmark::State& state, double events) {
    state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * events));
    state.counters["per_event"] =
        benchmark::Counter(events, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

const Profile& profile_of(benchmark::State& state) {
    static const Profile rfc = profiles::rfc9293();
    static const Profile lnx = profiles::linux_default();
    return state.range(0) == 0 ? rfc : lnx;
}

// (a) A pure ACK arrives in ESTABLISHED and acknowledges the data in flight: SND.UNA advances,
// the retransmission timer is cancelled, nothing is sent.
template <class S>
void BM_established_pure_ack(benchmark::State& state) {
    const Profile& p = profile_of(state);
    state.SetLabel(std::string(p.name));
    auto c = connect<S>(p);
    auto sent = step(c.client, Send{payload<S>()}, 0, p);
    if (!c.ok || sent.effects.size() != 1) { state.SkipWithError("setup failed"); return; }
    auto arrived = step(c.server, SegmentArrives<S>{sent.effects[0]}, 0, p);
    if (arrived.effects.size() != 1) { state.SkipWithError("no ACK of the data"); return; }
    Tcb<S> tcb = sent.tcb;
    SegmentArrives<S> ack{arrived.effects[0]};
    Time now = 1;
    for (auto _ : state) {
        benchmark::DoNotOptimize(tcb);
        benchmark::DoNotOptimize(ack);
        auto r = run_step(tcb, ack, now, p);
        benchmark::DoNotOptimize(r);
    }
    if (step(tcb, ack, now, p).tcb.in_flight() != 0) state.SkipWithError("the ACK did not acknowledge the data");
    per_event(state, 1);
}

// (a) An in-order data segment arrives in ESTABLISHED: RCV.NXT advances, the bytes are queued
// for the user, and an ACK is sent.
template <class S>
void BM_established_data(benchmark::State& state) {
    const Profile& p = profile_of(state);
    state.SetLabel(std::string(p.name));
    auto c = connect<S>(p);
    auto sent = step(c.client, Send{payload<S>()}, 0, p);
    if (!c.ok || sent.effects.size() != 1) { state.SkipWithError("setup failed"); return; }
    Tcb<S> tcb = c.server;
    SegmentArrives<S> data{sent.effects[0]};
    Time now = 1;
    for (auto _ : state) {
        benchmark::DoNotOptimize(tcb);
        benchmark::DoNotOptimize(data);
        auto r = run_step(tcb, data, now, p);
        benchmark::DoNotOptimize(r);
    }
    auto check = step(tcb, data, now, p);
    if (check.tcb.unread != payload<S>() || check.effects.size() != 1) state.SkipWithError("data not taken");
    per_event(state, 1);
}

// (b), (c) Passive and active OPEN, SYN, SYN+ACK, ACK; CLOSE, FIN, ACK; CLOSE, FIN, ACK; and the
// TIME-WAIT timeout: 12 events, each segment delivered as soon as it is sent. Returns whether both
// ends ended CLOSED (checked once, outside the timed loop).
constexpr int lifecycle_events = 12;

template <class S>
bool lifecycle(const Profile& p, S iss_c, S iss_s) {
    auto sv = run_step(Tcb<S>{}, Open<S>{true, iss_s, 0}, 0, p);                      //  1 LISTEN
    auto cl = run_step(Tcb<S>{}, Open<S>{false, iss_c, 0}, 0, p);                     //  2 SYN
    sv = run_step(sv.tcb, SegmentArrives<S>{cl.effects[0]}, 0, p);                    //  3 SYN,ACK
    cl = run_step(cl.tcb, SegmentArrives<S>{sv.effects[0]}, 0, p);                    //  4 ACK
    sv = run_step(sv.tcb, SegmentArrives<S>{cl.effects[0]}, 0, p);                    //  5 ESTABLISHED
    benchmark::DoNotOptimize(sv);
    cl = run_step(cl.tcb, Close{}, 1, p);                                             //  6 FIN
    sv = run_step(sv.tcb, SegmentArrives<S>{cl.effects[0]}, 1, p);                    //  7 ACK
    cl = run_step(cl.tcb, SegmentArrives<S>{sv.effects[0]}, 1, p);                    //  8 FIN-WAIT-2
    benchmark::DoNotOptimize(cl);
    sv = run_step(sv.tcb, Close{}, 2, p);                                             //  9 FIN
    cl = run_step(cl.tcb, SegmentArrives<S>{sv.effects[0]}, 2, p);                    // 10 ACK, TIME-WAIT
    sv = run_step(sv.tcb, SegmentArrives<S>{cl.effects[0]}, 2, p);                    // 11 CLOSED
    cl = run_step(cl.tcb, Timeout{Timer::time_wait}, cl.tcb.at(Timer::time_wait), p); // 12 CLOSED
    benchmark::DoNotOptimize(sv);
    benchmark::DoNotOptimize(cl);
    return cl.tcb.state == State::closed && sv.tcb.state == State::closed &&
           cl.tcb.reason == CloseReason::closed_normally && sv.tcb.reason == CloseReason::closed_normally;
}

template <class S>
void BM_lifecycle(benchmark::State& state) {
    Profile p = profiles::rfc9293();
    state.SetLabel(std::string(p.name));
    S iss_c{1};
    S iss_s{5};
    if (!lifecycle(p, iss_c, iss_s)) { state.SkipWithError("the lifecycle did not end CLOSED"); return; }
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(iss_c);
        benchmark::DoNotOptimize(iss_s);
        bool ok = lifecycle(p, iss_c, iss_s);
        benchmark::DoNotOptimize(ok);
    }
    per_event(state, lifecycle_events);
}

} // namespace

// Arg 0: rfc9293, 1: linux_default.
BENCHMARK(BM_established_pure_ack<Seq32>)->Arg(0)->Arg(1);
BENCHMARK(BM_established_data<Seq32>)->Arg(0)->Arg(1);
BENCHMARK(BM_lifecycle<Seq32>);
BENCHMARK(BM_established_pure_ack<Seq<3>>)->Arg(0);
BENCHMARK(BM_established_data<Seq<3>>)->Arg(0);
BENCHMARK(BM_lifecycle<Seq<3>>);
