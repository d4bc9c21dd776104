// The ordered queues of one instance (ready list, txlist of a running
// harvest, overflow list) and its waiters, as rows the queues window draws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {

struct QueueEntry {
    model::ItemRef item = model::kNil;
    std::int32_t fd = -1;
    bool level_triggered = true;  // will be re-queued after delivery
    std::uint32_t events = 0;     // the item's mask (EPOLLET, EPOLLONESHOT bits included)
    std::string label;
    std::uint64_t file = 0;
    bool stale = false;  // its fd was closed, its file stays registered
};

struct Queues {
    std::vector<QueueEntry> ready;     // head first
    std::vector<QueueEntry> txlist;    // items a running harvest has spliced out
    std::vector<QueueEntry> overflow;  // newest first: the order of the kernel's chain
    bool harvesting = false;           // the overflow list is active
};

Queues queues_of(const model::Model& m, model::InstanceRef inst);

enum class WaiterState { Running, Sleeping, Woken };

struct WaiterRow {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::int32_t epfd = -1;
    std::int32_t maxevents = 0;
    std::uint64_t since = 0;  // WAIT_BEGIN timestamp
    WaiterState state = WaiterState::Running;
    ItemSel woken_by;  // the item whose callback woke it (stale or not); fd -1 if unknown
};

std::vector<WaiterRow> waiter_rows(const model::Model& m, model::InstanceRef inst);
const char* waiter_state_name(WaiterState s);

}  // namespace epscope::view
