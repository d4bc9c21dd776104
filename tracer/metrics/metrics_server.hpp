// The HTTP endpoint Prometheus scrapes (prometheus-cpp's Exposer, civetweb).
// The capture thread publishes the model's families; the server's threads
// only read the last published copy, so a scrape never touches the model
// and never waits for the capture.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace epscope::metrics {

class MetricsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "PORT" (loopback: 127.0.0.1:PORT) or "ADDR:PORT" / "[ADDR6]:PORT": any
// address other than loopback must be asked for by writing it. Returns the
// address to bind, or throws MetricsError with one line.
std::string listen_address(const std::string& spec);

class MetricsServer {
public:
    // Throws MetricsError when the address is bad or cannot be bound.
    explicit MetricsServer(const std::string& spec);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    void publish(std::vector<prometheus::MetricFamily> families);
    // "http://127.0.0.1:9464/metrics" with the port actually bound.
    std::string url() const { return url_; }

private:
    class Published : public prometheus::Collectable {
    public:
        std::vector<prometheus::MetricFamily> Collect() const override;
        void set(std::vector<prometheus::MetricFamily> f);

    private:
        mutable std::mutex mu_;
        std::vector<prometheus::MetricFamily> families_;
    };
    std::shared_ptr<Published> published_ = std::make_shared<Published>();
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::string url_;
};

}  // namespace epscope::metrics
