// Explorer throughput: states/s, transitions/s and bytes per stored state, for three sizes of
// configuration and 1 and 2 threads. Run: build/bench/bench/synfin_bench --benchmark_filter=Explore
#include <benchmark/benchmark.h>

#include "../checks/suite.hpp"
#include <synfin/explorer.hpp>

namespace {

using namespace synfin;

void explore(benchmark::State& st, const char* scenario, const char* profile) {
    const auto* sc = suite::find_scenario(scenario);
    const auto* pc = suite::find_profile(profile);
    System<suite::seq_bits> sys(suite::make_config(*sc, *pc));
    ExploreOptions o;
    o.threads = static_cast<unsigned>(st.range(0));
    std::uint64_t states = 0, transitions = 0, bytes = 0;
    for (auto _ : st) {
        Explorer<suite::seq_bits> ex(sys, o);
        ex.run({});
        states += ex.stats().states;
        transitions += ex.stats().transitions;
        bytes = ex.stats().bytes / ex.stats().states;
        benchmark::DoNotOptimize(states);
    }
    st.counters["states/s"] = benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
    st.counters["transitions/s"] = benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
    st.counters["bytes/state"] = static_cast<double>(bytes);
    st.counters["states"] = static_cast<double>(states) / static_cast<double>(st.iterations());
}

void ExploreSmall(benchmark::State& st) { explore(st, "close", "rfc9293"); }
void ExploreMedium(benchmark::State& st) { explore(st, "reconnect", "rfc9293_hardened"); }
void ExploreLarge(benchmark::State& st) { explore(st, "lossy_close", "rfc9293+keepalive"); }

BENCHMARK(ExploreSmall)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ExploreMedium)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ExploreLarge)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
