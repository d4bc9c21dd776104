// Runs a fuzz target's entry point over corpus files without libFuzzer, so the
// normal (gcc) build replays the seeds and any saved crash inputs as a test.
// Usage: PROGRAM DIR_OR_FILE...   (fails if it finds no input at all)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "%s: cannot read\n", p.c_str());
        return false;
    }
    std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(c.data()), c.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR_OR_FILE...: give at least one corpus\n", argv[0]);
        return 2;
    }
    std::size_t n = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
                if (e.is_regular_file() && run_file(e.path())) ++n;
        } else if (std::filesystem::is_regular_file(arg, ec)) {
            if (run_file(arg)) ++n;
        } else {
            std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 2;
        }
    }
    if (n == 0) {
        std::fprintf(stderr, "no corpus input found: generate seeds with fuzz_seeds first\n");
        return 1;
    }
    std::printf("%zu inputs ran without a crash\n", n);
    return 0;
}
