// The option sets shared by several subcommands, added in one place each:
// the capture options of record, live and gui; the live stream's outputs of
// record and live; the validators whose one-line errors CLI11 prints.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/commands.hpp"

namespace epscope::cli {

extern const CLI::Validator kPid;         // a positive process id
extern const CLI::Validator kSeconds;     // a duration the capture's clock can hold
extern const CLI::Validator kPath;        // a non-empty path
extern const CLI::Validator kPowerOfTwo;  // the ring buffer's MiB

// -p/-a/-u/CMD, -d, --backend, --ring-mb, -v, --verify, --verify-interval,
// --no-children, --follow-exit: what to capture and how. `launch_help` says
// what `-- CMD` does for this subcommand.
void add_capture_options(CLI::App* cmd, CaptureArgs& args, const std::string& launch_help);

// --serve, --stream-to and the spool's options (record, live).
void add_stream_out_options(CLI::App* cmd, StreamOutOptions& o, const std::string& spool_default);

// The record filter (stream/record_filter.hpp) of dump, export, stat and
// check: --pid, --instance, --from, --to; with `records`, also --tid, --fd and
// --kind (dump and export: stat and check summarise instances, built from
// every record, so a record-level criterion has no meaning there).
void add_filter_options(CLI::App* cmd, stream::FilterArgs& f, bool records);

// False, with one line on stderr, when nothing was named to capture.
bool has_target(const CaptureArgs& args, const char* command);

}  // namespace epscope::cli
