#include "trace/chunk_encoder.hpp"

#include <zstd.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <string>

#include "trace/crc32.hpp"
#include "trace/trace_error.hpp"

namespace epscope::trace {

ChunkEncoder::ChunkEncoder(int zstd_level) : level_(zstd_level), cctx_(ZSTD_createCCtx()) {
    if (cctx_ == nullptr) throw std::bad_alloc();
}

ChunkEncoder::~ChunkEncoder() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_)); }

void ChunkEncoder::add(const stream::Record& rec) {
    if (!abi::kind_valid(rec.header().kind) || rec.size() != abi::kind_size(rec.header().kind))
        throw std::invalid_argument("record of kind " + std::to_string(rec.header().kind) +
                                    " with size " + std::to_string(rec.size()) +
                                    " is not a valid record");
    const std::uint64_t ts = rec.header().ts;
    if (count_ == 0) {
        min_ts_ = max_ts_ = ts;
    } else {
        min_ts_ = std::min(min_ts_, ts);
        max_ts_ = std::max(max_ts_, ts);
    }
    auto bytes = rec.bytes();
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    ++count_;
}

bool ChunkEncoder::encode(std::vector<std::byte>& out, ChunkInfo& info, const std::string& name) {
    if (count_ == 0) return false;
    compressed_.resize(ZSTD_compressBound(pending_.size()));
    const std::size_t n =
        ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx_), compressed_.data(), compressed_.size(),
                          pending_.data(), pending_.size(), level_);
    if (ZSTD_isError(n))
        throw TraceError(TraceErrorKind::Io, name, -1,
                         std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    compressed_.resize(n);
    info.first_ts = min_ts_;
    info.last_ts = max_ts_;
    info.record_count = count_;
    info.compressed_size = static_cast<std::uint32_t>(n);
    info.raw_size = static_cast<std::uint32_t>(pending_.size());
    info.payload_crc = crc32(compressed_);
    out = encode_chunk_header(info);
    out.insert(out.end(), compressed_.begin(), compressed_.end());
    pending_.clear();
    count_ = 0;
    return true;
}

}  // namespace epscope::trace
