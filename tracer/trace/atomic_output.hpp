// An output file written as FILE.partial and renamed to FILE on commit(), so
// a failed or interrupted export never leaves something that looks finished.
#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

namespace epscope::trace {

class AtomicOutput {
public:
    // Throws TraceError(Io) if FILE.partial cannot be created.
    explicit AtomicOutput(std::filesystem::path path);
    // Without commit(): removes FILE.partial.
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    std::ostream& out() { return out_; }
    void write(std::string_view s) { out_.write(s.data(), static_cast<std::streamsize>(s.size())); }
    // Flushes, closes and renames; throws TraceError(Io) on any failure.
    void commit();

private:
    std::filesystem::path path_;
    std::filesystem::path partial_;
    std::ofstream out_;
    bool committed_ = false;
};

}  // namespace epscope::trace
