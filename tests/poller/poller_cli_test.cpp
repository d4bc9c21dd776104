// The binary's interface: bad input gives one clear line on stderr and a non-zero exit; the
// scenario table matches the CTest list; a short run prints the counters as JSON.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace epscope::poller {
namespace {

struct Outcome {
    int status = -1;
    std::string out, err;
};

std::string slurp(int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
}

// Runs epscope-poller with args; nofile > 0 lowers RLIMIT_NOFILE (soft and hard) first.
Outcome run(std::vector<std::string> args, rlim_t nofile = 0) {
    int out[2], err[2];
    if (pipe(out) < 0 || pipe(err) < 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        if (nofile) {
            rlimit rl{nofile, nofile};
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        std::vector<char*> argv;
        static std::string bin = EPSCOPE_POLLER_BIN;
        argv.push_back(bin.data());
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(bin.c_str(), argv.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    Outcome o;
    // stderr is small for every case here, stdout at most a few KB: read stdout first.
    o.out = slurp(out[0]);
    o.err = slurp(err[0]);
    close(out[0]);
    close(err[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return o;
}

void expect_one_line_error(const Outcome& o, const std::string& mentions) {
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    EXPECT_NE(o.err.find(mentions), std::string::npos) << o.err;
}

TEST(PollerCli, UnknownModel) {
    expect_one_line_error(run({"--model", "kqueue"}), "unknown --model 'kqueue'");
}

TEST(PollerCli, UnknownScenario) {
    expect_one_line_error(run({"--scenario", "nope"}), "unknown --scenario 'nope'");
}

TEST(PollerCli, UnknownTrigger) {
    expect_one_line_error(run({"--trigger", "sometimes"}), "unknown --trigger");
}

TEST(PollerCli, ZeroPollers) {
    expect_one_line_error(run({"--model", "mpoller", "--pollers", "0"}), "--pollers");
}

TEST(PollerCli, ZeroHandlers) {
    expect_one_line_error(run({"--model", "mpoller", "--handlers", "0"}), "--handlers");
}

// More fds than fs.nr_open (1,048,576 by default): no process may raise its
// limit that far, root included.
TEST(PollerCli, MoreFdsThanRlimitNofile) {
    expect_one_line_error(run({"--conns", "600000", "--duration", "0.2"}, 256), "RLIMIT_NOFILE");
}

// Whether this process may raise its hard limits (CAP_SYS_RESOURCE, bit 24 of
// CapEff): root in CI may, a container's root may not.
bool may_raise_hard_limits() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("CapEff:", 0) == 0)
            return (std::stoull(line.substr(7), nullptr, 16) >> 24) & 1;
    return false;
}

// A hard limit below what --conns needs is raised where the process may
// (10,000 connections with both roles need more than the usual 20,000); where
// it may not, the one line says how to run it instead.
TEST(PollerCli, RaisesTheHardFdLimitWhereItMay) {
    auto o = run({"--conns", "200", "--duration", "0.3"}, 256);
    if (may_raise_hard_limits()) {
        EXPECT_EQ(o.status, 0) << o.err;
    } else {
        expect_one_line_error(o, "two processes");
    }
}

TEST(PollerCli, PortInUse) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    const std::string port = std::to_string(ntohs(sa.sin_port));
    expect_one_line_error(run({"--role", "server", "--port", port, "--duration", "0.2"}),
                          "Address already in use");
    close(fd);
}

TEST(PollerCli, MalformedNumber) { expect_one_line_error(run({"--conns", "many"}), "--conns"); }

TEST(PollerCli, ConflictingLayouts) {
    expect_one_line_error(run({"--threads", "2", "--shared-epoll", "--exclusive"}), "choose one");
}

TEST(PollerCli, ListScenariosMatchesTheCtestList) {
    std::vector<std::string> listed;
    for (const Scenario& s : scenarios()) listed.push_back(s.name);
    std::vector<std::string> tested;
    std::stringstream ss(EPSCOPE_POLLER_SCENARIOS);
    for (std::string name; std::getline(ss, name, ',');) tested.push_back(name);
    EXPECT_EQ(listed, tested) << "add the new scenario to tests/poller/CMakeLists.txt";
    const Outcome o = run({"--list-scenarios"});
    EXPECT_EQ(o.status, 0);
    for (const auto& name : listed) EXPECT_NE(o.out.find(name + " "), std::string::npos);
}

TEST(PollerCli, RunPrintsCountersJson) {
    const Outcome o = run({"--model", "sepoll", "--duration", "0.3", "--conns", "4"});
    ASSERT_EQ(o.status, 0) << o.err;
    for (const char* key :
         {"\"requests_per_s\":", "\"epoll_wait_calls\":", "\"epoll_ctl_calls\":",
          "\"mean_events_per_wait\":", "\"syscalls_saved_by_speculation\":", "\"mismatches\":0,"})
        EXPECT_NE(o.out.find(key), std::string::npos) << key << " in " << o.out;
}

TEST(PollerCli, Sigusr1PrintsCountersWhileRunning) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(EPSCOPE_POLLER_BIN, EPSCOPE_POLLER_BIN, "--duration", "1.5", "--conns", "2",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    // Wait until the process has blocked its signals (before it starts any thread): look for
    // a thread whose SigBlk has SIGUSR1. Not the main thread's own line: inside
    // sigtimedwait the kernel shows the waited-for signals as unblocked.
    bool blocked = false;
    for (int i = 0; i < 2000 && !blocked; ++i) {
        const std::string tasks = "/proc/" + std::to_string(pid) + "/task/";
        for (const auto& task : std::filesystem::directory_iterator(tasks)) {
            std::ifstream status(task.path() / "status");
            for (std::string line; std::getline(status, line);)
                if (line.rfind("SigBlk:", 0) == 0 &&
                    (std::stoull(line.substr(7), nullptr, 16) & (1ULL << (SIGUSR1 - 1))))
                    blocked = true;
        }
        if (!blocked) usleep(1000);
    }
    ASSERT_TRUE(blocked);
    kill(pid, SIGUSR1);
    const std::string text = slurp(out[0]);
    close(out[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    // Two JSON objects: one for the signal, one at exit.
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

}  // namespace
}  // namespace epscope::poller

namespace epscope::poller {
namespace {

// The checkpoint comparison itself: a wrong expectation must be reported as a failure.
TEST(PollerScript, CheckpointDetectsAWrongInterestSet) {
    const int epfd = epoll_create1(0);
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0x42;
    ASSERT_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev), 0);
    testing::internal::CaptureStdout();
    Script s("self-test", true);
    s.checkpoint("right", epfd, {{p[0], stored(EPOLLIN), 0x42}});
    EXPECT_EQ(s.failures(), 0);
    s.checkpoint("wrong data", epfd, {{p[0], stored(EPOLLIN), 0x43}});
    EXPECT_EQ(s.failures(), 1);
    s.checkpoint("wrong events", epfd, {{p[0], EPOLLIN, 0x42}});
    EXPECT_EQ(s.failures(), 2);
    s.checkpoint("missing item", epfd, {});
    EXPECT_EQ(s.failures(), 3);
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("{\"checkpoint\":1,\"label\":\"right\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"unexpected\":[{\"tfd\":" + std::to_string(p[0])), std::string::npos);
    // Without verification a checkpoint only prints its line.
    Script plain("self-test", false);
    testing::internal::CaptureStdout();
    plain.checkpoint("unchecked", epfd, {});
    EXPECT_EQ(testing::internal::GetCapturedStdout().find("match"), std::string::npos);
    EXPECT_EQ(plain.failures(), 0);
    close(p[0]);
    close(p[1]);
    close(epfd);
}

}  // namespace
}  // namespace epscope::poller

namespace epscope::poller {
namespace {

TEST(PollerCli, IdleTimeoutOnlyForMpoller) {
    expect_one_line_error(run({"--model", "sepoll", "--idle-timeout", "10"}), "--idle-timeout");
}

}  // namespace
}  // namespace epscope::poller
