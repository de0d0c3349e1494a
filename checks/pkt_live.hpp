// `synfin pkt run SCRIPT... --live`: packetdrill scripts with the live Linux kernel as the stack
// under test (docs/packetdrill.md, "Against the live kernel"). The kernel's sockets live in a
// network namespace; `<` segments reach it through the raw-socket driver, `>` segments are the
// frames it sends. Parsing and matching are include/synfin/packetdrill.hpp's, shared with the
// model runner. This header holds the pieces that need no network, so they can be unit tested.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <synfin/driver/frame.hpp>
#include <synfin/packetdrill.hpp>

namespace synfin::pktlive {

// packetdrill's default tolerance is 4 ms; a veth on a busy two-core machine needs more.
inline constexpr std::int64_t default_tolerance_us = 25000;
// The remote side's sequence numbers are the script's plus this: a nonzero ISN, the same every run.
inline constexpr std::uint32_t default_remote_offset = 0x10000000;

struct LiveOptions {
    std::string iface, netns;
    driver::Endpoint peer{}, local{};  // the kernel's socket, and the driver's address
    std::int64_t tolerance_us = default_tolerance_us;
};

// Sequence numbers as packetdrill relates them: the remote's are the script's plus an offset;
// the kernel's are relative to the ISN of the last SYN or SYN+ACK it sent.
struct SeqMap {
    std::uint32_t remote_offset = default_remote_offset;
    std::optional<std::uint32_t> kernel_isn;

    void learn(const Segment<Seq32>& from_kernel) {
        if (from_kernel.flags.syn()) kernel_isn = from_kernel.seq.value();
    }
};

// The frame for a `<` line, or why it cannot be built. Timestamps cannot be predicted live:
// the driver sends its own TS val and echoes the kernel's last one, whatever the script says.
struct Inbound {
    Segment<Seq32> seg{};
    std::string error;
};

inline Inbound inbound(const pkt::ScriptPacket& p, const SeqMap& m, std::uint32_t ts_val, std::uint32_t ts_ecr) {
    Inbound r;
    if (p.ack && !m.kernel_isn) {
        r.error = "'ack' is relative to the kernel's ISN, but the kernel has sent no SYN yet";
        return r;
    }
    r.seg = pkt::inbound_segment(p, Seq32(m.kernel_isn.value_or(0)), m.remote_offset);
    if (r.seg.opt.timestamps) {
        r.seg.opt.ts_val = ts_val;
        r.seg.opt.ts_ecr = ts_ecr;
    }
    return r;
}

// The TCP option bytes of a captured Ethernet/IPv4 frame (empty if it is not one).
inline std::span<const std::uint8_t> tcp_option_bytes(std::span<const std::uint8_t> frame) {
    const std::size_t ip = driver::eth_header_length;
    if (frame.size() < ip + driver::ipv4_header_length) return {};
    const std::size_t tcp = ip + static_cast<std::size_t>(frame[ip] & 0x0f) * 4;
    if (frame.size() < tcp + wire::min_header_length) return {};
    const std::size_t doff = static_cast<std::size_t>(frame[tcp + 12] >> 4) * 4;
    if (doff < wire::min_header_length || frame.size() < tcp + doff) return {};
    return frame.subspan(tcp + wire::min_header_length, doff - wire::min_header_length);
}

// Script descriptors (3, 4, ... as the script numbers them) to the real ones, which differ.
class FdTable {
public:
    struct Fd {
        int real = -1;
        bool nonblock = false;  // as the script set it; the real socket is always non-blocking
        bool bound = false;
    };
    long long add(int real) {
        long long n = 3;
        while (fds_.count(n)) ++n;
        fds_[n] = Fd{real, false, false};
        return n;
    }
    Fd* find(const std::string& script_fd) {
        char* end = nullptr;
        long long n = std::strtoll(script_fd.c_str(), &end, 10);
        if (end == script_fd.c_str() || *end != '\0') return nullptr;
        auto it = fds_.find(n);
        return it == fds_.end() ? nullptr : &it->second;
    }
    // The real descriptor, forgotten (the caller closes it); -1 if there is none.
    int remove(const std::string& script_fd) {
        Fd* f = find(script_fd);
        if (!f) return -1;
        int real = f->real;
        fds_.erase(std::strtoll(script_fd.c_str(), nullptr, 10));
        return real;
    }
    [[nodiscard]] std::vector<int> reals() const {
        std::vector<int> v;
        for (const auto& [n, f] : fds_) v.push_back(f.real);
        return v;
    }

private:
    std::map<long long, Fd> fds_;
};

// packetdrill moves the times of relative lines after a `>` line by how late or early the
// packet really was, so that "+0 read()" after it runs once it has come. An absolute time
// starts over.
class TimeShift {
public:
    void at_event(const pkt::Event& e) {
        if (!e.relative && !e.any_time) shift_ = 0;
    }
    void packet_seen(const pkt::Event& e, std::int64_t actual_us) { shift_ = actual_us - e.start_us; }
    [[nodiscard]] std::int64_t start(const pkt::Event& e) const { return e.start_us + shift_; }
    [[nodiscard]] std::int64_t end(const pkt::Event& e) const { return e.end_us + shift_; }

private:
    std::int64_t shift_ = 0;
};

// The name of an errno value ("EAGAIN"), as scripts write it.
inline std::string errno_name(int e) {
    const char* n = ::strerrorname_np(e);
    return n ? std::string(n) : "errno " + std::to_string(e);
}

// An errno value from its name ("ECONNREFUSED"), for getsockopt(SO_ERROR) lines.
inline std::optional<int> errno_value(const std::string& name) {
    for (int e = 1; e < 200; ++e)
        if (const char* n = ::strerrorname_np(e); n && name == n) return e;
    return std::nullopt;
}

struct RunResult {
    pkt::RunReport report;
    std::string setup_error;  // nonempty: could not run at all (exit 2)
};

// Runs one script live. `index` numbers the scripts of one invocation: script i uses both
// ports plus i, so that a TIME-WAIT left by one does not meet the next.
RunResult run_script(const std::string& text, const std::string& base_dir, pkt::FileReader read_file,
                     const LiveOptions& o, int index);

} // namespace synfin::pktlive
