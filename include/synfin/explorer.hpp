// The explicit-state explorer: breadth-first over packed states, so every counterexample is a
// shortest one; level-synchronous and sharded, so that the state count, the verdicts and the
// counterexamples are the same for any number of threads. Safety is checked on every state;
// "P leads to Q" under weak fairness of time is checked afterwards on the stored graph, with a
// lasso (stem + cycle) as counterexample.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <unordered_map>
#include <string>
#include <thread>
#include <vector>

#include "packing.hpp"

namespace synfin {

constexpr std::uint64_t hash_key(const Key& k) {
    std::uint64_t h = 0x9e3779b97f4a7c15ull;
    for (auto w : k) {
        h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    return h;
}

// Word by word: std::array's operator== goes through memcmp, which dominated the profile.
constexpr bool key_equal(const Key& a, const Key& b) {
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

enum class Completion { complete, stopped, state_limit, memory_limit, interrupted };

struct ExploreOptions {
    unsigned threads = 1;
    std::uint64_t max_states = 200'000'000;
    std::uint64_t max_memory = 12ull << 30; // bytes
    bool progress = false;                  // report on stderr about once a second
    std::string progress_label{};
    // The caller's request to stop (a Ctrl-C, say), read before each BFS level: the explorer
    // reads no signal or global of its own. Completion::interrupted, what was explored kept.
    const std::atomic<bool>* interrupt = nullptr;
};

struct ExploreStats {
    std::uint64_t states = 0;
    std::uint64_t transitions = 0;
    std::uint32_t depth = 0;
    double seconds = 0;
    std::uint64_t bytes = 0;
    Completion completion = Completion::complete;
    // Bounds hit: states where a full channel with no loss budget left blocked a transition,
    // and dead ends, where it blocked every one, so that not even time can pass (a timelock, as
    // UPPAAL calls it). A "holds" reached with dead ends is vacuous there: the runner says unknown.
    std::uint64_t blocked_states = 0;
    std::uint64_t dead_ends = 0;
    std::uint32_t first_dead_end = 0xffffffffu; // index of the first (in BFS order), or none
};

// One state predicate to check on every reachable state; the first state (in BFS order) that
// satisfies `violated` is the end of a shortest counterexample.
template <unsigned Bits>
struct Safety {
    std::string name;
    std::function<bool(const SystemState<Bits>&)> violated;
};

// P leads to Q: from every reachable state satisfying P, every fair run reaches a state
// satisfying Q. Fair: time keeps passing, and no user whose next action stays enabled is
// starved of it (weak fairness of time and of the users; the network is not fair).
template <unsigned Bits>
struct LeadsTo {
    std::string name;
    std::function<bool(const SystemState<Bits>&)> p;
    std::function<bool(const SystemState<Bits>&)> q;
};

struct Lasso {
    std::vector<std::uint32_t> stem;  // state indices from the initial state
    std::vector<std::uint32_t> cycle; // state indices around the cycle, first == last
};

template <unsigned Bits>
class Explorer {
public:
    using State = SystemState<Bits>;
    static constexpr std::uint32_t none = 0xffffffffu;
    static constexpr unsigned shard_count = 64;

    Explorer(const System<Bits>& sys, ExploreOptions opt) : sys_(sys), packer_(sys.config()), opt_(opt) {
        if (opt_.threads == 0) opt_.threads = 1;
        shards_.resize(shard_count);
        for (auto& sh : shards_) sh.slots.assign(1024, none);
    }

    [[nodiscard]] bool fits() const { return packer_.fits(); }
    [[nodiscard]] const Packer<Bits>& packer() const { return packer_; }

    // Explores everything reachable, checking the safety properties on every state. Returns
    // per property the index of the first violating state, or none.
    // With stop_when_violated, exploration ends after the first level at which every safety
    // property has a counterexample (the verdicts are then final; the state count is partial).
    std::vector<std::uint32_t> run(const std::vector<Safety<Bits>>& safety, bool stop_when_violated = false) {
        auto t0 = std::chrono::steady_clock::now();
        auto last_report = t0;
        std::vector<std::uint32_t> first(safety.size(), none);
        keys_.clear(); parent_.clear(); action_.clear(); level_start_.clear();
        edge_begin_.clear(); edges_.clear(); user_mask_.clear();
        for (auto& sh : shards_) { sh.slots.assign(1024, none); sh.used = 0; } // a second run starts afresh
        State init = sys_.initial();
        Key k0 = packer_.pack(init);
        add_new(k0, none, 0);
        level_start_.push_back(0);
        check(0, init, safety, first);
        std::uint64_t transitions = 0;
        std::uint32_t level_begin = 0;
        stats_ = ExploreStats{};
        while (level_begin < keys_.size()) {
            if (opt_.interrupt && opt_.interrupt->load(std::memory_order_relaxed)) {
                stats_.completion = Completion::interrupted;
                break;
            }
            std::uint32_t level_end = static_cast<std::uint32_t>(keys_.size());
            level_start_.push_back(level_end);
            // Phase 1: expand the level in parallel; keep successors not seen in earlier levels.
            std::vector<std::vector<std::vector<Candidate>>> out(opt_.threads, std::vector<std::vector<Candidate>>(shard_count));
            std::vector<std::uint64_t> counted(opt_.threads, 0);
            std::vector<Bounds> bounds(opt_.threads);
            auto expand = [&](unsigned tid) {
                std::uint64_t n = 0;
                std::vector<Candidate> batch;
                for (std::uint32_t i = level_begin + tid; i < level_end; i += opt_.threads) {
                    State s = packer_.unpack(keys_[i]);
                    batch.clear();
                    bool blocked = false;
                    sys_.for_each_action(s, [&](Action a) {
                        Outcome<Bits> o;
                        State next = sys_.apply(s, a, &o);
                        if (o.blocked) { blocked = true; return; }
                        Key k = packer_.pack(next);
                        std::uint64_t h = hash_key(k);
                        batch.push_back({k, i, a.code(), h});
                        prefetch_slot(h); // the lookups below then hit the cache
                    });
                    n += batch.size();
                    if (blocked) ++bounds[tid].blocked;
                    if (batch.empty() && blocked) {
                        ++bounds[tid].dead;
                        bounds[tid].first_dead = std::min(bounds[tid].first_dead, i);
                    }
                    for (const auto& c : batch) {
                        unsigned sh = static_cast<unsigned>(c.hash % shard_count);
                        if (find(sh, c.hash, c.key) == none) out[tid][sh].push_back(c);
                    }
                }
                counted[tid] = n;
            };
            parallel(expand);
            for (auto n : counted) transitions += n;
            for (const auto& b : bounds) {
                stats_.blocked_states += b.blocked;
                stats_.dead_ends += b.dead;
                stats_.first_dead_end = std::min(stats_.first_dead_end, b.first_dead);
            }
            // Phase 2: per shard, deduplicate in a fixed order (smallest parent, then action).
            std::vector<std::vector<Candidate>> fresh(shard_count);
            auto merge = [&](unsigned tid) {
                for (unsigned sh = tid; sh < shard_count; sh += opt_.threads) {
                    auto& v = fresh[sh];
                    for (unsigned t = 0; t < opt_.threads; ++t) {
                        v.insert(v.end(), out[t][sh].begin(), out[t][sh].end());
                        std::vector<Candidate>().swap(out[t][sh]);
                    }
                    std::sort(v.begin(), v.end(), [](const Candidate& a, const Candidate& b) {
                        if (!key_equal(a.key, b.key)) return a.key < b.key;
                        if (a.parent != b.parent) return a.parent < b.parent;
                        return a.action < b.action;
                    });
                    v.erase(std::unique(v.begin(), v.end(), [](const Candidate& a, const Candidate& b) { return key_equal(a.key, b.key); }), v.end());
                }
            };
            parallel(merge);
            // Phase 3: number the new states shard by shard, store them, check them.
            std::size_t total = 0;
            for (auto& v : fresh) total += v.size();
            if (keys_.size() + total > std::min<std::uint64_t>(opt_.max_states, index_mask - 1)) {
                stats_.completion = Completion::state_limit;
                break;
            }
            if (memory() + total * bytes_per_state() > opt_.max_memory) { stats_.completion = Completion::memory_limit; break; }
            std::vector<std::uint32_t> base(shard_count);
            std::uint32_t next = level_end;
            for (unsigned sh = 0; sh < shard_count; ++sh) { base[sh] = next; next += static_cast<std::uint32_t>(fresh[sh].size()); }
            keys_.resize(next); parent_.resize(next); action_.resize(next);
            std::vector<std::vector<std::uint32_t>> local_first(opt_.threads, std::vector<std::uint32_t>(safety.size(), none));
            auto store = [&](unsigned tid) {
                for (unsigned sh = tid; sh < shard_count; sh += opt_.threads) {
                    std::uint32_t idx = base[sh];
                    for (const auto& c : fresh[sh]) {
                        keys_[idx] = c.key; parent_[idx] = c.parent; action_[idx] = c.action;
                        insert(sh, c.hash, idx);
                        if (!safety.empty()) check(idx, packer_.unpack(c.key), safety, local_first[tid]);
                        ++idx;
                    }
                }
            };
            parallel(store);
            for (auto& lf : local_first)
                for (std::size_t p = 0; p < safety.size(); ++p) first[p] = std::min(first[p], lf[p]);
            level_begin = level_end;
            if (stop_when_violated && !safety.empty() &&
                std::all_of(first.begin(), first.end(), [](std::uint32_t f) { return f != none; })) {
                stats_.completion = Completion::stopped;
                level_start_.push_back(static_cast<std::uint32_t>(keys_.size())); // the level just stored counts in the depth
                break;
            }
            if (opt_.progress) {
                auto now = std::chrono::steady_clock::now();
                if (now - last_report > std::chrono::seconds(1)) {
                    last_report = now;
                    double secs = std::chrono::duration<double>(now - t0).count();
                    std::fprintf(stderr, "  %s depth %zu: %zu states, %.0f states/s, frontier %u, %.1f MiB\n",
                                 opt_.progress_label.c_str(), level_start_.size() - 1, keys_.size(),
                                 static_cast<double>(keys_.size()) / secs, next - level_end,
                                 static_cast<double>(memory()) / (1 << 20));
                }
            }
        }
        stats_.states = keys_.size();
        stats_.transitions = transitions;
        stats_.depth = level_start_.size() < 2 ? 0 : static_cast<std::uint32_t>(level_start_.size() - 2);
        stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        stats_.bytes = memory();
        return first;
    }

    [[nodiscard]] const ExploreStats& stats() const { return stats_; }
    // States satisfying the premise of the last leads_to checked (0: the property is vacuous).
    [[nodiscard]] std::uint64_t premise_states() const { return premise_states_; }
    [[nodiscard]] std::size_t size() const { return keys_.size(); }
    [[nodiscard]] State state(std::uint32_t i) const { return packer_.unpack(keys_[i]); }
    [[nodiscard]] Action action_into(std::uint32_t i) const { return Action::from_code(action_[i]); }
    [[nodiscard]] std::uint32_t parent(std::uint32_t i) const { return parent_[i]; }

    // The actions that lead from the initial state to state i (a shortest path).
    [[nodiscard]] std::vector<Action> path_to(std::uint32_t i) const {
        std::vector<Action> acts;
        while (i != 0 && i != none) {
            acts.push_back(Action::from_code(action_[i]));
            i = parent_[i];
        }
        std::reverse(acts.begin(), acts.end());
        return acts;
    }

    // Index of a stored state, or none.
    [[nodiscard]] std::uint32_t index_of(const State& s) const {
        Key k = packer_.pack(s);
        std::uint64_t h = hash_key(k);
        return find(static_cast<unsigned>(h % shard_count), h, k);
    }

    // Builds the transition graph of the explored states (once; liveness checks share it).
    void build_graph() {
        if (!edge_begin_.empty()) return;
        const std::uint32_t n = static_cast<std::uint32_t>(keys_.size());
        user_mask_.assign(n, 0);
        std::vector<std::vector<std::uint32_t>> local(opt_.threads);
        std::vector<std::vector<std::uint32_t>> degree(opt_.threads);
        std::uint32_t chunk = (n + opt_.threads - 1) / opt_.threads;
        parallel([&](unsigned tid) {
            std::uint32_t lo = std::min(n, tid * chunk), hi = std::min(n, lo + chunk);
            auto& out = local[tid];
            auto& deg = degree[tid];
            for (std::uint32_t v = lo; v < hi; ++v) {
                State s = packer_.unpack(keys_[v]);
                user_mask_[v] = static_cast<std::uint8_t>((sys_.user_enabled(s, 0) ? 1 : 0) | (sys_.user_enabled(s, 1) ? 2 : 0));
                std::uint32_t d = 0;
                sys_.for_each_action(s, [&](Action a) {
                    Outcome<Bits> o;
                    State next = sys_.apply(s, a, &o);
                    if (o.blocked) return;
                    std::uint32_t w = index_of(next);
                    if (w == none) return; // beyond a state limit
                    out.push_back(w | (a.kind == ActionKind::tick ? tick_bit : 0u));
                    ++d;
                });
                deg.push_back(d);
            }
        });
        edge_begin_.assign(n + 1, 0);
        std::uint32_t v = 0;
        for (auto& deg : degree)
            for (auto d : deg) { edge_begin_[v + 1] = edge_begin_[v] + d; ++v; }
        edges_.clear();
        edges_.reserve(edge_begin_[n]);
        for (auto& l : local) { edges_.insert(edges_.end(), l.begin(), l.end()); std::vector<std::uint32_t>().swap(l); }
    }

    // Checks P ~> Q under weak fairness of time and of the users on the explored graph. Returns
    // a lasso whose stem ends in a P-state and whose cycle avoids Q, lets time pass, and does not
    // starve a user whose next action stays enabled; or nothing when the property holds.
    std::optional<Lasso> leads_to(const LeadsTo<Bits>& prop) {
        build_graph();
        const std::uint32_t n = static_cast<std::uint32_t>(keys_.size());
        std::vector<std::uint8_t> inq(n), inp(n);
        parallel([&](unsigned tid) {
            for (std::uint32_t i = tid; i < n; i += opt_.threads) {
                State s = packer_.unpack(keys_[i]);
                inq[i] = prop.q(s) ? 1 : 0;
                inp[i] = prop.p(s) ? 1 : 0;
            }
        });
        premise_states_ = static_cast<std::uint64_t>(std::count(inp.begin(), inp.end(), std::uint8_t{1}));
        auto succ_begin = [&](std::uint32_t v) { return edge_begin_[v]; };
        auto succ_end = [&](std::uint32_t v) { return edge_begin_[v + 1]; };
        auto target = [&](std::uint32_t e) { return edges_[e] & ~tick_bit; };
        auto is_tick = [&](std::uint32_t e) { return (edges_[e] & tick_bit) != 0; };

        // Tarjan, iteratively, on the not-Q sub-graph. SCCs complete in reverse topological
        // order, so whether an SCC reaches a fair one is known when it completes.
        std::vector<std::uint32_t> index(n, none), low(n, 0), comp(n, none);
        std::vector<std::uint8_t> bad(n, 0); // 2: in a fair SCC; 1: reaches one
        std::vector<std::uint8_t> on_stack(n, 0);
        std::vector<std::uint32_t> stack;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> calls; // (vertex, next edge)
        std::uint32_t counter = 0, comps = 0;
        for (std::uint32_t root = 0; root < n; ++root) {
            if (inq[root] || index[root] != none) continue;
            auto visit = [&](std::uint32_t v) {
                index[v] = low[v] = counter++;
                stack.push_back(v);
                on_stack[v] = 1;
                calls.emplace_back(v, succ_begin(v));
            };
            visit(root);
            while (!calls.empty()) {
                auto& [v, e] = calls.back();
                if (e < succ_end(v)) {
                    std::uint32_t w = target(e++);
                    if (inq[w]) continue;
                    if (index[w] == none) visit(w);
                    else if (on_stack[w]) low[v] = std::min(low[v], index[w]);
                    continue;
                }
                std::uint32_t done = v;
                calls.pop_back();
                if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
                if (low[done] != index[done]) continue;
                std::size_t first_member = stack.size();
                do { --first_member; } while (stack[first_member] != done);
                bool ticks = false, reaches = false;
                std::uint8_t users_disabled = 0; // a user whose action is disabled somewhere here
                for (std::size_t i = first_member; i < stack.size(); ++i) comp[stack[i]] = comps;
                for (std::size_t i = first_member; i < stack.size(); ++i) {
                    std::uint32_t m = stack[i];
                    users_disabled |= static_cast<std::uint8_t>(~user_mask_[m] & 3);
                    for (std::uint32_t x = succ_begin(m); x < succ_end(m); ++x) {
                        std::uint32_t w = target(x);
                        if (inq[w]) continue;
                        if (comp[w] == comps) ticks = ticks || is_tick(x);
                        else if (bad[w]) reaches = true;
                    }
                }
                bool fair = ticks && users_disabled == 3;
                for (std::size_t i = first_member; i < stack.size(); ++i) {
                    on_stack[stack[i]] = 0;
                    bad[stack[i]] = fair ? 2 : reaches ? 1 : 0;
                }
                stack.resize(first_member);
                ++comps;
            }
        }
        std::uint32_t start = none;
        for (std::uint32_t i = 0; i < n && start == none; ++i)
            if (bad[i] && inp[i]) start = i;
        if (start == none) return std::nullopt;

        // Shortest paths inside a set of states, by BFS over the stored edges.
        auto path = [&](std::uint32_t from, auto&& allowed, auto&& goal, bool need_tick_first) {
            std::unordered_map<std::uint32_t, std::uint32_t> prev{{from, none}};
            std::vector<std::uint32_t> order{from};
            for (std::size_t h = 0; h < order.size(); ++h) {
                std::uint32_t v = order[h];
                for (std::uint32_t x = succ_begin(v); x < succ_end(v); ++x) {
                    std::uint32_t w = target(x);
                    if (need_tick_first && h == 0 && !is_tick(x)) continue;
                    if (!allowed(w) || prev.count(w)) continue;
                    prev[w] = v;
                    if (goal(w)) {
                        std::vector<std::uint32_t> p;
                        for (std::uint32_t y = w; y != none; y = prev[y]) p.push_back(y);
                        std::reverse(p.begin(), p.end());
                        return p;
                    }
                    order.push_back(w);
                }
            }
            return std::vector<std::uint32_t>{};
        };
        Lasso lasso;
        for (std::uint32_t i = start;; i = parent_[i]) {
            lasso.stem.push_back(i);
            if (i == 0) break;
        }
        std::reverse(lasso.stem.begin(), lasso.stem.end());
        std::uint32_t entry = start;
        if (bad[start] != 2) {
            auto p = path(start, [&](std::uint32_t w) { return bad[w] != 0 && !inq[w]; },
                          [&](std::uint32_t w) { return bad[w] == 2; }, false);
            for (std::size_t j = 1; j < p.size(); ++j) lasso.stem.push_back(p[j]);
            entry = lasso.stem.back();
        }
        // The cycle: entry -> x -tick-> y -> ... -> entry, with each user's action disabled at
        // some state on it when that is needed for fairness (users_disabled holds SCC-wide, so
        // a cycle through a tick and back visits enough of the SCC in practice; we add the
        // detour through a disabling state when the first cycle misses one).
        std::uint32_t c = comp[entry];
        auto in_c = [&](std::uint32_t w) { return comp[w] == c; };
        std::uint32_t tx = none;
        for (std::uint32_t i = 0; i < n && tx == none; ++i) {
            if (comp[i] != c) continue;
            for (std::uint32_t x = succ_begin(i); x < succ_end(i); ++x)
                if (is_tick(x) && comp[target(x)] == c) { tx = i; break; }
        }
        std::vector<std::uint32_t> cycle{entry};
        auto extend = [&](std::uint32_t goal_state, bool tick_first) {
            auto p = path(cycle.back(), in_c, [&](std::uint32_t w) { return w == goal_state; }, tick_first);
            for (std::size_t j = 1; j < p.size(); ++j) cycle.push_back(p[j]);
        };
        if (tx != entry) extend(tx, false);
        // take the tick out of tx (possibly a self-loop: time passing changes nothing)
        for (std::uint32_t x = succ_begin(tx); x < succ_end(tx); ++x)
            if (is_tick(x) && comp[target(x)] == c) { cycle.push_back(target(x)); break; }
        for (int h = 0; h < 2; ++h) {
            bool seen_disabled = false;
            for (auto v : cycle) seen_disabled = seen_disabled || !(user_mask_[v] & (1u << h));
            if (seen_disabled) continue;
            for (std::uint32_t i = 0; i < n; ++i)
                if (comp[i] == c && !(user_mask_[i] & (1u << h))) { extend(i, false); break; }
        }
        if (cycle.back() != entry || cycle.size() == 1) extend(entry, false);
        lasso.cycle = cycle;
        return lasso;
    }

    // The stored successors of state i and the actions that reach them (for drawing graphs).
    [[nodiscard]] std::vector<std::pair<Action, std::uint32_t>> successors(std::uint32_t i) const {
        std::vector<std::pair<Action, std::uint32_t>> out;
        State s = packer_.unpack(keys_[i]);
        sys_.for_each_action(s, [&](Action a) {
            Outcome<Bits> o;
            State next = sys_.apply(s, a, &o);
            if (o.blocked) return;
            std::uint32_t w = index_of(next);
            if (w != none) out.emplace_back(a, w);
        });
        return out;
    }

    // The action that takes state `from` to state `to`, if any (for printing lassos).
    [[nodiscard]] std::optional<Action> action_between(std::uint32_t from, std::uint32_t to) const {
        State s = packer_.unpack(keys_[from]);
        std::optional<Action> found;
        sys_.for_each_action(s, [&](Action a) {
            Outcome<Bits> o;
            State next = sys_.apply(s, a, &o);
            if (!found && !o.blocked && index_of(next) == to) found = a;
        });
        return found;
    }

    [[nodiscard]] static constexpr std::size_t bytes_per_state() {
        // key + parent + action + two hash slots (load factor at most one half)
        return sizeof(Key) + sizeof(std::uint32_t) + sizeof(std::uint16_t) + 2 * sizeof(std::uint32_t);
    }

private:
    struct Bounds {
        std::uint64_t blocked = 0, dead = 0;
        std::uint32_t first_dead = none;
    };
    struct Candidate {
        Key key;
        std::uint32_t parent;
        std::uint16_t action;
        std::uint64_t hash;
    };
    struct Shard {
        std::vector<std::uint32_t> slots;
        std::size_t used = 0;
    };

    System<Bits> sys_;
    Packer<Bits> packer_;
    ExploreOptions opt_;
    std::vector<Key> keys_;
    std::vector<std::uint32_t> parent_;
    std::vector<std::uint16_t> action_;
    std::vector<std::uint32_t> level_start_;
    std::vector<Shard> shards_;
    std::vector<std::uint32_t> edge_begin_, edges_; // the transition graph, for liveness
    std::vector<std::uint8_t> user_mask_;           // per state: which users' actions are enabled
    static constexpr std::uint32_t tick_bit = 0x80000000u;
    ExploreStats stats_{};
    std::uint64_t premise_states_ = 0;

    template <class F>
    void parallel(F&& f) {
        if (opt_.threads == 1) { f(0u); return; }
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < opt_.threads; ++t) pool.emplace_back([&, t] { f(t); });
        for (auto& th : pool) th.join();
    }

    [[nodiscard]] std::uint64_t memory() const {
        std::uint64_t m = keys_.capacity() * sizeof(Key) + parent_.capacity() * 4 + action_.capacity() * 2;
        for (const auto& sh : shards_) m += sh.slots.capacity() * 4;
        return m;
    }

    // A slot holds a state index in its low bits and a few bits of the hash above them, so
    // that most probes that do not match are decided without loading the key.
    static constexpr unsigned index_bits = 26;
    static constexpr std::uint32_t index_mask = (1u << index_bits) - 1;
    static constexpr std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 58) << index_bits; }

    void prefetch_slot(std::uint64_t h) const {
        const auto& slots = shards_[h % shard_count].slots;
#if defined(__GNUC__)
        __builtin_prefetch(&slots[(h / shard_count) & (slots.size() - 1)]);
#endif
    }

    [[nodiscard]] std::uint32_t find(unsigned sh, std::uint64_t h, const Key& k) const {
        const auto& slots = shards_[sh].slots;
        std::size_t mask = slots.size() - 1;
        std::uint32_t tag = tag_of(h);
        for (std::size_t i = (h / shard_count) & mask;; i = (i + 1) & mask) {
            std::uint32_t v = slots[i];
            if (v == none) return none;
            if ((v & ~index_mask) == tag && key_equal(keys_[v & index_mask], k)) return v & index_mask;
        }
    }

    void insert(unsigned sh, std::uint64_t h, std::uint32_t idx) {
        auto& shard = shards_[sh];
        if (2 * (shard.used + 1) > shard.slots.size()) grow(sh);
        std::size_t mask = shard.slots.size() - 1;
        std::size_t i = (h / shard_count) & mask;
        while (shard.slots[i] != none) i = (i + 1) & mask;
        shard.slots[i] = idx | tag_of(h);
        ++shard.used;
    }

    void grow(unsigned sh) {
        auto& shard = shards_[sh];
        std::vector<std::uint32_t> old;
        old.swap(shard.slots);
        shard.slots.assign(old.size() * 2, none);
        std::size_t mask = shard.slots.size() - 1;
        for (auto v : old) {
            if (v == none) continue;
            std::size_t i = (hash_key(keys_[v & index_mask]) / shard_count) & mask;
            while (shard.slots[i] != none) i = (i + 1) & mask;
            shard.slots[i] = v;
        }
    }

    void add_new(const Key& k, std::uint32_t parent, std::uint16_t action) {
        std::uint32_t idx = static_cast<std::uint32_t>(keys_.size());
        keys_.push_back(k); parent_.push_back(parent); action_.push_back(action);
        std::uint64_t h = hash_key(k);
        insert(static_cast<unsigned>(h % shard_count), h, idx);
    }

    static void check(std::uint32_t idx, const State& s, const std::vector<Safety<Bits>>& safety, std::vector<std::uint32_t>& first) {
        for (std::size_t p = 0; p < safety.size(); ++p)
            if (idx < first[p] && safety[p].violated(s)) first[p] = idx;
    }
};

} // namespace synfin

namespace synfin {

struct ConstexprVerdict {
    std::size_t states = 0;
    bool violated = false;
    bool complete = true; // false: more than the capacity's states
};

// The explorer's constexpr mode, for configurations of a few hundred states: the same system
// and packing, a plain array and linear search, so that a property can be static_asserted.
template <unsigned Bits, std::size_t Capacity, class Pred>
constexpr ConstexprVerdict explore_constexpr(const Config& c, Pred violated) {
    System<Bits> sys(c);
    Packer<Bits> packer(c);
    std::array<Key, Capacity> seen{};
    std::size_t count = 0, head = 0;
    ConstexprVerdict v;
    auto add = [&](const SystemState<Bits>& s) {
        Key k = packer.pack(s);
        for (std::size_t i = 0; i < count; ++i)
            if (key_equal(seen[i], k)) return;
        if (count == Capacity) { v.complete = false; return; }
        seen[count++] = k;
        if (violated(s)) v.violated = true;
    };
    add(sys.initial());
    while (head < count && !v.violated && v.complete) {
        auto s = packer.unpack(seen[head++]);
        sys.for_each_action(s, [&](Action a) {
            Outcome<Bits> o;
            auto next = sys.apply(s, a, &o);
            if (!o.blocked) add(next);
        });
    }
    v.states = count;
    return v;
}

} // namespace synfin
