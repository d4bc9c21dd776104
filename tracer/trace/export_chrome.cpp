#include <cinttypes>
#include <cstdio>

#include "stream/record_text.hpp"
#include "trace/export.hpp"

namespace epscope::trace {
namespace {

// Trace-event timestamps are microseconds; keep the nanoseconds as decimals.
std::string us(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
    return buf;
}

std::string pid_tid(const ep_header& h) {
    return ",\"pid\":" + std::to_string(h.tgid) + ",\"tid\":" + std::to_string(h.tid);
}

// Adds `extra` ("\"k\":v") to a JSON object text.
std::string with(const std::string& object, const std::string& extra) {
    if (object.size() <= 2) return "{" + extra + "}";
    return object.substr(0, object.size() - 1) + "," + extra + "}";
}

}  // namespace

ChromeTraceExporter::ChromeTraceExporter(std::filesystem::path path, ExportOptions opts)
    : out_(std::move(path), opts.force), ids_(opts.raw_addresses) {
    out_.write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
}

void ChromeTraceExporter::event(const std::string& body) {
    if (!first_) out_.write(",\n");
    first_ = false;
    out_.write(body);
}

void ChromeTraceExporter::slice(const stream::Record& begin, std::uint64_t end_ts,
                                const std::string& name, const std::string& args) {
    const ep_header& h = begin.header();
    std::uint64_t dur = end_ts >= h.ts ? end_ts - h.ts : 0;
    event("{\"name\":\"" + name + "\",\"cat\":\"epoll\",\"ph\":\"X\",\"ts\":" + us(h.ts) +
          ",\"dur\":" + us(dur) + pid_tid(h) + ",\"args\":" + args + "}");
}

void ChromeTraceExporter::instant(const stream::Record& rec, const std::string& name) {
    const ep_header& h = rec.header();
    event("{\"name\":\"" + stream::json_escape(name) + "\",\"cat\":\"" +
          std::string(abi::kind_name(h.kind)) + "\",\"ph\":\"i\",\"s\":\"t\",\"ts\":" + us(h.ts) +
          pid_tid(h) + ",\"args\":" + stream::fields_json(rec, ids_) + "}");
}

void ChromeTraceExporter::name_meta(std::uint32_t pid, std::uint32_t tid, const char* what,
                                    const std::string& n) {
    // Only on change: PROCESS records repeat names (fork, exec, thread).
    auto& known = names_[{pid, what[0] == 'p' ? 0u : tid}];
    if (known == n) return;
    known = n;
    event(std::string("{\"name\":\"") + what + "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
          ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"name\":\"" + stream::json_escape(n) +
          "\"}}");
}

void ChromeTraceExporter::on_unselected(const stream::Record& rec) {
    stream::name_addresses(rec, ids_);
}

void ChromeTraceExporter::on_record(const stream::Record& rec) {
    const ep_header& h = rec.header();
    if (h.ts > last_ts_) last_ts_ = h.ts;
    // Slices are printed when they end: number addresses when first seen.
    stream::name_addresses(rec, ids_);
    switch (rec.kind()) {
        case EP_KIND_WAIT_BEGIN: {
            Open& w = waits_[h.tid];
            // A lost WAIT_END: close the previous wait where the new one begins.
            if (w.open)
                slice(w.begin, h.ts, "epoll_wait",
                      with(stream::fields_json(w.begin, ids_), "\"unfinished\":true"));
            w.begin = rec;
            w.open = true;
            break;
        }
        case EP_KIND_WAIT_END: {
            Open& w = waits_[h.tid];
            std::string result = "\"result\":" + std::to_string(rec.as<ep_wait_end>().result);
            if (w.open) {
                slice(w.begin, h.ts, "epoll_wait",
                      with(stream::fields_json(w.begin, ids_), result));
                w.open = false;
            } else {
                // The trace began while this thread was already waiting.
                instant(rec, "epoll_wait end");
            }
            break;
        }
        case EP_KIND_HARVEST_BEGIN: {
            Open& hv = harvests_[h.tid];
            if (hv.open)
                slice(hv.begin, h.ts, "harvest",
                      with(stream::fields_json(hv.begin, ids_), "\"unfinished\":true"));
            hv.begin = rec;
            hv.open = true;
            break;
        }
        case EP_KIND_HARVEST_END: {
            Open& hv = harvests_[h.tid];
            if (hv.open) {
                slice(hv.begin, h.ts, "harvest", stream::fields_json(rec, ids_));
                hv.open = false;
            } else {
                instant(rec, "harvest end");
            }
            break;
        }
        case EP_KIND_CALLBACK:
            instant(rec,
                    "callback " + stream::callback_outcome_name(rec.as<ep_callback>().outcome));
            break;
        case EP_KIND_WAKEUP:
            instant(rec, "wakeup tid " + std::to_string(rec.as<ep_wakeup>().woken_tid));
            break;
        case EP_KIND_HARVEST_ITEM:
            instant(rec, "harvest_item " + stream::events_text(rec.as<ep_harvest_item>().revents));
            break;
        case EP_KIND_ITEM_INSERT:
            instant(rec, "epoll_ctl add fd " + std::to_string(rec.as<ep_item_ctl>().fd));
            break;
        case EP_KIND_ITEM_MODIFY:
            instant(rec, "epoll_ctl mod fd " + std::to_string(rec.as<ep_item_ctl>().fd));
            break;
        case EP_KIND_ITEM_REMOVE:
            instant(rec, "item_remove fd " + std::to_string(rec.as<ep_item_remove>().fd) + " " +
                             stream::remove_reason_name(rec.as<ep_item_remove>().reason));
            break;
        case EP_KIND_INSTANCE_CREATE:
            instant(rec, "epoll_create");
            break;
        case EP_KIND_INSTANCE_FREE:
            instant(rec, "instance_free");
            break;
        case EP_KIND_LOST:
            instant(rec, "LOST " + std::to_string(rec.as<ep_lost>().count) + " records");
            break;
        case EP_KIND_CHECKPOINT:
            instant(rec, "checkpoint " +
                             std::string(stream::fixed_text(rec.as<ep_checkpoint>().label,
                                                            sizeof rec.as<ep_checkpoint>().label)));
            break;
        case EP_KIND_PROCESS: {
            const auto& p = rec.as<ep_process>();
            std::string comm(stream::fixed_text(p.comm, sizeof p.comm));
            if (p.what == EP_PROC_THREAD) {
                name_meta(h.tgid, h.tid, "thread_name", comm);
            } else if (p.what == EP_PROC_FOUND || p.what == EP_PROC_FORK ||
                       p.what == EP_PROC_EXEC) {
                name_meta(h.tgid, h.tgid, "process_name", comm);
                name_meta(h.tgid, h.tgid, "thread_name", comm);
            }
            break;
        }
        default:
            // Walks, snapshots, fd names and sleeps are model inputs, not timeline events.
            break;
    }
}

std::string ChromeTraceExporter::finish() {
    for (auto* opens : {&waits_, &harvests_}) {
        for (auto& [tid, o] : *opens) {
            if (!o.open) continue;
            const char* name = opens == &waits_ ? "epoll_wait" : "harvest";
            slice(o.begin, last_ts_, name,
                  with(stream::fields_json(o.begin, ids_), "\"unfinished\":true"));
            o.open = false;
        }
    }
    out_.write("\n]}\n");
    return out_.commit();
}

}  // namespace epscope::trace
