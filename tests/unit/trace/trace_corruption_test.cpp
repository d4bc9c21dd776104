#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "sample_records.hpp"
#include "test_util.hpp"
#include "trace/byte_io.hpp"
#include "trace/crc32.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::trace {
namespace {

using epscope::testing::bytes_of;
using epscope::testing::Collect;
using epscope::testing::one_of_each_kind;
using epscope::testing::ScratchDir;
using stream::Record;

struct SmallTrace {
    std::vector<std::byte> bytes;
    std::vector<Record> records;
    std::vector<ChunkInfo> chunks;  // as the reader finds them in the whole file
};

// Three chunks of one record of each kind: small enough to cut at every byte.
SmallTrace small_trace() {
    ScratchDir dir;
    auto path = dir / "small.eps";
    SmallTrace t;
    t.records = one_of_each_kind();
    WriterOptions o;
    // Three chunks, whatever the number of record kinds.
    o.chunk_records = (t.records.size() + 2) / 3;
    TraceHeader h;
    h.host = "h";
    h.kernel_release = "6.1.0";
    h.attach_plan = "plan";
    {
        TraceWriter w(path, h, o);
        for (const auto& r : t.records) w.on_record(r);
        w.close();
    }
    t.bytes = epscope::testing::read_bytes(path);
    t.chunks = TraceReader(path).chunks();
    return t;
}

// Reads everything; returns the records, or rethrows TraceError.
std::vector<Record> read_all(TraceReader& rd) {
    Collect c;
    rd.read_all(c);
    return c.records;
}

TEST(TraceCorruption, SmallTraceHasThreeChunks) {
    auto t = small_trace();
    ASSERT_EQ(t.chunks.size(), 3u);
}

TEST(TraceCorruption, TruncationAtEveryOffsetGivesTheWholeChunksBeforeTheCut) {
    auto t = small_trace();
    const std::uint64_t data_start = t.chunks[0].offset;
    const std::uint64_t index_offset =
        t.chunks.back().offset + kChunkHeaderSize + t.chunks.back().compressed_size;
    for (std::size_t cut = 0; cut < t.bytes.size(); ++cut) {
        std::vector<std::byte> b(t.bytes.begin(), t.bytes.begin() + cut);
        if (cut < data_start) {
            try {
                TraceReader::from_memory(b);
                FAIL() << "cut " << cut << " inside the header was accepted";
            } catch (const TraceError& e) {
                EXPECT_EQ(e.kind(),
                          cut == 0 ? TraceErrorKind::NotATrace : TraceErrorKind::Truncated)
                    << "cut " << cut << ": " << e.what();
            }
            continue;
        }
        auto rd = TraceReader::from_memory(b);
        EXPECT_TRUE(rd.truncated()) << "cut " << cut;
        // Whole chunks before the cut.
        std::size_t whole = 0, whole_records = 0;
        for (const auto& c : t.chunks)
            if (c.offset + kChunkHeaderSize + c.compressed_size <= cut)
                ++whole, whole_records += c.record_count;
        EXPECT_EQ(rd.chunks().size(), whole) << "cut " << cut;
        auto got = read_all(rd);
        ASSERT_EQ(got.size(), whole_records) << "cut " << cut;
        for (std::size_t i = 0; i < got.size(); ++i)
            ASSERT_EQ(bytes_of(got[i]), bytes_of(t.records[i])) << "cut " << cut;
        if (cut >= index_offset) {
            EXPECT_EQ(rd.chunks().size(), 3u);
        }
    }
    // The whole file is complete.
    auto rd = TraceReader::from_memory(t.bytes);
    EXPECT_FALSE(rd.truncated());
}

TEST(TraceCorruption, EveryByteFlipIsATypedErrorOrChangesNothing) {
    auto t = small_trace();
    const std::uint64_t index_offset =
        t.chunks.back().offset + kChunkHeaderSize + t.chunks.back().compressed_size;
    std::mt19937 rng(7);
    std::size_t errors = 0, clean = 0;
    for (std::size_t pos = 0; pos < t.bytes.size(); ++pos) {
        auto b = t.bytes;
        b[pos] ^= static_cast<std::byte>(1 + rng() % 255);
        try {
            auto rd = TraceReader::from_memory(b, "flipped.eps");
            auto got = read_all(rd);
            // A damaged index or trailer is said, and every record still reads.
            if (pos >= index_offset) {
                EXPECT_TRUE(rd.index_damaged()) << "flip at " << pos;
                ASSERT_EQ(got.size(), t.records.size()) << "flip at " << pos;
                ++errors;
                continue;
            }
            // A flip the checksums cannot see must not change a record.
            ASSERT_EQ(got.size(), t.records.size()) << "flip at " << pos;
            for (std::size_t i = 0; i < got.size(); ++i)
                ASSERT_EQ(bytes_of(got[i]), bytes_of(t.records[i])) << "flip at " << pos;
            ++clean;
        } catch (const TraceError& e) {
            ++errors;
            EXPECT_NE(std::string(e.what()).find("flipped.eps"), std::string::npos);
        }
    }
    // Magic, versions and checksums cover every byte of the file, and CRC-32
    // catches every single-byte change: no flip may go unnoticed.
    EXPECT_EQ(clean, 0u);
    EXPECT_EQ(errors, t.bytes.size());
}

// Every single-bit flip in the index or the trailer leaves the chunks intact:
// they are found by scanning, every record reads, and the reader says so.
TEST(TraceCorruption, FlippedTrailerOrIndexBitFallsBackToTheChunks) {
    auto t = small_trace();
    const std::uint64_t index_offset =
        t.chunks.back().offset + kChunkHeaderSize + t.chunks.back().compressed_size;
    for (std::size_t pos = index_offset; pos < t.bytes.size(); ++pos) {
        for (int bit = 0; bit < 8; ++bit) {
            auto b = t.bytes;
            b[pos] ^= static_cast<std::byte>(1 << bit);
            auto rd = TraceReader::from_memory(b, "flipped.eps");
            EXPECT_TRUE(rd.index_damaged()) << "flip at " << pos << " bit " << bit;
            EXPECT_TRUE(rd.truncated());
            EXPECT_EQ(rd.chunks().size(), 3u);
            auto got = read_all(rd);
            ASSERT_EQ(got.size(), t.records.size()) << "flip at " << pos << " bit " << bit;
            for (std::size_t i = 0; i < got.size(); ++i)
                ASSERT_EQ(bytes_of(got[i]), bytes_of(t.records[i]));
            const std::string note = rd.incomplete_note();
            EXPECT_NE(note.find("flipped.eps"), std::string::npos) << note;
            EXPECT_NE(note.find("index or trailer"), std::string::npos) << note;
        }
    }
    auto whole = TraceReader::from_memory(t.bytes);
    EXPECT_FALSE(whole.index_damaged());
    EXPECT_EQ(whole.incomplete_note(), "");
}

TEST(TraceCorruption, FlippedPayloadIsCorruptAtItsChunkOffset) {
    auto t = small_trace();
    auto b = t.bytes;
    const ChunkInfo& c = t.chunks[1];
    b[c.offset + kChunkHeaderSize + 3] ^= std::byte{0x10};
    auto rd = TraceReader::from_memory(b, "x.eps");
    Record r;
    for (std::uint32_t i = 0; i < t.chunks[0].record_count; ++i)
        ASSERT_TRUE(rd.next(r));  // chunk 0 is intact
    try {
        rd.next(r);
        FAIL() << "corrupt chunk accepted";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::Corrupt);
        EXPECT_EQ(e.offset(), static_cast<std::int64_t>(c.offset));
        EXPECT_NE(std::string(e.what()).find("x.eps: at offset " + std::to_string(c.offset)),
                  std::string::npos)
            << e.what();
    }
}

// read_all() decodes the next chunk on a second thread while it delivers
// this one: a damaged chunk must still throw after exactly the records
// before it, count as read (a retry goes on after it), and leave nothing
// behind in flight. Every chunk position is tried.
TEST(TraceCorruption, ReadAllStopsAtADamagedChunkAfterTheRecordsBeforeIt) {
    auto t = small_trace();
    for (std::size_t bad = 0; bad < t.chunks.size(); ++bad) {
        auto b = t.bytes;
        const ChunkInfo& c = t.chunks[bad];
        b[c.offset + kChunkHeaderSize + 3] ^= std::byte{0x10};
        auto rd = TraceReader::from_memory(b, "x.eps");
        std::size_t before = 0, after = 0;
        for (std::size_t i = 0; i < t.chunks.size(); ++i)
            (i < bad ? before : after) += i == bad ? 0 : t.chunks[i].record_count;
        Collect got;
        try {
            rd.read_all(got);
            FAIL() << "corrupt chunk " << bad << " accepted";
        } catch (const TraceError& e) {
            EXPECT_EQ(e.offset(), static_cast<std::int64_t>(c.offset)) << e.what();
        }
        ASSERT_EQ(got.records.size(), before) << "chunk " << bad;
        for (std::size_t i = 0; i < before; ++i)
            ASSERT_EQ(bytes_of(got.records[i]), bytes_of(t.records[i]));
        Collect rest;
        EXPECT_EQ(rd.read_all(rest), after) << "chunk " << bad;
        ASSERT_EQ(rest.records.size(), after);
        if (after != 0) {
            EXPECT_EQ(bytes_of(rest.records.back()), bytes_of(t.records.back()));
        }
    }
}

// read_all() after some next() calls delivers the rest of the current chunk
// first, then the following ones, in order.
TEST(TraceCorruption, ReadAllAfterNextDeliversTheRestInOrder) {
    auto t = small_trace();
    for (std::size_t skip = 0; skip <= t.records.size(); ++skip) {
        auto rd = TraceReader::from_memory(t.bytes);
        Record r;
        for (std::size_t i = 0; i < skip; ++i) ASSERT_TRUE(rd.next(r));
        Collect rest;
        EXPECT_EQ(rd.read_all(rest), t.records.size() - skip);
        ASSERT_EQ(rest.records.size(), t.records.size() - skip);
        for (std::size_t i = 0; i < rest.records.size(); ++i)
            ASSERT_EQ(bytes_of(rest.records[i]), bytes_of(t.records[skip + i])) << skip;
        EXPECT_FALSE(rd.next(r));
    }
}

// A trace of many chunks, more than read_all() decodes ahead at a time.
SmallTrace many_chunk_trace() {
    ScratchDir dir;
    auto path = dir / "many.eps";
    SmallTrace t;
    for (std::uint64_t round = 0; round < 12; ++round) {
        auto kinds = one_of_each_kind(1'000'000'000 + round * 1'000'000);
        t.records.insert(t.records.end(), kinds.begin(), kinds.end());
    }
    WriterOptions o;
    o.chunk_records = 5;
    {
        TraceWriter w(path, TraceHeader{}, o);
        for (const auto& r : t.records) w.on_record(r);
        w.close();
    }
    t.bytes = epscope::testing::read_bytes(path);
    t.chunks = TraceReader(path).chunks();
    return t;
}

// Many chunks in flight: a damaged chunk anywhere still throws after exactly
// the records before it, and the chunks decoded ahead of it are not lost to a
// retry, which goes on after it.
TEST(TraceCorruption, ReadAllOverManyChunksStopsAtADamagedOneAndResumesAfterIt) {
    auto t = many_chunk_trace();
    ASSERT_GE(t.chunks.size(), 20u);
    for (std::size_t bad : {std::size_t{0}, std::size_t{1}, std::size_t{7}, t.chunks.size() - 1}) {
        auto b = t.bytes;
        b[t.chunks[bad].offset + kChunkHeaderSize + 2] ^= std::byte{0x04};
        auto rd = TraceReader::from_memory(b, "many.eps");
        std::size_t before = 0, after = 0;
        for (std::size_t i = 0; i < t.chunks.size(); ++i)
            if (i != bad) (i < bad ? before : after) += t.chunks[i].record_count;
        Collect got;
        EXPECT_THROW(rd.read_all(got), TraceError) << "chunk " << bad;
        EXPECT_EQ(got.records.size(), before) << "chunk " << bad;
        Collect rest;
        EXPECT_EQ(rd.read_all(rest), after) << "chunk " << bad;
        if (after != 0) {
            EXPECT_EQ(bytes_of(rest.records.back()), bytes_of(t.records.back()));
        }
    }
}

// Past its size a delivered record is zero (records of several sizes follow
// each other), so that equal records compare equal byte for byte.
bool tail_is_zero(const Record& r) {
    Record copy = r;
    auto all = copy.storage();
    return std::all_of(all.begin() + r.size(), all.end(),
                       [](std::byte b) { return b == std::byte{0}; });
}

// A sink that throws stops read_all() (its decoding thread is stopped and
// joined, not left waiting for room); reading on delivers the records after
// the one that threw, none of those decoded ahead skipped.
TEST(TraceCorruption, ASinkThatThrowsStopsReadAllAndReadingGoesOnAfterItsRecord) {
    auto t = many_chunk_trace();
    class Throwing : public Collect {
    public:
        explicit Throwing(std::size_t at) : at_(at) {}
        void on_record(const Record& r) override {
            if (records.size() == at_) throw std::runtime_error("sink failed");
            Collect::on_record(r);
        }

    private:
        std::size_t at_;
    };
    for (std::size_t at : {std::size_t{0}, std::size_t{3}, std::size_t{17}, t.records.size() - 1}) {
        auto rd = TraceReader::from_memory(t.bytes);
        Throwing first(at);
        EXPECT_THROW(rd.read_all(first), std::runtime_error);
        ASSERT_EQ(first.records.size(), at);
        Collect rest;
        EXPECT_EQ(rd.read_all(rest), t.records.size() - at - 1) << at;
        for (std::size_t i = 0; i < rest.records.size(); ++i) {
            ASSERT_EQ(bytes_of(rest.records[i]), bytes_of(t.records[at + 1 + i])) << at;
            ASSERT_TRUE(tail_is_zero(rest.records[i])) << "record " << at + 1 + i;
        }
    }
}

TEST(TraceCorruption, NotATrace) {
    ScratchDir dir;
    auto p = dir / "text.txt";
    std::string text = "hello, this is not a trace file at all\n";
    std::vector<std::byte> b(text.size());
    std::memcpy(b.data(), text.data(), text.size());
    epscope::testing::write_bytes(p, b);
    try {
        TraceReader rd(p);
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::NotATrace);
        EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos);
    }
    epscope::testing::write_bytes(p, {});
    EXPECT_THROW(TraceReader{p}, TraceError);
}

TEST(TraceCorruption, MissingFileIsIo) {
    try {
        TraceReader rd("/nonexistent/trace.eps");
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::Io);
    }
}

// Rewrites the versions of a file and fixes its header checksum, as a newer
// writer would have produced it.
std::vector<std::byte> with_versions(std::vector<std::byte> b, std::uint32_t format,
                                     std::uint32_t abi) {
    ByteWriter w;
    w.u32(format);
    w.u32(abi);
    std::copy(w.data().begin(), w.data().end(), b.begin() + 8);
    ByteReader r(std::span<const std::byte>(b).subspan(16, 4));
    std::uint32_t body_len = 0;
    r.u32(body_len);
    std::size_t crc_at = kFilePrefixSize + body_len;
    ByteWriter c;
    c.u32(crc32(std::span<const std::byte>(b).subspan(8, crc_at - 8)));
    std::copy(c.data().begin(), c.data().end(), b.begin() + static_cast<long>(crc_at));
    return b;
}

TEST(TraceCorruption, NewerVersionsAreReportedAsSuch) {
    auto t = small_trace();
    for (auto [format, abi_v] : {std::pair{kFormatVersion + 1, abi::kVersion},
                                 std::pair{kFormatVersion, abi::kVersion + 1}}) {
        try {
            TraceReader::from_memory(with_versions(t.bytes, format, abi_v), "new.eps");
            FAIL();
        } catch (const TraceError& e) {
            EXPECT_EQ(e.kind(), TraceErrorKind::NewerVersion) << e.what();
            EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
        }
    }
    // The rewriting helper itself keeps a valid file valid.
    EXPECT_NO_THROW(
        TraceReader::from_memory(with_versions(t.bytes, kFormatVersion, abi::kVersion)));
    try {
        TraceReader::from_memory(with_versions(t.bytes, 0, abi::kVersion));
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::Corrupt);
    }
}

// ABI 3 appended SOCK_NAME to ABI 2 and changed no layout: ABI 2 traces read.
TEST(TraceCorruption, AnAbi2TraceReads) {
    auto t = small_trace();
    auto r = TraceReader::from_memory(with_versions(t.bytes, kFormatVersion, 2), "abi2.eps");
    EXPECT_EQ(r.header().abi_version, 2u);
}

// ABI 4 appended FD_CLOSE to ABI 3: ABI 3 traces read too.
TEST(TraceCorruption, AnAbi3TraceReads) {
    auto t = small_trace();
    auto r = TraceReader::from_memory(with_versions(t.bytes, kFormatVersion, 3), "abi3.eps");
    EXPECT_EQ(r.header().abi_version, 3u);
}

// ABI 5 appended FD_READ to ABI 4: ABI 4 traces read too.
TEST(TraceCorruption, AnAbi4TraceReads) {
    auto t = small_trace();
    auto r = TraceReader::from_memory(with_versions(t.bytes, kFormatVersion, 4), "abi4.eps");
    EXPECT_EQ(r.header().abi_version, 4u);
}

TEST(TraceCorruption, AnOlderEventAbiNamesBothVersions) {
    auto t = small_trace();
    try {
        TraceReader::from_memory(with_versions(t.bytes, kFormatVersion, abi::kOldestReadable - 1),
                                 "old.eps");
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::OlderVersion) << e.what();
        std::string what = e.what();
        EXPECT_NE(what.find("event ABI version " + std::to_string(abi::kOldestReadable - 1)),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("(" + std::to_string(abi::kVersion) + ")"), std::string::npos) << what;
        EXPECT_NE(what.find("record the trace again"), std::string::npos) << what;
    }
}

TEST(TraceCorruption, GarbageAppendedAfterTrailerIsCorrupt) {
    auto t = small_trace();
    auto b = t.bytes;
    b.insert(b.end(), 40, std::byte{0x55});
    EXPECT_THROW(TraceReader::from_memory(b), TraceError);
}

}  // namespace
}  // namespace epscope::trace
