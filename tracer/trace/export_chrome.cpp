#include <nlohmann/json.hpp>
#include <optional>

#include "stream/record_text.hpp"
#include "trace/export.hpp"

namespace epscope::trace {
namespace {

using Json = nlohmann::ordered_json;

// Trace-event timestamps are microseconds, read as doubles by every viewer.
double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

// The fields of an open slice's begin record, marked as never ended.
Json unfinished(Json args) {
    args["unfinished"] = true;
    return args;
}

}  // namespace

// The events are written one by one (a trace may hold millions): only the array around them
// is literal text.
ChromeTraceExporter::ChromeTraceExporter(std::filesystem::path path, ExportOptions opts)
    : out_(std::move(path), opts.force), ids_(opts.raw_addresses) {
    out_.write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
}

void ChromeTraceExporter::event(const Json& e) {
    if (!first_) out_.write(",\n");
    first_ = false;
    out_.write(stream::json_text(e));
}

void ChromeTraceExporter::slice(const stream::Record& begin, std::uint64_t end_ts,
                                const std::string& name, Json args) {
    const ep_header& h = begin.header();
    std::uint64_t dur = end_ts >= h.ts ? end_ts - h.ts : 0;
    event({{"name", name},
           {"cat", "epoll"},
           {"ph", "X"},
           {"ts", us(h.ts)},
           {"dur", us(dur)},
           {"pid", h.tgid},
           {"tid", h.tid},
           {"args", std::move(args)}});
}

void ChromeTraceExporter::instant(const stream::Record& rec, const std::string& name) {
    const ep_header& h = rec.header();
    event({{"name", name},
           {"cat", std::string(abi::kind_name(h.kind))},
           {"ph", "i"},
           {"s", "t"},
           {"ts", us(h.ts)},
           {"pid", h.tgid},
           {"tid", h.tid},
           {"args", stream::fields_object(rec, ids_)}});
}

void ChromeTraceExporter::name_meta(std::uint32_t pid, std::uint32_t tid, const char* what,
                                    const std::string& n) {
    // Only on change: PROCESS records repeat names (fork, exec, thread).
    auto& known = names_[{pid, what[0] == 'p' ? 0u : tid}];
    if (known == n) return;
    known = n;
    event({{"name", what}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", n}}}});
}

void ChromeTraceExporter::on_unselected(const stream::Record& rec) {
    stream::name_addresses(rec, ids_);
}

namespace {

// The name of the instant event a record is on the timeline, nullopt for walks, snapshots,
// fd names and sleeps: model inputs, not timeline events.
std::optional<std::string> instant_name(const stream::Record& rec) {
    switch (rec.kind()) {
        case EP_KIND_CALLBACK:
            return "callback " + stream::callback_outcome_name(rec.as<ep_callback>().outcome);
        case EP_KIND_WAKEUP:
            return "wakeup tid " + std::to_string(rec.as<ep_wakeup>().woken_tid);
        case EP_KIND_HARVEST_ITEM:
            return "harvest_item " + stream::events_text(rec.as<ep_harvest_item>().revents);
        case EP_KIND_ITEM_INSERT:
            return "epoll_ctl add fd " + std::to_string(rec.as<ep_item_ctl>().fd);
        case EP_KIND_ITEM_MODIFY:
            return "epoll_ctl mod fd " + std::to_string(rec.as<ep_item_ctl>().fd);
        case EP_KIND_ITEM_REMOVE:
            return "item_remove fd " + std::to_string(rec.as<ep_item_remove>().fd) + " " +
                   stream::remove_reason_name(rec.as<ep_item_remove>().reason);
        case EP_KIND_INSTANCE_CREATE:
            return "epoll_create";
        case EP_KIND_INSTANCE_FREE:
            return "instance_free";
        case EP_KIND_LOST:
            return "LOST " + std::to_string(rec.as<ep_lost>().count) + " records";
        case EP_KIND_CHECKPOINT: {
            const auto& c = rec.as<ep_checkpoint>();
            return "checkpoint " + std::string(stream::fixed_text(c.label, sizeof c.label));
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

// A WAIT_BEGIN or HARVEST_BEGIN opens its thread's slice, printed when it ends.
void ChromeTraceExporter::begin_slice(const stream::Record& rec) {
    const bool wait = rec.kind() == EP_KIND_WAIT_BEGIN;
    Open& o = (wait ? waits_ : harvests_)[rec.header().tid];
    // A lost end record: close the previous slice where the new one begins.
    if (o.open)
        slice(o.begin, rec.header().ts, wait ? "epoll_wait" : "harvest",
              unfinished(stream::fields_object(o.begin, ids_)));
    o.begin = rec;
    o.open = true;
}

void ChromeTraceExporter::end_slice(const stream::Record& rec) {
    const bool wait = rec.kind() == EP_KIND_WAIT_END;
    Open& o = (wait ? waits_ : harvests_)[rec.header().tid];
    if (!o.open) {
        // The trace began while this thread was already waiting or harvesting.
        instant(rec, wait ? "epoll_wait end" : "harvest end");
        return;
    }
    if (wait) {
        Json args = stream::fields_object(o.begin, ids_);
        args["result"] = rec.as<ep_wait_end>().result;
        slice(o.begin, rec.header().ts, "epoll_wait", std::move(args));
    } else {
        slice(o.begin, rec.header().ts, "harvest", stream::fields_object(rec, ids_));
    }
    o.open = false;
}

void ChromeTraceExporter::on_process(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const auto& p = rec.as<ep_process>();
    std::string comm(stream::fixed_text(p.comm, sizeof p.comm));
    if (p.what == EP_PROC_THREAD) {
        name_meta(h.tgid, h.tid, "thread_name", comm);
    } else if (p.what == EP_PROC_FOUND || p.what == EP_PROC_FORK || p.what == EP_PROC_EXEC) {
        name_meta(h.tgid, h.tgid, "process_name", comm);
        name_meta(h.tgid, h.tgid, "thread_name", comm);
    }
}

void ChromeTraceExporter::on_record(const stream::Record& rec) {
    if (rec.header().ts > last_ts_) last_ts_ = rec.header().ts;
    // Slices are printed when they end: number addresses when first seen.
    stream::name_addresses(rec, ids_);
    switch (rec.kind()) {
        case EP_KIND_WAIT_BEGIN:
        case EP_KIND_HARVEST_BEGIN:
            begin_slice(rec);
            break;
        case EP_KIND_WAIT_END:
        case EP_KIND_HARVEST_END:
            end_slice(rec);
            break;
        case EP_KIND_PROCESS:
            on_process(rec);
            break;
        default:
            if (auto name = instant_name(rec)) instant(rec, *name);
            break;
    }
}

std::string ChromeTraceExporter::finish() {
    for (auto* opens : {&waits_, &harvests_}) {
        for (auto& [tid, o] : *opens) {
            if (!o.open) continue;
            const char* name = opens == &waits_ ? "epoll_wait" : "harvest";
            slice(o.begin, last_ts_, name, unfinished(stream::fields_object(o.begin, ids_)));
            o.open = false;
        }
    }
    out_.write("\n]}\n");
    return out_.commit();
}

}  // namespace epscope::trace
