// The findings engine's cost next to the model's: a recorded trace is read
// into memory once, then replayed through a fresh model, a fresh engine, and
// both (what `epscope stat` does), interleaved round by round; prints the
// median records/s of each and the ratios (docs/BENCHMARKS.md, "Findings").
//   findings_replay TRACE [ROUNDS=7]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "findings/findings.hpp"
#include "model/model.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

namespace {

using epscope::stream::Record;

class Collect : public epscope::stream::RecordSink {
public:
    std::vector<Record> records;
    void on_record(const Record& r) override { records.push_back(r); }
};

struct Both {
    epscope::model::Model model;
    epscope::findings::Engine engine{epscope::findings::Options{}};
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: findings_replay TRACE [ROUNDS]\n");
        return 2;
    }
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
    Collect c;
    try {
        epscope::trace::TraceReader reader(argv[1]);
        reader.read_all(c);
    } catch (const epscope::trace::TraceError& e) {
        std::fprintf(stderr, "findings_replay: %s\n", e.what());
        return 1;
    }
    std::vector<double> model_s, engine_s, both_s;
    for (int r = 0; r < rounds; ++r) {
        {
            auto m = std::make_unique<epscope::model::Model>();
            const auto t0 = std::chrono::steady_clock::now();
            for (const auto& rec : c.records) m->on_record(rec);
            m->flush_all_deferred();
            model_s.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        {
            auto e = std::make_unique<epscope::findings::Engine>(epscope::findings::Options{});
            const auto t0 = std::chrono::steady_clock::now();
            for (const auto& rec : c.records) e->on_record(rec);
            e->finish();
            engine_s.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        {
            auto b = std::make_unique<Both>();
            const auto t0 = std::chrono::steady_clock::now();
            for (const auto& rec : c.records) {
                b->model.on_record(rec);
                b->engine.on_record(rec);
            }
            b->model.flush_all_deferred();
            b->engine.finish();
            both_s.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
    }
    const double n = static_cast<double>(c.records.size());
    const double m = median(model_s), e = median(engine_s), b = median(both_s);
    std::printf("records %zu, rounds %d (medians)\n", c.records.size(), rounds);
    std::printf("model alone     %10.0f records/s\n", n / m);
    std::printf("engine alone    %10.0f records/s  (%.2fx the model's speed)\n", n / e, m / e);
    std::printf("model + engine  %10.0f records/s  (%.2fx the model's speed)\n", n / b, m / b);
    return 0;
}
