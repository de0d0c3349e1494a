// The live packetdrill runner (checks/pkt_live.hpp): one script against the kernel in a
// network namespace, on the wall clock, through the raw-socket driver.
#include "pkt_live.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <utility>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <synfin/driver/driver.hpp>

#include "netns.hpp"

namespace synfin::pktlive {

namespace {

using pkt::Event;
using pkt::EventKind;
using pkt::RunReport;
using pkt::Verdict;
using pkt::secs;
using live::to_sockaddr;

// A frame the kernel sent, not yet taken by a `>` line.
struct Seen {
    Segment<Seq32> seg{};
    std::vector<std::uint8_t> options;
    std::int64_t at_us = 0;
};

struct Ret {
    long long value = 0;
    std::string err;
};

// setsockopt/getsockopt names the scripts may use.
struct SockOpt {
    const char* name;
    int level, opt;
};
constexpr SockOpt sockopts[] = {
    {"SO_LINGER", SOL_SOCKET, SO_LINGER},       {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE},
    {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR}, {"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT},
    {"SO_ERROR", SOL_SOCKET, SO_ERROR},         {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY},
    {"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE}, {"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL},
    {"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT},   {"TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG},
    {"TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT},
};

// read/write byte counts: real buffers are allocated for them, so they are bounded.
constexpr std::size_t max_io = 16 << 20;
bool is_io(const std::string& call) { return call == "read" || call == "recv" || call == "write" || call == "send"; }
std::optional<std::size_t> io_size(const pkt::ScriptCall& c) {
    if (c.args.size() < 3) return std::nullopt;
    const std::string& a = c.args[2];
    char* end = nullptr;
    unsigned long long n = std::strtoull(a.c_str(), &end, 10);
    if (a.empty() || end == a.c_str() || *end != '\0' || a[0] == '-' || n > max_io) return std::nullopt;
    return static_cast<std::size_t>(n);
}

const SockOpt* find_sockopt(const std::string& name) {
    for (const auto& s : sockopts)
        if (name == s.name) return &s;
    return nullptr;
}

class LiveRunner {
public:
    LiveRunner(const LiveOptions& o, live::Netns& ns, std::string base_dir, pkt::FileReader rf)
        : o_(o), tol_(o.tolerance_us), ns_(ns), base_dir_(std::move(base_dir)), read_file_(rf) {}

    ~LiveRunner() {
        for (int fd : fds_.reals()) ::close(fd);
        restore_sysctls();
    }
    LiveRunner(const LiveRunner&) = delete;
    LiveRunner& operator=(const LiveRunner&) = delete;

    // Everything that cannot run is found before anything is set or sent.
    bool prepare(const pkt::Script& script) {
        for (const auto& e : script.events) precheck(e);
        return rep_.verdict == Verdict::pass;
    }

    RunReport run(const pkt::Script& script, driver::Driver& d) {
        drv_ = &d;
        if (tol_ != o_.tolerance_us)
            rep_.notes.push_back("tolerance " + std::to_string(tol_) + " us (the script's, larger than --tolerance_usecs)");
        t0_ = driver::Clock::now();
        for (const auto& e : script.events) {
            if (rep_.verdict != Verdict::pass) break;
            if (e.kind == EventKind::option) continue;
            shift_.at_event(e);
            const std::int64_t start = shift_.start(e), end = shift_.end(e);
            if (pending_ && start > pending_->end_us + tol_) {
                fail(*pending_->event, "'" + pending_->event->call.name + "' did not return by " + secs(pending_->end_us));
                break;
            }
            if (e.kind == EventKind::packet && !e.packet.inbound) {
                expect(e, start, end);
                continue;
            }
            wait_until(start);
            if (rep_.verdict != Verdict::pass) break;
            check_unexpected(e, start);
            if (rep_.verdict != Verdict::pass) break;
            if (e.kind == EventKind::shell) shell(e);
            else if (e.kind == EventKind::packet) send_inbound(e);
            else call(e, start, end);
        }
        if (rep_.verdict == Verdict::pass && pending_) {
            wait_until(pending_->end_us + tol_ + 1);
            if (pending_) fail(*pending_->event, "'" + pending_->event->call.name + "' never returned");
        }
        if (rep_.verdict == Verdict::pass && !queue_.empty())
            rep_.notes.push_back("the kernel sent " + std::to_string(queue_.size()) +
                                 " more segment(s) after the last line (not checked, as packetdrill): " + describe(queue_.front()));
        return std::move(rep_);
    }

    [[nodiscard]] const RunReport& report() const { return rep_; }

private:
    struct Pending {
        const Event* event;
        std::int64_t start_us, end_us;
    };

    const LiveOptions& o_;
    std::int64_t tol_;
    driver::Driver* drv_ = nullptr;
    live::Netns& ns_;
    std::string base_dir_;
    pkt::FileReader read_file_;
    RunReport rep_{};
    SeqMap seq_{};
    TimeShift shift_{};
    FdTable fds_{};
    std::deque<Seen> queue_;
    std::optional<Pending> pending_;
    driver::Clock::time_point t0_{};
    std::uint32_t kernel_ts_ = 0;
    std::vector<std::pair<std::string, std::string>> restore_;  // sysctl path, value before the script
    std::map<const Event*, std::vector<std::pair<std::string, std::string>>> settings_;  // of each shell line

    void fail(const Event& e, const std::string& msg) { rep_.fail(e, msg); }
    void unsupported(const Event& e, const std::string& why) { rep_.unsupported(e, why); }

    [[nodiscard]] std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(driver::Clock::now() - t0_).count();
    }

    std::string describe(const Seen& s) const {
        return pkt::describe(s.seg, Seq32(seq_.kernel_isn.value_or(0)), s.options, seq_.remote_offset);
    }

    // ---- before the run ----------------------------------------------------------------------
    void precheck(const Event& e) {
        switch (e.kind) {
        case EventKind::unsupported: unsupported(e, e.unsupported); break;
        case EventKind::option:
            if (auto t = pkt::tolerance_option(e.shell); t && *t < 0)
                fail(e, pkt::tolerance_error(std::string_view(e.shell).substr(18)));
            else if (t) tol_ = std::max(tol_, *t);
            else unsupported(e, "option line '" + e.shell + "'");
            break;
        case EventKind::call:
            for (const auto& why : pkt::unsupported_call(e.call)) unsupported(e, why);
            if (is_io(e.call.name) && !io_size(e.call)) unsupported(e, "a byte count other than 0.." + std::to_string(max_io));
            break;
        case EventKind::shell:
            settings_[&e] = sysctls_of(e);
            for (const auto& setting : settings_[&e]) {
                const std::string& key = setting.first;
                bool exists = false;
                std::string err;
                ns_.run([&] { exists = ::access(live::sysctl_path(key).c_str(), W_OK) == 0; }, err);
                if (!exists) unsupported(e, "this kernel has no writable sysctl " + key + (err.empty() ? "" : " (" + err + ")"));
            }
            break;
        case EventKind::packet: break;
        }
    }

    // The sysctls a shell line sets, its own and those of the settings scripts it names.
    // Anything else is unsupported (the script's line) or not run (a settings script's line).
    std::vector<std::pair<std::string, std::string>> sysctls_of(const Event& e) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& cmd : pkt::shell_commands(e.shell)) {
            if (auto a = pkt::sysctl_assignment(cmd)) {
                out.push_back(*a);
                continue;
            }
            auto file = pkt::settings_script(cmd);
            if (!file) {
                unsupported(e, "shell command '" + cmd + "' (only sysctls and settings scripts)");
                continue;
            }
            auto text = read_file_ ? read_file_(*file, base_dir_) : std::nullopt;
            if (!text) {
                unsupported(e, "cannot read the script '" + *file + "'");
                continue;
            }
            for (const auto& l : pkt::settings_lines(*text)) {
                if (l.sysctl) out.push_back(*l.sysctl);
                else rep_.notes.push_back("line " + std::to_string(e.line) + ": " + *file + ":" + std::to_string(l.line) +
                                          ": not run (not a sysctl): " + l.text);
            }
        }
        for (auto& [k, v] : out) {
            for (auto& c : k)
                if (c == '/') c = '.';
            if (k.rfind("proc.sys.", 0) == 0) k = k.substr(9);
        }
        return out;
    }

    // ---- shell lines: sysctls written in the namespace, put back after the script ------------
    void shell(const Event& e) {
        std::string failed, err;
        const auto& settings = settings_[&e];
        ns_.run([&] {
            for (const auto& [key, value] : settings) {
                const std::string path = live::sysctl_path(key);
                auto old = live::read_file(path);
                std::ofstream f(path);
                f << value << "\n";
                f.flush();
                if (!f) failed += " " + key;
                else if (old) restore_.emplace_back(path, *old);
                rep_.notes.push_back("line " + std::to_string(e.line) + ": sysctl " + key + "=" + value);
            }
        }, err);
        if (!err.empty()) fail(e, err);
        else if (!failed.empty()) fail(e, "cannot set sysctl(s)" + failed + " in namespace " + o_.netns);
    }

    void restore_sysctls() {
        if (restore_.empty()) return;
        std::string err;
        ns_.run([&] {
            for (auto it = restore_.rbegin(); it != restore_.rend(); ++it) std::ofstream(it->first) << it->second << "\n";
        }, err);
        restore_.clear();
    }

    // ---- frames from the kernel ----------------------------------------------------------------
    // Collects the kernel's frames until `until_us` (script time), answering a pending call as
    // soon as it can return; stops early once a frame is queued if `stop_on_frame`.
    void wait_until(std::int64_t until_us, bool stop_on_frame = false) {
        for (;;) {
            poll_pending();
            if (rep_.verdict != Verdict::pass) return;
            const std::int64_t now = now_us();
            if (now >= until_us) return;
            // A pending call is retried every millisecond; otherwise sleep until the next frame.
            std::int64_t slice = pending_ ? std::min<std::int64_t>(until_us, now + 1000) : until_us;
            int error = 0;
            auto in = drv_->receive(t0_ + std::chrono::microseconds(slice), error);
            if (error != 0) {
                rep_.verdict = Verdict::fail;
                rep_.messages.push_back("receive: " + std::string(std::strerror(error)));
                return;
            }
            if (!in) continue;
            Seen s;
            s.seg = in->seg;
            auto opts = tcp_option_bytes(in->frame);
            s.options.assign(opts.begin(), opts.end());
            s.at_us = std::chrono::duration_cast<std::chrono::microseconds>(in->at - t0_).count();
            seq_.learn(s.seg);
            if (s.seg.opt.timestamps) kernel_ts_ = s.seg.opt.ts_val;
            queue_.push_back(std::move(s));
            if (stop_on_frame) return;
        }
    }

    void check_unexpected(const Event& e, std::int64_t start) {
        if (!queue_.empty() && queue_.front().at_us < start - tol_)
            fail(e, "the kernel sent " + describe(queue_.front()) + " at " + secs(queue_.front().at_us) +
                        ", which no '>' line expects before this line");
    }

    // ---- `>`: the kernel's next frame must match ---------------------------------------------
    void expect(const Event& e, std::int64_t start, std::int64_t end) {
        // `*`: any time; a minute is as long as any script here waits.
        const std::int64_t by = e.any_time ? now_us() + 60000000 : end + tol_;
        while (queue_.empty() && rep_.verdict == Verdict::pass && now_us() < by) wait_until(by, true);
        if (rep_.verdict != Verdict::pass) return;
        if (queue_.empty()) {
            fail(e, "expected the kernel to send a segment by " + secs(by) + "; it sent nothing");
            return;
        }
        Seen got = std::move(queue_.front());
        queue_.pop_front();
        std::vector<std::string> diffs;
        if (!e.any_time && (got.at_us < start - tol_ || got.at_us > end + tol_))
            diffs.push_back("sent at " + secs(got.at_us) + ", expected at " + secs(start));
        // Before any SYN (an RST for a closed port) the kernel's numbers are taken as they are.
        for (auto& d : pkt::segment_diffs(got.seg, Seq32(seq_.kernel_isn.value_or(0)), got.options, e.packet, seq_.remote_offset))
            diffs.push_back(d);
        if (!diffs.empty()) {
            std::string msg = "the kernel sent " + describe(got) + " at " + secs(got.at_us) + ":";
            for (const auto& d : diffs) msg += " " + d + ";";
            fail(e, msg);
        } else {
            rep_.notes.push_back("line " + std::to_string(e.line) + ": the kernel sent it at " + secs(got.at_us) +
                                 " (script " + secs(start) + ")");
        }
        shift_.packet_seen(e, got.at_us);
    }

    // ---- `<`: a frame to the kernel ------------------------------------------------------------
    void send_inbound(const Event& e) {
        const auto own_ts = static_cast<std::uint32_t>(now_us() / 1000 + 1);
        auto in = inbound(e.packet, seq_, own_ts, kernel_ts_);
        if (!in.error.empty()) {
            fail(e, in.error);
            return;
        }
        if (int err = drv_->send(in.seg); err != 0) fail(e, "sending the segment: " + std::string(std::strerror(err)));
    }

    // ---- system calls, on the namespace's sockets ------------------------------------------------
    static Ret result(long long v) { return v < 0 ? Ret{-1, errno_name(errno)} : Ret{v, ""}; }

    void call(const Event& e, std::int64_t start, std::int64_t end) {
        if (pending_) {
            unsupported(e, "a system call while '" + pending_->event->call.name + "' blocks (one at a time, as packetdrill)");
            return;
        }
        auto r = perform(e, true);
        if (rep_.verdict != Verdict::pass) return;
        if (r) finish(e, *r, start, end);
        else pending_ = Pending{&e, start, end};
    }

    void poll_pending() {
        if (!pending_) return;
        auto r = perform(*pending_->event, false);
        if (!r) return;
        Pending p = *pending_;
        pending_.reset();
        finish(*p.event, *r, p.start_us, p.end_us);
    }

    void finish(const Event& e, const Ret& r, std::int64_t start, std::int64_t end) {
        const std::int64_t at = now_us();
        if (auto m = pkt::return_outside(e.call, start, end, tol_, at)) fail(e, *m);
        else if (auto w = pkt::wrong_return(e.call, r.value, r.err)) fail(e, *w);
    }

    // The call's result, or nullopt while it would block a blocking descriptor. `first`: the
    // call is made now, not retried (connect is made once, then waited for).
    std::optional<Ret> perform(const Event& e, bool first) {
        const auto& c = e.call;
        auto arg = [&](std::size_t i) { return i < c.args.size() ? c.args[i] : std::string(); };
        if (c.name == "socket") {
            int fd = -1, saved = 0;
            std::string err;
            ns_.run([&] {
                fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
                saved = errno;
            }, err);
            if (!err.empty()) { fail(e, err); return std::nullopt; }
            if (fd < 0) return Ret{-1, errno_name(saved)};
            return Ret{fds_.add(fd), ""};
        }
        FdTable::Fd* f = fds_.find(arg(0));
        if (c.name == "close") {
            int real = fds_.remove(arg(0));
            return real < 0 ? Ret{-1, "EBADF"} : result(::close(real));
        }
        if (!f) return Ret{-1, "EBADF"};
        const int fd = f->real;
        auto would_block = [&](long long v) { return v < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !f->nonblock; };
        if (c.name == "bind") {
            auto me = to_sockaddr(o_.peer);
            f->bound = true;
            return result(::bind(fd, reinterpret_cast<const sockaddr*>(&me), sizeof me));
        }
        if (c.name == "listen") return result(::listen(fd, static_cast<int>(std::strtol(arg(1).c_str(), nullptr, 10))));
        if (c.name == "accept") {
            int n = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (would_block(n)) return std::nullopt;
            if (n < 0) return result(n);
            return Ret{fds_.add(n), ""};
        }
        if (c.name == "connect") return connect(*f, first);
        if (c.name == "write" || c.name == "send") {
            std::vector<char> buf(*io_size(c), 'x');
            ssize_t n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
            if (would_block(n)) return std::nullopt;
            return result(n);
        }
        if (c.name == "read" || c.name == "recv") {
            std::vector<char> buf(std::max<std::size_t>(1, *io_size(c)));
            ssize_t n = ::recv(fd, buf.data(), *io_size(c), 0);
            if (would_block(n)) return std::nullopt;
            return result(n);
        }
        if (c.name == "shutdown") {
            const std::string how = arg(1);
            int h = how == "SHUT_RD" || how == "0" ? SHUT_RD : how == "SHUT_WR" || how == "1" ? SHUT_WR : SHUT_RDWR;
            return result(::shutdown(fd, h));
        }
        if (c.name == "fcntl") {
            if (arg(1) == "F_SETFL") {
                f->nonblock = arg(2).find("O_NONBLOCK") != std::string::npos;
                return Ret{0, ""};
            }
            int fl = ::fcntl(fd, F_GETFL);
            if (fl < 0) return result(fl);
            return Ret{(fl & ~O_NONBLOCK) | (f->nonblock ? O_NONBLOCK : 0), ""};
        }
        if (c.name == "setsockopt" || c.name == "getsockopt") return sockopt(e, fd);
        unsupported(e, "system call '" + c.name + "'");
        return std::nullopt;
    }

    // connect() goes from --peer (the kernel's address, bound if the script did not) to the
    // driver. The real socket is non-blocking: a blocking connect is waited for with poll().
    std::optional<Ret> connect(FdTable::Fd& f, bool first) {
        if (first) {
            if (!f.bound) {
                auto me = to_sockaddr(o_.peer);
                int one = 1;
                ::setsockopt(f.real, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (::bind(f.real, reinterpret_cast<const sockaddr*>(&me), sizeof me) != 0) return result(-1);
                f.bound = true;
            }
            auto to = to_sockaddr(o_.local);
            if (::connect(f.real, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return Ret{0, ""};
            if (errno != EINPROGRESS || f.nonblock) return result(-1);
            return std::nullopt;
        }
        pollfd p{f.real, POLLOUT, 0};
        if (::poll(&p, 1, 0) <= 0) return std::nullopt;
        int so = 0;
        socklen_t len = sizeof so;
        ::getsockopt(f.real, SOL_SOCKET, SO_ERROR, &so, &len);
        return so == 0 ? Ret{0, ""} : Ret{-1, errno_name(so)};
    }

    std::optional<Ret> sockopt(const Event& e, int fd) {
        const auto& c = e.call;
        const std::string name = c.args.size() > 2 ? c.args[2] : "";
        const std::string val = c.args.size() > 3 ? c.args[3] : "";
        const SockOpt* so = find_sockopt(name);
        if (!so) {
            unsupported(e, "socket option " + name);
            return std::nullopt;
        }
        auto v = pkt::braces(val);
        if (c.name == "setsockopt") {
            if (so->opt == SO_LINGER && so->level == SOL_SOCKET) {
                linger l{v.size() > 0 ? static_cast<int>(v[0]) : 0, v.size() > 1 ? static_cast<int>(v[1]) : 0};
                return result(::setsockopt(fd, so->level, so->opt, &l, sizeof l));
            }
            int x = v.empty() ? 0 : static_cast<int>(v[0]);
            return result(::setsockopt(fd, so->level, so->opt, &x, sizeof x));
        }
        int got = 0;
        socklen_t len = sizeof got;
        if (::getsockopt(fd, so->level, so->opt, &got, &len) != 0) return result(-1);
        // The value is checked like packetdrill does: SO_ERROR by errno name, others as numbers.
        long long want = v.empty() ? 0 : v[0];
        std::string inner = val.size() >= 2 && val.front() == '[' ? val.substr(1, val.size() - 2) : val;
        if (auto n = errno_value(inner)) want = *n;
        if (got != want) {
            fail(e, "getsockopt " + name + " gave " + (so->opt == SO_ERROR && got != 0 ? errno_name(got) : std::to_string(got)) +
                        ", expected " + val);
            return std::nullopt;
        }
        return Ret{0, ""};
    }
};

} // namespace

RunResult run_script(const std::string& text, const std::string& base_dir, pkt::FileReader read_file, const LiveOptions& base,
                     int index) {
    RunResult out;
    auto parsed = pkt::parse(text);
    if (auto* d = std::get_if<pkt::Diag>(&parsed)) {
        out.report.verdict = Verdict::fail;
        out.report.messages.push_back(std::to_string(d->line) + ":" + std::to_string(d->column) + ": " + d->message);
        return out;
    }
    LiveOptions o = base;
    o.peer.port = static_cast<std::uint16_t>(o.peer.port + index);
    o.local.port = static_cast<std::uint16_t>(o.local.port + index);
    // The namespace, the script's support and the link before anything is set or sent.
    live::Netns ns;
    if (!ns.open(o.netns, out.setup_error)) return out;
    const auto& script = std::get<pkt::Script>(parsed);
    LiveRunner runner(o, ns, base_dir, read_file);
    if (!runner.prepare(script)) {
        out.report = runner.report();
        return out;
    }
    driver::Driver drv;
    if (auto st = drv.open(o.iface, o.local, o.peer, std::nullopt); !st.ok()) {
        out.setup_error = st.message;
        return out;
    }
    if (auto st = drv.resolve_peer(3000); !st.ok()) {
        out.setup_error = st.message;
        return out;
    }
    out.report = runner.run(script, drv);
    out.report.notes.insert(out.report.notes.begin(),
                            "live: kernel socket " + driver::to_string(o.peer) + " in namespace " + o.netns + ", driver " +
                                driver::to_string(o.local) + " on " + o.iface);
    return out;
}

} // namespace synfin::pktlive
