// Drains the BPF ring buffer into a RecordSink: every sample is checked by the
// stream decoder (short or unknown samples are counted, never passed on) and
// copied into an aligned Record. Drops counted per CPU in BPF come out as
// LOST records, so a loss is never silent.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "capture/bpf_session.hpp"
#include "stream/record.hpp"

struct ring_buffer;

namespace epscope::capture {

// How old the oldest record of each drained batch was when the collector
// read it: what a live view lags behind the kernel (plus its own refresh).
struct RingDelay {
    std::uint64_t batches = 0;
    std::uint64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
};

class RingConsumer {
public:
    RingConsumer(BpfSession& session, stream::RecordSink& sink);
    ~RingConsumer();
    RingConsumer(const RingConsumer&) = delete;
    RingConsumer& operator=(const RingConsumer&) = delete;

    // Waits up to timeout for a wakeup, delivers whatever the ring holds
    // (BPF wakes the collector only past a fill threshold), then reports new
    // drops. Returns the number of records delivered.
    int poll(std::chrono::milliseconds timeout);
    // Delivers whatever is left without waiting (at shutdown).
    int drain();
    // The ring's producer position: every record reserved so far ends at or
    // before it (read through a read-only mmap of the ring's position pages).
    std::uint64_t reserved() const;
    // Drains until every record reserved before pos is delivered, waiting up
    // to patience for those still being written. libbpf stops at the first
    // record reserved and not yet committed (a program on another CPU
    // between its reserve and submit, or its vCPU descheduled there), however
    // much is committed behind it: drain() alone may leave records of
    // finished operations in the ring. False if pos was not reached.
    bool drain_through(std::uint64_t pos, std::chrono::microseconds patience);

    std::uint64_t delivered() const { return delivered_; }
    std::uint64_t rejected() const { return rejected_; }
    std::uint64_t lost() const { return lost_total_; }
    std::uint64_t lost_skipped() const { return skipped_total_; }
    // Per program, since this consumer was made (as last read: at drain).
    std::vector<ProgramSkips> skipped_by_program() const { return skipped_.since_first(); }
    RingDelay delay() const;

private:
    static int on_sample(void* ctx, void* data, std::size_t size);
    void consume_all();  // what the ring holds now, up to its first uncommitted record
    // Ring drops at every call (an mmap read); skipped runs every
    // kSkippedInterval, and always when final.
    void report_drops(bool final = false);
    static constexpr std::chrono::milliseconds kSkippedInterval{100};
    std::chrono::steady_clock::time_point skipped_read_at_{};
    void emit_lost(std::uint16_t cpu, std::uint64_t count);
    void note_batch_delay();
    void wait_for_records(std::chrono::milliseconds timeout);
    bool check(int err) const;

    // Records delivered per poll() at most, so the capture loop keeps ticking.
    static constexpr std::uint64_t kBatchRecords = 16384;
    static constexpr int kBatchFull = -EAGAIN;  // on_sample's "stop here" to libbpf
    static constexpr int kDrainBatches = 4096;  // 64M records: more than any ring holds

    BpfSession& session_;
    stream::RecordSink& sink_;
    struct RingDeleter {
        void operator()(ring_buffer* rb) const;
    };
    std::unique_ptr<ring_buffer, RingDeleter> ring_;
    // The ring's consumer and producer pages, mapped read-only (libbpf 1.1
    // does not expose the positions).
    struct Positions {
        void* pages = nullptr;
        std::size_t size = 0;
        explicit Positions(int ring_fd);
        ~Positions();
        Positions(const Positions&) = delete;
        Positions& operator=(const Positions&) = delete;
        std::uint64_t consumer() const;
        std::uint64_t producer() const;
    };
    Positions positions_;
    std::vector<std::uint64_t> drops_seen_;
    SkippedRuns skipped_;
    std::uint64_t skipped_total_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t rejected_ = 0;
    std::uint64_t lost_total_ = 0;
    std::uint64_t batch_oldest_ts_ = 0;  // ts of the first record of this drain
    std::uint64_t batch_count_ = 0;      // records delivered in this poll()
    bool backlog_ = false;               // the last batch ended full
    // Batch delays in 1 ms steps up to 1 s (the last bucket: 1 s or more).
    std::vector<std::uint64_t> delay_ms_ = std::vector<std::uint64_t>(1001, 0);
    std::uint64_t delay_max_ns_ = 0;
};

}  // namespace epscope::capture
