// An AF_PACKET socket bound to one Ethernet interface (Linux, packet(7)): whole frames out and
// in, with a receive timeout. It checks what the driver needs before anything is sent: the
// capability (CAP_NET_RAW), that the interface exists, is up and is Ethernet. Frames are
// captured with PACKET_AUXDATA so that a TCP checksum left to offload (TP_STATUS_CSUMNOTREADY,
// which veth passes on unfinished) can be completed before it is verified.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <optional>
#include <poll.h>
#include <span>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <ctime>
#include <unistd.h>
#include <utility>

#include "frame.hpp"

namespace synfin::driver {

enum class LinkError : std::uint8_t { none, no_permission, no_such_interface, interface_down, not_ethernet, system };

struct LinkStatus {
    LinkError error = LinkError::none;
    std::string message;
    [[nodiscard]] bool ok() const { return error == LinkError::none; }
};

struct Received {
    std::size_t length = 0;      // bytes of the frame in the caller's buffer (0: timeout)
    std::optional<timespec> stamp; // when the frame reached the socket (CLOCK_REALTIME, SO_TIMESTAMPNS)
    bool checksum_filled = false; // the TCP checksum was left to offload and was completed here
    bool outgoing = false;        // a frame this host sent (PACKET_OUTGOING): callers skip it
};

class PacketLink {
public:
    PacketLink() = default;
    PacketLink(const PacketLink&) = delete;
    PacketLink& operator=(const PacketLink&) = delete;
    PacketLink(PacketLink&& o) noexcept { *this = std::move(o); }
    PacketLink& operator=(PacketLink&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = o.fd_;
            ifindex_ = o.ifindex_;
            mac_ = o.mac_;
            name_ = std::move(o.name_);
            o.fd_ = -1;
        }
        return *this;
    }
    ~PacketLink() { close(); }

    // Opens the socket and checks the interface. Sends nothing.
    LinkStatus open(const std::string& ifname) {
        close();
        name_ = ifname;
        if (ifname.empty() || ifname.size() >= IFNAMSIZ) return {LinkError::no_such_interface, "bad interface name '" + ifname + "'"};
        int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        if (fd < 0) {
            int e = errno;
            if (e == EPERM || e == EACCES)
                return {LinkError::no_permission,
                        "cannot open an AF_PACKET socket: " + std::string(std::strerror(e)) +
                            " (needs CAP_NET_RAW: run as root, or setcap cap_net_raw+ep on the binary)"};
            return {LinkError::system, "socket(AF_PACKET): " + std::string(std::strerror(e))};
        }
        fd_ = fd;
        ifreq ifr{};
        std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size() + 1);
        if (::ioctl(fd_, SIOCGIFINDEX, &ifr) < 0) {
            close();
            return {LinkError::no_such_interface, "no interface '" + ifname + "' in this network namespace"};
        }
        ifindex_ = ifr.ifr_ifindex;
        if (::ioctl(fd_, SIOCGIFFLAGS, &ifr) < 0) {
            close();
            return {LinkError::system, "SIOCGIFFLAGS " + ifname + ": " + std::strerror(errno)};
        }
        if (!(ifr.ifr_flags & IFF_UP) || !(ifr.ifr_flags & IFF_RUNNING)) {
            close();
            return {LinkError::interface_down, "interface '" + ifname + "' is down (or has no carrier): ip link set " +
                                                   ifname + " up"};
        }
        if (::ioctl(fd_, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
            close();
            return {LinkError::not_ethernet, "interface '" + ifname + "' is not an Ethernet interface"};
        }
        for (std::size_t i = 0; i < 6; ++i) mac_.b[i] = static_cast<std::uint8_t>(ifr.ifr_hwaddr.sa_data[i]);
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = ifindex_;
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) < 0) {
            close();
            return {LinkError::system, "bind to " + ifname + ": " + std::strerror(errno)};
        }
        int one = 1;
        if (::setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
            close();
            return {LinkError::system, std::string("PACKET_AUXDATA: ") + std::strerror(errno)};
        }
        // Arrival times from the kernel, so a busy machine delaying this process does not make
        // the peer's segments look late. Optional: without it, the time of reading is used.
        (void)::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        drain();
        return {};
    }

    // The IPv4 address configured on the interface, if any (SIOCGIFADDR gives the first one).
    [[nodiscard]] std::optional<std::uint32_t> ipv4_address() const {
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) return std::nullopt;
        ifreq ifr{};
        std::memcpy(ifr.ifr_name, name_.c_str(), name_.size() + 1);
        std::optional<std::uint32_t> out;
        if (::ioctl(s, SIOCGIFADDR, &ifr) == 0 && ifr.ifr_addr.sa_family == AF_INET) {
            sockaddr_in sin{};
            std::memcpy(&sin, &ifr.ifr_addr, sizeof sin);
            out = ntohl(sin.sin_addr.s_addr);
        }
        ::close(s);
        return out;
    }

    [[nodiscard]] bool is_open() const { return fd_ >= 0; }
    [[nodiscard]] const Mac& mac() const { return mac_; }
    [[nodiscard]] const std::string& name() const { return name_; }

    // Sends one whole frame. Returns 0 or an errno value.
    int send(std::span<const std::uint8_t> frame) const {
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_ifindex = ifindex_;
        sll.sll_halen = 6;
        std::memcpy(sll.sll_addr, frame.data(), 6);
        ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&sll), sizeof sll);
        if (n < 0) return errno;
        return static_cast<std::size_t>(n) == frame.size() ? 0 : EMSGSIZE;
    }

    // Waits up to timeout_ms (0: poll once) for one frame. length 0 on timeout; -errno in
    // `error` on failure.
    Received receive(std::span<std::uint8_t> buf, int timeout_ms, int& error) const {
        error = 0;
        pollfd pfd{fd_, POLLIN, 0};
        int r = ::poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
        if (r < 0) {
            error = errno == EINTR ? 0 : errno;
            return {};
        }
        if (r == 0) return {};
        sockaddr_ll from{};
        iovec iov{buf.data(), buf.size()};
        alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(tpacket_auxdata)) + CMSG_SPACE(sizeof(timespec))];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
        if (n < 0) {
            error = (errno == EAGAIN || errno == EINTR) ? 0 : errno;
            return {};
        }
        Received out;
        out.length = static_cast<std::size_t>(n) > buf.size() ? buf.size() : static_cast<std::size_t>(n);
        out.outgoing = from.sll_pkttype == PACKET_OUTGOING;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                out.stamp = ts;
                continue;
            }
            if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
            tpacket_auxdata aux{};
            std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
                out.checksum_filled = fill_tcp_checksum(buf.first(out.length));
        }
        return out;
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    // Frames queued between socket() and bind() may come from any interface: drop them.
    void drain() {
        unsigned char b[64];
        while (::recv(fd_, b, sizeof b, MSG_DONTWAIT) >= 0) {
        }
    }

    int fd_ = -1;
    int ifindex_ = 0;
    Mac mac_{};
    std::string name_;
};

} // namespace synfin::driver
