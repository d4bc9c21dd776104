// The stream reader's framing: a header and chunks arriving in any split,
// and typed errors for what is not a stream this build reads.
#include <gtest/gtest.h>

#include "serve/stream_publisher.hpp"
#include "serve_test_util.hpp"
#include "test_util.hpp"
#include "trace/byte_io.hpp"
#include "trace/crc32.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::serve {
namespace {

using epscope::testing::same;
using epscope::testing::ScratchDir;
using epscope::testing::stream_header;
using epscope::testing::varied_records;
using trace::StreamParser;
using trace::TraceError;
using trace::TraceErrorKind;

// An output that keeps the bytes, in order: the stream as a reader gets it.
class Capture : public StreamOutput {
public:
    void start(SharedBytes h) override { append(*h); }
    void publish(SharedBytes c) override {
        append(*c);
        ++chunks;
    }
    void service() override {}
    void finish(int) override { finished = true; }
    void append(const Bytes& b) { bytes.insert(bytes.end(), b.begin(), b.end()); }
    Bytes bytes;
    int chunks = 0;
    bool finished = false;
};

Bytes stream_of(const std::vector<stream::Record>& recs, std::size_t chunk_records = 100) {
    Capture cap;
    PublisherOptions o;
    o.chunk_records = chunk_records;
    StreamPublisher p(stream_header(), {&cap}, o);
    for (const auto& r : recs) p.on_record(r);
    p.finish(0);
    EXPECT_TRUE(cap.finished);
    return cap.bytes;
}

std::vector<stream::Record> parse_in_pieces(const Bytes& b, std::size_t piece, StreamParser& p) {
    std::vector<stream::Record> got;
    stream::Record r;
    for (std::size_t i = 0; i < b.size(); i += piece) {
        p.feed(std::span(b).subspan(i, std::min(piece, b.size() - i)));
        while (p.next(r)) got.push_back(r);
    }
    return got;
}

TEST(StreamParser, RecordsComeBackWhateverTheSplit) {
    const auto recs = varied_records(1000);
    const Bytes b = stream_of(recs);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, b.size()}) {
        StreamParser p("test");
        auto got = parse_in_pieces(b, piece, p);
        ASSERT_TRUE(p.has_header()) << piece;
        EXPECT_EQ(p.header().host, "stream-host");
        EXPECT_EQ(p.header().get(trace::kMetaBackend).value_or(""), "tracepoint");
        ASSERT_EQ(got.size(), recs.size()) << piece;
        for (std::size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(same(got[i], recs[i])) << i;
        EXPECT_EQ(p.chunks(), 10u);
        EXPECT_EQ(p.partial_bytes(), 0u);
        EXPECT_FALSE(p.ended());
    }
}

TEST(StreamParser, HeaderAloneIsAValidEmptyStream) {
    const Bytes b = stream_of({});
    StreamParser p("test");
    EXPECT_TRUE(parse_in_pieces(b, 3, p).empty());
    EXPECT_TRUE(p.has_header());
    EXPECT_EQ(p.partial_bytes(), 0u);
}

TEST(StreamParser, CutMidChunkLeavesPartialBytes) {
    const auto recs = varied_records(250);
    const Bytes b = stream_of(recs);
    StreamParser p("test");
    auto got = parse_in_pieces(Bytes(b.begin(), b.end() - 10), 64, p);
    EXPECT_EQ(got.size(), 200u);  // two whole chunks of 100; the third is cut
    EXPECT_GT(p.partial_bytes(), 0u);
}

TEST(StreamParser, ForeignBytesAreNotATrace) {
    StreamParser p("sock");
    const std::string junk = "HTTP/1.1 200 OK\r\n";
    try {
        p.feed(std::as_bytes(std::span(junk.data(), junk.size())));
        FAIL() << "accepted foreign bytes";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::NotATrace);
        EXPECT_NE(std::string(e.what()).find("sock"), std::string::npos);
    }
    // Stays failed.
    EXPECT_THROW(p.feed(std::as_bytes(std::span(junk.data(), 1))), TraceError);
}

TEST(StreamParser, NotATraceIsSeenFromTheFirstByte) {
    StreamParser p("sock");
    const std::byte x{'X'};
    EXPECT_THROW(p.feed(std::span(&x, 1)), TraceError);
}

TEST(StreamParser, NewerFormatOrAbiIsNewerVersion) {
    for (int field : {0, 1}) {
        Bytes b = stream_of(varied_records(10));
        // format_version at 8, abi_version at 12: bump one.
        trace::ByteWriter w;
        w.u32(field == 0 ? trace::kFormatVersion + 1 : abi::kVersion + 1);
        std::copy(w.data().begin(), w.data().end(), b.begin() + 8 + 4 * field);
        StreamParser p("sock");
        try {
            p.feed(b);
            FAIL() << "accepted a newer stream";
        } catch (const TraceError& e) {
            EXPECT_EQ(e.kind(), TraceErrorKind::NewerVersion) << e.what();
            EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
        }
    }
}

TEST(StreamParser, OlderAbiIsOlderVersion) {
    Bytes b = stream_of(varied_records(10));
    trace::ByteWriter w;
    w.u32(abi::kOldestReadable - 1);
    std::copy(w.data().begin(), w.data().end(), b.begin() + 12);
    StreamParser p("sock");
    try {
        p.feed(b);
        FAIL() << "accepted an older stream";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::OlderVersion) << e.what();
    }
}

TEST(StreamParser, DamagedChunkIsCorruptAfterEarlierRecords) {
    const auto recs = varied_records(300);
    Bytes b = stream_of(recs);
    b[b.size() - 20] ^= std::byte{0x5a};  // in the last chunk's payload
    StreamParser p("sock");
    std::vector<stream::Record> got;
    stream::Record r;
    try {
        p.feed(b);
        while (p.next(r)) got.push_back(r);
        FAIL() << "accepted a damaged chunk";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), TraceErrorKind::Corrupt) << e.what();
    }
    EXPECT_EQ(got.size(), 200u);
}

TEST(StreamParser, WholeTraceFileEndsAtItsIndex) {
    ScratchDir dir;
    const auto recs = varied_records(500);
    {
        trace::TraceWriter w(dir / "t.eps", stream_header());
        for (const auto& r : recs) w.on_record(r);
        w.close();
    }
    const Bytes file = epscope::testing::read_bytes(dir / "t.eps");
    StreamParser p("file-as-stream");
    auto got = parse_in_pieces(file, 1000, p);
    EXPECT_EQ(got.size(), recs.size());
    EXPECT_TRUE(p.ended());
    EXPECT_FALSE(p.end().has_value());
}

// The end marker: read in any pieces, it says why the stream ended; damaged,
// it is a typed error; an index (a whole file sent) ends without a reason.
TEST(StreamParser, EndMarkerSaysWhyTheStreamEnded) {
    const auto recs = varied_records(300);
    Bytes b = stream_of(recs);
    const trace::EndOfStream sent{trace::EndReason::Dropped, 9u << 20, "fell behind"};
    const Bytes marker = trace::encode_end_marker(sent);
    b.insert(b.end(), marker.begin(), marker.end());
    for (std::size_t piece : {1u, 7u, 4096u}) {
        StreamParser p("sock");
        auto got = parse_in_pieces(b, piece, p);
        EXPECT_EQ(got.size(), recs.size());
        EXPECT_TRUE(p.ended());
        ASSERT_TRUE(p.end().has_value()) << piece;
        EXPECT_EQ(p.end()->reason, trace::EndReason::Dropped);
        EXPECT_EQ(p.end()->bytes_behind, 9u << 20);
        EXPECT_EQ(p.end()->text, "fell behind");
        EXPECT_EQ(trace::end_reason_text(*p.end()), "dropped: fell 9 MiB behind");
        EXPECT_EQ(p.partial_bytes(), 0u);
    }
    const std::size_t start = b.size() - marker.size();
    for (std::size_t at = start + 8; at < b.size(); ++at) {
        if (at >= start + 20 && at < start + 24) continue;  // the length: a longer one waits
        Bytes d = b;
        d[at] ^= std::byte{0x01};
        StreamParser p("sock");
        try {
            parse_in_pieces(d, 4096, p);
            FAIL() << "a damaged end marker was accepted (byte " << at << ")";
        } catch (const TraceError& e) {
            EXPECT_EQ(e.kind(), TraceErrorKind::Corrupt) << e.what();
        }
    }
}

// The stream written to a file (`--stream-to FILE`) is a trace the file
// reader opens as one whose writer did not close it: every record readable.
TEST(StreamParser, StreamSavedToAFileIsReadableByTheTraceReader) {
    const auto recs = varied_records(700);
    const Bytes b = stream_of(recs);
    auto reader = trace::TraceReader::from_memory(b, "saved-stream");
    EXPECT_TRUE(reader.truncated());
    EXPECT_EQ(reader.unreadable_tail(), 0u);
    std::vector<stream::Record> got;
    stream::Record r;
    while (reader.next(r)) got.push_back(r);
    ASSERT_EQ(got.size(), recs.size());
    EXPECT_TRUE(same(got.back(), recs.back()));
}

}  // namespace
}  // namespace epscope::serve
