#include "stream/decoder.hpp"

#include <cstring>

namespace epscope::stream {

std::string_view decode_status_message(DecodeStatus status) {
    switch (status) {
        case DecodeStatus::Ok:
            return "ok";
        case DecodeStatus::Short:
            return "record is shorter than its header or than the size its header gives";
        case DecodeStatus::UnknownKind:
            return "record kind is unknown to this ABI version";
        case DecodeStatus::WrongSize:
            return "record size does not match the fixed size of its kind";
        case DecodeStatus::TrailingBytes:
            return "buffer holds bytes after the record";
    }
    return "unknown decode status";
}

DecodeStatus check(std::span<const std::byte> raw, ep_header& h) {
    if (raw.size() < sizeof(ep_header)) return DecodeStatus::Short;
    // The header is read by copy: `raw` has no alignment guarantee.
    std::memcpy(&h, raw.data(), sizeof h);
    if (!abi::kind_valid(h.kind)) return DecodeStatus::UnknownKind;
    if (h.size != abi::kind_size(h.kind)) return DecodeStatus::WrongSize;
    if (raw.size() < h.size) return DecodeStatus::Short;
    return DecodeStatus::Ok;
}

DecodeStatus decode(std::span<const std::byte> raw, Record& out) {
    ep_header h;
    if (DecodeStatus st = check(raw, h); st != DecodeStatus::Ok) return st;
    auto storage = out.storage();
    std::memcpy(storage.data(), raw.data(), h.size);
    // Zero the tail so two equal records compare equal byte for byte whatever
    // the Record held before.
    std::memset(storage.data() + h.size, 0, storage.size() - h.size);
    return DecodeStatus::Ok;
}

DecodeStatus decode_exact(std::span<const std::byte> raw, Record& out) {
    DecodeStatus st = decode(raw, out);
    if (st == DecodeStatus::Ok && raw.size() != out.size()) return DecodeStatus::TrailingBytes;
    return st;
}

}  // namespace epscope::stream
