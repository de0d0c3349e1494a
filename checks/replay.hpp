// synfin replay: play one host of a live scenario on the model, against a live TCP stack, and
// check that the live stack does what the model predicts for the other host.
//
// The scenario ("live script", docs/conformance.md) lists the user calls of both hosts at
// times in milliseconds, and a few network actions. The host the driver plays runs on
// synfin::step (its segments go out through the raw-socket driver, include/synfin/driver/). The
// other host, the live one, is also run on step, with the Linux profile instantiated from the
// live namespace's sysctls: every segment it is predicted to send must be seen on the wire, with
// the same flags, relative seq/ack and length, within a timing tolerance, and nothing else may
// be seen. Its user calls are performed in its network namespace (--netns) and their results
// compared with the model's too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <synfin/profile.hpp>
#include <synfin/segment.hpp>
#include <synfin/state.hpp>

namespace synfin::replay {

// ---- the scenario ("live script") ------------------------------------------------------------

enum class Role : std::uint8_t { client, server };

// Hosts as the script names them. client/server are roles; driver/kernel name whoever plays
// the role that --role gives the driver, so a script can be written for one side.
enum class HostRef : std::uint8_t { client, server, driver, kernel };

enum class Op : std::uint8_t {
    listen, connect, send, read, close, shutdown, abort, // user calls (§3.10.1-§3.10.5)
    expect,                                              // the host's state at that time
    lose,                                                // the network loses segments FROM->TO
    resend,                                              // the network repeats the driver's last segment
    inject,                                              // the network delivers a crafted segment to the kernel
    // A held network (`network held`, used to replay the checker's traces): the driver holds
    // every segment, both ways, until one of these names it by its image (below).
    deliver, drop, duplicate,
    crash,                                               // the driver's host loses its TCB, silently
};

// A held segment as the checker's trace writes it: flags, and seq/ack modulo 2^seq-bits, with
// the kernel's numbers shifted so that its ISN is the trace's ISS for the kernel's host.
struct Image {
    Flags flags{};
    std::uint32_t seq = 0, ack = 0, len = 0;
};

// seq=/ack= of an injected segment: a number relative to the sender's (seq) or receiver's (ack)
// initial sequence number, or relative to the driver's current SND.NXT, SND.UNA or RCV.NXT.
struct SeqExpr {
    enum class Base : std::uint8_t { isn, snd_nxt, snd_una, rcv_nxt } base = Base::isn;
    std::int64_t offset = 0;
};

struct Action {
    std::int64_t at = 0;          // ms from the start, before --time-scale
    std::size_t line = 0;
    Op op = Op::listen;
    HostRef host = HostRef::client;  // user calls, expect; lose: the sender
    HostRef to = HostRef::server;    // lose: the receiver
    std::uint32_t bytes = 0;         // send, read; inject: len
    std::optional<std::uint32_t> iss; // connect, listen: the driver's ISS; deliver to a listener: its fresh ISS
    bool keepalive = false;          // connect, listen: SO_KEEPALIVE
    State state = State::closed;     // expect
    int count = 0;                   // lose: segments to lose, -1 all, 0 stop losing
    bool fin_only = false;           // resend: the last FIN rather than the last segment
    Flags flags{};                   // inject
    SeqExpr seq{}, ack{SeqExpr::Base::rcv_nxt, 0};
    std::optional<std::uint16_t> wnd; // inject
    Image image{};                   // deliver, drop, duplicate
};

struct Script {
    std::string name;
    std::vector<HostRef> roles{HostRef::client, HostRef::server}; // roles the driver may play
    std::vector<std::pair<std::string, std::string>> sysctls;      // set in the live namespace
    std::vector<std::tuple<HostRef, std::string, std::string>> knobs; // driver-profile overrides
    std::vector<Action> actions;   // in time order (stable)
    std::int64_t end = 0;          // ms: run until then
    bool held = false;             // `network held`: segments wait for deliver/drop/duplicate
    unsigned seq_bits = 32;        // `seq-bits N`: the modulus of images
    std::optional<Profile> driver_profile; // set by a trace: the trace's own host, in real time
    std::vector<std::string> notes; // what a converted trace could not keep
    // A trace: what the live host's side of the network holds at its end, and when (ms) anything
    // else it sends counts against it: after the last step of a deadlock or a lasso, whose last
    // state claims that nothing more happens.
    std::vector<Image> kernel_in_flight_at_end;
    std::int64_t surplus_from = 0, surplus_until = 0;
};

struct ScriptError {
    std::size_t line = 0, column = 0;
    std::string message;
};

std::variant<Script, ScriptError> parse_script(std::string_view text);

// A checker trace (docs/trace-format.md) as a held-network scenario: every user call, delivery,
// loss, duplication and crash at its place, each tick `tick_ms` of real time, and after every
// step the state the trace gives each host, as an expectation. The driver plays the trace's
// client (role client) or server; the live stack the other host. Errors: the text is not a
// trace, its configuration is unknown, or it needs what a live stack cannot do (crash it).
std::variant<Script, std::string> script_from_trace(std::string_view trace_text, Role role, std::int64_t tick_ms);

// ---- the Linux profile from a namespace's sysctls ----------------------------------------------

// Sysctl values by full name ("net.ipv4.tcp_synack_retries" -> "2").
using Sysctls = std::map<std::string, std::string>;

// The sysctls that linux_profile reads or reports on.
const std::vector<std::string>& profile_sysctls();

// profiles::linux_default() with the knobs these sysctls set; keys absent keep the default.
// Values that change Linux's behaviour in ways the model has no knob for are described in
// `unmodelled` (one line each).
Profile linux_profile(const Sysctls& s, std::vector<std::string>* unmodelled = nullptr);

// A driver-profile override `knob=value` (script line `profile HOST knob=value`).
bool set_knob(Profile& p, std::string_view knob, std::string_view value);

// ---- running ------------------------------------------------------------------------------------

struct Options {
    Role role = Role::client;
    double time_scale = 1.0;
    std::int64_t tolerance = 25; // ms either side; timers also get 1/8 of their duration late
    bool verbose = false;
};

enum class Verdict : std::uint8_t { conforms, diverges, error };

struct Outcome {
    Verdict verdict = Verdict::error;
    std::string message;               // the first divergence or the error
    std::string kind;                  // the divergence in one line, for grouping many runs
    std::vector<std::string> notes;    // differences not counted as divergence (windows, options)
    std::size_t matched = 0, sent = 0;
    std::int64_t max_late_us = 0;      // how late the replay did what was due (a busy machine)
};

// `synfin replay ...` (args after "replay"); returns the exit status: 0 conforms, 1 diverges,
// 2 usage, unreadable or unparsable scenario, or the driver cannot run (nothing sent then).
int command(const std::vector<std::string>& args);

} // namespace synfin::replay
