// The view-model of the current frame, recomputed only when the model state
// (replay position) or the selection changes, not on every frame: a 10,000
// item tree is laid out once, then drawn many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "view/browser.hpp"
#include "view/queues.hpp"
#include "view/replay.hpp"
#include "view/tree_layout.hpp"

namespace epscope::gui {

// A node flashes when its callback ran within this much trace time before the cursor.
inline constexpr std::uint64_t kFlashWindowNs = 20'000'000;

class ViewCache {
public:
    const std::vector<view::InstanceRow>& rows(const view::Replay& r, const view::BrowserQuery& q);
    const view::TreeLayout& tree(const view::Replay& r, model::InstanceRef inst);
    const view::Queues& queues(const view::Replay& r, model::InstanceRef inst);
    const std::vector<view::WaiterRow>& waiters(const view::Replay& r, model::InstanceRef inst);

private:
    struct Key {
        const model::Model* model = nullptr;
        std::size_t applied = static_cast<std::size_t>(-1);
        model::InstanceRef inst = model::kNil;
        bool operator==(const Key&) const = default;
    };
    static Key key_of(const view::Replay& r, model::InstanceRef inst) {
        return Key{&r.model(), r.applied(), inst};
    }

    Key rows_key_;
    std::string rows_filter_;
    view::SortKey rows_sort_ = view::SortKey::Pid;
    bool rows_desc_ = false;
    std::vector<view::InstanceRow> rows_;
    Key tree_key_;
    view::TreeLayout tree_;
    Key queues_key_;
    view::Queues queues_;
    Key waiters_key_;
    std::vector<view::WaiterRow> waiters_;
};

}  // namespace epscope::gui
