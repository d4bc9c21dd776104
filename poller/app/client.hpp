// The load generator: --conns connections over --client-threads threads (each with its own
// level-triggered epoll instance), each sending --payload bytes and verifying that every
// echoed byte equals what was sent before sending the next request.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "counters.hpp"
#include "net.hpp"
#include "options.hpp"

namespace epscope::poller {

class Client {
public:
    Client(const Options& opt, const Endpoint& ep, Counters& counters);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects everything; -1 with a one-line reason.
    int start(std::string& err);
    void stop();
    // Set when a connection failed mid-run (the server went away).
    bool failed() const { return failed_.load(); }

private:
    struct Worker;
    void run(Worker& w);
    void start_allowed(Worker& w);
    int rate_timeout(const Worker& w) const;
    void begin_request(Worker& w, size_t idx);
    void write_some(Worker& w, size_t idx);
    bool reconnect(Worker& w, size_t idx);
    void finish_request(Worker& w, size_t idx);
    void read_echo(Worker& w, size_t idx, std::vector<char>& rbuf);

    const Options& opt_;
    Endpoint ep_;
    Counters& counters_;
    int stop_fd_ = -1;
    std::vector<Worker*> workers_;
    std::vector<std::thread> threads_;
    std::atomic<bool> failed_{false};
};

}  // namespace epscope::poller
