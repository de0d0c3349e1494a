// `synfin pkt run SCRIPT...` and `synfin trace export TRACE --format packetdrill|pcap`.
#include "pkt.hpp"
#include "pkt_live.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace synfin;

constexpr int exit_ok = 0, exit_fail = 1, exit_usage = 2;

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<std::string> read_relative(const std::string& path, const std::string& base) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = std::filesystem::path(base) / p;
    return slurp(p.string());
}

int usage(const std::string& msg) {
    std::fprintf(stderr, "synfin: %s\n", msg.c_str());
    return exit_usage;
}

} // namespace

const char* const pkt_help = R"(usage: synfin pkt run SCRIPT... [--profile linux|rfc9293] [--ipv6] [--verbose]
       synfin pkt run SCRIPT... --live --iface IF --peer IP:PORT --local IP:PORT --netns NS
                               [--tolerance_usecs N] [--verbose]

Runs packetdrill scripts (docs/packetdrill.md) and prints one verdict per script, then
"N passed, N failed, N unsupported". Exit 0 only when every script passed; 1 otherwise; 2 on a
usage or setup error (nothing sent then), or when a script cannot be read (the others still run).

On the model (default):
  --profile P          the model's profile: linux (default) or rfc9293
  --ipv6               an IPv6 MSS (1440) and initial window
With --live, the Linux kernel is the stack under test:
  --netns NS           the kernel's network namespace (/run/netns/NS): its sockets and sysctls
  --peer IP:PORT       the kernel's socket: what bind() and connect() use (`...` in the script)
  --iface IF           the interface of the raw-socket driver, which plays the remote side
  --local IP:PORT      the driver's address: what connect() connects to
  --tolerance_usecs N  timing tolerance in us (--live: 25000 by default; the model and
                       packetdrill: 4000)
  Script i (counting from 0) uses both ports plus i. Needs CAP_NET_RAW and CAP_SYS_ADMIN;
  tests/live/pkt.sh makes the namespaces.
  --verbose, -v        also list the settings shell lines applied
)";

int run_pkt(const std::vector<std::string>& args) {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || (args.size() > 1 && args[0] == "run" && (args[1] == "--help" || args[1] == "-h")))) {
        std::fputs(pkt_help, stdout);
        return exit_ok;
    }
    if (args.empty() || args[0] != "run") return usage(std::string("a subcommand is needed\n") + pkt_help);
    std::vector<std::string> files;
    pkt::RunOptions base;
    pktlive::LiveOptions live;
    bool verbose = false, is_live = false, profile_given = false;
    std::string peer_s, local_s;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& v) { if (i + 1 >= args.size()) return false; v = args[++i]; return true; };
        if (a == "--profile") {
            std::string v;
            if (!value(v)) return usage("--profile needs linux or rfc9293");
            if (v == "linux") base.profile = profiles::linux_default();
            else if (v == "rfc9293") base.profile = profiles::rfc9293();
            else return usage("unknown profile '" + v + "' (linux, rfc9293)");
            profile_given = true;
        } else if (a == "--ipv6") {
            base.profile.mss = 1440;        // MTU 1500 - 40 (IPv6) - 20 (TCP)
            base.profile.syn_window = 64800; // rounded down to a multiple of the MSS, as Linux does
            profile_given = true;
        } else if (a == "--verbose" || a == "-v") {
            verbose = true;
        } else if (a == "--live") {
            is_live = true;
        } else if (a == "--iface") {
            if (!value(live.iface)) return usage("--iface needs an interface");
        } else if (a == "--netns") {
            if (!value(live.netns)) return usage("--netns needs a namespace name");
        } else if (a == "--peer") {
            if (!value(peer_s)) return usage("--peer needs IP:PORT");
        } else if (a == "--local") {
            if (!value(local_s)) return usage("--local needs IP:PORT");
        } else if (a == "--tolerance_usecs" || a == "--tolerance-usecs" || a.rfind("--tolerance_usecs=", 0) == 0) {
            std::string v = a.size() > 18 ? a.substr(18) : "";
            if (v.empty() && !value(v)) return usage("--tolerance_usecs needs microseconds");
            auto t = pkt::decimal_in_range(v, pkt::max_tolerance_us);
            if (!t) return usage(pkt::tolerance_error(v));
            live.tolerance_us = *t;
            base.tolerance_us = *t;
        } else if (!a.empty() && a[0] == '-') {
            return usage("unknown option '" + a + "'");
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) return usage("pkt run: no scripts given");
    if (is_live) {
        if (profile_given) return usage("--profile and --ipv6 are for the model; --live runs the kernel");
        if (live.iface.empty() || live.netns.empty() || peer_s.empty() || local_s.empty())
            return usage("--live needs --iface IF, --peer IP:PORT, --local IP:PORT and --netns NS");
        auto peer = driver::parse_endpoint(peer_s), local = driver::parse_endpoint(local_s);
        if (!peer) return usage("--peer: expected IPv4:PORT, got '" + peer_s + "'");
        if (!local) return usage("--local: expected IPv4:PORT, got '" + local_s + "'");
        if (std::uint32_t{peer->port} + files.size() > 65536 || std::uint32_t{local->port} + files.size() > 65536)
            return usage("too many scripts for the ports given (script i uses port + i)");
        live.peer = *peer;
        live.local = *local;
    } else if (!live.iface.empty() || !live.netns.empty() || !peer_s.empty() || !local_s.empty()) {
        return usage("--iface, --peer, --local and --netns need --live");
    }
    int passed = 0, failed = 0, unsupported = 0, unreadable = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string& f = files[i];
        auto text = slurp(f);
        pkt::RunReport r;
        std::string dir = std::filesystem::path(f).parent_path().string();
        if (dir.empty()) dir = ".";
        if (!text) {
            std::fprintf(stderr, "synfin pkt run: cannot read '%s'\n", f.c_str());
            ++unreadable;
            continue;
        }
        if (is_live) {
            auto lr = pktlive::run_script(*text, dir, &read_relative, live, static_cast<int>(i));
            if (!lr.setup_error.empty()) {
                std::fprintf(stderr, "synfin pkt run --live: %s\n", lr.setup_error.c_str());
                return exit_usage;
            }
            r = std::move(lr.report);
        } else {
            pkt::RunOptions o = base;
            o.base_dir = dir;
            o.read_file = &read_relative;
            r = pktexport::run_text(*text, o);
        }
        std::printf("%s: %s\n", f.c_str(), pkt::name(r.verdict));
        for (const auto& m : r.messages) std::printf("  %s:%s\n", f.c_str(), m.c_str());
        bool show_notes = verbose || r.verdict != pkt::Verdict::pass;
        for (const auto& n : r.notes)
            if (show_notes || n.find("ignored") != std::string::npos) std::printf("  note: %s\n", n.c_str());
        if (r.verdict == pkt::Verdict::pass) ++passed;
        else if (r.verdict == pkt::Verdict::fail) ++failed;
        else ++unsupported;
    }
    std::printf("%d passed, %d failed, %d unsupported%s\n", passed, failed, unsupported,
                unreadable ? (", " + std::to_string(unreadable) + " unreadable").c_str() : "");
    if (unreadable) return exit_usage; // bad input outweighs a verdict
    return failed == 0 && unsupported == 0 ? exit_ok : exit_fail;
}

int run_trace_export(const std::vector<std::string>& args) {
    // args: export TRACE --format packetdrill|pcap [--host A|B] [-o FILE]
    if (args.empty() || args[0] != "export")
        return usage("usage: synfin trace export TRACE --format packetdrill|pcap [--host A|B] [-o FILE]");
    std::string file, format, out_file;
    int host = 0;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& v) { if (i + 1 >= args.size()) return false; v = args[++i]; return true; };
        if (a == "--format") { if (!value(format)) return usage("--format needs packetdrill or pcap"); }
        else if (a == "--host") {
            std::string h;
            if (!value(h) || (h != "A" && h != "B")) return usage("--host needs A or B");
            host = h == "A" ? 0 : 1;
        } else if (a == "-o" || a == "--output") { if (!value(out_file)) return usage("-o needs a file"); }
        else if (!a.empty() && a[0] == '-') return usage("unknown option '" + a + "'");
        else if (file.empty()) file = a;
        else return usage("one trace at a time");
    }
    if (file.empty()) return usage("trace export: no trace given");
    if (format != "packetdrill" && format != "pcap") return usage("--format must be packetdrill or pcap");
    if (format == "pcap" && out_file.empty()) return usage("--format pcap needs -o FILE (pcap is binary)");
    auto text = slurp(file);
    if (!text) return usage("cannot read '" + file + "'");
    auto parsed = parse_trace(*text);
    if (auto* err = std::get_if<TraceError>(&parsed)) {
        std::fprintf(stderr, "%s:%zu:%zu: %s\n", file.c_str(), err->line, err->column, err->message.c_str());
        return exit_usage;
    }
    auto ex = pktexport::export_trace(std::get<Trace>(parsed), host);
    if (!ex.error.empty()) return usage(file + ": " + ex.error);
    std::string bytes;
    if (format == "packetdrill") {
        bytes = ex.text;
    } else {
        auto w = pcap::write(ex.packets);
        if (!w.error.empty()) return usage("pcap not written: " + w.error);
        auto back = pcap::read(w.bytes);
        if (!back.error.empty() || back.packets != ex.packets) return usage("pcap not written: it does not read back (" + back.error + ")");
        bytes.assign(w.bytes.begin(), w.bytes.end());
    }
    if (out_file.empty()) {
        std::fwrite(bytes.data(), 1, bytes.size(), stdout);
        return exit_ok;
    }
    // Written to a temporary file and renamed, so a failed write leaves no partial file.
    std::string tmp = out_file + ".tmp";
    {
        std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
        o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        o.flush();
        if (!o) {
            std::filesystem::remove(tmp);
            return usage("cannot write '" + out_file + "'");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, out_file, ec);
    if (ec) {
        std::filesystem::remove(tmp);
        return usage("cannot write '" + out_file + "': " + ec.message());
    }
    return exit_ok;
}
