// The model: per-epoll state rebuilt from the event stream alone (DESIGN.md,
// "The model"). Processes own fds; fds reach instances (one instance may be
// reached from several fds and processes); an instance holds its items in the
// kernel's rb-tree shape, its ready list in order, the overflow list while a
// harvest runs, and its waiters. Everything is a pure function of the records
// fed to on_record(); the read-only accessors below are what the CLI and GUI use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/histogram.hpp"
#include "model/index_table.hpp"
#include "model/rbtree.hpp"
#include "stream/epoll_bits.hpp"
#include "stream/record.hpp"

namespace epscope::model {

using InstanceRef = std::uint32_t;  // index of a live instance
using ItemRef = std::uint32_t;      // index of a live item

inline constexpr std::size_t kOutcomes = 6;  // enum ep_callback_outcome

// Where an item's rdllink is: nowhere, on the ready list, or on the private
// list of a running harvest (txlist). The overflow chain is separate: the
// kernel can chain an item there while it still sits on the txlist.
enum class ItemPlace : std::uint8_t { None = 0, Ready = 1, Txlist = 2 };

struct ItemStats {
    std::array<std::uint64_t, kOutcomes> callbacks{};  // by ep_callback_outcome
    std::uint64_t deliveries = 0;
    std::uint32_t spurious_wakeups = 0;  // waiters this item woke that returned 0 events
    std::uint32_t herds = 0;             // callbacks that woke more than one waiter
    ItemLatencyHistogram latency;        // first queueing -> delivery
};

struct Item {
    static constexpr std::uint8_t kSeeded = 1;   // from a /proc snapshot, shape not known
    static constexpr std::uint8_t kLazy = 2;     // first seen in a record other than insert
    static constexpr std::uint8_t kSkipped = 4;  // passed over by a delivery of this harvest
    // Its fd was closed while its file stayed open elsewhere (a dup, a child):
    // still registered, under a number the program may have reused (FD_CLOSE).
    static constexpr std::uint8_t kStale = 8;

    // The first 64 bytes are what lookups, list walks and tree walks touch.
    std::uint64_t file = 0;    // key part 1 (0 on the tracepoint backend)
    std::uint64_t data = 0;    // epoll_event.data
    std::int32_t fd = -1;      // key part 2
    std::uint32_t events = 0;  // current mask; one-shot disarm leaves kEpPrivateBits only
    InstanceRef instance = kNil;
    std::uint32_t prev = kNil;  // ready list / txlist neighbours
    std::uint32_t next = kNil;
    std::uint32_t ovf_next = kNil;  // overflow chain; meaningful when on_overflow()
    RbNode rb;
    std::uint8_t flags = 0;
    // Bit fields in the three bytes beside flags (Item stays within budget).
    // On the ready list or the txlist; which of the two is Model::place(): the
    // txlist is what was linked before the running harvest began.
    std::uint32_t linked : 1 = 0;
    std::uint32_t overflow : 1 = 0;  // 1 while chained on the overflow list
    std::uint32_t live : 1 = 0;
    std::uint32_t link_epoch : 21 = 0;  // the instance's ready_epoch when linked
    static constexpr std::uint32_t kEpochLimit = (1u << 21) - 1;
    std::uint64_t epi = 0;  // kernel identity (0 when unknown)
    std::uint64_t ino = 0;
    std::uint64_t queued_ts = 0;  // when queued and not yet delivered; 0: not pending
    ItemStats stats;

    bool seeded() const { return flags & kSeeded; }
    bool stale() const { return flags & kStale; }
    bool on_overflow() const { return overflow != 0; }
    bool level_triggered() const { return !(events & (EPOLLET | EPOLLONESHOT)); }
    bool disarmed() const { return (events & EPOLLONESHOT) && !(events & ~kEpPrivateBits); }
};

// The memory budget is <= 256 bytes per live item, hash table included.
static_assert(sizeof(Item) <= 208, "Item grew: re-check docs/BENCHMARKS.md's memory figures");

struct Waiter {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::int32_t epfd = -1;
    std::int32_t maxevents = 0;
    std::uint64_t since = 0;     // WAIT_BEGIN
    std::uint64_t slept_at = 0;  // WAIT_SLEEP (0: has not slept)
    std::uint64_t woken_at = 0;  // WAKEUP (0: not woken)
    std::uint32_t woken_by_tid = 0;
    ItemRef woken_by_item = kNil;  // the item whose callback woke it, if known
};

struct InstanceStats {
    std::array<std::uint64_t, kOutcomes> callbacks{};
    std::uint64_t deliveries = 0;
    std::uint64_t harvests = 0;
    std::uint64_t waits = 0;
    std::uint64_t wakeups = 0;
    std::uint64_t spurious_wakeups = 0;        // woken, then returned 0 events
    std::uint64_t herds = 0;                   // callbacks that woke several waiters
    std::uint64_t dropped_unready = 0;         // txlist items dropped: re-poll showed no event
    std::uint64_t unexplained_deliveries = 0;  // delivered items not on the modelled txlist
    std::uint64_t desyncs = 0;  // a record contradicted the model (lost or reordered records)
    // Callbacks on an item already removed at its file's close: run between
    // eventpoll_release_file's entry (where the removal is recorded) and the
    // unlink under ep->mtx. The kernel unlinks it anyway: the item stays gone.
    std::uint64_t callbacks_after_close = 0;
    WideHistogram latency;    // callback -> harvest, all items
    WideHistogram wait_time;  // WAIT_BEGIN -> WAIT_END
};

// A kernel list walk of a running harvest (TXLIST, READY, OVERFLOW), kept
// until the harvest's deliveries are known: the walks are taken at
// ep_done_scan entry but arrive before the HARVEST_ITEMs.
struct HarvestWalk {
    ep_walk_end end{};
    std::vector<ep_kernel_node> nodes;
};

// An item by its rb-tree key: survives the item's removal, unlike an ItemRef.
struct ItemKey {
    std::uint64_t file = 0;
    std::int32_t fd = -1;
};

struct ListHead {
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::uint32_t count = 0;
};

struct FdRef {
    std::uint32_t tgid = 0;
    std::int32_t fd = -1;
    bool operator==(const FdRef&) const = default;
};

// An instance's harvest, from ep_start_scan (or the first overflow queueing) to the model's
// requeue: reset as a whole by Model::begin_harvest, the one place a harvest starts.
struct Harvest {
    bool active = false;  // between HARVEST_BEGIN and HARVEST_END: overflow list active
    // HARVEST_END came before any HARVEST_ITEM: the items may still come (read
    // from the user buffer when epoll_wait returns), so the requeue waits for
    // the harvesting thread's WAIT_END (or the next HARVEST_BEGIN).
    bool ended = false;
    std::uint32_t tid = 0;
    std::uint32_t items = 0;        // HARVEST_ITEMs matched in this harvest
    std::int32_t maxevents = 0;     // of the harvesting wait; 0: unknown
    ItemRef late_lt_anchor = kNil;  // last level-triggered item requeued by a late delivery
    bool implicit = false;          // started by an overflow queueing, not by HARVEST_BEGIN
    // The ended harvest's deliveries are no longer waited for: the records
    // held back for them were replayed without them (too many, or the
    // harvesting thread moved on).
    bool released = false;
    // What ep_done_scan saw, checked when the harvest completes in the model.
    std::vector<ItemKey> lt;  // level-triggered items delivered and requeued, in order
    std::vector<HarvestWalk> walks;
    // Overflow queueings of this harvest and when their callbacks ran: the
    // overflow walk at ep_done_scan entry takes no lock, so a callback that
    // ran after the walk ended chained too late to be in it (the kernel still
    // moved it, under ep->lock).
    std::vector<std::pair<ItemRef, std::uint64_t>> ovf_queued;
    // Begun before the instance's interest set was known (traced mid-life,
    // not seeded yet): its deliveries could not all be told apart by their
    // data, so its walks are not compared.
    bool unseeded = false;
    bool end_seen = false;  // HARVEST_END carried the kernel's counts (ready walked)
    bool raced = false;     // HARVEST_END had EP_FLAG_RACED
    std::uint32_t end_ready = 0;
    std::uint32_t end_overflow = 0;

    // Back to a harvest not begun; the lists keep their memory (one harvest per wait).
    void reset() {
        std::vector<ItemKey> l = std::move(lt);
        std::vector<HarvestWalk> w = std::move(walks);
        std::vector<std::pair<ItemRef, std::uint64_t>> o = std::move(ovf_queued);
        l.clear();
        w.clear();
        o.clear();
        *this = Harvest{};
        lt = std::move(l);
        walks = std::move(w);
        ovf_queued = std::move(o);
    }
};

struct Instance {
    std::uint64_t ep = 0;    // 0 on the tracepoint backend: then keyed by its first FdRef
    std::uint64_t file = 0;  // struct file * of the epoll fd
    std::uint64_t ino = 0;   // from snapshots
    std::uint64_t created_ts = 0;
    // 1, 2, ... in order of first sight, never reused within a trace: tells
    // apart instances the backend knows no address for (ep 0: snapshots,
    // tracepoints) once the InstanceRef is recycled.
    std::uint64_t serial = 0;
    std::uint32_t creator_tgid = 0;
    std::uint32_t root = kNil;  // rb-tree
    std::uint32_t items = 0;
    ListHead ready;
    ListHead txlist;
    // A harvest takes the whole ready list as its txlist in O(1), as the
    // kernel's list_splice does: items linked with a link_epoch below
    // txlist_below are the txlist's (0 outside a harvest: none), the rest the
    // ready list's. Walking the ready list instead cost every harvest the whole
    // list, with thousands of level-triggered items ready and maxevents 1.
    std::uint32_t ready_epoch = 0;
    std::uint32_t txlist_below = 0;
    std::uint32_t ovf_head = kNil;  // overflow chain, newest first (kernel pushes at head)
    std::uint32_t ovf_count = 0;
    bool live = false;
    Harvest harvest;  // the running one, or the last one
    // The last HARVEST_END's: outlives its harvest (late records).
    std::uint64_t harvest_end_ts = 0;
    bool complete = false;  // interest set known from its creation or a snapshot
    // Every tree operation since a known shape (its creation, an empty seed, a
    // full tree walk) was seen: the shape equals the kernel's. Not for an
    // instance first seen mid-life: items before the attach shaped its tree.
    bool tree_exact = false;
    std::vector<FdRef> fds;
    std::vector<Waiter> waiters;
    InstanceStats stats;
    // The last callback on this instance, to tie WAKEUPs to it (herd detection).
    ItemRef last_cb_item = kNil;
    std::uint64_t last_cb_epi = 0;
    std::uint32_t last_cb_tid = 0;
    std::uint32_t last_cb_wakeups = 0;
};

struct Process {
    std::uint32_t tgid = 0;
    std::uint32_t parent_tgid = 0;
    std::string comm;
    std::vector<std::uint32_t> threads;
    struct FdName {
        std::uint32_t type = 0;  // enum ep_fd_type
        std::uint64_t ino = 0;   // the file it names (0: unknown)
        std::string name;
    };
    std::unordered_map<std::int32_t, FdName> fd_names;
};

// A stale item (Item::kStale): when and by which process its fd was closed,
// and what the fd named then (the number may name another file now).
struct StaleItem {
    std::uint64_t closed_ts = 0;
    std::uint32_t tgid = 0;
    Process::FdName name;  // name empty: not named before the close
};

// Verify mode: the model compared with kernel walks and /proc fdinfo.
struct VerifyStats {
    // Teardown: every INSTANCE_FREE is checked for items the model still has
    // (the kernel removed them all, each recorded as a TEARDOWN removal): a
    // freed instance with items left means removals went unrecorded.
    enum What {
        Ready = 0,
        Overflow = 1,
        Txlist = 2,
        Tree = 3,
        Snapshot = 4,
        HarvestEnd = 5,
        Teardown = 6
    };
    static constexpr std::size_t kWhats = 7;
    std::array<std::uint64_t, kWhats> checks{};
    std::array<std::uint64_t, kWhats> mismatches{};
    std::uint64_t tree_rebuilds = 0;  // seeded trees given their real shape by a walk
    std::uint64_t snapshots_seeded = 0;
    std::uint64_t snapshots_incomplete = 0;
    std::uint64_t snapshots_busy = 0;  // fdinfo reads the tracer gave up (never idle)
    // Harvests whose overflow list and txlist walks were not compared: a
    // callback raced the walks (EP_FLAG_RACED). Their ready list still was.
    std::uint64_t raced = 0;
    // Items fdinfo showed gone that the backend never saw removed (the
    // tracepoint backend sees EPOLL_CTL_DEL only, not removal at file close).
    std::uint64_t unseen_close_removals = 0;
    // Kernel walks of instances whose interest set was not known yet (seen
    // mid-life, before their snapshot): nothing to compare them with.
    std::uint64_t unseeded = 0;
    std::string last_mismatch;  // one line describing the latest mismatch
    // The first kLogged mismatches, each "SECONDS.NANOS what" with the time of
    // the record that revealed it (as `epscope dump` prints times), so a
    // mismatch can be found in the trace (`epscope stat --mismatches`).
    static constexpr std::size_t kLogged = 64;
    std::vector<std::string> log;

    // "ready", "overflow", "txlist", "tree", "fdinfo", "harvest-end", "teardown"
    static const char* name(What w);
    std::uint64_t total_checks() const;
    std::uint64_t total_mismatches() const;
};

struct ModelStats {
    std::uint64_t records = 0;
    std::uint64_t malformed = 0;  // kind unknown or size not the kind's: ignored
    std::array<std::uint64_t, EP_KIND_COUNT> by_kind{};
    std::uint64_t lost = 0;           // records the ring buffer dropped (sum of LOST)
    std::uint64_t lost_skipped = 0;   // of lost: program runs the kernel skipped
    std::uint64_t ts_inversions = 0;  // records older than the previous one (CPU reordering)
    std::uint64_t failed_ctl = 0;     // epoll_ctl / epoll_create calls that failed
    std::uint64_t unknown_removes = 0;
    std::uint64_t checkpoints = 0;
    std::uint64_t reordered_harvests = 0;  // harvests replayed after another thread's deliveries
    // The model's work: records routed, first passes and replays of held-back
    // records together. routed / records stays below a small constant
    // whatever the interleaving (model_replay prints it).
    std::uint64_t routed = 0;
    VerifyStats verify;
};

// One item as the tree view draws it.
struct TreeNodeView {
    ItemRef item = kNil;
    ItemRef parent = kNil;
    ItemRef left = kNil;
    ItemRef right = kNil;
    RbColor color = RbColor::Black;
    std::uint32_t depth = 0;
};

class Model : public stream::RecordSink {
public:
    Model();
    ~Model() override;
    // Copies are checkpoints: the state at time t of a trace is the nearest
    // earlier copy plus a replay of the records after it.
    Model(const Model&) = default;
    Model& operator=(const Model&) = default;

    void on_record(const stream::Record& rec) override;
    // Applies records held back for reordering (concurrent harvests, see
    // route()); call at the end of a stream before reading final state.
    void flush_all_deferred();

    // ---- read-only queries --------------------------------------------------
    std::vector<InstanceRef> instances() const;  // live instances, in creation-slot order
    const Instance& instance(InstanceRef i) const { return instances_[i]; }
    const Item& item(ItemRef i) const { return items_[i]; }
    ItemPlace place(ItemRef i) const { return place_of(items_[i]); }
    // Lookups by identity; kNil when unknown.
    InstanceRef find_instance(std::uint64_t ep) const;
    InstanceRef find_instance_by_fd(std::uint32_t tgid, std::int32_t epfd) const;
    ItemRef find_item(InstanceRef inst, std::uint64_t file, std::int32_t fd) const;

    std::vector<ItemRef> items_in_order(InstanceRef inst) const;      // rb-tree in-order (fdinfo)
    std::vector<TreeNodeView> tree_preorder(InstanceRef inst) const;  // as a BPF walk
    std::vector<ItemRef> ready_list(InstanceRef inst) const;
    std::vector<ItemRef> txlist(InstanceRef inst) const;
    std::vector<ItemRef> overflow_list(InstanceRef inst) const;  // newest first, as chained
    bool tree_valid(InstanceRef inst) const;                     // red-black rules hold

    const std::unordered_map<std::uint32_t, Process>& processes() const { return processes_; }
    std::string_view fd_name(std::uint32_t tgid, std::int32_t fd) const;
    // Stale items: registered under an fd their process closed (the file
    // stays open elsewhere). Their name is the one the fd had, never the
    // name of a file the number was reused for.
    bool item_stale(ItemRef i) const { return items_[i].stale(); }
    const StaleItem* stale_item(ItemRef i) const;  // nullptr unless stale
    std::vector<ItemRef> stale_items() const;      // every stale item, in ItemRef order
    // The name of the item's fd in process tgid: empty when the fd now names
    // another file than the item's (the number was reused).
    std::string_view item_fd_name(std::uint32_t tgid, ItemRef i) const;
    const ModelStats& stats() const { return stats_; }

    std::size_t live_items() const { return live_items_; }
    std::size_t memory_bytes() const;  // heap owned by the model's containers
    // Counts the changes of what a drawn tree shows besides its marks: an
    // item inserted, removed or re-keyed, a tree rebuilt from a kernel walk,
    // an fd name or a process's fds. Unchanged between two states of one
    // replay: the same trees with the same labels (the GUI lays them out once).
    std::uint64_t shape_version() const { return shape_version_; }

private:
    struct ItemAcc {
        Model* m;
        RbNode& operator()(std::uint32_t i) const { return m->items_[i].rb; }
    };
    struct PendingWalk {
        std::uint64_t ep = 0;
        std::vector<ep_kernel_node> nodes;
    };
    struct PendingSnapshot {
        ep_snapshot_instance head{};
        std::vector<ep_snapshot_item> items;
    };

    // A record held back, with how many deferrals it has been through.
    struct HeldRecord {
        stream::Record rec;
        std::uint8_t deferrals = 0;
    };
    struct Deferral {
        std::uint64_t ep = 0;
        std::uint32_t tid = 0;  // the harvesting thread whose deliveries are awaited
        std::vector<HeldRecord> records;
    };
    static constexpr std::size_t kMaxDeferred = 4096;
    // A record is held back by at most this many harvests, one after another
    // (nested deferrals made during a replay): what bounds the model's work
    // per record whatever the interleaving.
    static constexpr std::uint8_t kMaxDeferrals = 4;
    void route(const stream::Record& rec, std::uint8_t deferrals = 0);
    bool defer_new_harvest(const stream::Record& rec, std::uint64_t ep, std::uint8_t deferrals);
    void dispatch(const stream::Record& rec);
    void flush_deferred(std::uint64_t ep);
    bool harvest_awaits_deliveries(const Instance& in) const;

    void on_instance_create(const ep_header& h, const ep_instance_create& r);
    void on_instance_free(const ep_instance_free& r);
    void on_item_insert(const ep_header& h, const ep_item_ctl& r);
    void on_item_modify(const ep_header& h, const ep_item_ctl& r);
    void on_item_remove(const ep_header& h, const ep_item_remove& r);
    void note_closed_item(const ep_item_remove& r);
    bool closed_item(const ep_callback& r) const;
    void on_callback(const ep_header& h, const ep_callback& r);
    void on_wakeup(const ep_header& h, const ep_wakeup& r);
    void on_wait_begin(const ep_header& h, const ep_wait_begin& r);
    void on_wait_sleep(const ep_header& h, const ep_wait_sleep& r);
    void on_wait_end(const ep_header& h, const ep_wait_end& r);
    void on_harvest_begin(const ep_header& h, const ep_harvest_begin& r);
    void on_harvest_item(const ep_header& h, const ep_harvest_item& r);
    void on_harvest_end(const ep_header& h, const ep_harvest_end& r);
    void on_kernel_node(const ep_kernel_node& r);
    void on_walk_end(const ep_walk_end& r);
    void on_process(const ep_header& h, const ep_process& r);
    void on_fd_name(const ep_header& h, const ep_fd_name& r);
    void on_fd_close(const ep_header& h, const ep_fd_close& r);
    void fd_closed(InstanceRef inst, const ep_header& h, const ep_fd_close& r);
    void mark_stale(ItemRef it, const ep_header& h);
    void drop_stale_of_file(InstanceRef inst, std::uint64_t file, std::uint64_t ino);
    bool name_stale_item(const ep_header& h, const ep_fd_name& r);
    void on_snapshot_instance(const ep_snapshot_instance& r);
    void on_snapshot_item(const ep_snapshot_item& r);

    // Instances.
    InstanceRef resolve_instance(std::uint64_t ep, std::uint32_t tgid, std::int32_t epfd,
                                 bool create);
    InstanceRef new_instance(std::uint64_t ep);
    void add_fd_ref(InstanceRef inst, std::uint32_t tgid, std::int32_t epfd);
    void release_instance(InstanceRef inst);

    // Items.
    ItemRef lookup_item(InstanceRef inst, std::uint64_t file, std::int32_t fd) const;
    ItemRef create_item(InstanceRef inst, std::uint64_t file, std::int32_t fd, std::uint8_t flags);
    void destroy_item(ItemRef it);
    void rekey_item(ItemRef it, std::uint64_t file);
    ItemRef adopt_or_create_item(InstanceRef inst, std::uint64_t file, std::int32_t fd);
    ItemRef find_by_data(InstanceRef inst, std::uint64_t data) const;
    void set_item_data(ItemRef it, std::uint64_t data);
    std::uint64_t item_hash(InstanceRef inst, std::uint64_t file, std::int32_t fd) const;
    static std::uint64_t data_hash(InstanceRef inst, std::uint64_t data);

    // Lists.
    void list_append(ListHead& l, ItemRef it);
    void list_prepend(ListHead& l, ItemRef it);
    void list_unlink(ListHead& l, ItemRef it);
    void list_insert_after(ListHead& l, ItemRef after, ItemRef it);
    void unlink_rdllink(ItemRef it);  // from whichever list holds it
    ItemPlace place_of(const Item& x) const {
        if (!x.linked) return ItemPlace::None;
        return x.link_epoch < instances_[x.instance].txlist_below ? ItemPlace::Txlist
                                                                  : ItemPlace::Ready;
    }
    // Marks an item just linked on `in`'s ready list, or on its txlist (only
    // while a harvest runs: txlist_below > 0).
    static void mark_ready(const Instance& in, Item& x) {
        x.linked = 1;
        x.link_epoch = in.ready_epoch;
    }
    static void mark_txlist(const Instance& in, Item& x) {
        x.linked = 1;
        x.link_epoch = in.txlist_below - 1;
    }
    void overflow_unlink(Instance& in, ItemRef it);
    void begin_harvest(InstanceRef inst);
    void finish_harvest(InstanceRef inst);
    // The item was queued (callback outcome or ep_insert/ep_modify's own queueing).
    void queue_ready(InstanceRef inst, ItemRef it, std::uint64_t ts);
    // during_done_scan: the callback began while the harvest's ep_done_scan
    // ran (EP_FLAG_DONE_SCAN, verify mode).
    void queue_overflow(InstanceRef inst, ItemRef it, std::uint64_t ts,
                        bool during_done_scan = false);
    void apply_ctl_queued(InstanceRef inst, ItemRef it, std::uint32_t queued, std::uint64_t ts);
    void deliver(InstanceRef inst, ItemRef it, std::uint64_t ts);

    Waiter* find_waiter(Instance& in, std::uint32_t tid);
    InstanceRef instance_waited_by(std::uint32_t tid);

    // Verification (model_verify.cpp).
    void verify_walk(const PendingWalk& w, const ep_walk_end& end);
    void verify_list(InstanceRef inst, const ep_walk_end& end,
                     const std::vector<ep_kernel_node>& nodes, const std::vector<ItemKey>& mine);
    void verify_harvest(InstanceRef inst);  // the buffered walks against the completed harvest
    void adopt_overflow_order(Instance& in, const std::vector<ep_kernel_node>& nodes);
    void verify_snapshot(const PendingSnapshot& s);
    // An interest set from /proc for an instance whose own is not known yet.
    struct SeedItem {
        std::int32_t fd = -1;
        std::uint64_t data = 0;
        std::uint32_t events = 0;
        std::uint64_t ino = 0;
    };
    void seed_interest_set(InstanceRef inst, const std::vector<SeedItem>& items);
    void merge_seeded(InstanceRef into, InstanceRef seeded);
    std::vector<ItemRef> drop_unseen_close_removals(const PendingSnapshot& s,
                                                    const std::vector<ItemRef>& mine);
    void verify_teardown(InstanceRef inst);  // at INSTANCE_FREE: no item may be left
    void rebuild_tree_from_walk(InstanceRef inst, const std::vector<ep_kernel_node>& nodes);
    ItemKey bind_seeded(InstanceRef inst, ItemKey mine, const ep_kernel_node& k);
    void requeue_level_triggered(InstanceRef inst, ItemRef it, std::uint64_t ts);
    void note_mismatch(VerifyStats::What what, std::string line);

    ChunkedPool<Item> items_;
    std::vector<Instance> instances_;
    std::vector<InstanceRef> free_instances_;
    std::uint64_t instance_serials_ = 0;
    IndexTable by_ep_;   // ep -> instance
    IndexTable by_key_;  // (instance, file, fd) -> item
    // (instance, data) -> items: a delivery shows the data only (the
    // tracepoint backend's HARVEST_ITEMs); several items may share one.
    IndexTable by_data_;
    std::unordered_map<std::uint64_t, InstanceRef> by_fd_;  // (tgid << 32 | epfd) -> instance
    std::unordered_map<std::uint32_t, Process> processes_;
    // tid -> instance it waits on (checked against the instance's waiters on
    // use, so a stale entry is harmless): records without ep find it here.
    std::unordered_map<std::uint32_t, InstanceRef> waiting_;
    std::unordered_map<std::uint32_t, PendingWalk> walks_;
    std::unordered_map<std::uint64_t, PendingSnapshot> snapshots_;  // by (id, tgid, epfd)
    std::vector<Deferral> deferred_;  // instances waiting for a harvesting thread's WAIT_END
    ModelStats stats_;
    std::uint64_t shape_version_ = 0;
    // The latest items removed at their file's close (the oldest overwritten):
    // their callbacks may still run until the kernel unlinks them, which is
    // not recorded (note_closed_item). An epitem reused for a new item is
    // found by its key before this is looked at.
    struct ClosedItem {
        std::uint64_t epi = 0;
        std::uint64_t ep = 0;
        std::uint64_t file = 0;
        std::int32_t fd = -1;
    };
    static constexpr std::size_t kClosedItems = 256;
    std::vector<ClosedItem> closed_items_;
    // Stale items (Item::kStale), by item: few, unless a program leaks them.
    std::unordered_map<ItemRef, StaleItem> stale_;
    std::size_t closed_next_ = 0;
    // epoll_ctl comes from syscall tracepoints: removal at file close is never
    // recorded, fdinfo snapshots are the first to show it (model_verify.cpp).
    bool close_removals_unseen_ = false;
    std::uint64_t last_ts_ = 0;
    // Records come in bursts per instance: remember the last ep lookup.
    mutable std::uint64_t cached_ep_ = 0;
    mutable InstanceRef cached_inst_ = kNil;
    std::size_t live_items_ = 0;
};

}  // namespace epscope::model
