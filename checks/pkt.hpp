// `synfin pkt run` (packetdrill scripts against the model) and `synfin trace export` (a checker
// trace as a packetdrill script or a pcap file). docs/packetdrill.md.
// Export maps 1 tick to 1 s; actions within a tick are 1 ms apart after a timer of the host
// under test fired, so that the order of timer and event survives. Sequence numbers are the
// trace's own (3 bits); a `// synfin-pkt:` comment tells `pkt run` the configuration, the
// host and its ISSs, and packetdrill reads it as a comment.
#pragma once

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <synfin/packetdrill.hpp>
#include <synfin/pcap.hpp>

#include "runner.hpp"

int run_pkt(const std::vector<std::string>& args);
int run_trace_export(const std::vector<std::string>& args);

namespace synfin::pktexport {

using namespace synfin::suite;
using S3 = Seq<seq_bits>;

inline std::string time_text(std::int64_t us) {
    char b[40];
    std::snprintf(b, sizeof b, "%lld.%06lld", static_cast<long long>(us / 1000000), static_cast<long long>(us % 1000000));
    return b;
}

inline std::string flags_text(Flags f) {
    std::string s;
    if (f.syn()) s += 'S';
    if (f.fin()) s += 'F';
    if (f.rst()) s += 'R';
    if (f.psh()) s += 'P';
    if (f.ack()) s += '.';
    return s.empty() ? std::string("-") : s;
}

// Options in Linux's layout (wire::detail::write_options), as packetdrill spells them.
inline std::string options_text(const Options& o) {
    std::vector<std::string> v;
    if (o.has_mss()) v.push_back("mss " + std::to_string(o.mss));
    if (o.timestamps) {
        if (o.sack_permitted) v.push_back("sackOK");
        else { v.push_back("nop"); v.push_back("nop"); }
        v.push_back("TS val " + std::to_string(o.ts_val) + " ecr " + std::to_string(o.ts_ecr));
    } else if (o.sack_permitted) {
        v.push_back("nop"); v.push_back("nop"); v.push_back("sackOK");
    }
    if (o.has_wscale()) { v.push_back("nop"); v.push_back("wscale " + std::to_string(o.wscale)); }
    if (v.empty()) return "";
    std::string s = " <";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
    return s + ">";
}

struct Exported {
    std::string text;
    std::vector<pcap::Packet> packets;
    std::string error;
};

inline constexpr std::uint32_t addr_a = 0xc0000201, addr_b = 0xc0000202; // 192.0.2.1, 192.0.2.2
inline constexpr std::uint16_t port_a = 40001, port_b = 8080;

// The trace from host `host`'s point of view as a packetdrill script, and every segment either
// host sent as pcap packets. The cycle of a liveness trace is played once.
inline Exported export_trace(const Trace& t, int host) {
    Exported ex;
    auto config = config_named(t.config);
    if (!config) { ex.error = "unknown configuration '" + t.config + "'"; return ex; }
    System<seq_bits> sys(*config);
    const Config& cfg = sys.config();
    const Profile& hp = cfg.host[host].profile;
    const int peer = 1 - host;
    auto s = sys.initial();

    std::ostringstream body;
    std::vector<unsigned> isses;
    std::int64_t tick = 0;
    int sub = 0;          // 1 ms steps within a tick, after a timer of `host` fired
    int pcap_sub = 0;     // per-action 1 ms steps for the pcap
    std::set<long long> fds;
    long long listener = -1, conn = -1;
    bool passive = false, accepted = false;
    unsigned iss = 0;
    auto new_fd = [&] { long long n = 3; while (fds.count(n)) ++n; fds.insert(n); return n; };
    auto now = [&] { return tick * 1000000 + sub * 1000; };
    auto line = [&](const std::string& l) { body << time_text(now()) << ' ' << l << '\n'; };

    std::vector<Action> all = t.stem;
    all.insert(all.end(), t.cycle.begin(), t.cycle.end());
    bool stopped = false;
    for (std::size_t i = 0; i < all.size() && !stopped; ++i) {
        Action a = all[i];
        if (i == t.stem.size() && !t.cycle.empty()) body << "// the cycle (repeats forever in the trace; played once here)\n";
        if (!enabled(sys, s, a)) { ex.error = "step " + std::to_string(i + 1) + " is not enabled"; return ex; }
        const Tcb<S3> before = s.host[host].tcb;
        Outcome<seq_bits> out;
        // What a user call of `host` returns, from the model itself.
        UserError uerr = UserError::ok;
        UserAction uact = UserAction::connect;
        if (a.kind == ActionKind::user) {
            const auto& st = cfg.host[a.host].script[s.host[a.host].pc];
            uact = st.action;
            if (a.host == host && st.action == UserAction::send) uerr = step(before, Send{st.bytes}, 0, hp).effects.error;
        }
        std::uint32_t unread_after = 0;
        if (a.kind == ActionKind::deliver && a.host == peer) {
            auto seg = to_segment<seq_bits>(s.channel[a.host][packet_index(a)], static_cast<std::uint16_t>(cfg.host[peer].profile.rcv_wnd));
            unread_after = step(before, SegmentArrives<S3>{seg}, 0, hp).tcb.unread;
        }
        auto next = sys.apply(s, a, &out);
        if (a.kind == ActionKind::deliver && a.host == peer && s.host[host].listen_used &&
            s.host[host].tcb.state == State::listen && next.host[host].tcb.state != State::listen) {
            iss = next.host[host].tcb.iss.value(); // a later attempt of the listener: its fresh ISS
            isses.push_back(iss);
        }
        // pcap: what was sent in this step
        std::int64_t pt = tick * 1000000 + pcap_sub * 1000;
        ++pcap_sub;
        int sender = a.kind == ActionKind::deliver ? 1 - a.host : a.host;
        for (std::size_t k = 0; k < out.sent_count; ++k) {
            pcap::Packet p;
            p.time_us = pt;
            p.src_addr = sender == 0 ? addr_a : addr_b;
            p.dst_addr = sender == 0 ? addr_b : addr_a;
            p.tcp.src_port = sender == 0 ? port_a : port_b;
            p.tcp.dst_port = sender == 0 ? port_b : port_a;
            const auto& sg = out.sent[k];
            p.tcp.seg.flags = sg.flags;
            p.tcp.seg.seq = Seq32(sg.seq.value());
            p.tcp.seg.ack = Seq32(sg.ack.value());
            p.tcp.seg.wnd = sg.wnd;
            p.tcp.seg.len = sg.len;
            p.tcp.seg.opt = sg.opt;
            ex.packets.push_back(p);
        }
        switch (a.kind) {
        case ActionKind::user:
            if (a.host != host) break;
            switch (uact) {
            case UserAction::connect: {
                iss = a.arg;
                isses.push_back(iss);
                long long f = new_fd();
                conn = f;
                passive = false;
                line("socket(..., SOCK_STREAM, IPPROTO_TCP) = " + std::to_string(f));
                line("fcntl(" + std::to_string(f) + ", F_SETFL, O_RDWR|O_NONBLOCK) = 0");
                line("connect(" + std::to_string(f) + ", ..., ...) = -1 EINPROGRESS (Operation now in progress)");
                break;
            }
            case UserAction::listen: {
                iss = a.arg;
                isses.push_back(iss);
                long long f = new_fd();
                listener = f;
                passive = true;
                accepted = false;
                line("socket(..., SOCK_STREAM, IPPROTO_TCP) = " + std::to_string(f));
                line("bind(" + std::to_string(f) + ", ..., ...) = 0");
                line("listen(" + std::to_string(f) + ", 1) = 0");
                break;
            }
            case UserAction::send: {
                const auto& st = cfg.host[host].script[s.host[host].pc];
                if (conn < 0) line("write(" + std::to_string(listener) + ", ..., " + std::to_string(st.bytes) + ") = -1 ENOTCONN");
                else if (uerr == UserError::ok) line("write(" + std::to_string(conn) + ", ..., " + std::to_string(st.bytes) + ") = " + std::to_string(st.bytes));
                else line("write(" + std::to_string(conn) + ", ..., " + std::to_string(st.bytes) + ") = -1 EPIPE (Broken pipe)");
                break;
            }
            case UserAction::close:
            case UserAction::abort: {
                long long f = conn >= 0 ? conn : listener;
                if (f < 0) break;
                if (uact == UserAction::abort)
                    line("setsockopt(" + std::to_string(f) + ", SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
                line("close(" + std::to_string(f) + ") = 0");
                fds.erase(f);
                if (f == conn) conn = -1; else listener = -1;
                break;
            }
            case UserAction::receive: {
                const auto& st = cfg.host[host].script[s.host[host].pc];
                const std::uint32_t got = st.bytes < before.unread ? st.bytes : before.unread;
                if (conn < 0) line("read(" + std::to_string(listener) + ", ..., " + std::to_string(st.bytes) + ") = -1 ENOTCONN");
                else line("read(" + std::to_string(conn) + ", ..., " + std::to_string(st.bytes) + ") = " + std::to_string(got));
                break;
            }
            case UserAction::shutdown: {
                long long f = conn >= 0 ? conn : listener;
                bool ok = conn >= 0 && before.state != State::closed && before.state != State::listen;
                line("shutdown(" + std::to_string(f) + ", SHUT_WR) = " + (ok ? std::string("0") : std::string("-1 ENOTCONN")));
                break;
            }
            }
            break;
        case ActionKind::deliver: {
            if (a.host != peer) break;
            const auto& pk = out.packet;
            std::string l = "< " + flags_text(Flags(pk.flags)) + ' ' + std::to_string(pk.seq) + ':' +
                            std::to_string(pk.seq + pk.len) + '(' + std::to_string(pk.len) + ')';
            if (Flags(pk.flags).ack()) l += " ack " + std::to_string((pk.ack - iss) & S3::mask);
            l += " win " + std::to_string(cfg.host[peer].profile.rcv_wnd);
            line(l);
            break;
        }
        case ActionKind::timeout: break;
        case ActionKind::tick: ++tick; sub = 0; pcap_sub = 0; break;
        case ActionKind::crash:
            if (a.host == host) {
                body << "// host " << host_name(host) << " crashes here: a stack under test cannot crash, the script ends\n";
                stopped = true;
            } else {
                body << "// host " << host_name(peer) << " (the remote) crashes\n";
            }
            break;
        case ActionKind::lose:
        case ActionKind::duplicate:
            body << "// network: " << name(a.kind) << ' ' << host_name(a.host) << "->" << host_name(1 - a.host) << '\n';
            break;
        }
        // What `host` sent in this step.
        if (!stopped && ((a.kind == ActionKind::deliver && a.host == peer) || (a.kind != ActionKind::deliver && a.host == host &&
                                                                              a.kind != ActionKind::tick && a.kind != ActionKind::lose &&
                                                                              a.kind != ActionKind::duplicate && a.kind != ActionKind::crash))) {
            for (std::size_t k = 0; k < out.sent_count; ++k) {
                const auto& sg = out.sent[k];
                std::uint32_t rel = (sg.seq - S3(iss));
                std::string l = "> " + flags_text(sg.flags) + ' ' + std::to_string(rel) + ':' + std::to_string(rel + sg.len) + '(' +
                                std::to_string(sg.len) + ')';
                if (sg.flags.ack()) l += " ack " + std::to_string(sg.ack.value());
                l += " win " + std::to_string(sg.wnd);
                l += options_text(sg.opt);
                line(l);
            }
            const auto& h = next.host[host].tcb;
            if (passive && !accepted && listener >= 0 && h.state != State::closed && h.state != State::listen &&
                h.state != State::syn_received) {
                conn = new_fd();
                accepted = true;
                line("accept(" + std::to_string(listener) + ", ..., ...) = " + std::to_string(conn));
            }
            if (cfg.host[host].reads_all && unread_after > 0 && conn >= 0)
                line("read(" + std::to_string(conn) + ", ..., 1000) = " + std::to_string(unread_after));
        }
        if (a.kind == ActionKind::timeout && a.host == host) ++sub;
        s = next;
    }
    std::ostringstream head;
    head << "// " << t.property << " on " << t.config << ": host " << host_name(host)
         << " is the stack under test (exported by synfin trace export)\n";
    head << "// Time: 1 tick of the trace = 1 s. Sequence numbers are the trace's (" << seq_bits << " bits).\n";
    head << "// synfin-pkt: config=" << t.config << " host=" << host_name(host) << " iss=";
    for (std::size_t i = 0; i < isses.size(); ++i) head << (i ? "," : "") << isses[i];
    if (isses.empty()) head << '0';
    head << "\n";
    ex.text = head.str() + body.str();
    return ex;
}

// Reads a `// synfin-pkt: config=S/P host=A iss=0,4` directive, if the script has one.
struct Directive {
    std::string config;
    int host = 0;
    std::vector<std::uint32_t> iss;
};

inline std::optional<Directive> find_directive(const std::string& text) {
    auto at = text.find("// synfin-pkt:");
    if (at == std::string::npos) return std::nullopt;
    auto end = text.find('\n', at);
    std::istringstream in(text.substr(at + 14, end == std::string::npos ? std::string::npos : end - at - 14));
    Directive d;
    std::string w;
    while (in >> w) {
        if (w.rfind("config=", 0) == 0) d.config = w.substr(7);
        else if (w == "host=A") d.host = 0;
        else if (w == "host=B") d.host = 1;
        else if (w.rfind("iss=", 0) == 0) {
            std::string v = w.substr(4);
            std::size_t p = 0;
            while (p < v.size()) {
                auto c = v.find(',', p);
                d.iss.push_back(static_cast<std::uint32_t>(std::strtoul(v.substr(p, c - p).c_str(), nullptr, 10)));
                if (c == std::string::npos) break;
                p = c + 1;
            }
        }
    }
    return d;
}

// Runs script text against the model; the directive, if any, selects the checker's model.
inline pkt::RunReport run_text(const std::string& text, pkt::RunOptions o) {
    auto parsed = pkt::parse(text);
    if (auto* d = std::get_if<pkt::Diag>(&parsed)) {
        pkt::RunReport r;
        r.verdict = pkt::Verdict::fail;
        r.messages.push_back(std::to_string(d->line) + ":" + std::to_string(d->column) + ": " + d->message);
        return r;
    }
    const auto& script = std::get<pkt::Script>(parsed);
    if (auto dir = find_directive(text)) {
        auto config = config_named(dir->config);
        if (!config) {
            pkt::RunReport r;
            r.verdict = pkt::Verdict::unsupported;
            r.messages.push_back("synfin-pkt directive: unknown configuration '" + dir->config + "'");
            return r;
        }
        o.profile = config->host[dir->host].profile;
        o.us_per_unit = 1000000;
        o.iss_sequence = dir->iss;
        pkt::Runner<S3> runner(o);
        auto r = runner.run(script);
        r.notes.insert(r.notes.begin(), "model: the checker's " + dir->config + " host " + std::string(host_name(dir->host)) +
                                            ", " + std::to_string(seq_bits) + "-bit sequence numbers, 1 tick = 1 s");
        return r;
    }
    pkt::Runner<Seq32> runner(o);
    return runner.run(script);
}

} // namespace synfin::pktexport
