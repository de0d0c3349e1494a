// Live-stack plumbing shared by `synfin replay` and `synfin pkt run --live`: running code inside
// another network namespace, and reading or writing its sysctls.
#pragma once

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <synfin/driver/frame.hpp>

namespace synfin::live {

// Runs functions in another network namespace: on a thread that setns()es into it, so this
// process stays where it is. Sockets keep the namespace they were created in.
class Netns {
public:
    ~Netns() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool open(const std::string& name, std::string& err) {
        if (name.find('/') != std::string::npos || name.empty()) {
            err = "bad network namespace name '" + name + "'";
            return false;
        }
        std::string path = "/run/netns/" + name;
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            err = "no network namespace '" + name + "' (" + path + ": " + std::strerror(errno) + ")";
            return false;
        }
        std::string e2;
        if (!run([] {}, e2)) {
            err = e2;
            return false;
        }
        return true;
    }
    bool run(const std::function<void()>& f, std::string& err) const {
        bool ok = false;
        std::thread t([&] {
            if (::setns(fd_, CLONE_NEWNET) != 0) {
                err = std::string("setns: ") + std::strerror(errno) + " (needs CAP_SYS_ADMIN)";
                return;
            }
            f();
            ok = true;
        });
        t.join();
        return ok;
    }

private:
    int fd_ = -1;
};

inline std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s)
        if (c == '\t') c = ' ';
    return s;
}

inline std::string sysctl_path(const std::string& key) {
    std::string p = "/proc/sys/" + key;
    for (std::size_t i = 10; i < p.size(); ++i)
        if (p[i] == '.') p[i] = '/';
    return p;
}

// An IPv4 endpoint as the socket calls take it.
inline sockaddr_in to_sockaddr(driver::Endpoint e) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(e.port);
    sin.sin_addr.s_addr = htonl(e.addr);
    return sin;
}

} // namespace synfin::live
