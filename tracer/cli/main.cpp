// epscope: trace what the kernel's epoll machinery does for a process.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "cli/examples.hpp"

namespace {

// Bad values are refused by CLI11 with the text these return (one line).
std::string pid_error(std::string& v) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (errno != 0 || end == v.c_str() || *end != 0 || n <= 0 || n > INT_MAX)
        return v +
               " is not a pid: a pid is a positive number (see ps; 0 and negative numbers "
               "name process groups)";
    return {};
}

// Seconds as the capture's clock can hold them: finite, positive, at most a year.
std::string seconds_error(std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != 0 || !std::isfinite(d) || d <= 0 || d > 31536000)
        return "'" + v.substr(0, 32) +
               "' is not a duration: give seconds, more than 0 and at "
               "most 31536000 (a year)";
    return {};
}

std::string path_error(std::string& v) {
    return v.empty() ? std::string("an empty path: give a file name") : std::string();
}

std::string power_of_two_error(std::string& v) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != 0 || n == 0 || n > 1024 || (n & (n - 1)) != 0)
        return v + " MiB: the ring buffer's size is a power of two from 1 to 1024";
    return {};
}

const CLI::Validator kPid(pid_error, "PID");
const CLI::Validator kSeconds(seconds_error, "SECONDS");
const CLI::Validator kPath(path_error, "PATH");
const CLI::Validator kPowerOfTwo(power_of_two_error, "MIB");

// What to trace, the same for record, live and gui: processes, or a command
// launched as root or as -u USER.
CLI::Option* add_target_options(CLI::App* cmd, std::vector<pid_t>& pids, std::string& run_as,
                                std::vector<std::string>& command, const char* what) {
    auto* p = cmd->add_option("-p,--pid", pids, "Trace this process (repeatable)")->check(kPid);
    cmd->add_option("-u,--user", run_as,
                    "Run the launched command as USER, with USER's groups (default: root)");
    cmd->add_option("command", command, what);
    return p;
}

// --serve, --stream-to and the spool's options, the same for record and live.
void add_stream_out_options(CLI::App* cmd, epscope::cli::StreamOutOptions& o,
                            const std::string& spool_default) {
    cmd->add_option("--serve", o.serve_path,
                    "Also serve the live stream on this unix socket (for epscope-gui --connect)")
        ->check(kPath);
    cmd->add_option("--stream-to", o.stream_to,
                    "Also write the live stream to this file or device (e.g. a virtio port)")
        ->check(kPath);
    cmd->add_option("--serve-spool-dir", o.spool_dir,
                    "With --serve: where the stream is spooled (an unnamed file) so that a "
                    "reader joining late gets it from the start; default: " +
                        spool_default);
    cmd->add_option("--serve-spool-mb", o.spool_mb,
                    "With --serve: the spool's cap; readers joining past it get the stream "
                    "marked incomplete")
        ->check(CLI::Range(1u, 1048576u))
        ->capture_default_str();
    // Test-only: a small in-memory tail makes late joiners use the spool.
    cmd->add_option("--serve-history-kb", o.history_kb)->check(CLI::Range(0u, 1048576u))->group("");
    // Test-only: a small reader queue gets a stalled reader dropped soon.
    cmd->add_option("--serve-queue-kb", o.queue_kb)->check(CLI::Range(16u, 1048576u))->group("");
}

}  // namespace

int main(int argc, char** argv) {
    using namespace epscope::cli;
    CLI::App app{"epscope: an eBPF tracer of the kernel's epoll machinery"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "epscope " EPSCOPE_VERSION);

    std::string invocation;
    for (int i = 0; i < argc; ++i) invocation += (i ? " " : "") + std::string(argv[i]);

    DoctorOptions doctor;
    auto* doc = app.add_subcommand("doctor", "Show how each epoll hook is attached on this kernel");
    doc->add_flag("-v,--verbose", doctor.verbose, "Show libbpf's own messages");
    doc->add_flag("--describe", doctor.describe,
                  "Print the raw kernel description (for the planner's tests)");
    doc->add_option("--backend", doctor.backend, "Plan for a forced backend")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}));

    RecordOptions record;
    record.invocation = invocation;
    auto* rec = app.add_subcommand("record", "Record epoll events of processes into a trace file");
    auto* rec_pid = add_target_options(rec, record.pids, record.run_as, record.command,
                                       "-- CMD ARGS...: launch and trace a command");
    rec->add_option("-o,--output", record.output, "Trace file to write")
        ->check(kPath)
        ->capture_default_str();
    rec->add_flag("--force", record.force,
                  "Replace an existing output (else it is kept as FILE.old)");
    rec->add_option("-d,--duration", record.duration_s, "Stop after SECONDS")->check(kSeconds);
    rec->add_option("--backend", record.backend, "Kernel hooks to use: auto, fentry, kprobe or tracepoint")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}))
        ->capture_default_str();
    rec->add_flag("--all", record.all_processes, "Trace every process on the machine")
        ->excludes(rec_pid);
    rec->add_option("--ring-mb", record.ring_mb, "BPF ring buffer size in MiB (power of two)")
        ->check(kPowerOfTwo)
        ->capture_default_str();
    rec->add_flag("-v,--verbose", record.verbose, "Show libbpf's own messages");
    add_stream_out_options(rec, record.stream, "the trace file's directory");
    rec->add_flag("--verify", record.verify,
                  "Also record kernel list/tree walks and /proc fdinfo checkpoints, so that "
                  "`epscope stat` can prove the model (costs more per event)");
    rec->add_option("--verify-interval", record.verify_interval_ms,
                    "Milliseconds between fdinfo checkpoints with --verify")
        ->check(CLI::Range(10u, 3600000u))
        ->capture_default_str();
    rec->add_flag("--no-children", record.no_children,
                  "With -p: trace only the given processes, not the ones they had already "
                  "started (a master's workers; children forked later are always followed)");
    rec->add_option("--follow-exit", record.follow_exit,
                    "With -- CMD: stop when the command exits (first) or when the last of the "
                    "processes it started exits (all: follows daemons that double-fork)")
        ->check(CLI::IsMember({"first", "all"}))
        ->capture_default_str();

    LiveOptions live;
    live.invocation = invocation;
    auto* liv =
        app.add_subcommand("live", "Watch epoll instances of processes, refreshing like top");
    add_target_options(liv, live.pids, live.run_as, live.command,
                       "-- CMD ARGS...: launch and watch a command");
    liv->add_option("-i,--interval", live.interval_s, "Seconds between refreshes")
        ->check(CLI::Range(0.05, 3600.0))
        ->capture_default_str();
    liv->add_option("-d,--duration", live.duration_s, "Stop after SECONDS")->check(kSeconds);
    liv->add_option("--backend", live.backend, "Kernel hooks to use: auto, fentry, kprobe or tracepoint")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}))
        ->capture_default_str();
    liv->add_flag("-v,--verbose", live.verbose, "Show libbpf's own messages");
    add_stream_out_options(liv, live.stream, "/var/tmp");
    liv->add_flag("--verify", live.verify,
                  "Check the model against kernel walks and /proc fdinfo; show the fidelity line");
    liv->add_option("--verify-interval", live.verify_interval_ms,
                    "Milliseconds between fdinfo checkpoints with --verify")
        ->check(CLI::Range(10u, 3600000u))
        ->capture_default_str();

    GuiOptions gui;
    gui.invocation = invocation;
    auto* gu = app.add_subcommand(
        "gui", "Capture and show in epscope-gui in one step (the window runs as the sudo user)");
    add_target_options(gu, gui.pids, gui.run_as, gui.command,
                       "-- CMD ARGS...: launch and show a command");
    gu->add_option("--backend", gui.backend, "Kernel hooks to use: auto, fentry, kprobe or tracepoint")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}))
        ->capture_default_str();
    gu->add_flag("--keep-open", gui.keep_open,
                 "When the command ends, keep the window open (exit when it is closed)");
    gu->add_option("--gui-bin", gui.gui_binary, "The epscope-gui program to run");
    gu->add_flag("-v,--verbose", gui.verbose, "Show libbpf's own messages");

    DumpOptions dump;
    auto* dmp = app.add_subcommand("dump", "Print the records of a trace file, one per line");
    auto* dump_file = dmp->add_option("file", dump.input, "Trace file");
    auto* dump_connect = dmp->add_option(
        "--connect", dump.connect,
        "Read the live stream served on this socket (epscope live --serve) until it ends");
    dump_file->excludes(dump_connect);
    dmp->add_option("--wait", dump.wait_s, "With --connect: retry connecting for SECONDS")
        ->check(CLI::NonNegativeNumber);
    dmp->add_flag("--json", dump.json, "JSON Lines instead of text");
    dmp->add_flag("--raw-addresses", dump.raw_addresses,
                  "Show kernel addresses, not per-trace ids");

    StatOptions stat;
    auto* sta = app.add_subcommand("stat", "Summarise a trace per process and epoll instance");
    sta->add_option("file", stat.input, "Trace file")->required();
    sta->add_flag("--json", stat.json, "One JSON object, for scripts");
    sta->add_flag("--mismatches", stat.mismatches,
                  "With a --verify trace: list the first 64 mismatches with their times "
                  "(find them with `epscope dump`: the same ids)");
    sta->add_flag("--raw-addresses", stat.raw_addresses,
                  "Show kernel addresses, not per-trace ids (tables and mismatches)");

    ExportOptions exp;
    auto* ex = app.add_subcommand("export", "Convert a trace for other tools");
    ex->add_option("file", exp.input, "Trace file")->required();
    ex->add_option("-o,--output", exp.output, "Output file")->required()->check(kPath);
    ex->add_flag("--force", exp.force, "Replace an existing output (else it is kept as FILE.old)");
    ex->add_option("-f,--format", exp.format,
                   "Output format: perfetto (Perfetto's protobuf trace), chrome-json (the legacy "
                   "Chrome trace JSON), jsonl or csv")
        ->check(CLI::IsMember({"perfetto", "chrome-json", "jsonl", "csv"}))
        ->capture_default_str();
    ex->add_flag("--raw-addresses", exp.raw_addresses, "Keep kernel addresses");

    add_examples(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        if (app.get_subcommands().empty()) {
            if (argc > 1 && argv[1][0] != '-')
                std::fprintf(stderr,
                             "epscope: unknown command '%s': expected doctor, record, live, gui, "
                             "stat, dump or export (see `epscope --help`)\n",
                             argv[1]);
            else
                std::fprintf(stderr, "epscope: %s (see `epscope --help`)\n", e.what());
        } else {
            std::fprintf(stderr, "epscope %s: %s (see `epscope %s --help`)\n",
                         app.get_subcommands()[0]->get_name().c_str(), e.what(),
                         app.get_subcommands()[0]->get_name().c_str());
        }
        return 2;
    }

    if (*doc) return run_doctor(doctor);
    if (*rec) {
        if (record.pids.empty() && record.command.empty() && !record.all_processes) {
            std::fprintf(stderr,
                         "epscope record: nothing to trace: give -p PID or -- CMD ARGS...\n");
            return 2;
        }
        return run_record(record);
    }
    if (*liv) {
        if (live.pids.empty() && live.command.empty()) {
            std::fprintf(stderr, "epscope live: nothing to watch: give -p PID or -- CMD ARGS...\n");
            return 2;
        }
        return run_live(live);
    }
    if (*gu) {
        if (gui.pids.empty() && gui.command.empty()) {
            std::fprintf(stderr, "epscope gui: nothing to show: give -p PID or -- CMD ARGS...\n");
            return 2;
        }
        return run_gui(gui);
    }
    if (*dmp) {
        if (dump.input.empty() && dump.connect.empty()) {
            std::fprintf(stderr, "epscope dump: give a trace FILE or --connect SOCKET\n");
            return 2;
        }
        return run_dump(dump);
    }
    if (*ex) return run_export(exp);
    if (*sta) return run_stat(stat);
    return 2;
}
