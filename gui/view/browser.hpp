// The instance browser: one row per live epoll instance, filterable by
// process name or pid and sortable by any column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace epscope::view {

struct InstanceRow {
    model::InstanceRef inst = model::kNil;
    std::uint32_t pid = 0;  // the process of its first fd (or its creator)
    std::string comm;
    std::string epfds;  // "4" or "4,7" (same process) or "4,1234:5" (fd in another process)
    std::uint32_t items = 0;
    std::uint32_t ready = 0;
    std::uint32_t overflow = 0;
    std::uint32_t waiters = 0;
    std::uint64_t callbacks = 0;
    bool harvesting = false;
};

enum class SortKey { Pid, Comm, Epfd, Items, Ready, Waiters };

struct BrowserQuery {
    // Digits only: the pid must equal it. Otherwise a case-insensitive
    // substring of the process name. Empty: everything.
    std::string filter;
    SortKey key = SortKey::Pid;
    bool descending = false;
};

std::vector<InstanceRow> browser_rows(const model::Model& m, const BrowserQuery& q);

// The live instances of process `pid` that hold an item with `fd`: where the
// browser marks the selected fd.
std::vector<model::InstanceRef> instances_holding_fd(const model::Model& m, std::uint32_t pid,
                                                     std::int32_t fd);

// Does `row` pass the filter? (Exposed for the window's "n of m shown".)
bool row_matches(const InstanceRow& row, const std::string& filter);

}  // namespace epscope::view
