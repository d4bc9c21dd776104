#include <gtest/gtest.h>

#include <sstream>

#include "plan/kernel_description.hpp"
#include "test_data.hpp"

namespace epscope::plan {
namespace {

using test::read_data_file;
using test::recorded;

class RecordedKernel : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordedKernel, TextIsStableAndRoundTrips) {
    const std::string text = read_data_file(GetParam() + ".txt");
    const KernelDescription d = KernelDescription::parse(text);
    // The files were written by to_text(): printing the parsed description gives them back.
    EXPECT_EQ(d.to_text(), text);
    EXPECT_EQ(KernelDescription::parse(d.to_text()), d);
    EXPECT_EQ(d.release.rfind(GetParam() + ".", 0), 0u) << d.release;
}

TEST_P(RecordedKernel, HasTheEpollFunctionsEveryKernelKeeps) {
    const KernelDescription d = recorded(GetParam());
    EXPECT_TRUE(d.btf);
    for (const char* fn : {"ep_poll_callback", "ep_ptable_queue_proc", "do_epoll_ctl",
                           "do_epoll_wait", "do_epoll_create", "eventpoll_release_file"}) {
        EXPECT_TRUE(d.has_symbol(fn)) << fn;
        EXPECT_TRUE(d.has_btf_func(fn)) << fn;
    }
    // A harvest ends in ep_done_scan from 5.11 on; up to 5.10 in ep_scan_ready_list (a clone
    // on Debian's 5.10) around ep_send_events_proc.
    const char* harvest_end = GetParam() == "5.10" ? "ep_send_events_proc" : "ep_done_scan";
    EXPECT_TRUE(d.has_symbol(harvest_end)) << harvest_end;
    EXPECT_TRUE(d.has_btf_func(harvest_end)) << harvest_end;
    EXPECT_FALSE(d.has_symbol("ep_insert")) << "ep_insert is inlined on every recorded kernel";
    EXPECT_TRUE(d.has_tracepoint("syscalls:sys_enter_epoll_ctl"));
}

// The protos file is printed from the same BTF: every FUNC line must match the description.
TEST_P(RecordedKernel, PrototypesFileAgreesWithDescription) {
    const KernelDescription d = recorded(GetParam());
    std::istringstream in(read_data_file(GetParam() + "-protos.txt"));
    std::string line;
    int checked = 0;
    while (std::getline(in, line)) {
        ASSERT_EQ(line.rfind("FUNC ", 0), 0u) << line;
        const auto open = line.find('(');
        if (line.find(": not in BTF") != std::string::npos) {
            const std::string name = line.substr(5, line.find(':') - 5);
            EXPECT_FALSE(d.has_btf_func(name)) << line;
            continue;
        }
        ASSERT_NE(open, std::string::npos) << line;
        const std::string name = line.substr(5, open - 5);
        const auto arrow = line.rfind(" -> ");
        ASSERT_NE(arrow, std::string::npos) << line;
        const std::string expect = line.substr(arrow + 4) + " " + line.substr(open, arrow - open);
        ASSERT_TRUE(d.has_btf_func(name)) << line;
        EXPECT_EQ(d.btf_funcs.at(name), expect);
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

INSTANTIATE_TEST_SUITE_P(Kernels, RecordedKernel,
                         ::testing::Values("5.10", "6.1", "6.12", "6.18", "7.2"),
                         [](const auto& info) {
                             std::string n = "k" + info.param;
                             for (auto& c : n)
                                 if (c == '.') c = '_';
                             return n;
                         });

TEST(KernelDescription, ClonesAreFoundByPrefix) {
    const KernelDescription d = recorded("6.18");
    EXPECT_FALSE(d.has_symbol("ep_remove_epi"));
    EXPECT_EQ(d.clones_of("ep_remove_epi"), std::set<std::string>{"ep_remove_epi.isra.0"});
    EXPECT_TRUE(d.clones_of("ep_remove").empty()) << "ep_remove_epi is not a clone of ep_remove";
    EXPECT_TRUE(d.has_btf_func("ep_remove_epi")) << "BTF keeps the name of a cloned function";
}

TEST(KernelDescription, MinimalTextParses) {
    const auto d = KernelDescription::parse(
        "format 1\nrelease 5.15.0\n\n# comment\nbtf_func do_epoll_ctl\nkprobes yes\n"
        "fentry_trial failed load EPERM\n");
    EXPECT_EQ(d.release, "5.15.0");
    EXPECT_TRUE(d.has_btf_func("do_epoll_ctl"));
    EXPECT_EQ(d.btf_funcs.at("do_epoll_ctl"), "");
    EXPECT_TRUE(d.kprobes);
    EXPECT_EQ(d.fentry_trial.outcome, TrialResult::Outcome::Failed);
    EXPECT_EQ(d.fentry_trial.detail, "load EPERM");
    EXPECT_EQ(d.kprobe_trial.outcome, TrialResult::Outcome::NotTried);
    EXPECT_EQ(d.lockdown, "unknown");
    EXPECT_EQ(d.preempt, "unknown");
}

struct BadText {
    const char* text;
    const char* message;  // expected in the error
};

class ParseError : public ::testing::TestWithParam<BadText> {};

TEST_P(ParseError, NamesTheLineAndTheProblem) {
    try {
        KernelDescription::parse(GetParam().text);
        FAIL() << "parsed without error: " << GetParam().text;
    } catch (const DescriptionError& e) {
        EXPECT_NE(std::string(e.what()).find(GetParam().message), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ParseError,
    ::testing::Values(
        BadText{"format 1\nrelease 6.1\nbogus 3\n", "line 3: unknown key 'bogus'"},
        BadText{"format 1\nrelease 6.1\nbtf maybe\n", "line 3: 'btf' wants yes or no, got 'maybe'"},
        BadText{"format 1\nrelease 6.1\nrelease 6.2\n", "line 3: 'release' given twice"},
        BadText{"release 6.1\n", "line 1: expected 'format 1' first, got 'release 6.1'"},
        BadText{"# only a comment\n\n", "empty (no 'format' line)"},
        BadText{"format 1\nbtf yes\n", "no 'release' line"},
        BadText{"format 2\nrelease 6.1\n", "line 1: 'format' 2 is not supported"},
        BadText{"format 1\nrelease 6.1\nfentry_trial maybe\n",
                "line 3: 'fentry_trial' wants ok, failed or not_tried, got 'maybe'"},
        BadText{"format 1\nrelease 6.1\ntracepoint sys_enter_epoll_ctl\n",
                "line 3: tracepoint 'sys_enter_epoll_ctl' wants group:name"},
        BadText{"format 1\nrelease 6.1\nkallsyms\n", "line 3: 'kallsyms' has no value"},
        BadText{"format 1\nrelease 6.1\nkallsyms ep_remove ep_free\n",
                "line 3: 'kallsyms' wants one word"},
        BadText{"format 1\nrelease 6.1\nlockdown strict\n",
                "line 3: 'lockdown' wants none, integrity, confidentiality or unknown"},
        BadText{"format 1\nrelease 6.1\npreempt sometimes\n",
                "line 3: 'preempt' wants none, voluntary, full, lazy, rt or unknown"},
        BadText{"format 1\nrelease 6.1\nbtf_func ep_free\nbtf_func ep_free void ()\n",
                "line 4: btf_func 'ep_free' given twice"}));

}  // namespace
}  // namespace epscope::plan
