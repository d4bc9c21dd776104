#include "run.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "client.hpp"
#include "net.hpp"
#include "server.hpp"

namespace epscope::poller {

const char* model_name(Model m) {
    switch (m) {
        case Model::Sepoll:
            return "sepoll";
        case Model::MPoller:
            return "mpoller";
        case Model::Basic:
            break;
    }
    return "basic";
}

const char* trigger_name(Trigger t) {
    switch (t) {
        case Trigger::Edge:
            return "edge";
        case Trigger::OneShot:
            return "oneshot";
        case Trigger::Level:
            break;
    }
    return "level";
}

bool validate(const Options& opt, std::string& err) {
    if (opt.model == Model::MPoller && opt.pollers < 1) {
        err = "--pollers must be at least 1 (got " + std::to_string(opt.pollers) + ")";
        return false;
    }
    if (opt.model == Model::MPoller && opt.handlers < 1) {
        err = "--handlers must be at least 1 (got " + std::to_string(opt.handlers) + ")";
        return false;
    }
    if (opt.threads < 1) {
        err = "--threads must be at least 1 (got " + std::to_string(opt.threads) + ")";
        return false;
    }
    if (opt.shared_epoll && opt.exclusive) {
        err = "--shared-epoll and --exclusive are different layouts: choose one";
        return false;
    }
    if ((opt.shared_epoll || opt.exclusive) && opt.model != Model::Basic) {
        err = "--shared-epoll and --exclusive apply to --model basic only";
        return false;
    }
    if (opt.role != Role::Server && opt.conns < 1) {
        err = "--conns must be at least 1 (got " + std::to_string(opt.conns) + ")";
        return false;
    }
    if (opt.payload < 1 || opt.payload > (64u << 20)) {
        err = "--payload must be between 1 and 67108864 bytes";
        return false;
    }
    if (opt.role == Role::Client && opt.transport == Transport::Tcp && opt.port == 0) {
        err = "--role client needs the server's --port";
        return false;
    }
    if (opt.role == Role::Client && opt.transport == Transport::Unix && opt.unix_path.empty()) {
        err = "--role client over unix sockets needs the server's --unix path";
        return false;
    }
    if (opt.rate < 0 || opt.duration < 0 || !std::isfinite(opt.rate) ||
        !std::isfinite(opt.duration)) {
        err = "--rate and --duration must be non-negative numbers";
        return false;
    }
    if (opt.role != Role::Server && opt.duration == 0) {
        err = "--duration 0 (run until a signal) is only for --role server";
        return false;
    }
    if (opt.idle_timeout_ms >= 0 && opt.model != Model::MPoller) {
        err = "--idle-timeout applies to --model mpoller only";
        return false;
    }
    if (opt.max_events < 1) {
        err = "--max-events must be at least 1";
        return false;
    }
    return true;
}

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Sleeps for the run's duration (forever if 0) while serving SIGUSR1; false if ended by
// SIGINT/SIGTERM.
void wait_duration(const Options& opt, bool handle_signals, Clock::time_point t0,
                   RunResult& result) {
    if (!handle_signals) {
        usleep(static_cast<useconds_t>(opt.duration * 1e6));
        return;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    for (;;) {
        double left = 3600;
        if (opt.duration > 0) {
            left = opt.duration - since(t0);
            if (left <= 0) return;
        }
        timespec ts{static_cast<time_t>(left), static_cast<long>((left - std::floor(left)) * 1e9)};
        const int sig = sigtimedwait(&set, nullptr, &ts);
        if (sig == SIGUSR1) {
            result.seconds = since(t0);
            std::printf("%s\n", result_json(opt, result).c_str());
            std::fflush(stdout);
        } else if (sig == SIGINT || sig == SIGTERM) {
            return;
        }
    }
}

}  // namespace

int run_workload(const Options& opt, bool handle_signals, RunResult& result, std::string& err) {
    if (!validate(opt, err)) return -1;
    const size_t per_conn = opt.role == Role::Both ? 2 : 1;
    if (!ensure_fd_limit(static_cast<size_t>(opt.conns) * per_conn + 64, err)) return -1;
    if (handle_signals) {
        // Blocked before any thread exists, so every thread inherits the mask and only the
        // main thread's sigtimedwait takes these signals.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
    }
    Endpoint ep;
    ep.transport = opt.transport;
    ep.host = opt.host;
    ep.port = opt.port;
    ep.path = opt.unix_path;
    std::unique_ptr<Server> server;
    if (opt.role != Role::Client) {
        const int lfd = listen_on(opt, ep, err);
        if (lfd < 0) return -1;
        server = make_server(opt, lfd, result.server);
        if (server->start(err) < 0) return -1;
    }
    std::unique_ptr<Client> client;
    const auto t0 = Clock::now();
    if (opt.role != Role::Server) {
        client = std::make_unique<Client>(opt, ep, result.client);
        if (client->start(err) < 0) {
            if (server) server->stop();
            return -1;
        }
    }
    wait_duration(opt, handle_signals, t0, result);
    if (client) client->stop();
    result.seconds = since(t0);
    if (server) server->stop();
    result.client_failed = client && client->failed();
    if (opt.role != Role::Client && opt.transport == Transport::Unix) unlink(ep.path.c_str());
    return 0;
}

// CPU time of the whole process so far: what a tracer running inside its
// syscalls costs it, whatever else the machine runs (bench-overhead).
static double process_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
    return secs(ru.ru_utime) + secs(ru.ru_stime);
}

std::string result_json(const Options& opt, const RunResult& r) {
    const Counters& s = r.server;
    const Counters& c = r.client;
    const uint64_t waits = s.epoll_wait_calls.load();
    const double rps = r.seconds > 0 ? static_cast<double>(c.requests.load()) / r.seconds : 0.0;
    const double mean =
        waits ? static_cast<double>(s.epoll_wait_events.load()) / static_cast<double>(waits) : 0.0;
    const nlohmann::ordered_json j = {
        {"model", model_name(opt.model)},
        {"trigger", trigger_name(opt.trigger)},
        {"threads", opt.threads},
        {"shared_epoll", opt.shared_epoll},
        {"exclusive", opt.exclusive},
        {"pollers", opt.pollers},
        {"handlers", opt.handlers},
        {"transport", opt.transport == Transport::Unix ? "unix" : "tcp"},
        {"conns", opt.conns},
        {"payload", opt.payload},
        {"seconds", rounded(r.seconds, 3)},
        {"requests_per_s", rounded(rps, 1)},
        {"mismatches", c.mismatches.load()},
        {"client_failed", r.client_failed},
        {"epoll_wait_calls", waits},
        {"epoll_ctl_calls", s.epoll_ctl_calls()},
        {"mean_events_per_wait", rounded(mean, 3)},
        {"syscalls_saved_by_speculation", s.waits_skipped.load() + s.ctl_saved.load()},
        {"cpu_s", rounded(process_cpu_seconds(), 3)},
        {"server", counters_json(s, r.seconds)},
        {"client", counters_json(c, r.seconds)}};
    return j.dump();
}

}  // namespace epscope::poller
