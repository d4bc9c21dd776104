#include "trace/export.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sample_records.hpp"
#include "test_util.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::trace {
namespace {

using epscope::testing::make;
using epscope::testing::one_of_each_kind;
using epscope::testing::read_text;
using epscope::testing::ScratchDir;
using stream::Record;

std::size_t count(const std::string& s, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
}

// A known stream: process 100 (threads 101, 102) with two waits on 101,
// one of them harvesting, a wait on 102 that never ends, plus one of every kind.
std::vector<Record> known_stream() {
    std::vector<Record> v;
    auto proc = make<ep_process>(EP_KIND_PROCESS, 10, 100, 100);
    proc.what = EP_PROC_FOUND;
    std::memcpy(proc.comm, "server", 6);
    v.push_back(Record::of(proc));
    auto thr = make<ep_process>(EP_KIND_PROCESS, 11, 100, 102);
    thr.what = EP_PROC_THREAD;
    std::memcpy(thr.comm, "worker", 6);
    v.push_back(Record::of(thr));
    std::uint64_t ts = 1000;
    for (int i = 0; i < 2; ++i) {
        auto wb = make<ep_wait_begin>(EP_KIND_WAIT_BEGIN, ts += 100, 100, 101);
        wb.ep = 0xffff0001, wb.epfd = 3, wb.maxevents = 8, wb.timeout_ns = -1;
        v.push_back(Record::of(wb));
        auto cb = make<ep_callback>(EP_KIND_CALLBACK, ts += 100, 100, 103);
        cb.ep = 0xffff0001, cb.epi = 0xffff0002, cb.fd = 5, cb.key = 1, cb.events = 1;
        v.push_back(Record::of(cb));
        auto wk = make<ep_wakeup>(EP_KIND_WAKEUP, ts += 100, 100, 103);
        wk.ep = 0xffff0001, wk.woken_tid = 101;
        v.push_back(Record::of(wk));
        auto hb = make<ep_harvest_begin>(EP_KIND_HARVEST_BEGIN, ts += 100, 100, 101);
        hb.ep = 0xffff0001;
        v.push_back(Record::of(hb));
        auto hi = make<ep_harvest_item>(EP_KIND_HARVEST_ITEM, ts += 100, 100, 101);
        hi.ep = 0xffff0001, hi.data = 5, hi.revents = 1;
        v.push_back(Record::of(hi));
        auto he = make<ep_harvest_end>(EP_KIND_HARVEST_END, ts += 100, 100, 101);
        he.ep = 0xffff0001, he.ready = 0;
        v.push_back(Record::of(he));
        auto we = make<ep_wait_end>(EP_KIND_WAIT_END, ts += 100, 100, 101);
        we.ep = 0xffff0001, we.epfd = 3, we.result = 1;
        v.push_back(Record::of(we));
    }
    auto open_wait = make<ep_wait_begin>(EP_KIND_WAIT_BEGIN, ts += 100, 100, 102);
    open_wait.ep = 0xffff0001, open_wait.epfd = 3, open_wait.maxevents = 1;
    v.push_back(Record::of(open_wait));
    for (const auto& r : one_of_each_kind(ts + 100)) v.push_back(r);
    return v;
}

std::filesystem::path write_trace(const ScratchDir& dir, const std::vector<Record>& recs) {
    auto path = dir / "k.eps";
    TraceWriter w(path, TraceHeader{});
    for (const auto& r : recs) w.on_record(r);
    w.close();
    return path;
}

TEST(Export, JsonLinesOneValidObjectPerRecord) {
    ScratchDir dir;
    auto recs = known_stream();
    TraceReader rd(write_trace(dir, recs));
    auto out = dir / "k.jsonl";
    EXPECT_EQ(export_trace(rd, ExportFormat::JsonLines, out), recs.size());
    EXPECT_FALSE(std::filesystem::exists(dir / "k.jsonl.partial"));
    std::istringstream in(read_text(out));
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        EXPECT_TRUE(nlohmann::json::accept(line)) << line;
        ++n;
    }
    EXPECT_EQ(n, recs.size());
    std::string text = read_text(out);
    EXPECT_EQ(text.find("0xffff"), std::string::npos) << "addresses must be replaced";
    EXPECT_NE(text.find("\"ep\":\"ep#1\""), std::string::npos);
}

TEST(Export, JsonLinesRawAddressesOnRequest) {
    ScratchDir dir;
    TraceReader rd(write_trace(dir, known_stream()));
    auto out = dir / "raw.jsonl";
    export_trace(rd, ExportFormat::JsonLines, out,
                 ExportOptions{.raw_addresses = true, .force = false, .filter = {}});
    EXPECT_NE(read_text(out).find("\"ep\":\"0xffff0001\""), std::string::npos);
}

TEST(Export, ChromeTraceIsValidWithSlicesInstantsAndNames) {
    ScratchDir dir;
    auto recs = known_stream();
    TraceReader rd(write_trace(dir, recs));
    auto out = dir / "k.json";
    export_trace(rd, ExportFormat::Chrome, out);
    std::string text = read_text(out);
    ASSERT_TRUE(nlohmann::json::accept(text)) << text;
    const auto events = nlohmann::json::parse(text).at("traceEvents");
    // Parsed, besides the text's own layout checked below: how many events of a name and phase.
    auto events_of = [&](const std::string& field, const std::string& value,
                         const std::string& ph) {
        return std::count_if(events.begin(), events.end(), [&](const nlohmann::json& e) {
            return e.value(field, "") == value && e.value("ph", "") == ph;
        });
    };
    EXPECT_EQ(text.rfind("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 0), 0u);
    // Waits: two finished on 101, one unfinished on 102, one from the samples
    // (tid 101, closed by its WAIT_END). Harvests: two plus the samples' one.
    EXPECT_EQ(events_of("name", "epoll_wait", "X"), 4);
    EXPECT_EQ(events_of("name", "harvest", "X"), 3);
    EXPECT_EQ(std::count_if(events.begin(), events.end(),
                            [](const nlohmann::json& e) {
                                return e.contains("args") && e["args"].value("unfinished", false);
                            }),
              1);
    // Callbacks: 2 + 1, wakeups 2 + 1, harvest items 2 + 1.
    EXPECT_EQ(events_of("cat", "callback", "i"), 3);
    EXPECT_EQ(events_of("cat", "wakeup", "i"), 3);
    EXPECT_EQ(events_of("cat", "harvest_item", "i"), 3);
    EXPECT_NE(text.find("\"name\":\"process_name\",\"ph\":\"M\",\"pid\":100,\"tid\":100,"
                        "\"args\":{\"name\":\"server\"}"),
              std::string::npos);
    EXPECT_NE(text.find("\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":100,\"tid\":102,"
                        "\"args\":{\"name\":\"worker\"}"),
              std::string::npos);
    // First wait on tid 101: begins at 1100, ends at 1700 -> 0.6 us.
    EXPECT_EQ(std::count_if(events.begin(), events.end(),
                            [](const nlohmann::json& e) {
                                return e.value("name", "") == "epoll_wait" &&
                                       e.value("tid", 0) == 101 && e.value("ts", 0.0) == 1.1 &&
                                       e.value("dur", 0.0) == 0.6 && e.value("pid", 0) == 100;
                            }),
              1);
    // The wait that never ends: comes back with its result missing, marked.
    EXPECT_NE(text.find("\"tid\":102,\"args\":{\"ep\":\"ep#1\",\"epfd\":3,\"maxevents\":1"),
              std::string::npos);
}

TEST(Export, CsvSummaryCountsPerKindPerProcess) {
    ScratchDir dir;
    auto recs = known_stream();
    TraceReader rd(write_trace(dir, recs));
    auto out = dir / "k.csv";
    export_trace(rd, ExportFormat::CsvSummary, out);
    std::string text = read_text(out);
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "tgid,comm,kind,count");
    // The samples' PROCESS record (tgid 100 too) is an exec to a comm that
    // needs quoting: the last name of a process wins.
    EXPECT_NE(text.find("100,\"poller\"\"x,y\",wait_begin,4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("100,\"poller\"\"x,y\",callback,2\n"), std::string::npos) << text;
    EXPECT_EQ(count(text, "\n200,"), 2u) << text;  // callback + wakeup in tgid 200
    std::uint64_t total = 0;
    while (std::getline(in, line)) total += std::stoull(line.substr(line.rfind(',') + 1));
    EXPECT_EQ(total, recs.size());
}

TEST(Export, FailedExportLeavesNoFile) {
    ScratchDir dir;
    auto out = dir / "never.jsonl";
    {
        JsonLinesExporter e(out);
        e.on_record(one_of_each_kind()[0]);
        EXPECT_TRUE(std::filesystem::exists(dir / "never.jsonl.partial"));
    }
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_FALSE(std::filesystem::exists(dir / "never.jsonl.partial"));
}

}  // namespace
}  // namespace epscope::trace
