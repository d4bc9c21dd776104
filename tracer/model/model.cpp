#include "model/model.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "stream/abi.hpp"

namespace epscope::model {

namespace {

std::uint64_t fd_key(std::uint32_t tgid, std::int32_t fd) {
    return (std::uint64_t{tgid} << 32) | static_cast<std::uint32_t>(fd);
}

// A duration from two timestamps that CPU reordering may have inverted.
std::uint64_t elapsed(std::uint64_t from, std::uint64_t to) { return to > from ? to - from : 0; }

std::string comm_of(const char (&comm)[16]) { return std::string(comm, strnlen(comm, 16)); }

}  // namespace

Model::Model() = default;
Model::~Model() = default;

void Model::on_record(const stream::Record& rec) {
    const ep_header& h = rec.header();
    ++stats_.records;
    if (!abi::kind_valid(h.kind) || h.size != abi::kind_size(h.kind)) {
        ++stats_.malformed;
        return;
    }
    ++stats_.by_kind[h.kind];
    if (h.ts < last_ts_) {
        ++stats_.ts_inversions;
    } else {
        last_ts_ = h.ts;
    }
    route(rec);
}

namespace {

// The instance a record is about (0: none or unknown).
std::uint64_t record_ep(const stream::Record& rec) {
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_FREE:
            return rec.as<ep_instance_free>().ep;
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY:
            return rec.as<ep_item_ctl>().ep;
        case EP_KIND_ITEM_REMOVE:
            return rec.as<ep_item_remove>().ep;
        case EP_KIND_CALLBACK:
            return rec.as<ep_callback>().ep;
        case EP_KIND_WAKEUP:
            return rec.as<ep_wakeup>().ep;
        case EP_KIND_WAIT_BEGIN:
            return rec.as<ep_wait_begin>().ep;
        case EP_KIND_WAIT_SLEEP:
            return rec.as<ep_wait_sleep>().ep;
        case EP_KIND_WAIT_END:
            return rec.as<ep_wait_end>().ep;
        case EP_KIND_HARVEST_BEGIN:
            return rec.as<ep_harvest_begin>().ep;
        case EP_KIND_HARVEST_ITEM:
            return rec.as<ep_harvest_item>().ep;
        case EP_KIND_HARVEST_END:
            return rec.as<ep_harvest_end>().ep;
        case EP_KIND_KERNEL_NODE:
            return rec.as<ep_kernel_node>().ep;
        case EP_KIND_WALK_END:
            return rec.as<ep_walk_end>().ep;
        case EP_KIND_SNAPSHOT_INSTANCE:
            return rec.as<ep_snapshot_instance>().ep;
        default:
            return 0;
    }
}

// LOST: records the ring buffer dropped, and program runs the kernel skipped (any CPU).
void count_lost(ModelStats& st, const ep_header& h, const ep_lost& r) {
    st.lost += r.count;
    if (h.cpu == EP_LOST_ANY_CPU) st.lost_skipped += r.count;
}

void count_checkpoint(ModelStats& st, const ep_checkpoint& c) {
    ++st.checkpoints;
    // The tracer gave up an fdinfo read (the instance never stood still).
    if (std::string_view(c.label, strnlen(c.label, sizeof(c.label)))
            .starts_with(abi::kFdinfoBusyLabel))
        ++st.verify.snapshots_busy;
}

}  // namespace

// Harvests of one instance by several threads: thread A's harvest ends under
// ep->mtx at ep_done_scan, but its deliveries (HARVEST_ITEMs, read from the
// user buffer) come at A's epoll_wait exit, and thread B's harvest may run in
// between on another CPU. The kernel completed A's harvest (level-triggered
// items requeued) before B's began, so the model must too: from B's
// HARVEST_BEGIN on, the instance's records wait until A's WAIT_END, A's own
// HARVEST_ITEMs going through; then they are replayed in their order.
void Model::route(const stream::Record& rec, std::uint8_t deferrals) {
    ++stats_.routed;
    const std::uint64_t ep =
        deferred_.empty() && rec.kind() != EP_KIND_HARVEST_BEGIN && rec.kind() != EP_KIND_CALLBACK
            ? 0
            : record_ep(rec);
    const ep_header& h = rec.header();
    if (ep != 0) {
        auto d = std::find_if(deferred_.begin(), deferred_.end(),
                              [ep](const Deferral& x) { return x.ep == ep; });
        if (d != deferred_.end()) {
            if (h.tid != d->tid) {
                d->records.push_back(HeldRecord{rec, static_cast<std::uint8_t>(deferrals + 1)});
                // A lost WAIT_END must not hold the instance forever.
                if (d->records.size() >= kMaxDeferred) flush_deferred(ep);
                return;
            }
            if (rec.kind() == EP_KIND_HARVEST_ITEM) return dispatch(rec);
            if (rec.kind() == EP_KIND_WAIT_END) {
                dispatch(rec);
                return flush_deferred(ep);
            }
            // The harvesting thread moved on without delivering (its re-polls
            // found nothing and it waits again): what it held back came first.
            flush_deferred(ep);
            return route(rec, deferrals);
        }
        if (defer_new_harvest(rec, ep, deferrals)) return;
    }
    dispatch(rec);
    // The awaited thread exited without its WAIT_END: nothing more will come.
    if (!deferred_.empty() && rec.kind() == EP_KIND_PROCESS) {
        std::vector<std::uint64_t> stuck;
        const std::uint32_t what = rec.as<ep_process>().what;
        for (const Deferral& d : deferred_)
            if ((what == EP_PROC_THREAD_EXIT && d.tid == h.tid) || what == EP_PROC_EXIT)
                stuck.push_back(d.ep);
        for (std::uint64_t e : stuck) flush_deferred(e);
    }
}

// A new harvest of another thread while the ended one awaits its deliveries:
// HARVEST_BEGIN, or on 6.1 (begin inferred at ep_done_scan) the overflow
// queueings that precede it. (Not one that began during ep_done_scan: it
// belongs to the ending harvest, EP_FLAG_DONE_SCAN.) Starts a deferral and
// says so. Never for a released harvest nor a record held back too often.
bool Model::defer_new_harvest(const stream::Record& rec, std::uint64_t ep, std::uint8_t deferrals) {
    const ep_header& h = rec.header();
    const bool overflow_cb = rec.kind() == EP_KIND_CALLBACK && !(h.flags & EP_FLAG_DONE_SCAN) &&
                             (rec.as<ep_callback>().outcome == EP_CB_QUEUED_OVERFLOW ||
                              rec.as<ep_callback>().outcome == EP_CB_ALREADY_OVERFLOW);
    if ((rec.kind() != EP_KIND_HARVEST_BEGIN && !overflow_cb) || deferrals >= kMaxDeferrals)
        return false;
    InstanceRef inst = find_instance(ep);
    if (inst == kNil) return false;
    Instance& in = instances_[inst];
    // (An overflow callback older than the HARVEST_END belongs to the ended
    // harvest: its record came late from another CPU.)
    if (!in.harvest.active || !in.harvest.ended || in.harvest.released || in.harvest.tid == 0 ||
        in.harvest.tid == h.tid || find_waiter(in, in.harvest.tid) == nullptr ||
        !harvest_awaits_deliveries(in) || (overflow_cb && h.ts <= in.harvest_end_ts))
        return false;
    deferred_.push_back(
        Deferral{ep, in.harvest.tid, {HeldRecord{rec, static_cast<std::uint8_t>(deferrals + 1)}}});
    return true;
}

// Whether the model needs the harvest's deliveries to requeue as the kernel
// did: the walks at ep_done_scan show what was left on the txlist and which
// level-triggered items went back on the ready list; with both empty (or a
// harvest that found nothing) the deliveries change no list.
bool Model::harvest_awaits_deliveries(const Instance& in) const {
    if (in.harvest.walks.empty()) return in.txlist.count != 0;
    for (const HarvestWalk& w : in.harvest.walks)
        if ((w.end.list == EP_WALK_READY || w.end.list == EP_WALK_TXLIST) && w.end.count != 0)
            return true;
    return false;
}

void Model::flush_deferred(std::uint64_t ep) {
    auto d = std::find_if(deferred_.begin(), deferred_.end(),
                          [ep](const Deferral& x) { return x.ep == ep; });
    if (d == deferred_.end()) return;
    std::vector<HeldRecord> records = std::move(d->records);
    deferred_.erase(d);
    ++stats_.reordered_harvests;
    // Whatever ended the wait, the harvest is not waited for again: the
    // replayed HARVEST_BEGIN that held the records back goes through (else a
    // flush at kMaxDeferred would hold them all back again, and again).
    if (InstanceRef inst = find_instance(ep); inst != kNil)
        instances_[inst].harvest.released = true;
    // Replayed through route(): a later harvest in them may defer again.
    for (const HeldRecord& r : records) route(r.rec, r.deferrals);
}

void Model::flush_all_deferred() {
    while (!deferred_.empty()) flush_deferred(deferred_.front().ep);
}

void Model::dispatch(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const std::uint16_t kind = rec.kind();
    if (h.source == EP_SOURCE_TRACEPOINT &&
        (kind == EP_KIND_ITEM_INSERT || kind == EP_KIND_ITEM_MODIFY || kind == EP_KIND_ITEM_REMOVE))
        close_removals_unseen_ = true;  // syscall tracepoints: no removal at file close
    switch (kind) {
        case EP_KIND_INSTANCE_CREATE:
            on_instance_create(h, rec.as<ep_instance_create>());
            break;
        case EP_KIND_INSTANCE_FREE:
            on_instance_free(rec.as<ep_instance_free>());
            break;
        case EP_KIND_ITEM_INSERT:
            on_item_insert(h, rec.as<ep_item_ctl>());
            break;
        case EP_KIND_ITEM_MODIFY:
            on_item_modify(h, rec.as<ep_item_ctl>());
            break;
        case EP_KIND_ITEM_REMOVE:
            on_item_remove(h, rec.as<ep_item_remove>());
            break;
        case EP_KIND_CALLBACK:
            on_callback(h, rec.as<ep_callback>());
            break;
        case EP_KIND_WAKEUP:
            on_wakeup(h, rec.as<ep_wakeup>());
            break;
        case EP_KIND_WAIT_BEGIN:
            on_wait_begin(h, rec.as<ep_wait_begin>());
            break;
        case EP_KIND_WAIT_SLEEP:
            on_wait_sleep(h, rec.as<ep_wait_sleep>());
            break;
        case EP_KIND_WAIT_END:
            on_wait_end(h, rec.as<ep_wait_end>());
            break;
        case EP_KIND_HARVEST_BEGIN:
            on_harvest_begin(h, rec.as<ep_harvest_begin>());
            break;
        case EP_KIND_HARVEST_ITEM:
            on_harvest_item(h, rec.as<ep_harvest_item>());
            break;
        case EP_KIND_HARVEST_END:
            on_harvest_end(h, rec.as<ep_harvest_end>());
            break;
        case EP_KIND_KERNEL_NODE:
            on_kernel_node(rec.as<ep_kernel_node>());
            break;
        case EP_KIND_WALK_END:
            on_walk_end(rec.as<ep_walk_end>());
            break;
        case EP_KIND_LOST:
            count_lost(stats_, h, rec.as<ep_lost>());
            break;
        case EP_KIND_PROCESS:
            on_process(h, rec.as<ep_process>());
            break;
        case EP_KIND_FD_NAME:
            on_fd_name(h, rec.as<ep_fd_name>());
            break;
        case EP_KIND_SNAPSHOT_INSTANCE:
            on_snapshot_instance(rec.as<ep_snapshot_instance>());
            break;
        case EP_KIND_SNAPSHOT_ITEM:
            on_snapshot_item(rec.as<ep_snapshot_item>());
            break;
        case EP_KIND_CHECKPOINT:
            count_checkpoint(stats_, rec.as<ep_checkpoint>());
            break;
        case EP_KIND_FD_CLOSE:
            on_fd_close(h, rec.as<ep_fd_close>());
            break;
        case EP_KIND_SOCK_NAME:  // the tracer also says it as an FD_NAME, which names the fd
        case EP_KIND_FD_READ:    // reads change no epoll state (the findings engine judges them)
        case EP_KIND_INVALID:
        case EP_KIND_COUNT:
            break;  // INVALID and COUNT: the decoder never passes these on
    }
}

// ---- instances ---------------------------------------------------------------

InstanceRef Model::find_instance(std::uint64_t ep) const {
    if (ep == 0) return kNil;
    if (ep == cached_ep_) return cached_inst_;
    std::uint32_t v =
        by_ep_.find(mix64(ep), [&](std::uint32_t i) { return instances_[i].ep == ep; });
    if (v == IndexTable::kEmpty) return kNil;
    cached_ep_ = ep;
    cached_inst_ = v;
    return v;
}

InstanceRef Model::find_instance_by_fd(std::uint32_t tgid, std::int32_t epfd) const {
    auto it = by_fd_.find(fd_key(tgid, epfd));
    return it == by_fd_.end() ? kNil : it->second;
}

InstanceRef Model::new_instance(std::uint64_t ep) {
    InstanceRef i;
    if (!free_instances_.empty()) {
        i = free_instances_.back();
        free_instances_.pop_back();
        instances_[i] = Instance{};
    } else {
        i = static_cast<InstanceRef>(instances_.size());
        instances_.emplace_back();
    }
    Instance& in = instances_[i];
    in.live = true;
    in.ep = ep;
    in.serial = ++instance_serials_;
    if (ep != 0) {
        by_ep_.insert(mix64(ep), i, [this](std::uint32_t v) { return mix64(instances_[v].ep); });
    }
    return i;
}

void Model::add_fd_ref(InstanceRef inst, std::uint32_t tgid, std::int32_t epfd) {
    if (epfd < 0) return;
    auto [slot, fresh] = by_fd_.try_emplace(fd_key(tgid, epfd), inst);
    Instance& in = instances_[inst];
    if (!fresh) {
        if (slot->second == inst) return;
        // The fd number was reused: it no longer reaches its previous instance.
        auto& old = instances_[slot->second].fds;
        old.erase(std::remove(old.begin(), old.end(), FdRef{tgid, epfd}), old.end());
        slot->second = inst;
    }
    in.fds.push_back(FdRef{tgid, epfd});
    ++shape_version_;
}

// Finds the instance a record is about: by kernel identity when the backend
// sees it, else by the (process, epoll fd) that reaches it. Unknown instances
// are created on demand when `create` (the process was traced mid-life).
InstanceRef Model::resolve_instance(std::uint64_t ep, std::uint32_t tgid, std::int32_t epfd,
                                    bool create) {
    if (ep != 0) {
        InstanceRef i = find_instance(ep);
        const InstanceRef f = epfd >= 0 ? find_instance_by_fd(tgid, epfd) : kNil;
        if (f != kNil && f != i && instances_[f].ep == 0) {
            if (i == kNil) {
                // Known so far only by fd (a snapshot without ep): adopt the identity.
                i = f;
                instances_[i].ep = ep;
                by_ep_.insert(mix64(ep), i,
                              [this](std::uint32_t v) { return mix64(instances_[v].ep); });
            } else {
                merge_seeded(i, f);
            }
        }
        if (i == kNil) {
            if (!create) return kNil;
            i = new_instance(ep);
            instances_[i].creator_tgid = tgid;
        }
        if (epfd >= 0) add_fd_ref(i, tgid, epfd);
        return i;
    }
    if (epfd < 0) return kNil;
    InstanceRef i = find_instance_by_fd(tgid, epfd);
    if (i != kNil || !create) return i;
    i = new_instance(0);
    instances_[i].creator_tgid = tgid;
    add_fd_ref(i, tgid, epfd);
    return i;
}

void Model::release_instance(InstanceRef inst) {
    Instance& in = instances_[inst];
    // Every item goes (the kernel removes them all with reason TEARDOWN).
    std::vector<ItemRef> all = items_in_order(inst);
    for (ItemRef it : all) destroy_item(it);
    for (const FdRef& r : in.fds) {
        auto f = by_fd_.find(fd_key(r.tgid, r.fd));
        if (f != by_fd_.end() && f->second == inst) by_fd_.erase(f);
    }
    if (in.ep != 0) {
        by_ep_.erase(mix64(in.ep), inst,
                     [this](std::uint32_t v) { return mix64(instances_[v].ep); });
    }
    in = Instance{};
    free_instances_.push_back(inst);
    cached_ep_ = 0;
    cached_inst_ = kNil;
}

void Model::on_instance_create(const ep_header& h, const ep_instance_create& r) {
    if (r.epfd < 0) {
        ++stats_.failed_ctl;
        return;
    }
    InstanceRef old = r.ep != 0 ? find_instance(r.ep) : kNil;
    if (old != kNil) release_instance(old);  // the address was reused; its FREE was lost
    if (r.ep == 0) {
        // Tracepoint backend: a new instance even if the fd number was used before.
        InstanceRef prev = find_instance_by_fd(h.tgid, r.epfd);
        if (prev != kNil && instances_[prev].fds.size() <= 1) {
            release_instance(prev);  // its last known fd was closed and reused
        }
        InstanceRef i = new_instance(0);
        add_fd_ref(i, h.tgid, r.epfd);
        old = i;
    } else {
        old = resolve_instance(r.ep, h.tgid, r.epfd, true);
    }
    Instance& in = instances_[old];
    in.file = r.file;
    in.created_ts = h.ts;
    in.creator_tgid = h.tgid;
    in.complete = true;
    in.tree_exact = in.items == 0;  // else records came first, out of order: shape unknown
}

void Model::on_instance_free(const ep_instance_free& r) {
    InstanceRef i = find_instance(r.ep);
    if (i == kNil) return;
    verify_teardown(i);
    release_instance(i);
}

// ---- items -------------------------------------------------------------------

std::uint64_t Model::item_hash(InstanceRef inst, std::uint64_t file, std::int32_t fd) const {
    return mix64(file ^ (std::uint64_t{inst} << 32) ^ static_cast<std::uint32_t>(fd) ^
                 0x9e3779b97f4a7c15ull);
}

ItemRef Model::lookup_item(InstanceRef inst, std::uint64_t file, std::int32_t fd) const {
    std::uint32_t v = by_key_.find(item_hash(inst, file, fd), [&](std::uint32_t i) {
        const Item& x = items_[i];
        return x.fd == fd && x.file == file && x.instance == inst;
    });
    return v == IndexTable::kEmpty ? kNil : v;
}

ItemRef Model::find_item(InstanceRef inst, std::uint64_t file, std::int32_t fd) const {
    return inst == kNil ? kNil : lookup_item(inst, file, fd);
}

ItemRef Model::create_item(InstanceRef inst, std::uint64_t file, std::int32_t fd,
                           std::uint8_t flags) {
    ++shape_version_;
    ItemRef it = items_.alloc();
    Item& x = items_[it];
    x.file = file;
    x.fd = fd;
    x.instance = inst;
    x.flags = flags;
    x.live = 1;
    Instance& in = instances_[inst];
    ItemAcc at{this};
    rb_insert(at, in.root, it, [this](std::uint32_t a, std::uint32_t b) {
        const Item& p = items_[a];
        const Item& q = items_[b];
        return ffd_compare(p.file, p.fd, q.file, q.fd);
    });
    ++in.items;
    if (flags & (Item::kSeeded | Item::kLazy)) in.tree_exact = false;
    by_key_.insert(item_hash(inst, file, fd), it, [this](std::uint32_t v) {
        const Item& y = items_[v];
        return item_hash(y.instance, y.file, y.fd);
    });
    by_data_.insert(data_hash(inst, x.data), it, [this](std::uint32_t v) {
        return data_hash(items_[v].instance, items_[v].data);
    });
    ++live_items_;
    return it;
}

void Model::destroy_item(ItemRef it) {
    ++shape_version_;
    Item& x = items_[it];
    Instance& in = instances_[x.instance];
    unlink_rdllink(it);
    if (x.on_overflow()) overflow_unlink(in, it);
    for (Waiter& w : in.waiters) {
        if (w.woken_by_item == it) w.woken_by_item = kNil;
    }
    if (in.last_cb_item == it) in.last_cb_item = kNil;
    if (in.harvest.late_lt_anchor == it) in.harvest.late_lt_anchor = kNil;
    ItemAcc at{this};
    rb_erase(at, in.root, it);
    --in.items;
    by_key_.erase(item_hash(x.instance, x.file, x.fd), it, [this](std::uint32_t v) {
        const Item& y = items_[v];
        return item_hash(y.instance, y.file, y.fd);
    });
    by_data_.erase(data_hash(x.instance, x.data), it, [this](std::uint32_t v) {
        return data_hash(items_[v].instance, items_[v].data);
    });
    if (x.stale()) stale_.erase(it);
    x.live = 0;
    items_.release(it);
    --live_items_;
}

// A seeded or lazily created item learns its file pointer: its key changes,
// so it moves in the tree (whose shape was not exact anyway).
// An event names (file, fd), which no item has: the item keyed (0, fd) is it, its file now
// known (seeded by a snapshot, or recorded by the syscall-tracepoint backend), else the
// item was registered before the trace began and is created lazily.
ItemRef Model::adopt_or_create_item(InstanceRef inst, std::uint64_t file, std::int32_t fd) {
    if (file != 0) {
        if (ItemRef keyless = lookup_item(inst, 0, fd); keyless != kNil) {
            rekey_item(keyless, file);
            return keyless;
        }
    }
    return create_item(inst, file, fd, Item::kLazy);
}

void Model::rekey_item(ItemRef it, std::uint64_t file) {
    ++shape_version_;
    Item& x = items_[it];
    Instance& in = instances_[x.instance];
    auto hash_of = [this](std::uint32_t v) {
        const Item& y = items_[v];
        return item_hash(y.instance, y.file, y.fd);
    };
    by_key_.erase(item_hash(x.instance, x.file, x.fd), it, hash_of);
    ItemAcc at{this};
    rb_erase(at, in.root, it);
    x.file = file;
    rb_insert(at, in.root, it, [this](std::uint32_t a, std::uint32_t b) {
        const Item& p = items_[a];
        const Item& q = items_[b];
        return ffd_compare(p.file, p.fd, q.file, q.fd);
    });
    by_key_.insert(item_hash(x.instance, x.file, x.fd), it, hash_of);
    in.tree_exact = false;
}

std::uint64_t Model::data_hash(InstanceRef inst, std::uint64_t data) {
    return mix64(data ^ (std::uint64_t{inst} * 0x9e3779b97f4a7c15ull));
}

// The item a delivery's data names: of several items sharing the data, the
// first in the tree's order (the kernel's order of (file, fd)).
ItemRef Model::find_by_data(InstanceRef inst, std::uint64_t data) const {
    ItemRef best = kNil;
    by_data_.for_each(data_hash(inst, data), [&](std::uint32_t i) {
        const Item& x = items_[i];
        if (x.instance != inst || x.data != data) return;
        if (best == kNil || ffd_compare(x.file, x.fd, items_[best].file, items_[best].fd) < 0)
            best = i;
    });
    return best;
}

void Model::set_item_data(ItemRef it, std::uint64_t data) {
    Item& x = items_[it];
    if (x.data == data) return;
    auto hash_of = [this](std::uint32_t v) {
        return data_hash(items_[v].instance, items_[v].data);
    };
    by_data_.erase(data_hash(x.instance, x.data), it, hash_of);
    x.data = data;
    by_data_.insert(data_hash(x.instance, x.data), it, hash_of);
}

void Model::on_item_insert(const ep_header& h, const ep_item_ctl& r) {
    if (r.result < 0) {
        ++stats_.failed_ctl;
        return;
    }
    InstanceRef inst = resolve_instance(r.ep, h.tgid, r.epfd, true);
    if (inst == kNil) return;
    ItemRef it = lookup_item(inst, r.file, r.fd);
    if (it != kNil && items_[it].stale()) {
        // Tracepoint backend (no file in keys): the stale item and the new
        // file's share (0, fd). The kernel keys them apart by file, and no
        // later epoll_ctl on this fd can reach the stale one: unindex it.
        by_key_.erase(item_hash(inst, r.file, r.fd), it, [this](std::uint32_t v) {
            const Item& y = items_[v];
            return item_hash(y.instance, y.file, y.fd);
        });
        it = kNil;
    }
    if (it == kNil && r.file != 0 && !instances_[inst].tree_exact) {
        // A snapshot seeded this fd without its file pointer.
        ItemRef seeded = lookup_item(inst, 0, r.fd);
        if (seeded != kNil && items_[seeded].seeded()) {
            rekey_item(seeded, r.file);
            it = seeded;
        }
    }
    if (it != kNil) {
        // An ADD the kernel accepted while the model had the key: a REMOVE was lost.
        ++instances_[inst].stats.desyncs;
    } else {
        it = create_item(inst, r.file, r.fd, 0);
    }
    Item& x = items_[it];
    x.epi = r.epi != 0 ? r.epi : x.epi;
    set_item_data(it, r.data);
    x.ino = r.ino;
    x.events = r.events;
    apply_ctl_queued(inst, it, r.queued, h.ts);
}

void Model::on_item_modify(const ep_header& h, const ep_item_ctl& r) {
    if (r.result < 0) {
        ++stats_.failed_ctl;
        return;
    }
    InstanceRef inst = resolve_instance(r.ep, h.tgid, r.epfd, true);
    if (inst == kNil) return;
    ItemRef it = lookup_item(inst, r.file, r.fd);
    if (it == kNil) it = adopt_or_create_item(inst, r.file, r.fd);
    Item& x = items_[it];
    if (r.epi != 0) x.epi = r.epi;
    if (r.ino != 0) x.ino = r.ino;
    set_item_data(it, r.data);
    x.events = r.events;  // also re-arms a disarmed one-shot item
    // ep_modify leaves an item that is already queued where it is.
    apply_ctl_queued(inst, it, r.queued, h.ts);
}

// ep_insert()/ep_modify() poll the file and, if it is ready and the item is
// not linked, queue it themselves: no callback runs, so only the ctl record
// tells. The syscall-tracepoint backend cannot tell (UNKNOWN): nothing moves.
void Model::apply_ctl_queued(InstanceRef inst, ItemRef it, std::uint32_t queued, std::uint64_t ts) {
    if (queued == EP_CTL_QUEUED_READY) {
        queue_ready(inst, it, ts);
    } else if (queued == EP_CTL_QUEUED_OVERFLOW) {
        queue_overflow(inst, it, ts);
    }
}

void Model::on_item_remove(const ep_header& h, const ep_item_remove& r) {
    if (r.result < 0) {
        ++stats_.failed_ctl;
        return;
    }
    if (r.reason == EP_REMOVE_FILE_CLOSE) note_closed_item(r);
    InstanceRef inst = resolve_instance(r.ep, h.tgid, r.epfd, false);
    ItemRef it = find_item(inst, r.file, r.fd);
    if (it == kNil && inst != kNil && r.file != 0) it = lookup_item(inst, 0, r.fd);  // seeded
    if (it == kNil) {
        ++stats_.unknown_removes;
        return;
    }
    destroy_item(it);
}

// A file's last close is recorded at eventpoll_release_file's entry; the
// kernel unlinks the item later, under ep->mtx, and a wakeup of the file meanwhile
// (a peer's FIN right after the close) still runs its callback. Such a callback
// is recognised by the epitem, instance, file and fd of the removal.
void Model::note_closed_item(const ep_item_remove& r) {
    if (r.epi == 0) return;  // no kernel identity: callbacks cannot be matched anyway
    ClosedItem c{r.epi, r.ep, r.file, r.fd};
    if (closed_items_.size() < kClosedItems) {
        closed_items_.push_back(c);
    } else {
        closed_items_[closed_next_] = c;
        closed_next_ = (closed_next_ + 1) % kClosedItems;
    }
}

bool Model::closed_item(const ep_callback& r) const {
    if (r.epi == 0) return false;
    return std::any_of(closed_items_.begin(), closed_items_.end(), [&r](const ClosedItem& c) {
        return c.epi == r.epi && c.ep == r.ep && c.file == r.file && c.fd == r.fd;
    });
}

// ---- lists -------------------------------------------------------------------

void Model::list_append(ListHead& l, ItemRef it) {
    Item& x = items_[it];
    x.prev = l.tail;
    x.next = kNil;
    if (l.tail != kNil) {
        items_[l.tail].next = it;
    } else {
        l.head = it;
    }
    l.tail = it;
    ++l.count;
}

void Model::list_prepend(ListHead& l, ItemRef it) {
    Item& x = items_[it];
    x.prev = kNil;
    x.next = l.head;
    if (l.head != kNil) {
        items_[l.head].prev = it;
    } else {
        l.tail = it;
    }
    l.head = it;
    ++l.count;
}

void Model::list_insert_after(ListHead& l, ItemRef after, ItemRef it) {
    if (after == kNil) return list_prepend(l, it);
    Item& x = items_[it];
    Item& a = items_[after];
    x.prev = after;
    x.next = a.next;
    if (a.next != kNil) {
        items_[a.next].prev = it;
    } else {
        l.tail = it;
    }
    a.next = it;
    ++l.count;
}

void Model::list_unlink(ListHead& l, ItemRef it) {
    Item& x = items_[it];
    if (x.prev != kNil) {
        items_[x.prev].next = x.next;
    } else {
        l.head = x.next;
    }
    if (x.next != kNil) {
        items_[x.next].prev = x.prev;
    } else {
        l.tail = x.prev;
    }
    x.prev = x.next = kNil;
    --l.count;
}

void Model::unlink_rdllink(ItemRef it) {
    Item& x = items_[it];
    Instance& in = instances_[x.instance];
    const ItemPlace p = place_of(x);
    if (p == ItemPlace::Ready) list_unlink(in.ready, it);
    if (p == ItemPlace::Txlist) list_unlink(in.txlist, it);
    x.linked = 0;
    // Off the txlist: finish_harvest reads kSkipped on the txlist's head only.
    x.flags &= ~Item::kSkipped;
}

void Model::overflow_unlink(Instance& in, ItemRef it) {
    std::uint32_t* link = &in.ovf_head;
    while (*link != kNil && *link != it) link = &items_[*link].ovf_next;
    if (*link == it) {
        *link = items_[it].ovf_next;
        --in.ovf_count;
    }
    items_[it].ovf_next = kNil;
    items_[it].overflow = 0;
}

// ---- callbacks and wakeups -----------------------------------------------------

void Model::on_callback(const ep_header& h, const ep_callback& r) {
    InstanceRef inst = resolve_instance(r.ep, h.tgid, -1, true);
    if (inst == kNil) return;
    ItemRef it = lookup_item(inst, r.file, r.fd);
    if (it == kNil && closed_item(r)) {
        Instance& in = instances_[inst];
        ++in.stats.callbacks_after_close;
        in.last_cb_item = kNil;  // a wakeup it causes is tied to no item
        return;
    }
    if (it == kNil) it = adopt_or_create_item(inst, r.file, r.fd);
    Instance& in = instances_[inst];
    Item& x = items_[it];
    if (r.epi != 0) x.epi = r.epi;
    x.events = r.events;
    if (r.outcome >= kOutcomes) {
        ++in.stats.desyncs;  // an outcome this model does not know: change nothing
        return;
    }
    std::uint8_t outcome = r.outcome;
    ++x.stats.callbacks[outcome];
    ++in.stats.callbacks[outcome];
    in.last_cb_item = it;
    in.last_cb_epi = r.epi;
    in.last_cb_tid = h.tid;
    in.last_cb_wakeups = 0;
    switch (outcome) {
        case EP_CB_QUEUED_READY:
            queue_ready(inst, it, h.ts);
            break;
        case EP_CB_QUEUED_OVERFLOW:
            queue_overflow(inst, it, h.ts, (h.flags & EP_FLAG_DONE_SCAN) != 0);
            break;
        case EP_CB_ALREADY_READY:
            if (!x.linked) ++in.stats.desyncs;
            break;
        case EP_CB_ALREADY_OVERFLOW:
            if (!x.on_overflow()) ++in.stats.desyncs;
            break;
        case EP_CB_IGNORED_DISARMED:
            x.events &= kEpPrivateBits;
            break;
        default:
            break;
    }
}

void Model::queue_ready(InstanceRef inst, ItemRef it, std::uint64_t ts) {
    Instance& in = instances_[inst];
    Item& x = items_[it];
    if (x.linked) {
        // The kernel found it unlinked: trust the kernel. Expected for an item
        // delivered by a harvest whose HARVEST_ITEM is still to come.
        if (!(place_of(x) == ItemPlace::Txlist && in.harvest.ended)) ++in.stats.desyncs;
        unlink_rdllink(it);
    }
    list_append(in.ready, it);
    mark_ready(in, x);
    if (x.queued_ts == 0) x.queued_ts = ts;
}

void Model::queue_overflow(InstanceRef inst, ItemRef it, std::uint64_t ts, bool during_done_scan) {
    Instance& in = instances_[inst];
    if (during_done_scan && in.harvest.active && in.harvest.ended) {
        // Chained on the ending harvest's overflow list, which ep_done_scan
        // was about to move to the ready list: it stays with that harvest
        // (no other harvest can begin before ep_done_scan returns).
    } else if (!in.harvest.ended && !in.harvest.active &&
               (during_done_scan || ts < in.harvest_end_ts)) {
        // Older than the HARVEST_END of the harvest the model already
        // finished: its record came late from another CPU. It ran while that
        // harvest's overflow list was active, so it ended on the ready list
        // either way: moved there by ep_done_scan, or linked there after
        // ep_done_scan released ep->lock.
        if (!items_[it].linked) queue_ready(inst, it, ts);
        return;
    } else if (!in.harvest.ended && !in.harvest.active) {
        // The harvest began without a HARVEST_BEGIN yet: lost, or (6.1, where
        // ep_start_scan is inlined) inferred at ep_done_scan, after this.
        begin_harvest(inst);
        in.harvest.implicit = true;
    } else if (in.harvest.ended && ts > in.harvest_end_ts) {
        // ep_done_scan deactivated the overflow list: a new harvest runs. The
        // ended one is complete (its thread waits again without delivering).
        // (A callback older than the HARVEST_END, its record late from
        // another CPU, still chained on the ended harvest's overflow list.)
        finish_harvest(inst);
        begin_harvest(inst);
        instances_[inst].harvest.implicit = true;
    }
    Item& x = items_[it];
    if (x.on_overflow()) {
        ++in.stats.desyncs;
        overflow_unlink(in, it);
    }
    instances_[inst].harvest.ovf_queued.push_back({it, ts});
    x.ovf_next = in.ovf_head;  // LIFO chain, as chain_epi_lockless pushes
    x.overflow = 1;
    in.ovf_head = it;
    ++in.ovf_count;
    if (x.queued_ts == 0) x.queued_ts = ts;
}

Waiter* Model::find_waiter(Instance& in, std::uint32_t tid) {
    for (Waiter& w : in.waiters) {
        if (w.tid == tid) return &w;
    }
    return nullptr;
}

InstanceRef Model::instance_waited_by(std::uint32_t tid) {
    auto it = waiting_.find(tid);
    if (it == waiting_.end()) return kNil;
    InstanceRef i = it->second;
    if (i < instances_.size() && instances_[i].live && find_waiter(instances_[i], tid) != nullptr) {
        return i;
    }
    waiting_.erase(it);  // stale: the wait ended or the instance went away
    return kNil;
}

void Model::on_wakeup(const ep_header& h, const ep_wakeup& r) {
    InstanceRef inst = find_instance(r.ep);
    if (inst == kNil) inst = instance_waited_by(r.woken_tid);  // no identity
    if (inst == kNil) return;
    Waiter* w = find_waiter(instances_[inst], r.woken_tid);
    Instance& in = instances_[inst];
    ++in.stats.wakeups;
    // The wakeup runs inside the callback that precedes it on the same thread.
    ItemRef by = kNil;
    if (in.last_cb_item != kNil && in.last_cb_tid == h.tid &&
        (r.epi == 0 || in.last_cb_epi == 0 || in.last_cb_epi == r.epi)) {
        by = in.last_cb_item;
        if (++in.last_cb_wakeups == 2) {  // a second waiter for one callback: a herd
            ++in.stats.herds;
            ++items_[by].stats.herds;
        }
    }
    if (w != nullptr) {
        w->woken_at = h.ts;
        w->woken_by_tid = h.tid;
        w->woken_by_item = by;
    }
}

// ---- waits and harvests ----------------------------------------------------------

void Model::on_wait_begin(const ep_header& h, const ep_wait_begin& r) {
    InstanceRef inst = resolve_instance(r.ep, h.tgid, r.epfd, true);
    if (inst == kNil) return;
    Instance& in = instances_[inst];
    Waiter* w = find_waiter(in, h.tid);
    if (w == nullptr) {
        in.waiters.emplace_back();
        w = &in.waiters.back();
    } else {
        ++in.stats.desyncs;  // the previous WAIT_END of this thread was lost
    }
    *w = Waiter{};
    waiting_[h.tid] = inst;
    w->tid = h.tid;
    w->tgid = h.tgid;
    w->epfd = r.epfd;
    w->maxevents = r.maxevents;
    w->since = h.ts;
}

void Model::on_wait_sleep(const ep_header& h, const ep_wait_sleep& r) {
    InstanceRef inst = find_instance(r.ep);
    if (inst == kNil) return;
    if (Waiter* w = find_waiter(instances_[inst], h.tid)) w->slept_at = h.ts;
}

void Model::on_wait_end(const ep_header& h, const ep_wait_end& r) {
    InstanceRef inst = resolve_instance(r.ep, h.tgid, r.epfd, false);
    if (inst == kNil) return;
    Instance& in = instances_[inst];
    ++in.stats.waits;
    if (in.harvest.active && in.harvest.ended && in.harvest.tid == h.tid) {
        finish_harvest(inst);  // the deferred requeue: all deliveries are known now
    }
    auto w = std::find_if(in.waiters.begin(), in.waiters.end(),
                          [&](const Waiter& x) { return x.tid == h.tid; });
    if (w == in.waiters.end()) return;
    waiting_.erase(h.tid);
    in.stats.wait_time.add(elapsed(w->since, h.ts));
    if (w->woken_at != 0 && r.result == 0) {
        ++in.stats.spurious_wakeups;
        if (w->woken_by_item != kNil) ++items_[w->woken_by_item].stats.spurious_wakeups;
    }
    in.waiters.erase(w);
}

void Model::on_harvest_begin(const ep_header& h, const ep_harvest_begin& r) {
    InstanceRef inst = resolve_instance(r.ep, h.tgid, -1, true);
    if (inst == kNil) return;
    bool adopt = false;
    if (instances_[inst].harvest.active) {
        Instance& cur = instances_[inst];
        if (cur.harvest.implicit && !cur.harvest.ended) {
            // Overflow queueings came first: this harvest already began. The
            // begin is seen after the splice on 6.1 (inferred at ep_done_scan)
            // and on 5.10 (ep_send_events_proc's entry: the harvesting thread
            // can be held up by interrupts between the two); a harvest holds
            // ep->mtx to its end, so no other one can have begun meanwhile.
            adopt = true;
        } else {
            // A deferred requeue completes now; otherwise the HARVEST_END was lost.
            if (!cur.harvest.ended) ++cur.stats.desyncs;
            finish_harvest(inst);
        }
    }
    if (!adopt) begin_harvest(inst);
    Instance& in = instances_[inst];
    in.harvest.implicit = false;
    in.harvest.tid = h.tid;
    const Waiter* w = find_waiter(in, h.tid);
    in.harvest.maxevents = w != nullptr ? w->maxevents : 0;
}

// ep_start_scan: the whole ready list becomes the private txlist and the
// overflow list is activated.
void Model::begin_harvest(InstanceRef inst) {
    Instance& in = instances_[inst];
    ++in.stats.harvests;
    in.harvest.reset();
    in.harvest.unseeded = !in.complete;
    if (in.ready_epoch == Item::kEpochLimit) {  // once in 2 million harvests: renumber
        for (std::uint32_t i = in.ready.head; i != kNil; i = items_[i].next)
            items_[i].link_epoch = 0;
        in.ready_epoch = 0;
    }
    // Everything linked so far is below the new epoch: the txlist.
    in.txlist_below = ++in.ready_epoch;
    in.txlist = in.ready;
    in.ready = ListHead{};
    in.harvest.active = true;
}

void Model::deliver(InstanceRef inst, ItemRef it, std::uint64_t ts) {
    Instance& in = instances_[inst];
    Item& x = items_[it];
    ++x.stats.deliveries;
    ++in.stats.deliveries;
    if (x.queued_ts != 0) {
        std::uint64_t lat = elapsed(x.queued_ts, ts);
        x.stats.latency.add(lat);
        in.stats.latency.add(lat);
        x.queued_ts = 0;
    }
}

// ep_send_events puts a delivered level-triggered item straight back on the
// ready list. A late delivery (after HARVEST_END) goes before the callbacks
// that followed the kernel's requeue, as it happened before them.
void Model::requeue_level_triggered(InstanceRef inst, ItemRef it, std::uint64_t ts) {
    Instance& in = instances_[inst];
    Item& x = items_[it];
    in.harvest.lt.push_back(ItemKey{x.file, x.fd});
    if (in.harvest.ended) {
        ItemRef anchor = in.harvest.late_lt_anchor;
        if (anchor != kNil && place_of(items_[anchor]) != ItemPlace::Ready) anchor = kNil;
        list_insert_after(in.ready, anchor, it);
        in.harvest.late_lt_anchor = it;
    } else {
        list_append(in.ready, it);
    }
    mark_ready(in, x);
    x.queued_ts = ts;
}

void Model::on_harvest_item(const ep_header& h, const ep_harvest_item& r) {
    InstanceRef inst = find_instance(r.ep);
    if (inst == kNil) {
        // Tracepoint backend: no ep; the delivering thread's wait names the instance.
        inst = instance_waited_by(h.tid);
        if (inst == kNil) return;
    }
    Instance& in = instances_[inst];
    if (in.harvest.active) {
        // ep_send_events walks the txlist in order: items before the delivered
        // one were dropped because their re-poll showed no event - or the
        // kernel linked them later than their callbacks' records say (the
        // record is taken at ep_poll_callback's entry, the link made after a
        // lock another CPU may hold). Which one shows when the harvest is
        // complete: an item delivered later was only out of order, so they
        // are marked now and dropped by finish_harvest.
        std::uint32_t i = in.txlist.head;
        while (i != kNil && items_[i].data != r.data) i = items_[i].next;
        if (i != kNil) {
            for (std::uint32_t j = in.txlist.head; j != i; j = items_[j].next)
                items_[j].flags |= Item::kSkipped;
            list_unlink(in.txlist, i);
            items_[i].flags &= ~Item::kSkipped;
            ++in.harvest.items;
            Item& x = items_[i];
            x.linked = 0;
            deliver(inst, i, h.ts);
            if (x.events & EPOLLONESHOT) {
                x.events &= kEpPrivateBits;  // disarmed until EPOLL_CTL_MOD
            } else if (!(x.events & EPOLLET)) {
                requeue_level_triggered(inst, i, h.ts);
            }
            return;
        }
    }
    // Not on the modelled txlist (tracepoint backend, or an invisible queueing
    // such as ep_insert finding the file ready): count the delivery on the item
    // that carries this data.
    ItemRef it = find_by_data(inst, r.data);
    if (in.harvest.active) ++in.harvest.items;  // it still counts towards maxevents
    if (in.harvest.active || in.stats.callbacks[EP_CB_QUEUED_READY] != 0) {
        ++in.stats.unexplained_deliveries;
    }
    if (it != kNil) {
        deliver(inst, it, h.ts);
        Item& x = items_[it];
        if (x.events & EPOLLONESHOT) {
            x.events &= kEpPrivateBits;
        } else if (!(x.events & EPOLLET) && in.stats.harvests != 0) {
            // (Only where harvests are seen: the syscall-tracepoint backend
            // sees deliveries but no ready list.)
            // The kernel requeues every level-triggered item it delivers,
            // whether or not the model had it on the txlist: its callback's
            // record (taken at ep_poll_callback's entry) came before the link,
            // which waited for ep->lock while another CPU's harvest held it,
            // and that harvest, finding nothing, made the model drop it.
            if (x.linked) unlink_rdllink(it);
            if (in.harvest.active && (in.harvest.tid == h.tid || in.harvest.tid == 0)) {
                requeue_level_triggered(inst, it, h.ts);
            } else if (in.harvest.active) {
                // Requeued before another thread's harvest took the ready list.
                list_append(in.txlist, it);
                mark_txlist(in, x);
                x.queued_ts = h.ts;
            } else {
                queue_ready(inst, it, h.ts);
            }
        }
    } else {
        ++in.stats.deliveries;
    }
}

// ep_done_scan: overflow chain items not already linked go to the ready list
// head one by one (walking the newest-first chain, which restores arrival
// order), then the undelivered txlist is spliced in front of everything.
void Model::finish_harvest(InstanceRef inst) {
    Instance& in = instances_[inst];
    // ep_send_events stops early only when maxevents were delivered; below
    // that it re-polled every txlist item, so the ones not delivered showed no
    // event and were dropped, not spliced back (before ep_done_scan
    // looks at the overflow chain, which then sees them unlinked).
    // With maxevents reached, the items skipped by a delivery were dropped
    // and the rest are leftovers.
    const bool all_polled = in.harvest.maxevents > 0 &&
                            in.harvest.items < static_cast<std::uint32_t>(in.harvest.maxevents);
    // The skipped items are the txlist's head (each delivery marks all before
    // it): the walk stops at the first one not skipped, unless all were polled.
    while (in.txlist.head != kNil) {
        const std::uint32_t j = in.txlist.head;
        Item& x = items_[j];
        if (!all_polled && !(x.flags & Item::kSkipped)) break;
        list_unlink(in.txlist, j);
        x.linked = 0;
        x.flags &= ~Item::kSkipped;
        x.queued_ts = 0;
        ++in.stats.dropped_unready;
    }
    // The txlist leftovers, requeued items and overflow chain are now what
    // ep_done_scan saw on entry: check the kernel's walks before merging.
    verify_harvest(inst);
    for (std::uint32_t i = in.ovf_head; i != kNil;) {
        Item& x = items_[i];
        std::uint32_t next = x.ovf_next;
        x.ovf_next = kNil;
        x.overflow = 0;
        if (!x.linked) {
            list_prepend(in.ready, i);
            mark_ready(in, x);
        }
        i = next;
    }
    in.ovf_head = kNil;
    in.ovf_count = 0;
    // The leftovers join the ready list (txlist_below = 0 below: no walk).
    if (in.txlist.count != 0) {
        items_[in.txlist.tail].next = in.ready.head;
        if (in.ready.head != kNil) {
            items_[in.ready.head].prev = in.txlist.tail;
        } else {
            in.ready.tail = in.txlist.tail;
        }
        in.ready.head = in.txlist.head;
        in.ready.count += in.txlist.count;
        in.txlist = ListHead{};
    }
    // What else the harvest held is read only while one runs: the next begin_harvest resets it.
    in.txlist_below = 0;
    in.harvest.active = false;
    in.harvest.ended = false;
}

void Model::on_harvest_end(const ep_header& h, const ep_harvest_end& r) {
    InstanceRef inst = resolve_instance(r.ep, h.tgid, -1, true);
    if (inst == kNil) return;
    Instance& pending = instances_[inst];
    if (!pending.harvest.active) {
        // Its HARVEST_BEGIN was lost: nothing of it was modelled.
        ++pending.stats.desyncs;
        return;
    }
    // Begun by an overflow queueing and never announced: HARVEST_BEGIN was lost.
    if (pending.harvest.implicit) ++pending.stats.desyncs;
    // The kernel's counts at ep_done_scan entry, checked with the walks.
    pending.harvest.end_seen = r.ready != 0xffffffffu;
    pending.harvest.raced = (h.flags & EP_FLAG_RACED) != 0;
    pending.harvest.end_ready = r.ready;
    pending.harvest.end_overflow = r.overflow;
    pending.harvest_end_ts = h.ts;
    if (pending.harvest.items == 0 &&
        (pending.txlist.count != 0 || (pending.harvest.end_seen && r.ready != 0))) {
        // Nothing delivered yet from a non-empty txlist, or (verify mode) the
        // kernel requeued level-triggered items, which only a delivery does:
        // the deliveries are still to come. Requeue once they are known.
        pending.harvest.ended = true;
        return;
    }
    finish_harvest(inst);
}

// ---- processes and names -----------------------------------------------------------

void Model::on_process(const ep_header& h, const ep_process& r) {
    ++shape_version_;
    switch (r.what) {
        case EP_PROC_FOUND:
        case EP_PROC_FORK:
        case EP_PROC_EXEC: {
            Process& p = processes_[h.tgid];
            p.tgid = h.tgid;
            if (r.what != EP_PROC_EXEC) p.parent_tgid = r.parent_tgid;
            p.comm = comm_of(r.comm);
            if (r.what == EP_PROC_FORK) {
                // The child inherits the parent's epoll fds: same instances.
                std::vector<std::pair<std::int32_t, InstanceRef>> inherited;
                for (InstanceRef i : instances()) {
                    for (const FdRef& f : instances_[i].fds) {
                        if (f.tgid == r.parent_tgid) inherited.emplace_back(f.fd, i);
                    }
                }
                for (auto [fd, i] : inherited) add_fd_ref(i, h.tgid, fd);
            }
            if (std::find(p.threads.begin(), p.threads.end(), h.tid) == p.threads.end()) {
                p.threads.push_back(h.tid);
            }
            break;
        }
        case EP_PROC_THREAD: {
            Process& p = processes_[h.tgid];
            p.tgid = h.tgid;
            if (std::find(p.threads.begin(), p.threads.end(), h.tid) == p.threads.end()) {
                p.threads.push_back(h.tid);
            }
            break;
        }
        case EP_PROC_THREAD_EXIT: {
            auto p = processes_.find(h.tgid);
            if (p != processes_.end()) {
                auto& t = p->second.threads;
                t.erase(std::remove(t.begin(), t.end(), h.tid), t.end());
            }
            break;
        }
        case EP_PROC_EXIT: {
            processes_.erase(h.tgid);
            // Its fds are gone; instances it alone reached wait for INSTANCE_FREE
            // (fentry) or are dropped now (tracepoint backend sees no free).
            std::vector<InstanceRef> orphaned;
            for (InstanceRef i : instances()) {
                Instance& in = instances_[i];
                auto keep = std::remove_if(in.fds.begin(), in.fds.end(),
                                           [&](const FdRef& f) { return f.tgid == h.tgid; });
                for (auto f = keep; f != in.fds.end(); ++f) by_fd_.erase(fd_key(f->tgid, f->fd));
                in.fds.erase(keep, in.fds.end());
                for (const Waiter& w : in.waiters) {
                    if (w.tgid == h.tgid) waiting_.erase(w.tid);
                }
                in.waiters.erase(std::remove_if(in.waiters.begin(), in.waiters.end(),
                                                [&](const Waiter& w) { return w.tgid == h.tgid; }),
                                 in.waiters.end());
                if (in.fds.empty() && in.ep == 0) orphaned.push_back(i);
            }
            for (InstanceRef i : orphaned) release_instance(i);
            break;
        }
        default:
            break;
    }
}

void Model::on_fd_name(const ep_header& h, const ep_fd_name& r) {
    ++shape_version_;
    Process& p = processes_[h.tgid];
    p.tgid = h.tgid;
    if (name_stale_item(h, r)) return;
    Process::FdName& n = p.fd_names[r.fd];
    n.type = r.type;
    n.ino = r.ino;
    n.name.assign(r.name, strnlen(r.name, EP_FD_NAME_LEN));
}

// A name read from /proc after the fd was closed, for the file it named then
// (its ino): it belongs to the stale item, not to the fd's new file.
bool Model::name_stale_item(const ep_header& h, const ep_fd_name& r) {
    if (r.ino == 0) return false;
    bool named = false;
    for (auto& [it, s] : stale_) {
        const Item& x = items_[it];
        if (s.tgid != h.tgid || x.fd != r.fd || x.ino != r.ino) continue;
        s.name.type = r.type;
        s.name.ino = r.ino;
        s.name.name.assign(r.name, strnlen(r.name, EP_FD_NAME_LEN));
        named = true;
    }
    return named;
}

// The process closed an fd whose file epoll watches (close, or dup2/dup3 over
// it). Items are keyed by (file, fd) in the kernel and outlive the close if
// the file stays open elsewhere: they become stale. Only instances the
// process created are looked at: a child closing its inherited copy of the
// fd leaves its parent's items as they were.
void Model::on_fd_close(const ep_header& h, const ep_fd_close& r) {
    if (r.fd < 0) return;
    ++shape_version_;
    for (InstanceRef i = 0; i < instances_.size(); ++i)
        if (instances_[i].live && instances_[i].creator_tgid == h.tgid) fd_closed(i, h, r);
    auto p = processes_.find(h.tgid);
    if (p == processes_.end()) return;
    // The number names nothing now (until an FD_NAME says what it was reused for).
    auto n = p->second.fd_names.find(r.fd);
    if (n != p->second.fd_names.end() &&
        (n->second.ino == 0 || r.ino == 0 || n->second.ino == r.ino))
        p->second.fd_names.erase(n);
}

void Model::fd_closed(InstanceRef inst, const ep_header& h, const ep_fd_close& r) {
    ItemRef it = lookup_item(inst, r.file, r.fd);
    if (it == kNil && r.file != 0) it = lookup_item(inst, 0, r.fd);  // tracepoint or seeded keys
    if (it != kNil) {
        const Item& x = items_[it];
        if (x.stale() || (x.ino != 0 && r.ino != 0 && x.ino != r.ino)) it = kNil;
    }
    if (r.shared == 1) {
        if (it != kNil) mark_stale(it, h);
        return;
    }
    if (r.shared != 0 || !close_removals_unseen_) return;
    // The last reference went: the kernel removes every item of the file
    // (eventpoll_release_file). Kernel-hook backends record those removals;
    // the tracepoint backend does not. Its stale items go now (nothing else
    // would end them); the others wait for fdinfo to show them gone, as
    // before (drop_unseen_close_removals): the removal runs in __fput after
    // close() returns, and a snapshot read in between still lists the item.
    drop_stale_of_file(inst, r.file, r.ino);
}

void Model::mark_stale(ItemRef it, const ep_header& h) {
    Item& x = items_[it];
    x.flags |= Item::kStale;
    StaleItem& s = stale_[it];
    s.closed_ts = h.ts;
    s.tgid = h.tgid;
    // What the fd named when it was closed (on_fd_close forgets it after).
    auto p = processes_.find(h.tgid);
    if (p == processes_.end()) return;
    auto n = p->second.fd_names.find(x.fd);
    if (n != p->second.fd_names.end() &&
        (n->second.ino == 0 || x.ino == 0 || n->second.ino == x.ino))
        s.name = n->second;
}

void Model::drop_stale_of_file(InstanceRef inst, std::uint64_t file, std::uint64_t ino) {
    std::vector<ItemRef> gone;
    for (const auto& [it, s] : stale_) {
        const Item& x = items_[it];
        if (x.instance == inst && ((file != 0 && x.file == file) || (ino != 0 && x.ino == ino)))
            gone.push_back(it);
    }
    for (ItemRef it : gone) destroy_item(it);
}

std::vector<ItemRef> Model::stale_items() const {
    std::vector<ItemRef> out;
    out.reserve(stale_.size());
    for (const auto& [it, s] : stale_) out.push_back(it);
    std::sort(out.begin(), out.end());
    return out;
}

const StaleItem* Model::stale_item(ItemRef i) const {
    auto s = stale_.find(i);
    return s == stale_.end() ? nullptr : &s->second;
}

std::string_view Model::item_fd_name(std::uint32_t tgid, ItemRef i) const {
    const Item& x = items_[i];
    if (x.stale()) {
        const StaleItem* s = stale_item(i);
        return s ? std::string_view{s->name.name} : std::string_view{};
    }
    auto p = processes_.find(tgid);
    if (p == processes_.end()) return {};
    auto n = p->second.fd_names.find(x.fd);
    if (n == p->second.fd_names.end()) return {};
    if (n->second.ino != 0 && x.ino != 0 && n->second.ino != x.ino) return {};  // reused number
    return n->second.name;
}

std::string_view Model::fd_name(std::uint32_t tgid, std::int32_t fd) const {
    auto p = processes_.find(tgid);
    if (p == processes_.end()) return {};
    auto n = p->second.fd_names.find(fd);
    return n == p->second.fd_names.end() ? std::string_view{} : std::string_view{n->second.name};
}

// ---- queries -------------------------------------------------------------------------

std::vector<InstanceRef> Model::instances() const {
    std::vector<InstanceRef> out;
    for (InstanceRef i = 0; i < instances_.size(); ++i) {
        if (instances_[i].live) out.push_back(i);
    }
    return out;
}

std::vector<ItemRef> Model::items_in_order(InstanceRef inst) const {
    std::vector<ItemRef> out;
    ItemAcc at{const_cast<Model*>(this)};
    for (std::uint32_t n = rb_first(at, instances_[inst].root); n != kNil; n = rb_next(at, n)) {
        out.push_back(n);
    }
    return out;
}

std::vector<TreeNodeView> Model::tree_preorder(InstanceRef inst) const {
    std::vector<TreeNodeView> out;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;  // node, depth
    if (instances_[inst].root != kNil) stack.push_back({instances_[inst].root, 0});
    while (!stack.empty()) {
        auto [n, depth] = stack.back();
        stack.pop_back();
        const RbNode& rb = items_[n].rb;
        out.push_back(TreeNodeView{n, rb.parent(), rb.left, rb.right, rb.color(), depth});
        if (rb.right != kNil) stack.push_back({rb.right, depth + 1});
        if (rb.left != kNil) stack.push_back({rb.left, depth + 1});
    }
    return out;
}

std::vector<ItemRef> Model::ready_list(InstanceRef inst) const {
    std::vector<ItemRef> out;
    for (std::uint32_t i = instances_[inst].ready.head; i != kNil; i = items_[i].next) {
        out.push_back(i);
    }
    return out;
}

std::vector<ItemRef> Model::txlist(InstanceRef inst) const {
    std::vector<ItemRef> out;
    for (std::uint32_t i = instances_[inst].txlist.head; i != kNil; i = items_[i].next) {
        out.push_back(i);
    }
    return out;
}

std::vector<ItemRef> Model::overflow_list(InstanceRef inst) const {
    std::vector<ItemRef> out;
    for (std::uint32_t i = instances_[inst].ovf_head; i != kNil; i = items_[i].ovf_next) {
        out.push_back(i);
    }
    return out;
}

bool Model::tree_valid(InstanceRef inst) const {
    ItemAcc at{const_cast<Model*>(this)};
    RbCheck c = rb_check(at, instances_[inst].root, instances_[inst].items);
    return c.ok && c.nodes == instances_[inst].items;
}

std::size_t Model::memory_bytes() const {
    std::size_t b = items_.bytes() + by_ep_.bytes() + by_key_.bytes() + by_data_.bytes();
    b +=
        instances_.capacity() * sizeof(Instance) + free_instances_.capacity() * sizeof(InstanceRef);
    for (const Deferral& d : deferred_) b += d.records.capacity() * sizeof(HeldRecord);
    for (const Instance& in : instances_) {
        b += in.fds.capacity() * sizeof(FdRef) + in.waiters.capacity() * sizeof(Waiter);
        b += in.harvest.lt.capacity() * sizeof(ItemKey) +
             in.harvest.walks.capacity() * sizeof(HarvestWalk) +
             in.harvest.ovf_queued.capacity() * sizeof(in.harvest.ovf_queued[0]);
        for (const HarvestWalk& w : in.harvest.walks) {
            b += w.nodes.capacity() * sizeof(ep_kernel_node);
        }
    }
    // unordered_map: one node (key, value, next pointer) per entry plus buckets.
    b += by_fd_.size() * (sizeof(std::uint64_t) + sizeof(InstanceRef) + 2 * sizeof(void*)) +
         by_fd_.bucket_count() * sizeof(void*);
    b += waiting_.size() * (2 * sizeof(std::uint32_t) + 2 * sizeof(void*)) +
         waiting_.bucket_count() * sizeof(void*);
    b += closed_items_.capacity() * sizeof(ClosedItem);
    for (const auto& [it, st] : stale_)
        b += sizeof(it) + sizeof(st) + st.name.name.capacity() + 2 * sizeof(void*);
    for (const auto& [tgid, p] : processes_) {
        b += sizeof(Process) + 2 * sizeof(void*) + p.threads.capacity() * sizeof(std::uint32_t) +
             p.comm.capacity();
        for (const auto& [fd, n] : p.fd_names)
            b += sizeof(n) + n.name.capacity() + 2 * sizeof(void*);
    }
    return b;
}

const char* VerifyStats::name(What w) {
    static constexpr const char* kNames[kWhats] = {"ready",  "overflow",    "txlist",  "tree",
                                                   "fdinfo", "harvest-end", "teardown"};
    return kNames[w];
}

std::uint64_t VerifyStats::total_checks() const {
    std::uint64_t t = 0;
    for (auto c : checks) t += c;
    return t;
}

std::uint64_t VerifyStats::total_mismatches() const {
    std::uint64_t t = 0;
    for (auto c : mismatches) t += c;
    return t;
}

}  // namespace epscope::model
