// The built-in suite of `synfin check`: scenarios (scripts, network budgets) crossed with
// profiles, and for each cell the property checked and the verdict it must have. Holding cells
// show a mechanism works; broken-variant cells show the checker would notice its absence.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <synfin/profile.hpp>
#include <synfin/system.hpp>

namespace synfin::suite {

inline constexpr unsigned seq_bits = 3;

// unstable: holds at the model's resolution but not at the next finer one, so the verdict is an
// artifact of the abstraction and is not reported as "holds".
enum class Verdict { holds, violated, unknown, unstable };

constexpr std::string_view name(Verdict v) {
    switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::unstable: return "unstable";
    default: return "unknown";
    }
}

struct Scenario {
    std::string_view name;
    std::string_view summary;
    std::vector<ScriptStep> client;
    std::vector<ScriptStep> server;
    std::int8_t loss = -1;
    std::uint8_t dup = 0;
    std::uint8_t crash = 0;
    bool client_may_crash = false;
    int max_retries = 2;                  // retry limits are capped at this many in ticks
    // Every ISS after each host's first: RFC 6528's clock, which rfc9293 (MUST-8) and Linux use,
    // unless the scenario says otherwise. A scenario that lists `{}` gets adversarial for both
    // hosts: the most general choice, so a verdict that holds there holds under every policy (each
    // cell reports its ISS policy among its assumptions).
    std::array<IssPolicy, 2> iss{IssPolicy::clock, IssPolicy::clock};
    std::uint8_t msl = 2;                 // the resolution: ticks a segment may live
    std::uint8_t capacity = 3;            // segments in flight per direction
    std::array<bool, 2> any_first_iss{false, false}; // explore every first ISS of that host
    std::array<bool, 2> reads_all{true, true};       // false: that host reads only in receive steps
    bool server_may_crash = false;
    bool listen_first = false;                       // the client connects once the server listens
    std::uint8_t overflow = 0;                       // full-channel drops once loss is spent (Config)
};

struct ProfileChoice {
    std::string_view name;   // as shown in the matrix, e.g. "rfc9293+keepalive"
    Profile profile;
};

struct Cell {
    std::string_view property;
    std::string_view scenario;
    std::string_view profile;
    Verdict expected;
    std::string_view why;    // the claim or mechanism the cell is evidence for
};

inline ProfileChoice with_keepalive(ProfileChoice c, std::string_view name) {
    c.profile.keepalive = true;
    c.name = name;
    return c;
}

// §3.9.1.1: "The present global default is five minutes."
inline ProfileChoice with_user_timeout(ProfileChoice c, std::string_view name) {
    c.profile.user_timeout = 300 * profiles::second;
    c.profile.breaks = {}; // the user timeout is a mechanism: it may repair what a variant broke
    c.name = name;
    return c;
}

inline const std::vector<ProfileChoice>& profile_choices() {
    static const std::vector<ProfileChoice> all = [] {
        std::vector<ProfileChoice> v{
            {"rfc9293", profiles::rfc9293()},
            {"linux", profiles::linux_default()},
            {"two_way_handshake", profiles::two_way_handshake()},
            {"no_time_wait", profiles::no_time_wait()},
            {"short_time_wait", profiles::short_time_wait()},
            {"unbounded_synack_retries", profiles::unbounded_synack_retries()},
            {"no_keepalive", profiles::no_keepalive()},
            {"no_closing_state", profiles::no_closing_state()},
            {"no_retransmission", profiles::no_retransmission()},
            {"rfc9293_hardened", profiles::rfc9293_hardened()},
            {"no_sequence_check", profiles::no_sequence_check()},
            {"unchecked_synack", profiles::unchecked_synack()},
            {"unbounded_data_retries", profiles::unbounded_data_retries()},
            {"impatient", profiles::impatient()},
            {"silent_close", profiles::silent_close()},
            {"silent_abort", profiles::silent_abort()},
        };
        v.push_back(with_keepalive(v[0], "rfc9293+keepalive"));
        v.push_back(with_keepalive(v[1], "linux+keepalive"));
        v.push_back(with_keepalive(v[5], "unbounded_synack_retries+keepalive"));
        v.push_back(with_user_timeout(v[12], "unbounded_data_retries+user_timeout"));
        v.push_back(with_user_timeout(v[0], "rfc9293+user_timeout"));
        return v;
    }();
    return all;
}

inline const ProfileChoice* find_profile(std::string_view name) {
    for (const auto& p : profile_choices())
        if (p.name == name) return &p;
    return nullptr;
}

using U = UserAction;

// A scenario whose channels drop what they cannot hold, up to `drops` segments, instead of
// stopping time (Config::overflow_budget): it decides the safety cells that its original leaves
// unknown with dead ends. A drop is a loss, so no-loss liveness cells keep the original.
inline Scenario tail_drop(Scenario s, std::string_view name, std::string_view summary, std::uint8_t drops) {
    s.name = name;
    s.summary = summary;
    s.overflow = drops;
    return s;
}

inline const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> all = [] {
        std::vector<Scenario> v{
        {"close", "connect and close once; no loss", {{U::connect}, {U::close}}, {{U::listen}, {U::close}}, 0, 0, 0, false,
         2, {}, 2, 4},
        {"idle", "connect, then both hosts idle in ESTABLISHED; no loss, so keepalive (where it is on) "
                 "probes a live peer",
         {{U::connect}}, {{U::listen}}, 0, 0, 0, false, 2, {}, 2, 4},
        {"lossy_close", "connect and close once; the network may lose any segment at any time",
         {{U::connect}, {U::close}}, {{U::listen}, {U::close}}, -1, 0, 0, false},
        {"stale_syn", "the seed's argument for three segments: the client gives up on a connection whose SYN "
                      "is still in flight; the server then gets that SYN; one segment may be lost",
         {{U::connect}, {U::close, 0, true}}, {{U::listen}}, 1, 0, 0, false},
        {"crash", "the client crashes (and reboots, answering with RST) while the server idles in ESTABLISHED",
         {{U::connect}}, {{U::listen}}, 0, 0, 1, true, 2, {}, 2, 4},
        {"restart", "the client gives up on a connect in progress and connects again at once, so the "
                    "server may answer the old SYN while the new one is outstanding",
         {{U::connect}, {U::close, 0, true}, {U::connect}}, {{U::listen}}, 0, 0, 0, false, 2,
         {IssPolicy::adversarial, IssPolicy::clock}, 2, 4},
        {"data", "the client sends two bytes and closes; the network may lose any segment, and "
                 "retransmissions make duplicates",
         {{U::connect}, {U::send, 2}, {U::close}}, {{U::listen}, {U::close}}, -1, 0, 0, false, 1},
        {"reconnect", "the client closes first, then connects again on the same port pair; the server's new "
                      "incarnation takes any ISS, so old segments may fall in the new window",
         {{U::connect}, {U::close}, {U::connect}}, {{U::listen}, {U::close}, {U::listen}}, 0, 0, 0, false, 1,
         {IssPolicy::counter, IssPolicy::adversarial}},
        {"reconnect_clock", "reconnect, with both hosts' ISS clock-driven (RFC 6528): each new incarnation "
                            "starts beyond every sequence number the last one used",
         {{U::connect}, {U::close}, {U::connect}}, {{U::listen}, {U::close}, {U::listen}}, 0, 0, 0, false, 1,
         {IssPolicy::clock, IssPolicy::clock}, 2, 4},
        {"reconnect_clock_any_iss", "reconnect_clock, with every first ISS of the server (the client's is "
                                    "symmetric: the server never opens actively, so every number the client "
                                    "receives is relative to one it chose)",
         {{U::connect}, {U::close}, {U::connect}}, {{U::listen}, {U::close}, {U::listen}}, 0, 0, 0, false, 1,
         {IssPolicy::clock, IssPolicy::clock}, 2, 4, {false, true}},
        {"reconnect_counter", "reconnect, with both hosts' ISS one above the last",
         {{U::connect}, {U::close}, {U::connect}}, {{U::listen}, {U::close}, {U::listen}}, 0, 0, 0, false, 1,
         {IssPolicy::counter, IssPolicy::counter}},
        {"abort", "the client ABORTs its established connection while the server idles; no loss",
         {{U::connect}, {U::abort}}, {{U::listen}}, 0, 0, 0, false, 2, {}, 2, 4},
        {"server_crash", "the server crashes (and reboots, answering with RST) while the client sends a byte "
                         "and then idles in ESTABLISHED; no loss",
         {{U::connect}, {U::send, 1}}, {{U::listen}}, 0, 0, 1, false, 2, {}, 2, 4, {false, false}, {true, true}, true},
        {"dup_data", "the client sends two bytes; the network may duplicate one segment, and loses none",
         {{U::connect}, {U::send, 2}}, {{U::listen}}, 0, 1, 0, false, 1, {}, 2, 4},
        {"unread_close", "the server listens first; the client sends two bytes and closes; the server's "
                         "application never reads and closes, before or after they arrive; no loss",
         {{U::connect}, {U::send, 2}, {U::close}}, {{U::listen}, {U::close}}, 0, 0, 0, false, 2, {}, 2, 4,
         {false, false}, {true, false}, false, true},
        {"partial_read", "the client sends two bytes and closes; the server's application reads one byte "
                         "and closes; no loss",
         {{U::connect}, {U::send, 2}, {U::close}}, {{U::listen}, {U::receive, 1}, {U::close}}, 0, 0, 0, false, 2, {},
         2, 4, {false, false}, {true, false}},
        };
        auto named = [&](std::string_view n) {
            for (const auto& sc : v)
                if (sc.name == n) return sc;
            return Scenario{};
        };
        v.push_back(tail_drop(named("restart"), "restart_tail_drop",
                              "restart, where a full channel drops one segment instead of stopping time", 1));
        v.push_back(tail_drop(named("unread_close"), "unread_close_tail_drop",
                              "unread_close, where a full channel drops up to two segments instead of stopping time",
                              2));
        return v;
    }();
    return all;
}

inline const Scenario* find_scenario(std::string_view name) {
    for (const auto& s : scenarios())
        if (s.name == name) return &s;
    return nullptr;
}

// A profile at the checker's scale (in_ticks), its retry limits capped at max_retries or at the
// fewest retries that outlast the loss budget (unbounded loss counting as none), if more.
inline Profile checker_profile(const Profile& profile, int max_retries, int loss, std::uint8_t msl) {
    // Order relation R2 (docs/properties.md): a finite retry schedule gives up only after the
    // answer to each of the first loss+1 sends can have come back (2*MSL plus a delayed ACK), so
    // that no model gives up on a live peer whose answer is merely slow; with unbounded loss, at
    // least the answer to the first send. A profile that gives up sooner
    // by itself (a broken variant's retry limit below the cap) keeps its own limit.
    int retries = max_retries;
    const int needed = retries_outlasting(in_ticks(profile, 64, msl), loss < 0 ? 0 : loss);
    if (retries < needed) retries = needed;
    return in_ticks(profile, retries, msl);
}

// msl: the resolution in ticks per MSL, 0 for the scenario's own.
inline Config make_config(const Scenario& sc, const ProfileChoice& pc, std::uint8_t msl = 0) {
    Config c;
    c.name = sc.name;
    c.summary = sc.summary;
    c.msl = msl != 0 ? msl : sc.msl;
    const Profile p = checker_profile(pc.profile, sc.max_retries, sc.loss, c.msl);
    for (int h = 0; h < 2; ++h) {
        const auto& script = h == 0 ? sc.client : sc.server;
        c.host[h].profile = p;
        c.host[h].script_len = static_cast<std::uint8_t>(script.size());
        for (std::size_t i = 0; i < script.size() && i < max_script; ++i) c.host[h].script[i] = script[i];
    }
    c.host[0].may_crash = sc.client_may_crash;
    c.host[1].may_crash = sc.server_may_crash;
    for (int h = 0; h < 2; ++h) c.host[h].reads_all = sc.reads_all[h];
    c.host[0].after_peer_opens = sc.listen_first;
    c.loss_budget = sc.loss;
    c.capacity = sc.capacity;
    c.dup_budget = sc.dup;
    c.crash_budget = sc.crash;
    c.overflow_budget = sc.overflow;
    c.iss = sc.iss;
    c.any_first_iss = sc.any_first_iss;
    return c;
}

// Configurations that are not built in: the CLI installs the reader of model files (FILE.toml,
// checks/model_file.hpp) here, so that every command that takes a configuration by name (check,
// trace verify, trace export, graph, replay) takes a model file too. msl 0: the model's own.
using ConfigLoader = std::optional<Config> (*)(std::string_view file, std::uint8_t msl);
inline ConfigLoader& model_loader() {
    static ConfigLoader loader = nullptr;
    return loader;
}

inline bool names_model_file(std::string_view name) {
    return name.size() > 5 && name.substr(name.size() - 5) == ".toml";
}

// The configuration a trace names: SCENARIO/PROFILE or a model file, with "@msl=N" when it was
// found at another resolution than its own (a refinement).
inline std::optional<Config> config_named(std::string_view name) {
    std::uint8_t msl = 0;
    if (auto at = name.find("@msl="); at != std::string_view::npos) {
        std::string_view n = name.substr(at + 5);
        if (n.empty() || n.size() > 2) return std::nullopt;
        unsigned v = 0;
        for (char ch : n) {
            if (ch < '0' || ch > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(ch - '0');
        }
        if (v < 2 || v > 16) return std::nullopt;
        msl = static_cast<std::uint8_t>(v);
        name = name.substr(0, at);
    }
    if (names_model_file(name)) return model_loader() ? model_loader()(name, msl) : std::nullopt;
    auto slash = name.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const Scenario* sc = find_scenario(name.substr(0, slash));
    const ProfileChoice* pc = find_profile(name.substr(slash + 1));
    if (!sc || !pc) return std::nullopt;
    return make_config(*sc, *pc, msl);
}

} // namespace synfin::suite
