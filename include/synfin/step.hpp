// step: the pure transition function of one TCP endpoint, RFC 9293 §3.10 (Event Processing).
// Read with RFC 9293 §3.10 open; RFC 1122 §4.2 (host requirements), RFC 5961 (challenge ACKs),
// RFC 1337 (TIME-WAIT assassination), RFC 7323 (window scale, timestamps), RFC 6298 (RTO).
// Each rule cites its section. Where Linux departs from the RFC, a profile knob selects it.
#pragma once

#include "tcb.hpp"

namespace synfin {

// RFC 7323 §2.3: a window of at most a quarter of the sequence space keeps the comparisons of
// §3.4 unambiguous. Beyond it, a segment from half a space back falls in the window (with
// Seq<16> and a 64 KiB window, an RST 30000 behind RCV.NXT would be taken). OPEN refuses a
// profile whose windows do not fit its space.
template <class S>
inline constexpr std::uint32_t max_window = S::half / 2;

template <class S>
constexpr bool windows_fit(const Profile& p) {
    return p.rcv_wnd <= max_window<S> && p.syn_window <= max_window<S>;
}

namespace detail {

template <class S>
class Machine {
public:
    // Works in place on the result that step() returns, so nothing is copied out at the end.
    constexpr Machine(StepResult<S>& result, Time now, const Profile& profile)
        : t_(result.tcb), fx_(result.effects), now_(now), p_(profile) {}

    constexpr void finish() { fx_.next = next_deadline(t_); }

    constexpr void handle(const Open<S>& e) { open(e); }
    constexpr void handle(const Send& e) { send(e); }
    constexpr void handle(const Receive& e) { receive(e); }
    constexpr void handle(const Close& e) { close(e); }
    constexpr void handle(const Abort&) { abort(); }
    constexpr void handle(const SegmentArrives<S>& e) {
        offered_iss_ = e.iss;
        segment_arrives(e.seg);
    }
    constexpr void handle(const Timeout& e) { timeout(e.timer); }

    // ---- user calls (§3.10.1 - §3.10.5) -------------------------------------------------------

    constexpr void open(const Open<S>& o) {
        if (t_.state != State::closed && !(t_.state == State::listen && !o.passive)) {
            fx_.error = UserError::connection_already_exists; // §3.10.1 other states
            return;
        }
        if (!windows_fit<S>(p_)) { fx_.error = UserError::window_exceeds_sequence_space; return; }
        t_ = Tcb<S>{};
        t_.iss = o.iss;
        t_.ts_offset = o.ts_offset;
        t_.rcv_wnd = p_.rcv_wnd;
        if (o.passive) {
            enter(State::listen); // §3.10.1 CLOSED, passive
            return;
        }
        t_.snd_una = t_.iss; // §3.10.1: SND.UNA = ISS, SND.NXT = ISS+1, send <SEQ=ISS><CTL=SYN>
        t_.snd_nxt = t_.iss + 1;
        emit_syn(false);
        enter(State::syn_sent);
    }

    constexpr void send(const Send& s) {
        switch (t_.state) {
        case State::closed: fx_.error = UserError::connection_does_not_exist; return; // §3.10.2
        case State::listen: fx_.error = UserError::remote_socket_unspecified; return;
        case State::syn_sent:
        case State::syn_received:
        case State::established:
        case State::close_wait:
            if (t_.fin_queued) { fx_.error = UserError::connection_closing; return; }
            t_.send_queued += s.bytes; // queued until ESTABLISHED in SYN-SENT / SYN-RECEIVED
            output();
            return;
        default: fx_.error = UserError::connection_closing; return; // §3.10.2 closing states
        }
    }

    // §3.10.3. The FIN implies PUSH (§3.10.7.4, eighth), so text that arrived before it is handed
    // over first in every state; "connection closing" answers only a RECEIVE with nothing on hand.
    constexpr void receive(const Receive& r) {
        if (t_.state == State::closed) {
            // Linux's socket keeps its receive queue until close(): the bytes, then the error of
            // the reset or timeout, or end of file after an orderly release (conformance F10).
            const bool kept = p_.unread_outlives_connection && t_.reason != CloseReason::none;
            if (kept && t_.unread > 0) { hand_over(r.bytes); return; }
            if (kept && t_.reason == CloseReason::closed_normally) { fx_.eof = true; return; }
            fx_.error = UserError::connection_does_not_exist;
            return;
        }
        const bool closing = remote_closed(t_.state);
        if (closing && t_.unread == 0) {
            fx_.eof = true;
            if (!p_.receive_after_fin_is_eof) fx_.error = UserError::connection_closing; // CLOSE-WAIT .. TIME-WAIT
            return;
        }
        hand_over(r.bytes);
        fx_.eof = t_.unread == 0 && closing;
    }

    constexpr void hand_over(std::uint32_t want) {
        std::uint32_t n = want < t_.unread ? want : t_.unread;
        t_.unread -= n;
        fx_.bytes_read = n;
    }

    constexpr void close(const Close& c) {
        switch (t_.state) {
        case State::closed: fx_.error = UserError::connection_does_not_exist; return; // §3.10.4
        case State::listen:
        case State::syn_sent: release(CloseReason::closed_normally, Notice::closed); return;
        default: break;
        }
        // Not in TIME-WAIT: as ABORT there (§3.10.5), no RST, and the 2 MSL must run out.
        if (c.full && t_.unread > 0 && p_.rst_on_close_with_unread && t_.state != State::time_wait) {
            send_rst_for_abort(); // RFC 1122 §4.2.2.13: data would be lost, so say so with RST
            release(CloseReason::aborted, Notice::closed);
            return;
        }
        if (local_closed(t_.state)) { // §3.10.4 FIN-WAIT-x, CLOSING, LAST-ACK, TIME-WAIT
            if (c.full && !t_.orphan) {
                t_.orphan = true; // close() after shutdown(SHUT_WR): now an orphan
                if (t_.state == State::fin_wait_2) start_fin_wait_2_timer();
                return;
            }
            fx_.error = UserError::connection_closing;
            return;
        }
        t_.orphan = c.full;
        t_.fin_queued = true;
        if (t_.state == State::close_wait) {
            enter(State::last_ack); // §3.10.4 CLOSE-WAIT
        } else if (t_.state == State::established) {
            enter(State::fin_wait_1); // §3.10.4 ESTABLISHED
        }
        // §3.10.4 SYN-RECEIVED: the FIN waits for ESTABLISHED (the RFC's "otherwise" case taken
        // always, as Linux does, so a FIN never precedes the ACK of our SYN).
        output();
    }

    constexpr void abort() {
        switch (t_.state) {
        case State::closed: fx_.error = UserError::connection_does_not_exist; return; // §3.10.5
        case State::listen:
        case State::syn_sent: release(CloseReason::aborted, Notice::reset); return;
        case State::closing:
        case State::last_ack:
        case State::time_wait: release(CloseReason::aborted, Notice{}); return;
        default:
            if (p_.rst_on_abort) send_rst_for_abort(); // §3.10.5: <SEQ=SND.NXT><CTL=RST>
            release(CloseReason::aborted, Notice::reset);
            return;
        }
    }

    // ---- timeouts (§3.10.8) -----------------------------------------------------------------

    constexpr void timeout(Timer timer) {
        auto& due = t_.deadline[static_cast<std::size_t>(timer)];
        if (due == never || due > now_) return; // not armed or not yet due: nothing happens
        due = never;
        switch (timer) {
        case Timer::retransmission: retransmission_timeout(); return;
        case Timer::delayed_ack:
            if (t_.ack_pending) {
                ack_now_ = true;
                t_.pingpong = false; // Linux tcp_delack_timer_handler: "Delayed ACK missed: leave pingpong mode"
            }
            flush_ack();
            return;
        case Timer::time_wait: release(CloseReason::closed_normally, Notice::closed); return; // §3.10.8
        case Timer::keepalive: keepalive_timeout(); return;
        case Timer::user_timeout: release(CloseReason::timed_out, Notice::timed_out); return; // §3.10.8
        case Timer::fin_wait_2:
            // Linux: an orphan in FIN-WAIT-2 dies silently after tcp_fin_timeout (tcp_time_wait
            // with substate FIN_WAIT2).
            release(CloseReason::timed_out, Notice::timed_out);
            return;
        }
    }

    // ---- SEGMENT ARRIVES (§3.10.7) ------------------------------------------------------------

    constexpr void segment_arrives(const Segment<S>& seg) {
        switch (t_.state) {
        case State::closed: in_closed(seg); return;
        case State::listen: in_listen(seg); return;
        case State::syn_sent: in_syn_sent(seg); return;
        case State::time_wait: in_time_wait(seg); return;
        default: in_other(seg); return;
        }
    }

private:
    Tcb<S>& t_;
    Effects<S>& fx_;
    Time now_;
    const Profile& p_;
    bool ack_now_ = false;
    bool crossing_synack_ = false;   // the segment is the SYN,ACK that ends a simultaneous open
    std::optional<S> offered_iss_{}; // SegmentArrives::iss

    // The one place the state changes (style: a trace or a counter hooks in here).
    constexpr void enter(State s) {
        t_.state = s;
        switch (s) {
        case State::closed:
            fx_.released = true;
            t_.deadline = {never, never, never, never, never, never};
            break;
        case State::time_wait:
            // §3.10.7.4 eighth: start the time-wait timer, turn off the other timers.
            t_.deadline = {never, never, never, never, never, never};
            set(Timer::time_wait, p_.time_wait);
            t_.last_oow_ack = never; // Linux: a new time-wait socket (tcp_time_wait)
            break;
        case State::fin_wait_2:
            set_never(Timer::retransmission);
            start_fin_wait_2_timer();
            if (t_.orphan) t_.last_oow_ack = never; // the orphan's time-wait socket
            break;
        case State::established:
            arm_keepalive();
            if (t_.passive) t_.last_oow_ack = never; // the request socket's child (tcp_create_openreq_child)
            break;
        default: break;
        }
    }

    constexpr void release(CloseReason why, Notice n) {
        t_.reason = why;
        if (static_cast<std::uint16_t>(n) != 0) note(n);
        t_.fin_queued = t_.fin_sent = t_.ack_pending = false;
        t_.send_queued = 0;
        enter(State::closed);
    }

    // SYN-RECEIVED of a passive OPEN goes back to LISTEN (§3.10.7.4 second and fourth).
    constexpr void back_to_listen() {
        if (t_.fin_queued) { // the user has closed: there is no listener to return to
            release(CloseReason::reset, Notice::reset);
            return;
        }
        Tcb<S> fresh{};
        // §3.4.1 MUST-8, RFC 6528: the next attempt must not reuse this ISS, or a delayed ACK of
        // the failed attempt would complete it. The caller's ISS for the next SYN replaces this.
        fresh.iss = t_.iss + S::half;
        fresh.ts_offset = t_.ts_offset;
        fresh.rcv_wnd = p_.rcv_wnd;
        t_ = fresh;
        enter(State::listen);
    }

    // Every change of SND.WND goes through here, so that MAX.SND.WND (RFC 5961 §5.2) follows.
    constexpr void set_send_window(std::uint32_t w) {
        if (w < t_.snd_wnd && t_.snd_wnd > t_.max_snd_wnd) t_.max_snd_wnd = t_.snd_wnd;
        t_.snd_wnd = w;
    }

    constexpr void note(Notice n) { fx_.notices |= static_cast<std::uint16_t>(n); }

    constexpr void set(Timer timer, Duration d) {
        if (timer == Timer::retransmission && p_.rto_initial <= 0) return; // variant no_retransmission
        t_.deadline[static_cast<std::size_t>(timer)] = now_ + d;
    }
    constexpr void set_never(Timer timer) { t_.deadline[static_cast<std::size_t>(timer)] = never; }
    [[nodiscard]] constexpr bool armed(Timer timer) const { return t_.at(timer) != never; }

    constexpr void start_fin_wait_2_timer() {
        if (t_.orphan && p_.fin_wait_2_timeout > 0) set(Timer::fin_wait_2, p_.fin_wait_2_timeout);
    }

    // RFC 1122 §4.2.3.6: probe only an idle connection, and only if the application asked.
    constexpr void arm_keepalive() {
        if (!p_.keepalive) return;
        t_.keepalive_probes = 0;
        set(Timer::keepalive, p_.keepalive_time);
    }

    [[nodiscard]] constexpr Duration rto() const {
        // RFC 6298 §2.2-2.3: after an RTT sample the RTO follows the RTT; Linux's floor is
        // tcp_rto_min, which is all of it on a LAN (conformance F2).
        // RFC 6298 §3 (Karn): the answer to a retransmitted SYN is no RTT sample, so without one
        // from the timestamps (RFC 7323 §4; Linux tcp_ack_update_rtt) the RTO stays the initial.
        const bool open = synchronized(t_.state) && t_.state != State::syn_received;
        const bool sampled = !t_.syn_timed_out || t_.ts_ok;
        Duration base = p_.rto_min > 0 && open && sampled ? p_.rto_min : p_.rto_initial;
        // RFC 6298 §5.7: after a SYN timed out, data waits at least rto_after_syn_timeout (3 s).
        if (t_.syn_timed_out && open && base < p_.rto_after_syn_timeout) base = p_.rto_after_syn_timeout;
        return backed_off(base, t_.retries);
    }

    // RFC 6298 §5.5: back off after each retransmission. Linux 6.5+ keeps SYN-SENT's first
    // tcp_syn_linear_timeouts retransmissions at the initial RTO (conformance F1).
    [[nodiscard]] constexpr Duration backed_off(Duration r, int retries) const {
        int doublings = retries;
        if (t_.state == State::syn_sent && p_.syn_linear_timeouts > 0)
            doublings = retries > p_.syn_linear_timeouts ? retries - p_.syn_linear_timeouts : 0;
        else if (t_.state == State::syn_received && !t_.passive)
            doublings = retries > t_.syn_linear_spent ? retries - t_.syn_linear_spent : 0;
        for (int i = 0; i < doublings && r < p_.rto_max; ++i) r *= 2;
        return r < p_.rto_max ? r : p_.rto_max;
    }

    // Linux tcp_write_timeout with linear SYN timeouts: SYN-SENT gives up after syn_retries +
    // tcp_syn_linear_timeouts retransmissions, or once as long has passed since the first SYN as
    // syn_retries doubling ones would take (tcp_model_timeout), whichever comes first.
    [[nodiscard]] constexpr bool syn_sent_gives_up() const {
        const int n = p_.syn_retries, linear = p_.syn_linear_timeouts;
        if (t_.retries >= n + linear) return true;
        Duration elapsed = 0, model = 0, r = p_.rto_initial;
        for (int k = 0; k <= t_.retries; ++k) elapsed += backed_off(p_.rto_initial, k);
        for (int k = 0; k <= n; ++k, r = r * 2 < p_.rto_max ? r * 2 : p_.rto_max) model += r;
        return elapsed >= model;
    }

    // ---- building segments --------------------------------------------------------------------

    constexpr void emit(Segment<S> seg) {
        if (seg.len > 0) data_sent();
        if (t_.ts_ok && !seg.flags.rst()) {
            seg.opt.timestamps = true; // RFC 7323 §3.2: on every segment once negotiated
            seg.opt.ts_val = static_cast<std::uint32_t>(now_) + t_.ts_offset;
            seg.opt.ts_ecr = t_.ts_recent;
        }
        if (seg.flags.ack()) {
            t_.ack_pending = false;
            t_.delayed_data = 0;
            ack_now_ = false;
            set_never(Timer::delayed_ack);
        }
        if (fx_.segment_count < max_segments_per_step) fx_.segments[fx_.segment_count++] = seg;
    }

    [[nodiscard]] constexpr std::uint16_t window_field() const {
        std::uint32_t w = t_.rcv_wnd >> t_.rcv_wscale;
        return static_cast<std::uint16_t>(w > 0xffff ? 0xffff : w);
    }

    [[nodiscard]] constexpr Segment<S> ack_segment(S seq) const {
        Segment<S> s;
        s.flags = Flag::ack;
        s.seq = seq;
        s.ack = t_.rcv_nxt;
        s.wnd = window_field();
        return s;
    }

    // SYN or SYN+ACK with the options this endpoint offers; a SYN+ACK echoes only what the SYN
    // offered (RFC 7323 §1.3, §2.2; RFC 2018 §2).
    constexpr void emit_syn(bool with_ack) {
        Segment<S> s;
        s.flags = with_ack ? (Flag::syn | Flag::ack) : Flags(Flag::syn);
        s.seq = t_.iss;
        s.ack = with_ack ? t_.rcv_nxt : S{};
        s.wnd = p_.syn_window;
        s.opt.mss = p_.mss;
        // A SYN+ACK echoes window scale only if the SYN carried it, on every retransmission too.
        bool offer_ws = p_.wscale != no_wscale && (!with_ack || t_.ws_ok);
        if (offer_ws) s.opt.wscale = p_.wscale;
        s.opt.sack_permitted = p_.sack && (!with_ack || t_.sack_ok);
        if (p_.timestamps && (!with_ack || t_.ts_ok)) {
            s.opt.timestamps = true;
            s.opt.ts_val = static_cast<std::uint32_t>(now_) + t_.ts_offset;
            s.opt.ts_ecr = with_ack ? t_.ts_recent : 0;
        }
        bool negotiated_ts = t_.ts_ok;
        t_.ts_ok = false; // emit() must not overwrite the SYN's own timestamp fields
        emit(s);
        t_.ts_ok = negotiated_ts;
        if (!armed(Timer::retransmission)) set(Timer::retransmission, rto());
        arm_user_timeout(); // §3.10.8 USER TIMEOUT: the SYN is data not yet acknowledged too
    }

    // Record the peer's SYN options. On a SYN+ACK, window scale and SACK hold only if we offered
    // them too; on a SYN, snd_wscale keeps no_wscale as "not offered" until our SYN+ACK is built.
    constexpr void learn_syn_options(const Segment<S>& seg, bool we_offered) {
        t_.snd_mss = seg.opt.has_mss() ? seg.opt.mss : 536; // RFC 9293 §3.7.1, RFC 6691
        if (p_.mss != 0 && p_.mss < t_.snd_mss) t_.snd_mss = p_.mss;
        bool ws_both = seg.opt.has_wscale() && p_.wscale != no_wscale;
        t_.ws_ok = ws_both;
        if (we_offered) {
            t_.snd_wscale = ws_both ? (seg.opt.wscale > 14 ? 14 : seg.opt.wscale) : 0; // RFC 7323 §2.3
            t_.rcv_wscale = ws_both ? p_.wscale : 0;
        } else {
            t_.snd_wscale = ws_both ? (seg.opt.wscale > 14 ? 14 : seg.opt.wscale) : no_wscale;
            t_.rcv_wscale = ws_both ? p_.wscale : 0;
        }
        t_.sack_ok = seg.opt.sack_permitted && p_.sack;
        t_.ts_ok = seg.opt.timestamps && p_.timestamps;
        if (t_.ts_ok) t_.ts_recent = seg.opt.ts_val;
    }

    constexpr void finish_wscale() {
        if (t_.snd_wscale == no_wscale) t_.snd_wscale = 0;
    }

    constexpr void send_rst_for_abort() {
        Segment<S> r;
        r.flags = p_.rst_carries_ack ? (Flag::rst | Flag::ack) : Flags(Flag::rst);
        r.seq = t_.snd_nxt;
        r.ack = p_.rst_carries_ack ? t_.rcv_nxt : S{};
        emit(r);
    }

    // §3.10.7.1: the reset that a segment for no connection gets, acceptable to its sender.
    constexpr void reset_for(const Segment<S>& seg) {
        if (seg.flags.rst()) return; // an RST is never answered with an RST
        Segment<S> r;
        if (seg.flags.ack()) {
            r.flags = Flag::rst;         // <SEQ=SEG.ACK><CTL=RST>
            r.seq = seg.ack;
        } else {
            r.flags = Flag::rst | Flag::ack; // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            r.seq = S{};
            r.ack = seg.seq + seg.seg_len();
        }
        emit(r);
    }

    // RFC 5961 §3.2, §4.2, §5.2; Linux tcp_send_challenge_ack, limited per connection.
    constexpr void challenge_ack() {
        if (!oow_ack_limited(nullptr)) emit(ack_segment(t_.snd_nxt));
    }

    // RFC 5961 §10, Linux tcp_oow_rate_limited (conformance F4): at most one ACK per
    // invalid_ack_ratelimit to out-of-window segments and challenges, so that two hosts that
    // each find the other's ACK invalid do not loop. Text or a FIN without SYN is answered
    // always ("not likely part of an ACK loop"), except by a challenge ACK (seg: nullptr).
    constexpr bool oow_ack_limited(const Segment<S>* seg) {
        if (p_.invalid_ack_ratelimit <= 0) return false;
        if (seg && seg->seg_len() > 0 && !seg->flags.syn()) return false;
        if (t_.last_oow_ack != never && now_ >= t_.last_oow_ack && now_ - t_.last_oow_ack < p_.invalid_ack_ratelimit)
            return true;
        t_.last_oow_ack = now_;
        return false;
    }
    constexpr void oow_ack(const Segment<S>& seg) {
        if (!oow_ack_limited(&seg)) emit(ack_segment(t_.snd_nxt));
    }

    // RFC 9293 §3.7.1, RFC 6691 §2: the MSS option excludes TCP options, so the timestamps
    // every segment carries (12 bytes, RFC 7323 §3) come out of the payload.
    [[nodiscard]] constexpr std::uint32_t effective_send_mss() const {
        constexpr std::uint32_t timestamp_option_length = 12;
        return t_.ts_ok && t_.snd_mss > timestamp_option_length ? t_.snd_mss - timestamp_option_length : t_.snd_mss;
    }

    // Send what the window allows of the queued bytes, then the FIN once they are all out
    // (§3.10.4: "queue this until all preceding SENDs have been segmentized"). At most the
    // output budget (max_segments_per_step, tcb.hpp) leaves in one step; what it holds back is
    // not lost: the ACK that the segments in flight draw calls output() again, and with nothing
    // in flight the retransmission timer, armed below, does.
    constexpr void output() {
        if (!synchronized(t_.state) || t_.state == State::syn_received) return;
        if (t_.state == State::time_wait) return;
        while (t_.send_queued > 0 && fx_.segment_count < max_segments_per_step) {
            std::uint32_t used = t_.snd_nxt - t_.snd_una;
            // RFC 7323 §2.3: at most a quarter of the space in flight (2^30 at 32 bits, which the
            // 14-bit scale cap already keeps); it binds only in the checker's tiny spaces.
            std::uint32_t wnd = t_.snd_wnd < S::half / 2 ? t_.snd_wnd : S::half / 2;
            std::uint32_t room = wnd > used ? wnd - used : 0;
            std::uint32_t n = t_.send_queued;
            if (n > effective_send_mss()) n = effective_send_mss();
            if (n > room) n = room;
            if (n == 0) break; // window closed: no persist timer is modelled
            Segment<S> s = ack_segment(t_.snd_nxt);
            s.flags = s.flags | Flag::psh;
            s.len = n;
            t_.send_queued -= n;
            t_.snd_nxt += n;
            if (t_.send_queued == 0 && t_.fin_queued && !t_.fin_sent) {
                s.flags = s.flags | Flag::fin; // the FIN rides on the last data segment
                t_.fin_sent = true;
                t_.snd_nxt += 1;
            }
            emit(s);
            start_retransmission();
        }
        if (t_.send_queued == 0 && t_.fin_queued && !t_.fin_sent && fx_.segment_count < max_segments_per_step) {
            Segment<S> s = ack_segment(t_.snd_nxt);
            s.flags = s.flags | Flag::fin;
            t_.fin_sent = true;
            t_.snd_nxt += 1;
            emit(s);
            start_retransmission();
        }
        const bool held_back = t_.send_queued > 0 || (t_.fin_queued && !t_.fin_sent);
        if (held_back && fx_.segment_count >= max_segments_per_step && t_.in_flight() == 0) start_retransmission();
    }

    constexpr void start_retransmission() {
        if (!armed(Timer::retransmission)) set(Timer::retransmission, rto());
        set_never(Timer::keepalive); // RFC 1122 §4.2.3.6: keepalive only when nothing is in flight
        arm_user_timeout();
    }

    // §3.10.8 USER TIMEOUT (the OPEN "timeout" parameter, §3.9.1.1): abort if data stays
    // unacknowledged that long. Runs while anything is in flight; an ACK that makes progress
    // restarts it (as Linux TCP_USER_TIMEOUT does).
    constexpr void arm_user_timeout() {
        if (p_.user_timeout > 0 && !armed(Timer::user_timeout)) set(Timer::user_timeout, p_.user_timeout);
    }

    // An owed ACK goes out now, or waits for the delayed-ACK timer (RFC 1122 §4.2.3.2), or rides
    // on a segment that output() sends.
    constexpr void flush_ack() {
        if (ack_now_) emit(ack_segment(t_.snd_nxt));
    }

    // Linux tcp_event_data_sent (conformance F8): text sent within the delayed-ACK timeout of the
    // last text received makes the connection interactive (pingpong; tcp_pingpong_thresh = 1).
    constexpr void data_sent() {
        if (p_.interactive_delayed_ack && t_.last_data_arrival != never && now_ >= t_.last_data_arrival &&
            now_ - t_.last_data_arrival < p_.delayed_ack)
            t_.pingpong = true;
    }

    // RFC 1122 §4.2.3.2 lets the ACK of text wait; Linux holds it on an interactive connection for
    // a reply to carry, unless more than a full segment is then unacknowledged (__tcp_ack_snd_check).
    constexpr void ack_data(std::uint32_t len) {
        if (!p_.interactive_delayed_ack) { ack_now_ = true; return; }
        t_.last_data_arrival = now_;
        // tcp_measure_rcv_mss: the peer's full segment is the largest text seen, up to our own
        // MSS; 536 (tcp_initialize_rcv_mss) until then. Its shrinking on runs of equal segments
        // without PSH is left out: text here carries PSH.
        const std::uint32_t advmss = t_.ts_ok && p_.mss > 12 ? p_.mss - 12u : p_.mss;
        const std::uint32_t full = t_.rcv_mss != 0 ? t_.rcv_mss : (advmss < 536 ? advmss : 536);
        if (len >= full) t_.rcv_mss = static_cast<std::uint16_t>(len < advmss ? len : advmss);
        if (!t_.pingpong) { ack_now_ = true; return; }
        t_.delayed_data += len;
        if (t_.delayed_data > (t_.rcv_mss != 0 ? t_.rcv_mss : full)) ack_now_ = true;
        else owe_ack(true);
    }

    // Linux tcp_enter_quickack_mode: text seen before (tcp_send_dupack, tcp_data_queue) means the
    // peer missed an ACK, so the connection is no longer treated as interactive.
    constexpr void old_text_arrived() { t_.pingpong = false; }

    constexpr void owe_ack(bool may_delay) {
        if (may_delay && p_.delayed_ack > 0) {
            t_.ack_pending = true;
            if (!armed(Timer::delayed_ack)) set(Timer::delayed_ack, p_.delayed_ack);
        } else {
            ack_now_ = true;
        }
    }

    // ---- timeouts -----------------------------------------------------------------------------

    [[nodiscard]] constexpr int retry_limit() const {
        switch (t_.state) {
        case State::syn_sent: return p_.syn_retries;
        case State::syn_received: return t_.passive ? p_.synack_retries : p_.syn_retries;
        default: return p_.data_retries;
        }
    }

    constexpr void retransmission_timeout() {
        if (t_.in_flight() == 0) { output(); return; } // armed by output() for what its budget held back
        int limit = retry_limit();
        const bool linear_syn = t_.state == State::syn_sent && p_.syn_linear_timeouts > 0 && limit != unbounded;
        if (linear_syn ? syn_sent_gives_up() : limit != unbounded && t_.retries >= limit) {
            // RFC 1122 §4.2.3.5: at R2, close the connection. A passive SYN-RECEIVED drops back to
            // LISTEN, as Linux drops the request silently (tcp_synack_retries).
            if (t_.state == State::syn_received && t_.passive) {
                if (p_.rst_on_synack_giveup) send_rst_for_abort();
                back_to_listen();
                return;
            }
            if (p_.rst_on_retry_giveup) send_rst_for_abort();
            release(CloseReason::timed_out, Notice::timed_out);
            return;
        }
        if (t_.retries < 0xff) ++t_.retries;
        // RFC 6298 §3 and §5.7. Where the RTO after one would be what it is anyway (the checker's
        // scale, where rto_min is rto_initial), the TCB is left as it is, so that it packs without it.
        const bool matters = p_.rto_after_syn_timeout > 0 || (p_.rto_min > 0 && p_.rto_min != p_.rto_initial);
        if (matters && (t_.state == State::syn_sent || t_.state == State::syn_received)) t_.syn_timed_out = true;
        set(Timer::retransmission, rto());
        // §3.10.8: send the segment at the front of the retransmission queue again.
        if (t_.state == State::syn_sent) { emit_syn(false); return; }
        if (t_.state == State::syn_received) { emit_syn(true); return; }
        Segment<S> s = ack_segment(t_.snd_una);
        std::uint32_t data = t_.in_flight() - (t_.fin_sent ? 1u : 0u);
        std::uint32_t n = data < effective_send_mss() ? data : effective_send_mss();
        s.len = n;
        if (n > 0) s.flags = s.flags | Flag::psh;
        if (t_.fin_sent && n == data) s.flags = s.flags | Flag::fin;
        emit(s);
    }

    constexpr void keepalive_timeout() {
        if (t_.in_flight() != 0 || t_.send_queued != 0) { arm_keepalive(); return; }
        if (t_.keepalive_probes >= p_.keepalive_probes) {
            if (p_.rst_on_keepalive_timeout) send_rst_for_abort();
            release(CloseReason::timed_out, Notice::timed_out); // RFC 1122 §4.2.3.6: peer is dead
            return;
        }
        ++t_.keepalive_probes;
        // RFC 1122 §4.2.3.6: <SEQ=SND.NXT-1> with no data, which any live peer must ACK.
        emit(ack_segment(t_.snd_una - 1));
        set(Timer::keepalive, p_.keepalive_intvl);
    }

    // ---- per-state segment processing ---------------------------------------------------------

    constexpr void in_closed(const Segment<S>& seg) { reset_for(seg); } // §3.10.7.1

    // §3.10.7.2
    constexpr void in_listen(const Segment<S>& seg) {
        if (seg.flags.rst()) return;                       // first: ignore RST
        if (seg.flags.ack()) { reset_for(seg); return; }   // second: <SEQ=SEG.ACK><CTL=RST>
        if (!seg.flags.syn()) return;                      // fourth: drop
        // Linux (tcp_rcv_state_process, TCP_LISTEN): a SYN+FIN is no opening, only a probe or
        // an attack, and is discarded; the RFC takes the SYN and queues the FIN.
        if (seg.flags.fin() && p_.listen_drops_syn_fin) return;
        // third: SYN. Data and FIN on a SYN are not modelled (dropped, and the peer retransmits).
        if (offered_iss_) t_.iss = *offered_iss_; // §3.4.1 MUST-8: a fresh ISS per attempt
        t_.passive = true;
        t_.irs = seg.seq;
        t_.rcv_nxt = seg.seq + 1;
        t_.snd_una = t_.iss;
        t_.snd_nxt = t_.iss + 1;
        set_send_window(seg.wnd); // RFC 7323 §2.2: the window in a SYN is never scaled
        t_.snd_wl1 = seg.seq;
        t_.snd_wl2 = t_.iss;
        learn_syn_options(seg, false);
        emit_syn(true);
        finish_wscale();
        if (!p_.three_way_handshake) {
            // Broken variant two_way_handshake: the SYN+ACK is taken as the end of the handshake.
            t_.snd_una = t_.snd_nxt;
            set_never(Timer::retransmission);
            enter(State::established);
            note(Notice::established);
            return;
        }
        enter(State::syn_received);
    }

    // §3.10.7.3
    constexpr void in_syn_sent(Segment<S> seg) {
        bool ack_ok = false;
        if (seg.flags.ack()) { // first
            if (!p_.synack_ack_check && seg.flags.syn()) {
                seg.ack = t_.snd_nxt; // broken variant unchecked_synack: any SYN+ACK will do
            } else if (le(seg.ack, t_.iss) || gt(seg.ack, t_.snd_nxt)) {
                reset_for(seg);
                // Linux: "Previous FIN/ACK or RST/ACK might be ignored" - a peer that answers
                // with an old connection's numbers may have dropped our SYN, so send it again
                // soon, once (conformance F11).
                if (p_.syn_resend_after_bad_ack > 0 && t_.retries == 0)
                    set(Timer::retransmission, p_.syn_resend_after_bad_ack);
                return;
            }
            ack_ok = in_range_open_closed(t_.snd_una, seg.ack, t_.snd_nxt);
        }
        if (seg.flags.rst()) { // second
            if (ack_ok) release(CloseReason::refused, Notice::refused);
            return;
        }
        if (!seg.flags.syn()) return; // fifth
        // fourth: SYN
        t_.irs = seg.seq;
        t_.rcv_nxt = seg.seq + 1;
        learn_syn_options(seg, true);
        set_send_window(seg.wnd);
        t_.snd_wl1 = seg.seq;
        t_.snd_wl2 = seg.ack;
        if (ack_ok) t_.snd_una = seg.ack;
        if (gt(t_.snd_una, t_.iss)) {
            t_.retries = 0;
            set_never(Timer::retransmission);
            set_never(Timer::user_timeout); // §3.10.8: the SYN is acknowledged
            enter(State::established);
            note(Notice::established);
            ack_now_ = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, or queued data carrying it
            output();
            flush_ack();
            return;
        }
        // Simultaneous open: enter SYN-RECEIVED and send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
        enter(State::syn_received);
        if (p_.simultaneous_open_keeps_syn_timer) {
            // Linux: the SYN's timer fires for the SYN,ACK, whose retransmissions count on from the
            // SYN's towards tcp_syn_retries and double from the RTO reached (its linear ones stay).
            t_.syn_linear_spent = static_cast<std::uint8_t>(t_.retries < p_.syn_linear_timeouts ? t_.retries : p_.syn_linear_timeouts);
        } else {
            t_.retries = 0;
            set_never(Timer::retransmission);
        }
        emit_syn(true);
    }

    // RFC 9293 §3.10.7.4 first check, Table 6.
    [[nodiscard]] constexpr bool acceptable(const Segment<S>& seg) const {
        std::uint32_t len = seg.seg_len();
        if (len == 0) {
            if (t_.rcv_wnd == 0) return seg.seq == t_.rcv_nxt;
            return in_window(t_.rcv_nxt, seg.seq, t_.rcv_wnd);
        }
        if (t_.rcv_wnd == 0) return false;
        return in_window(t_.rcv_nxt, seg.seq, t_.rcv_wnd) ||
               in_window(t_.rcv_nxt, seg.seq + (len - 1), t_.rcv_wnd);
    }

    // TIME-WAIT: §3.10.7.4 with its two departures, RFC 1337 and Linux's tcp_timewait_state_process.
    constexpr void in_time_wait(const Segment<S>& seg) {
        if (seg.flags.rst()) {
            // §3.10.7.4 second: an acceptable RST ends TIME-WAIT, unless RFC 1337's fix is on.
            // With RFC 5961 only an exact RST counts; Linux drops the others silently here.
            bool exact = seg.seq == t_.rcv_nxt;
            bool counts = p_.rfc5961 ? exact : acceptable(seg);
            if (counts && !p_.rfc1337) release(CloseReason::reset, Notice{});
            return;
        }
        if (seg.flags.syn() && !seg.flags.ack() && p_.time_wait_syn_reopens && t_.passive &&
            gt(seg.seq, t_.rcv_nxt)) {
            // RFC 1122 §4.2.2.13 / Linux TCP_TW_SYN: a new SYN above RCV.NXT reopens, with
            // ISS = SND.NXT + 65537 so the new incarnation starts above the old one.
            S iss = t_.snd_nxt + 65537u;
            Tcb<S> fresh{};
            fresh.iss = iss;
            fresh.ts_offset = t_.ts_offset;
            fresh.rcv_wnd = p_.rcv_wnd;
            t_ = fresh;
            t_.state = State::listen;
            offered_iss_.reset(); // Linux takes tw_isn, not a fresh one (tcp_conn_request)
            in_listen(seg);
            return;
        }
        bool retransmitted_fin = seg.flags.fin() && seg.seq + seg.seg_len() == t_.rcv_nxt;
        if (retransmitted_fin || (p_.time_wait_restart_on_ack && seg.flags.ack())) {
            set(Timer::time_wait, p_.time_wait); // §3.10.7.4 fifth and eighth: restart 2 MSL
        }
        if (seg.flags.syn() && p_.rfc5961) { challenge_ack(); return; } // RFC 5961 §4.2
        if (p_.time_wait_ack_unless_bare) {
            // Linux tcp_timewait_state_process: "in window segment, it may be only reset or bare
            // ack" - at RCV.NXT and empty, taken silently (and 2 MSL restarts); anything else,
            // data or a FIN other than the one received included, gets an ACK.
            if (seg.seq == t_.rcv_nxt && seg.seg_len() == 0) set(Timer::time_wait, p_.time_wait);
            else oow_ack(seg); // tcp_timewait_check_oow_rate_limit
            return;
        }
        if (!acceptable(seg) || retransmitted_fin) {
            oow_ack(seg); // §3.10.7.4 first: unacceptable, send ACK
            return;
        }
        if (seg.flags.syn()) { // RFC 793 behaviour: a SYN in the window is an error
            send_rst_for_abort();
            release(CloseReason::reset, Notice{});
        }
    }

    // RFC 9293 §3.5 Figure 7 line 7, Linux tcp_validate_incoming ("goto pass", since 6.11): in the
    // SYN-RECEIVED of a simultaneous open, the peer's SYN,ACK of our SYN completes the handshake.
    // The first check alone would find it old (it ends at RCV.NXT) and cost a round trip. The RFC
    // sends nothing for it; Linux, for which it is an old segment ending at RCV.WUP, sends
    // tcp_data_queue's duplicate ACK.
    [[nodiscard]] constexpr bool crossing_synack(const Segment<S>& seg) const {
        return t_.state == State::syn_received && !t_.passive && seg.flags.syn() && seg.flags.ack() &&
               !seg.flags.rst() && !seg.flags.fin() && seg.len == 0 && seg.seq == t_.irs && seg.ack == t_.snd_nxt;
    }

    // Linux tcp_sequence: the window's lower edge is RCV.WUP, the RCV.NXT of the last segment we
    // sent - below RCV.NXT by what a delayed ACK holds (a FIN's, or an interactive connection's text).
    // A segment that ends there is processed though wholly old: its ACK is taken. A passive
    // SYN-RECEIVED is a request socket, which tcp_check_req checks as the RFC does.
    [[nodiscard]] constexpr bool old_not_below_rcv_wup(S seq, std::uint32_t seg_len) const {
        if (!p_.old_segment_to_rcv_wup || (t_.state == State::syn_received && t_.passive)) return false;
        const S end = seq + seg_len;
        // Held: text on an interactive connection (F8), and the FIN's ACK in CLOSE-WAIT.
        const S wup = t_.ack_pending ? t_.rcv_nxt - t_.delayed_data - (remote_closed(t_.state) ? 1u : 0u) : t_.rcv_nxt;
        return le(wup, end) && le(end, t_.rcv_nxt);
    }

    // Linux keeps an orphan in FIN-WAIT-2 as a time-wait socket (tcp_time_wait(sk,
    // TCP_FIN_WAIT2, tmo), when tcp_fin_timeout is no longer than TIME-WAIT), whose checks are
    // tcp_timewait_state_process's: RFC 793's, without RFC 5961, and silence for what carries
    // neither data nor FIN (conformance F7). False: the segment was dealt with here.
    [[nodiscard]] constexpr bool orphan_fin_wait_2_socket() const {
        return p_.orphan_fin_wait_2_time_wait_socket && t_.state == State::fin_wait_2 && t_.orphan &&
               p_.fin_wait_2_timeout <= p_.time_wait;
    }
    constexpr bool in_orphan_fin_wait_2(const Segment<S>& seg) {
        const S end = seg.seq + seg.seg_len();
        const S right = t_.rcv_nxt + t_.rcv_wnd;
        const bool in = seg.seq == t_.rcv_nxt || (gt(end, t_.rcv_nxt) && lt(seg.seq, right)) ||
                        (seg.seq == right && seg.seq == end); // tcp_in_window
        if (!in) {
            if (!seg.flags.rst()) oow_ack(seg); // tcp_timewait_check_oow_rate_limit
            return false;
        }
        if (seg.flags.rst()) { release(CloseReason::reset, Notice::reset); return false; }
        if (seg.flags.syn() && ge(seg.seq, t_.rcv_nxt)) { // TCP_TW_RST
            reset_for(seg);
            release(CloseReason::reset, Notice::reset);
            return false;
        }
        if (!seg.flags.ack() || !gt(end, t_.rcv_nxt) || seg.seg_len() == 0) return false; // dropped silently
        if (!seg.flags.fin() || end != t_.rcv_nxt + 1) { // data after a half-duplex close (F6)
            reset_for(seg);
            release(CloseReason::aborted, Notice::reset);
            return false;
        }
        return true; // the FIN at RCV.NXT: on to TIME-WAIT
    }

    // §3.10.7.4 for SYN-RECEIVED and the synchronized states except TIME-WAIT.
    constexpr void in_other(Segment<S> seg) {
        if (orphan_fin_wait_2_socket() && !in_orphan_fin_wait_2(seg)) return;
        const std::uint32_t arrived_len = seg.seg_len();
        crossing_synack_ = crossing_synack(seg);
        if (!p_.sequence_check) seg.seq = t_.rcv_nxt; // broken variant no_sequence_check
        const bool old = !acceptable(seg) && old_not_below_rcv_wup(seg.seq, arrived_len);
        if (crossing_synack_) seg.flags = Flags(static_cast<std::uint8_t>(seg.flags.bits & ~0x02u)); // SYN taken
        // Linux tcp_check_req: a retransmitted SYN (SEG.SEQ = IRS, so below RCV.NXT and never
        // acceptable) gets the SYN+ACK again instead of the first check's bare ACK.
        if (t_.state == State::syn_received && t_.passive && p_.resend_synack_on_dup_syn &&
            seg.flags.syn() && !seg.flags.ack() && !seg.flags.rst() && seg.seq == t_.irs) {
            if (!oow_ack_limited(&seg)) emit_syn(true);
            return;
        }
        // Linux tcp_reset_check: once the peer's FIN is in, an RST numbered like that FIN (at
        // RCV.NXT-1, outside the window) still resets, as a peer's stack that resets after its
        // FIN may number it so.
        if (seg.flags.rst() && p_.rst_at_fin_resets && seg.seq == t_.rcv_nxt - 1 &&
            (t_.state == State::close_wait || t_.state == State::last_ack || t_.state == State::closing)) {
            on_reset();
            return;
        }
        // first: sequence number
        if (!crossing_synack_ && !old && !acceptable(seg)) {
            if (arrived_len > 0 && lt(seg.seq, t_.rcv_nxt)) old_text_arrived();
            if (!seg.flags.rst()) oow_ack(seg);
            return;
        }
        // second: RST
        if (seg.flags.rst()) {
            if (p_.rfc5961 && seg.seq != t_.rcv_nxt) { challenge_ack(); return; } // RFC 5961 §3.2
            on_reset();
            return;
        }
        // fourth: SYN
        if (seg.flags.syn()) {
            if (t_.state == State::syn_received && t_.passive) {
                if (p_.resend_synack_on_dup_syn && seg.seq == t_.irs) {
                    if (!oow_ack_limited(&seg)) emit_syn(true);
                    return;
                }
                back_to_listen();
                return;
            }
            if (p_.rfc5961) { challenge_ack(); return; } // RFC 5961 §4.2
            send_rst_for_abort(); // RFC 793: a SYN in the window is an error
            release(CloseReason::reset, Notice::reset);
            return;
        }
        // fifth: ACK
        if (!seg.flags.ack()) return;
        if (!on_ack(seg)) return;
        if (t_.state == State::closed) return;

        // §3.10.7.4 eighth: TIME-WAIT turns off the other timers (CLOSING -> TIME-WAIT just now).
        if (p_.keepalive && synchronized(t_.state) && t_.state != State::time_wait) arm_keepalive();
        if (t_.ts_ok && seg.opt.timestamps && seg.seq == t_.rcv_nxt) t_.ts_recent = seg.opt.ts_val;
        if (old) {
            // Linux: tcp_data_queue answers the old text or FIN with a duplicate ACK, except when
            // this ACK took CLOSING to TIME-WAIT (tcp_rcv_state_process: "goto consume").
            if (arrived_len > 0 && t_.state != State::time_wait) {
                old_text_arrived();
                ack_now_ = true;
            }
            output();
            flush_ack();
            return;
        }

        // The idealised segment begins at RCV.NXT: trim what was already received (§3.10.7.4).
        std::uint32_t skip = t_.rcv_nxt - seg.seq;
        if (skip != 0 && skip < S::half) {
            if (skip >= seg.len) {
                skip -= seg.len;
                seg.len = 0;
                if (skip > 0 && seg.flags.fin()) seg.flags = Flags(static_cast<std::uint8_t>(seg.flags.bits & ~0x01u));
            } else {
                seg.len -= skip;
            }
            seg.seq = t_.rcv_nxt;
        }
        if (seg.seq != t_.rcv_nxt) { // ahead of RCV.NXT: no reassembly queue is modelled
            if (seg.seg_len() > 0) emit(ack_segment(t_.snd_nxt)); // MAY-13
            output();
            return;
        }
        // Trim what lies beyond the window, FIN included. §3.10.7.4 first: "segments with higher
        // beginning sequence numbers ... trimmed ... including SYN and FIN", so a FIN at exactly
        // RCV.NXT+RCV.WND lies outside and waits for the window, as data would.
        const bool fin_outside = seg.flags.fin() && seg.len == t_.rcv_wnd && !p_.fin_beyond_window_accepted;
        if (seg.len > t_.rcv_wnd || fin_outside) {
            seg.len = t_.rcv_wnd;
            seg.flags = Flags(static_cast<std::uint8_t>(seg.flags.bits & ~0x01u));
        }

        // seventh: segment text
        if (seg.len > 0) {
            if (t_.state == State::established || t_.state == State::fin_wait_1 || t_.state == State::fin_wait_2) {
                if (t_.orphan && p_.rst_on_close_with_unread) {
                    // RFC 9293 §3.6 SHLD-3, RFC 1122 §4.2.2.13: data after a full CLOSE is lost, so reset.
                    // The form is not specified: ABORT's, or Linux's reply to the segment (F6).
                    if (p_.data_after_close_answers_segment) reset_for(seg);
                    else send_rst_for_abort();
                    release(CloseReason::aborted, Notice::reset);
                    return;
                }
                t_.rcv_nxt += seg.len;
                t_.unread += seg.len;
                note(Notice::data_delivered);
                ack_data(seg.len);
            }
            // CLOSE-WAIT, CLOSING, LAST-ACK: the peer has sent FIN; ignore the text.
        }

        // eighth: FIN
        if (seg.flags.fin()) on_fin();
        output();
        flush_ack();
    }

    // §3.10.7.4 second, per state.
    constexpr void on_reset() {
        switch (t_.state) {
        case State::syn_received:
            if (t_.passive) { back_to_listen(); return; }
            release(CloseReason::refused, Notice::refused);
            return;
        case State::established:
        case State::fin_wait_1:
        case State::fin_wait_2:
        case State::close_wait:
            release(CloseReason::reset, Notice::reset);
            return;
        default: // CLOSING, LAST-ACK
            release(CloseReason::reset, Notice::reset);
            return;
        }
    }

    // RFC 7323 §2.2: the window of a SYN is never scaled - but Linux scales that of the SYN,ACK
    // which ends a simultaneous open (tcp_rcv_state_process, TCP_SYN_RECV).
    [[nodiscard]] constexpr std::uint32_t window_of(const Segment<S>& seg) const {
        if (crossing_synack_ && !p_.crossing_synack_window_scaled) return seg.wnd;
        return static_cast<std::uint32_t>(seg.wnd) << t_.snd_wscale;
    }

    // §3.10.7.4 fifth. Returns whether processing continues.
    constexpr bool on_ack(const Segment<S>& seg) {
        if (t_.state == State::syn_received) {
            if (!in_range_open_closed(t_.snd_una, seg.ack, t_.snd_nxt)) {
                reset_for(seg); // <SEQ=SEG.ACK><CTL=RST>
                return false;
            }
            enter(State::established);
            note(Notice::established);
            set_send_window(window_of(seg));
            t_.snd_wl1 = seg.seq;
            t_.snd_wl2 = seg.ack;
            if (t_.fin_queued && t_.state == State::established) enter(State::fin_wait_1); // §3.10.4
        }
        if (gt(seg.ack, t_.snd_nxt)) { // acks something not yet sent
            challenge_ack(); // Linux tcp_ack: RFC 5961 §5.2; the RFC's ACK where there is no limit
            return false;
        }
        // RFC 5961 §5.2: acceptable from SND.UNA - MAX.SND.WND, the largest window ever offered,
        // so that a window just closed does not turn the peer's in-flight ACKs into attacks.
        if (p_.rfc5961 && lt(seg.ack, t_.snd_una - t_.max_send_window())) {
            challenge_ack();
            return false;
        }
        if (lt(t_.snd_una, seg.ack)) {
            t_.snd_una = seg.ack;
            t_.retries = 0;
            note(Notice::data_acked);
            if (t_.snd_una == t_.snd_nxt) set_never(Timer::retransmission);
            else set(Timer::retransmission, rto()); // RFC 6298 §5.3
            set_never(Timer::user_timeout); // §3.10.8: progress restarts the user timeout
            if (t_.snd_una != t_.snd_nxt) arm_user_timeout();
        }
        if (le(t_.snd_una, seg.ack) &&
            (lt(t_.snd_wl1, seg.seq) || (t_.snd_wl1 == seg.seq && le(t_.snd_wl2, seg.ack)))) {
            set_send_window(window_of(seg));
            t_.snd_wl1 = seg.seq;
            t_.snd_wl2 = seg.ack;
        }
        switch (t_.state) {
        case State::fin_wait_1:
            if (t_.fin_acked()) enter(State::fin_wait_2);
            return true;
        case State::closing:
            // §3.10.7.4 CLOSING: "otherwise ignore the segment" - but not its window and its ACK
            // of our data, taken above: data and a FIN queued behind the crossing FIN go out now,
            // or nothing would ever send them (Linux tcp_rcv_state_process: TCP_CLOSING, then
            // tcp_data_snd_check).
            if (!t_.fin_acked()) {
                output();
                return false;
            }
            enter_time_wait();
            return t_.state != State::closed;
        case State::last_ack:
            if (t_.fin_acked()) { release(CloseReason::closed_normally, Notice::closed); return false; }
            return true;
        default: return true;
        }
    }

    // Data bytes received in this connection: RCV.NXT counts the SYN and, here, the FIN too.
    [[nodiscard]] constexpr bool received_data() const { return t_.rcv_nxt - t_.irs > 2; }

    constexpr void on_fin() {
        t_.rcv_nxt += 1; // §3.10.7.4 eighth: advance RCV.NXT over the FIN and acknowledge it
        switch (t_.state) {
        case State::syn_received:
        case State::established:
            enter(State::close_wait);
            note(Notice::peer_closed);
            // Linux tcp_fin(): pingpong, so a prompt CLOSE merges ACK and FIN; but before any
            // data the delayed-ACK timeout is 0 and the ACK goes at once.
            owe_ack(!p_.delay_fin_ack_after_data_only || received_data());
            return;
        case State::fin_wait_1:
            if (t_.fin_acked()) {
                note(Notice::peer_closed);
                ack_now_ = true;
                enter_time_wait();
            } else if (p_.closing_state) {
                note(Notice::peer_closed);
                ack_now_ = true;
                enter(State::closing);
            } else {
                t_.rcv_nxt = t_.rcv_nxt - 1; // broken variant no_closing_state: the FIN is ignored
            }
            return;
        case State::fin_wait_2:
            note(Notice::peer_closed);
            ack_now_ = true;
            enter_time_wait();
            return;
        default: // CLOSE-WAIT, CLOSING, LAST-ACK: a retransmitted FIN, acknowledged again
            t_.rcv_nxt = t_.rcv_nxt - 1;
            ack_now_ = true;
            return;
        }
    }

    constexpr void enter_time_wait() {
        if (p_.time_wait <= 0) { // broken variant no_time_wait
            flush_ack();
            release(CloseReason::closed_normally, Notice::closed);
            return;
        }
        enter(State::time_wait);
    }
};

} // namespace detail

// Every built-in profile fits the 32-bit space that real stacks use.
static_assert(windows_fit<Seq32>(profiles::rfc9293()) && windows_fit<Seq32>(profiles::linux_default()) &&
              windows_fit<Seq32>(profiles::rfc9293_hardened()));

// The transition function: (TCB, event, now) -> (TCB', effects). Pure and constexpr. The
// event is one of Open, Send, Receive, Close, Abort, SegmentArrives, Timeout.
template <class S, class Event>
constexpr StepResult<S> step(const Tcb<S>& tcb, const Event& e, Time now, const Profile& p) {
    StepResult<S> r{tcb, {}};
    detail::Machine<S> m(r, now, p);
    m.handle(e);
    m.finish();
    return r;
}

} // namespace synfin
