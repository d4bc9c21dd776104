// Replays an event stream through the model and prints its speed (records/s
// on one core) and memory (model bytes per live item).
//
// Two sources:
//  - synthetic (default): generated in batches outside the timed region; only
//    on_record() is timed. Scales to any number of instances and items.
//    --write-trace FILE writes the stream to a trace file instead, for an
//    end-to-end replay of it with --trace.
//  - --trace FILE: a recorded trace. Timed twice: end to end in wall time (the
//    reader checks, decompresses and decodes every chunk, one chunk ahead on a
//    second thread, into a fresh model), and the
//    model alone over the records held in memory; --passes replays it several
//    times, each pass into a fresh model, for a stable figure.
//
// Synthetic workload:
// Workload per round of one instance: a waiter blocks, 8 items become ready
// (edge-triggered, so the harvest leaves the ready list empty), 3 more
// callbacks that change nothing, a wakeup, a harvest delivering the 8, the
// wait ends, and one item is removed and re-added with a new file pointer so
// the rb-tree keeps rebalancing.
#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"
#include "trace/writer.hpp"

namespace {

using epscope::model::Model;
using epscope::stream::Record;

struct Options {
    std::uint64_t records = 50'000'000;
    std::uint32_t instances = 1000;
    std::uint32_t items = 100;  // per instance
    std::string trace;          // replay this recorded trace instead
    std::uint64_t passes = 20;  // --trace: replays, each into a fresh model
    std::string write_trace;    // synthetic: write the stream to this trace file instead
    bool e2e_only = false;      // --trace: only the end-to-end passes (for perf record)
};

bool parse_u64(const char* s, std::uint64_t& out) {
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0) return false;
    out = v;
    return true;
}

class Generator {
public:
    Generator(const Options& o) : o_(o), rng_(1), files_(std::size_t{o.instances} * o.items) {
        for (std::size_t i = 0; i < files_.size(); ++i) files_[i] = next_file_++;
    }

    // Setup: every instance and its items.
    void setup(std::vector<Record>& out) {
        for (std::uint32_t e = 0; e < o_.instances; ++e) {
            ep_instance_create c{};
            c.ep = ep_of(e);
            c.file = c.ep + 8;
            c.epfd = 3;
            push(out, EP_KIND_INSTANCE_CREATE, c, tgid_of(e));
            for (std::uint32_t i = 0; i < o_.items; ++i) insert(out, e, i);
        }
    }

    void round(std::vector<Record>& out) {
        std::uint32_t e = next_instance_;
        next_instance_ = (next_instance_ + 1) % o_.instances;
        std::uint32_t tgid = tgid_of(e);
        std::uint32_t waiter = tgid + 1;
        ep_wait_begin wb{};
        wb.ep = ep_of(e);
        wb.timeout_ns = -1;
        wb.epfd = 3;
        wb.maxevents = 64;
        push(out, EP_KIND_WAIT_BEGIN, wb, tgid, waiter);
        ep_wait_sleep ws{};
        ws.ep = ep_of(e);
        push(out, EP_KIND_WAIT_SLEEP, ws, tgid, waiter);
        std::uint32_t ready[8];
        std::uint32_t first = static_cast<std::uint32_t>(rng_() % o_.items);
        for (int k = 0; k < 8; ++k) {
            ready[k] = (first + static_cast<std::uint32_t>(k) * 7) % o_.items;
            callback(out, e, ready[k], EP_CB_QUEUED_READY, k == 0);
        }
        callback(out, e, ready[3], EP_CB_ALREADY_READY, false);
        callback(out, e, ready[5], EP_CB_ALREADY_READY, false);
        callback(out, e, (first + 3) % o_.items, EP_CB_IGNORED_MASK, false);
        ep_wakeup w{};
        w.ep = ep_of(e);
        w.epi = epi_of(e, ready[0]);
        w.woken_tid = waiter;
        push(out, EP_KIND_WAKEUP, w, 9, 9);
        ep_harvest_begin hb{};
        hb.ep = ep_of(e);
        push(out, EP_KIND_HARVEST_BEGIN, hb, tgid, waiter);
        for (std::uint32_t k = 0; k < 8; ++k) {
            ep_harvest_item hi{};
            hi.ep = ep_of(e);
            hi.data = data_of(e, ready[k]);
            hi.revents = 1;
            hi.index = k;
            push(out, EP_KIND_HARVEST_ITEM, hi, tgid, waiter);
        }
        ep_harvest_end he{};
        he.ep = ep_of(e);
        he.ready = 0;
        push(out, EP_KIND_HARVEST_END, he, tgid, waiter);
        ep_wait_end we{};
        we.ep = ep_of(e);
        we.epfd = 3;
        we.result = 8;
        push(out, EP_KIND_WAIT_END, we, tgid, waiter);
        // Churn: the fd is closed and a new file gets the same fd number.
        std::uint32_t victim = static_cast<std::uint32_t>(rng_() % o_.items);
        ep_item_remove r{};
        r.ep = ep_of(e);
        r.epi = epi_of(e, victim);
        r.file = file_ptr(e, victim);
        r.epfd = -1;
        r.fd = fd_of(victim);
        r.reason = EP_REMOVE_FILE_CLOSE;
        push(out, EP_KIND_ITEM_REMOVE, r, tgid);
        files_[std::size_t{e} * o_.items + victim] = next_file_++;
        insert(out, e, victim);
    }

private:
    static std::uint64_t ep_of(std::uint32_t e) { return 0xffff888100000000ull + 0x1000ull * e; }
    static std::uint32_t tgid_of(std::uint32_t e) { return 1000 + 16 * e; }
    static std::int32_t fd_of(std::uint32_t i) { return static_cast<std::int32_t>(10 + i); }
    static std::uint64_t data_of(std::uint32_t e, std::uint32_t i) {
        return (std::uint64_t{e} << 32) | i;
    }
    std::uint64_t epi_of(std::uint32_t e, std::uint32_t i) const {
        return 0xffff889000000000ull + 0x80ull * (std::uint64_t{e} * o_.items + i);
    }
    std::uint64_t file_ptr(std::uint32_t e, std::uint32_t i) const {
        // Kernel file pointers are scattered; scramble the allocation counter.
        std::uint64_t f = files_[std::size_t{e} * o_.items + i];
        return 0xffff888200000000ull + ((f * 0x9e3779b97f4a7c15ull) >> 24 << 8);
    }

    void insert(std::vector<Record>& out, std::uint32_t e, std::uint32_t i) {
        ep_item_ctl c{};
        c.ep = ep_of(e);
        c.epi = epi_of(e, i);
        c.file = file_ptr(e, i);
        c.data = data_of(e, i);
        c.ino = 1000 + i;
        c.epfd = 3;
        c.fd = fd_of(i);
        c.events = 1 | EPOLLET;
        push(out, EP_KIND_ITEM_INSERT, c, tgid_of(e));
    }

    void callback(std::vector<Record>& out, std::uint32_t e, std::uint32_t i, std::uint8_t outcome,
                  bool waiters) {
        ep_callback c{};
        c.ep = ep_of(e);
        c.epi = epi_of(e, i);
        c.file = file_ptr(e, i);
        c.fd = fd_of(i);
        c.key = 1;
        c.events = 1 | EPOLLET;
        c.outcome = outcome;
        c.waiters = waiters ? 1 : 0;
        push(out, EP_KIND_CALLBACK, c, 9, 9);
    }

    template <class T>
    void push(std::vector<Record>& out, ep_kind kind, T body, std::uint32_t tgid,
              std::uint32_t tid = 0) {
        ts_ += 150;
        body.h.ts = ts_;
        body.h.tgid = tgid;
        body.h.tid = tid != 0 ? tid : tgid;
        body.h.kind = kind;
        body.h.size = sizeof(T);
        body.h.source = EP_SOURCE_FENTRY;
        out.push_back(Record::of(body));
    }

    Options o_;
    std::mt19937_64 rng_;
    std::vector<std::uint64_t> files_;  // allocation counter per item slot
    std::uint64_t next_file_ = 1;
    std::uint32_t next_instance_ = 0;
    std::uint64_t ts_ = 1'000'000'000;
};

// Sums over instances that the report and the validity check need.
struct Totals {
    std::uint64_t deliveries = 0;
    std::uint64_t desyncs = 0;
};
Totals totals_of(const Model& model) {
    Totals t;
    for (auto i : model.instances()) {
        t.deliveries += model.instance(i).stats.deliveries;
        t.desyncs += model.instance(i).stats.desyncs;
    }
    return t;
}

void print_memory(const Model& model) {
    double per_item = model.live_items() == 0 ? 0.0
                                              : static_cast<double>(model.memory_bytes()) /
                                                    static_cast<double>(model.live_items());
    std::printf("  live items          %zu\n", model.live_items());
    std::printf("  model memory        %.1f MiB, %.1f bytes per live item (sizeof(Item) = %zu)\n",
                model.memory_bytes() / 1048576.0, per_item, sizeof(epscope::model::Item));
}

// The replaying thread's CPU time, not wall time: the figure is "records/s on
// one core", and on a shared 2-core machine wall time also counts the time
// other processes held the core.
template <clockid_t Id>
struct CpuClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<CpuClock>;
    static constexpr bool is_steady = true;
    static time_point now() {
        timespec ts{};
        clock_gettime(Id, &ts);
        return time_point(duration(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec));
    }
};
using Clock = CpuClock<CLOCK_THREAD_CPUTIME_ID>;
// The whole process's CPU time: less the delivering thread's, what read_all's
// decoding thread spent (the program runs no other thread).
using ProcessClock = CpuClock<CLOCK_PROCESS_CPUTIME_ID>;

double ns_per(std::chrono::nanoseconds d, std::uint64_t records) {
    return static_cast<double>(d.count()) / static_cast<double>(records);
}

int replay_synthetic(const Options& o) {
    Model model;
    Generator gen(o);
    std::vector<Record> batch;
    batch.reserve(1 << 16);
    gen.setup(batch);
    Clock::duration busy{};
    std::uint64_t done = 0;
    auto replay = [&] {
        auto t0 = Clock::now();
        for (const Record& r : batch) model.on_record(r);
        busy += Clock::now() - t0;
        done += batch.size();
        batch.clear();
    };
    replay();
    while (done < o.records) {
        while (batch.size() < (1u << 16) - 64) gen.round(batch);
        replay();
    }
    double secs = std::chrono::duration<double>(busy).count();
    const auto& st = model.stats();
    Totals t = totals_of(model);
    std::printf("model_replay: %llu records, %u instances x %u items\n",
                static_cast<unsigned long long>(done), o.instances, o.items);
    std::printf("  time in on_record   %.3f s (thread CPU time)\n", secs);
    std::printf("  throughput          %.2f M records/s (one core)\n", done / secs / 1e6);
    print_memory(model);
    std::printf(
        "  deliveries %llu, harvest-end checks %llu, mismatches %llu, desyncs %llu, "
        "malformed %llu\n",
        static_cast<unsigned long long>(t.deliveries),
        static_cast<unsigned long long>(st.verify.total_checks()),
        static_cast<unsigned long long>(st.verify.total_mismatches()),
        static_cast<unsigned long long>(t.desyncs), static_cast<unsigned long long>(st.malformed));
    // A replay that drifted from its own stream is not a valid measurement.
    if (st.verify.total_mismatches() != 0 || t.desyncs != 0) {
        std::fprintf(stderr, "model_replay: the model disagreed with the synthetic stream (%s)\n",
                     st.verify.last_mismatch.c_str());
        return 1;
    }
    return 0;
}

// The synthetic stream written to a trace file (for an end-to-end replay of
// it with --trace): the same records, chunked and compressed as `record`
// writes them.
int write_synthetic(const Options& o) {
    epscope::trace::TraceHeader h;
    h.host = "model_replay";
    h.kernel_release = "synthetic";
    epscope::trace::TraceWriter w(o.write_trace, h, epscope::trace::WriterOptions{});
    Generator gen(o);
    std::vector<Record> batch;
    gen.setup(batch);
    std::uint64_t done = 0;
    while (done < o.records) {
        while (batch.size() < (1u << 16) - 64) gen.round(batch);
        for (const Record& r : batch) w.on_record(r);
        done += batch.size();
        batch.clear();
    }
    w.close();
    std::printf("model_replay: wrote %llu records (%u instances x %u items) to %s\n",
                static_cast<unsigned long long>(done), o.instances, o.items, o.write_trace.c_str());
    return 0;
}

// Collects a trace's records in memory for the model-only passes.
class Collect : public epscope::stream::RecordSink {
public:
    void on_record(const Record& r) override { records.push_back(r); }
    std::vector<Record> records;
};

// The reader alone: every record decoded and looked at, none modelled.
class Count : public epscope::stream::RecordSink {
public:
    void on_record(const Record& r) override { sum += r.header().ts; }
    std::uint64_t sum = 0;
};

using epscope::trace::TraceReader;

// End to end: file -> checked, decompressed chunks -> decoded records -> model. Each pass
// opens the file again into a fresh model; the last model is kept for the report.
// TraceReader::read_all decodes ahead on a second thread: end to end is wall time (a
// loaded machine stretches it), with the CPU time of each thread beside it.
struct EndToEnd {
    std::unique_ptr<Model> model;
    std::uint64_t records = 0;
    std::chrono::steady_clock::duration wall{};
    Clock::duration thread{};          // delivering + modelling (+ a share of decoding)
    ProcessClock::duration process{};  // both threads
};
EndToEnd time_end_to_end(const Options& o) {
    EndToEnd e;
    for (std::uint64_t p = 0; p < o.passes; ++p) {
        e.model = std::make_unique<Model>();
        auto t0 = std::chrono::steady_clock::now();
        auto c0 = Clock::now();
        auto p0 = ProcessClock::now();
        TraceReader pass(o.trace);
        e.records = pass.read_all(*e.model);
        e.model->flush_all_deferred();
        e.wall += std::chrono::steady_clock::now() - t0;
        e.thread += Clock::now() - c0;
        e.process += ProcessClock::now() - p0;
    }
    return e;
}

// Reader only, the same passes: what the file costs before the model. `checksum` sums
// the timestamps, so the records are looked at.
struct ReaderOnly {
    Clock::duration busy{};
    ProcessClock::duration process{};
    std::uint64_t checksum = 0;
};
ReaderOnly time_reader(const Options& o) {
    ReaderOnly r;
    for (std::uint64_t p = 0; p < o.passes; ++p) {
        Count c;
        auto t0 = Clock::now();
        auto p0 = ProcessClock::now();
        TraceReader pass(o.trace);
        pass.read_all(c);
        r.busy += Clock::now() - t0;
        r.process += ProcessClock::now() - p0;
        r.checksum += c.sum;
    }
    return r;
}

// Model only: each pass into a fresh model, constructed outside the timing.
struct ModelOnly {
    double secs = 0;
    double best_secs = 0;
};
ModelOnly time_model(const Options& o, const std::vector<Record>& records) {
    Clock::duration busy{};
    Clock::duration best = Clock::duration::max();
    for (std::uint64_t p = 0; p < o.passes; ++p) {
        Model m;
        auto s = Clock::now();
        for (const Record& r : records) m.on_record(r);
        auto d = Clock::now() - s;
        busy += d;
        best = std::min(best, d);
    }
    return {std::chrono::duration<double>(busy).count(),
            std::chrono::duration<double>(best).count()};
}

// Memory, untimed: sampled every 1024 records of one more pass.
void print_peak_memory(const std::vector<Record>& records) {
    Model mem;
    std::size_t peak_bytes = 0;
    std::size_t peak_items = 0;
    double peak_per_item = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        mem.on_record(records[i]);
        if ((i & 1023) != 0 && i + 1 != records.size()) continue;
        std::size_t b = mem.memory_bytes();
        peak_bytes = std::max(peak_bytes, b);
        if (mem.live_items() >= peak_items && mem.live_items() > 0) {
            peak_items = mem.live_items();
            peak_per_item = static_cast<double>(b) / static_cast<double>(peak_items);
        }
    }
    std::printf(
        "  peak                %zu live items, %.1f MiB model memory, %.1f bytes per live "
        "item at the peak\n",
        peak_items, peak_bytes / 1048576.0, peak_per_item);
}

void print_end_to_end(const Options& o, const EndToEnd& e) {
    const std::uint64_t done = e.records * o.passes;
    std::printf("model_replay: %s, %llu records, %llu passes\n", o.trace.c_str(),
                static_cast<unsigned long long>(e.records),
                static_cast<unsigned long long>(o.passes));
    std::printf(
        "  end to end          %.2f M records/s wall (read, check, decompress, decode, model; "
        "two threads)\n",
        done / std::chrono::duration<double>(e.wall).count() / 1e6);
    std::printf(
        "  end to end CPU      %.1f ns/record delivering + modelling, %.1f ns/record "
        "decoding ahead\n",
        ns_per(e.thread, done), ns_per(e.process - e.thread, done));
}

// The model's figures at the end of the last end-to-end pass.
void print_model_stats(const Model& m) {
    const auto& st = m.stats();
    std::printf("  lost records        %llu\n", static_cast<unsigned long long>(st.lost));
    std::printf("  at the end          %zu live instances, %zu live items, %.1f MiB model memory\n",
                m.instances().size(), m.live_items(), m.memory_bytes() / 1048576.0);
}

void print_model_work(const Model& m) {
    const auto& st = m.stats();
    // The model's work per record (replays of held-back records included):
    // a small constant whatever the trace; tests/lab/replay_bound.sh bounds it.
    std::printf("  model work          %.3f routed per record\n",
                static_cast<double>(st.routed) / static_cast<double>(st.records));
    std::printf("  deliveries %llu, verify checks %llu, mismatches %llu, malformed %llu\n",
                static_cast<unsigned long long>(st.by_kind[EP_KIND_HARVEST_ITEM]),
                static_cast<unsigned long long>(st.verify.total_checks()),
                static_cast<unsigned long long>(st.verify.total_mismatches()),
                static_cast<unsigned long long>(st.malformed));
}

int replay_trace(const Options& o) {
    const EndToEnd e2e = time_end_to_end(o);
    if (e2e.records == 0) {
        std::fprintf(stderr, "model_replay: %s holds no records: nothing to measure\n",
                     o.trace.c_str());
        return 2;
    }
    print_end_to_end(o, e2e);
    if (o.e2e_only) return 0;

    const ReaderOnly reader = time_reader(o);
    Collect all;
    all.records.reserve(e2e.records);
    TraceReader(o.trace).read_all(all);
    const ModelOnly model = time_model(o, all.records);

    const std::uint64_t done = e2e.records * o.passes;
    std::printf(
        "  reader only         %.2f M records/s (the same without the model; CPU time of "
        "the delivering thread)%s\n",
        done / std::chrono::duration<double>(reader.busy).count() / 1e6,
        reader.checksum == 0 ? " (no timestamps?)" : "");
    std::printf(
        "  reader CPU          %.1f ns/record delivering, %.1f ns/record decoding ahead "
        "(read, CRC, zstd, record checks)\n",
        ns_per(reader.busy, done), ns_per(reader.process - reader.busy, done));
    std::printf("  model only          %.2f M records/s mean, %.2f M records/s best pass\n",
                done / model.secs / 1e6, e2e.records / model.best_secs / 1e6);
    print_model_stats(*e2e.model);
    print_peak_memory(all.records);
    print_model_work(*e2e.model);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    auto usage = [](const std::string& what) {
        std::fprintf(stderr,
                     "model_replay: %s; usage: model_replay [--records N] [--instances N] "
                     "[--items N] [--write-trace FILE] | --trace FILE [--passes N] [--e2e-only] (N "
                     "positive "
                     "integers)\n",
                     what.c_str());
        return 2;
    };
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--trace" || a == "--write-trace") {
            if (i + 1 >= argc) return usage(a + " needs a file");
            (a == "--trace" ? o.trace : o.write_trace) = argv[++i];
            continue;
        }
        if (a == "--e2e-only") {
            o.e2e_only = true;
            continue;
        }
        std::uint64_t v = 0;
        if (i + 1 < argc && parse_u64(argv[i + 1], v) &&
            (a == "--records" || a == "--instances" || a == "--items" || a == "--passes")) {
            if (a == "--records") o.records = v;
            if (a == "--instances") o.instances = static_cast<std::uint32_t>(v);
            if (a == "--items") o.items = static_cast<std::uint32_t>(v);
            if (a == "--passes") o.passes = v;
            ++i;
            continue;
        }
        return usage("bad argument '" + a + "'");
    }
    if (!o.trace.empty()) {
        try {
            return replay_trace(o);
        } catch (const epscope::trace::TraceError& e) {
            std::fprintf(stderr, "model_replay: %s\n", e.what());
            return 2;
        }
    }
    if (o.items < 16 || o.instances > 1'000'000 || o.items > 100'000) {
        std::fprintf(stderr,
                     "model_replay: --items must be 16..100000 and --instances at most "
                     "1000000\n");
        return 2;
    }
    try {
        return o.write_trace.empty() ? replay_synthetic(o) : write_synthetic(o);
    } catch (const epscope::trace::TraceError& e) {
        std::fprintf(stderr, "model_replay: %s\n", e.what());
        return 2;
    }
}
