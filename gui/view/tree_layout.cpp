#include "view/tree_layout.hpp"

#include <unordered_map>

namespace epscope::view {

std::string item_label(const model::Model& m, std::uint32_t tgid, std::int32_t fd) {
    std::string label = "fd " + std::to_string(fd);
    std::string_view name = m.fd_name(tgid, fd);
    if (!name.empty()) {
        label += "  ";
        label += name;
    }
    return label;
}

std::uint32_t instance_owner(const model::Instance& in) {
    return in.fds.empty() ? in.creator_tgid : in.fds.front().tgid;
}

TreeLayout layout_tree(const model::Model& m, model::InstanceRef inst) {
    TreeLayout out;
    if (inst == model::kNil) return out;
    const model::Instance& in = m.instance(inst);
    out.exact = in.tree_exact;
    const std::uint32_t owner = instance_owner(in);

    std::vector<model::ItemRef> order = m.items_in_order(inst);
    std::unordered_map<model::ItemRef, std::int32_t> slot;
    slot.reserve(order.size());
    out.nodes.resize(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        slot.emplace(order[i], static_cast<std::int32_t>(i));
        const model::Item& it = m.item(order[i]);
        TreeNodeLayout& n = out.nodes[i];
        n.item = order[i];
        n.x = static_cast<std::uint32_t>(i);
        n.fd = it.fd;
        n.ready = it.place != model::ItemPlace::None;
        n.overflow = it.on_overflow();
        n.seeded = it.seeded();
        n.disarmed = it.disarmed();
        n.label = item_label(m, owner, it.fd);
    }
    // Parent, depth and colour come from the tree walk itself.
    for (const model::TreeNodeView& v : m.tree_preorder(inst)) {
        auto s = slot.find(v.item);
        if (s == slot.end()) continue;  // cannot happen for a consistent model
        TreeNodeLayout& n = out.nodes[static_cast<std::size_t>(s->second)];
        n.depth = v.depth;
        n.color = v.color;
        if (v.parent != model::kNil) {
            auto p = slot.find(v.parent);
            n.parent = p == slot.end() ? -1 : p->second;
        }
        if (n.depth > out.max_depth) out.max_depth = n.depth;
        if (n.color == model::RbColor::Red) {
            ++out.red;
        } else {
            ++out.black;
        }
    }
    return out;
}

}  // namespace epscope::view
