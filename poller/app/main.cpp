// epscope-poller: the reference epoll workload (echo server/client per model) and the
// deterministic scenarios. Exit status: 0 ok, 1 a run or scenario failed its own checks,
// 2 bad input.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "../scenarios/scenario.hpp"
#include "run.hpp"

namespace {

using namespace epscope::poller;

struct Cli {
    Options opt;
    std::string model = "basic", trigger = "level", role = "both", transport = "tcp";
    std::string scenario;
    bool list_scenarios = false;
    bool verify_fdinfo = false;
};

int bad(const std::string& what) {
    std::fprintf(stderr, "epscope-poller: %s\n", what.c_str());
    return 2;
}

// Maps the string options; false with a reason for an unknown value.
bool resolve(Cli& cli, std::string& err) {
    if (cli.model == "basic")
        cli.opt.model = Model::Basic;
    else if (cli.model == "sepoll")
        cli.opt.model = Model::Sepoll;
    else if (cli.model == "mpoller")
        cli.opt.model = Model::MPoller;
    else
        return err = "unknown --model '" + cli.model + "' (use basic, sepoll or mpoller)", false;
    if (cli.trigger == "level")
        cli.opt.trigger = Trigger::Level;
    else if (cli.trigger == "edge")
        cli.opt.trigger = Trigger::Edge;
    else if (cli.trigger == "oneshot")
        cli.opt.trigger = Trigger::OneShot;
    else
        return err = "unknown --trigger '" + cli.trigger + "' (use level, edge or oneshot)", false;
    if (cli.trigger != "level" && cli.opt.model != Model::Basic)
        return err = "--trigger applies to --model basic only", false;
    if (cli.role == "server")
        cli.opt.role = Role::Server;
    else if (cli.role == "client")
        cli.opt.role = Role::Client;
    else if (cli.role == "both")
        cli.opt.role = Role::Both;
    else
        return err = "unknown --role '" + cli.role + "' (use server, client or both)", false;
    if (cli.transport == "tcp")
        cli.opt.transport = Transport::Tcp;
    else if (cli.transport == "unix")
        cli.opt.transport = Transport::Unix;
    else
        return err = "unknown --transport '" + cli.transport + "' (use tcp or unix)", false;
    return true;
}

int run_scenario(const Cli& cli) {
    const Scenario* sc = find_scenario(cli.scenario);
    if (!sc) return bad("unknown --scenario '" + cli.scenario + "' (--list-scenarios names them)");
    Script script(sc->name, cli.verify_fdinfo);
    sc->run(script);
    const nlohmann::ordered_json summary = {{"scenario", sc->name},
                                            {"verify_fdinfo", cli.verify_fdinfo},
                                            {"failures", script.failures()}};
    std::printf("%s\n", summary.dump().c_str());
    if (script.failures() > 0) {
        std::fprintf(stderr,
                     "epscope-poller: scenario %s: %d check(s) failed (see the JSON lines)\n",
                     sc->name, script.failures());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Cli cli;
    Options& o = cli.opt;
    CLI::App app{"epscope-poller: reference epoll workload and kernel-path scenarios"};
    app.add_option("--model", cli.model, "basic | sepoll | mpoller");
    app.add_option("--trigger", cli.trigger, "basic: level | edge | oneshot");
    app.add_option("--threads", o.threads, "basic/sepoll: waiter threads");
    app.add_flag("--shared-epoll", o.shared_epoll, "basic: all threads wait on one instance");
    app.add_flag("--exclusive", o.exclusive,
                 "basic: one instance per thread, listener added with EPOLLEXCLUSIVE");
    app.add_option("--pollers", o.pollers, "mpoller: poller threads (one instance each)");
    app.add_option("--handlers", o.handlers, "mpoller: handler threads behind the queue");
    app.add_option("--role", cli.role, "server | client | both");
    app.add_option("--transport", cli.transport, "tcp | unix");
    app.add_option("--host", o.host, "IPv4 address to listen on / connect to");
    app.add_option("--port", o.port, "TCP port (0: any free port)");
    app.add_option("--unix", o.unix_path, "unix socket path");
    app.add_option("--conns", o.conns, "client connections");
    app.add_option("--rate", o.rate, "client requests/s in total (0: unlimited)");
    app.add_option("--duration", o.duration, "seconds (server: 0 = until SIGINT/SIGTERM)");
    app.add_option("--payload", o.payload, "bytes per request");
    app.add_option("--requests-per-conn", o.requests_per_conn,
                   "client: reconnect after this many requests (0: never)");
    app.add_option("--client-threads", o.client_threads, "client threads");
    app.add_option("--max-events", o.max_events, "maxevents of each epoll_wait");
    app.add_option("--idle-timeout", o.idle_timeout_ms,
                   "mpoller: close connections idle for this many ms (poller timerfd)");
    app.add_option("--scenario", cli.scenario, "run one deterministic scenario");
    app.add_flag("--list-scenarios", cli.list_scenarios, "name the scenarios");
    app.add_flag("--verify-fdinfo", cli.verify_fdinfo,
                 "scenario: compare each checkpoint with /proc/self/fdinfo");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return bad(std::string(e.what()) + " (see --help)");
    }
    if (cli.list_scenarios) {
        for (const Scenario& s : scenarios()) std::printf("%-22s %s\n", s.name, s.summary);
        return 0;
    }
    if (!cli.scenario.empty()) return run_scenario(cli);
    if (cli.verify_fdinfo) return bad("--verify-fdinfo needs --scenario NAME");
    std::string err;
    if (!resolve(cli, err)) return bad(err);
    RunResult result;
    if (run_workload(o, true, result, err) < 0) return bad(err);
    std::printf("%s\n", result_json(o, result).c_str());
    if (result.client.mismatches.load() > 0 || result.client_failed) {
        std::fprintf(stderr, "epscope-poller: the run failed: %llu mismatched byte(s)%s\n",
                     static_cast<unsigned long long>(result.client.mismatches.load()),
                     result.client_failed ? ", a connection was lost" : "");
        return 1;
    }
    return 0;
}
