// Everything the command line can set, in one struct passed by reference (no globals).
#pragma once

#include <cstddef>
#include <string>

namespace epscope::poller {

enum class Model { Basic, Sepoll, MPoller };
enum class Trigger { Level, Edge, OneShot };
enum class Role { Server, Client, Both };
enum class Transport { Tcp, Unix };

struct Options {
    Model model = Model::Basic;
    Trigger trigger = Trigger::Level;
    Role role = Role::Both;
    Transport transport = Transport::Tcp;
    int threads = 1;            // basic/sepoll: waiter threads (instances unless shared_epoll)
    bool shared_epoll = false;  // basic: all threads wait on one instance
    bool exclusive = false;     // basic: one instance per thread, listener with EPOLLEXCLUSIVE
    int pollers = 1;            // mpoller
    int handlers = 1;           // mpoller
    std::string host = "127.0.0.1";
    int port = 0;  // 0 = any free port (role both)
    std::string unix_path;
    int conns = 16;
    double rate = 0;      // requests/s over all connections, 0 = as fast as possible
    double duration = 2;  // seconds; 0 with role server = until SIGINT/SIGTERM
    size_t payload = 64;
    int requests_per_conn = 0;  // 0 = keep each connection for the whole run
    int client_threads = 1;
    int max_events = 256;
    int idle_timeout_ms = -1;  // mpoller: close connections idle this long (timerfd)
};

const char* model_name(Model m);
const char* trigger_name(Trigger t);

}  // namespace epscope::poller
