// Writes seed inputs for the fuzz targets: valid traces (one chunk, many
// chunks, no records, cut off), and every record kind as raw bytes.
// Usage: fuzz_seeds OUTDIR   -> OUTDIR/trace_reader/*, OUTDIR/decoder/*
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sample_records.hpp"
#include "trace/writer.hpp"

namespace fs = std::filesystem;
using namespace epscope;

namespace {

void write_file(const fs::path& p, std::span<const std::byte> b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    if (!out) throw std::runtime_error(p.string() + ": cannot write");
}

std::vector<std::byte> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

void trace_seed(const fs::path& p, std::size_t records, std::size_t per_chunk, bool close) {
    trace::TraceHeader h;
    h.host = "seed";
    h.kernel_release = "6.1.0-seed";
    h.attach_plan = "callback: fentry ep_poll_callback";
    h.set(trace::kMetaBackend, "fentry");
    trace::WriterOptions o;
    o.chunk_records = per_chunk;
    auto kinds = testing::one_of_each_kind();
    trace::TraceWriter w(p, h, o);
    for (std::size_t i = 0; i < records; ++i) {
        stream::Record r = kinds[i % kinds.size()];
        r.header().ts += i * 10;
        w.on_record(r);
    }
    if (close) w.close();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR: the directory to write seeds into\n", argv[0]);
        return 2;
    }
    try {
        fs::path out(argv[1]);
        // This program's own output from an earlier run: the cut trace stays
        // as cut.eps.partial, which the writer refuses to replace (a leftover
        // .partial may be another user's), so a second run starts afresh.
        fs::remove_all(out / "trace_reader");
        fs::remove_all(out / "decoder");
        fs::create_directories(out / "trace_reader");
        fs::create_directories(out / "decoder");
        trace_seed(out / "trace_reader" / "one_chunk.eps", 21, 100, true);
        trace_seed(out / "trace_reader" / "many_chunks.eps", 60, 7, true);
        trace_seed(out / "trace_reader" / "empty.eps", 0, 7, true);
        trace_seed(out / "trace_reader" / "cut.eps", 30, 7, false);  // left as cut.eps.partial
        // A closed file cut in the middle of its last chunk.
        auto whole = read_file(out / "trace_reader" / "many_chunks.eps");
        write_file(out / "trace_reader" / "cut_mid.eps",
                   std::span(whole).first(whole.size() * 2 / 3));
        int i = 0;
        for (const auto& r : testing::one_of_each_kind()) {
            std::string name = std::to_string(i++) + "_" + std::string(abi::kind_name(r.kind()));
            write_file(out / "decoder" / name, r.bytes());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
