// A trace damaged part-way, for the tests of what the GUI shows of it: one
// instance, 12 records in 3 chunks of 4, and one flipped byte at the end of
// the second chunk's payload, so the first chunk reads and the rest does not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "synthetic_stream.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::gui_test {

inline void write_damaged_trace(const std::filesystem::path& p) {
    {
        trace::WriterOptions o;
        o.chunk_records = 4;  // several chunks, so damage can hit a later one
        trace::TraceWriter w(p, trace::TraceHeader{}, o);
        Synth s(w);
        s.create(ep_of(1), 3);
        for (int fd = 1; fd <= 11; ++fd) s.insert(ep_of(1), 3, fd);
        w.close();
    }
    std::uint64_t at = 0;
    {
        trace::TraceReader reader(p);
        at = reader.chunks()[2].offset - 1;  // last byte of the second chunk
    }
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
}

}  // namespace epscope::gui_test
