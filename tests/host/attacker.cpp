// attacker: the steps of a hostile local user, for the host tier's security
// tests (run as that user with setpriv). Each runs for SECONDS, then exits 0.
//   attacker swap DIR NAME TARGET SECONDS
//       whenever DIR/NAME is a socket, replace it with a symlink to TARGET
//       (rename over it: the window between a tracer's bind and chown)
//   attacker plant LINK TARGET SECONDS
//       keep LINK a symlink to TARGET, re-planting it whenever it is gone
//   attacker serve SOCKET FILE SECONDS
//       serve FILE's bytes (a trace: the stream format) to every reader
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point deadline(const char* seconds) {
    return Clock::now() + std::chrono::milliseconds(static_cast<long>(std::stod(seconds) * 1000));
}

int swap(const std::string& dir, const std::string& name, const char* target, const char* secs) {
    const std::string path = dir + "/" + name, link = dir + "/." + name + ".link";
    const auto end = deadline(secs);
    unsigned long swaps = 0;
    while (Clock::now() < end) {
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        ::unlink(link.c_str());
        if (::symlink(target, link.c_str()) == 0 && ::rename(link.c_str(), path.c_str()) == 0)
            ++swaps;
    }
    std::printf("%lu swaps\n", swaps);
    return 0;
}

int plant(const char* link, const char* target, const char* secs) {
    const auto end = deadline(secs);
    while (Clock::now() < end) {
        struct stat st;
        if (::lstat(link, &st) != 0) (void)::symlink(target, link);
    }
    return 0;
}

int serve(const char* path, const char* file, const char* secs) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    ::umask(0);  // anyone may connect: the bait
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
        std::perror(path);
        return 1;
    }
    timeval tick{0, 200000};  // accept() wakes up to look at the deadline
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    const auto end = deadline(secs);
    while (Clock::now() < end) {
        const int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) continue;
        (void)!::send(c, bytes.data(), bytes.size(), MSG_NOSIGNAL);  // refused readers hang up
        ::close(c);
    }
    ::unlink(path);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "swap" && argc == 6) return swap(argv[2], argv[3], argv[4], argv[5]);
    if (cmd == "plant" && argc == 5) return plant(argv[2], argv[3], argv[4]);
    if (cmd == "serve" && argc == 5) return serve(argv[2], argv[3], argv[4]);
    std::fprintf(stderr, "usage: attacker swap|plant|serve ... (see attacker.cpp)\n");
    return 2;
}
