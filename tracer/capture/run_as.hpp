// Who a launched process runs as: a user's uid, gid, supplementary groups and
// environment (HOME, USER, LOGNAME), all looked up before fork, so that the
// child only makes async-signal-safe calls between fork and exec. Used for
// `-u USER -- CMD` (record, live, gui) and for epscope-gui under `epscope gui`.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace epscope::capture {

class RunAs {
public:
    // A user name or number from the passwd database; throws CaptureError
    // ("no such user") with one line.
    static RunAs lookup(const std::string& user);
    // A uid and gid (the user who ran sudo), with the name, home and groups
    // of their passwd entry if there is one (else no supplementary groups).
    static RunAs of(uid_t uid, gid_t gid);

    uid_t uid() const { return uid_; }
    const std::string& name() const { return name_; }
    // This process's environment with HOME, USER and LOGNAME of the user
    // (root's HOME would point Xlib at root's ~/.Xauthority, and so on).
    std::vector<std::string> environment() const;
    // In the forked child: groups, then gid, then uid (after setuid the others
    // can no longer change). Async-signal-safe; false with errno on failure.
    bool assume() const noexcept;

private:
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    std::string name_, home_;
    std::vector<gid_t> groups_;
};

}  // namespace epscope::capture
