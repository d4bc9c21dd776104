// Helpers shared by the trace tests: file bytes (and the tests' ScratchDir).
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../scratch_dir.hpp"
#include "stream/record.hpp"

namespace epscope::testing {

inline std::vector<std::byte> read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
    return out;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<std::byte>& b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline std::vector<std::byte> bytes_of(const stream::Record& r) {
    auto b = r.bytes();
    return {b.begin(), b.end()};
}

// Collects a stream, for comparing what came back with what went in.
class Collect : public stream::RecordSink {
public:
    void on_record(const stream::Record& r) override { records.push_back(r); }
    std::vector<stream::Record> records;
};

}  // namespace epscope::testing
