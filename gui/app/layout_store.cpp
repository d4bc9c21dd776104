#include "app/layout_store.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "imgui.h"
#include "imgui_internal.h"

namespace epscope::gui {
namespace {

constexpr const char* kFile = "gui.ini";

// Whose layout it is: the process's own user, or the user root runs the
// window for (SUDO_UID/SUDO_GID), and where that user's config directory is.
struct Owner {
    uid_t uid = 0;
    gid_t gid = 0;
    bool for_other = false;  // root on behalf of SUDO_UID: switch the fs identity
    std::string config;      // the config root (".../.config"), absolute
};

bool number(const char* s, unsigned long& out) {
    if (s == nullptr || *s == '\0') return false;
    char* end = nullptr;
    errno = 0;
    out = std::strtoul(s, &end, 10);
    return errno == 0 && *end == '\0';
}

bool find_owner(Owner& o, std::string& why) {
    o.uid = ::geteuid();
    o.gid = ::getegid();
    unsigned long su = 0, sg = 0;
    if (o.uid == 0 && number(std::getenv("SUDO_UID"), su) && su != 0) {
        o.uid = static_cast<uid_t>(su);
        o.gid = number(std::getenv("SUDO_GID"), sg) ? static_cast<gid_t>(sg) : o.gid;
        o.for_other = true;
    }
    // $XDG_CONFIG_HOME is the process's own environment: trusted only when
    // the process runs as itself (sudo may carry another user's).
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (!o.for_other && xdg != nullptr && xdg[0] == '/') {
        o.config = xdg;
        return true;
    }
    // The passwd entry's home, not $HOME (which sudo may leave as another's).
    const passwd* pw = ::getpwuid(o.uid);
    if (pw == nullptr || pw->pw_dir == nullptr || pw->pw_dir[0] != '/') {
        why = "user " + std::to_string(o.uid) + " has no home directory in the passwd database";
        return false;
    }
    if (o.for_other && pw->pw_gid != 0 && std::getenv("SUDO_GID") == nullptr) o.gid = pw->pw_gid;
    o.config = std::string(pw->pw_dir) + "/.config";
    return true;
}

// File operations as the owner while it lives (the calling thread's fs
// identity: the files made are the owner's, and permission checks are the
// owner's, so nothing only root may open is reachable).
class AsOwner {
public:
    explicit AsOwner(const Owner& o) : switched_(o.for_other) {
        if (!switched_) return;
        ::setfsgid(o.gid);
        ::setfsuid(o.uid);
    }
    ~AsOwner() {
        if (!switched_) return;
        ::setfsuid(0);
        ::setfsgid(0);
    }
    AsOwner(const AsOwner&) = delete;
    AsOwner& operator=(const AsOwner&) = delete;

private:
    bool switched_;
};

// A directory we may keep a file in: the owner's (or root's), writable by no
// one else, not a symlink (opened with O_NOFOLLOW).
bool trusted_dir(int fd, const Owner& o, const std::string& path, std::string& why) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        why = path + " is not a directory";
        return false;
    }
    if ((st.st_uid != o.uid && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        why = path + " belongs to another user or others may write to it";
        return false;
    }
    return true;
}

// Opens directory `name` in `at` (AT_FDCWD: an absolute path, which may go
// through symlinks of its owner's making: its target is checked), making it
// (mode 0700) with `create`; checks it. -1 with `why` empty: it does not
// exist (and is not to be made); -1 with `why`: it cannot be used.
int open_checked(int at, const std::string& name, const std::string& path, bool create,
                 const Owner& o, std::string& why) {
    const int nofollow = at == AT_FDCWD ? 0 : O_NOFOLLOW;
    int fd = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | nofollow | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create &&
        (::mkdirat(at, name.c_str(), 0700) == 0 || errno == EEXIST))
        fd = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | nofollow | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT || create) why = path + ": " + std::strerror(errno);
        return -1;
    }
    if (!trusted_dir(fd, o, path, why)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// CONFIG/epscope, each directory checked (with `create`, made when missing,
// ~/.config in the checked home included); -1 as open_checked says.
int open_config_dir(const Owner& o, bool create, std::string& why) {
    int fd = open_checked(AT_FDCWD, o.config, o.config, false, o, why);
    if (fd < 0 && why.empty() && create) {
        const std::string home = o.config.substr(0, o.config.rfind('/'));
        const int h = open_checked(AT_FDCWD, home.empty() ? "/" : home, home, false, o, why);
        if (h < 0) {
            if (why.empty()) why = home + ": no such directory";
            return -1;
        }
        fd = open_checked(h, o.config.substr(o.config.rfind('/') + 1), o.config, true, o, why);
        ::close(h);
    }
    if (fd < 0) return -1;
    const int sub = open_checked(fd, "epscope", o.config + "/epscope", create, o, why);
    ::close(fd);
    return sub;
}

// The [epscope][Layout] entry of the ini: one line per share.
view::Shares* g_shares = nullptr;

void* read_open(ImGuiContext*, ImGuiSettingsHandler*, const char* name) {
    return std::strcmp(name, "Layout") == 0 ? g_shares : nullptr;
}

void read_line(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* s = static_cast<view::Shares*>(entry);
    float v = 0;
    if (std::sscanf(line, "side=%f", &v) == 1) s->side = v;
    if (std::sscanf(line, "details=%f", &v) == 1) s->details = v;
    if (std::sscanf(line, "timeline=%f", &v) == 1) s->timeline = v;
    if (std::sscanf(line, "browser=%f", &v) == 1) s->browser = v;
    if (std::sscanf(line, "findings=%f", &v) == 1) s->findings = v;
    *s = s->clamped();  // a hand-edited file cannot hide a pane
}

void write_all(ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
    const view::Shares& s = *g_shares;
    out->appendf("[%s][Layout]\n", h->TypeName);
    out->appendf("side=%.4f\ndetails=%.4f\ntimeline=%.4f\nbrowser=%.4f\nfindings=%.4f\n\n", s.side,
                 s.details, s.timeline, s.browser, s.findings);
}

}  // namespace

LayoutStore::LayoutStore(view::Shares& shares) {
    g_shares = &shares;
    ImGuiSettingsHandler h;
    h.TypeName = "epscope";
    h.TypeHash = ImHashStr("epscope");
    h.ReadOpenFn = read_open;
    h.ReadLineFn = read_line;
    h.WriteAllFn = write_all;
    ImGui::GetCurrentContext()->SettingsHandlers.push_back(h);

    Owner o;
    if (!find_owner(o, note_)) return;
    AsOwner as(o);
    std::string why;
    const int dir = open_config_dir(o, false, why);
    if (dir < 0) {
        note_ = why;  // empty: no directory yet, a first run
        return;
    }
    const int fd = ::openat(dir, kFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ::close(dir);
    if (fd < 0) return;
    struct stat st {};
    std::string text;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == o.uid &&
        st.st_size < (1 << 20)) {
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, n);
    }
    ::close(fd);
    if (!text.empty()) ImGui::LoadIniSettingsFromMemory(text.c_str(), text.size());
}

LayoutStore::~LayoutStore() {
    // A change ImGui has not asked to save yet (it waits a few seconds) too.
    ImGuiContext* c = ImGui::GetCurrentContext();
    if (c != nullptr && (c->IO.WantSaveIniSettings || c->SettingsDirtyTimer > 0) && !save())
        std::fprintf(stderr, "epscope-gui: layout not kept: %s\n", note_.c_str());
    g_shares = nullptr;
}

void LayoutStore::save_if_wanted() {
    if (!ImGui::GetIO().WantSaveIniSettings) return;
    ImGui::GetIO().WantSaveIniSettings = false;
    if (!save() && !note_.empty())
        std::fprintf(stderr, "epscope-gui: layout not kept: %s\n", note_.c_str());
}

// Written whole to a new file, then renamed over the old one: a reader
// never sees half a layout.
bool LayoutStore::save() {
    Owner o;
    if (!find_owner(o, note_)) return false;
    AsOwner as(o);
    const int dir = open_config_dir(o, true, note_);
    if (dir < 0) return false;
    std::size_t size = 0;
    const char* text = ImGui::SaveIniSettingsToMemory(&size);
    const std::string tmp = std::string(kFile) + ".tmp" + std::to_string(::getpid());
    const int fd =
        ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && ::write(fd, text, size) == static_cast<ssize_t>(size);
    if (fd >= 0) ok = ::close(fd) == 0 && ok;
    ok = ok && ::renameat(dir, tmp.c_str(), dir, kFile) == 0;
    if (!ok) {
        note_ = o.config + "/epscope/" + kFile + ": " + std::strerror(errno);
        if (fd >= 0) ::unlinkat(dir, tmp.c_str(), 0);
    }
    ::close(dir);
    return ok;
}

}  // namespace epscope::gui
