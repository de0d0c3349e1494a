// The raw-socket driver: one local IPv4 endpoint that is not the host's, talking to one peer
// over an AF_PACKET link. It frames and checksums the segments it is given, learns the peer's
// MAC address (given, or by one ARP request for the peer's address), answers ARP requests for
// its own address, and hands back only the frames of its 4-tuple. It is deliberately thin:
// which segments to send, and what to make of those that arrive, is the model's business
// (checks/replay.cpp). It sends only to the peer it was given (and the one ARP request).
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frame.hpp"
#include "link.hpp"

namespace synfin::driver {

using Clock = std::chrono::steady_clock;

struct Incoming {
    Segment<Seq32> seg{};
    std::vector<std::uint8_t> frame; // the whole frame as captured (checksum completed if needed)
    bool checksum_filled = false;
    Clock::time_point at{};
};

struct DriverStats {
    std::uint64_t sent = 0, received = 0, ignored = 0, malformed = 0, arp_replies = 0;
};

class Driver {
public:
    // Opens the link on `ifname` for local -> peer. Sends nothing.
    LinkStatus open(const std::string& ifname, Endpoint local, Endpoint peer, std::optional<Mac> peer_mac) {
        local_ = local;
        peer_ = peer;
        if (peer_mac) peer_mac_ = *peer_mac;
        auto st = link_.open(ifname);
        if (!st.ok()) return st;
        buf_.assign(65536 + 64, 0);
        return {};
    }

    // The peer's MAC: given to open(), or asked for with ARP (a request for the peer's address
    // only, retried every 300 ms until timeout_ms).
    LinkStatus resolve_peer(int timeout_ms) {
        if (!peer_mac_.is_zero()) return {};
        std::array<std::uint8_t, arp_frame_length> req{};
        build_arp(1, broadcast_mac, link_.mac(), local_.addr, Mac{}, peer_.addr, req);
        const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (Clock::now() < end) {
            if (int e = link_.send(req); e != 0) return {LinkError::system, "sending ARP request: " + std::string(std::strerror(e))};
            const auto retry = std::min(end, Clock::now() + std::chrono::milliseconds(300));
            while (Clock::now() < retry) {
                auto f = next_frame(retry);
                if (!f) break;
                auto p = parse_frame(std::span<const std::uint8_t>(buf_.data(), f->length));
                if (p.kind == FrameKind::arp) {
                    handle_arp(p.arp);
                    if (p.arp.op == 2 && p.arp.sender_ip == peer_.addr && !p.arp.sender_mac.is_zero()) {
                        peer_mac_ = p.arp.sender_mac;
                        return {};
                    }
                }
            }
        }
        return {LinkError::system, "no ARP reply from " + addr_string(peer_.addr) + " on " + link_.name() +
                                       " (is the peer there? give --peer-mac)"};
    }

    // Frames and sends one segment from local to peer; payload bytes are a fixed pattern.
    // Returns 0 or an errno value; the frame sent is left in `frame_out` if given.
    int send(const Segment<Seq32>& seg, std::vector<std::uint8_t>* frame_out = nullptr) {
        Envelope env{link_.mac(), peer_mac_, local_, peer_, ip_id_++, 64};
        std::vector<std::uint8_t> payload(seg.len);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
        std::vector<std::uint8_t> frame(eth_header_length + ipv4_header_length + wire::header_length(seg.opt) + seg.len);
        auto n = build_tcp(env, seg, payload, frame);
        if (!n) return EMSGSIZE;
        frame.resize(*n);
        int e = link_.send(frame);
        if (e == 0) ++stats_.sent;
        if (frame_out) *frame_out = std::move(frame);
        return e;
    }

    // The next segment from peer to local before `until`, answering ARP for our address on the
    // way and skipping everything else. `error` is set (errno) if the socket fails.
    std::optional<Incoming> receive(Clock::time_point until, int& error) {
        error = 0;
        for (;;) {
            auto f = next_frame(until, &error);
            if (!f) return std::nullopt;
            std::span<const std::uint8_t> bytes(buf_.data(), f->length);
            auto p = parse_frame(bytes);
            if (p.kind == FrameKind::arp) { handle_arp(p.arp); continue; }
            if (p.kind == FrameKind::bad) {
                // Only count what claims to be ours; the rest of the link is none of our business.
                ++stats_.malformed;
                continue;
            }
            if (p.kind != FrameKind::tcp || p.tcp.src != peer_ || p.tcp.dst != local_) { ++stats_.ignored; continue; }
            ++stats_.received;
            Incoming in;
            in.seg = p.tcp.header.seg;
            in.frame.assign(bytes.begin(), bytes.end());
            in.checksum_filled = f->checksum_filled;
            in.at = arrival(*f);
            return in;
        }
    }

    [[nodiscard]] const Mac& local_mac() const { return link_.mac(); }
    [[nodiscard]] const Mac& peer_mac() const { return peer_mac_; }
    [[nodiscard]] const PacketLink& link() const { return link_; }
    [[nodiscard]] const DriverStats& stats() const { return stats_; }

private:
    std::optional<Received> next_frame(Clock::time_point until, int* error = nullptr) {
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
            if (left < 0) left = 0;
            int e = 0;
            auto r = link_.receive(buf_, static_cast<int>(left > 1000 ? 1000 : left), e);
            if (e != 0) {
                if (error) *error = e;
                return std::nullopt;
            }
            if (r.length == 0) {
                if (Clock::now() >= until) return std::nullopt;
                continue;
            }
            if (r.outgoing) continue;
            return r;
        }
    }

    // The frame's arrival on the steady clock: its kernel timestamp (wall clock) moved back by
    // its age; never later than now, and the time of reading without a timestamp.
    static Clock::time_point arrival(const Received& r) {
        const auto now = Clock::now();
        if (!r.stamp) return now;
        timespec wall{};
        ::clock_gettime(CLOCK_REALTIME, &wall);
        const auto age = std::chrono::seconds(wall.tv_sec - r.stamp->tv_sec) +
                         std::chrono::nanoseconds(wall.tv_nsec - r.stamp->tv_nsec);
        if (age < Clock::duration::zero() || age > std::chrono::seconds(10)) return now;
        return now - std::chrono::duration_cast<Clock::duration>(age);
    }

    // Answer "who has <our address>" so a peer without a static neighbour entry can reach us.
    void handle_arp(const ArpFrame& a) {
        if (a.op != 1 || a.target_ip != local_.addr || a.sender_ip != peer_.addr || a.sender_mac.is_zero()) return;
        std::array<std::uint8_t, arp_frame_length> rep{};
        build_arp(2, a.sender_mac, link_.mac(), local_.addr, a.sender_mac, a.sender_ip, rep);
        if (link_.send(rep) == 0) ++stats_.arp_replies;
    }

    PacketLink link_;
    Endpoint local_{}, peer_{};
    Mac peer_mac_{};
    std::uint16_t ip_id_ = 1;
    std::vector<std::uint8_t> buf_;
    DriverStats stats_{};
};

} // namespace synfin::driver
