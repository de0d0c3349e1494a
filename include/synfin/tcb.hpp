// The transmission control block (RFC 9293 §3.3.1), the events that drive it (§3.10: OPEN, SEND,
// RECEIVE, CLOSE, ABORT, SEGMENT ARRIVES, timeouts) and the effects a step returns.
// Sans-IO: time comes in with each event; timers are deadlines kept here; segments to send and
// notices for the user go out as values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <limits>

#include "profile.hpp"
#include "segment.hpp"
#include "state.hpp"

namespace synfin {

inline constexpr Time never = std::numeric_limits<Time>::max();

enum class Timer : std::uint8_t {
    retransmission,   // §3.8.1, RFC 6298
    delayed_ack,      // RFC 1122 §4.2.3.2
    time_wait,        // §3.4.2
    keepalive,        // RFC 1122 §4.2.3.6
    user_timeout,     // §3.10.8
    fin_wait_2,       // Linux tcp_fin_timeout
};
inline constexpr std::size_t timer_count = 6;

constexpr const char* name(Timer t) {
    constexpr std::array<const char*, timer_count> names{
        "retransmission", "delayed_ack", "time_wait", "keepalive", "user_timeout", "fin_wait_2"};
    auto i = static_cast<std::size_t>(t);
    return i < timer_count ? names[i] : "?";
}

// Why a TCB reached CLOSED (style: a closed TCB records why).
enum class CloseReason : std::uint8_t { none, closed_normally, reset, refused, timed_out, aborted };

constexpr const char* name(CloseReason r) {
    constexpr std::array<const char*, 6> names{"none", "closed", "reset", "refused", "timed out", "aborted"};
    auto i = static_cast<std::size_t>(r);
    return i < names.size() ? names[i] : "?";
}

// Notices for the user (§3.10: "signal the user ..."), as a bit set.
enum class Notice : std::uint16_t {
    established = 1u << 0,
    data_acked = 1u << 1,
    data_delivered = 1u << 2,   // bytes are waiting to be read
    peer_closed = 1u << 3,      // the peer's FIN arrived: EOF once the bytes before it are read
    reset = 1u << 4,            // "connection reset"
    refused = 1u << 5,          // "connection refused"
    timed_out = 1u << 6,        // retransmission, keepalive or user timeout gave up
    closed = 1u << 7,           // the connection ended normally
};

// Results of user calls (§3.10.1-§3.10.5 "error: ...").
enum class UserError : std::uint8_t {
    ok,
    connection_does_not_exist,
    connection_already_exists,
    connection_closing,
    remote_socket_unspecified,
    window_exceeds_sequence_space, // OPEN with a profile whose windows do not fit (windows_fit)
};

constexpr const char* name(UserError e) {
    constexpr std::array<const char*, 6> names{"ok", "connection does not exist", "connection already exists",
                                               "connection closing", "remote socket unspecified",
                                               "window exceeds a quarter of the sequence space"};
    auto i = static_cast<std::size_t>(e);
    return i < names.size() ? names[i] : "?";
}

template <class S>
struct Tcb {
    State state = State::closed;
    bool passive = false;        // this connection came from LISTEN (§3.10.7.4, RST in SYN-RECEIVED)
    bool fin_queued = false;     // the user called CLOSE: a FIN follows the queued data
    bool fin_sent = false;       // our FIN occupies SND.NXT-1 (until acknowledged)
    bool orphan = false;         // the user closed both directions (close(), not shutdown(SHUT_WR))
    bool ack_pending = false;    // an ACK is owed and held by the delayed-ACK timer

    S iss{};
    S snd_una{};
    S snd_nxt{};
    std::uint32_t snd_wnd = 0;   // bytes, after window scaling
    // MAX.SND.WND (RFC 5961 §5.2), the largest window the peer has offered, when it is above
    // SND.WND: kept only once SND.WND has shrunk below it, 0 until then. Read it through
    // max_send_window(). So a TCB whose window never shrank - any of the checker's, whose
    // windows are constant - is the TCB it was before this field, and packs without it.
    std::uint32_t max_snd_wnd = 0;
    S snd_wl1{};
    S snd_wl2{};
    S irs{};
    S rcv_nxt{};
    std::uint32_t rcv_wnd = 0;

    std::uint32_t send_queued = 0; // bytes the user has handed over that are not yet sent
    std::uint32_t unread = 0;      // bytes received and not yet read by the user

    std::uint8_t retries = 0;           // consecutive retransmissions of the segment at SND.UNA
    // Our SYN (or SYN+ACK) was retransmitted on timeout: its answer is no RTT sample (RFC 6298
    // §3, Karn) and the RTO for data is at least rto_after_syn_timeout (§5.7). Set only where it
    // changes the RTO, which it never does at the checker's scale: its TCBs pack without it.
    bool syn_timed_out = false;
    // SYN-SENT's retransmissions at the initial RTO (tcp_syn_linear_timeouts) that a simultaneous
    // open carries into SYN-RECEIVED (simultaneous_open_keeps_syn_timer). The checker's SYN
    // backoff has none (in_ticks), so its TCBs never set it.
    std::uint8_t syn_linear_spent = 0;
    std::uint8_t keepalive_probes = 0;  // unanswered keepalive probes
    // When the last ACK to an out-of-window segment or challenge left (invalid_ack_ratelimit;
    // Linux last_oow_ack_time), `never` if none. The checker's profiles have no rate limit, so
    // its TCBs never set it.
    Time last_oow_ack = never;
    // Linux's delayed ACK of text (interactive_delayed_ack, conformance F8): when text last
    // arrived (icsk_ack.lrcvtime), whether the connection is interactive (pingpong mode) and the
    // bytes whose ACK is held. The checker's profiles have no such delay: its TCBs never set them.
    Time last_data_arrival = never;
    std::uint32_t delayed_data = 0;
    std::uint16_t rcv_mss = 0;          // Linux icsk_ack.rcv_mss: the largest text seen; 0: none yet
    bool pingpong = false;

    // Negotiated in the handshake (RFC 6691, RFC 7323, RFC 2018).
    std::uint16_t snd_mss = 536;        // RFC 9293 §3.7.1: the default without an MSS option
    std::uint8_t snd_wscale = 0;
    std::uint8_t rcv_wscale = 0;
    bool ws_ok = false;                 // both SYNs carried window scale (RFC 7323 §1.3)
    bool sack_ok = false;
    bool ts_ok = false;
    std::uint32_t ts_recent = 0;
    std::uint32_t ts_offset = 0;

    CloseReason reason = CloseReason::none;
    std::array<Time, timer_count> deadline{never, never, never, never, never, never};

    [[nodiscard]] constexpr Time at(Timer t) const { return deadline[static_cast<std::size_t>(t)]; }
    [[nodiscard]] constexpr std::uint32_t in_flight() const { return snd_nxt - snd_una; }
    [[nodiscard]] constexpr std::uint32_t max_send_window() const { return max_snd_wnd > snd_wnd ? max_snd_wnd : snd_wnd; }
    [[nodiscard]] constexpr bool fin_acked() const { return fin_sent && snd_una == snd_nxt; }

    friend constexpr bool operator==(const Tcb&, const Tcb&) = default;
};

// The earliest deadline and the timer it belongs to (style: the driver sleeps until then).
struct Deadline {
    Time at = never;
    Timer timer = Timer::retransmission;
    friend constexpr bool operator==(const Deadline&, const Deadline&) = default;
};

template <class S>
constexpr Deadline next_deadline(const Tcb<S>& t) {
    Deadline d;
    for (std::size_t i = 0; i < timer_count; ++i)
        if (t.deadline[i] < d.at) d = {t.deadline[i], static_cast<Timer>(i)};
    return d;
}

// Events, named as in §3.10.
template <class S>
struct Open {
    bool passive = false;
    S iss{};                     // chosen by the caller, e.g. per RFC 6528
    std::uint32_t ts_offset = 0; // RFC 7323 §5.4: a per-connection offset to the timestamp clock
};
struct Send { std::uint32_t bytes = 0; };
struct Receive { std::uint32_t bytes = 0; };
struct Close { bool full = true; };  // full: close(); false: shutdown(SHUT_WR), the RFC's CLOSE
struct Abort {};
template <class S>
struct SegmentArrives {
    Segment<S> seg;
    // The ISS of the connection this segment opens, if it is a SYN that a LISTEN TCB takes: one
    // fresh ISS per attempt (§3.4.1 MUST-8, RFC 6528), chosen by the caller as for OPEN. Without
    // one, a listener's first attempt uses the ISS its OPEN gave, and each later one that ISS
    // moved half the space (as far from every number the failed attempt used as can be).
    std::optional<S> iss{};
};
struct Timeout { Timer timer = Timer::retransmission; };

// The output budget: at most this many segments leave one endpoint in one step (Effects holds
// them without allocating). It caps a burst as a congestion window of 4 segments would, and it
// is the only such cap (the model has no congestion control): output() stops at it and keeps
// the rest queued, and the rest is always sent later - by the ACK that the segments in flight
// draw, or, when nothing is in flight, by the retransmission timer that output() arms for it.
// docs/design.md, "Output budget".
inline constexpr std::size_t max_segments_per_step = 4;

template <class S>
struct Effects {
    std::array<Segment<S>, max_segments_per_step> segments{};
    std::uint8_t segment_count = 0;
    std::uint16_t notices = 0;
    UserError error = UserError::ok;
    std::uint32_t bytes_read = 0;  // Receive: bytes handed to the user
    bool eof = false;              // Receive: no bytes left and the peer has closed
    bool released = false;         // the TCB was deleted (entered CLOSED) in this step
    Deadline next{};

    [[nodiscard]] constexpr bool has(Notice n) const { return (notices & static_cast<std::uint16_t>(n)) != 0; }
    [[nodiscard]] constexpr const Segment<S>* begin() const { return segments.data(); }
    [[nodiscard]] constexpr const Segment<S>* end() const { return segments.data() + segment_count; }
    [[nodiscard]] constexpr std::size_t size() const { return segment_count; }
    [[nodiscard]] constexpr const Segment<S>& operator[](std::size_t i) const { return segments[i]; }
};

template <class S>
struct StepResult {
    Tcb<S> tcb;
    Effects<S> effects;
};

} // namespace synfin
