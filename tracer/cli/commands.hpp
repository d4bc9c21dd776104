// The subcommands of `epscope`. Each takes a struct of options filled by
// CLI11 in main.cpp and returns the process exit code; errors are reported
// as one line on stderr by the command itself.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace epscope::cli {

struct DoctorOptions {
    bool verbose = false;
    bool describe = false;  // print the raw kernel description instead
    std::string backend = "auto";
};
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

struct RecordOptions {
    std::vector<pid_t> pids;
    std::vector<std::string> command;
    std::string output = "epscope.trace";
    double duration_s = 0;  // 0: until Ctrl-C or the processes exit
    std::string backend = "auto";
    bool all_processes = false;
    unsigned ring_mb = 16;
    bool verbose = false;
    bool verify = false;                // kernel walks + fdinfo checkpoints for the model's proof
    unsigned verify_interval_ms = 200;  // between fdinfo checkpoints
    std::string invocation;             // the command line, stored in the trace header
    StreamOutOptions stream;            // spool_dir empty: the trace file's directory
    bool force = false;                 // --force: replace an existing FILE (else FILE.old)
    std::string run_as;                 // -u USER: the launched command runs as USER
    // -- CMD: stop when the command exits ("first") or when the last process
    // it started has exited too ("all": daemons that double-fork).
    std::string follow_exit = "all";
    bool no_children = false;  // -p: not the processes it had already started
};
int run_record(const RecordOptions&);

struct LiveOptions {
    std::vector<pid_t> pids;
    std::vector<std::string> command;
    double interval_s = 1.0;
    double duration_s = 0;
    std::string backend = "auto";
    bool verbose = false;
    std::string invocation;
    // On disk, not a tmpfs in RAM, on most systems.
    StreamOutOptions stream = StreamOutOptions::spooled_in("/var/tmp");
    bool verify = false;
    unsigned verify_interval_ms = 200;
    std::string run_as;  // -u USER
    bool counting = false;            // --counting: BPF counts, no records (counting mode)
    unsigned counting_items = 16384;  // --counting-items: the item map's bound
    bool json = false;                // --json (counting): a JSON object per refresh
};
int run_live(const LiveOptions&);
// `live --counting`: cmd_live_counting.cpp.
int run_live_counting(const LiveOptions&);

struct GuiOptions {
    std::vector<pid_t> pids;
    std::vector<std::string> command;
    std::string backend = "auto";
    bool verbose = false;
    bool keep_open = false;  // leave the window open after the command ends
    std::string gui_binary;  // --gui-bin: the epscope-gui to run
    std::string run_as;      // -u USER: the launched command runs as USER
    std::string invocation;
};
int run_gui(const GuiOptions&);

struct DumpOptions {
    std::string input;
    std::string connect;  // --connect: read a live stream from this socket instead
    double wait_s = 0;    // --wait: keep retrying the connection this long
    bool json = false;
    bool raw_addresses = false;
};
int run_dump(const DumpOptions&);

struct StatOptions {
    std::string input;
    bool json = false;
    bool raw_addresses = false;
    bool mismatches = false;  // print the verify mismatch log (first 64, with times)
};
int run_stat(const StatOptions&);

struct ExportOptions {
    std::string input;
    std::string output;
    std::string format = "perfetto";
    bool raw_addresses = false;
    bool force = false;  // --force: replace an existing output (else kept as FILE.old)
};
int run_export(const ExportOptions&);

}  // namespace epscope::cli
