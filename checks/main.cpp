// synfin: the command-line tool. `synfin check` runs the built-in property suite (the README's
// main job); `synfin trace verify FILE` replays a counterexample; `synfin list` names things.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <synfin/decimal.hpp>

#include "graph.hpp"
#include "model_file.hpp"
#include "pkt.hpp"
#include "replay.hpp"
#include "runner.hpp"

namespace {

using namespace synfin;
using namespace synfin::suite;

constexpr int exit_ok = 0, exit_unexpected = 1, exit_usage = 2, exit_incomplete = 3;
constexpr int exit_interrupted = 128 + SIGINT; // as a shell reports a command Ctrl-C ended

// Set by Ctrl-C during 'check'; the explorer reads it before each level (lock-free, so a signal
// handler may store to it).
std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);
extern "C" void on_interrupt(int) { interrupted.store(true, std::memory_order_relaxed); }

const char* usage_text = R"(usage: synfin <command> [options]

commands:
  check [FILE...]  run the property suite on the built-in models (the main job), or the checks
                   of model files (FILE.toml: your own configuration, docs/models.md)
  trace verify F   replay the counterexample trace in file F and confirm its violation
  list             list the properties, scenarios, profiles and suite cells
  profile show P   profile P as a model-file fragment: every knob, durations in milliseconds
  profile diff P Q the knobs that profiles P and Q set differently
  pkt run F...     run packetdrill scripts against the model, or with --live against a live
                   kernel (docs/packetdrill.md, 'synfin pkt --help')
  trace export F --format packetdrill|pcap [--host A|B] [-o OUT]
                   a trace as a packetdrill script or a pcap file
  graph endpoint|space|trace ...
                   Graphviz pictures: the endpoint graph, an explored space, a ladder
                   ('synfin graph --help')
  replay S --iface IF --peer IP:PORT --role client|server ...
                   play one host of live scenario S, or of a checker trace, against a live TCP
                   stack and check the other against the model and the trace
                   (docs/conformance.md, 'synfin replay --help')
  help             show this text (also --help; --version prints the version)

check options:
  --property NAME    only cells of this property (repeatable)
  --config S/P       only cells of scenario S with profile P; S alone selects a scenario (repeatable;
                     built-in cells only, not with model files)
  --threads N        explorer threads (default 1; verdicts and counts do not depend on it)
  --max-states N     stop an exploration beyond N states (at most 60 million; verdict then 'unknown')
  --refine-states N  re-check each holding verdict at twice the resolution (ticks per MSL) within
                     N states (default 2000000; 0: no refinement). A verdict that changes there
                     is 'unstable'; a refinement beyond N states is reported as incomplete
  --json FILE        also write the results as JSON (docs/properties.md, "JSON report"); '-': on
                     stdout, in place of the table
  --trace-dir DIR    write each counterexample as DIR/<property>__<scenario>__<profile>.trace
                     (DIR/<property>__<model file's stem>.trace for a model file's check)
  --progress         report exploration progress on stderr, about once a second (the default)
  --quiet            print only the summary line, no progress

verdicts: holds, violated, unstable (holds only at the coarser resolution), unknown (a state or
memory limit, a vacuous premise, or dead ends: states where a full channel with no loss budget
blocks every transition, so time stops; --trace-dir then writes a path to the first as
<property>__<scenario>__<profile>.dead_end.trace, which 'trace verify' confirms).

exit status: 0 every cell has its expected verdict (or a trace is confirmed),
             1 some cell has another verdict, not merely unknown (or the trace does not show
               its violation),
             2 bad usage or unreadable input,
             3 incomplete: every cell not as expected is 'unknown',
             130 interrupted (Ctrl-C): the rows decided so far are printed (and written to
               --json) first; the exploration under way ends at its next level (a liveness
               analysis already begun runs to its end).
)";

int usage_error(const std::string& msg) {
    std::fprintf(stderr, "synfin: %s\n(see 'synfin --help')\n", msg.c_str());
    return exit_usage;
}

std::string json_escape(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') { o += '\\'; o += c; }
        else if (static_cast<unsigned char>(c) < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += c;
    }
    return o;
}

// The "assumptions" object of a cell in the JSON report (docs/properties.md, "JSON report").
std::string assumptions_json(const Assumptions& a) {
    auto ids = [](OrderRelations set) {
        std::string out;
        for (auto id : relation_ids(set)) out += (out.empty() ? "\"" : ", \"") + std::string(id) + "\"";
        return "[" + out + "]";
    };
    return "{\"fairness\": \"" + json_escape(a.fairness) + "\", \"iss\": {\"a\": \"" + json_escape(a.iss[0]) +
           "\", \"b\": \"" + json_escape(a.iss[1]) + "\"}, \"order_relations\": " + ids(a.relies_on) +
           ", \"broken_order_relations\": " + ids(a.broken) + "}";
}

// The table's remarks on a cell: its note, and the order relations its property rests on that
// its configuration breaks (a broken variant's, or a model file's knob).
std::string remarks(const CellResult& r) {
    std::string out = r.note;
    if (r.assumptions && r.assumptions->broken != 0)
        out += (out.empty() ? "" : "; ") + std::string("breaks order relation ") + relation_list(r.assumptions->broken) +
               " of docs/properties.md";
    return out.empty() ? "" : "  (" + out + ")";
}

std::string trace_file_name(const Cell& c) {
    if (c.profile.empty()) // a model file's check
        return std::string(c.property) + "__" + std::filesystem::path(std::string(c.scenario)).stem().string() + ".trace";
    return std::string(c.property) + "__" + std::string(c.scenario) + "__" + std::string(c.profile) + ".trace";
}

int cmd_profile(const std::vector<std::string>& args) {
    auto find = [](const std::string& n) { return find_profile(n); };
    if (args.size() == 2 && args[0] == "show") {
        const auto* p = find(args[1]);
        if (!p) return usage_error("unknown profile '" + args[1] + "' (see 'synfin list')");
        std::fputs(model::show_profile(*p).c_str(), stdout);
        return exit_ok;
    }
    if (args.size() == 3 && args[0] == "diff") {
        const auto* a = find(args[1]);
        const auto* b = find(args[2]);
        if (!a || !b) return usage_error("unknown profile '" + (a ? args[2] : args[1]) + "' (see 'synfin list')");
        std::printf("# knobs that %s and %s set differently (%s -> %s); durations in milliseconds\n", args[1].c_str(),
                    args[2].c_str(), args[1].c_str(), args[2].c_str());
        for (const auto& line : model::diff_profiles(a->profile, b->profile)) std::printf("%s\n", line.c_str());
        return exit_ok;
    }
    return usage_error("usage: synfin profile show PROFILE | synfin profile diff PROFILE PROFILE");
}

int cmd_list() {
    std::printf("properties:\n");
    for (const auto& p : property_catalogue)
        std::printf("  %-30s %s: %s\n", std::string(p.name).c_str(), p.kind == PropertyKind::safety ? "safety" : "liveness",
                    std::string(p.statement).c_str());
    std::printf("scenarios:\n");
    for (const auto& s : scenarios()) std::printf("  %-12s %s\n", std::string(s.name).c_str(), std::string(s.summary).c_str());
    std::printf("profiles:\n");
    for (const auto& p : profile_choices())
        std::printf("  %-36s%s%s\n", std::string(p.name).c_str(), p.profile.breaks.empty() ? "" : "breaks ",
                    std::string(p.profile.breaks).c_str());
    std::printf("cells:\n");
    for (const auto& c : cells())
        std::printf("  %-30s %-36s expect %-8s %s\n", std::string(c.property).c_str(), config_name(c).c_str(),
                    std::string(name(c.expected)).c_str(), std::string(c.why).c_str());
    return exit_ok;
}

int cmd_verify(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return usage_error("cannot read '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = parse_trace(ss.str());
    if (auto* err = std::get_if<TraceError>(&parsed)) {
        std::fprintf(stderr, "%s:%zu:%zu: %s\n", file.c_str(), err->line, err->column, err->message.c_str());
        return exit_usage;
    }
    const Trace& t = std::get<Trace>(parsed);
    auto v = verify(t);
    if (v.bad_input) {
        std::fprintf(stderr, "%s: %s\n", file.c_str(), v.message.c_str());
        return exit_usage;
    }
    std::printf("%s: %s: %s\n", file.c_str(), v.confirmed ? "confirmed" : "NOT confirmed", v.message.c_str());
    return v.confirmed ? exit_ok : exit_unexpected;
}

int cmd_check(const std::vector<std::string>& args) {
    std::set<std::string> props, configs;
    std::vector<const model::Model*> models;
    RunOptions ro;
    ro.progress = true; // reported only for explorations that run longer than a second
    std::string json_file, trace_dir;
    bool quiet = false;
    std::set<std::string> seen_once; // options that take one value: a second is an error, not "the last wins"
    std::string options_json;        // the command line, for the JSON report
    for (const auto& a : args) options_json += (options_json.empty() ? "\"" : ", \"") + json_escape(a) + "\"";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--threads" || a == "--max-states" || a == "--refine-states" || a == "--json" || a == "--trace-dir") {
            if (!seen_once.insert(a).second) return usage_error(a + " is given twice");
        }
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "--property") {
            if (!value(v)) return usage_error("--property needs a name");
            props.insert(v); // checked below, once the model files (whose own properties it may name) are read
        } else if (a == "--config") {
            if (!value(v)) return usage_error("--config needs SCENARIO or SCENARIO/PROFILE");
            auto slash = v.find('/');
            if (!find_scenario(v.substr(0, slash))) return usage_error("unknown scenario in '" + v + "' (see 'synfin list')");
            if (slash != std::string::npos && !find_profile(v.substr(slash + 1)))
                return usage_error("unknown profile in '" + v + "' (see 'synfin list')");
            configs.insert(v);
        } else if (a == "--threads") {
            auto n = value(v) ? synfin::decimal_between(v, 1, 256) : std::nullopt;
            if (!n) return usage_error("--threads needs a number from 1 to 256");
            ro.threads = static_cast<unsigned>(*n);
        } else if (a == "--max-states") {
            auto n = value(v) ? synfin::decimal_between(v, 1, 60'000'000) : std::nullopt;
            if (!n) return usage_error("--max-states needs a number from 1 to 60000000");
            ro.max_states = static_cast<std::uint64_t>(*n);
        } else if (a == "--refine-states") {
            auto n = value(v) ? synfin::decimal_between(v, 0, 60'000'000) : std::nullopt;
            if (!n) return usage_error("--refine-states needs a number from 0 to 60000000");
            ro.refine_max_states = static_cast<std::uint64_t>(*n);
        } else if (a == "--json") {
            if (!value(json_file)) return usage_error("--json needs a file name");
        } else if (a == "--trace-dir") {
            if (!value(trace_dir)) return usage_error("--trace-dir needs a directory");
        } else if (a == "--progress") {
            ro.progress = true;
        } else if (a == "--quiet") {
            quiet = true;
            ro.progress = false;
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else {
            // Every model file is read and checked before anything is explored.
            auto loaded = model::load(a);
            if (auto* e = std::get_if<model::Error>(&loaded)) {
                std::fprintf(stderr, "%s\n", e->text().c_str());
                return exit_usage;
            }
            models.push_back(std::get<const model::Model*>(loaded));
        }
    }
    if (!models.empty() && !configs.empty()) return usage_error("--config selects built-in cells; not with model files");
    for (const auto& p : props) {
        bool own = false;
        for (const auto* m : models)
            for (const auto& c : m->checks) own = own || c.property == p;
        if (!find_property(p) && !own) return usage_error("unknown property '" + p + "' (see 'synfin list', or the model files' checks)");
    }
    if (!trace_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(trace_dir, ec);
        if (ec) return usage_error("cannot create '" + trace_dir + "': " + ec.message());
        // Refused before exploring, not after an hour of it.
        auto probe = std::filesystem::path(trace_dir) / ".synfin-write-test";
        bool writable = static_cast<bool>(std::ofstream(probe));
        std::filesystem::remove(probe, ec);
        if (!writable) return usage_error("cannot write in '" + trace_dir + "'");
    }
    // --json -: the report on stdout, and the table (which would interleave with it) left out.
    const bool json_stdout = json_file == "-";
    if (json_stdout) quiet = true;
    std::ofstream json_out;
    if (!json_file.empty() && !json_stdout) {
        json_out.open(json_file);
        if (!json_out) return usage_error("cannot write '" + json_file + "'");
    }
    // Select cells and group them by configuration, keeping the suite's order.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const Cell*>> groups;
    std::vector<const Cell*> selected;
    if (models.empty()) {
        for (const auto& c : cells()) selected.push_back(&c);
    } else {
        for (const auto* m : models)
            for (const auto& c : m->cells) selected.push_back(&c);
    }
    std::map<const Cell*, std::size_t> rank; // results are listed in the order of the suite or the files
    for (const auto* cp : selected) {
        const Cell& c = *cp;
        rank.emplace(cp, rank.size());
        if (!props.empty() && !props.count(std::string(c.property))) continue;
        if (!configs.empty() && !configs.count(config_name(c)) && !configs.count(std::string(c.scenario))) continue;
        if (!groups.count(config_name(c))) order.push_back(config_name(c));
        groups[config_name(c)].push_back(&c);
    }
    if (order.empty()) return usage_error(models.empty() ? "no suite cell matches the selection (see 'synfin list')"
                                                         : "no check of the model files matches --property");
    std::vector<CellResult> results;
    // Ctrl-C: the exploration under way stops at its next level, no other starts, and the rows
    // decided so far are printed (and written to --json) before exit 130.
    ro.interrupt = &interrupted;
    std::signal(SIGINT, on_interrupt);
    std::size_t not_run = 0;
    for (const auto& g : order) {
        if (interrupted.load()) { not_run += groups[g].size(); continue; }
        if (!quiet) std::fprintf(stderr, "exploring %s ...\n", g.c_str());
        auto rs = run_group(groups[g], ro);
        results.insert(results.end(), rs.begin(), rs.end());
    }
    std::signal(SIGINT, SIG_DFL);
    std::stable_sort(results.begin(), results.end(),
                     [&](const CellResult& a, const CellResult& b) { return rank[a.cell] < rank[b.cell]; });
    int unexpected = 0, incomplete = 0;
    if (!quiet) {
        std::printf("%-29s %-43s %-9s %-9s %10s %11s %7s %5s %-10s %6s\n", "property", "configuration", "verdict", "expected",
                    "states", "transitions", "seconds", "cex", "refined", "dead");
    }
    for (const auto& r : results) {
        if (!r.as_expected()) ++(r.verdict == Verdict::unknown ? incomplete : unexpected);
        if (!quiet) {
            std::string cex = r.counterexample ? std::to_string(r.counterexample_length) : "-";
            std::string refined = r.refinement == Refinement::not_run ? "-" : std::string(name(r.refinement));
            std::printf("%-29s %-43s %-9s %-9s %10llu %11llu %7.2f %5s %-10s %6llu%s%s\n", std::string(r.cell->property).c_str(),
                        config_name(*r.cell).c_str(), std::string(name(r.verdict)).c_str(),
                        std::string(name(r.cell->expected)).c_str(), static_cast<unsigned long long>(r.stats.states),
                        static_cast<unsigned long long>(r.stats.transitions), r.seconds, cex.c_str(), refined.c_str(),
                        static_cast<unsigned long long>(r.stats.dead_ends),
                        r.as_expected() ? "" : "  <-- UNEXPECTED", remarks(r).c_str());
        }
        if (r.counterexample && !trace_dir.empty()) {
            auto path = std::filesystem::path(trace_dir) / trace_file_name(*r.cell);
            std::ofstream f(path);
            f << "# " << r.cell->property << " on " << config_name(*r.cell) << ": " << r.cell->why << "\n";
            f << trace_text(*r.counterexample);
            if (!f) return usage_error("cannot write '" + path.string() + "'");
        }
        if (r.dead_end && !trace_dir.empty()) {
            std::string file = trace_file_name(*r.cell);
            file.replace(file.size() - 6, 6, ".dead_end.trace");
            auto path = std::filesystem::path(trace_dir) / file;
            std::ofstream f(path);
            f << "# the first dead end of " << config_name(*r.cell) << ": every transition blocked by a full channel\n";
            f << trace_text(*r.dead_end);
            if (!f) return usage_error("cannot write '" + path.string() + "'");
        }
    }
    if (!json_file.empty()) {
        std::ostringstream f;
        f << "{\n  \"tool\": \"synfin\",\n  \"version\": \"" << SYNFIN_TOOL_VERSION << "\",\n  \"schema\": 1,\n"
          << "  \"options\": [" << options_json << "],\n  \"cells\": [\n";
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            f << "    {\"property\": \"" << json_escape(r.cell->property) << "\", \"configuration\": \""
              << json_escape(config_name(*r.cell)) << "\", \"scenario\": \"" << json_escape(r.cell->scenario)
              << "\", \"profile\": \"" << json_escape(r.cell->profile) << "\", \"verdict\": \"" << name(r.verdict)
              << "\", \"expected\": \"" << name(r.cell->expected) << "\", \"states\": " << r.stats.states
              << ", \"transitions\": " << r.stats.transitions << ", \"seconds\": " << r.seconds
              << ", \"counterexample_length\": " << r.counterexample_length << ", \"msl_ticks\": " << int(r.msl)
              << ", \"refinement\": \"" << name(r.refinement) << "\", \"refined_verdict\": \""
              << (r.refinement == Refinement::not_run ? "" : name(r.refined_verdict)) << "\", \"refined_states\": " << r.refined_states
              << ", \"blocked_states\": " << r.stats.blocked_states << ", \"dead_ends\": " << r.stats.dead_ends
              << ", \"premise_states\": " << r.premise_states
              << ", \"why\": \"" << json_escape(r.cell->why)
              << "\", \"note\": \"" << json_escape(r.note) << "\"";
            if (r.assumptions) f << ", \"assumptions\": " << assumptions_json(*r.assumptions);
            if (r.counterexample && !trace_dir.empty()) f << ", \"trace\": \"" << json_escape(trace_file_name(*r.cell)) << "\"";
            f << "}" << (i + 1 < results.size() ? "," : "") << "\n";
        }
        f << "  ],\n  \"unexpected\": " << unexpected << ",\n  \"incomplete\": " << incomplete
          << ",\n  \"interrupted\": " << (interrupted.load() ? "true" : "false") << ",\n  \"not_run\": " << not_run << "\n}\n";
        if (json_stdout) {
            std::fputs(f.str().c_str(), stdout);
        } else {
            json_out << f.str();
            json_out.flush();
            if (!json_out) return usage_error("cannot write '" + json_file + "'");
        }
    }
    std::fprintf(json_stdout ? stderr : stdout, "%zu cells: %zu as expected, %d unexpected, %d incomplete\n", results.size(),
                 results.size() - static_cast<std::size_t>(unexpected + incomplete), unexpected, incomplete);
    if (interrupted.load()) {
        std::fprintf(json_stdout ? stderr : stdout, "interrupted: %zu cells not run\n", not_run);
        return exit_interrupted;
    }
    return unexpected != 0 ? exit_unexpected : incomplete != 0 ? exit_incomplete : exit_ok;
}

} // namespace

namespace {

int dispatch(const std::vector<std::string>& args) {
    if (args.empty()) { std::fputs(usage_text, stderr); return exit_usage; }
    const std::string& cmd = args[0];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") { std::fputs(usage_text, stdout); return exit_ok; }
    if (cmd == "--version") { std::printf("synfin %s\n", SYNFIN_TOOL_VERSION); return exit_ok; }
    if (cmd == "list") return args.size() == 1 ? cmd_list() : usage_error("'list' takes no arguments");
    if (cmd == "check") {
        for (const auto& a : args) if (a == "--help" || a == "-h") { std::fputs(usage_text, stdout); return exit_ok; }
        return cmd_check({args.begin() + 1, args.end()});
    }
    if (cmd == "profile") return cmd_profile({args.begin() + 1, args.end()});
    if (cmd == "pkt") return run_pkt({args.begin() + 1, args.end()});
    if (cmd == "graph") return run_graph({args.begin() + 1, args.end()});
    if (cmd == "replay") return synfin::replay::command({args.begin() + 1, args.end()});
    if (cmd == "trace") {
        if (args.size() >= 2 && args[1] == "export") return run_trace_export({args.begin() + 1, args.end()});
        if (args.size() == 3 && args[1] == "verify") return cmd_verify(args[2]);
        return usage_error("usage: synfin trace verify FILE");
    }
    return usage_error("unknown command '" + cmd + "'");
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    synfin::suite::model_loader() = synfin::model::load_config;
    synfin::suite::user_property_loader() = synfin::model::user_property;
    const int status = dispatch(args);
    // A report that did not reach its reader is no report (`synfin list > /dev/full`).
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "synfin: cannot write the output: %s\n", std::strerror(errno));
        return status == exit_ok ? exit_usage : status;
    }
    return status;
}
