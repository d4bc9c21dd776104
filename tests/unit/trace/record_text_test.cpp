#include "stream/record_text.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "sample_records.hpp"
#include "stream/sock_name.hpp"

namespace epscope::stream {
namespace {

using epscope::testing::make;

Record callback_on(std::uint64_t ep, std::uint64_t epi, std::uint8_t outcome) {
    auto r = make<ep_callback>(EP_KIND_CALLBACK, 1'500'000'123, 7, 8);
    r.h.flags = 0;
    r.ep = ep, r.epi = epi, r.file = 0, r.fd = 4, r.key = 0x1, r.events = 0x80000001u;
    r.outcome = outcome, r.waiters = 1;
    return Record::of(r);
}

TEST(RecordText, LineSpeaksEpollWords) {
    IdMap ids;
    std::string line = format_line(callback_on(0xffff1000, 0xffff2000, EP_CB_QUEUED_READY), ids);
    EXPECT_EQ(line,
              "1.500000123 callback tgid=7 tid=8 cpu=2 src=fentry ep=ep#1 epi=epi#1 file=- fd=4 "
              "key=IN events=IN|ET outcome=queued_ready waiters=1");
}

TEST(RecordText, IdsAreStablePerAddressAndPerSpace) {
    IdMap ids;
    EXPECT_EQ(ids.name(AddrSpace::Instance, 0xa), "ep#1");
    EXPECT_EQ(ids.name(AddrSpace::Instance, 0xb), "ep#2");
    EXPECT_EQ(ids.name(AddrSpace::Instance, 0xa), "ep#1");
    EXPECT_EQ(ids.name(AddrSpace::Item, 0xa), "epi#1");
    EXPECT_EQ(ids.name(AddrSpace::File, 0xb), "file#1");
    EXPECT_EQ(ids.name(AddrSpace::Item, 0), "");
    IdMap raw(true);
    EXPECT_EQ(raw.name(AddrSpace::Instance, 0xffff888100001000), "0xffff888100001000");
}

// Mismatch messages name instances and files as dump does, by first sight.
// Numbers stay in order of first sight across the table's growth, and note() numbers an
// address exactly as name() would.
TEST(RecordText, IdsKeepTheirNumbersAsTheTableGrows) {
    IdMap ids;
    constexpr std::uint64_t kBase = 0xffff888100000000ull;
    for (std::uint64_t i = 0; i < 100'000; ++i) {
        if (i % 2)
            ids.note(AddrSpace::Item, kBase + i * 0x40);
        else
            EXPECT_EQ(ids.name(AddrSpace::Item, kBase + i * 0x40), "epi#" + std::to_string(i + 1));
    }
    for (std::uint64_t i = 0; i < 100'000; i += 997)
        EXPECT_EQ(ids.name(AddrSpace::Item, kBase + i * 0x40), "epi#" + std::to_string(i + 1));
    EXPECT_EQ(ids.name(AddrSpace::Instance, kBase), "ep#1");
    EXPECT_EQ(ids.name(AddrSpace::Item, 0), "");
}

TEST(RecordText, AddressesInAMessageBecomeTheTracesIds) {
    IdMap ids;
    EXPECT_EQ(ids.name(AddrSpace::Instance, 0xffff8881a), "ep#1");
    EXPECT_EQ(name_addresses_in_text("ready list of ep 0xffff8881b: position 0: kernel fd 21 "
                                     "file 0xffff8882c, model fd 20 file unknown",
                                     ids),
              "ready list of ep#2: position 0: kernel fd 21 file#1, model fd 20 file unknown");
    EXPECT_EQ(name_addresses_in_text("ep 0xffff8881a freed; sleep 0x10; deep 0x5", ids),
              "ep#1 freed; sleep 0x10; deep 0x5");
    IdMap raw(true);
    const std::string line = "harvest end of ep 0xffff8881b: kernel ready 1";
    EXPECT_EQ(name_addresses_in_text(line, raw), line);
}

TEST(RecordText, JsonHasHeaderAndFieldsAndIsValid) {
    IdMap ids;
    std::string j = format_json(callback_on(0xffff1000, 0, EP_CB_IGNORED_DISARMED), ids);
    EXPECT_EQ(j,
              "{\"ts\":1500000123,\"kind\":\"callback\",\"tgid\":7,\"tid\":8,\"cpu\":2,"
              "\"source\":\"fentry\",\"inferred\":false,\"ep\":\"ep#1\",\"epi\":null,"
              "\"file\":null,\"fd\":4,\"key\":\"IN\",\"events\":\"IN|ET\","
              "\"outcome\":\"ignored_disarmed\",\"waiters\":1}");
    EXPECT_TRUE(nlohmann::json::accept(j));
}

TEST(RecordText, EveryKindRendersValidJsonWithItsName) {
    IdMap ids;
    for (const Record& r : epscope::testing::one_of_each_kind()) {
        std::string j = format_json(r, ids);
        EXPECT_TRUE(nlohmann::json::accept(j)) << j;
        EXPECT_NE(j.find(std::string("\"kind\":\"") + std::string(abi::kind_name(r.kind()))),
                  std::string::npos);
        EXPECT_FALSE(fields_of(r).empty()) << abi::kind_name(r.kind());
        EXPECT_EQ(j.find("0xffff8881"), std::string::npos) << "kernel address leaked: " << j;
        std::string line = format_line(r, ids);
        EXPECT_EQ(line.find('\n'), std::string::npos);
    }
}

// format_json writes its line by hand (the export's hot path): it must be the very bytes
// nlohmann-json writes for the same document, strings with quotes, control bytes, DEL and
// bytes that are not UTF-8 included.
TEST(RecordText, JsonLineIsWhatNlohmannWritesForTheSameDocument) {
    std::vector<Record> records = epscope::testing::one_of_each_kind();
    auto odd = make<ep_process>(EP_KIND_PROCESS, 5, 7, 7);
    std::memcpy(odd.comm, "a\"b\\\x01\x7f\xe9\xc3\xa9", 10);
    records.push_back(Record::of(odd));
    for (const Record& r : records) {
        IdMap ids_line, ids_doc;
        const std::string line = format_json(r, ids_line, "12:00:00.000000001");
        const ep_header& h = r.header();
        nlohmann::ordered_json doc = {{"ts", h.ts},
                                      {"wall_time", "12:00:00.000000001"},
                                      {"kind", std::string(abi::kind_name(h.kind))},
                                      {"tgid", h.tgid},
                                      {"tid", h.tid},
                                      {"cpu", h.cpu},
                                      {"source", source_name(h.source)},
                                      {"inferred", (h.flags & EP_FLAG_INFERRED) != 0}};
        const nlohmann::ordered_json fields = fields_object(r, ids_doc);
        for (const auto& [k, v] : fields.items()) doc[k] = v;
        EXPECT_EQ(line, json_text(doc)) << abi::kind_name(h.kind);
    }
}

TEST(RecordText, EventMasks) {
    EXPECT_EQ(events_text(0), "0");
    EXPECT_EQ(events_text(0x1 | 0x4 | 0x2000 | (1u << 30)), "IN|OUT|RDHUP|ONESHOT");
    EXPECT_EQ(events_text(0x1 | 0x800), "IN|0x800");
}

TEST(RecordText, EnumsOutOfRangeAreNamedAsUnknown) {
    EXPECT_EQ(callback_outcome_name(1), "queued_overflow");
    EXPECT_EQ(callback_outcome_name(99), "unknown(99)");
    EXPECT_EQ(remove_reason_name(2), "teardown");
    EXPECT_EQ(fd_type_name(9), "epoll");
}

TEST(RecordText, JsonEscapesControlAndHighBytes) {
    // A byte that is not UTF-8 becomes U+FFFD; UTF-8 is kept, as its code point.
    EXPECT_EQ(json_escape("a\"b\\c\n\x01\xe9"), "a\\\"b\\\\c\\n\\u0001\\ufffd");
    EXPECT_EQ(json_escape("caf\xc3\xa9"), "caf\\u00e9");
    EXPECT_TRUE(nlohmann::json::accept("\"" + json_escape("x\x7f\xff\"") + "\""));
}

TEST(RecordText, FixedTextStopsAtNulOrLength) {
    char full[4] = {'a', 'b', 'c', 'd'};
    EXPECT_EQ(fixed_text(full, 4), "abcd");
    char shorter[4] = {'a', 0, 'c', 'd'};
    EXPECT_EQ(fixed_text(shorter, 4), "a");
}

}  // namespace
}  // namespace epscope::stream

namespace epscope::stream {
namespace {

ep_sock_name sock(std::uint16_t family, std::uint16_t type, std::uint8_t state) {
    auto r = epscope::testing::make<ep_sock_name>(EP_KIND_SOCK_NAME, 1);
    r.family = family, r.type = type, r.state = state;
    return r;
}

// SOCK_NAME says what /proc naming says ("TCP 127.0.0.1:8080->...").
TEST(SockName, Ipv4ConnectedAndListening) {
    auto r = sock(AF_INET, SOCK_STREAM, 1);
    const std::uint8_t lo[4] = {127, 0, 0, 1}, peer[4] = {10, 1, 2, 3};
    std::memcpy(r.local_addr, lo, 4), std::memcpy(r.peer_addr, peer, 4);
    r.local_port = 8080, r.peer_port = 51234;
    SockNameText t = sock_name_text(r);
    EXPECT_EQ(t.type, EP_FD_TCP);
    EXPECT_EQ(t.name, "TCP 127.0.0.1:8080->10.1.2.3:51234");
    EXPECT_TRUE(t.complete);
    r.state = 10, r.peer_port = 0, std::memset(r.peer_addr, 0, 16);
    t = sock_name_text(r);
    EXPECT_EQ(t.name, "TCP 127.0.0.1:8080 (listening)");
    EXPECT_TRUE(t.complete);
}

TEST(SockName, Ipv6UdpAndUnconnectedTcp) {
    auto r = sock(AF_INET6, SOCK_DGRAM, 7);
    r.local_addr[15] = 1, r.local_port = 53;
    SockNameText t = sock_name_text(r);
    EXPECT_EQ(t.type, EP_FD_UDP);
    EXPECT_EQ(t.name, "UDP [::1]:53");
    EXPECT_TRUE(t.complete);
    // A stream socket added before connect(): /proc is asked again later.
    r = sock(AF_INET, SOCK_STREAM, 7);
    t = sock_name_text(r);
    EXPECT_EQ(t.name, "TCP 0.0.0.0:0");
    EXPECT_FALSE(t.complete);
}

TEST(SockName, UnixIsLeftToProc) {
    SockNameText t = sock_name_text(sock(AF_UNIX, SOCK_STREAM, 1));
    EXPECT_EQ(t.type, EP_FD_UNIX);
    EXPECT_FALSE(t.complete);
}

}  // namespace
}  // namespace epscope::stream
