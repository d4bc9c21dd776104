// Verify mode: the model against the kernel. BPF walks of the ready list,
// overflow chain, txlist and rb-tree (KERNEL_NODE ... WALK_END) and /proc
// fdinfo snapshots (SNAPSHOT_INSTANCE + SNAPSHOT_ITEMs) are compared with the
// model's state at the point in the stream where they arrive, except the list
// walks of a running harvest: those are taken at ep_done_scan entry but arrive
// before the harvest's deliveries, so they wait until the model completes the
// harvest (verify_harvest) and are compared with the parts ep_done_scan then
// merges: txlist leftovers, requeued level-triggered items, overflow chain.
// Snapshots of instances the model does not know yet seed it instead; a full
// tree walk gives a seeded tree its real shape. Until a snapshot, an instance
// seen mid-life has an interest set the model only partly knows (a walk has no
// item's data): its other walks are counted (unseeded), not compared.
#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "model/model.hpp"

namespace epscope::model {

namespace {

std::uint64_t snapshot_key(std::uint32_t id, std::uint32_t tgid, std::int32_t epfd) {
    return mix64((std::uint64_t{id} << 32) ^ (std::uint64_t{tgid} << 1) ^
                 (static_cast<std::uint64_t>(static_cast<std::uint32_t>(epfd)) << 40));
}

std::string hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

// "fd 20 file 0xffff..." ("file unknown": seeded from /proc, not yet seen):
// what a list mismatch differs in, both parts of the kernel's key.
std::string key_text(std::uint64_t file, std::int32_t fd) {
    return "fd " + std::to_string(fd) + " file " + (file != 0 ? hex(file) : "unknown");
}

// " (model only: fd 8 file 0x…; kernel only: fd 9)": the items of an fdinfo
// snapshot and of the model that the other side lacks (the first few of each).
std::string snapshot_difference(const std::vector<const Item*>& model_items,
                                const std::vector<const ep_snapshot_item*>& kernel_items) {
    auto same = [](const Item& x, const ep_snapshot_item& k) {
        return x.fd == k.tfd && (x.ino == 0 || k.ino == 0 || x.ino == k.ino);
    };
    constexpr int kShown = 4;
    std::string model_only;
    std::string kernel_only;
    int shown = 0;
    for (const Item* x : model_items) {
        bool listed = std::any_of(kernel_items.begin(), kernel_items.end(),
                                  [&](const ep_snapshot_item* k) { return same(*x, *k); });
        if (!listed && shown++ < kShown)
            model_only += (model_only.empty() ? "" : ", ") + key_text(x->file, x->fd);
    }
    shown = 0;
    for (const ep_snapshot_item* k : kernel_items) {
        bool known = std::any_of(model_items.begin(), model_items.end(),
                                 [&](const Item* x) { return same(*x, *k); });
        if (!known && shown++ < kShown)
            kernel_only += (kernel_only.empty() ? "fd " : ", fd ") + std::to_string(k->tfd);
    }
    std::string out;
    if (!model_only.empty()) out += "model only: " + model_only;
    if (!kernel_only.empty()) out += (out.empty() ? "" : "; ") + ("kernel only: " + kernel_only);
    return out.empty() ? out : " (" + out + ")";
}

const char* list_name(std::uint8_t list) {
    switch (list) {
        case EP_WALK_READY:
            return "ready list";
        case EP_WALK_OVERFLOW:
            return "overflow list";
        case EP_WALK_TXLIST:
            return "txlist";
        default:
            return "tree";
    }
}

}  // namespace

void Model::note_mismatch(VerifyStats::What what, std::string line) {
    ++stats_.verify.mismatches[what];
    if (stats_.verify.log.size() < VerifyStats::kLogged) {
        char ts[32];
        std::snprintf(ts, sizeof ts, "%llu.%09llu ",
                      static_cast<unsigned long long>(last_ts_ / 1000000000),
                      static_cast<unsigned long long>(last_ts_ % 1000000000));
        stats_.verify.log.push_back(ts + line);
    }
    stats_.verify.last_mismatch = std::move(line);
}

void Model::on_kernel_node(const ep_kernel_node& r) {
    PendingWalk& w = walks_[r.walk_id];
    w.ep = r.ep;
    w.nodes.push_back(r);
}

void Model::on_walk_end(const ep_walk_end& r) {
    PendingWalk w;
    auto it = walks_.find(r.walk_id);
    if (it != walks_.end()) {
        w = std::move(it->second);
        walks_.erase(it);
    }
    w.ep = r.ep;
    std::sort(w.nodes.begin(), w.nodes.end(),
              [](const ep_kernel_node& a, const ep_kernel_node& b) { return a.index < b.index; });
    verify_walk(w, r);
}

void Model::verify_walk(const PendingWalk& w, const ep_walk_end& end) {
    VerifyStats::What what = end.list == EP_WALK_READY      ? VerifyStats::Ready
                             : end.list == EP_WALK_OVERFLOW ? VerifyStats::Overflow
                             : end.list == EP_WALK_TXLIST   ? VerifyStats::Txlist
                                                            : VerifyStats::Tree;
    InstanceRef inst = find_instance(end.ep);
    if (inst == kNil) {
        // Not seen yet (attached mid-life: a removal, which creates no
        // instance, came first): its interest set is not known either.
        ++stats_.verify.unseeded;
        return;
    }
    Instance& in = instances_[inst];
    if (what != VerifyStats::Tree && in.harvest.active) {
        in.harvest.walks.push_back(HarvestWalk{end, w.nodes});
        return;
    }
    bool truncated = end.truncated != 0;
    if (what == VerifyStats::Tree && !in.tree_exact && !truncated) {
        rebuild_tree_from_walk(inst, w.nodes);
        ++stats_.verify.tree_rebuilds;
        return;
    }
    if (!in.complete) {
        ++stats_.verify.unseeded;
        return;
    }
    if (what != VerifyStats::Tree) {
        std::vector<ItemRef> refs = what == VerifyStats::Ready      ? ready_list(inst)
                                    : what == VerifyStats::Overflow ? overflow_list(inst)
                                                                    : txlist(inst);
        std::vector<ItemKey> mine;
        for (ItemRef i : refs) mine.push_back(ItemKey{items_[i].file, items_[i].fd});
        return verify_list(inst, end, w.nodes, mine);
    }
    ++stats_.verify.checks[what];
    auto fail = [&](const std::string& why) {
        note_mismatch(what,
                      std::string(list_name(end.list)) + " of ep " + hex(end.ep) + ": " + why);
    };

    // Tree: preorder with colours and parents.
    std::vector<TreeNodeView> mine = tree_preorder(inst);
    if (truncated ? mine.size() < w.nodes.size() : mine.size() != w.nodes.size()) {
        return fail("kernel has " + std::to_string(w.nodes.size()) + " nodes, model " +
                    std::to_string(mine.size()));
    }
    std::unordered_map<std::uint64_t, const ep_kernel_node*> by_epi;
    for (const ep_kernel_node& n : w.nodes) by_epi[n.epi] = &n;
    for (std::size_t i = 0; i < w.nodes.size(); ++i) {
        const ep_kernel_node& k = w.nodes[i];
        const Item& x = items_[mine[i].item];
        bool same =
            x.file == k.file && x.fd == k.fd && static_cast<std::uint8_t>(mine[i].color) == k.color;
        const ep_kernel_node* kp = nullptr;
        if (k.parent != 0) {
            auto p = by_epi.find(k.parent);
            kp = p == by_epi.end() ? nullptr : p->second;
        }
        if (mine[i].parent == kNil) {
            same = same && k.parent == 0;
        } else {
            const Item& p = items_[mine[i].parent];
            // A parent outside a truncated walk cannot be compared by key.
            if (kp != nullptr) {
                same = same && p.file == kp->file && p.fd == kp->fd;
            } else {
                same = same && truncated && k.parent != 0;
            }
        }
        if (!same) {
            return fail("preorder position " + std::to_string(i) + ": kernel fd " +
                        std::to_string(k.fd) + (k.color == EP_RB_BLACK ? " black" : " red") +
                        ", model fd " + std::to_string(x.fd) +
                        (mine[i].color == RbColor::Black ? " black" : " red"));
        }
    }
}

void Model::verify_list(InstanceRef inst, const ep_walk_end& end,
                        const std::vector<ep_kernel_node>& nodes,
                        const std::vector<ItemKey>& mine) {
    VerifyStats::What what = end.list == EP_WALK_READY      ? VerifyStats::Ready
                             : end.list == EP_WALK_OVERFLOW ? VerifyStats::Overflow
                                                            : VerifyStats::Txlist;
    ++stats_.verify.checks[what];
    auto fail = [&](const std::string& why) {
        note_mismatch(what, std::string(list_name(end.list)) + " of ep " +
                                hex(instances_[inst].ep) + ": " + why);
    };
    bool truncated = end.truncated != 0;
    if (truncated ? mine.size() < nodes.size() : mine.size() != nodes.size()) {
        return fail("kernel has " + std::to_string(nodes.size()) + " items" +
                    (truncated ? " (truncated)" : "") + ", model " + std::to_string(mine.size()));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const ItemKey m = bind_seeded(inst, mine[i], nodes[i]);
        if (m.file != nodes[i].file || m.fd != nodes[i].fd) {
            return fail("position " + std::to_string(i) + ": kernel " +
                        key_text(nodes[i].file, nodes[i].fd) + ", model " + key_text(m.file, m.fd));
        }
    }
}

// An item seeded from /proc (traced mid-life) has no file pointer until a
// record shows it: a list walk does, for the seeded item under that fd
// (fdinfo lists one item per fd of the snapshot). Bound now, it is the same
// item, not a mismatch. Returns the model's key, bound or not.
ItemKey Model::bind_seeded(InstanceRef inst, ItemKey mine, const ep_kernel_node& k) {
    if (mine.file != 0 || k.file == 0 || mine.fd != k.fd) return mine;
    ItemRef seeded = lookup_item(inst, 0, k.fd);
    if (seeded == kNil || !items_[seeded].seeded() || lookup_item(inst, k.file, k.fd) != kNil)
        return mine;
    rekey_item(seeded, k.file);
    for (ItemKey& lt : instances_[inst].harvest.lt)
        if (lt.file == 0 && lt.fd == k.fd) lt.file = k.file;
    return ItemKey{k.file, k.fd};
}

// Called by finish_harvest before the merge: the model's txlist now holds the
// leftovers (maxevents reached), harvest_lt the level-triggered items the
// kernel had requeued on the ready list, and the overflow chain the callbacks
// that arrived during the harvest - the three lists ep_done_scan walked.
void Model::verify_harvest(InstanceRef inst) {
    Instance& in = instances_[inst];
    std::vector<HarvestWalk> walks = std::move(in.harvest.walks);
    in.harvest.walks.clear();
    // The overflow walk starts right after the ready walk's WALK_END: it saw
    // the callbacks that ran before then, not those after (a later one, its
    // record from another CPU, chained while ep_done_scan waited for the lock).
    std::uint64_t ovf_walk_start = ~std::uint64_t{0};
    for (const HarvestWalk& w : walks)
        if (w.end.list == EP_WALK_READY) ovf_walk_start = w.end.h.ts;
    std::vector<ItemKey> ovf;
    for (ItemRef i : overflow_list(inst)) {
        auto q = std::find_if(in.harvest.ovf_queued.begin(), in.harvest.ovf_queued.end(),
                              [i](const auto& e) { return e.first == i; });
        if (q != in.harvest.ovf_queued.end() && q->second > ovf_walk_start) continue;
        ovf.push_back(ItemKey{items_[i].file, items_[i].fd});
    }
    const auto ovf_seen = static_cast<std::uint32_t>(ovf.size());
    // HARVEST_END's counts are what the walks counted: lower bounds when a
    // walk stopped at its node limit.
    bool ready_cut = false;
    bool overflow_cut = false;
    for (const HarvestWalk& w : walks) {
        if (w.end.list == EP_WALK_READY) ready_cut = ready_cut || w.end.truncated != 0;
        if (w.end.list == EP_WALK_OVERFLOW) overflow_cut = overflow_cut || w.end.truncated != 0;
    }
    // A callback raced the walks (EP_FLAG_RACED): its record and its list
    // are on different sides of them, which only the overflow list and the
    // txlist can show. The ready list holds only this harvest's requeued
    // items (callbacks chain on the overflow list meanwhile): still compared.
    const bool raced = in.harvest.raced;
    if (raced && !in.harvest.unseeded) ++stats_.verify.raced;
    for (const HarvestWalk& w : walks) {
        if (raced && w.end.list == EP_WALK_OVERFLOW && w.end.truncated == 0)
            adopt_overflow_order(in, w.nodes);
        if (in.harvest.unseeded) {
            ++stats_.verify.unseeded;
            continue;
        }
        if (raced && w.end.list != EP_WALK_READY) continue;
        if (w.end.list == EP_WALK_READY) {
            verify_list(inst, w.end, w.nodes, in.harvest.lt);
        } else if (w.end.list == EP_WALK_OVERFLOW) {
            verify_list(inst, w.end, w.nodes, ovf);
        } else {
            std::vector<ItemKey> tx;
            for (ItemRef i : txlist(inst)) tx.push_back(ItemKey{items_[i].file, items_[i].fd});
            verify_list(inst, w.end, w.nodes, tx);
        }
    }
    if (in.harvest.end_seen) {
        in.harvest.end_seen = false;
        if (in.harvest.unseeded) return;
        auto lt = static_cast<std::uint32_t>(in.harvest.lt.size());
        ++stats_.verify.checks[VerifyStats::HarvestEnd];
        bool ready_ok = ready_cut ? in.harvest.end_ready <= lt : in.harvest.end_ready == lt;
        bool overflow_ok = raced || (overflow_cut ? in.harvest.end_overflow <= ovf_seen
                                                  : in.harvest.end_overflow == ovf_seen);
        if (!ready_ok || !overflow_ok) {
            note_mismatch(VerifyStats::HarvestEnd,
                          "harvest end of ep " + hex(in.ep) + ": kernel ready " +
                              std::to_string(in.harvest.end_ready) + " overflow " +
                              std::to_string(in.harvest.end_overflow) + ", model ready " +
                              std::to_string(lt) + " overflow " + std::to_string(ovf_seen));
        }
    }
}

// A raced harvest's records do not tell the overflow chain's order (two
// callbacks took ep->lock in another order than their records): its items
// the walk saw take the walk's order; the others, chained after the walk,
// stay in front. ep_done_scan then readies them as the kernel did.
void Model::adopt_overflow_order(Instance& in, const std::vector<ep_kernel_node>& nodes) {
    std::vector<ItemRef> chain;
    for (std::uint32_t i = in.ovf_head; i != kNil; i = items_[i].ovf_next) chain.push_back(i);
    std::vector<ItemRef> walked;
    for (const ep_kernel_node& k : nodes) {
        auto it = std::find_if(chain.begin(), chain.end(), [&](ItemRef i) {
            return items_[i].file == k.file && items_[i].fd == k.fd;
        });
        if (it == chain.end()) return;  // not the same items: keep the model's chain
        walked.push_back(*it);
    }
    std::vector<ItemRef> order;
    for (ItemRef i : chain)
        if (std::find(walked.begin(), walked.end(), i) == walked.end()) order.push_back(i);
    order.insert(order.end(), walked.begin(), walked.end());
    std::uint32_t next = kNil;
    for (auto i = order.rbegin(); i != order.rend(); ++i) {
        items_[*i].ovf_next = next;
        next = *i;
    }
    in.ovf_head = next;
}

// Gives the tree the kernel's exact shape from a complete preorder walk with
// parents and colours; items the walk lacks are dropped, items it has are
// created, so the interest set also becomes the kernel's.
void Model::rebuild_tree_from_walk(InstanceRef inst, const std::vector<ep_kernel_node>& nodes) {
    ++shape_version_;
    std::vector<ItemRef> refs;
    refs.reserve(nodes.size());
    for (const ep_kernel_node& n : nodes) {
        ItemRef it = lookup_item(inst, n.file, n.fd);
        if (it == kNil && n.file != 0) {
            it = lookup_item(inst, 0, n.fd);
            if (it != kNil) rekey_item(it, n.file);
        }
        if (it == kNil) it = create_item(inst, n.file, n.fd, Item::kLazy);
        if (n.epi != 0) items_[it].epi = n.epi;
        items_[it].events = n.events;
        refs.push_back(it);
    }
    std::vector<ItemRef> in_walk = refs;
    std::sort(in_walk.begin(), in_walk.end());
    for (ItemRef it : items_in_order(inst)) {
        if (!std::binary_search(in_walk.begin(), in_walk.end(), it)) destroy_item(it);
    }
    Instance& in = instances_[inst];
    std::unordered_map<std::uint64_t, ItemRef> by_epi;
    for (std::size_t i = 0; i < nodes.size(); ++i) by_epi[nodes[i].epi] = refs[i];
    for (ItemRef it : refs) items_[it].rb = RbNode{};
    in.root = kNil;
    bool ok = true;
    for (std::size_t i = 0; i < nodes.size() && ok; ++i) {
        ItemRef it = refs[i];
        Item& x = items_[it];
        bool black = nodes[i].color == EP_RB_BLACK;
        if (nodes[i].parent == 0) {
            ok = in.root == kNil;
            in.root = it;
            x.rb.set_parent_color(kNil, black);
            continue;
        }
        auto p = by_epi.find(nodes[i].parent);
        if (p == by_epi.end()) {
            ok = false;
            break;
        }
        Item& parent = items_[p->second];
        bool right = ffd_compare(x.file, x.fd, parent.file, parent.fd) > 0;
        std::uint32_t& slot = right ? parent.rb.right : parent.rb.left;
        ok = slot == kNil;
        slot = it;
        x.rb.set_parent_color(p->second, black);
    }
    ItemAcc at{this};
    RbCheck c = rb_check(at, in.root, static_cast<std::uint32_t>(refs.size()));
    if (!ok || !c.ok || c.nodes != refs.size()) {
        // The walk does not describe a valid tree (torn by concurrent changes):
        // keep a valid tree of the same items, shape unknown.
        ++stats_.verify.checks[VerifyStats::Tree];
        note_mismatch(VerifyStats::Tree, "tree walk of ep " + hex(in.ep) +
                                             " is not a valid red-black tree; not adopted");
        for (ItemRef it : refs) items_[it].rb = RbNode{};
        in.root = kNil;
        for (ItemRef it : refs) {
            rb_insert(at, in.root, it, [this](std::uint32_t a, std::uint32_t b) {
                const Item& p = items_[a];
                const Item& q = items_[b];
                return ffd_compare(p.file, p.fd, q.file, q.fd);
            });
        }
        in.tree_exact = false;
        return;
    }
    for (ItemRef it : refs) items_[it].flags &= ~(Item::kSeeded | Item::kLazy);
    // The shape and the keys, not the interest set: a walk carries no item's
    // data, which deliveries are matched by; a snapshot still seeds it.
    in.tree_exact = true;
}

void Model::on_snapshot_instance(const ep_snapshot_instance& r) {
    std::uint64_t key = snapshot_key(r.snapshot_id, r.h.tgid, r.epfd);
    auto [it, fresh] = snapshots_.try_emplace(key);
    if (!fresh) ++stats_.verify.snapshots_incomplete;  // the previous one never completed
    it->second.head = r;
    it->second.items.clear();
    if (r.items == 0) {
        PendingSnapshot s = std::move(it->second);
        snapshots_.erase(it);
        verify_snapshot(s);
    }
}

void Model::on_snapshot_item(const ep_snapshot_item& r) {
    auto it = snapshots_.find(snapshot_key(r.snapshot_id, r.h.tgid, r.epfd));
    if (it == snapshots_.end()) {
        ++stats_.verify.snapshots_incomplete;  // an item without its header
        return;
    }
    it->second.items.push_back(r);
    if (it->second.items.size() >= it->second.head.items) {
        PendingSnapshot s = std::move(it->second);
        snapshots_.erase(it);
        verify_snapshot(s);
    }
}

void Model::verify_snapshot(const PendingSnapshot& s) {
    const ep_snapshot_instance& head = s.head;
    InstanceRef inst = resolve_instance(head.ep, head.h.tgid, head.epfd, true);
    if (inst == kNil) return;
    if (head.ino != 0) instances_[inst].ino = head.ino;
    std::vector<ItemRef> mine = items_in_order(inst);

    if (!instances_[inst].complete) {
        std::vector<SeedItem> seed;
        for (const ep_snapshot_item& si : s.items)
            seed.push_back(SeedItem{si.tfd, si.data, si.events, si.ino});
        seed_interest_set(inst, seed);
        ++stats_.verify.snapshots_seeded;
        return;
    }

    if (close_removals_unseen_) mine = drop_unseen_close_removals(s, mine);

    // fdinfo lists the tree in kernel order (by file pointer); without file
    // pointers compare both sides ordered by fd.
    std::vector<const Item*> model_items;
    for (ItemRef i : mine) model_items.push_back(&items_[i]);
    std::sort(model_items.begin(), model_items.end(), [](const Item* a, const Item* b) {
        return std::tie(a->fd, a->ino) < std::tie(b->fd, b->ino);
    });
    std::vector<const ep_snapshot_item*> kernel_items;
    for (const ep_snapshot_item& si : s.items) kernel_items.push_back(&si);
    std::sort(kernel_items.begin(), kernel_items.end(),
              [](const ep_snapshot_item* a, const ep_snapshot_item* b) {
                  return std::tie(a->tfd, a->ino) < std::tie(b->tfd, b->ino);
              });

    ++stats_.verify.checks[VerifyStats::Snapshot];
    std::string where =
        "fdinfo of pid " + std::to_string(head.h.tgid) + " fd " + std::to_string(head.epfd) + ": ";
    if (model_items.size() != kernel_items.size()) {
        note_mismatch(VerifyStats::Snapshot,
                      where + "kernel has " + std::to_string(kernel_items.size()) +
                          " items, model " + std::to_string(model_items.size()) +
                          snapshot_difference(model_items, kernel_items));
        return;
    }
    for (std::size_t i = 0; i < kernel_items.size(); ++i) {
        const Item& x = *model_items[i];
        const ep_snapshot_item& k = *kernel_items[i];
        // do_epoll_ctl adds EPOLLERR|EPOLLHUP to every ADD and MOD mask; a
        // one-shot disarm then clears all but EP_PRIVATE_BITS.
        std::uint32_t events = x.events;
        if (events & ~kEpPrivateBits) events |= EPOLLERR | EPOLLHUP;
        bool same = x.fd == k.tfd && events == k.events && x.data == k.data &&
                    (x.ino == 0 || k.ino == 0 || x.ino == k.ino);
        if (!same) {
            note_mismatch(VerifyStats::Snapshot,
                          where + "tfd " + std::to_string(k.tfd) + " events " +
                              std::to_string(k.events) + " data " + std::to_string(k.data) +
                              ", model fd " + std::to_string(x.fd) + " events " +
                              std::to_string(events) + " data " + std::to_string(x.data));
            return;
        }
    }
}

// First sight of this interest set (traced mid-life): seed it. Items already
// known through other records keep their state. An item is known by its fd
// and inode: a read taken while the process replaced a connection (a seed
// that never found the instance idle) may list the new file under the number
// the stream still gives the old one, whose records are yet to come; an item
// whose inode no record told (learnt from a callback or a walk) is taken by
// fd. An empty interest set with no item known has the one shape an empty
// tree has.
void Model::seed_interest_set(InstanceRef inst, const std::vector<SeedItem>& items) {
    const std::vector<ItemRef> mine = items_in_order(inst);
    for (const SeedItem& si : items) {
        ItemRef it = kNil;
        for (ItemRef i : mine) {
            const Item& x = items_[i];
            if (x.fd != si.fd) continue;
            if (x.ino != 0 && si.ino != 0 && x.ino != si.ino) continue;  // another file
            // The same inode first, else one whose inode no record told.
            if (it == kNil || x.ino == si.ino) it = i;
        }
        if (it == kNil) it = create_item(inst, 0, si.fd, Item::kSeeded);
        set_item_data(it, si.data);
        Item& x = items_[it];
        x.events = si.events;
        x.ino = si.ino;
    }
    Instance& in = instances_[inst];
    if (items.empty() && mine.empty()) in.tree_exact = true;
    in.complete = true;
}

// A snapshot read before the stream tied its epoll fd to an instance address
// seeded an instance of its own, known by (process, fd) only; a record now
// names both, so the two are one kernel instance (a process attached while
// it waited: its harvests came first, without the fd). The seed joins the
// instance the records built, and the fd-keyed one goes.
void Model::merge_seeded(InstanceRef into, InstanceRef seeded) {
    std::vector<SeedItem> seed;
    for (ItemRef it : items_in_order(seeded)) {
        const Item& x = items_[it];
        seed.push_back(SeedItem{x.fd, x.data, x.events, x.ino});
    }
    const bool complete = instances_[seeded].complete;
    const std::vector<FdRef> fds = instances_[seeded].fds;
    release_instance(seeded);
    if (complete && !instances_[into].complete) seed_interest_set(into, seed);
    for (const FdRef& f : fds) add_fd_ref(into, f.tgid, f.fd);
}

// The tracepoint backend sees EPOLL_CTL_DEL only (close_removals_unseen_: its
// epoll_ctl records come from syscall tracepoints): an item the kernel removed
// because its file's last reference was dropped (close() of a socket still
// registered, process exit) is not recorded. fdinfo is the first sight of that
// removal, so an item of the model the kernel no longer lists is removed here
// and counted apart, never as a mismatch. The reverse (the kernel lists an
// item the model lacks) and any differing mask or data still are mismatches.
std::vector<ItemRef> Model::drop_unseen_close_removals(const PendingSnapshot& s,
                                                       const std::vector<ItemRef>& mine) {
    // The kernel's items by fd: one pass, not a scan of the snapshot per item
    // (a server's interest set has thousands).
    std::unordered_multimap<std::int32_t, std::uint64_t> listed_ino;
    listed_ino.reserve(s.items.size());
    for (const ep_snapshot_item& si : s.items) listed_ino.emplace(si.tfd, si.ino);
    std::vector<ItemRef> kept;
    for (ItemRef it : mine) {
        const Item& x = items_[it];
        // The same fd may name a new file (closed, reused, added again) while
        // the old item lives on through a dup: the inode tells them apart.
        auto [first, last] = listed_ino.equal_range(x.fd);
        bool listed = std::any_of(first, last, [&x](const auto& fd_ino) {
            return x.ino == 0 || fd_ino.second == 0 || fd_ino.second == x.ino;
        });
        if (listed) {
            kept.push_back(it);
            continue;
        }
        destroy_item(it);
        ++stats_.verify.unseen_close_removals;
    }
    return kept;
}

// ep_free() removes every item before the instance goes, each removal
// recorded (reason TEARDOWN): items the model still holds were removed
// unseen (a kernel path the backend does not hook, or lost records).
void Model::verify_teardown(InstanceRef inst) {
    ++stats_.verify.checks[VerifyStats::Teardown];
    const Instance& in = instances_[inst];
    if (in.items == 0) return;
    std::string fds;
    std::vector<ItemRef> left = items_in_order(inst);
    for (std::size_t i = 0; i < left.size() && i < 8; ++i)
        fds += (i ? " " : "") + std::to_string(items_[left[i]].fd);
    if (left.size() > 8) fds += " ...";
    note_mismatch(VerifyStats::Teardown, "ep " + hex(in.ep) + " freed with " +
                                             std::to_string(in.items) +
                                             " items never removed (fd " + fds + ")");
}

}  // namespace epscope::model
