// Every knob of a Profile by its C++ name, so that tools can print, compare and override
// profiles (`synfin profile show|diff`, model files) without a second list that could drift:
// a knob added to Profile and not here fails the static_assert below.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "profile.hpp"

namespace synfin {

// duration: in the profile's time unit (milliseconds for the built-in profiles);
// count: an int, where `unbounded` (-1) means no limit for the retry counts.
enum class KnobKind : std::uint8_t { duration, count, flag, number };

constexpr std::string_view name(KnobKind k) {
    switch (k) {
    case KnobKind::duration: return "duration";
    case KnobKind::count: return "count";
    case KnobKind::flag: return "flag";
    default: return "number";
    }
}

// Calls f(name, kind, member) for each knob of p (Profile or const Profile), in declaration order.
template <class P, class F>
constexpr void for_each_knob(P& p, F&& f) {
    using K = KnobKind;
    f("msl", K::duration, p.msl);
    f("time_wait", K::duration, p.time_wait);
    f("rto_initial", K::duration, p.rto_initial);
    f("rto_max", K::duration, p.rto_max);
    f("rto_min", K::duration, p.rto_min);
    f("rto_after_syn_timeout", K::duration, p.rto_after_syn_timeout);
    f("syn_retries", K::count, p.syn_retries);
    f("syn_linear_timeouts", K::count, p.syn_linear_timeouts);
    f("syn_resend_after_bad_ack", K::duration, p.syn_resend_after_bad_ack);
    f("synack_retries", K::count, p.synack_retries);
    f("data_retries", K::count, p.data_retries);
    f("fin_wait_2_timeout", K::duration, p.fin_wait_2_timeout);
    f("delayed_ack", K::duration, p.delayed_ack);
    f("delay_fin_ack_after_data_only", K::flag, p.delay_fin_ack_after_data_only);
    f("interactive_delayed_ack", K::flag, p.interactive_delayed_ack);
    f("user_timeout", K::duration, p.user_timeout);
    f("keepalive", K::flag, p.keepalive);
    f("keepalive_time", K::duration, p.keepalive_time);
    f("keepalive_intvl", K::duration, p.keepalive_intvl);
    f("keepalive_probes", K::count, p.keepalive_probes);
    f("rst_on_keepalive_timeout", K::flag, p.rst_on_keepalive_timeout);
    f("rfc5961", K::flag, p.rfc5961);
    f("invalid_ack_ratelimit", K::duration, p.invalid_ack_ratelimit);
    f("rfc1337", K::flag, p.rfc1337);
    f("time_wait_syn_reopens", K::flag, p.time_wait_syn_reopens);
    f("rst_on_close_with_unread", K::flag, p.rst_on_close_with_unread);
    f("rst_on_abort", K::flag, p.rst_on_abort);
    f("rst_on_synack_giveup", K::flag, p.rst_on_synack_giveup);
    f("rst_on_retry_giveup", K::flag, p.rst_on_retry_giveup);
    f("rst_carries_ack", K::flag, p.rst_carries_ack);
    f("resend_synack_on_dup_syn", K::flag, p.resend_synack_on_dup_syn);
    f("time_wait_restart_on_ack", K::flag, p.time_wait_restart_on_ack);
    f("listen_drops_syn_fin", K::flag, p.listen_drops_syn_fin);
    f("simultaneous_open_keeps_syn_timer", K::flag, p.simultaneous_open_keeps_syn_timer);
    f("fin_beyond_window_accepted", K::flag, p.fin_beyond_window_accepted);
    f("rst_at_fin_resets", K::flag, p.rst_at_fin_resets);
    f("time_wait_ack_unless_bare", K::flag, p.time_wait_ack_unless_bare);
    f("old_segment_to_rcv_wup", K::flag, p.old_segment_to_rcv_wup);
    f("crossing_synack_window_scaled", K::flag, p.crossing_synack_window_scaled);
    f("receive_after_fin_is_eof", K::flag, p.receive_after_fin_is_eof);
    f("unread_outlives_connection", K::flag, p.unread_outlives_connection);
    f("data_after_close_answers_segment", K::flag, p.data_after_close_answers_segment);
    f("orphan_fin_wait_2_time_wait_socket", K::flag, p.orphan_fin_wait_2_time_wait_socket);
    f("three_way_handshake", K::flag, p.three_way_handshake);
    f("closing_state", K::flag, p.closing_state);
    f("sequence_check", K::flag, p.sequence_check);
    f("synack_ack_check", K::flag, p.synack_ack_check);
    f("mss", K::number, p.mss);
    f("wscale", K::number, p.wscale);
    f("sack", K::flag, p.sack);
    f("timestamps", K::flag, p.timestamps);
    f("syn_window", K::number, p.syn_window);
    f("rcv_wnd", K::number, p.rcv_wnd);
}

constexpr std::size_t knob_count() {
    Profile p;
    std::size_t n = 0;
    for_each_knob(p, [&](std::string_view, KnobKind, auto&) { ++n; });
    return n;
}

// The size a Profile has when its members are exactly name, breaks and the knobs in this order
// (the layout rules of a standard-layout struct): a member added to Profile and not here, or
// listed out of order, changes sizeof(Profile) in all but rare cases, and the assert fails.
constexpr std::size_t laid_out_size() {
    Profile p;
    std::size_t offset = 2 * sizeof(std::string_view), align = alignof(std::string_view);
    for_each_knob(p, [&](std::string_view, KnobKind, auto& m) {
        constexpr std::size_t a = alignof(std::remove_reference_t<decltype(m)>);
        offset = (offset + a - 1) / a * a + sizeof m;
        if (a > align) align = a;
    });
    return (offset + align - 1) / align * align;
}
static_assert(laid_out_size() == sizeof(Profile), "a Profile member has no entry in for_each_knob");

// The checker keeps the ratios of the durations and the retry counts (in_ticks); these knobs it
// sets itself (its segments carry no options, its windows are a few bytes, its SYN backoff
// doubles), so a model file that sets them is told so instead of being silently ignored.
constexpr bool fixed_by_checker(std::string_view knob) {
    for (std::string_view k : {"syn_linear_timeouts", "syn_resend_after_bad_ack", "rto_after_syn_timeout", "invalid_ack_ratelimit",
                               "interactive_delayed_ack", "mss", "wscale", "sack", "timestamps",
                               "syn_window", "rcv_wnd"})
        if (k == knob) return true;
    return false;
}

} // namespace synfin
