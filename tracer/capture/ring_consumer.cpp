#include "capture/ring_consumer.hpp"

#include <bpf/libbpf.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <thread>

#include "stream/decoder.hpp"

namespace epscope::capture {

void RingConsumer::RingDeleter::operator()(ring_buffer* rb) const { ring_buffer__free(rb); }

// The kernel maps a BPF ring buffer as the consumer page (consumer_pos
// first), the producer page (producer_pos first), then the data; any part may
// be mapped read-only.
RingConsumer::Positions::Positions(int ring_fd)
    : size(2 * static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) {
    pages = mmap(nullptr, size, PROT_READ, MAP_SHARED, ring_fd, 0);
    if (pages == MAP_FAILED)
        throw CaptureError(std::string("cannot map the BPF ring buffer's positions: ") +
                           std::strerror(errno));
}

RingConsumer::Positions::~Positions() { munmap(pages, size); }

std::uint64_t RingConsumer::Positions::consumer() const {
    return __atomic_load_n(static_cast<const std::uint64_t*>(pages), __ATOMIC_ACQUIRE);
}

std::uint64_t RingConsumer::Positions::producer() const {
    const auto* page = static_cast<const char*>(pages) + size / 2;
    return __atomic_load_n(reinterpret_cast<const std::uint64_t*>(page), __ATOMIC_ACQUIRE);
}

RingConsumer::RingConsumer(BpfSession& session, stream::RecordSink& sink)
    : session_(session),
      sink_(sink),
      positions_(session.ring_fd()),
      skipped_(session.skipped_runs_by_program()) {
    ring_.reset(ring_buffer__new(session_.ring_fd(), &RingConsumer::on_sample, this, nullptr));
    if (!ring_)
        throw CaptureError(std::string("cannot open the BPF ring buffer: ") + std::strerror(errno));
    // libbpf registered the ring in an epoll instance of its own; consuming
    // needs none, and an epoll item on the ring is what wait_for_records avoids.
    if (epoll_ctl(ring_buffer__epoll_fd(ring_.get()), EPOLL_CTL_DEL, session_.ring_fd(), nullptr))
        throw CaptureError(std::string("cannot set the BPF ring buffer up: ") +
                           std::strerror(errno));
    drops_seen_ = session_.drops();
}

RingConsumer::~RingConsumer() = default;

int RingConsumer::on_sample(void* ctx, void* data, std::size_t size) {
    auto* self = static_cast<RingConsumer*>(ctx);
    stream::Record rec;
    auto raw = std::span<const std::byte>(static_cast<const std::byte*>(data), size);
    if (stream::decode_exact(raw, rec) != stream::DecodeStatus::Ok) {
        ++self->rejected_;
        return 0;
    }
    ++self->delivered_;
    if (!self->batch_oldest_ts_) self->batch_oldest_ts_ = rec.header().ts;
    self->sink_.on_record(rec);
    // libbpf reads on while the producers keep ahead: without a bound a busy
    // ring would hold the capture loop (ticks, signals, live frames) for good.
    return ++self->batch_count_ >= kBatchRecords ? kBatchFull : 0;
}

void RingConsumer::emit_lost(std::uint16_t cpu, std::uint64_t count) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ep_lost lost{};
    lost.h.ts = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
    lost.h.kind = EP_KIND_LOST;
    lost.h.size = sizeof(lost);
    lost.h.cpu = cpu;
    lost.h.source = EP_SOURCE_USER;
    lost.count = count;
    lost_total_ += count;
    sink_.on_record(stream::Record::of(lost));
}

void RingConsumer::report_drops(bool final) {
    auto now = session_.drops();
    for (std::size_t cpu = 0; cpu < now.size() && cpu < drops_seen_.size(); ++cpu)
        if (now[cpu] != drops_seen_[cpu])
            emit_lost(static_cast<std::uint16_t>(cpu), now[cpu] - drops_seen_[cpu]);
    drops_seen_ = std::move(now);
    // A skipped program run is a record (or more) never made: lost too, on no
    // CPU in particular. Its counts come from a syscall per program (about 30
    // of them), so they are read at most every kSkippedInterval, and at drain.
    const auto at = std::chrono::steady_clock::now();
    if (!final && at - skipped_read_at_ < kSkippedInterval) return;
    skipped_read_at_ = at;
    if (const std::uint64_t grown = skipped_.update(session_.skipped_runs_by_program())) {
        skipped_total_ += grown;
        emit_lost(EP_LOST_ANY_CPU, grown);
    }
}

namespace {

std::uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns's clock
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}

}  // namespace

void RingConsumer::note_batch_delay() {
    if (!batch_oldest_ts_) return;
    const std::uint64_t now = monotonic_ns();
    const std::uint64_t age = now > batch_oldest_ts_ ? now - batch_oldest_ts_ : 0;
    ++delay_ms_[std::min<std::uint64_t>(age / 1'000'000, delay_ms_.size() - 1)];
    delay_max_ns_ = std::max(delay_max_ns_, age);
    batch_oldest_ts_ = 0;
}

RingDelay RingConsumer::delay() const {
    RingDelay d;
    for (auto n : delay_ms_) d.batches += n;
    d.max_ns = delay_max_ns_;
    auto quantile = [&](double q) -> std::uint64_t {
        std::uint64_t seen = 0, want = static_cast<std::uint64_t>(q * d.batches);
        for (std::size_t ms = 0; ms < delay_ms_.size(); ++ms)
            if ((seen += delay_ms_[ms]) > want) return (ms + 1) * 1'000'000ull;  // bucket's top
        return d.max_ns;
    };
    if (d.batches) {
        d.p50_ns = std::min<std::uint64_t>(quantile(0.5), d.max_ns);
        d.p99_ns = std::min<std::uint64_t>(quantile(0.99), d.max_ns);
    }
    return d;
}

// True when the batch ended full (more records are waiting).
bool RingConsumer::check(int err) const {
    if (err == kBatchFull) return true;
    if (err < 0 && err != -EINTR)
        throw CaptureError(std::string("reading the ring buffer failed: ") + std::strerror(-err));
    return false;
}

// poll(2) on the ring's map fd, not libbpf's epoll instance: BPF's wakeup of
// the ring runs as irq_work inside the submitting program, and with an epoll
// item on the ring that calls ep_poll_callback inside a kprobe handler (an
// ftrace-based kprobe runs with interrupts on): the kernel skips a kprobe hit
// inside another and counts it missed, 92,457 times in one lab scenario, every
// one on the collector's own instance, yet counted as lost records. poll(2)'s
// wake function is no hook.
void RingConsumer::wait_for_records(std::chrono::milliseconds timeout) {
    pollfd fd{session_.ring_fd(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count())) < 0 && errno != EINTR)
        throw CaptureError(std::string("waiting for the ring buffer failed: ") +
                           std::strerror(errno));
}

int RingConsumer::poll(std::chrono::milliseconds timeout) {
    std::uint64_t before = delivered_;
    batch_count_ = 0;
    // A backlog is read on at once, not after another timer period. Below the
    // wake threshold nothing signals: the ring is read anyway, this call being
    // the drain timer.
    if (!backlog_) wait_for_records(timeout);
    backlog_ = check(ring_buffer__consume(ring_.get()));
    note_batch_delay();
    report_drops();
    return static_cast<int>(delivered_ - before);
}

void RingConsumer::consume_all() {
    // Everything the ring can hold, even if the traced processes keep writing.
    for (int batch = 0; batch < kDrainBatches; ++batch) {
        batch_count_ = 0;
        if (!check(ring_buffer__consume(ring_.get()))) break;
    }
    note_batch_delay();
}

int RingConsumer::drain() {
    std::uint64_t before = delivered_;
    consume_all();
    report_drops(true);
    return static_cast<int>(delivered_ - before);
}

std::uint64_t RingConsumer::reserved() const { return positions_.producer(); }

bool RingConsumer::drain_through(std::uint64_t pos, std::chrono::microseconds patience) {
    const auto give_up = std::chrono::steady_clock::now() + patience;
    bool reached = false;
    while (true) {
        consume_all();
        reached = positions_.consumer() >= pos;
        if (reached || std::chrono::steady_clock::now() >= give_up) break;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    report_drops();
    return reached;
}

}  // namespace epscope::capture
