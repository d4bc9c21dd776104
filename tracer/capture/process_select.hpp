// Which processes `epscope exporter` traces: by name (the kernel's comm, or
// the executable's file name), by cgroup v2 group (and the groups below
// it), or by pid. A process matching a name or group is found two ways:
// BPF adds it at its exec (SessionConfig::select_comms/select_cgroups, so
// nothing of its life is missed), and a scan of /proc finds those already
// running at the start and those moved into a group after their exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace epscope::capture {

class SelectError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CgroupSelector {
    std::string path;      // in the cgroup v2 hierarchy, as /proc/PID/cgroup's "0::" line says it
    std::uint64_t id = 0;  // the group's cgroup id (bpf_get_current_cgroup_id)
};

class ProcessSelector {
public:
    // Checks every selector; throws SelectError with one line naming the bad
    // one and what to give instead. cgroups: a directory of the mounted
    // cgroup v2 hierarchy, or a path inside it ("/system.slice/x.service").
    ProcessSelector(std::vector<std::string> names, const std::vector<std::string>& cgroups);

    bool empty() const { return names_.empty() && cgroups_.empty(); }
    // A user process (not a kernel thread, not a zombie) named or grouped so.
    bool matches(pid_t tgid) const;
    // Every matching process now, except this one.
    std::vector<pid_t> scan() const;

    // What BPF compares at exec: names cut to the kernel's 15 bytes of comm.
    std::vector<std::string> comms() const;
    std::vector<std::uint64_t> cgroup_ids() const;

private:
    bool name_matches(pid_t tgid) const;
    bool cgroup_matches(pid_t tgid) const;
    std::vector<std::string> names_;
    std::vector<CgroupSelector> cgroups_;
};

// The cgroup v2 group a path names (see ProcessSelector). Throws SelectError.
CgroupSelector resolve_cgroup(const std::string& spec);

}  // namespace epscope::capture
