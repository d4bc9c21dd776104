// Builds synthetic records (fentry backend identities) and feeds them to a
// sink: the model in the view tests, a trace writer in the replay tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "stream/record.hpp"

namespace epscope::gui_test {

inline std::uint64_t ep_of(int n) { return 0xffff888000100000ull + 0x1000ull * n; }
inline std::uint64_t file_of(int fd) { return 0xffff888000200000ull + 0x100ull * fd; }
inline std::uint64_t epi_of(int fd) { return 0xffff888000300000ull + 0x80ull * fd; }

class Synth {
public:
    explicit Synth(stream::RecordSink& sink) : sink_(sink) {}

    std::uint64_t ts = 1000000;
    std::uint32_t tgid = 100;

    template <class T>
    void feed(ep_kind kind, T body, std::uint32_t tid = 0) {
        body.h.ts = ts;
        ts += 1000;
        body.h.tgid = tgid;
        body.h.tid = tid != 0 ? tid : tgid;
        body.h.kind = kind;
        body.h.size = sizeof(T);
        body.h.source = EP_SOURCE_FENTRY;
        sink_.on_record(stream::Record::of(body));
    }
    void process(const std::string& comm) {
        ep_process r{};
        r.what = EP_PROC_FOUND;
        std::strncpy(r.comm, comm.c_str(), sizeof r.comm - 1);
        feed(EP_KIND_PROCESS, r);
    }
    void create(std::uint64_t ep, int epfd) {
        ep_instance_create r{};
        r.ep = ep;
        r.file = ep + 1;
        r.epfd = epfd;
        feed(EP_KIND_INSTANCE_CREATE, r);
    }
    void insert(std::uint64_t ep, int epfd, int fd, std::uint32_t events = 1) {
        ep_item_ctl r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.file = file_of(fd);
        r.data = 0x100 + fd;
        r.epfd = epfd;
        r.fd = fd;
        r.events = events;
        feed(EP_KIND_ITEM_INSERT, r);
    }
    void remove(std::uint64_t ep, int epfd, int fd) {
        ep_item_remove r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.file = file_of(fd);
        r.epfd = epfd;
        r.fd = fd;
        r.reason = EP_REMOVE_CTL;
        feed(EP_KIND_ITEM_REMOVE, r);
    }
    void callback(std::uint64_t ep, int fd, std::uint8_t outcome, std::uint8_t waiters = 0,
                  std::uint32_t tid = 0) {
        ep_callback r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.file = file_of(fd);
        r.fd = fd;
        r.key = 1;
        r.events = 1;
        r.outcome = outcome;
        r.waiters = waiters;
        feed(EP_KIND_CALLBACK, r, tid);
    }
    void fd_name(int fd, const std::string& name) {
        ep_fd_name r{};
        r.fd = fd;
        r.type = EP_FD_PIPE;
        std::strncpy(r.name, name.c_str(), sizeof r.name - 1);
        feed(EP_KIND_FD_NAME, r);
    }
    void wait_begin(std::uint64_t ep, int epfd, std::uint32_t tid) {
        ep_wait_begin r{};
        r.ep = ep;
        r.timeout_ns = -1;
        r.epfd = epfd;
        r.maxevents = 16;
        feed(EP_KIND_WAIT_BEGIN, r, tid);
    }
    void wait_sleep(std::uint64_t ep, std::uint32_t tid) {
        ep_wait_sleep r{};
        r.ep = ep;
        feed(EP_KIND_WAIT_SLEEP, r, tid);
    }
    void wakeup(std::uint64_t ep, int fd, std::uint32_t woken, std::uint32_t tid = 0) {
        ep_wakeup r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.woken_tid = woken;
        feed(EP_KIND_WAKEUP, r, tid);
    }
    void harvest_begin(std::uint64_t ep, std::uint32_t tid = 0) {
        ep_harvest_begin r{};
        r.ep = ep;
        feed(EP_KIND_HARVEST_BEGIN, r, tid);
    }

    void wait_end(std::uint64_t ep, int epfd, int result, std::uint32_t tid) {
        ep_wait_end r{};
        r.ep = ep;
        r.epfd = epfd;
        r.result = result;
        feed(EP_KIND_WAIT_END, r, tid);
    }
    void harvest_item(std::uint64_t ep, int fd, std::uint32_t index, std::uint32_t tid) {
        ep_harvest_item r{};
        r.ep = ep;
        r.data = 0x100 + fd;
        r.revents = 1;
        r.index = index;
        feed(EP_KIND_HARVEST_ITEM, r, tid);
    }
    void harvest_end(std::uint64_t ep, std::uint32_t tid, std::uint32_t ready = ~0u) {
        ep_harvest_end r{};
        r.ep = ep;
        r.ready = ready;
        feed(EP_KIND_HARVEST_END, r, tid);
    }

private:
    stream::RecordSink& sink_;
};

}  // namespace epscope::gui_test
