// A test's own scratch directory, for every test tier (unit, GUI, poller).
// Made by mkdtemp under the temp directory: the tests run as root, so a name
// another user could guess (PREFIX-PID) could be made first, or be a planted
// link, and the test would write through it. This is the one place tests make
// a scratch directory; shell tests use `mktemp -d`.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace epscope::testing {

// The directory goes with the object, unless keep_if_failed() kept it. `parent`:
// the temp directory, or one only root writes (/run) for a test that needs that.
class ScratchDir {
public:
    explicit ScratchDir(
        const std::string& prefix = "epscope-test",
        const std::filesystem::path& parent = std::filesystem::temp_directory_path()) {
        std::string t = (parent / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(t.data()) == nullptr)
            throw std::runtime_error("mkdtemp " + t + ": " + std::strerror(errno));
        path_ = t;
    }
    ~ScratchDir() {
        if (kept_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    // At a test's end: a failed test's files (reports, screenshots, traces) are
    // kept to look at, and so are a passing one's with EPSCOPE_TEST_KEEP set.
    void keep_if_failed(bool failed) {
        if (!failed && std::getenv("EPSCOPE_TEST_KEEP") == nullptr) return;
        kept_ = true;
        std::printf("test files kept in %s\n", path_.c_str());
    }

    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    bool kept_ = false;
};

}  // namespace epscope::testing
