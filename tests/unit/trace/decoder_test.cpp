#include "stream/decoder.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "sample_records.hpp"
#include "test_util.hpp"

namespace epscope::stream {
namespace {

using epscope::testing::bytes_of;
using epscope::testing::one_of_each_kind;

TEST(Decoder, DecodesEveryKindByteForByte) {
    std::set<int> kinds;
    for (const Record& in : one_of_each_kind()) {
        auto raw = bytes_of(in);
        Record out;
        // Dirty the target first: decode must not leave stale bytes behind.
        std::memset(out.storage().data(), 0xAB, out.storage().size());
        ASSERT_EQ(decode(raw, out), DecodeStatus::Ok) << abi::kind_name(in.kind());
        EXPECT_EQ(bytes_of(out), raw);
        EXPECT_TRUE(std::equal(out.storage().begin() + raw.size(), out.storage().end(),
                               Record().storage().begin() + raw.size()));
        kinds.insert(in.kind());
    }
    EXPECT_EQ(kinds.size(), abi::kKindCount - 1) << "samples must cover every kind";
}

TEST(Decoder, RejectsShortBuffersAtEveryLength) {
    for (const Record& in : one_of_each_kind()) {
        auto raw = bytes_of(in);
        for (std::size_t n = 0; n < raw.size(); ++n) {
            Record out;
            EXPECT_EQ(decode(std::span(raw).first(n), out), DecodeStatus::Short)
                << abi::kind_name(in.kind()) << " length " << n;
        }
    }
}

TEST(Decoder, RejectsUnknownKinds) {
    Record in = one_of_each_kind()[0];
    for (std::uint16_t kind : {std::uint16_t{0}, std::uint16_t{EP_KIND_COUNT},
                               std::uint16_t{0x7fff}, std::uint16_t{0xffff}}) {
        Record bad = in;
        bad.header().kind = kind;
        auto raw = bytes_of(bad);
        Record out;
        EXPECT_EQ(decode(raw, out), DecodeStatus::UnknownKind) << kind;
    }
}

TEST(Decoder, RejectsWrongSize) {
    for (const Record& in : one_of_each_kind()) {
        for (int delta : {-8, -1, 1, 8}) {
            Record bad = in;
            bad.header().size = static_cast<std::uint16_t>(in.size() + delta);
            std::vector<std::byte> raw(abi::kMaxRecordSize + 16);
            std::memcpy(raw.data(), bad.storage().data(), abi::kMaxRecordSize);
            Record out;
            EXPECT_EQ(decode(raw, out), DecodeStatus::WrongSize) << abi::kind_name(in.kind());
        }
    }
}

TEST(Decoder, ExactRejectsTrailingBytesButDecodeAllowsThem) {
    Record in = one_of_each_kind()[3];
    auto raw = bytes_of(in);
    raw.push_back(std::byte{1});
    Record out;
    EXPECT_EQ(decode(raw, out), DecodeStatus::Ok);
    EXPECT_EQ(out.size(), in.size());
    EXPECT_EQ(decode_exact(raw, out), DecodeStatus::TrailingBytes);
    raw.pop_back();
    EXPECT_EQ(decode_exact(raw, out), DecodeStatus::Ok);
}

TEST(Decoder, EveryStatusHasADistinctMessage) {
    std::set<std::string_view> msgs;
    for (auto st : {DecodeStatus::Ok, DecodeStatus::Short, DecodeStatus::UnknownKind,
                    DecodeStatus::WrongSize, DecodeStatus::TrailingBytes})
        msgs.insert(decode_status_message(st));
    EXPECT_EQ(msgs.size(), 5u);
}

}  // namespace
}  // namespace epscope::stream
