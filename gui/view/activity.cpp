#include "view/activity.hpp"

#include <algorithm>

namespace epscope::view {

std::vector<model::ItemRef> recent_callbacks(const Replay& r, model::InstanceRef inst,
                                             std::uint64_t window_ns) {
    std::vector<model::ItemRef> out;
    if (inst == model::kNil) return out;
    const model::Model& m = r.model();
    const std::uint64_t cursor = r.cursor_ts();
    const std::uint64_t from = cursor > window_ns ? cursor - window_ns : 0;
    for (std::size_t i = r.applied(); i-- > 0;) {
        const stream::Record& rec = r.record(i);
        if (rec.header().ts <= from) break;
        if (rec.kind() != EP_KIND_CALLBACK || rec.size() != sizeof(ep_callback)) continue;
        const ep_callback& cb = rec.as<ep_callback>();
        if (m.find_instance(cb.ep) != inst) continue;
        model::ItemRef it = m.find_item(inst, cb.file, cb.fd);
        if (it != model::kNil && std::find(out.begin(), out.end(), it) == out.end()) {
            out.push_back(it);
        }
    }
    return out;
}

void mark_flash(TreeLayout& t, const std::vector<model::ItemRef>& items) {
    // Sorted once: a busy 10,000-item tree has a hundred items flashing.
    std::vector<model::ItemRef> sorted = items;
    std::sort(sorted.begin(), sorted.end());
    for (TreeNodeLayout& n : t.nodes) {
        n.flash = std::binary_search(sorted.begin(), sorted.end(), n.item);
    }
}

}  // namespace epscope::view
