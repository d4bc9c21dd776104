// Writes a synthetic trace for `epscope-gui --bench`: INSTANCES epoll
// instances in one process sharing ITEMS items, a quarter of each instance's
// items on its ready list, one waiter per instance.
//   gui_bench_trace OUT.trace [INSTANCES=100] [ITEMS=10000]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "synthetic_stream.hpp"
#include "trace/writer.hpp"

int main(int argc, char** argv) {
    using namespace epscope;
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: gui_bench_trace OUT.trace [INSTANCES=100] [ITEMS=10000]\n");
        return 1;
    }
    const int instances = argc > 2 ? std::atoi(argv[2]) : 100;
    const int items = argc > 3 ? std::atoi(argv[3]) : 10000;
    if (instances <= 0 || items < instances) {
        std::fprintf(stderr, "gui_bench_trace: need INSTANCES > 0 and ITEMS >= INSTANCES\n");
        return 1;
    }
    try {
        trace::TraceHeader h = trace::TraceHeader::for_this_host();
        h.set(trace::kMetaBackend, "synthetic");
        trace::TraceWriter w(argv[1], h);
        gui_test::Synth s(w);
        s.process("bench");
        int fd = 1000;
        for (int i = 0; i < instances; ++i) {
            const std::uint64_t ep = gui_test::ep_of(i + 1);
            const int epfd = 3 + i;
            s.create(ep, epfd);
            const int n = items / instances + (i < items % instances ? 1 : 0);
            for (int k = 0; k < n; ++k) s.insert(ep, epfd, fd + k);
            for (int k = 0; k < n; k += 4) s.callback(ep, fd + k, EP_CB_QUEUED_READY);
            s.wait_begin(ep, epfd, 5000 + static_cast<std::uint32_t>(i));
            fd += n;
        }
        w.close();
        std::printf("%s: %d instances, %d items\n", argv[1], instances, items);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gui_bench_trace: %s\n", e.what());
        return 1;
    }
    return 0;
}
