// libFuzzer target: the stream decoder and the text renderings of whatever it
// accepts. A decoded record must be exactly its kind's size, and its JSON must
// be valid JSON (parsed with nlohmann-json).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>

#include "stream/decoder.hpp"
#include "stream/record_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace epscope;
    auto raw = std::as_bytes(std::span(data, size));
    stream::Record rec;
    stream::DecodeStatus st = stream::decode(raw, rec);
    stream::Record exact;
    stream::DecodeStatus st_exact = stream::decode_exact(raw, exact);
    if ((st == stream::DecodeStatus::Ok) !=
        (st_exact == stream::DecodeStatus::Ok || st_exact == stream::DecodeStatus::TrailingBytes))
        __builtin_trap();
    if (st != stream::DecodeStatus::Ok) return 0;
    if (rec.size() != abi::kind_size(rec.header().kind) || rec.size() > size) __builtin_trap();
    stream::IdMap ids;
    std::string json = stream::format_json(rec, ids);
    if (!nlohmann::json::accept(json)) __builtin_trap();
    std::string line = stream::format_line(rec, ids);
    if (line.find('\n') != std::string::npos) __builtin_trap();
    return 0;
}
