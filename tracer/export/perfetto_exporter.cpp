#include "export/perfetto_exporter.hpp"

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>

#include "export/perfetto_trace.pb.h"
#include "model/model.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/atomic_output.hpp"

namespace epscope::exporter {
namespace {

namespace pb = perfetto::protos;

// One writer sequence: every packet carries this id, so the interned names of
// earlier packets apply to later ones.
constexpr std::uint32_t kSequence = 1;

// Track uuids: the kind of track in the low three bits, its identity above,
// so that the uuid every event carries stays a short varint.
enum class TrackKind : std::uint64_t { Process = 1, Thread = 2, Instance = 3, Counter = 4 };
std::uint64_t uuid(TrackKind k, std::uint64_t id) {
    return id << 3 | static_cast<std::uint64_t>(k);
}

enum Counter : std::uint64_t { kItems = 0, kReady = 1, kWaiters = 2, kCounters = 3 };
constexpr std::array<const char*, kCounters> kCounterNames = {"items", "ready list", "waiters"};

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

// The instance a record is about: its eventpoll, or (tracepoint backend, no
// kernel identity) the process's epoll fd.
struct InstanceKey {
    std::uint64_t ep = 0;
    std::uint32_t tgid = 0;
    std::int32_t epfd = -1;
};

InstanceKey instance_key(const stream::Record& rec) {
    const ep_header& h = rec.header();
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_CREATE: {
            const auto& r = rec.as<ep_instance_create>();
            return {r.ep, h.tgid, r.epfd};
        }
        case EP_KIND_INSTANCE_FREE:
            return {rec.as<ep_instance_free>().ep, h.tgid, -1};
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY: {
            const auto& r = rec.as<ep_item_ctl>();
            return {r.ep, h.tgid, r.epfd};
        }
        case EP_KIND_ITEM_REMOVE: {
            const auto& r = rec.as<ep_item_remove>();
            return {r.ep, h.tgid, r.epfd};
        }
        case EP_KIND_CALLBACK:
            return {rec.as<ep_callback>().ep, h.tgid, -1};
        case EP_KIND_WAKEUP:
            return {rec.as<ep_wakeup>().ep, h.tgid, -1};
        case EP_KIND_WAIT_BEGIN: {
            const auto& r = rec.as<ep_wait_begin>();
            return {r.ep, h.tgid, r.epfd};
        }
        case EP_KIND_WAIT_SLEEP:
            return {rec.as<ep_wait_sleep>().ep, h.tgid, -1};
        case EP_KIND_WAIT_END: {
            const auto& r = rec.as<ep_wait_end>();
            return {r.ep, h.tgid, r.epfd};
        }
        case EP_KIND_HARVEST_BEGIN:
            return {rec.as<ep_harvest_begin>().ep, h.tgid, -1};
        case EP_KIND_HARVEST_ITEM:
            return {rec.as<ep_harvest_item>().ep, h.tgid, -1};
        case EP_KIND_HARVEST_END:
            return {rec.as<ep_harvest_end>().ep, h.tgid, -1};
        default:
            return {};
    }
}

}  // namespace

struct PerfettoExporter::Impl {
    Impl(std::filesystem::path path, trace::ExportOptions opts)
        : out(std::move(path), opts.force), ids(opts.raw_addresses) {}

    trace::AtomicOutput out;
    stream::IdMap ids;
    model::Model model;
    std::string buf;  // one serialized packet, reused
    std::uint64_t packet_count = 0;
    std::uint64_t byte_count = 0;
    std::uint64_t last_ts = 0;

    // Interning (per sequence): names of events and of arguments.
    std::unordered_map<std::string, std::uint64_t> event_names;
    std::unordered_map<std::string, std::uint64_t> arg_names;

    // Tracks described so far, with the name they were described with.
    std::unordered_map<std::uint64_t, std::string> described;
    std::unordered_map<std::uint32_t, std::string> comm;  // by tgid, then by tid

    // Open slices per thread: epoll_wait, and the harvest inside it.
    struct OpenSlices {
        bool wait = false;
        bool harvest = false;
        std::uint32_t delivered = 0;
    };
    std::unordered_map<std::uint32_t, OpenSlices> open;

    // Flows: a callback's id, continued by the wakeup it caused and ended by
    // the delivery of its item. Keyed by instance uuid and the item's data.
    std::uint64_t next_flow = 1;
    std::unordered_map<std::uint64_t, std::unordered_map<std::uint64_t, std::uint64_t>> pending;
    struct LastCallback {
        std::uint64_t instance = 0;
        std::uint64_t flow = 0;
    };
    std::unordered_map<std::uint32_t, LastCallback> last_callback;  // by waker tid

    // Instance tracks: a number per instance (its eventpoll, or tgid and epfd).
    std::unordered_map<std::uint64_t, std::uint64_t> instance_ids;

    // Counter values last written, per instance track.
    std::unordered_map<std::uint64_t, std::array<std::int64_t, kCounters>> counters;

    void write(pb::TracePacket& p);
    pb::TracePacket packet(std::uint64_t ts);
    std::uint64_t intern_event(pb::TracePacket& p, const std::string& name);
    std::uint64_t intern_arg(pb::TracePacket& p, const char* name);
    void arg(pb::TracePacket& p, const char* name, std::int64_t v);
    void arg(pb::TracePacket& p, const char* name, const std::string& v);

    std::uint64_t process_track(std::uint32_t tgid);
    std::uint64_t thread_track(std::uint32_t tgid, std::uint32_t tid);
    std::uint64_t instance_track(const model::Instance& in);
    std::uint64_t counter_track(std::uint64_t instance, std::uint64_t c) const;
    void write_counters(std::uint64_t ts, std::uint64_t track,
                        const std::array<std::int64_t, kCounters>& now);
    bool known(std::uint64_t track, std::string_view name);
    void describe(std::uint64_t track, pb::TrackDescriptor d);
    std::string_view comm_of(std::uint32_t id) const;

    pb::TracePacket event(std::uint64_t ts, std::uint64_t track, pb::TrackEvent::Type type,
                          const std::string& name);
    model::InstanceRef find_instance(const InstanceKey& k) const;
    std::string fd_label(std::uint32_t tgid, std::int32_t fd) const;

    void dispatch(const stream::Record& rec, std::uint64_t track, model::InstanceRef inst);
    void on_process(const stream::Record& rec);
    void on_wait_begin(const stream::Record& rec);
    void on_wait_end(const stream::Record& rec);
    void on_harvest_begin(const stream::Record& rec);
    void on_harvest_item(const stream::Record& rec, std::uint64_t track);
    void on_harvest_end(const stream::Record& rec);
    void on_callback(const stream::Record& rec, std::uint64_t track, model::InstanceRef inst);
    void on_wakeup(const stream::Record& rec);
    void on_instance_event(const stream::Record& rec, std::uint64_t track, const std::string& name);
    void on_lost(const stream::Record& rec);
    void update_counters(std::uint64_t ts, std::uint64_t before_track, model::InstanceRef after);
    void close_open_slices();
};

// ---- packets and interning ----

void PerfettoExporter::Impl::write(pb::TracePacket& p) {
    p.set_trusted_packet_sequence_id(kSequence);
    p.set_sequence_flags(packet_count == 0 ? pb::TracePacket::SEQ_INCREMENTAL_STATE_CLEARED
                                           : pb::TracePacket::SEQ_NEEDS_INCREMENTAL_STATE);
    buf.clear();
    buf.push_back(0x0a);  // Trace.packet: field 1, length-delimited
    std::size_t size = p.ByteSizeLong();
    put_varint(buf, size);
    std::size_t at = buf.size();
    buf.resize(at + size);
    p.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(buf.data() + at));
    out.write(buf);
    ++packet_count;
    byte_count += buf.size();
}

pb::TracePacket PerfettoExporter::Impl::packet(std::uint64_t ts) {
    pb::TracePacket p;
    p.set_timestamp(ts);
    return p;
}

std::uint64_t PerfettoExporter::Impl::intern_event(pb::TracePacket& p, const std::string& name) {
    auto [it, added] = event_names.try_emplace(name, event_names.size() + 1);
    if (added) {
        auto* e = p.mutable_interned_data()->add_event_names();
        e->set_iid(it->second);
        e->set_name(name);
    }
    return it->second;
}

std::uint64_t PerfettoExporter::Impl::intern_arg(pb::TracePacket& p, const char* name) {
    auto [it, added] = arg_names.try_emplace(name, arg_names.size() + 1);
    if (added) {
        auto* a = p.mutable_interned_data()->add_debug_annotation_names();
        a->set_iid(it->second);
        a->set_name(name);
    }
    return it->second;
}

void PerfettoExporter::Impl::arg(pb::TracePacket& p, const char* name, std::int64_t v) {
    auto* a = p.mutable_track_event()->add_debug_annotations();
    a->set_name_iid(intern_arg(p, name));
    a->set_int_value(v);
}

void PerfettoExporter::Impl::arg(pb::TracePacket& p, const char* name, const std::string& v) {
    auto* a = p.mutable_track_event()->add_debug_annotations();
    a->set_name_iid(intern_arg(p, name));
    a->set_string_value(v);
}

pb::TracePacket PerfettoExporter::Impl::event(std::uint64_t ts, std::uint64_t track,
                                              pb::TrackEvent::Type type, const std::string& name) {
    pb::TracePacket p = packet(ts);
    auto* e = p.mutable_track_event();
    e->set_type(type);
    e->set_track_uuid(track);
    if (!name.empty()) e->set_name_iid(intern_event(p, name));
    return p;
}

// ---- tracks ----

// `name` is what the descriptor says that can change (comm after exec, a
// thread's name): the descriptor is built and written again only then.
bool PerfettoExporter::Impl::known(std::uint64_t track, std::string_view name) {
    auto [it, added] = described.try_emplace(track, name);
    if (!added && it->second == name) return true;
    it->second = name;
    return false;
}

void PerfettoExporter::Impl::describe(std::uint64_t track, pb::TrackDescriptor d) {
    d.set_uuid(track);
    pb::TracePacket p;
    *p.mutable_track_descriptor() = std::move(d);
    write(p);
}

std::string_view PerfettoExporter::Impl::comm_of(std::uint32_t id) const {
    auto it = comm.find(id);
    return it == comm.end() ? std::string_view{} : std::string_view{it->second};
}

std::uint64_t PerfettoExporter::Impl::process_track(std::uint32_t tgid) {
    std::uint64_t track = uuid(TrackKind::Process, tgid);
    std::string_view name = comm_of(tgid);
    if (known(track, name)) return track;
    pb::TrackDescriptor d;
    d.mutable_process()->set_pid(static_cast<std::int32_t>(tgid));
    if (!name.empty()) d.mutable_process()->set_process_name(std::string(name));
    describe(track, std::move(d));
    return track;
}

std::uint64_t PerfettoExporter::Impl::thread_track(std::uint32_t tgid, std::uint32_t tid) {
    std::uint64_t track = uuid(TrackKind::Thread, tid);
    std::string_view name = comm_of(tid);
    if (known(track, name)) return track;
    process_track(tgid);
    pb::TrackDescriptor d;
    d.mutable_thread()->set_pid(static_cast<std::int32_t>(tgid));
    d.mutable_thread()->set_tid(static_cast<std::int32_t>(tid));
    if (!name.empty()) d.mutable_thread()->set_thread_name(std::string(name));
    describe(track, std::move(d));
    return track;
}

// An instance's track sits under its creator's process; its counters under it.
std::uint64_t PerfettoExporter::Impl::instance_track(const model::Instance& in) {
    std::uint32_t tgid = in.creator_tgid ? in.creator_tgid : (in.fds.empty() ? 0 : in.fds[0].tgid);
    std::int32_t epfd = in.fds.empty() ? -1 : in.fds[0].fd;
    std::uint64_t key =
        in.ep ? in.ep : (std::uint64_t{tgid} << 32) | static_cast<std::uint32_t>(epfd);
    auto [id, added] = instance_ids.try_emplace(key, instance_ids.size() + 1);
    std::uint64_t track = uuid(TrackKind::Instance, id->second);
    if (!added) return track;
    std::string name = "epoll";
    if (in.ep) name += " " + ids.name(stream::AddrSpace::Instance, in.ep);
    if (epfd >= 0) name += " epfd " + std::to_string(epfd);
    pb::TrackDescriptor d;
    d.set_name(name);
    if (tgid) d.set_parent_uuid(process_track(tgid));
    describe(track, d);
    for (std::uint64_t c = 0; c < kCounters; ++c) {
        pb::TrackDescriptor cd;
        cd.set_name(name + " " + kCounterNames[c]);
        cd.set_parent_uuid(track);
        cd.mutable_counter()->set_unit(pb::CounterDescriptor::UNIT_COUNT);
        describe(counter_track(track, c), std::move(cd));
    }
    return track;
}

std::uint64_t PerfettoExporter::Impl::counter_track(std::uint64_t instance, std::uint64_t c) const {
    return uuid(TrackKind::Counter, (instance << 2 | c));
}

model::InstanceRef PerfettoExporter::Impl::find_instance(const InstanceKey& k) const {
    if (k.ep) return model.find_instance(k.ep);
    if (k.epfd >= 0) return model.find_instance_by_fd(k.tgid, k.epfd);
    return model::kNil;
}

std::string PerfettoExporter::Impl::fd_label(std::uint32_t tgid, std::int32_t fd) const {
    std::string s = "fd " + std::to_string(fd);
    std::string_view n = model.fd_name(tgid, fd);
    if (!n.empty()) s += " (" + std::string(n) + ")";
    return s;
}

// ---- records ----

void PerfettoExporter::Impl::on_process(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const auto& p = rec.as<ep_process>();
    std::string name(stream::fixed_text(p.comm, sizeof p.comm));
    if (name.empty()) return;
    comm[h.tid] = name;
    if (p.what == EP_PROC_FOUND || p.what == EP_PROC_FORK || p.what == EP_PROC_EXEC)
        comm[h.tgid] = name;
    thread_track(h.tgid, h.tid);
}

void PerfettoExporter::Impl::on_wait_begin(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const auto& r = rec.as<ep_wait_begin>();
    OpenSlices& o = open[h.tid];
    std::uint64_t track = thread_track(h.tgid, h.tid);
    if (o.wait) {  // a lost WAIT_END: end the previous wait here
        pb::TracePacket end = event(h.ts, track, pb::TrackEvent::TYPE_SLICE_END, "");
        arg(end, "unfinished", std::int64_t{1});
        write(end);
    }
    pb::TracePacket p = event(h.ts, track, pb::TrackEvent::TYPE_SLICE_BEGIN, "epoll_wait");
    arg(p, "epfd", std::int64_t{r.epfd});
    arg(p, "maxevents", std::int64_t{r.maxevents});
    arg(p, "timeout_ns", std::int64_t{r.timeout_ns});
    write(p);
    o.wait = true;
}

void PerfettoExporter::Impl::on_wait_end(const stream::Record& rec) {
    const ep_header& h = rec.header();
    OpenSlices& o = open[h.tid];
    if (!o.wait) return;  // the trace began inside this wait
    if (o.harvest) {      // a lost HARVEST_END: the harvest ends with its wait
        pb::TracePacket end =
            event(h.ts, thread_track(h.tgid, h.tid), pb::TrackEvent::TYPE_SLICE_END, "");
        write(end);
        o.harvest = false;
    }
    pb::TracePacket p =
        event(h.ts, thread_track(h.tgid, h.tid), pb::TrackEvent::TYPE_SLICE_END, "");
    arg(p, "result", std::int64_t{rec.as<ep_wait_end>().result});
    write(p);
    o.wait = false;
}

void PerfettoExporter::Impl::on_harvest_begin(const stream::Record& rec) {
    const ep_header& h = rec.header();
    OpenSlices& o = open[h.tid];
    if (o.harvest) return;  // nested begin: keep the first
    pb::TracePacket p =
        event(h.ts, thread_track(h.tgid, h.tid), pb::TrackEvent::TYPE_SLICE_BEGIN, "harvest");
    write(p);
    o.harvest = true;
    o.delivered = 0;
}

void PerfettoExporter::Impl::on_harvest_end(const stream::Record& rec) {
    const ep_header& h = rec.header();
    OpenSlices& o = open[h.tid];
    if (!o.harvest) return;
    const auto& r = rec.as<ep_harvest_end>();
    pb::TracePacket p =
        event(h.ts, thread_track(h.tgid, h.tid), pb::TrackEvent::TYPE_SLICE_END, "");
    arg(p, "delivered", std::int64_t{o.delivered});
    if (r.ready != ~0u) arg(p, "ready_after", std::int64_t{r.ready});
    arg(p, "via_overflow", std::int64_t{r.overflow});
    write(p);
    o.harvest = false;
}

void PerfettoExporter::Impl::on_harvest_item(const stream::Record& rec, std::uint64_t track) {
    const ep_header& h = rec.header();
    const auto& r = rec.as<ep_harvest_item>();
    ++open[h.tid].delivered;
    std::string name = "deliver " + stream::events_text(r.revents);
    std::uint64_t flow = 0;
    if (auto f = pending.find(track); track && f != pending.end()) {
        if (auto it = f->second.find(r.data); it != f->second.end()) {
            flow = it->second;
            f->second.erase(it);
        }
    }
    pb::TracePacket p =
        event(h.ts, thread_track(h.tgid, h.tid), pb::TrackEvent::TYPE_INSTANT, name);
    arg(p, "data", static_cast<std::int64_t>(r.data));
    if (flow) p.mutable_track_event()->add_terminating_flow_ids(flow);
    write(p);
}

void PerfettoExporter::Impl::on_callback(const stream::Record& rec, std::uint64_t track,
                                         model::InstanceRef inst) {
    const ep_header& h = rec.header();
    const auto& r = rec.as<ep_callback>();
    if (inst == model::kNil || !track) return;
    const model::Instance& in = model.instance(inst);
    std::uint32_t owner = in.fds.empty() ? h.tgid : in.fds[0].tgid;
    std::string name =
        "callback " + stream::callback_outcome_name(r.outcome) + " " + fd_label(owner, r.fd);
    pb::TracePacket p = event(h.ts, track, pb::TrackEvent::TYPE_INSTANT, name);
    arg(p, "key", stream::events_text(r.key));
    arg(p, "waker_tid", std::int64_t{h.tid});
    model::ItemRef item = model.find_item(inst, r.file, r.fd);
    if (item != model::kNil &&
        (r.outcome == EP_CB_QUEUED_READY || r.outcome == EP_CB_QUEUED_OVERFLOW)) {
        std::uint64_t flow = next_flow++;
        pending[track][model.item(item).data] = flow;
        last_callback[h.tid] = {track, flow};
        p.mutable_track_event()->add_flow_ids(flow);
    }
    write(p);
}

void PerfettoExporter::Impl::on_wakeup(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const auto& r = rec.as<ep_wakeup>();
    std::uint32_t woken_tgid = h.tgid;
    std::string name = "woken by tid " + std::to_string(h.tid);
    pb::TracePacket p =
        event(h.ts, thread_track(woken_tgid, r.woken_tid), pb::TrackEvent::TYPE_INSTANT, name);
    if (auto it = last_callback.find(h.tid); it != last_callback.end() && it->second.flow)
        p.mutable_track_event()->add_flow_ids(it->second.flow);
    write(p);
}

void PerfettoExporter::Impl::on_instance_event(const stream::Record& rec, std::uint64_t track,
                                               const std::string& name) {
    if (!track) return;
    pb::TracePacket p = event(rec.header().ts, track, pb::TrackEvent::TYPE_INSTANT, name);
    arg(p, "tid", std::int64_t{rec.header().tid});
    write(p);
}

void PerfettoExporter::Impl::on_lost(const stream::Record& rec) {
    const ep_header& h = rec.header();
    pb::TracePacket p =
        event(h.ts, process_track(h.tgid), pb::TrackEvent::TYPE_INSTANT, "LOST records");
    arg(p, "count", static_cast<std::int64_t>(rec.as<ep_lost>().count));
    write(p);
}

void PerfettoExporter::Impl::write_counters(std::uint64_t ts, std::uint64_t track,
                                            const std::array<std::int64_t, kCounters>& now) {
    auto [it, added] = counters.try_emplace(track, std::array<std::int64_t, kCounters>{-1, -1, -1});
    for (std::uint64_t c = 0; c < kCounters; ++c) {
        if (it->second[c] == now[c]) continue;
        it->second[c] = now[c];
        pb::TracePacket p = packet(ts);
        auto* e = p.mutable_track_event();
        e->set_type(pb::TrackEvent::TYPE_COUNTER);
        e->set_track_uuid(counter_track(track, c));
        e->set_counter_value(now[c]);
        write(p);
    }
}

// The counters of the instance a record touched, as the model has them now;
// an instance the record ended drops to zero.
void PerfettoExporter::Impl::update_counters(std::uint64_t ts, std::uint64_t before_track,
                                             model::InstanceRef after) {
    if (after != model::kNil && model.instance(after).live) {
        const model::Instance& in = model.instance(after);
        write_counters(ts, instance_track(in),
                       {in.items, in.ready.count, static_cast<std::int64_t>(in.waiters.size())});
    } else if (before_track) {
        write_counters(ts, before_track, {0, 0, 0});
        counters.erase(before_track);
    }
}

void PerfettoExporter::Impl::dispatch(const stream::Record& rec, std::uint64_t track,
                                      model::InstanceRef inst) {
    const ep_header& h = rec.header();
    switch (rec.kind()) {
        case EP_KIND_PROCESS:
            on_process(rec);
            break;
        case EP_KIND_WAIT_BEGIN:
            on_wait_begin(rec);
            break;
        case EP_KIND_WAIT_END:
            on_wait_end(rec);
            break;
        case EP_KIND_HARVEST_BEGIN:
            on_harvest_begin(rec);
            break;
        case EP_KIND_HARVEST_ITEM:
            on_harvest_item(rec, track);
            break;
        case EP_KIND_HARVEST_END:
            on_harvest_end(rec);
            break;
        case EP_KIND_CALLBACK:
            on_callback(rec, track, inst);
            break;
        case EP_KIND_WAKEUP:
            on_wakeup(rec);
            break;
        case EP_KIND_LOST:
            on_lost(rec);
            break;
        case EP_KIND_INSTANCE_CREATE:
            on_instance_event(rec, track, "epoll_create");
            break;
        case EP_KIND_INSTANCE_FREE:
            on_instance_event(rec, track, "instance freed");
            break;
        case EP_KIND_ITEM_INSERT:
            on_instance_event(rec, track, "add " + fd_label(h.tgid, rec.as<ep_item_ctl>().fd));
            break;
        case EP_KIND_ITEM_MODIFY:
            on_instance_event(rec, track, "mod " + fd_label(h.tgid, rec.as<ep_item_ctl>().fd));
            break;
        case EP_KIND_ITEM_REMOVE: {
            const auto& r = rec.as<ep_item_remove>();
            on_instance_event(
                rec, track,
                "remove " + fd_label(h.tgid, r.fd) + " " + stream::remove_reason_name(r.reason));
            break;
        }
        default:
            // Walks, snapshots, fd names and sleeps feed the model, not the timeline.
            break;
    }
}

void PerfettoExporter::Impl::close_open_slices() {
    for (auto& [tid, o] : open) {
        std::uint64_t track = uuid(TrackKind::Thread, tid);
        for (bool* is_open : {&o.harvest, &o.wait}) {
            if (!*is_open) continue;
            pb::TracePacket p = event(last_ts, track, pb::TrackEvent::TYPE_SLICE_END, "");
            arg(p, "unfinished", std::int64_t{1});
            write(p);
            *is_open = false;
        }
    }
}

// ---- public ----

PerfettoExporter::PerfettoExporter(std::filesystem::path path, trace::ExportOptions opts)
    : impl_(std::make_unique<Impl>(std::move(path), opts)) {}

PerfettoExporter::~PerfettoExporter() = default;

void PerfettoExporter::on_record(const stream::Record& rec) {
    Impl& m = *impl_;
    const ep_header& h = rec.header();
    if (h.ts > m.last_ts) m.last_ts = h.ts;
    stream::name_addresses(rec, m.ids);  // ep#N as in dump and stat: in file order
    InstanceKey key = instance_key(rec);
    // Instances are looked up before the model applies the record (a free or
    // a removal ends them) and after (a create or an insert makes them).
    model::InstanceRef before = m.find_instance(key);
    std::uint64_t before_track =
        before != model::kNil ? m.instance_track(m.model.instance(before)) : 0;
    m.model.on_record(rec);
    model::InstanceRef after = m.find_instance(key);
    std::uint64_t track =
        after != model::kNil ? m.instance_track(m.model.instance(after)) : before_track;
    m.dispatch(rec, track, after);
    m.update_counters(h.ts, before_track, after);
}

// Left out by a filter: its ids and the model's state (the counter tracks of
// the records shown) still take it.
void PerfettoExporter::on_unselected(const stream::Record& rec) {
    stream::name_addresses(rec, impl_->ids);
    impl_->model.on_record(rec);
}

std::string PerfettoExporter::finish() {
    impl_->model.flush_all_deferred();
    impl_->close_open_slices();
    return impl_->out.commit();
}

std::uint64_t PerfettoExporter::packets() const { return impl_->packet_count; }
std::uint64_t PerfettoExporter::bytes() const { return impl_->byte_count; }

}  // namespace epscope::exporter
