#include "script.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace epscope::poller {

namespace {

std::string hex(unsigned long long v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", v);
    return buf;
}

nlohmann::ordered_json items_json(const std::vector<ExpectedItem>& items) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const ExpectedItem& it : items)
        out.push_back({{"tfd", it.tfd}, {"events", hex(it.events)}, {"data", hex(it.data)}});
    return out;
}

bool less(const ExpectedItem& a, const ExpectedItem& b) {
    if (a.tfd != b.tfd) return a.tfd < b.tfd;
    if (a.events != b.events) return a.events < b.events;
    return a.data < b.data;
}

bool same(const ExpectedItem& a, const ExpectedItem& b) {
    return a.tfd == b.tfd && a.events == b.events && a.data == b.data;
}

}  // namespace

bool read_fdinfo(int epfd, std::vector<ExpectedItem>& items) {
    std::ifstream in("/proc/self/fdinfo/" + std::to_string(epfd));
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
        // tfd:        5 events:       19 data:                5  pos:0 ino:... sdev:...
        if (line.rfind("tfd:", 0) != 0) continue;
        std::istringstream ls(line);
        std::string key;
        ExpectedItem it{};
        ls >> key >> it.tfd >> key >> std::hex >> it.events >> key >> it.data;
        if (!ls) return false;
        items.push_back(it);
    }
    return true;
}

void Script::checkpoint(const std::string& label, int epfd, std::vector<ExpectedItem> expected) {
    nlohmann::ordered_json line = {{"checkpoint", next_++}, {"label", label},
                                   {"scenario", scenario_}, {"pid", getpid()},
                                   {"epfd", epfd},          {"items", expected.size()}};
    if (verify_) {
        std::vector<ExpectedItem> actual;
        const bool readable = read_fdinfo(epfd, actual);
        std::sort(expected.begin(), expected.end(), less);
        std::sort(actual.begin(), actual.end(), less);
        std::vector<ExpectedItem> missing, unexpected;
        std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                            std::back_inserter(missing), less);
        std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                            std::back_inserter(unexpected), less);
        const bool match =
            readable && missing.empty() && unexpected.empty() &&
            std::equal(expected.begin(), expected.end(), actual.begin(), actual.end(), same);
        if (!match) ++failures_;
        line["fdinfo_items"] = actual.size();
        line["match"] = match;
        if (!readable) line["error"] = "cannot read /proc/self/fdinfo";
        // Only the differences are printed: a scenario with thousands of items stays short.
        if (!missing.empty()) line["missing"] = items_json(missing);
        if (!unexpected.empty()) line["unexpected"] = items_json(unexpected);
    }
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

void Script::expect(bool ok, const std::string& what) {
    if (!ok) ++failures_;
    const nlohmann::ordered_json line = {{"check", what}, {"scenario", scenario_}, {"ok", ok}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
}

void fill(int fd, size_t bytes) {
    std::string buf(bytes, 'x');
    size_t off = 0;
    while (off < bytes) {
        const ssize_t n = write(fd, buf.data() + off, bytes - off);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

size_t drain(int fd, size_t max) {
    std::string buf(max, '\0');
    const ssize_t n = read(fd, buf.data(), max);
    return n > 0 ? static_cast<size_t>(n) : 0;
}

void signal_eventfd(int fd) {
    const uint64_t one = 1;
    if (write(fd, &one, sizeof one) != sizeof one) std::perror("eventfd write");
}

int wait_events(int epfd, epoll_event* ev, int max, int timeout_ms) {
    int n;
    do {
        n = epoll_wait(epfd, ev, max, timeout_ms);
    } while (n < 0 && errno == EINTR);
    return n;
}

}  // namespace epscope::poller
