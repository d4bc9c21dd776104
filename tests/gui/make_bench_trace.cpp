// Writes a synthetic trace for `epscope-gui --bench`: INSTANCES epoll
// instances in one process sharing ITEMS items, a quarter of each instance's
// items on its ready list, one waiter per instance. With SECONDS > 0 it goes
// on for that long, as a busy server would, for `--bench --play`: every
// millisecond a few instances in turn (a twentieth of them, at least one) get
// callbacks on four items from a writer thread, their waiter is woken,
// harvests up to 16 items off the ready list and waits again. The items are
// then edge-triggered, so a harvest empties what it delivers (no requeue) and
// the ready lists keep changing.
//   gui_bench_trace OUT.trace [INSTANCES=100] [ITEMS=10000] [SECONDS=0]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"

namespace {

struct Instance {
    std::uint64_t ep = 0;
    int epfd = -1;
    int first_fd = 0;
    int items = 0;
    std::uint32_t waiter = 0;
    std::deque<int> ready;       // the ready list, oldest first
    std::vector<bool> on_ready;  // by fd - first_fd
    int next = 0;                // the next item to get a callback
};

struct Options {
    const char* out = nullptr;
    int instances = 100;
    int items = 10000;
    double seconds = 0;
};

// The command line; false (after saying why) if it is wrong.
bool parse_options(int argc, char** argv, Options& o) {
    if (argc < 2 || argc > 5) {
        std::fprintf(stderr,
                     "usage: gui_bench_trace OUT.trace [INSTANCES=100] [ITEMS=10000] "
                     "[SECONDS=0]\n");
        return false;
    }
    o.out = argv[1];
    if (argc > 2) o.instances = std::atoi(argv[2]);
    if (argc > 3) o.items = std::atoi(argv[3]);
    if (argc > 4) o.seconds = std::atof(argv[4]);
    if (o.instances <= 0 || o.items < o.instances) {
        std::fprintf(stderr, "gui_bench_trace: need INSTANCES > 0 and ITEMS >= INSTANCES\n");
        return false;
    }
    if (!(o.seconds >= 0 && o.seconds <= 600)) {
        std::fprintf(stderr, "gui_bench_trace: SECONDS of activity must be 0..600\n");
        return false;
    }
    return true;
}

// The instances with their items inserted, a quarter of them on the ready list,
// and a waiter in epoll_wait on each.
std::vector<Instance> register_instances(epscope::gui_test::Synth& s, const Options& o,
                                         std::uint32_t events) {
    std::vector<Instance> all(static_cast<std::size_t>(o.instances));
    int fd = 1000;
    for (int i = 0; i < o.instances; ++i) {
        Instance& in = all[static_cast<std::size_t>(i)];
        in.ep = epscope::gui_test::ep_of(i + 1);
        in.epfd = 3 + i;
        in.first_fd = fd;
        in.items = o.items / o.instances + (i < o.items % o.instances ? 1 : 0);
        in.waiter = 5000 + static_cast<std::uint32_t>(i);
        in.on_ready.assign(static_cast<std::size_t>(in.items), false);
        s.create(in.ep, in.epfd);
        for (int k = 0; k < in.items; ++k) s.insert(in.ep, in.epfd, fd + k, events);
        for (int k = 0; k < in.items; k += 4) {
            s.callback(in.ep, fd + k, EP_CB_QUEUED_READY);
            in.ready.push_back(fd + k);
            in.on_ready[static_cast<std::size_t>(k)] = true;
        }
        s.wait_begin(in.ep, in.epfd, in.waiter);
        fd += in.items;
    }
    return all;
}

// Callbacks on the instance's next four items from the writer thread; returns the
// first item's fd.
int callback_four(epscope::gui_test::Synth& s, Instance& in, std::uint32_t writer) {
    int first = -1;
    for (int c = 0; c < 4; ++c) {
        const int k = in.next;
        in.next = (in.next + 1) % in.items;
        const int f = in.first_fd + k;
        if (in.on_ready[static_cast<std::size_t>(k)]) {
            s.callback(in.ep, f, EP_CB_ALREADY_READY, 1, writer);
        } else {
            s.callback(in.ep, f, EP_CB_QUEUED_READY, 1, writer);
            in.ready.push_back(f);
            in.on_ready[static_cast<std::size_t>(k)] = true;
        }
        if (first < 0) first = f;
    }
    return first;
}

// The waiter harvests up to 16 items off the ready list, returns from epoll_wait
// and waits again; returns how many it harvested.
std::uint32_t harvest_and_wait_again(epscope::gui_test::Synth& s, Instance& in) {
    s.harvest_begin(in.ep, in.waiter);
    std::uint32_t n = 0;
    while (n < 16 && !in.ready.empty()) {
        const int f = in.ready.front();
        in.ready.pop_front();
        in.on_ready[static_cast<std::size_t>(f - in.first_fd)] = false;
        s.harvest_item(in.ep, f, n++, in.waiter);
    }
    s.harvest_end(in.ep, in.waiter);
    s.wait_end(in.ep, in.epfd, static_cast<int>(n), in.waiter);
    s.wait_begin(in.ep, in.epfd, in.waiter);
    s.wait_sleep(in.ep, in.waiter);
    return n;
}

// Every millisecond for `seconds`, a few instances in turn get callbacks, a wakeup
// and a harvest; returns the number of records written.
std::size_t play_busy_server(epscope::gui_test::Synth& s, std::vector<Instance>& all,
                             double seconds) {
    std::size_t records = 0;
    const int per_tick = std::max(1, static_cast<int>(all.size()) / 20);
    const long ticks = static_cast<long>(seconds * 1000);
    const std::uint64_t start = s.ts + 1'000'000;
    std::size_t turn = 0;
    for (long t = 0; t < ticks; ++t) {
        s.ts = std::max(s.ts, start + static_cast<std::uint64_t>(t) * 1'000'000);
        for (int j = 0; j < per_tick; ++j) {
            Instance& in = all[turn++ % all.size()];
            const std::uint32_t writer = 9000 + (in.waiter - 5000);
            const int first = callback_four(s, in, writer);
            s.wakeup(in.ep, first, in.waiter, writer);
            records += 10 + harvest_and_wait_again(s, in);
        }
    }
    return records;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace epscope;
    Options o;
    if (!parse_options(argc, argv, o)) return 1;
    const bool active = o.seconds > 0;
    const std::uint32_t events = 1u | (active ? std::uint32_t{EPOLLET} : 0u);
    try {
        trace::TraceHeader h = trace::TraceHeader::for_this_host();
        h.set(trace::kMetaBackend, "synthetic");
        trace::TraceWriter w(o.out, h);
        gui_test::Synth s(w);
        s.process("bench");
        std::vector<Instance> all = register_instances(s, o, events);
        const std::size_t records = play_busy_server(s, all, o.seconds);
        w.close();
        std::printf("%s: %d instances, %d items", o.out, o.instances, o.items);
        if (active) std::printf(", %.3g s of activity (%zu records)", o.seconds, records);
        std::printf("\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gui_bench_trace: %s\n", e.what());
        return 1;
    }
    return 0;
}
