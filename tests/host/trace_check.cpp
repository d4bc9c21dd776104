// trace-check: compares a trace recorded around epoll-script with the
// script's own log. Every epoll_ctl and epoll_wait call (and every returned
// event) must be in the trace, in order, with nothing extra; with --expect
// kernel, the kernel-side facts too: item identities, callback outcomes, the
// waiter's sleep and wakeup, harvests with their lists, removal at close and
// teardown. Prints one line per failed check and exits 1 if any failed.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "stream/record_text.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

using epscope::stream::Record;

namespace {

struct Ctl {
    std::string op;
    int epfd, fd;
    unsigned events;
    unsigned long long data;
    int result;
};
struct Wait {
    int epfd, maxevents, result, tid;
    std::vector<std::pair<unsigned, unsigned long long>> events;
};
struct Log {
    int pid = 0;
    std::vector<Ctl> ctls;
    std::vector<Wait> waits;
    std::vector<std::pair<int, std::string>> callbacks;
    std::vector<int> wakeups, closes, frees;
    std::vector<Ctl> snapshot;  // items registered before the tracer attached
};

Log parse_log(const std::string& path) {
    Log log;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string what;
        ls >> what;
        if (what == "pid") ls >> log.pid;
        if (what == "ctl") {
            Ctl c;
            ls >> c.op >> c.epfd >> c.fd >> c.events >> c.data >> c.result;
            log.ctls.push_back(c);
        }
        if (what == "wait") {
            Wait w;
            ls >> w.epfd >> w.maxevents >> w.result >> w.tid;
            log.waits.push_back(w);
        }
        if (what == "event") {
            int i;
            unsigned rev;
            unsigned long long data;
            ls >> i >> rev >> data;
            log.waits.back().events.emplace_back(rev, data);
        }
        if (what == "callback") {
            int fd;
            std::string outcome;
            ls >> fd >> outcome;
            log.callbacks.emplace_back(fd, outcome);
        }
        if (what == "snapshot") {
            Ctl c{"add", 0, 0, 0, 0, 0};
            ls >> c.epfd >> c.fd >> c.events >> c.data;
            log.snapshot.push_back(c);
        }
        if (what == "wakeup") log.wakeups.push_back(0), ls >> log.wakeups.back();
        if (what == "close") log.closes.push_back(0), ls >> log.closes.back();
        if (what == "free") log.frees.push_back(0), ls >> log.frees.back();
    }
    return log;
}

int failures = 0;
void fail(const std::string& what) {
    ++failures;
    std::printf("FAIL %s\n", what.c_str());
}
void check(bool ok, const std::string& what) {
    if (!ok) fail(what);
}

// The trace's records, in order; false (after saying why) if it cannot be read.
bool read_trace(const char* path, std::vector<Record>& recs) {
    try {
        epscope::trace::TraceReader reader(path);
        Record r;
        while (reader.next(r)) recs.push_back(r);
        check(!reader.truncated(), "trace file was not closed cleanly");
    } catch (const epscope::trace::TraceError& e) {
        std::fprintf(stderr, "trace-check: %s\n", e.what());
        return false;
    }
    return true;
}

// The records of the script's process, plus the kernel-side records any process may
// cause it (callbacks, wakeups, removals, frees, harvest ends, walks); fails on an
// epoll call of another process (nothing extra).
std::vector<Record> script_records(const std::vector<Record>& recs, const Log& log) {
    std::vector<Record> mine;
    for (const auto& r : recs) {
        const auto k = r.kind();
        const bool epoll_call = k == EP_KIND_INSTANCE_CREATE || k == EP_KIND_ITEM_INSERT ||
                                k == EP_KIND_ITEM_MODIFY || k == EP_KIND_WAIT_BEGIN ||
                                k == EP_KIND_WAIT_END || k == EP_KIND_HARVEST_ITEM;
        if (epoll_call && r.header().tgid != static_cast<unsigned>(log.pid))
            fail("record of another process: " + std::string(epscope::abi::kind_name(k)) +
                 " tgid " + std::to_string(r.header().tgid));
        if (r.header().tgid == static_cast<unsigned>(log.pid) || k == EP_KIND_CALLBACK ||
            k == EP_KIND_WAKEUP || k == EP_KIND_ITEM_REMOVE || k == EP_KIND_INSTANCE_FREE ||
            k == EP_KIND_HARVEST_END || k == EP_KIND_KERNEL_NODE || k == EP_KIND_WALK_END)
            mine.push_back(r);
    }
    return mine;
}

// Items made before the tracer attached: described from /proc/PID/fdinfo.
void check_snapshot(const Log& log, const std::vector<Record>& recs) {
    for (const Ctl& c : log.snapshot) {
        bool found = false;
        for (const auto& r : recs) {
            if (r.kind() != EP_KIND_SNAPSHOT_ITEM) continue;
            const auto& it = r.as<ep_snapshot_item>();
            // fdinfo shows the mask the kernel keeps: EPOLLERR|EPOLLHUP always added.
            found |= it.h.tgid == static_cast<unsigned>(log.pid) && it.epfd == c.epfd &&
                     it.tfd == c.fd && it.data == c.data &&
                     (it.events & ~0x18u) == (c.events & ~0x18u);
        }
        check(found, "item fd " + std::to_string(c.fd) + " of epfd " + std::to_string(c.epfd) +
                         " registered before attach is not in the /proc snapshot");
    }
}

// The kernel's identities seen so far, for the later checks to compare with.
struct Identities {
    std::map<std::pair<int, int>, std::uint64_t> epi_of;  // (epfd, fd) -> epitem
    std::map<int, std::uint64_t> ep_of;                   // epfd -> eventpoll
};

// One EPOLL_CTL_DEL record against the script's call.
void check_ctl_del(const Record& r, const Ctl& c, const std::string& where, bool kernel,
                   Identities& ids) {
    const auto& d = r.as<ep_item_remove>();
    check(c.op == "del" && d.epfd == c.epfd && d.fd == c.fd && d.result == c.result,
          where + ": trace has del epfd " + std::to_string(d.epfd) + " fd " + std::to_string(d.fd) +
              " result " + std::to_string(d.result));
    if (kernel && c.result == 0)
        check(d.epi && d.epi == ids.epi_of[{c.epfd, c.fd}],
              where + ": removed epitem is not the inserted one");
}

// One EPOLL_CTL_ADD or EPOLL_CTL_MOD record against the script's call.
void check_ctl_add_mod(const Record& r, const Ctl& c, const std::string& where, bool kernel,
                       Identities& ids) {
    const auto k = r.kind();
    const auto& m = r.as<ep_item_ctl>();
    check(c.op == (k == EP_KIND_ITEM_INSERT ? "add" : "mod") && m.epfd == c.epfd && m.fd == c.fd &&
              m.events == c.events && m.data == c.data && m.result == c.result,
          where + ": trace has epfd " + std::to_string(m.epfd) + " fd " + std::to_string(m.fd) +
              " events " + std::to_string(m.events) + " data " + std::to_string(m.data) +
              " result " + std::to_string(m.result));
    if (!kernel || c.result != 0) return;
    check(m.ep && m.epi && m.file, where + ": missing kernel identities (ep/epi/file)");
    check(m.ep == ids.ep_of[c.epfd], where + ": instance differs from epoll_create's");
    if (k == EP_KIND_ITEM_INSERT)
        ids.epi_of[{c.epfd, c.fd}] = m.epi;
    else
        check(m.epi == ids.epi_of[{c.epfd, c.fd}],
              where + ": modified epitem is not the inserted one");
}

// epoll_ctl: one record per call, in order, with its arguments and result.
void check_ctls(const Log& log, const std::vector<Record>& mine, bool kernel, Identities& ids) {
    epscope::stream::IdMap raw_ids(true);
    std::size_t ci = 0;
    for (const auto& r : mine) {
        const auto k = r.kind();
        if (k == EP_KIND_INSTANCE_CREATE)
            ids.ep_of[r.as<ep_instance_create>().epfd] = r.as<ep_instance_create>().ep;
        if (k != EP_KIND_ITEM_INSERT && k != EP_KIND_ITEM_MODIFY &&
            !(k == EP_KIND_ITEM_REMOVE && r.as<ep_item_remove>().reason == EP_REMOVE_CTL))
            continue;
        if (ci >= log.ctls.size()) {
            fail("extra epoll_ctl record: " + epscope::stream::format_line(r, raw_ids));
            continue;
        }
        const Ctl& c = log.ctls[ci++];
        const std::string where =
            "epoll_ctl #" + std::to_string(ci) + " (" + c.op + " fd " + std::to_string(c.fd) + ")";
        if (k == EP_KIND_ITEM_REMOVE)
            check_ctl_del(r, c, where, kernel, ids);
        else
            check_ctl_add_mod(r, c, where, kernel, ids);
    }
    check(ci == log.ctls.size(), "trace has " + std::to_string(ci) +
                                     " epoll_ctl records, the script made " +
                                     std::to_string(log.ctls.size()));
}

// epoll_wait: begin, delivered events, end, in order.
void check_waits(const Log& log, const std::vector<Record>& mine, bool kernel, Identities& ids) {
    std::size_t wi = 0, begins = 0;
    std::vector<std::pair<unsigned, unsigned long long>> delivered;
    for (const auto& r : mine) {
        if (r.kind() == EP_KIND_WAIT_BEGIN) ++begins, delivered.clear();
        if (r.kind() == EP_KIND_HARVEST_ITEM)
            delivered.emplace_back(r.as<ep_harvest_item>().revents, r.as<ep_harvest_item>().data);
        if (r.kind() != EP_KIND_WAIT_END) continue;
        if (wi >= log.waits.size()) {
            fail("extra epoll_wait record");
            continue;
        }
        const Wait& w = log.waits[wi++];
        const auto& e = r.as<ep_wait_end>();
        const std::string where = "epoll_wait #" + std::to_string(wi);
        check(e.epfd == w.epfd && e.result == w.result && static_cast<int>(e.h.tid) == w.tid,
              where + ": trace has epfd " + std::to_string(e.epfd) + " result " +
                  std::to_string(e.result) + " tid " + std::to_string(e.h.tid));
        check(delivered == w.events, where + ": delivered events differ (" +
                                         std::to_string(delivered.size()) + " in trace, " +
                                         std::to_string(w.events.size()) + " returned)");
        if (kernel)
            check(e.ep == ids.ep_of[w.epfd], where + ": instance differs from epoll_create's");
    }
    check(wi == log.waits.size() && begins == log.waits.size(),
          "trace has " + std::to_string(begins) + " wait begins and " + std::to_string(wi) +
              " ends, the script made " + std::to_string(log.waits.size()));
}

// The expected callback outcomes per fd must appear in that order (the kernel may
// add others, e.g. the EPOLLOUT wakeup an eventfd read causes).
void check_callbacks(const Log& log, const std::vector<Record>& mine,
                     std::map<int, std::uint64_t>& epi_by_fd) {
    std::map<std::uint64_t, std::vector<std::string>> outcomes;
    for (const auto& r : mine)
        if (r.kind() == EP_KIND_CALLBACK)
            outcomes[r.as<ep_callback>().epi].push_back(
                epscope::stream::callback_outcome_name(r.as<ep_callback>().outcome));
    std::map<int, std::size_t> pos;
    for (const auto& [fd, outcome] : log.callbacks) {
        const auto& seen = outcomes[epi_by_fd[fd]];
        std::size_t& p = pos[fd];
        while (p < seen.size() && seen[p] != outcome) ++p;
        check(p < seen.size(), "callback on fd " + std::to_string(fd) + " with outcome " + outcome +
                                   " not found in order");
        if (p < seen.size()) ++p;
    }
}

// Each waiter the script saw woken was seen asleep and then woken.
void check_waiters(const Log& log, const std::vector<Record>& mine) {
    for (int tid : log.wakeups) {
        bool woken = false, slept = false;
        for (const auto& r : mine) {
            woken |=
                r.kind() == EP_KIND_WAKEUP && static_cast<int>(r.as<ep_wakeup>().woken_tid) == tid;
            slept |= r.kind() == EP_KIND_WAIT_SLEEP && static_cast<int>(r.header().tid) == tid;
        }
        check(slept, "waiter " + std::to_string(tid) + " never seen asleep");
        check(woken, "waiter " + std::to_string(tid) + " never seen woken");
    }
}

// Each wait that returned events harvested (HARVEST_BEGIN..END inside it), and the
// maxevents=1 wait left two items on the txlist.
void check_harvests(const Log& log, const std::vector<Record>& mine) {
    int harvests = 0, ends = 0;
    for (const auto& r : mine) {
        harvests += r.kind() == EP_KIND_HARVEST_BEGIN;
        ends += r.kind() == EP_KIND_HARVEST_END;
    }
    int productive = 0;
    for (const auto& w : log.waits) productive += w.result > 0;
    check(harvests >= productive && ends == harvests,
          "harvests: " + std::to_string(harvests) + " begins, " + std::to_string(ends) +
              " ends for " + std::to_string(productive) + " productive waits");
    bool leftover = false;
    for (const auto& r : mine)
        leftover |= r.kind() == EP_KIND_WALK_END && r.as<ep_walk_end>().list == EP_WALK_TXLIST &&
                    r.as<ep_walk_end>().count == 2;
    check(leftover, "no harvest left 2 items on its txlist (the maxevents=1 wait)");
}

// Items removed when their file closed, instances freed, and the two items the
// script left registered removed at teardown.
void check_removals(const Log& log, const std::vector<Record>& mine,
                    std::map<int, std::uint64_t>& epi_by_fd, Identities& ids) {
    for (int fd : log.closes) {
        bool removed = false;
        for (const auto& r : mine)
            removed |= r.kind() == EP_KIND_ITEM_REMOVE &&
                       r.as<ep_item_remove>().reason == EP_REMOVE_FILE_CLOSE &&
                       r.as<ep_item_remove>().epi == epi_by_fd[fd];
        check(removed,
              "closing fd " + std::to_string(fd) + " did not show its item removed (file close)");
    }
    for (int epfd : log.frees) {
        bool freed = false;
        for (const auto& r : mine)
            freed |=
                r.kind() == EP_KIND_INSTANCE_FREE && r.as<ep_instance_free>().ep == ids.ep_of[epfd];
        check(freed, "instance of epfd " + std::to_string(epfd) + " never freed");
    }
    int teardown = 0;
    for (const auto& r : mine)
        teardown +=
            r.kind() == EP_KIND_ITEM_REMOVE && r.as<ep_item_remove>().reason == EP_REMOVE_TEARDOWN;
    check(teardown == 2,
          "expected 2 items removed at teardown, trace has " + std::to_string(teardown));
}

// With --expect kernel: the kernel-side facts the syscall backend cannot see.
void check_kernel_side(const Log& log, const std::vector<Record>& mine, Identities& ids) {
    // fd -> epitem for the callbacks (each fd is in exactly one instance here).
    std::map<int, std::uint64_t> epi_by_fd;
    for (const auto& [key, epi] : ids.epi_of) epi_by_fd[key.second] = epi;
    check_callbacks(log, mine, epi_by_fd);
    check_waiters(log, mine);
    check_harvests(log, mine);
    check_removals(log, mine, epi_by_fd, ids);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 || (std::strcmp(argv[3], "kernel") && std::strcmp(argv[3], "syscall"))) {
        std::fprintf(stderr, "usage: trace-check LOG TRACE kernel|syscall\n");
        return 2;
    }
    const bool kernel = std::strcmp(argv[3], "kernel") == 0;
    const Log log = parse_log(argv[1]);
    if (!log.pid) {
        std::fprintf(stderr, "trace-check: %s has no pid line: is it an epoll-script log?\n",
                     argv[1]);
        return 2;
    }
    std::vector<Record> recs;
    if (!read_trace(argv[2], recs)) return 2;
    const std::vector<Record> mine = script_records(recs, log);
    check_snapshot(log, recs);
    Identities ids;
    check_ctls(log, mine, kernel, ids);
    check_waits(log, mine, kernel, ids);
    if (!kernel) {
        for (const auto& r : mine)
            check(r.kind() != EP_KIND_CALLBACK, "syscall backend reported a callback");
    } else {
        check_kernel_side(log, mine, ids);
    }
    std::printf("trace-check: %zu records, %d failed checks (%s)\n", recs.size(), failures,
                argv[3]);
    return failures ? 1 : 0;
}
