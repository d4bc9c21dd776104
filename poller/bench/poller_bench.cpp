// Prints requests/s of each model of epscope-poller at 1, 2 and all cores: the process is
// pinned to the first k CPUs (sched_setaffinity) and the server gets k threads (pollers for
// mpoller). Client and server share those CPUs, as on a loaded host. A program that prints
// figures, not a test: nothing here passes or fails on speed.
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "run.hpp"

namespace {

using namespace epscope::poller;

struct Config {
    const char* label;
    Options opt;
};

std::vector<Config> configs(const Options& base) {
    std::vector<Config> out;
    auto add = [&](const char* label, auto tweak) {
        Options o = base;
        tweak(o);
        out.push_back({label, o});
    };
    add("basic level", [](Options& o) { o.trigger = Trigger::Level; });
    add("basic edge", [](Options& o) { o.trigger = Trigger::Edge; });
    add("basic oneshot", [](Options& o) { o.trigger = Trigger::OneShot; });
    add("basic level shared-epoll", [](Options& o) { o.shared_epoll = true; });
    add("basic level exclusive", [](Options& o) { o.exclusive = true; });
    add("sepoll", [](Options& o) { o.model = Model::Sepoll; });
    add("mpoller (handlers = cores)", [](Options& o) { o.model = Model::MPoller; });
    return out;
}

bool pin(int cores) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < cores; ++i) CPU_SET(i, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options base;
    base.duration = 2;
    base.conns = 32;
    base.payload = 64;
    CLI::App app{"epscope-poller-bench: requests/s per model at 1, 2 and all cores"};
    app.add_option("--duration", base.duration, "seconds per run");
    app.add_option("--conns", base.conns, "client connections");
    app.add_option("--payload", base.payload, "bytes per request");
    app.add_option("--client-threads", base.client_threads, "client threads");
    app.add_option("--requests-per-conn", base.requests_per_conn,
                   "reconnect after this many requests (0: never)");
    CLI11_PARSE(app, argc, argv);
    if (base.duration <= 0 || base.conns < 1 || base.payload < 1) {
        std::fprintf(stderr,
                     "epscope-poller-bench: --duration, --conns and --payload must be positive\n");
        return 2;
    }
    const int all = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    std::set<int> core_counts = {1, std::min(2, all), all};
    std::printf(
        "# %d conns, %zu-byte payload, %.1f s per run, client threads %d, "
        "requests per connection %d (0: persistent), online CPUs %d\n",
        base.conns, base.payload, base.duration, base.client_threads, base.requests_per_conn, all);
    std::printf(
        "| model | cores | requests/s | epoll_wait/req | epoll_ctl/req | mean events/wait | "
        "saved by speculation/req |\n|---|---|---|---|---|---|---|\n");
    int failures = 0;
    for (const Config& c : configs(base)) {
        for (int cores : core_counts) {
            if (!pin(cores)) {
                std::fprintf(stderr, "epscope-poller-bench: cannot pin to %d CPU(s)\n", cores);
                return 1;
            }
            Options o = c.opt;
            o.threads = cores;
            o.pollers = cores;
            o.handlers = cores;
            RunResult r;
            std::string err;
            if (run_workload(o, false, r, err) < 0) {
                std::fprintf(stderr, "epscope-poller-bench: %s: %s\n", c.label, err.c_str());
                return 1;
            }
            const double reqs = static_cast<double>(r.client.requests.load());
            if (r.client.mismatches.load() > 0 || r.client_failed) ++failures;
            const auto per_req = [&](uint64_t n) {
                return reqs > 0 ? static_cast<double>(n) / reqs : 0.0;
            };
            std::printf("| %s | %d | %.0f | %.3f | %.3f | %.2f | %.3f |\n", c.label, cores,
                        reqs / r.seconds, per_req(r.server.epoll_wait_calls.load()),
                        per_req(r.server.epoll_ctl_calls()),
                        r.server.epoll_wait_calls.load()
                            ? static_cast<double>(r.server.epoll_wait_events.load()) /
                                  static_cast<double>(r.server.epoll_wait_calls.load())
                            : 0.0,
                        per_req(r.server.waits_skipped.load() + r.server.ctl_saved.load()));
            std::fflush(stdout);
        }
    }
    if (failures) {
        std::fprintf(stderr,
                     "epscope-poller-bench: %d run(s) had mismatched bytes or lost connections\n",
                     failures);
        return 1;
    }
    return 0;
}
