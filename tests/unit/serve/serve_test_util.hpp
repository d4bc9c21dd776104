// Shared by the live stream tests: a header, many varied records, a
// collector, and a loop that reads a client until a condition holds.
#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "sample_records.hpp"
#include "serve/stream_server.hpp"
#include "trace/stream_reader.hpp"
#include "trace/trace_header.hpp"

namespace epscope::testing {

inline trace::TraceHeader stream_header(const std::string& host = "stream-host") {
    trace::TraceHeader h;
    h.host = host;
    h.kernel_release = "6.18.0-test";
    h.clock_id = 1;
    h.attach_plan = "callback: tracepoint\n";
    h.set(trace::kMetaBackend, "tracepoint");
    return h;
}

// Records of every kind with random fields in the addresses, so chunks do not
// compress to nothing (the slow-reader test needs real volume).
inline std::vector<stream::Record> varied_records(std::size_t n, std::uint64_t seed = 7) {
    auto kinds = one_of_each_kind();
    std::vector<stream::Record> out;
    out.reserve(n);
    std::mt19937_64 rng(seed);
    std::uint64_t ts = 10'000'000'000;
    for (std::size_t i = 0; i < n; ++i) {
        stream::Record r = kinds[i % kinds.size()];
        ts += 1 + rng() % 1000;
        r.header().ts = ts;
        r.header().tid = static_cast<std::uint32_t>(rng());
        r.header().tgid = static_cast<std::uint32_t>(rng());
        out.push_back(r);
    }
    return out;
}

inline bool same(const stream::Record& a, const stream::Record& b) {
    auto x = a.bytes();
    auto y = b.bytes();
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
}

// Reads `c` until `done()` or `timeout`, collecting records; returns false
// on timeout. `tick` runs between reads (the server's side, same thread).
inline bool read_until(trace::StreamClient& c, std::vector<stream::Record>& got,
                       const std::function<bool()>& done, const std::function<void()>& tick = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       bool* eof = nullptr) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    stream::Record r;
    while (std::chrono::steady_clock::now() < end) {
        if (tick) tick();
        auto st = c.wait_and_pump(5);
        while (c.parser().next(r)) got.push_back(r);
        if (st == trace::StreamClient::Read::Eof) {
            if (eof) *eof = true;
            return done();
        }
        if (done()) return true;
    }
    return false;
}

// A server's log, kept for the test to look at.
struct Logged {
    std::vector<std::string> lines;
    // spool_dir empty: the server's default.
    serve::ServerOptions options(const std::string& spool_dir = "") {
        serve::ServerOptions o;
        o.log = [this](const std::string& l) { lines.push_back(l); };
        if (!spool_dir.empty()) o.spool_dir = spool_dir;
        return o;
    }
    bool has(const std::string& s) const {
        for (const auto& l : lines)
            if (l.find(s) != std::string::npos) return true;
        return false;
    }
};

}  // namespace epscope::testing
