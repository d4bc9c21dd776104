#include "capture/run_as.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "capture/bpf_session.hpp"

extern char** environ;

namespace epscope::capture {
namespace {

std::vector<gid_t> groups_of(const std::string& name, gid_t gid) {
    int n = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(n));
    while (::getgrouplist(name.c_str(), gid, groups.data(), &n) < 0)
        groups.resize(static_cast<std::size_t>(n));
    groups.resize(static_cast<std::size_t>(n));
    return groups;
}

}  // namespace

RunAs RunAs::lookup(const std::string& user) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr && !user.empty() &&
        user.find_first_not_of("0123456789") == std::string::npos) {
        errno = 0;
        const unsigned long n = std::strtoul(user.c_str(), nullptr, 10);
        if (errno == 0) pw = ::getpwuid(static_cast<uid_t>(n));
    }
    if (pw == nullptr)
        throw CaptureError("-u " + user + ": no such user (give a name or uid from /etc/passwd)");
    return of(pw->pw_uid, pw->pw_gid);
}

RunAs RunAs::of(uid_t uid, gid_t gid) {
    RunAs r;
    r.uid_ = uid;
    r.gid_ = gid;
    if (const passwd* pw = ::getpwuid(uid)) {
        r.name_ = pw->pw_name;
        r.home_ = pw->pw_dir;
        r.groups_ = groups_of(r.name_, gid);
    }
    return r;
}

std::vector<std::string> RunAs::environment() const {
    std::vector<std::string> env;
    auto replaced = [&](std::string_view var) {
        return (var.starts_with("HOME=") && !home_.empty()) ||
               ((var.starts_with("USER=") || var.starts_with("LOGNAME=")) && !name_.empty());
    };
    for (char** e = environ; *e != nullptr; ++e)
        if (!replaced(*e)) env.emplace_back(*e);
    if (!home_.empty()) env.push_back("HOME=" + home_);
    if (!name_.empty()) {
        env.push_back("USER=" + name_);
        env.push_back("LOGNAME=" + name_);
    }
    return env;
}

bool RunAs::assume() const noexcept {
    return ::setgroups(groups_.size(), groups_.data()) == 0 && ::setgid(gid_) == 0 &&
           ::setuid(uid_) == 0;
}

}  // namespace epscope::capture
