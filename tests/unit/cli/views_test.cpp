// stat, dump and export of one trace name each instance alike (ep#N in order
// of first sight), and stat shows every instance, including the ones known
// only from a /proc snapshot (no kernel address, no item).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "sample_records.hpp"
#include "test_util.hpp"
#include "trace/writer.hpp"

namespace epscope::testing {
namespace {

using stream::Record;

constexpr std::uint64_t kEpA = 0xffff888100a00000, kEpB = 0xffff888100b00000;

// Process 300 creates instance A (epfd 7) first, process 200 instance B
// (epfd 4) later: stat's table lists process 200 first, yet A is ep#1.
std::vector<Record> two_processes() {
    std::vector<Record> v;
    auto a = make<ep_instance_create>(EP_KIND_INSTANCE_CREATE, 1000, 300, 300);
    a.ep = kEpA, a.file = 0xffff888100a10000, a.epfd = 7;
    v.push_back(Record::of(a));
    auto b = make<ep_instance_create>(EP_KIND_INSTANCE_CREATE, 2000, 200, 200);
    b.ep = kEpB, b.file = 0xffff888100b10000, b.epfd = 4;
    v.push_back(Record::of(b));
    return v;
}

// Process 500 traced mid-life: /proc showed four instances, three with no
// items, none with a kernel address (what the tracepoint backend sees).
std::vector<Record> snapshot_only() {
    std::vector<Record> v;
    std::uint64_t ts = 5000;
    for (std::int32_t epfd : {3, 4, 5, 6}) {
        auto s = make<ep_snapshot_instance>(EP_KIND_SNAPSHOT_INSTANCE, ts += 10, 500, 500);
        s.h.source = EP_SOURCE_USER;
        s.ep = 0, s.ino = 9000 + static_cast<std::uint64_t>(epfd), s.epfd = epfd;
        s.items = epfd == 6 ? 1 : 0, s.snapshot_id = 1;
        v.push_back(Record::of(s));
        if (epfd != 6) continue;
        auto i = make<ep_snapshot_item>(EP_KIND_SNAPSHOT_ITEM, ts += 10, 500, 500);
        i.h.source = EP_SOURCE_USER;
        i.epfd = epfd, i.tfd = 9, i.events = 1, i.data = 9, i.snapshot_id = 1;
        v.push_back(Record::of(i));
    }
    return v;
}

// Instance B (ep#2) has item fd 5 on its ready list; a ready walk of B
// (verify mode) shows fd 6 of another file there instead: a mismatch.
constexpr std::uint64_t kFileFd5 = 0xffff888100c05000, kFileFd6 = 0xffff888100c06000;
std::vector<Record> ready_mismatch() {
    std::vector<Record> v = two_processes();
    auto ins = make<ep_item_ctl>(EP_KIND_ITEM_INSERT, 3000, 200, 200);
    ins.ep = kEpB, ins.epi = 0xffff888100d05000, ins.file = kFileFd5, ins.epfd = 4, ins.fd = 5;
    ins.events = 1, ins.data = 5;
    v.push_back(Record::of(ins));
    auto cb = make<ep_callback>(EP_KIND_CALLBACK, 4000, 9, 9);
    cb.ep = kEpB, cb.epi = ins.epi, cb.file = kFileFd5, cb.fd = 5, cb.events = 1;
    cb.outcome = EP_CB_QUEUED_READY;
    v.push_back(Record::of(cb));
    auto node = make<ep_kernel_node>(EP_KIND_KERNEL_NODE, 5000, 200, 200);
    node.ep = kEpB, node.epi = 0xffff888100d06000, node.file = kFileFd6, node.fd = 6;
    node.walk_id = 1, node.list = EP_WALK_READY, node.events = 1;
    v.push_back(Record::of(node));
    auto end = make<ep_walk_end>(EP_KIND_WALK_END, 5100, 200, 200);
    end.ep = kEpB, end.walk_id = 1, end.count = 1, end.list = EP_WALK_READY;
    v.push_back(Record::of(end));
    return v;
}

void write_trace(const std::filesystem::path& p, const std::vector<Record>& records,
                 const std::string& plan = "plan") {
    trace::TraceHeader h;
    h.host = "h";
    h.kernel_release = "6.12.0";
    h.attach_plan = plan;
    trace::TraceWriter w(p, h);
    for (const auto& r : records) w.on_record(r);
    w.close();
}

std::string run(const std::string& args, const std::filesystem::path& out) {
    std::string cmd = std::string(EPSCOPE_BIN) + " " + args + " >" + out.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(rc, 0) << cmd << "\n" << ss.str();
    return ss.str();
}

// The id a line-per-record output gives the instance created with `epfd`.
std::string created_id(const std::string& text, int epfd) {
    std::istringstream in(text);
    std::string line;
    const std::regex ep("\"ep\":\"(ep#[0-9]+)\"");
    while (std::getline(in, line)) {
        if (line.find("instance_create") == std::string::npos ||
            line.find("\"epfd\":" + std::to_string(epfd)) == std::string::npos)
            continue;
        std::smatch m;
        if (std::regex_search(line, m, ep)) return m[1];
    }
    return "not found";
}

// The id stat --json gives the instance reached by `epfd`.
std::string stat_id(const std::string& json, int epfd) {
    std::smatch m;
    const std::regex row("\"ep\":\"([^\"]*)\",\"epfds\":\\[" + std::to_string(epfd) + "\\]");
    return std::regex_search(json, m, row) ? std::string(m[1]) : "not found";
}

TEST(CliViews, StatDumpAndExportGiveAnInstanceTheSameId) {
    ScratchDir dir;
    const auto trace = dir / "ids.trace";
    write_trace(trace, two_processes());
    const std::string stat = run("stat --json " + trace.string(), dir / "stat.out");
    const std::string dump = run("dump --json " + trace.string(), dir / "dump.out");
    run("export -f jsonl -o " + (dir / "x.jsonl").string() + " " + trace.string(), dir / "x.out");
    run("export -f chrome-json -o " + (dir / "x.json").string() + " " + trace.string(),
        dir / "c.out");
    run("export -f perfetto -o " + (dir / "x.pftrace").string() + " " + trace.string(),
        dir / "p.out");
    std::ifstream j(dir / "x.jsonl"), c(dir / "x.json"), p(dir / "x.pftrace", std::ios::binary);
    std::stringstream jsonl, chrome, perfetto;
    jsonl << j.rdbuf();
    chrome << c.rdbuf();
    perfetto << p.rdbuf();
    EXPECT_EQ(created_id(dump, 7), "ep#1") << dump;
    EXPECT_EQ(created_id(dump, 4), "ep#2") << dump;
    for (int epfd : {7, 4}) {
        const std::string id = created_id(dump, epfd);
        EXPECT_EQ(stat_id(stat, epfd), id) << stat;
        EXPECT_EQ(created_id(jsonl.str(), epfd), id) << jsonl.str();
        EXPECT_EQ(created_id(chrome.str(), epfd), id) << chrome.str();
        // The native trace names each instance's track "epoll ep#N epfd E".
        const std::string track = "epoll " + id + " epfd " + std::to_string(epfd);
        EXPECT_NE(perfetto.str().find(track), std::string::npos) << track;
    }
}

// The id dump gives `addr` in its `field=` (e.g. "file=file#4").
std::string dumped_id(const std::string& dump, const std::string& field, std::uint64_t addr,
                      const std::string& raw_dump) {
    std::istringstream in(dump), raw(raw_dump);
    std::string line, raw_line;
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(addr));
    const std::regex id(" " + field + "=([a-z]+#[0-9]+)");
    while (std::getline(in, line) && std::getline(raw, raw_line)) {
        std::smatch m;
        if (raw_line.find(" " + field + "=" + hex) != std::string::npos &&
            std::regex_search(line, m, id))
            return m[1];
    }
    return "not found";
}

// Mismatch messages name instances and files with the ids dump shows, and
// kernel addresses only with --raw-addresses.
TEST(CliViews, MismatchesNameInstancesAndFilesAsDumpDoes) {
    ScratchDir dir;
    const auto trace = dir / "mismatch.trace";
    write_trace(trace, ready_mismatch());
    const std::string dump = run("dump " + trace.string(), dir / "dump.out");
    const std::string raw_dump = run("dump --raw-addresses " + trace.string(), dir / "raw.out");
    const std::string ep = dumped_id(dump, "ep", kEpB, raw_dump);
    const std::string f5 = dumped_id(dump, "file", kFileFd5, raw_dump);
    const std::string f6 = dumped_id(dump, "file", kFileFd6, raw_dump);
    const std::string line =
        "ready list of " + ep + ": position 0: kernel fd 6 " + f6 + ", model fd 5 " + f5;
    const std::string stat = run("stat --mismatches " + trace.string(), dir / "stat.out");
    EXPECT_NE(stat.find("mismatch at 0.000005100 " + line), std::string::npos) << line << "\n"
                                                                               << stat;
    const std::string json = run("stat --json " + trace.string(), dir / "stat.json");
    EXPECT_NE(json.find("\"last_mismatch\":\"" + line + "\""), std::string::npos) << json;
    const std::string raw =
        run("stat --mismatches --raw-addresses " + trace.string(), dir / "raw_stat.out");
    EXPECT_NE(raw.find("ready list of ep 0xffff888100b00000: position 0: kernel fd 6 file "
                       "0xffff888100c06000, model fd 5 file 0xffff888100c05000"),
              std::string::npos)
        << raw;
}

TEST(CliViews, StatShowsEveryInstanceOfASnapshotWithItsEpfd) {
    ScratchDir dir;
    const auto trace = dir / "snap.trace";
    write_trace(trace, snapshot_only());
    const std::string stat = run("stat --json " + trace.string(), dir / "stat.out");
    for (int epfd : {3, 4, 5, 6})
        EXPECT_NE(stat_id(stat, epfd), "not found") << "epfd " << epfd << ": " << stat;
    const std::string text = run("stat " + trace.string(), dir / "stat.txt");
    // One table row per instance: "  -        3 ..." (no kernel address).
    for (int epfd : {3, 4, 5, 6}) {
        const std::regex row("\n  -\\s+" + std::to_string(epfd) + "\\s");
        EXPECT_TRUE(std::regex_search(text, row)) << "epfd " << epfd << ":\n" << text;
    }
}

// A trace whose plan hooked neither ep_poll_callback nor the wakeup and saw
// harvests only at the syscall's exit (the tracepoint backend): stat shows
// those columns "unseen" with a line saying why, never 0; a plan that hooked
// them shows the counts.
TEST(CliViews, StatSaysUnseenForWhatTheBackendCannotSee) {
    ScratchDir dir;
    const auto tp = dir / "tp.trace";
    write_trace(tp, two_processes(),
                "backend tracepoint\nhook callback none\nhook wakeup none\n"
                "hook harvest tracepoint\n");
    const std::string text = run("stat " + tp.string(), dir / "tp.txt");
    // ep#1's row: waits 0, harvests and callbacks unseen, delivered 0, spur.
    // and the latencies unseen.
    const std::regex row(
        "\n  ep#1 +7 +0 +0 +0 +0 +unseen +unseen +0 +unseen +unseen +unseen +- +-");
    EXPECT_TRUE(std::regex_search(text, row)) << text;
    EXPECT_NE(text.find("unseen: harvests, callbacks, wakeups (spurious), callback latency: not "
                        "seen by the tracepoint backend"),
              std::string::npos)
        << text;
    const auto fentry = dir / "fentry.trace";
    write_trace(fentry, two_processes(),
                "backend fentry\nhook callback fentry\nhook wakeup fentry\nhook harvest fentry\n");
    const std::string counted = run("stat " + fentry.string(), dir / "fentry.txt");
    const std::regex counts("\n  ep#1 +7 +0 +0 +0 +0 +0 +0 +0 +0 +- +- +- +-");
    EXPECT_TRUE(std::regex_search(counted, counts)) << counted;
    EXPECT_EQ(counted.find("unseen"), std::string::npos) << counted;
}

}  // namespace
}  // namespace epscope::testing
