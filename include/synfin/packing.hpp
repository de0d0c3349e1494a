// The compact form of a checker state: every field in as few bits as the configuration needs,
// so that the explorer's hash set stores 32 bytes a state.
#pragma once

#include <array>
#include <cstdint>

#include "system.hpp"

namespace synfin {

using Key = std::array<std::uint64_t, 5>;

// put/get are called for every field of every state: they must not be calls.
#if defined(__GNUC__)
#define SYNFIN_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define SYNFIN_ALWAYS_INLINE inline
#endif
inline constexpr unsigned key_bits = 320;

constexpr unsigned bits_for(std::uint64_t max_value) {
    unsigned b = 0;
    while (b < 64 && (max_value >> b) != 0) ++b;
    return b;
}

class BitWriter {
public:
    SYNFIN_ALWAYS_INLINE constexpr void put(std::uint64_t v, unsigned width) {
        if (width == 0) return;
        unsigned word = pos_ / 64, bit = pos_ % 64;
        key_[word] |= v << bit;
        if (bit + width > 64) key_[word + 1] |= v >> (64 - bit);
        pos_ += width;
    }
    [[nodiscard]] constexpr const Key& key() const { return key_; }
private:
    Key key_{};
    unsigned pos_ = 0;
};

class BitReader {
public:
    constexpr explicit BitReader(const Key& k) : key_(k) {}
    SYNFIN_ALWAYS_INLINE constexpr std::uint64_t get(unsigned width) {
        if (width == 0) return 0;
        unsigned word = pos_ / 64, bit = pos_ % 64;
        std::uint64_t v = key_[word] >> bit;
        if (bit + width > 64) v |= key_[word + 1] << (64 - bit);
        pos_ += width;
        return width == 64 ? v : (v & ((std::uint64_t{1} << width) - 1));
    }
private:
    const Key& key_;
    unsigned pos_ = 0;
};

// Field widths derived from a configuration.
struct Layout {
    unsigned seq = 0, wnd = 0, queued = 0, retries = 0, probes = 0, len = 0, age = 0, count = 0, slots = 0, unread = 0;
    unsigned pc[2]{}, opens = 0, reissues = 0, conn = 0, bytes = 0, loss = 0, dup = 0, crash = 0, overflow = 0;
    std::array<unsigned, timer_count> deadline{};
    unsigned total = 0;
};

template <unsigned Bits>
class Packer {
public:
    using S = Seq<Bits>;

    constexpr explicit Packer(const Config& c) : c_(c) {
        unsigned opens = 0, bytes = 0, wnd = 0, mss = 0, probes = 0;
        bool keeps_unread = false; // some host reads only at its receive steps
        Duration longest[timer_count]{};
        int retry_cap = 0;
        for (int h = 0; h < 2; ++h) {
            const auto& hc = c.host[h];
            const Profile& p = hc.profile;
            l_.pc[h] = bits_for(hc.script_len);
            for (std::size_t i = 0; i < hc.script_len; ++i) {
                auto a = hc.script[i].action;
                if (a == UserAction::connect || a == UserAction::listen) ++opens;
                bytes += hc.script[i].bytes;
            }
            wnd = p.rcv_wnd > wnd ? p.rcv_wnd : wnd;
            keeps_unread = keeps_unread || !hc.reads_all;
            mss = p.mss > mss ? p.mss : mss;
            if (p.keepalive_probes > static_cast<int>(probes)) probes = static_cast<unsigned>(p.keepalive_probes);
            auto widen = [&](Timer t, Duration d) {
                auto i = static_cast<std::size_t>(t);
                if (d > longest[i]) longest[i] = d;
            };
            widen(Timer::retransmission, p.rto_max > p.rto_initial ? p.rto_max : p.rto_initial);
            widen(Timer::delayed_ack, p.delayed_ack);
            widen(Timer::time_wait, p.time_wait);
            if (p.keepalive) widen(Timer::keepalive, p.keepalive_time > p.keepalive_intvl ? p.keepalive_time : p.keepalive_intvl);
            widen(Timer::user_timeout, p.user_timeout);
            widen(Timer::fin_wait_2, p.fin_wait_2_timeout);
            for (int lim : {p.syn_retries, p.synack_retries, p.data_retries}) retry_cap = lim > retry_cap ? lim : retry_cap;
            Duration r = p.rto_initial;
            int d = 0;
            while (r < p.rto_max && d < 16) { r *= 2; ++d; }
            retry_cap = d > retry_cap ? d : retry_cap;
        }
        l_.seq = Bits;
        l_.wnd = bits_for(wnd);
        l_.bytes = bits_for(bytes);
        l_.queued = l_.bytes;
        l_.unread = keeps_unread ? l_.bytes : 0; // at most every byte the scripts send waits unread
        l_.retries = bits_for(static_cast<std::uint64_t>(retry_cap + 1));
        l_.probes = bits_for(probes);
        l_.len = bits_for(bytes < mss ? bytes : mss);
        l_.age = bits_for(c.msl);
        l_.slots = c.capacity < channel_capacity ? c.capacity : static_cast<unsigned>(channel_capacity);
        l_.count = bits_for(l_.slots);
        l_.opens = bits_for(opens);
        l_.conn = bits_for(opens + 1);
        for (int h = 0; h < 2; ++h)
            if (c.iss[h] != IssPolicy::adversarial) l_.reissues = Bits;
        l_.loss = c.loss_budget < 0 ? 0 : bits_for(static_cast<std::uint64_t>(c.loss_budget));
        l_.dup = bits_for(c.dup_budget);
        l_.crash = bits_for(c.crash_budget);
        l_.overflow = bits_for(c.overflow_budget);
        for (std::size_t t = 0; t < timer_count; ++t) l_.deadline[t] = longest[t] > 0 ? bits_for(static_cast<std::uint64_t>(longest[t]) + 1) : 0;

        unsigned host = 4 + 5 + 5 * l_.seq + l_.wnd + l_.queued + l_.retries + l_.probes + 3 + l_.opens +
                        l_.reissues + l_.conn + 2 * l_.bytes + 5 + l_.unread;
        for (auto d : l_.deadline) host += d;
        unsigned packet = 4 + 2 * l_.seq + l_.len + l_.age + l_.conn + l_.seq;
        l_.total = l_.pc[0] + l_.pc[1] + 2 * host + 2 * (l_.count + l_.slots * packet) + l_.loss + l_.dup + l_.crash + l_.overflow +
                   violation_bits + l_.conn;
    }

    [[nodiscard]] constexpr const Layout& layout() const { return l_; }
    [[nodiscard]] constexpr bool fits() const { return l_.total <= key_bits; }

    [[nodiscard]] constexpr Key pack(const SystemState<Bits>& s) const {
        BitWriter w;
        for (int h = 0; h < 2; ++h) {
            const auto& x = s.host[h];
            const auto& t = x.tcb;
            w.put(static_cast<unsigned>(t.state), 4);
            w.put(t.passive | (t.fin_queued << 1) | (t.fin_sent << 2) | (t.orphan << 3) | (t.ack_pending << 4), 5);
            for (S v : {t.iss, t.snd_una, t.snd_nxt, t.irs, t.rcv_nxt}) w.put(v.value(), l_.seq);
            w.put(t.snd_wnd, l_.wnd);
            w.put(t.send_queued, l_.queued);
            w.put(t.unread, l_.unread);
            w.put(t.retries, l_.retries);
            w.put(t.keepalive_probes, l_.probes);
            w.put(static_cast<unsigned>(t.reason), 3);
            for (std::size_t i = 0; i < timer_count; ++i)
                w.put(t.deadline[i] == never ? 0 : static_cast<std::uint64_t>(t.deadline[i] + 1), l_.deadline[i]);
            w.put(x.pc, l_.pc[h]);
            w.put(x.opens, l_.opens);
            w.put(x.reissues, l_.reissues);
            w.put(x.conn, l_.conn);
            w.put(x.sent, l_.bytes);
            w.put(x.delivered, l_.bytes);
            w.put(x.crashed | (x.closed_established << 1) | (x.saw_error << 2) | (x.listen_used << 3) | (x.discarded << 4), 5);
        }
        for (const auto& ch : s.channel) {
            w.put(ch.count, l_.count);
            for (std::size_t i = 0; i < l_.slots; ++i) {
                const Packet& p = ch.items[i];
                w.put(compress_flags(p.flags), 4);
                w.put(p.seq, l_.seq);
                w.put(p.ack, l_.seq);
                w.put(p.len, l_.len);
                w.put(p.age, l_.age);
                w.put(p.inc, l_.conn);
                w.put(p.off, l_.seq);
            }
        }
        w.put(static_cast<std::uint64_t>(s.loss_left < 0 ? 0 : s.loss_left), l_.loss);
        w.put(s.dup_left, l_.dup);
        w.put(s.crash_left, l_.crash);
        w.put(s.overflow_left, l_.overflow);
        w.put(s.violations, violation_bits);
        w.put(s.next_conn, l_.conn);
        return w.key();
    }

    [[nodiscard]] constexpr SystemState<Bits> unpack(const Key& k) const {
        BitReader r(k);
        SystemState<Bits> s;
        for (int h = 0; h < 2; ++h) {
            auto& x = s.host[h];
            auto& t = x.tcb;
            t.state = static_cast<synfin::State>(r.get(4));
            auto b = r.get(5);
            t.passive = b & 1; t.fin_queued = (b >> 1) & 1; t.fin_sent = (b >> 2) & 1;
            t.orphan = (b >> 3) & 1; t.ack_pending = (b >> 4) & 1;
            t.iss = S(static_cast<std::uint32_t>(r.get(l_.seq)));
            t.snd_una = S(static_cast<std::uint32_t>(r.get(l_.seq)));
            t.snd_nxt = S(static_cast<std::uint32_t>(r.get(l_.seq)));
            t.irs = S(static_cast<std::uint32_t>(r.get(l_.seq)));
            t.rcv_nxt = S(static_cast<std::uint32_t>(r.get(l_.seq)));
            t.snd_wnd = static_cast<std::uint32_t>(r.get(l_.wnd));
            t.send_queued = static_cast<std::uint32_t>(r.get(l_.queued));
            t.unread = static_cast<std::uint32_t>(r.get(l_.unread));
            t.retries = static_cast<std::uint8_t>(r.get(l_.retries));
            t.keepalive_probes = static_cast<std::uint8_t>(r.get(l_.probes));
            t.reason = static_cast<CloseReason>(r.get(3));
            for (std::size_t i = 0; i < timer_count; ++i) {
                auto v = r.get(l_.deadline[i]);
                t.deadline[i] = v == 0 ? never : static_cast<Time>(v) - 1;
            }
            // Constants of the explored configurations, restored rather than stored.
            t.rcv_wnd = c_.host[h].profile.rcv_wnd;
            t.snd_mss = explored_mss(t.state, c_.host[h].profile);
            if (t.state == synfin::State::closed) t.rcv_wnd = 0;
            x.pc = static_cast<std::uint8_t>(r.get(l_.pc[h]));
            x.opens = static_cast<std::uint8_t>(r.get(l_.opens));
            x.reissues = static_cast<std::uint8_t>(r.get(l_.reissues));
            x.conn = static_cast<std::uint8_t>(r.get(l_.conn));
            x.sent = static_cast<std::uint8_t>(r.get(l_.bytes));
            x.delivered = static_cast<std::uint8_t>(r.get(l_.bytes));
            auto g = r.get(5);
            x.crashed = g & 1; x.closed_established = (g >> 1) & 1; x.saw_error = (g >> 2) & 1;
            x.listen_used = (g >> 3) & 1; x.discarded = (g >> 4) & 1;
        }
        for (auto& ch : s.channel) {
            ch.count = static_cast<std::uint8_t>(r.get(l_.count));
            for (std::size_t i = 0; i < l_.slots; ++i) {
                Packet& p = ch.items[i];
                p.flags = expand_flags(static_cast<std::uint8_t>(r.get(4)));
                p.seq = static_cast<std::uint8_t>(r.get(l_.seq));
                p.ack = static_cast<std::uint8_t>(r.get(l_.seq));
                p.len = static_cast<std::uint8_t>(r.get(l_.len));
                p.age = static_cast<std::uint8_t>(r.get(l_.age));
                p.inc = static_cast<std::uint8_t>(r.get(l_.conn));
                p.off = static_cast<std::uint8_t>(r.get(l_.seq));
            }
        }
        s.loss_left = c_.loss_budget < 0 ? std::int8_t{-1} : static_cast<std::int8_t>(r.get(l_.loss));
        s.dup_left = static_cast<std::uint8_t>(r.get(l_.dup));
        s.crash_left = static_cast<std::uint8_t>(r.get(l_.crash));
        s.overflow_left = static_cast<std::uint8_t>(r.get(l_.overflow));
        s.violations = static_cast<std::uint8_t>(r.get(violation_bits));
        s.next_conn = static_cast<std::uint8_t>(r.get(l_.conn));
        return s;
    }

private:
    Config c_;
    Layout l_{};

    // FIN SYN RST . ACK -> 4 bits
    static constexpr std::uint8_t compress_flags(std::uint8_t f) {
        return static_cast<std::uint8_t>((f & 0x07) | ((f & 0x10) ? 0x08 : 0));
    }
    static constexpr std::uint8_t expand_flags(std::uint8_t c) {
        return static_cast<std::uint8_t>((c & 0x07) | ((c & 0x08) ? 0x10 : 0));
    }
};

} // namespace synfin
