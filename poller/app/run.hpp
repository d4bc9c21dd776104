// One run of the echo workload (server, client or both in this process) and its report.
#pragma once

#include <string>

#include "counters.hpp"
#include "options.hpp"

namespace epscope::poller {

struct RunResult {
    double seconds = 0;
    Counters server;
    Counters client;
    bool client_failed = false;
};

// Returns 0, or -1 with a one-line reason in err (bad options, port in use, fd limit...).
// With handle_signals, SIGUSR1 prints the counters so far and SIGINT/SIGTERM end the run.
int run_workload(const Options& opt, bool handle_signals, RunResult& result, std::string& err);
std::string result_json(const Options& opt, const RunResult& result);
// Checks the options a run needs before anything is created; false with a reason.
bool validate(const Options& opt, std::string& err);

}  // namespace epscope::poller
