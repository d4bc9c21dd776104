// zstd_handoff TRACE: what a chunk's decompression costs when another thread
// reads what it writes (TraceReader::read_all's hand-over between its two
// threads), against the same decompression alone.
//
// The trace's records are regrouped into chunks of 4096 as the writer makes
// them and compressed at the writer's level; each mode then decompresses them
// all five times into a rotation of 8 buffers, timing only ZSTD_decompressDCtx:
//   alone     no other thread;
//   spinning  a second thread busy on its own CPU, touching no buffer;
//   reading   a second thread reading each chunk right after it is written,
//             as the delivering thread does (every line zstd then writes was
//             last read by the other CPU).
// Prints ns per record for each mode. Run it on an otherwise idle machine, or
// under SCHED_FIFO (chrt -f 50) on a shared one.
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "trace/reader.hpp"

namespace {

using Bytes = std::vector<char>;
constexpr std::size_t kRecords = 4096;
constexpr int kRepeats = 5;
constexpr std::size_t kBuffers = 8;

std::vector<Bytes> compressed_chunks(const char* path, std::size_t& records, std::size_t& raw) {
    epscope::trace::TraceReader reader(path);
    std::vector<Bytes> chunks(1);
    epscope::stream::Record rec;
    records = raw = 0;
    while (reader.next(rec)) {
        auto b = rec.bytes();
        chunks.back().insert(chunks.back().end(), reinterpret_cast<const char*>(b.data()),
                             reinterpret_cast<const char*>(b.data()) + b.size());
        raw = std::max(raw, chunks.back().size());
        if (++records % kRecords == 0) chunks.emplace_back();
    }
    for (Bytes& c : chunks) {
        Bytes out(ZSTD_compressBound(c.size()));
        out.resize(ZSTD_compress(out.data(), out.size(), c.data(), c.size(), 3));
        c.swap(out);
    }
    return chunks;
}

enum class Mode { Alone, Spinning, Reading };

double ns_per_record(const std::vector<Bytes>& chunks, std::size_t raw, std::size_t records,
                     Mode mode) {
    std::vector<Bytes> bufs(kBuffers, Bytes(raw));
    const long total = static_cast<long>(chunks.size()) * kRepeats;
    std::atomic<long> written{0}, read{0};
    std::atomic<bool> done{false};
    std::thread other([&] {
        long sum = 0;
        for (long i = 0; mode != Mode::Alone && i < total; ++i) {
            while (written.load(std::memory_order_acquire) <= i) {
            }
            if (mode == Mode::Reading) {
                const Bytes& b = bufs[static_cast<std::size_t>(i) % kBuffers];
                for (std::size_t k = 0; k < b.size(); k += 64) sum += b[k];
            }
            read.store(i + 1, std::memory_order_release);
        }
        while (mode == Mode::Spinning && !done.load()) {
        }
        if (sum == 42) std::puts("");  // keeps the reads
    });
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    double secs = 0;
    for (long i = 0; i < total; ++i) {
        while (mode != Mode::Alone &&
               i - read.load(std::memory_order_acquire) >= static_cast<long>(kBuffers) - 1) {
        }
        const Bytes& c = chunks[static_cast<std::size_t>(i) % chunks.size()];
        Bytes& out = bufs[static_cast<std::size_t>(i) % kBuffers];
        auto t0 = std::chrono::steady_clock::now();
        ZSTD_decompressDCtx(dctx, out.data(), out.size(), c.data(), c.size());
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        written.store(i + 1, std::memory_order_release);
    }
    done = true;
    other.join();
    ZSTD_freeDCtx(dctx);
    return secs * 1e9 / static_cast<double>(records * kRepeats);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: zstd_handoff TRACE\n");
        return 2;
    }
    try {
        std::size_t records = 0, raw = 0;
        auto chunks = compressed_chunks(argv[1], records, raw);
        std::printf("%s: %zu records in %zu chunks\n", argv[1], records, chunks.size());
        std::printf("  alone     %.1f ns/record\n",
                    ns_per_record(chunks, raw, records, Mode::Alone));
        std::printf("  spinning  %.1f ns/record\n",
                    ns_per_record(chunks, raw, records, Mode::Spinning));
        std::printf("  reading   %.1f ns/record\n",
                    ns_per_record(chunks, raw, records, Mode::Reading));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "zstd_handoff: %s\n", e.what());
        return 1;
    }
}
