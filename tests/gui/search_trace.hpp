// A trace for the search box: pid 100 ("web") holds an instance of items 4..11,
// fd 6 a connection to 127.0.0.1:6379; pid 200 ("redis") an instance of fds
// 7 and 9, fd 9 the other end of that connection; thread 201 of pid 200
// waits on its instance at the end.
#pragma once

#include <filesystem>

#include "synthetic_stream.hpp"
#include "trace/writer.hpp"

namespace epscope::gui_test {

inline std::filesystem::path write_search_trace(const std::filesystem::path& p) {
    trace::TraceWriter w(p, trace::TraceHeader{});
    Synth s(w);
    s.tgid = 100;
    s.process("web");
    s.create(ep_of(1), 3);
    for (int fd = 4; fd < 12; ++fd) s.insert(ep_of(1), 3, fd);
    s.fd_name(6, "127.0.0.1:50000->127.0.0.1:6379");
    s.tgid = 200;
    s.process("redis");
    s.create(ep_of(2), 5);
    s.insert(ep_of(2), 5, 7);
    s.insert(ep_of(2), 5, 9);
    s.fd_name(9, "127.0.0.1:6379->127.0.0.1:50000");
    s.wait_begin(ep_of(2), 5, 201);
    w.close();
    return p;
}

}  // namespace epscope::gui_test
