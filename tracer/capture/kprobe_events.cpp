#include "capture/kprobe_events.hpp"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <sstream>

#include "capture/bpf_session.hpp"
#include "capture/proc_snapshot.hpp"

namespace epscope::capture {
namespace {

constexpr std::size_t kMaxEventName = 63;  // MAX_EVENT_NAME_LEN - 1

// One line appended to kprobe_events (never truncated: O_TRUNC would remove
// every kprobe event on the machine). 0 or an errno.
int write_kprobe_events(const std::string& tracefs, const std::string& line) {
    const int fd = open((tracefs + "/kprobe_events").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return errno;
    const ssize_t n = write(fd, line.data(), line.size());
    const int err = n < 0 ? errno : 0;
    close(fd);
    return err;
}

int remove_event(const std::string& tracefs, const std::string& name) {
    return write_kprobe_events(tracefs, std::string("-:") + kKprobeGroup + "/" + name);
}

// Is `pid` an epscope process now? (Its events are then in use.)
bool epscope_alive(pid_t pid) {
    std::string comm = read_file("/proc/" + std::to_string(pid) + "/comm");
    while (!comm.empty() && std::isspace(static_cast<unsigned char>(comm.back()))) comm.pop_back();
    return comm == "epscope";
}

int event_id(const std::string& tracefs, const std::string& name) {
    const std::string text = read_file(tracefs + "/events/" + kKprobeGroup + "/" + name + "/id");
    int id = -1;
    std::from_chars(text.data(), text.data() + text.size(), id);
    return id;
}

// A perf event on the kprobe's trace event: every CPU, every process (what
// BPF programs filter for themselves).
int open_perf_event(int id) {
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = static_cast<std::uint64_t>(id);
    return static_cast<int>(
        syscall(SYS_perf_event_open, &attr, -1 /* pid */, 0 /* cpu */, -1, PERF_FLAG_FD_CLOEXEC));
}

unsigned next_index() {
    static std::atomic<unsigned> index{0};
    return index++;
}

std::string probe_word(const KprobeSpec& spec) { return spec.retprobe ? "kretprobe" : "kprobe"; }

}  // namespace

bool takes_kprobe_events(const std::string& tracefs) {
    return !tracefs.empty() && access((tracefs + "/kprobe_events").c_str(), W_OK) == 0;
}

std::string kprobe_event_name(pid_t owner, unsigned index, const std::string& function) {
    std::string name = "e" + std::to_string(owner) + "_" + std::to_string(index) + "_";
    for (char c : function) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.size() > kMaxEventName) name.resize(kMaxEventName);
    return name;
}

std::string kprobe_event_definition(const std::string& name, const KprobeSpec& spec) {
    std::string kind = spec.retprobe ? "r" : "p";
    if (spec.retprobe && spec.maxactive) kind += std::to_string(spec.maxactive);
    return kind + ":" + kKprobeGroup + "/" + name + " " + spec.function;
}

pid_t kprobe_event_owner(std::string_view name) {
    if (name.size() < 2 || name[0] != 'e') return 0;
    pid_t pid = 0;
    const char* end = name.data() + name.size();
    const auto [p, ec] = std::from_chars(name.data() + 1, end, pid);
    if (ec != std::errc() || p == end || *p != '_' || pid <= 0) return 0;
    return pid;
}

std::vector<std::string> our_kprobe_events(std::string_view text) {
    std::vector<std::string> out;
    const std::string prefix = std::string(":") + kKprobeGroup + "/";
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        const std::string def = line.substr(0, line.find(' '));
        const auto at = def.find(prefix);
        if (at == std::string::npos || def.find(':') != at) continue;
        out.push_back(def.substr(at + prefix.size()));
    }
    return out;
}

std::map<std::string, std::uint64_t> parse_kprobe_profile(std::string_view text) {
    std::map<std::string, std::uint64_t> out;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string name;
        std::uint64_t hits = 0, missed = 0;
        if (f >> name >> hits >> missed) out[name] = missed;
    }
    return out;
}

// Once per process, before its first event: events named after this pid are
// then a dead process's whose pid was reused, stale like the others.
void remove_stale_kprobe_events(const std::string& tracefs) {
    static std::once_flag once;
    std::call_once(once, [&] {
        for (const std::string& name : our_kprobe_events(read_file(tracefs + "/kprobe_events"))) {
            const pid_t owner = kprobe_event_owner(name);
            if (owner != getpid() && owner > 0 && epscope_alive(owner)) continue;
            remove_event(tracefs, name);  // EBUSY: another tool still uses it; left
        }
    });
}

std::map<std::string, std::uint64_t> read_kprobe_missed(const std::string& tracefs) {
    return parse_kprobe_profile(read_file(tracefs + "/kprobe_profile"));
}

// Numbered per process, not per session: two sessions of one process make distinct events.
KprobeEvent::KprobeEvent(const std::string& tracefs, bpf_program* prog, const KprobeSpec& spec)
    : tracefs_(tracefs), name_(kprobe_event_name(getpid(), next_index(), spec.function)) {
    const std::string what = probe_word(spec) + " on " + spec.function;
    if (int err = write_kprobe_events(tracefs_, kprobe_event_definition(name_, spec)))
        throw CaptureError("cannot create the " + what + " in " + tracefs_ +
                           "/kprobe_events: " + std::strerror(err));
    const int id = event_id(tracefs_, name_);
    const int pfd = id < 0 ? -1 : open_perf_event(id);
    const int err = id < 0 ? ENOENT : errno;
    if (pfd >= 0) link_ = bpf_program__attach_perf_event(prog, pfd);
    if (link_) return;
    const int attach_err = pfd < 0 ? err : errno;
    if (pfd >= 0) close(pfd);  // the link owns it only once made
    remove_event(tracefs_, name_);
    throw CaptureError("cannot attach " + std::string(bpf_program__name(prog)) + " to the " + what +
                       ": " + std::strerror(attach_err));
}

// The perf event goes first (the link closes it): an event in use cannot be removed.
KprobeEvent::~KprobeEvent() {
    bpf_link__destroy(link_);
    remove_event(tracefs_, name_);
}

}  // namespace epscope::capture
