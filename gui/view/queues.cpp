#include "view/queues.hpp"

#include "view/tree_layout.hpp"

namespace epscope::view {
namespace {

std::vector<QueueEntry> entries(const model::Model& m, std::uint32_t owner,
                                const std::vector<model::ItemRef>& items) {
    std::vector<QueueEntry> out;
    out.reserve(items.size());
    for (model::ItemRef i : items) {
        const model::Item& it = m.item(i);
        out.push_back(QueueEntry{i, it.fd, it.level_triggered(), it.events, item_label(m, owner, i),
                                 it.file, it.stale()});
    }
    return out;
}

}  // namespace

Queues queues_of(const model::Model& m, model::InstanceRef inst) {
    Queues q;
    if (inst == model::kNil) return q;
    const model::Instance& in = m.instance(inst);
    const std::uint32_t owner = instance_owner(in);
    q.ready = entries(m, owner, m.ready_list(inst));
    q.txlist = entries(m, owner, m.txlist(inst));
    q.overflow = entries(m, owner, m.overflow_list(inst));
    q.harvesting = in.harvest.active;
    return q;
}

std::vector<WaiterRow> waiter_rows(const model::Model& m, model::InstanceRef inst) {
    std::vector<WaiterRow> rows;
    if (inst == model::kNil) return rows;
    for (const model::Waiter& w : m.instance(inst).waiters) {
        WaiterRow r;
        r.tid = w.tid;
        r.tgid = w.tgid;
        r.epfd = w.epfd;
        r.maxevents = w.maxevents;
        r.since = w.since;
        if (w.woken_at != 0) {
            r.state = WaiterState::Woken;
        } else if (w.slept_at != 0) {
            r.state = WaiterState::Sleeping;
        }
        if (w.woken_by_item != model::kNil) r.woken_by = ItemSel::of(m.item(w.woken_by_item));
        rows.push_back(r);
    }
    return rows;
}

const char* waiter_state_name(WaiterState s) {
    switch (s) {
        case WaiterState::Running:
            return "running";
        case WaiterState::Sleeping:
            return "sleeping";
        case WaiterState::Woken:
            return "woken";
    }
    return "?";
}

}  // namespace epscope::view
