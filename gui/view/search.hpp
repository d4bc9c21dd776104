// The search box: items found by their fd's name ("127.0.0.1:6379", "pipe"),
// their fd number, their process's name or pid, or a waiting thread's tid,
// in the model at the cursor. Each hit is an instance and an item (or only an
// instance, for a process that holds no item matching), in browser order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace epscope::view {

struct SearchHit {
    model::InstanceRef inst = model::kNil;
    std::int32_t fd = -1;  // -1: the instance as a whole (its process or a waiter matched)
    std::string label;     // "pid 12 redis-server, epfd 5, fd 9 (127.0.0.1:6379)"
};

// Case-insensitive substring of an fd name or process name; a number also
// matches fds, pids and tids equal to it. An empty query finds nothing.
std::vector<SearchHit> search(const model::Model& m, std::string_view query);

// "pid 12 redis-server, epfd 5": an instance as the user knows it, through
// process `tgid` (its owner: view::instance_owner).
std::string instance_label(const model::Model& m, model::InstanceRef inst, std::uint32_t tgid);

}  // namespace epscope::view
