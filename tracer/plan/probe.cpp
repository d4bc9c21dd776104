#include "plan/probe.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <utility>

#include "plan/plan.hpp"

namespace epscope::plan {
namespace fs = std::filesystem;
namespace {

int print_nothing(enum libbpf_print_level, const char*, va_list) { return 0; }
int print_stderr(enum libbpf_print_level, const char* fmt, va_list ap) {
    return std::vfprintf(stderr, fmt, ap);
}

// Silences libbpf for the lifetime of the object unless verbose; restores the previous printer.
class LibbpfPrint {
public:
    explicit LibbpfPrint(bool verbose)
        : previous_(libbpf_set_print(verbose ? print_stderr : print_nothing)) {}
    ~LibbpfPrint() { libbpf_set_print(previous_); }
    LibbpfPrint(const LibbpfPrint&) = delete;
    LibbpfPrint& operator=(const LibbpfPrint&) = delete;

private:
    libbpf_print_fn_t previous_;
};

struct BtfDeleter {
    void operator()(btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_name(int e) {
    if (e < 0) e = -e;
    if (e == 524) return "ENOTSUPP";  // kernel-internal, not in glibc
    const char* n = strerrorname_np(e);
    return n ? n : "errno " + std::to_string(e);
}

bool epoll_related(const std::string& name) {
    for (const char* p : {"ep_", "__ep_", "do_epoll_", "eventpoll_", "epi_"})
        if (name.rfind(p, 0) == 0) return true;
    return false;
}

// Beyond epoll's own functions, the planner asks kallsyms about the kernel
// functions it kprobes where tracepoint programs run preemptible (process
// tracking, fd-closing syscalls: plan.cpp, tracepoints_preemptible).
bool kept_for_planner(const std::string& name) {
    for (const char* exact : {"do_exit", "wake_up_new_task", "begin_new_exec"})
        if (name == exact) return true;
    // Syscall functions: sys_close, or with the arch's wrapper prefix (__x64_sys_close).
    for (const char* sc : {"sys_close", "sys_dup2", "sys_dup3"}) {
        const std::string tail = std::string("_") + sc;
        if (name == sc || (name.starts_with("__") && name.ends_with(tail) &&
                           name.find('_', 2) == name.size() - tail.size()))
            return true;
    }
    return false;
}

std::string read_first_line(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

// btf_dump writes through a printf callback; collect it into a string.
void append_vprintf(void* ctx, const char* fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n <= 0) return;
    std::string buf(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(buf.data(), buf.size(), fmt, ap);
    buf.resize(static_cast<size_t>(n));
    *static_cast<std::string*>(ctx) += buf;
}

// "ret (type name, ...)" for one FUNC, using libbpf's own C declaration printer.
std::string prototype(const btf* b, const btf_type* func) {
    const btf_type* proto = btf__type_by_id(b, func->type);
    if (!proto || !btf_is_func_proto(proto)) return "";
    std::string out;
    btf_dump* dump = btf_dump__new(b, append_vprintf, &out, nullptr);
    if (!dump) return "";
    auto decl = [&](__u32 id, const char* name) {
        LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = name);
        if (id == 0) {
            out += name && *name ? std::string("void ") + name : "void";
            return;
        }
        btf_dump__emit_type_decl(dump, id, &o);
    };
    decl(proto->type, "");
    out += " (";
    const btf_param* p = btf_params(proto);
    const int n = btf_vlen(proto);
    for (int i = 0; i < n; ++i) {
        if (i) out += ", ";
        if (p[i].type == 0) {  // the last parameter of a variadic function
            out += "...";
            continue;
        }
        decl(p[i].type, btf__name_by_offset(b, p[i].name_off));
    }
    out += ")";
    btf_dump__free(dump);
    return out;
}

void read_btf(KernelDescription& d, const btf* b) {
    const __u32 n = btf__type_cnt(b);
    for (__u32 id = 1; id < n; ++id) {
        const btf_type* t = btf__type_by_id(b, id);
        const char* name = btf__name_by_offset(b, t->name_off);
        if (!name) continue;
        const std::string s = name;
        if (btf_is_func(t) && epoll_related(s)) {
            d.btf_funcs[s] = prototype(b, t);
        } else if (btf_is_typedef(t) && s.rfind("btf_trace_sched_", 0) == 0) {
            const std::string tp = s.substr(std::strlen("btf_trace_"));
            if (tp == "sched_switch" || tp == "sched_process_fork" || tp == "sched_process_exec" ||
                tp == "sched_process_exit")
                d.btf_tracepoints.insert(tp);
        }
    }
}

void read_kallsyms(KernelDescription& d) {
    std::ifstream in("/proc/kallsyms");
    std::string addr, type, name, rest;
    std::string line;
    while (std::getline(in, line)) {
        // "address type name [module]": module symbols are not fs/eventpoll.c's.
        if (line.find('[') != std::string::npos) continue;
        const auto a = line.find(' ');
        if (a == std::string::npos || a + 3 >= line.size()) continue;
        const char ty = line[a + 1];
        if (ty != 't' && ty != 'T') continue;
        name = line.substr(a + 3);
        if (epoll_related(name) || kept_for_planner(name)) d.kallsyms.insert(name);
    }
}

fs::path find_tracefs_events(bool mount_missing) {
    for (const char* p : {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"}) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) return p;
    }
    if (mount_missing && geteuid() == 0 &&
        mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) {
        std::error_code ec;
        if (fs::is_directory("/sys/kernel/tracing/events", ec)) return "/sys/kernel/tracing/events";
    }
    return {};
}

void read_tracepoints(KernelDescription& d, bool mount_missing) {
    const fs::path events = find_tracefs_events(mount_missing);
    if (events.empty()) return;
    d.tracefs = events.string();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(events / "syscalls", ec)) {
        const std::string n = e.path().filename().string();
        if (n.find("epoll") != std::string::npos) d.tracepoints.insert("syscalls:" + n);
    }
    // Where an fd goes away: close() and dup2()/dup3() over an open fd (FD_CLOSE).
    for (const char* n : {"sys_enter_close", "sys_exit_close", "sys_enter_dup2", "sys_exit_dup2",
                          "sys_enter_dup3", "sys_exit_dup3"}) {
        if (fs::is_directory(events / "syscalls" / n, ec))
            d.tracepoints.insert(std::string("syscalls:") + n);
    }
    // Reads of edge-triggered items' fds (FD_READ).
    for (const char* sc : kReadSyscalls)
        for (const char* dir : {"sys_enter_", "sys_exit_"}) {
            const std::string n = std::string(dir) + sc;
            if (fs::is_directory(events / "syscalls" / n, ec))
                d.tracepoints.insert("syscalls:" + n);
        }
    for (const char* n :
         {"sched_switch", "sched_process_fork", "sched_process_exec", "sched_process_exit"}) {
        if (fs::is_directory(events / "sched" / n, ec))
            d.tracepoints.insert(std::string("sched:") + n);
    }
}

std::string read_lockdown(bool mount_missing) {
    const char* path = "/sys/kernel/security/lockdown";
    std::error_code ec;
    if (!fs::exists(path, ec) && mount_missing && geteuid() == 0)
        mount("none", "/sys/kernel/security", "securityfs", 0, nullptr);
    const std::string line = read_first_line(path);  // "none [integrity] confidentiality"
    const auto open = line.find('[');
    const auto close = line.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open) return "unknown";
    return line.substr(open + 1, close - open - 1);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream o;
    o << in.rdbuf();
    return o.str();
}

std::string read_preempt(const std::string& release, bool mount_missing) {
    const char* path = "/sys/kernel/debug/sched/preempt";
    std::error_code ec;
    // Mounted only where nothing is (an empty /sys/kernel/debug).
    if (!fs::exists(path, ec) && mount_missing && geteuid() == 0 &&
        fs::is_empty("/sys/kernel/debug", ec) && !ec)
        mount("debugfs", "/sys/kernel/debug", "debugfs", 0, nullptr);
    utsname u{};
    const std::string version = uname(&u) == 0 ? u.version : "";
    return preempt_model(read_first_line(path), read_first_line("/proc/cmdline"),
                         read_file("/boot/config-" + release), version);
}

void read_capabilities(KernelDescription& d) {
    d.root = geteuid() == 0;
    __user_cap_header_struct hdr{};
    __user_cap_data_struct data[2]{};
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    hdr.pid = 0;
    if (syscall(SYS_capget, &hdr, data) != 0) return;
    auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1u; };
    d.cap_sys_admin = has(CAP_SYS_ADMIN);
    d.cap_perfmon = has(38);  // CAP_PERFMON, named in headers only since 5.8
    d.cap_bpf = has(39);      // CAP_BPF
}

// r0 = 0; exit: the smallest program every verifier accepts.
const bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

TrialResult failed(const char* stage, int err) {
    return {TrialResult::Outcome::Failed, std::string(stage) + " " + errno_name(err)};
}

TrialResult try_fentry(const btf* vmlinux) {
    if (!vmlinux) return {TrialResult::Outcome::NotTried, "no vmlinux BTF"};
    const int id = btf__find_by_name_kind(vmlinux, "do_epoll_ctl", BTF_KIND_FUNC);
    if (id <= 0) return {TrialResult::Outcome::NotTried, "do_epoll_ctl not in BTF"};
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
                .attach_btf_id = static_cast<__u32>(id));
    Fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, "epscope_trial", "GPL", kReturnZero, 2, &opts));
    if (prog.get() < 0) return failed("load", errno);
    Fd link(bpf_raw_tracepoint_open(nullptr, prog.get()));
    if (link.get() < 0) return failed("attach", errno);
    return {TrialResult::Outcome::Ok, ""};
}

TrialResult try_kprobe() {
    const std::string type = read_first_line("/sys/bus/event_source/devices/kprobe/type");
    if (type.empty()) return {TrialResult::Outcome::NotTried, "no kprobe PMU"};
    Fd prog(bpf_prog_load(BPF_PROG_TYPE_KPROBE, "epscope_trial", "GPL", kReturnZero, 2, nullptr));
    if (prog.get() < 0) return failed("load", errno);
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = static_cast<__u32>(std::stoul(type));
    attr.config1 = reinterpret_cast<__u64>("do_epoll_ctl");  // kprobe_func
    attr.config2 = 0;                                        // probe_offset
    Fd ev(static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
    if (ev.get() < 0) return failed("perf_event_open", errno);
    if (ioctl(ev.get(), PERF_EVENT_IOC_SET_BPF, prog.get()) != 0) return failed("attach", errno);
    return {TrialResult::Outcome::Ok, ""};
}

BtfPtr load_vmlinux_btf() { return BtfPtr(btf__load_vmlinux_btf()); }

}  // namespace

std::string preempt_model(const std::string& debugfs_preempt, const std::string& cmdline,
                          const std::string& config, const std::string& uts_version) {
    auto known = [](const std::string& w) {
        return w == "none" || w == "voluntary" || w == "full" || w == "lazy";
    };
    const auto open = debugfs_preempt.find('(');
    const auto close = debugfs_preempt.find(')');
    if (open != std::string::npos && close != std::string::npos && close > open) {
        const std::string w = debugfs_preempt.substr(open + 1, close - open - 1);
        if (known(w)) return w;
    }
    const bool rt = config.find("\nCONFIG_PREEMPT_RT=y") != std::string::npos ||
                    uts_version.find("PREEMPT_RT") != std::string::npos;
    if (rt) return "rt";
    const bool dynamic = config.find("\nCONFIG_PREEMPT_DYNAMIC=y") != std::string::npos ||
                         uts_version.find("PREEMPT_DYNAMIC") != std::string::npos;
    if (dynamic) {
        std::istringstream words(cmdline);
        for (std::string w; words >> w;)
            if (w.rfind("preempt=", 0) == 0 && known(w.substr(8))) return w.substr(8);
    }
    for (const auto& [option, model] :
         {std::pair{"\nCONFIG_PREEMPT_LAZY=y", "lazy"}, std::pair{"\nCONFIG_PREEMPT=y", "full"},
          std::pair{"\nCONFIG_PREEMPT_VOLUNTARY=y", "voluntary"},
          std::pair{"\nCONFIG_PREEMPT_NONE=y", "none"}})
        if (config.find(option) != std::string::npos) return model;
    // A kernel built with full preemption and no PREEMPT_DYNAMIC says so in its version.
    if (!dynamic && uts_version.find(" PREEMPT ") != std::string::npos) return "full";
    return "unknown";
}

KernelDescription describe_running_kernel(const ProbeOptions& options) {
    LibbpfPrint quiet(options.verbose);
    KernelDescription d;
    utsname u{};
    if (uname(&u) == 0) {
        d.release = u.release;
        d.machine = u.machine;
    }
    // /proc/kallsyms (formatted by the kernel line by line) is read while
    // vmlinux BTF is parsed: independent jobs, together most of the planner's
    // time, and each of `epscope record`'s start-up.
    auto kallsyms = std::async(std::launch::async, [&d] { read_kallsyms(d); });
    const BtfPtr vmlinux = load_vmlinux_btf();
    d.btf = vmlinux != nullptr;
    if (vmlinux) read_btf(d, vmlinux.get());
    kallsyms.get();
    read_tracepoints(d, options.mount_missing);
    std::error_code ec;
    d.kprobes = fs::exists("/sys/bus/event_source/devices/kprobe", ec);
    d.lockdown = read_lockdown(options.mount_missing);
    d.preempt = read_preempt(d.release, options.mount_missing);
    read_capabilities(d);
    d.fentry_trial = try_fentry(vmlinux.get());
    d.kprobe_trial = try_kprobe();
    return d;
}

std::vector<std::string> btf_prototypes(const std::vector<std::string>& names,
                                        const ProbeOptions& options) {
    LibbpfPrint quiet(options.verbose);
    std::vector<std::string> out;
    const BtfPtr vmlinux = load_vmlinux_btf();
    for (const auto& n : names) {
        const int id =
            vmlinux ? btf__find_by_name_kind(vmlinux.get(), n.c_str(), BTF_KIND_FUNC) : -1;
        if (id <= 0) {
            out.push_back("FUNC " + n + ": not in BTF");
            continue;
        }
        const std::string proto = prototype(vmlinux.get(), btf__type_by_id(vmlinux.get(), id));
        const auto open = proto.find(" (");
        out.push_back("FUNC " + n + proto.substr(open + 1) + " -> " + proto.substr(0, open));
    }
    return out;
}

}  // namespace epscope::plan
