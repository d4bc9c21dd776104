// Describes the running kernel for the planner: reads /proc/kallsyms, vmlinux BTF, tracefs,
// sysfs and securityfs, the process's capabilities, and tries loading a minimal fentry and
// kprobe program. Needs libbpf; the planner itself does not.
#pragma once

#include <string>
#include <vector>

#include "plan/kernel_description.hpp"

namespace epscope::plan {

struct ProbeOptions {
    bool verbose = false;  // let libbpf's own messages through to stderr
    // Mount tracefs / securityfs on their usual paths when they are not mounted (root only):
    // the tracepoint backend needs tracefs anyway, and lockdown is only readable there.
    bool mount_missing = true;
};

// The kernel's preemption model (KernelDescription::preempt) from what it shows, best first:
// debugfs's sched/preempt ("full (lazy)": the word in parentheses is in force), the boot command
// line's preempt= (PREEMPT_DYNAMIC kernels), the build config (/boot/config-RELEASE text),
// uname -v ("PREEMPT_RT", "PREEMPT"). Empty inputs are skipped; "unknown" when none tells.
std::string preempt_model(const std::string& debugfs_preempt, const std::string& cmdline,
                          const std::string& config, const std::string& uts_version);

// Never throws for lack of privileges or features: the description records what was seen.
KernelDescription describe_running_kernel(const ProbeOptions& = {});

// "FUNC name(args) -> ret" lines from vmlinux BTF for the given names (one line each; a
// name without a FUNC record gives "FUNC name: not in BTF").
std::vector<std::string> btf_prototypes(const std::vector<std::string>& names,
                                        const ProbeOptions& = {});

}  // namespace epscope::plan
