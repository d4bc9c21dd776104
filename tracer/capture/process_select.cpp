#include "capture/process_select.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace epscope::capture {
namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC, linux/magic.h
constexpr std::size_t kCommBytes = 15;      // TASK_COMM_LEN - 1

std::string read_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Where the cgroup v2 hierarchy is mounted ("" when it is not): the first
// cgroup2 line of mountinfo ("/sys/fs/cgroup", or ".../unified" on hybrid systems).
std::string cgroup2_mount() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        const auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream f(line);
        std::string id, parent, dev, root, mount;
        f >> id >> parent >> dev >> root >> mount;
        return mount;
    }
    return {};
}

// The cgroup id BPF sees: the group directory's file handle (kernfs node id).
std::uint64_t cgroup_id(const std::string& dir) {
    struct {
        file_handle h;
        unsigned char bytes[sizeof(std::uint64_t)];
    } fh{};
    fh.h.handle_bytes = sizeof(std::uint64_t);
    int mount_id = 0;
    if (name_to_handle_at(AT_FDCWD, dir.c_str(), &fh.h, &mount_id, 0) != 0)
        throw SelectError("--cgroup " + dir +
                          ": cannot read its cgroup id: " + std::strerror(errno));
    std::uint64_t id = 0;
    std::memcpy(&id, fh.h.f_handle, sizeof(id));
    return id;
}

void check_name(const std::string& name) {
    const char* usage =
        " (give a process name as ps -o comm or the executable's file name "
        "shows it, e.g. --comm nginx)";
    if (name.empty()) throw SelectError(std::string("--comm: an empty name") + usage);
    if (name.find('/') != std::string::npos)
        throw SelectError("--comm " + name + ": a name, not a path" + usage);
    if (name.size() > NAME_MAX)
        throw SelectError(std::string("--comm: a name longer than a file name") + usage);
}

// The executable's file name, without " (deleted)"; "" for a kernel thread
// or a zombie (no executable left).
std::string exe_name(pid_t tgid) {
    char buf[PATH_MAX];
    const std::string link = "/proc/" + std::to_string(tgid) + "/exe";
    const ssize_t n = readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0) return {};
    std::string path(buf, static_cast<std::size_t>(n));
    const std::string deleted = " (deleted)";
    if (path.size() > deleted.size() &&
        path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
        path.resize(path.size() - deleted.size());
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

CgroupSelector resolve_cgroup(const std::string& spec) {
    const std::string mount = cgroup2_mount();
    if (mount.empty())
        throw SelectError("--cgroup " + spec +
                          ": no cgroup v2 hierarchy is mounted here (groups of cgroup v1 "
                          "cannot be selected; use --comm or -p)");
    const std::string usage = " (give a group of the cgroup v2 hierarchy at " + mount +
                              ", as the 0:: line of /proc/PID/cgroup shows it, e.g. "
                              "/system.slice/nginx.service)";
    if (spec.empty()) throw SelectError("--cgroup: an empty path" + usage);
    // A path inside the hierarchy, or the directory itself under the mount.
    std::string dir = spec.rfind(mount + "/", 0) == 0 || spec == mount
                          ? spec
                          : mount + (spec.front() == '/' ? "" : "/") + spec;
    char real[PATH_MAX];
    struct statfs fs {};
    if (!realpath(dir.c_str(), real) || statfs(real, &fs) != 0)
        throw SelectError("--cgroup " + spec + ": no such group" + usage);
    struct stat st {};
    if (fs.f_type != kCgroup2Magic || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        throw SelectError("--cgroup " + spec + ": not a cgroup v2 group" + usage);
    std::string path = std::string(real).substr(mount.size());
    if (path.empty()) path = "/";
    return {path, cgroup_id(real)};
}

ProcessSelector::ProcessSelector(std::vector<std::string> names,
                                 const std::vector<std::string>& cgroups)
    : names_(std::move(names)) {
    for (const std::string& n : names_) check_name(n);
    for (const std::string& c : cgroups) cgroups_.push_back(resolve_cgroup(c));
}

bool ProcessSelector::name_matches(pid_t tgid) const {
    if (names_.empty()) return false;
    const std::string comm = read_line("/proc/" + std::to_string(tgid) + "/comm");
    const std::string exe = exe_name(tgid);
    if (exe.empty()) return false;  // a kernel thread or a zombie
    for (const std::string& n : names_)
        if (n == exe || n.substr(0, kCommBytes) == comm) return true;
    return false;
}

bool ProcessSelector::cgroup_matches(pid_t tgid) const {
    if (cgroups_.empty()) return false;
    std::ifstream in("/proc/" + std::to_string(tgid) + "/cgroup");
    std::string line, path;
    while (std::getline(in, line))
        if (line.rfind("0::", 0) == 0) path = line.substr(3);
    if (path.empty() || exe_name(tgid).empty()) return false;
    for (const CgroupSelector& c : cgroups_) {
        if (c.path == "/" || path == c.path) return true;
        if (path.rfind(c.path + "/", 0) == 0) return true;  // a group below it
    }
    return false;
}

bool ProcessSelector::matches(pid_t tgid) const {
    return name_matches(tgid) || cgroup_matches(tgid);
}

std::vector<pid_t> ProcessSelector::scan() const {
    std::vector<pid_t> out;
    if (empty()) return out;
    DIR* proc = opendir("/proc");
    if (!proc) return out;
    const pid_t self = getpid();
    while (dirent* e = readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (*end != 0 || pid <= 0 || pid == self) continue;
        if (matches(static_cast<pid_t>(pid))) out.push_back(static_cast<pid_t>(pid));
    }
    closedir(proc);
    return out;
}

std::vector<std::string> ProcessSelector::comms() const {
    std::vector<std::string> out;
    for (const std::string& n : names_) out.push_back(n.substr(0, kCommBytes));
    return out;
}

std::vector<std::uint64_t> ProcessSelector::cgroup_ids() const {
    std::vector<std::uint64_t> out;
    for (const CgroupSelector& c : cgroups_) out.push_back(c.id);
    return out;
}

}  // namespace epscope::capture
