// `synfin graph`: the endpoint graph, explored state spaces and counterexample ladders as
// Graphviz DOT (include/synfin/dot.hpp), rendered to SVG/PNG by `dot` when it is on PATH.
#include <synfin/decimal.hpp>

#include "graph.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <synfin/dot.hpp>

#include "runner.hpp"

extern char** environ;

namespace {

using namespace synfin;
using namespace synfin::suite;

constexpr int exit_ok = 0, exit_failed = 1, exit_usage = 2;

const char* graph_usage = R"(usage: synfin graph endpoint [--profile NAME] [--compare NAME] [--all] [--self-loops] [output]
       synfin graph space --config SCENARIO/PROFILE [--property NAME] [--summary] [--max-draw N]
                          [--max-states N] [--threads N] [output]
       synfin graph trace FILE [--wire] [--title TEXT] [output]

  endpoint   One endpoint's states (RFC 9293 §3.3.2) and transitions, derived by exploring step()
             from CLOSED over every user call, every segment a peer could meaningfully send and
             every timer (default profile rfc9293). Like Figure 5 it leaves out error conditions
             (RST, ABORT, giving up) and data; --all shows them, --self-loops adds the events
             that keep the state. --compare NAME: what --profile adds (green, +) and removes
             (red, -) against profile NAME.
  space      The explored state space of a suite configuration (synfin list): states grouped by
             the pair of host states, the initial state marked, states that violate the property
             in red and its counterexample's path. The property defaults to those of the suite's
             cells for the configuration. With more than --max-draw states (default 2000, at most
             10000), or with --summary: one node per pair of host states, with its number of
             states.
  trace      A trace file (synfin check --trace-dir) as a ladder: the hosts as vertical lines,
             one arrow per segment with the seed's relative numbers, a cross where a segment is
             lost, host states at each step, ticks as time passing. --wire adds wire numbers.

output:
  -o FILE.dot      where to write the DOT (default: endpoint-PROFILE.dot, space-SCENARIO-PROFILE.dot,
                   or the trace's name with .dot); '-' writes it to stdout and renders nothing
  --format LIST    what to render next to it with Graphviz dot, when dot is on PATH:
                   svg,png (default), svg, png, or none

exit status: 0 written (and rendered), 1 the trace does not replay or dot failed,
             2 bad usage or unreadable input.
)";

int graph_error(const std::string& msg) {
    std::fprintf(stderr, "synfin graph: %s\n(see 'synfin graph --help')\n", msg.c_str());
    return exit_usage;
}

std::string profile_names() {
    std::string o;
    for (const auto& p : profile_choices()) o += (o.empty() ? "" : ", ") + std::string(p.name);
    return o;
}

// Graphviz `dot` on PATH, or nothing.
std::optional<std::string> find_dot() {
    const char* path = std::getenv("PATH");
    if (!path) return std::nullopt;
    std::string p = path;
    std::size_t start = 0;
    while (start <= p.size()) {
        std::size_t end = p.find(':', start);
        if (end == std::string::npos) end = p.size();
        std::string dir = p.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/dot";
        if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

// Runs `dot -T<format> in -o out`; true when it exits 0.
bool render(const std::string& dot, const std::string& format, const std::string& in, const std::string& out) {
    std::vector<std::string> args{dot, "-T" + format, in, "-o", out};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, dot.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
    int status = 0;
    if (::waitpid(pid, &status, 0) < 0) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct Output {
    std::string file;                                 // "" until chosen; "-" for stdout
    std::vector<std::string> formats{"svg", "png"};
};

// Options every subcommand takes: -o and --format. Returns 1 when args[i] was one (and advances
// i past its value), 0 when it was not, -1 (after printing the error) when it was malformed.
int output_option(const std::vector<std::string>& args, std::size_t& i, Output& out) {
    const std::string& a = args[i];
    if (a == "-o" || a == "--output") {
        if (i + 1 >= args.size()) { graph_error(a + " needs a file name"); return -1; }
        out.file = args[++i];
        return 1;
    }
    if (a == "--format") {
        if (i + 1 >= args.size()) { graph_error("--format needs svg, png, svg,png or none"); return -1; }
        std::string v = args[++i];
        out.formats.clear();
        if (v == "none") return 1;
        std::stringstream ss(v);
        std::string f;
        while (std::getline(ss, f, ',')) {
            if (f != "svg" && f != "png") { graph_error("unknown format '" + f + "' (svg, png or none)"); return -1; }
            out.formats.push_back(f);
        }
        if (out.formats.empty()) { graph_error("--format needs svg, png, svg,png or none"); return -1; }
        return 1;
    }
    return 0;
}

// Writes the DOT text, then renders it in each requested format with dot if dot is on PATH.
int emit(const std::string& text, const Output& out) {
    if (out.file == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return exit_ok;
    }
    {
        std::ofstream f(out.file, std::ios::binary);
        f << text;
        if (!f) {
            std::fprintf(stderr, "synfin graph: cannot write '%s'\n", out.file.c_str());
            return exit_usage;
        }
    }
    std::printf("wrote %s\n", out.file.c_str());
    if (out.formats.empty()) return exit_ok;
    auto dot = find_dot();
    if (!dot) {
        std::fprintf(stderr, "synfin graph: Graphviz 'dot' is not on PATH, so only the .dot was written "
                             "(Debian: apt-get install graphviz; then: dot -Tsvg %s -o OUT.svg)\n",
                     out.file.c_str());
        return exit_ok;
    }
    std::filesystem::path stem(out.file);
    if (stem.extension() == ".dot" || stem.extension() == ".gv") stem.replace_extension();
    int status = exit_ok;
    for (const auto& fmt : out.formats) {
        std::string target = stem.string() + "." + fmt;
        if (render(*dot, fmt, out.file, target)) {
            std::printf("wrote %s\n", target.c_str());
        } else {
            std::fprintf(stderr, "synfin graph: %s -T%s %s failed\n", dot->c_str(), fmt.c_str(), out.file.c_str());
            status = exit_failed;
        }
    }
    return status;
}

int cmd_endpoint(const std::vector<std::string>& args) {
    std::string profile = "rfc9293", compare;
    bool all = false, self_loops = false;
    Output out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        int o = output_option(args, i, out);
        if (o < 0) return exit_usage;
        if (o > 0) continue;
        const std::string& a = args[i];
        if (a == "--profile" || a == "--compare") {
            if (i + 1 >= args.size()) return graph_error(a + " needs a profile name (" + profile_names() + ")");
            (a == "--profile" ? profile : compare) = args[++i];
        } else if (a == "--all") {
            all = true;
        } else if (a == "--self-loops") {
            self_loops = true;
        } else {
            return graph_error("unknown option '" + a + "' for 'graph endpoint'");
        }
    }
    const ProfileChoice* p = find_profile(profile);
    if (!p) return graph_error("unknown profile '" + profile + "' (" + profile_names() + ")");
    const ProfileChoice* q = nullptr;
    if (!compare.empty()) {
        q = find_profile(compare);
        if (!q) return graph_error("unknown profile '" + compare + "' (" + profile_names() + ")");
    }
    EndpointOptions eo;
    if (!all) eo.max_bytes = 0; // Figure 5's view: the lifecycle without data
    auto named = [](const ProfileChoice& c, const EndpointOptions& opt) {
        auto g = derive_endpoint_graph(c.profile, opt);
        g.profile = std::string(c.name); // "rfc9293+keepalive" rather than the base profile's name
        return g;
    };
    EndpointDotOptions d;
    d.self_loops = self_loops;
    d.errors = all;
    auto g = named(*p, eo);
    if (!g.complete) std::fprintf(stderr, "synfin graph: warning: the exploration reached its TCB limit; the graph may miss edges\n");
    std::string text;
    if (q) {
        auto h = named(*q, eo);
        text = endpoint_compare_dot(g, h, d);
        if (out.file.empty()) out.file = "endpoint-" + std::string(p->name) + "-vs-" + std::string(q->name) + ".dot";
    } else {
        text = endpoint_dot(g, d);
        if (out.file.empty()) out.file = "endpoint-" + std::string(p->name) + ".dot";
    }
    return emit(text, out);
}

int cmd_space(const std::vector<std::string>& args) {
    std::string config;
    std::vector<std::string> props;
    SpaceDotOptions so;
    std::uint64_t max_states = 20'000'000, threads = 1;
    Output out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        int o = output_option(args, i, out);
        if (o < 0) return exit_usage;
        if (o > 0) continue;
        const std::string& a = args[i];
        auto value = [&](std::string& v) {
            if (i + 1 >= args.size()) return false;
            v = args[++i];
            return true;
        };
        std::string v;
        std::optional<std::int64_t> n;
        if (a == "--config") {
            if (!value(config)) return graph_error("--config needs SCENARIO/PROFILE (see 'synfin list')");
        } else if (a == "--property") {
            if (!value(v) || !find_property(v)) return graph_error("--property needs a property name (see 'synfin list')");
            props.push_back(v);
        } else if (a == "--summary") {
            so.summary = true;
        } else if (a == "--max-draw") {
            // Graphviz lays out ten thousand nodes in minutes; beyond that it takes hours.
            if (!value(v) || !(n = synfin::decimal_between(v, 1, 10000))) return graph_error("--max-draw needs a number from 1 to 10000");
            so.max_draw = static_cast<std::uint64_t>(*n);
        } else if (a == "--max-states") {
            if (!value(v) || !(n = synfin::decimal_between(v, 1, 2'000'000'000))) return graph_error("--max-states needs a number from 1 to 2000000000");
            max_states = static_cast<std::uint64_t>(*n);
        } else if (a == "--threads") {
            if (!value(v) || !(n = synfin::decimal_between(v, 1, 256))) return graph_error("--threads needs a number from 1 to 256");
            threads = static_cast<std::uint64_t>(*n);
        } else {
            return graph_error("unknown option '" + a + "' for 'graph space'");
        }
    }
    if (config.empty()) return graph_error("'graph space' needs --config SCENARIO/PROFILE (see 'synfin list')");
    auto slash = config.find('/');
    if (slash == std::string::npos) return graph_error("--config needs SCENARIO/PROFILE, e.g. crash/no_keepalive");
    const Scenario* sc = find_scenario(config.substr(0, slash));
    const ProfileChoice* pc = find_profile(config.substr(slash + 1));
    if (!sc) return graph_error("unknown scenario in '" + config + "' (see 'synfin list')");
    if (!pc) return graph_error("unknown profile in '" + config + "' (" + profile_names() + ")");
    if (props.empty())
        for (const auto& c : cells())
            if (config_name(c) == config && std::find(props.begin(), props.end(), std::string(c.property)) == props.end())
                props.emplace_back(c.property);

    System<seq_bits> sys(make_config(*sc, *pc));
    ExploreOptions eo;
    eo.threads = static_cast<unsigned>(threads);
    eo.max_states = max_states;
    Explorer<seq_bits> ex(sys, eo);
    if (!ex.fits()) return graph_error("configuration '" + config + "' does not pack into 256 bits");
    Properties<seq_bits> checks{sys};
    std::vector<Safety<seq_bits>> safety;
    for (const auto& p : props)
        if (auto s = checks.safety(p)) safety.push_back(*s);
    std::fprintf(stderr, "exploring %s ...\n", config.c_str());
    ex.run(safety);
    const bool complete = ex.stats().completion == Completion::complete;
    SpaceMarks marks;
    marks.violating.assign(ex.size(), false);
    for (const auto& s : safety) {
        auto m = safety_marks(ex, s.violated);
        for (std::size_t i = 0; i < m.violating.size(); ++i)
            if (m.violating[i]) marks.violating[i] = true;
        if (marks.path.empty()) marks.path = m.path;
    }
    if (complete) {
        for (const auto& p : props) {
            auto lt = checks.liveness(p);
            if (!lt) continue;
            if (auto lasso = ex.leads_to(*lt)) {
                auto m = lasso_marks(ex.size(), *lasso);
                for (std::size_t i = 0; i < m.violating.size(); ++i)
                    if (m.violating[i]) marks.violating[i] = true;
                if (marks.path.empty()) marks.path = m.path;
            }
        }
    }
    so.title = config + (props.empty() ? std::string() : ": " + dot::join(props, ", ")) +
               (complete ? "" : " (partial: state limit reached)");
    if (!complete) std::fprintf(stderr, "synfin graph: warning: stopped at %zu states; the picture is partial\n", ex.size());
    if (!so.summary && ex.size() > so.max_draw)
        std::fprintf(stderr, "%zu states are more than --max-draw %zu: drawing the summary of host-state pairs\n", ex.size(), so.max_draw);
    if (out.file.empty()) out.file = "space-" + std::string(sc->name) + "-" + std::string(pc->name) + ".dot";
    return emit(space_dot(ex, sys, marks, so), out);
}

int cmd_trace(const std::vector<std::string>& args) {
    std::string file, title;
    LadderDotOptions lo;
    Output out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        int o = output_option(args, i, out);
        if (o < 0) return exit_usage;
        if (o > 0) continue;
        const std::string& a = args[i];
        if (a == "--wire") {
            lo.wire = true;
        } else if (a == "--title") {
            if (i + 1 >= args.size()) return graph_error("--title needs a text");
            title = args[++i];
        } else if (!a.empty() && a[0] == '-') {
            return graph_error("unknown option '" + a + "' for 'graph trace'");
        } else if (file.empty()) {
            file = a;
        } else {
            return graph_error("'graph trace' takes one trace file");
        }
    }
    if (file.empty()) return graph_error("'graph trace' needs a trace file (synfin check --trace-dir DIR writes them)");
    std::ifstream in(file, std::ios::binary);
    if (!in) return graph_error("cannot read '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    auto parsed = parse_trace(text);
    if (auto* err = std::get_if<TraceError>(&parsed)) {
        std::fprintf(stderr, "%s:%zu:%zu: %s\n", file.c_str(), err->line, err->column, err->message.c_str());
        return exit_usage;
    }
    const Trace& t = std::get<Trace>(parsed);
    auto config = config_named(t.config);
    if (!config) return graph_error(file + ": unknown configuration '" + t.config + "' (see 'synfin list')");
    System<seq_bits> sys(*config);
    auto built = build_ladder(sys, t);
    if (auto* err = std::get_if<std::string>(&built)) {
        std::fprintf(stderr, "synfin graph: %s: %s\n", file.c_str(), err->c_str());
        return exit_failed;
    }
    if (title.empty()) {
        // The comment lines before 'synfin-trace' say what the trace shows (synfin check writes one).
        std::vector<std::string> lines;
        std::istringstream ls(text);
        for (std::string l; std::getline(ls, l);) {
            if (l.rfind("synfin-trace", 0) == 0) break;
            if (l.rfind("#", 0) == 0) {
                auto b = l.find_first_not_of("# ");
                if (b != std::string::npos) lines.push_back(l.substr(b));
            }
        }
        title = (find_property(t.property) ? t.property + " on " : std::string()) + t.config;
        for (auto l : lines) {
            // synfin check's comment repeats "<property> on <config>: " before the cell's reason.
            if (l.rfind(title, 0) == 0) l = l.substr(title.size());
            auto b = l.find_first_not_of(": ");
            if (b != std::string::npos) title += "\n" + l.substr(b);
        }
        title += "\nrelative numbers: seq from the sender's ISS, ack from the receiver's";
    }
    lo.title = title;
    if (out.file.empty()) {
        std::filesystem::path p(file);
        p.replace_extension(".dot");
        out.file = p.string();
    }
    return emit(ladder_dot(std::get<Ladder<seq_bits>>(built), lo), out);
}

} // namespace

int run_graph(const std::vector<std::string>& args) {
    if (args.empty()) {
        std::fputs(graph_usage, stderr);
        return exit_usage;
    }
    for (const auto& a : args)
        if (a == "--help" || a == "-h" || a == "help") {
            std::fputs(graph_usage, stdout);
            return exit_ok;
        }
    const std::string& what = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (what == "endpoint") return cmd_endpoint(rest);
    if (what == "space") return cmd_space(rest);
    if (what == "trace") return cmd_trace(rest);
    return graph_error("unknown graph '" + what + "' (endpoint, space or trace)");
}
