// libFuzzer target: any bytes given to TraceReader must end in records or a
// TraceError, never a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "trace/reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace epscope;
    std::vector<std::byte> bytes(size);
    if (size > 0) std::memcpy(bytes.data(), data, size);
    try {
        auto rd = trace::TraceReader::from_memory(std::move(bytes), "fuzz");
        stream::Record rec;
        std::uint64_t n = 0;
        std::uint64_t mid_ts = 0;
        while (rd.next(rec)) {
            // Every record the reader hands out must be a valid one.
            if (!abi::kind_valid(rec.header().kind) ||
                rec.size() != abi::kind_size(rec.header().kind))
                __builtin_trap();
            if (++n == 3) mid_ts = rec.header().ts;
        }
        rd.seek(mid_ts);
        while (rd.next(rec)) {
        }
    } catch (const trace::TraceError&) {
        // The expected outcome for damaged input.
    }
    return 0;
}
