// What a model file's own property costs against the built-in one it restates (issue 12 asks
// for at most 2x): handshake_agreement as `invariant = "..."`, compiled by checks/expr.cpp,
// per state and over a whole exploration. Run:
//   build/bench/bench/synfin_bench --benchmark_filter=Property
#include <benchmark/benchmark.h>

#include <synfin/properties.hpp>

#include "../checks/expr.hpp"

namespace {

using namespace synfin;

constexpr const char* agreement =
    "!(a.state == established && b.state == established) || (a.irs == b.iss && b.irs == a.iss)";

const System<suite::seq_bits>& system_of(const char* config) {
    static const System<suite::seq_bits> sys(*suite::config_named(config));
    return sys;
}

const std::vector<expr::St>& states() {
    static const std::vector<expr::St> all = [] {
        ExploreOptions o;
        o.max_states = 200'000;
        Explorer<suite::seq_bits> ex(system_of("close/rfc9293"), o);
        ex.run({});
        std::vector<expr::St> v;
        for (std::uint32_t i = 0; i < ex.size(); ++i) v.push_back(ex.state(i));
        return v;
    }();
    return all;
}

Safety<suite::seq_bits> builtin() {
    Properties<suite::seq_bits> props{system_of("close/rfc9293")};
    return *props.safety("handshake_agreement");
}

Safety<suite::seq_bits> user() {
    auto tree = std::get<std::unique_ptr<expr::Node>>(expr::parse(agreement));
    auto program = std::make_shared<const expr::Program>(expr::compile(*tree));
    return {"agreement", [program](const expr::St& s) { return expr::run(*program, s) == 0; }};
}

void per_state(benchmark::State& st, const Safety<suite::seq_bits>& prop) {
    const auto& v = states();
    std::size_t violated = 0;
    for (auto _ : st)
        for (const auto& s : v) violated += prop.violated(s);
    benchmark::DoNotOptimize(violated);
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * v.size()));
}

void explore(benchmark::State& st, const Safety<suite::seq_bits>& prop) {
    std::uint64_t states_seen = 0;
    for (auto _ : st) {
        Explorer<suite::seq_bits> ex(system_of("close/rfc9293"), {});
        ex.run({prop});
        states_seen += ex.stats().states;
    }
    st.counters["states/s"] = benchmark::Counter(static_cast<double>(states_seen), benchmark::Counter::kIsRate);
}

void PropertyPerStateBuiltin(benchmark::State& st) { per_state(st, builtin()); }
void PropertyPerStateUser(benchmark::State& st) { per_state(st, user()); }
void PropertyExploreBuiltin(benchmark::State& st) { explore(st, builtin()); }
void PropertyExploreUser(benchmark::State& st) { explore(st, user()); }

BENCHMARK(PropertyPerStateBuiltin)->Unit(benchmark::kMillisecond);
BENCHMARK(PropertyPerStateUser)->Unit(benchmark::kMillisecond);
BENCHMARK(PropertyExploreBuiltin)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(PropertyExploreUser)->Unit(benchmark::kMillisecond)->Iterations(2);

} // namespace
