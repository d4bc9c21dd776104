#include "capture/proc_snapshot.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "stream/sock_name.hpp"

namespace epscope::capture {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

namespace {

std::string read_link(const std::string& path) {
    char buf[512];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

struct HexEndpoint {
    std::uint8_t addr[16] = {};
    std::uint16_t port = 0;
};

// "0100007F:1F90" (IPv4 as /proc/net/tcp shows it: the address as a native
// u32, i.e. network order bytes on x86) or its 32-digit IPv6 form.
HexEndpoint parse_hex_endpoint(const std::string& hex, bool v6) {
    HexEndpoint e;
    auto colon = hex.find(':');
    if (colon == std::string::npos || colon != (v6 ? 32u : 8u)) return e;
    for (std::size_t word = 0; word < (v6 ? 4u : 1u); ++word) {
        std::uint32_t w = std::stoul(hex.substr(word * 8, 8), nullptr, 16);
        std::memcpy(&e.addr[word * 4], &w, 4);
    }
    e.port = static_cast<std::uint16_t>(std::stoul(hex.substr(colon + 1), nullptr, 16));
    return e;
}

// Looks an inode up in /proc/PID/net/{tcp,tcp6,udp,udp6}: "TCP a->b".
std::optional<FdName> inet_socket(pid_t tgid, std::uint64_t ino) {
    struct Table {
        const char* file;
        const char* label;
        ep_fd_type type;
        bool v6;
    };
    static constexpr Table tables[] = {{"tcp", "TCP", EP_FD_TCP, false},
                                       {"tcp6", "TCP", EP_FD_TCP, true},
                                       {"udp", "UDP", EP_FD_UDP, false},
                                       {"udp6", "UDP", EP_FD_UDP, true}};
    for (const auto& t : tables) {
        std::ifstream in("/proc/" + std::to_string(tgid) + "/net/" + t.file);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::string sl, local, remote, st, queues, tr, retr, uid, timeout, inode;
            ls >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> inode;
            if (inode.empty() || std::stoull(inode) != ino) continue;
            const HexEndpoint l = parse_hex_endpoint(local, t.v6);
            const HexEndpoint r = parse_hex_endpoint(remote, t.v6);
            const int family = t.v6 ? AF_INET6 : AF_INET;
            return FdName{t.type, ino,
                          stream::inet_socket_text(t.label, family, l.addr, l.port, r.addr, r.port,
                                                   st == "0A")};
        }
    }
    return std::nullopt;
}

std::optional<FdName> unix_socket(std::uint64_t ino) {
    std::ifstream in("/proc/net/unix");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string num, refs, proto, flags, type, st, inode, path;
        ls >> num >> refs >> proto >> flags >> type >> st >> inode >> path;
        if (inode.empty() || std::stoull(inode) != ino) continue;
        return FdName{EP_FD_UNIX, ino, path.empty() ? "unix" : "unix " + path};
    }
    return std::nullopt;
}

std::uint64_t bracket_number(const std::string& link) {
    auto open = link.find('[');
    if (open == std::string::npos) return 0;
    std::uint64_t v = 0;
    std::from_chars(link.data() + open + 1, link.data() + link.size(), v);
    return v;
}

void copy_name(char (&dst)[EP_FD_NAME_LEN], const std::string& src) {
    std::size_t n = std::min(src.size(), sizeof(dst) - 1);
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

template <class T>
T make(ep_kind kind, pid_t tgid) {
    T rec{};
    rec.h.ts = monotonic_ns();
    rec.h.tgid = static_cast<std::uint32_t>(tgid);
    rec.h.tid = static_cast<std::uint32_t>(tgid);
    rec.h.kind = kind;
    rec.h.size = sizeof(T);
    rec.h.source = EP_SOURCE_USER;
    return rec;
}

}  // namespace

std::uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}

std::vector<FdinfoItem> parse_epoll_fdinfo(const std::string& text) {
    std::vector<FdinfoItem> items;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("tfd:", 0) != 0) continue;
        FdinfoItem it;
        unsigned long long data = 0, pos = 0, ino = 0;
        unsigned events = 0, sdev = 0;
        // tfd:        5 events:       19 data:                5  pos:0 ino:3ee sdev:f
        if (std::sscanf(line.c_str(), "tfd: %d events: %x data: %llx pos:%llu ino:%llx sdev:%x",
                        &it.tfd, &events, &data, &pos, &ino, &sdev) >= 3) {
            it.events = events;
            it.data = data;
            it.pos = pos;
            it.ino = ino;
            it.sdev = sdev;
            items.push_back(it);
        }
    }
    return items;
}

namespace {
std::string fd_link(pid_t tgid, int fd) {
    return read_link("/proc/" + std::to_string(tgid) + "/fd/" + std::to_string(fd));
}

// The name of the file `link` (what /proc/TGID/fd/FD reads) shows.
FdName name_of_link(pid_t tgid, int fd, const std::string& link) {
    const std::uint64_t num = bracket_number(link);
    if (link.empty()) return {EP_FD_UNKNOWN, 0, "?"};
    if (link.rfind("socket:", 0) == 0) {
        if (auto n = inet_socket(tgid, num)) return *n;
        if (auto n = unix_socket(num)) return *n;
        return {EP_FD_SOCKET, num, "socket"};
    }
    if (link.rfind("pipe:", 0) == 0) return {EP_FD_PIPE, num, "pipe"};
    if (link == "anon_inode:[eventpoll]") return {EP_FD_EPOLL, 0, "epoll"};
    if (link == "anon_inode:[eventfd]") return {EP_FD_EVENTFD, 0, "eventfd"};
    if (link == "anon_inode:[timerfd]") return {EP_FD_TIMERFD, 0, "timerfd"};
    if (link == "anon_inode:[signalfd]") return {EP_FD_SIGNALFD, 0, "signalfd"};
    if (link.rfind("anon_inode:", 0) == 0) return {EP_FD_OTHER, 0, link.substr(11)};
    struct stat st {};
    if (stat(("/proc/" + std::to_string(tgid) + "/fd/" + std::to_string(fd)).c_str(), &st) == 0)
        return {S_ISREG(st.st_mode) ? EP_FD_FILE : EP_FD_OTHER, st.st_ino, link};
    return {EP_FD_OTHER, 0, link};
}

// A socket found in no table yet (not connected, or its table not read):
// worth asking again.
bool settled(const FdName& n) {
    return n.type != EP_FD_UNKNOWN && !(n.type == EP_FD_SOCKET && n.name == "socket");
}
}  // namespace

FdName name_fd(pid_t tgid, int fd) { return name_of_link(tgid, fd, fd_link(tgid, fd)); }

FdName FdNameCache::name(pid_t tgid, int fd) {
    const std::string link = fd_link(tgid, fd);
    const auto key = std::make_pair(tgid, fd);
    if (link.empty()) {
        names_.erase(key);
        return {EP_FD_UNKNOWN, 0, "?"};
    }
    auto it = names_.find(key);
    if (it != names_.end() && it->second.link == link) return it->second.name;
    ++misses_;
    FdName n = name_of_link(tgid, fd, link);
    if (settled(n))
        names_[key] = Entry{link, n};
    else if (it != names_.end())
        names_.erase(it);
    return n;
}

void FdNameCache::forget(const std::vector<std::uint32_t>& tgids) {
    for (std::uint32_t tgid : tgids) {
        auto first = names_.lower_bound({static_cast<pid_t>(tgid), INT32_MIN});
        auto last = names_.upper_bound({static_cast<pid_t>(tgid), INT32_MAX});
        names_.erase(first, last);
    }
}

ep_fd_name fd_name_record(pid_t tgid, int fd, std::uint64_t ts, const FdName& n) {
    auto rec = make<ep_fd_name>(EP_KIND_FD_NAME, tgid);
    if (ts) rec.h.ts = ts;
    rec.fd = fd;
    rec.type = n.type;
    rec.ino = n.ino;
    copy_name(rec.name, n.name);
    return rec;
}

ep_fd_type ProcSnapshot::name(pid_t tgid, int fd, std::uint64_t ts) {
    FdName n = name_fd(tgid, fd);
    sink_.on_record(stream::Record::of(fd_name_record(tgid, fd, ts, n)));
    return n.type;
}

namespace {
// The parent pid in /proc/PID/stat: "pid (comm) state ppid ...", comm may
// hold spaces and parentheses, so parse after the last ')'.
std::optional<pid_t> parent_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2) return std::nullopt;
    return static_cast<pid_t>(ppid);
}
}  // namespace

std::vector<pid_t> descendants_of(const std::vector<pid_t>& roots) {
    std::vector<std::pair<pid_t, pid_t>> parent;  // (ppid, pid) of every process
    if (DIR* dir = opendir("/proc")) {
        while (dirent* e = readdir(dir)) {
            pid_t pid = 0;
            auto [end, ec] = std::from_chars(e->d_name, e->d_name + std::strlen(e->d_name), pid);
            if (ec != std::errc() || *end != '\0') continue;
            if (auto pp = parent_of(pid)) parent.emplace_back(*pp, pid);
        }
        closedir(dir);
    }
    std::vector<pid_t> out;
    std::vector<pid_t> frontier = roots;
    while (!frontier.empty()) {
        pid_t p = frontier.back();
        frontier.pop_back();
        for (const auto& [pp, pid] : parent) {
            if (pp != p || pid == p) continue;
            if (std::find(out.begin(), out.end(), pid) != out.end()) continue;
            if (std::find(roots.begin(), roots.end(), pid) != roots.end()) continue;
            out.push_back(pid);
            frontier.push_back(pid);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::vector<int>> ProcSnapshot::describe_process(pid_t tgid) {
    const std::string base = "/proc/" + std::to_string(tgid);
    std::string comm = read_file(base + "/comm");
    if (comm.empty()) return std::nullopt;
    if (comm.back() == '\n') comm.pop_back();

    auto proc = make<ep_process>(EP_KIND_PROCESS, tgid);
    proc.what = EP_PROC_FOUND;
    std::string status = read_file(base + "/status");
    if (auto p = status.find("PPid:"); p != std::string::npos)
        proc.parent_tgid = std::strtoul(status.c_str() + p + 5, nullptr, 10);
    std::strncpy(proc.comm, comm.c_str(), sizeof(proc.comm) - 1);
    sink_.on_record(stream::Record::of(proc));

    std::vector<int> epolls;
    DIR* dir = opendir((base + "/fd").c_str());
    if (!dir) return epolls;
    std::vector<int> fds;
    while (dirent* e = readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        fds.push_back(std::atoi(e->d_name));
    }
    closedir(dir);
    std::sort(fds.begin(), fds.end());
    for (int fd : fds) {
        if (name(tgid, fd) == EP_FD_EPOLL) epolls.push_back(fd);
    }
    return epolls;
}

bool ProcSnapshot::snapshot_process(pid_t tgid) {
    const auto epolls = describe_process(tgid);
    if (!epolls) return false;
    for (int epfd : *epolls)
        if (auto items = read_epoll(tgid, epfd)) emit_epoll(tgid, epfd, 0, *items);
    return true;
}

std::optional<std::vector<FdinfoItem>> ProcSnapshot::read_epoll(pid_t tgid, int epfd) {
    if (read_link("/proc/" + std::to_string(tgid) + "/fd/" + std::to_string(epfd)) !=
        "anon_inode:[eventpoll]")
        return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(tgid) + "/fdinfo/" + std::to_string(epfd));
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_epoll_fdinfo(ss.str());
}

void ProcSnapshot::emit_epoll(pid_t tgid, int epfd, std::uint64_t ep,
                              const std::vector<FdinfoItem>& items) {
    struct stat st {};
    stat(("/proc/" + std::to_string(tgid) + "/fd/" + std::to_string(epfd)).c_str(), &st);
    const std::uint32_t id = next_snapshot_id_++;
    auto inst = make<ep_snapshot_instance>(EP_KIND_SNAPSHOT_INSTANCE, tgid);
    inst.ep = ep;
    inst.ino = st.st_ino;
    inst.epfd = epfd;
    inst.items = static_cast<std::uint32_t>(items.size());
    inst.snapshot_id = id;
    sink_.on_record(stream::Record::of(inst));
    for (const auto& it : items) {
        auto rec = make<ep_snapshot_item>(EP_KIND_SNAPSHOT_ITEM, tgid);
        rec.epfd = epfd;
        rec.tfd = it.tfd;
        rec.events = it.events;
        rec.data = it.data;
        rec.pos = it.pos;
        rec.ino = it.ino;
        rec.sdev = it.sdev;
        rec.snapshot_id = id;
        sink_.on_record(stream::Record::of(rec));
    }
}

}  // namespace epscope::capture
