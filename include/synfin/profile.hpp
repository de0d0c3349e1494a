// Profiles: the knobs on which TCP implementations (and broken variants) differ, as data.
// RFC 9293 §3.4.2 (MSL, TIME-WAIT), §3.8.1 (retransmission), RFC 1122 §4.2.2.13 (close with
// unread data), §4.2.3.5 (R1/R2), §4.2.3.6 (keepalive), RFC 6298 (RTO), RFC 5961 (challenge
// ACKs), RFC 1337 (TIME-WAIT assassination), RFC 7323 (window scale, timestamps), RFC 2018 (SACK).
// Linux values name the sysctl or constant they come from (include/net/tcp.h,
// Documentation/networking/ip-sysctl.rst).
#pragma once

#include <cstdint>
#include <string_view>

namespace synfin {

// Time is whatever unit the caller counts in; the built-in profiles count milliseconds and the
// checker's profiles count ticks. The model only adds and compares.
using Time = std::int64_t;
using Duration = std::int64_t;

inline constexpr int unbounded = -1;

struct Profile {
    std::string_view name = "custom";
    std::string_view breaks = {};      // broken variants: the property this variant must fail

    Duration msl = 0;
    Duration time_wait = 0;            // §3.4.2: 2*MSL
    Duration rto_initial = 0;          // RFC 6298 §2.1
    Duration rto_max = 0;
    Duration rto_min = 0;              // >0: the RTO once synchronized (conformance F2)
    Duration rto_after_syn_timeout = 0; // >0: RFC 6298 §5.7: once a SYN timed out, the synchronized RTO is at least this
    int syn_retries = 0;               // SYN retransmissions before giving up (R2 for SYN)
    int syn_linear_timeouts = 0;       // SYN-SENT: the first N retransmissions keep the initial RTO (F1)
    Duration syn_resend_after_bad_ack = 0; // SYN-SENT: an unacceptable ACK brings the first retransmission forward to this (F11)
    int synack_retries = 0;            // SYN+ACK retransmissions, or `unbounded`
    int data_retries = 0;              // data/FIN retransmissions (R2)
    Duration fin_wait_2_timeout = 0;   // 0: none (RFC); Linux: orphans only
    Duration delayed_ack = 0;          // 0: ACK a FIN at once; >0: hold it, so CLOSE can merge it
    bool delay_fin_ack_after_data_only = false; // Linux: ato is 0 until data arrives (conformance F5)
    bool interactive_delayed_ack = false; // text is ACKed after delayed_ack once the connection is interactive (F8)
    Duration user_timeout = 0;         // 0: none (§3.10.8)

    bool keepalive = false;            // RFC 1122 §4.2.3.6: MUST default to off
    Duration keepalive_time = 0;
    Duration keepalive_intvl = 0;
    int keepalive_probes = 0;
    bool rst_on_keepalive_timeout = false;

    bool rfc5961 = false;              // challenge ACKs (RFC 5961 §3, §4, §5)
    Duration invalid_ack_ratelimit = 0; // >0: at most one ACK per this long for out-of-window segments and challenges (F4)
    bool rfc1337 = false;              // true: an RST in TIME-WAIT is ignored
    bool time_wait_syn_reopens = false; // a SYN above RCV.NXT in TIME-WAIT starts a new connection
    bool rst_on_close_with_unread = true; // RFC 9293 §3.6 SHLD-3 (RFC 1122 §4.2.2.13): CLOSE with unread data, or data after CLOSE
    bool rst_on_abort = true;             // RFC 9293 §3.10.5: ABORT sends <SEQ=SND.NXT><CTL=RST>
    bool rst_on_synack_giveup = false;    // the seed's note (claim 6) says RST; neither RFC nor Linux
    bool rst_on_retry_giveup = false;     // RST when R2 is reached on a synchronized connection
    bool rst_carries_ack = false;         // ABORT's RST: RFC <SEQ=SND.NXT><CTL=RST>; Linux adds ACK
    bool resend_synack_on_dup_syn = false; // a retransmitted SYN in SYN-RECEIVED gets the SYN+ACK again
    bool time_wait_restart_on_ack = false; // any ACK-bearing segment restarts TIME-WAIT
    bool listen_drops_syn_fin = false;     // LISTEN discards a SYN that also carries FIN
    bool simultaneous_open_keeps_syn_timer = false; // SYN-SENT's retransmission timer, count and backoff go on in SYN-RECEIVED
    bool fin_beyond_window_accepted = false; // a FIN just past RCV.NXT+RCV.WND is taken, not trimmed
    bool rst_at_fin_resets = false;    // CLOSE-WAIT, LAST-ACK, CLOSING: an RST at RCV.NXT-1 resets too
    bool time_wait_ack_unless_bare = false; // TIME-WAIT ACKs all but a bare segment or RST at RCV.NXT
    bool old_segment_to_rcv_wup = false; // a segment ending at or above RCV.WUP is processed, though old
    bool crossing_synack_window_scaled = false; // the SYN,ACK that ends a simultaneous open has its window scaled
    bool receive_after_fin_is_eof = false; // §3.10.3: RECEIVE after the peer's FIN, nothing on hand: "connection closing" (RFC) or end of file
    bool unread_outlives_connection = false; // received bytes stay readable in CLOSED (conformance F10)
    bool data_after_close_answers_segment = false; // data after a full CLOSE: <SEQ=SEG.ACK><CTL=RST>, not ABORT's RST (F6)
    bool orphan_fin_wait_2_time_wait_socket = false; // an orphan in FIN-WAIT-2 checks segments as RFC 793 does (F7)

    // Mechanisms that broken variants remove.
    bool three_way_handshake = true;   // false: LISTEN + SYN goes straight to ESTABLISHED
    bool closing_state = true;         // false: a FIN in FIN-WAIT-1 is ignored
    bool sequence_check = true;        // false: every segment is taken as if it began at RCV.NXT
    bool synack_ack_check = true;      // false: SYN-SENT takes a SYN+ACK whatever it acknowledges

    // What this endpoint offers in its SYN or SYN+ACK.
    std::uint16_t mss = 1460;
    std::uint8_t wscale = 7;           // 0xff: no window scale option
    bool sack = true;
    bool timestamps = false;
    std::uint16_t syn_window = 65535;  // window field in SYN and SYN+ACK (never scaled, RFC 7323 §2.2)
    std::uint32_t rcv_wnd = 65535;     // RCV.WND in bytes after the handshake

    friend constexpr bool operator==(const Profile&, const Profile&) = default;
};

// Linux's window scale follows from its largest receive buffer: tcp_select_initial_window()
// shifts until the buffer fits in 16 bits, capped at 14 (RFC 7323 §2.3).
constexpr std::uint8_t linux_wscale(std::uint64_t tcp_rmem_max, std::uint64_t rmem_max) {
    std::uint64_t space = tcp_rmem_max > rmem_max ? tcp_rmem_max : rmem_max;
    std::uint8_t shift = 0;
    while (space > 0xffff && shift < 14) {
        space >>= 1;
        ++shift;
    }
    return shift;
}

namespace profiles {

inline constexpr Duration second = 1000;

// RFC 9293 as written, with RFC 1122's numbers where 9293 defers to them.
constexpr Profile rfc9293() {
    Profile p;
    p.name = "rfc9293";
    p.msl = 120 * second;              // §3.4.2, RFC 1122 §4.2.2.13 suggestion
    p.time_wait = 2 * p.msl;
    p.rto_initial = 1 * second;        // RFC 6298 §2.1
    p.rto_max = 60 * second;           // RFC 6298 §2.5 allows an upper bound of at least 60 s
    p.rto_after_syn_timeout = 3 * second; // RFC 6298 §5.7
    p.syn_retries = 7;                 // 1+2+...+128 s > 3 min: RFC 1122 §4.2.3.5 R2 for SYN
    p.synack_retries = 7;
    p.data_retries = 6;                // 127 s > 100 s: RFC 1122 §4.2.3.5 R2
    p.keepalive_time = 7200 * second;  // RFC 1122 §4.2.3.6: no less than two hours
    p.keepalive_intvl = 75 * second;
    p.keepalive_probes = 9;
    p.timestamps = false;
    return p;
}

// What a default Linux (5.x/6.x) kernel does. Each number names its source. (Not named linux():
// GCC and Clang predefine `linux` as a macro under -std=gnu++20.)
constexpr Profile linux_default() {
    Profile p;
    p.name = "linux";
    p.msl = 30 * second;               // TCP_TIMEWAIT_LEN is 60 s = 2*MSL
    p.time_wait = 60 * second;         // TCP_TIMEWAIT_LEN
    p.rto_initial = 1 * second;        // TCP_TIMEOUT_INIT
    // rto_after_syn_timeout stays 0: after a SYN timeout Linux 6.18 retransmits data after
    // rto_min with timestamps (their echo is an RTT sample) and after the initial 1 s without
    // (tests/pkt/syn_timeout_rto*.pkt, under upstream packetdrill), never after 3 s.
    p.rto_max = 120 * second;          // TCP_RTO_MAX
    p.rto_min = 200;                   // srtt + 4*rttvar, at least net.ipv4.tcp_rto_min_us; srtt ~ 0 on a LAN
    p.syn_retries = 6;                 // net.ipv4.tcp_syn_retries
    p.syn_linear_timeouts = 4;         // net.ipv4.tcp_syn_linear_timeouts (Linux 6.5+)
    p.syn_resend_after_bad_ack = 8;    // tcp_rcv_synsent_state_process: TCP_TIMEOUT_MIN, 2 jiffies at HZ=250
    p.synack_retries = 5;              // net.ipv4.tcp_synack_retries; then the request is dropped
    p.data_retries = 15;               // net.ipv4.tcp_retries2
    p.fin_wait_2_timeout = 60 * second; // net.ipv4.tcp_fin_timeout, for orphaned sockets
    p.delayed_ack = 40;                // TCP_DELACK_MIN: tcp_fin() enters pingpong mode
    p.delay_fin_ack_after_data_only = true; // icsk_ack.ato is set by tcp_event_data_recv only
    p.interactive_delayed_ack = true;  // tcp_event_data_sent: pingpong mode, net.ipv4.tcp_pingpong_thresh = 1
    p.keepalive_time = 7200 * second;  // net.ipv4.tcp_keepalive_time
    p.keepalive_intvl = 75 * second;   // net.ipv4.tcp_keepalive_intvl
    p.keepalive_probes = 9;            // net.ipv4.tcp_keepalive_probes
    p.rst_on_keepalive_timeout = true; // tcp_keepalive_timer: tcp_send_active_reset
    p.rfc5961 = true;                  // tcp_validate_incoming, tcp_send_challenge_ack
    p.invalid_ack_ratelimit = 500;     // net.ipv4.tcp_invalid_ratelimit: tcp_oow_rate_limited
    p.rfc1337 = false;                 // net.ipv4.tcp_rfc1337 = 0
    p.time_wait_syn_reopens = true;    // tcp_timewait_state_process: TCP_TW_SYN
    p.simultaneous_open_keeps_syn_timer = true; // tcp_rcv_synsent_state_process: one icsk_retransmits, one timer
    p.time_wait_restart_on_ack = true; // tcp_timewait_state_process: inet_twsk_reschedule
    p.rst_carries_ack = true;          // tcp_send_active_reset: RST|ACK
    p.rst_on_retry_giveup = false;     // tcp_write_err: no RST when retries2 runs out
    p.resend_synack_on_dup_syn = true; // tcp_check_req: inet_rtx_syn_ack on a retransmitted SYN
    p.listen_drops_syn_fin = true;     // tcp_rcv_state_process, TCP_LISTEN: "if (th->fin) goto discard"
    p.fin_beyond_window_accepted = true; // the model's behaviour before issue 10; not checked on the kernel
    p.rst_at_fin_resets = true;        // tcp_reset_check
    p.time_wait_ack_unless_bare = true; // tcp_timewait_state_process: "it may be only reset or bare ack"
    p.old_segment_to_rcv_wup = true;   // tcp_sequence: "before(end_seq, tp->rcv_wup)" is the only lower edge
    p.crossing_synack_window_scaled = true; // tcp_rcv_state_process TCP_SYN_RECV: snd_wnd = window << snd_wscale
    p.receive_after_fin_is_eof = true; // tcp_recvmsg: RCV_SHUTDOWN with an empty queue returns 0
    p.unread_outlives_connection = true; // tcp_done keeps sk_receive_queue; tcp_recvmsg reads it before sk_err
    p.data_after_close_answers_segment = true; // tcp_rcv_state_process TCP_FIN_WAIT1/2: tcp_reset, then tcp_v4_send_reset
    p.orphan_fin_wait_2_time_wait_socket = true; // tcp_time_wait(sk, TCP_FIN_WAIT2, tmo); tcp_timewait_state_process
    p.mss = 1460;                      // MTU 1500 - 40
    p.wscale = linux_wscale(6291456, 212992); // net.ipv4.tcp_rmem[2], net.core.rmem_max -> 7
    p.sack = true;                     // net.ipv4.tcp_sack
    p.timestamps = true;               // net.ipv4.tcp_timestamps
    p.syn_window = 64240;              // tcp_select_initial_window: 44 * MSS rounded, on a 1500 MTU
    p.rcv_wnd = 65535;
    return p;
}

// Broken variants: each removes one mechanism and names the property that must then fail.

constexpr Profile two_way_handshake() {
    Profile p = rfc9293();
    p.name = "two_way_handshake";
    p.breaks = "no_half_open_leak";
    p.three_way_handshake = false;
    return p;
}

// RFC 9293 with the two protections of TIME-WAIT that it leaves optional: RFC 1337 (ignore RST
// in TIME-WAIT) and RFC 5961 (challenge ACK instead of reset for an in-window SYN). The checker
// finds that without them an old duplicate ends TIME-WAIT early (docs/properties.md); this is
// the profile on which no_stale_acceptance holds, and the base of the two TIME-WAIT variants,
// so that their failure is due to TIME-WAIT's length alone.
constexpr Profile rfc9293_hardened() {
    Profile p = rfc9293();
    p.name = "rfc9293_hardened";
    p.rfc1337 = true;
    p.rfc5961 = true;
    return p;
}

constexpr Profile no_time_wait() {
    Profile p = rfc9293_hardened();
    p.name = "no_time_wait";
    p.breaks = "no_stale_acceptance";
    p.time_wait = 0;
    return p;
}

constexpr Profile short_time_wait() {
    Profile p = rfc9293_hardened();
    p.name = "short_time_wait";
    p.breaks = "no_stale_acceptance";
    p.time_wait = p.msl;
    return p;
}

constexpr Profile no_sequence_check() {
    Profile p = rfc9293();
    p.name = "no_sequence_check";
    p.breaks = "in_order_exactly_once";
    p.sequence_check = false;
    return p;
}

constexpr Profile unchecked_synack() {
    Profile p = rfc9293();
    p.name = "unchecked_synack";
    p.breaks = "handshake_agreement";
    p.synack_ack_check = false;
    return p;
}

constexpr Profile unbounded_synack_retries() {
    Profile p = rfc9293();
    p.name = "unbounded_synack_retries";
    p.breaks = "no_half_open_leak";
    p.synack_retries = unbounded;
    return p;
}

constexpr Profile no_keepalive() {
    Profile p = rfc9293();
    p.name = "no_keepalive";
    p.breaks = "no_half_open_leak";
    p.keepalive = false;
    return p;
}

constexpr Profile no_closing_state() {
    Profile p = rfc9293();
    p.name = "no_closing_state";
    p.breaks = "simultaneous_close_converges";
    p.closing_state = false;
    return p;
}

// Not in the list: without retransmission a lost segment leaves its sender waiting
// with nothing armed, which is what no_deadlock must catch.
constexpr Profile no_retransmission() {
    Profile p = rfc9293();
    p.name = "no_retransmission";
    p.breaks = "no_deadlock";
    p.rto_initial = 0;
    return p;
}

// RFC 1122 §4.2.3.5: at R2 the retransmission of data or FIN MUST end in closing the
// connection. Without that bound, a FIN the network keeps losing is sent forever: a timer is
// always armed, so no_deadlock holds, while the connection never finishes.
constexpr Profile unbounded_data_retries() {
    Profile p = linux_default(); // whose orphan FIN-WAIT-2 timeout leaves only this livelock
    p.name = "unbounded_data_retries";
    p.breaks = "no_livelock";
    p.data_retries = unbounded;
    return p;
}

// Gives up after one retransmission: at RTO, then 2*RTO, before the answer to the first send can
// be back (RFC 1122 §4.2.3.5 asks R2 to cover at least 100 s for data, 3 min for a SYN), so it
// times out a live peer whose answer is merely slow.
constexpr Profile impatient() {
    Profile p = rfc9293();
    p.name = "impatient";
    p.breaks = "no_spurious_timeout";
    p.syn_retries = 1;
    p.synack_retries = 1;
    p.data_retries = 1;
    return p;
}

// RFC 9293 §3.6 (SHLD-3): a CLOSE that leaves received bytes unread, and bytes that arrive after
// it, are lost, and an RST tells the peer so. Without it the peer's release looks orderly: its
// user believes every byte it sent was taken.
constexpr Profile silent_close() {
    Profile p = rfc9293();
    p.name = "silent_close";
    p.breaks = "no_silent_data_loss";
    p.rst_on_close_with_unread = false;
    return p;
}

// RFC 9293 §3.10.5: ABORT sends an RST. Without it the peer of an aborted connection holds its
// half forever unless something else (keepalive, a retry limit) finds out.
constexpr Profile silent_abort() {
    Profile p = rfc9293();
    p.name = "silent_abort";
    p.breaks = "no_half_open_leak";
    p.rst_on_abort = false;
    return p;
}

} // namespace profiles
} // namespace synfin
