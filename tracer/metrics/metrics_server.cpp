#include "metrics/metrics_server.hpp"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>

namespace epscope::metrics {
namespace {

bool valid_port(const std::string& p) {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
        return false;
    return std::strtoul(p.c_str(), nullptr, 10) <= 65535;
}

}  // namespace

std::string listen_address(const std::string& spec) {
    const std::string usage =
        "--metrics " + spec + ": give PORT (on 127.0.0.1) or ADDR:PORT, e.g. 9464 or 0.0.0.0:9464";
    const auto colon = spec.rfind(':');
    const std::string host = colon == std::string::npos ? "127.0.0.1" : spec.substr(0, colon);
    const std::string port = colon == std::string::npos ? spec : spec.substr(colon + 1);
    if (!valid_port(port)) throw MetricsError(usage);
    unsigned char buf[16];
    const bool v6 = host.size() > 2 && host.front() == '[' && host.back() == ']';
    const bool ok = v6 ? inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1
                       : inet_pton(AF_INET, host.c_str(), buf) == 1;
    if (!ok) throw MetricsError(usage + " (the address is numeric)");
    return host + ":" + port;
}

MetricsServer::MetricsServer(const std::string& spec) {
    const std::string addr = listen_address(spec);
    // The server's threads inherit this mask: with every signal blocked, a
    // SIGINT/SIGTERM meant for the capture's signalfd is never delivered to
    // one of them (where its default action would kill the tracer mid-write).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(addr, 2);
    } catch (const std::exception& e) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw MetricsError("--metrics: cannot listen on " + addr + " (" + e.what() +
                           "; is the port in use?)");
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    exposer_->RegisterCollectable(published_);
    const auto ports = exposer_->GetListeningPorts();
    const std::string host = addr.substr(0, addr.rfind(':'));
    url_ =
        "http://" + host + ":" + (ports.empty() ? "?" : std::to_string(ports.front())) + "/metrics";
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::publish(std::vector<prometheus::MetricFamily> families) {
    published_->set(std::move(families));
}

std::vector<prometheus::MetricFamily> MetricsServer::Published::Collect() const {
    std::lock_guard lock(mu_);
    return families_;
}

void MetricsServer::Published::set(std::vector<prometheus::MetricFamily> f) {
    std::lock_guard lock(mu_);
    families_ = std::move(f);
}

}  // namespace epscope::metrics
