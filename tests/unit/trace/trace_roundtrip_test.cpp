#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "sample_records.hpp"
#include "test_util.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::trace {
namespace {

using epscope::testing::bytes_of;
using epscope::testing::Collect;
using epscope::testing::one_of_each_kind;
using epscope::testing::ScratchDir;
using stream::Record;

TraceHeader sample_header() {
    TraceHeader h;
    h.host = "lab-vm";
    h.kernel_release = "6.12.9-amd64";
    h.clock_id = 1;
    h.realtime_offset_ns = -1234567890123;
    h.attach_plan = "callback: fentry ep_poll_callback\nharvest: fentry ep_done_scan (inferred)\n";
    h.set(kMetaBackend, "fentry");
    h.set(kMetaCommandLine, "epscope record -o x.eps -- ./poller");
    h.set(kMetaRedacted, "0");
    return h;
}

// Records with varied sizes and timestamps, deterministic.
std::vector<Record> many_records(std::size_t n) {
    auto kinds = one_of_each_kind();
    std::vector<Record> out;
    std::mt19937_64 rng(42);
    std::uint64_t ts = 5'000'000'000;
    for (std::size_t i = 0; i < n; ++i) {
        Record r = kinds[i % kinds.size()];
        ts += rng() % 1000;
        r.header().ts = ts;
        r.header().tid = static_cast<std::uint32_t>(1000 + i % 7);
        out.push_back(r);
    }
    return out;
}

TEST(TraceRoundTrip, EveryKindComesBackByteForByte) {
    ScratchDir dir;
    auto path = dir / "t.eps";
    auto in = one_of_each_kind();
    {
        TraceWriter w(path, sample_header());
        for (const auto& r : in) w.on_record(r);
        w.close();
    }
    TraceReader rd(path);
    EXPECT_FALSE(rd.truncated());
    Collect c;
    EXPECT_EQ(rd.read_all(c), in.size());
    ASSERT_EQ(c.records.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
        EXPECT_EQ(bytes_of(c.records[i]), bytes_of(in[i])) << abi::kind_name(in[i].kind());
}

TEST(TraceRoundTrip, HeaderFieldsComeBack) {
    ScratchDir dir;
    auto path = dir / "t.eps";
    TraceHeader h = sample_header();
    {
        TraceWriter w(path, h);
        w.close();
    }
    TraceReader rd(path);
    const TraceHeader& g = rd.header();
    EXPECT_EQ(g.format_version, kFormatVersion);
    EXPECT_EQ(g.abi_version, abi::kVersion);
    EXPECT_EQ(g.host, h.host);
    EXPECT_EQ(g.kernel_release, h.kernel_release);
    EXPECT_EQ(g.clock_id, h.clock_id);
    EXPECT_EQ(g.realtime_offset_ns, h.realtime_offset_ns);
    EXPECT_EQ(g.attach_plan, h.attach_plan);
    EXPECT_EQ(g.metadata, h.metadata);
    EXPECT_EQ(g.get(kMetaBackend), "fentry");
    EXPECT_FALSE(g.get("nope").has_value());
    EXPECT_EQ(rd.record_count(), 0u);
    Record r;
    EXPECT_FALSE(rd.next(r));
}

TEST(TraceRoundTrip, HeaderTextListsEverything) {
    TraceHeader h = sample_header();
    h.format_version = 1;
    h.abi_version = 1;
    EXPECT_EQ(header_text(h),
              "format 1, event ABI 1\n"
              "host: lab-vm\n"
              "kernel: 6.12.9-amd64\n"
              "clock: CLOCK_MONOTONIC, realtime offset -1234567890123 ns\n"
              "backend: fentry\n"
              "command_line: epscope record -o x.eps -- ./poller\n"
              "redacted: 0\n"
              "attach plan:\n"
              "  callback: fentry ep_poll_callback\n"
              "  harvest: fentry ep_done_scan (inferred)\n");
}

TEST(TraceRoundTrip, ThisHostHeaderIsFilled) {
    TraceHeader h = TraceHeader::for_this_host();
    EXPECT_FALSE(h.host.empty());
    EXPECT_FALSE(h.kernel_release.empty());
    EXPECT_GT(h.realtime_offset_ns, 0);  // wall clock is far past boot
}

TEST(TraceRoundTrip, ManyRecordsAcrossManyChunks) {
    ScratchDir dir;
    auto path = dir / "many.eps";
    auto in = many_records(50'000);
    WriterOptions o;
    o.chunk_records = 997;
    o.flush_interval = std::chrono::hours(1);
    {
        TraceWriter w(path, sample_header(), o);
        for (const auto& r : in) w.on_record(r);
        w.close();
        EXPECT_EQ(w.records_written(), in.size());
        EXPECT_EQ(w.chunks_written(), (in.size() + 996) / 997);
    }
    TraceReader rd(path);
    EXPECT_FALSE(rd.truncated());
    EXPECT_EQ(rd.chunks().size(), (in.size() + 996) / 997);
    EXPECT_EQ(rd.record_count(), in.size());
    Record r;
    std::size_t i = 0;
    while (rd.next(r)) {
        ASSERT_LT(i, in.size());
        ASSERT_EQ(bytes_of(r), bytes_of(in[i])) << "record " << i;
        ++i;
    }
    EXPECT_EQ(i, in.size());
    // Chunk time ranges cover their records.
    for (const auto& c : rd.chunks()) EXPECT_LE(c.first_ts, c.last_ts);
}

TEST(TraceRoundTrip, SeekLandsOnFirstRecordAtOrAfterTime) {
    ScratchDir dir;
    auto path = dir / "seek.eps";
    auto in = many_records(10'000);
    WriterOptions o;
    o.chunk_records = 300;
    {
        TraceWriter w(path, sample_header(), o);
        for (const auto& r : in) w.on_record(r);
        w.close();
    }
    TraceReader rd(path);
    for (std::size_t target : {std::size_t{0}, std::size_t{1}, std::size_t{299}, std::size_t{300},
                               std::size_t{4567}, in.size() - 1}) {
        std::uint64_t ts = in[target].header().ts;
        // Records are sorted here, so the first with ts >= t is the first of equal ts.
        std::size_t expect = target;
        while (expect > 0 && in[expect - 1].header().ts == ts) --expect;
        rd.seek(ts);
        Record r;
        ASSERT_TRUE(rd.next(r));
        EXPECT_EQ(bytes_of(r), bytes_of(in[expect])) << "seek to record " << target;
        ASSERT_TRUE(rd.next(r) || expect + 1 == in.size());
    }
    rd.seek(in.back().header().ts + 1);
    Record r;
    EXPECT_FALSE(rd.next(r));
    rd.rewind();
    ASSERT_TRUE(rd.next(r));
    EXPECT_EQ(bytes_of(r), bytes_of(in[0]));
}

TEST(TraceRoundTrip, PartialNameUntilCloseThenRenamed) {
    ScratchDir dir;
    auto path = dir / "p.eps";
    TraceWriter w(path, sample_header());
    for (const auto& r : one_of_each_kind()) w.on_record(r);
    EXPECT_TRUE(std::filesystem::exists(w.partial_path()));
    EXPECT_FALSE(std::filesystem::exists(path));
    w.close();
    EXPECT_FALSE(std::filesystem::exists(w.partial_path()));
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(TraceRoundTrip, WriterDroppedWithoutCloseLeavesReadableTruncatedPartial) {
    ScratchDir dir;
    auto path = dir / "crash.eps";
    auto in = many_records(2500);
    WriterOptions o;
    o.chunk_records = 1000;
    {
        TraceWriter w(path, sample_header(), o);
        for (const auto& r : in) w.on_record(r);
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    TraceReader rd(dir / "crash.eps.partial");
    EXPECT_TRUE(rd.truncated());
    EXPECT_EQ(rd.unreadable_tail(), 0u);
    Collect c;
    EXPECT_EQ(rd.read_all(c), in.size());
}

TEST(TraceRoundTrip, FlushByTimeWritesAChunk) {
    ScratchDir dir;
    auto path = dir / "time.eps";
    WriterOptions o;
    o.chunk_records = 1000;
    o.flush_interval = std::chrono::milliseconds(0);
    TraceWriter w(path, sample_header(), o);
    auto in = one_of_each_kind();
    w.on_record(in[0]);
    w.on_record(in[1]);
    // The age is looked at on the capture loop's tick, not per record.
    EXPECT_EQ(w.chunks_written(), 0u);
    // A zero interval: the pending chunk is already due.
    w.flush_if_due();
    EXPECT_EQ(w.chunks_written(), 1u);
    // The chunk is on disk before close: a reader of the .partial sees it.
    TraceReader rd(w.partial_path());
    EXPECT_TRUE(rd.truncated());
    EXPECT_EQ(rd.record_count(), 2u);
    w.close();
}

TEST(TraceRoundTrip, FromMemoryReadsTheSameAsFromFile) {
    ScratchDir dir;
    auto path = dir / "m.eps";
    auto in = one_of_each_kind();
    {
        TraceWriter w(path, sample_header());
        for (const auto& r : in) w.on_record(r);
        w.close();
    }
    auto rd = TraceReader::from_memory(epscope::testing::read_bytes(path), "mem");
    Collect c;
    EXPECT_EQ(rd.read_all(c), in.size());
    EXPECT_EQ(rd.name(), "mem");
}

TEST(TraceRoundTrip, UnorderedTimestampsSurviveAndChunksSpanTheirRange) {
    // Ring buffer order across CPUs is not ts order: chunks keep min/max.
    ScratchDir dir;
    auto in = many_records(100);
    std::reverse(in.begin(), in.end());
    WriterOptions o;
    o.chunk_records = 30;
    {
        TraceWriter w(dir / "u.eps", sample_header(), o);
        for (const auto& r : in) w.on_record(r);
        w.close();
    }
    TraceReader rd(dir / "u.eps");
    ASSERT_EQ(rd.chunks().size(), 4u);
    EXPECT_EQ(rd.chunks()[0].last_ts, in[0].header().ts);
    EXPECT_EQ(rd.chunks()[0].first_ts, in[29].header().ts);
    Collect c;
    ASSERT_EQ(rd.read_all(c), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(bytes_of(c.records[i]), bytes_of(in[i]));
}

TEST(TraceRoundTrip, WriterRefusesMalformedRecords) {
    ScratchDir dir;
    TraceWriter w(dir / "bad.eps", sample_header());
    EXPECT_THROW(w.on_record(Record{}), std::invalid_argument);
    Record wrong = one_of_each_kind()[0];
    wrong.header().size = 8;
    EXPECT_THROW(w.on_record(wrong), std::invalid_argument);
    w.on_record(one_of_each_kind()[0]);
    w.close();
    TraceReader rd(dir / "bad.eps");
    EXPECT_EQ(rd.record_count(), 1u);
}

TEST(TraceRoundTrip, UnwritableDirectoryIsAnIoError) {
    try {
        TraceWriter w("/nonexistent-dir/x.eps", sample_header());
        FAIL() << "expected TraceError";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::Io);
        // Checked before anything is created: the directory is named.
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.eps: cannot use directory "
                                             "/nonexistent-dir"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace epscope::trace
