// An output file written as FILE.partial and renamed to FILE on commit(), so
// a failed or interrupted export never leaves something that looks finished.
// FILE.partial is created new (never through a planted name, see
// safe_path.hpp); an existing FILE is kept as FILE.old unless `force`.
// "-" is standard output, as everywhere on the command line: written
// through, flushed on commit(); a write error is still an error.
#pragma once

#include <ext/stdio_filebuf.h>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace epscope::trace {

class AtomicOutput {
public:
    // Throws TraceError(Io) if FILE or FILE.partial is unfit (check_new_output)
    // or FILE.partial cannot be created.
    explicit AtomicOutput(std::filesystem::path path, bool force = false);
    // Without commit(): removes FILE.partial.
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    std::ostream& out() { return out_; }
    void write(std::string_view s) { out_.write(s.data(), static_cast<std::streamsize>(s.size())); }
    // Flushes, closes and renames; throws TraceError(Io) on any failure.
    // Returns what became of an older FILE ("kept ... as FILE.old"), or "".
    std::string commit();
    bool to_stdout() const { return partial_.empty(); }
    static bool is_stdout(const std::filesystem::path& p) { return p == "-"; }

private:
    std::filesystem::path path_;
    std::filesystem::path partial_;
    bool force_;
    std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> buf_;
    std::ostream out_{nullptr};
    bool committed_ = false;
};

}  // namespace epscope::trace
