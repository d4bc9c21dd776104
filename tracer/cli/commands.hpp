// The subcommands of `epscope`. Each takes a struct of options filled by
// CLI11 in main.cpp and returns the process exit code; errors are reported
// as one line on stderr by the command itself.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "findings/findings.hpp"
#include "stream/record_filter.hpp"

namespace CLI {
class App;
}

namespace epscope::cli {

// Each subcommand adds itself and its options to `app` in its own cmd_*.cpp
// (add_NAME_command), filling the options struct main() then passes to run_NAME.

struct DoctorOptions {
    bool verbose = false;
    bool describe = false;  // print the raw kernel description instead
    std::string backend = "auto";
};
CLI::App* add_doctor_command(CLI::App& app, DoctorOptions& o);
int run_doctor(const DoctorOptions&);

// Where a capture's live stream also goes (record, live): --serve,
// --stream-to and the server's spool for late readers.
struct StreamOutOptions {
    std::string serve_path;       // --serve: serve the live stream on this socket
    std::string stream_to;        // --stream-to: write the live stream to this file/device
    std::string spool_dir;        // --serve-spool-dir; empty: the command's default
    unsigned spool_mb = 2048;     // --serve-spool-mb: the spool's cap
    unsigned history_kb = 16384;  // --serve-history-kb: the in-memory tail (tests)
    bool force = false;           // --force: replace an existing --stream-to file
    unsigned queue_kb = 8192;     // --serve-queue-kb: a live reader's queue (tests)

    static StreamOutOptions spooled_in(std::string dir) {
        StreamOutOptions o;
        o.spool_dir = std::move(dir);
        return o;
    }
};

// What to capture and how: one set of options for record, live and gui,
// added by add_capture_options (cli/options.hpp) and turned into the capture
// loop's options by capture_options (cli/session_plan.hpp).
struct CaptureArgs {
    std::vector<pid_t> pids;           // -p: processes (and, unless no_children, their children)
    std::vector<std::string> command;  // -- CMD ARGS...: launch and trace
    std::string run_as;                // -u USER: the launched command runs as USER
    bool all_processes = false;        // -a: every process on the machine
    bool no_children = false;          // -p: not the processes it had already started
    // -- CMD: stop when the command exits ("first") or when the last process
    // it started has exited too ("all": daemons that double-fork).
    std::string follow_exit = "all";
    double duration_s = 0;  // 0: until Ctrl-C or the processes exit
    std::string backend = "auto";
    unsigned ring_mb = 16;
    bool verbose = false;
    bool verify = false;                // kernel walks + fdinfo checkpoints for the model's proof
    unsigned verify_interval_ms = 200;  // between fdinfo checkpoints
    std::string invocation;             // the command line, stored in the trace header
};

struct RecordOptions {
    CaptureArgs capture;
    std::string output = "epscope.trace";
    StreamOutOptions stream;  // spool_dir empty: the trace file's directory
    bool force = false;       // --force: replace an existing FILE (else FILE.old)
};
CLI::App* add_record_command(CLI::App& app, RecordOptions& o);
int run_record(const RecordOptions&);

struct LiveOptions {
    CaptureArgs capture;
    double interval_s = 1.0;
    std::string metrics;                     // --metrics [ADDR:]PORT: serve Prometheus metrics
    std::size_t metrics_max_instances = 64;  // instances with their own series; the rest "other"
    std::size_t metrics_top_items = 10;      // items with their own series
    // On disk, not a tmpfs in RAM, on most systems.
    StreamOutOptions stream = StreamOutOptions::spooled_in("/var/tmp");
    bool counting = false;            // --counting: BPF counts, no records (counting mode)
    unsigned counting_items = 16384;  // --counting-items: the item map's bound
    bool json = false;                // --json (counting): a JSON object per refresh
};
CLI::App* add_live_command(CLI::App& app, LiveOptions& o);
int run_live(const LiveOptions&);
// `live --counting`: cmd_live_counting.cpp.
int run_live_counting(const LiveOptions&);

// `epscope exporter`: a daemon serving counting mode's figures to Prometheus
// for the processes selected by name, cgroup or pid, as they come and go.
struct ExporterOptions {
    std::vector<std::string> comms;    // --comm: process names (comm or executable's name)
    std::vector<std::string> cgroups;  // --cgroup: cgroup v2 groups (and the groups below)
    std::vector<pid_t> pids;           // -p: processes (and their children)
    std::string metrics = "9464";      // --metrics [ADDR:]PORT (PORT alone: loopback)
    double interval_s = 1.0;           // -i: seconds between publications of the figures
    double scan_interval_s = 1.0;      // --scan-interval: seconds between /proc scans
    std::size_t max_processes = 32;    // processes with their own series; the rest "other"
    std::size_t max_instances = 64;    // instances with their own series; the rest "other"
    std::size_t top_items = 10;        // items with their own series
    unsigned counting_items = 16384;   // the item map's bound
    std::string backend = "auto";
    bool verbose = false;
    double duration_s = 0;  // 0: until SIGTERM/SIGINT
};
CLI::App* add_exporter_command(CLI::App& app, ExporterOptions& o);
int run_exporter(const ExporterOptions&);

struct GuiOptions {
    CaptureArgs capture;
    bool keep_open = false;  // leave the window open after the command ends
    std::string gui_binary;  // --gui-bin: the epscope-gui to run
};
CLI::App* add_gui_command(CLI::App& app, GuiOptions& o);
int run_gui(const GuiOptions&);

struct DumpOptions {
    std::string input;
    std::string connect;  // --connect: read a live stream from this socket instead
    double wait_s = 0;    // --wait: keep retrying the connection this long
    bool json = false;
    bool raw_addresses = false;
    bool wall_clock = false;    // -T: wall-clock times
    std::string output = "-";   // -o: a file written whole (FILE.partial, renamed), or stdout
    bool force = false;         // --force: replace an existing output (else FILE.old)
    stream::FilterArgs filter;  // the records printed
};
CLI::App* add_dump_command(CLI::App& app, DumpOptions& o);
int run_dump(const DumpOptions&);

struct StatOptions {
    std::string input;
    bool json = false;
    bool raw_addresses = false;
    bool mismatches = false;  // print the verify mismatch log (first 64, with times)
    bool wall_clock = false;  // -T: the trace's span in wall-clock time
    // The processes and instances shown; --from/--to: the counts and findings
    // of that window, the state (items, ready, waiters) at its end.
    stream::FilterArgs filter;
};
CLI::App* add_stat_command(CLI::App& app, StatOptions& o);
int run_stat(const StatOptions&);

struct CheckOptions {
    std::string input;
    bool json = false;
    bool raw_addresses = false;
    std::string min_severity = "info";  // shown, and judged for the exit status
    // --from/--to: the window judged; --pid/--instance: the findings shown.
    stream::FilterArgs filter;
    findings::Thresholds thresholds;  // the counts and shares; durations below
    // Durations in ms on the command line; defaults from Thresholds, the one place.
    double blocked_turn_ms = findings::Thresholds{}.blocked_turn_ns / 1e6;
    double blocked_error_ms = findings::Thresholds{}.blocked_error_ns / 1e6;
    double oneshot_stuck_ms = findings::Thresholds{}.oneshot_stuck_ns / 1e6;
    double edge_stall_ms = findings::Thresholds{}.edge_stall_ns / 1e6;
};
CLI::App* add_check_command(CLI::App& app, CheckOptions& o);
int run_check(const CheckOptions&);

struct ExportOptions {
    std::string input;
    std::string output;
    std::string format = "perfetto";
    bool raw_addresses = false;
    bool force = false;         // --force: replace an existing output (else kept as FILE.old)
    stream::FilterArgs filter;  // the records exported
};
CLI::App* add_export_command(CLI::App& app, ExportOptions& o);
int run_export(const ExportOptions&);

}  // namespace epscope::cli
