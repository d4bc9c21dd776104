// describe_running_kernel() on whatever machine runs the tests, privileged or not: it must
// describe without crashing, without printing libbpf's messages, and give a description that
// survives its text form.
#include "plan/probe.hpp"

#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "plan/plan.hpp"

namespace epscope::plan {
namespace {

ProbeOptions no_mounts() {
    ProbeOptions o;
    o.mount_missing = false;  // a test must not change the machine
    return o;
}

TEST(Probe, DescribesThisKernelQuietly) {
    ::testing::internal::CaptureStderr();
    const KernelDescription d = describe_running_kernel(no_mounts());
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err, "") << "libbpf or the probe printed on stderr";

    utsname u{};
    ASSERT_EQ(uname(&u), 0);
    EXPECT_EQ(d.release, u.release);
    EXPECT_EQ(d.root, geteuid() == 0);
    EXPECT_EQ(KernelDescription::parse(d.to_text()), d);
    // kallsyms lists names (addresses are hidden from non-root, names are not).
    EXPECT_TRUE(d.has_symbol("do_epoll_ctl") || !d.clones_of("do_epoll_ctl").empty());
    if (d.btf) {
        ASSERT_TRUE(d.has_btf_func("do_epoll_ctl"));
        EXPECT_EQ(d.btf_funcs.at("do_epoll_ctl"),
                  "int (int epfd, int op, int fd, struct epoll_event *epds, bool nonblock)");
    }
    // A plan exists for any description (auto never throws).
    EXPECT_NO_THROW(plan_for(d));
}

TEST(Probe, UnprivilegedTrialsFailInsteadOfThrowing) {
    const KernelDescription d = describe_running_kernel(no_mounts());
    if (!d.cap_bpf && !d.cap_sys_admin) {
        EXPECT_FALSE(d.fentry_trial.ok());
        EXPECT_FALSE(d.kprobe_trial.ok());
    }
    // Every trial outcome carries its reason unless it succeeded.
    for (const TrialResult& t : {d.fentry_trial, d.kprobe_trial})
        EXPECT_EQ(t.ok(), t.detail.empty()) << t.detail;
}

TEST(Probe, PrototypesOfKnownAndUnknownFunctions) {
    const auto lines =
        btf_prototypes({"do_epoll_create", "no_such_function_in_any_kernel"}, no_mounts());
    ASSERT_EQ(lines.size(), 2u);
    if (describe_running_kernel(no_mounts()).btf) {
        EXPECT_EQ(lines[0], "FUNC do_epoll_create(int flags) -> int");
    }
    EXPECT_EQ(lines[1], "FUNC no_such_function_in_any_kernel: not in BTF");
}

}  // namespace
}  // namespace epscope::plan

namespace epscope::plan {
namespace {

// What each kernel shows of its preemption model (the lab's 6.12 and 7.2 measured 2026-12-05).
TEST(Probe, PreemptionModelFromWhatTheKernelShows) {
    const std::string dyn_lazy =
        "#\n# Automatically generated file\nCONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_LAZY=y\n"
        "CONFIG_PREEMPT_DYNAMIC=y\n";
    const std::string dyn_voluntary =
        "#\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PREEMPTION=y\nCONFIG_PREEMPT_DYNAMIC=y\n";
    // debugfs's word in parentheses is the model in force, whatever the config's default.
    EXPECT_EQ(preempt_model("full (lazy) ", "", "", ""), "lazy");
    EXPECT_EQ(preempt_model("none (voluntary) full ", "", dyn_lazy, ""), "voluntary");
    // No debugfs: preempt= on a PREEMPT_DYNAMIC kernel's command line, else its config.
    EXPECT_EQ(preempt_model("", "root=/dev/vda preempt=full quiet", dyn_voluntary, ""), "full");
    EXPECT_EQ(preempt_model("", "root=/dev/vda", dyn_voluntary, ""), "voluntary");
    EXPECT_EQ(preempt_model("", "", dyn_lazy, "#1 SMP PREEMPT_DYNAMIC Debian 7.2.12-1"), "lazy");
    // preempt= means nothing to a kernel without PREEMPT_DYNAMIC (5.10).
    EXPECT_EQ(preempt_model("", "preempt=full", "#\nCONFIG_PREEMPT_VOLUNTARY=y\n", ""),
              "voluntary");
    // Only uname -v: PREEMPT_RT, or PREEMPT alone (full preemption built in).
    EXPECT_EQ(preempt_model("", "", "", "#1 SMP PREEMPT_RT Debian 6.12.1-1"), "rt");
    EXPECT_EQ(preempt_model("", "", "", "#1 SMP PREEMPT Thu Jan 1"), "full");
    EXPECT_EQ(preempt_model("", "", "", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.1-1"), "unknown");
    EXPECT_EQ(preempt_model("", "", "", ""), "unknown");
}

}  // namespace
}  // namespace epscope::plan
