#include "view/tree_layout.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>

namespace epscope::view {

std::string elide_label(const std::string& label, std::int32_t fd, std::size_t max_chars) {
    if (label.size() <= max_chars) return label;
    const std::string head = "fd " + std::to_string(fd);
    constexpr std::size_t kMinName = 4;  // fewer characters of a name say nothing
    constexpr std::string_view kMore = "..";
    const std::size_t name_at = head.size() + 2;  // "fd N  name"
    if (label.size() <= name_at || max_chars < name_at + kMinName + kMore.size()) return head;
    return label.substr(0, max_chars - kMore.size()) + std::string(kMore);
}

std::string item_label(const model::Model& m, std::uint32_t tgid, std::int32_t fd) {
    std::string label = "fd " + std::to_string(fd);
    std::string_view name = m.fd_name(tgid, fd);
    if (!name.empty()) {
        label += "  ";
        label += name;
    }
    return label;
}

std::string item_label(const model::Model& m, std::uint32_t tgid, model::ItemRef it) {
    const model::Item& x = m.item(it);
    std::string label = "fd " + std::to_string(x.fd);
    if (x.stale()) label += " closed";
    std::string_view name = m.item_fd_name(tgid, it);
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
        TreeNodeLayout& n = out.nodes[i];
        n.item = order[i];
        n.x = static_cast<std::uint32_t>(i);
        const model::Item& x = m.item(order[i]);
        n.fd = x.fd;
        n.file = x.file;
        n.stale = x.stale();
        n.label = item_label(m, owner, order[i]);
    }
    refresh_marks(m, inst, out);
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

void refresh_marks(const model::Model& m, model::InstanceRef inst, TreeLayout& t) {
    if (inst == model::kNil) return;
    t.exact = m.instance(inst).tree_exact;
    for (TreeNodeLayout& n : t.nodes) {
        const model::Item& it = m.item(n.item);
        n.ready = it.linked != 0;
        n.overflow = it.on_overflow();
        n.seeded = it.seeded();
        n.disarmed = it.disarmed();
    }
}

TreeLayout fold_tree(const TreeLayout& t, const std::set<std::int32_t>& folded) {
    if (folded.empty()) return t;
    const std::size_t n = t.nodes.size();
    // A node is hidden when some ancestor is folded. Parents are shallower,
    // so visiting by depth decides every parent before its children.
    std::vector<std::uint32_t> by_depth(n);
    for (std::size_t i = 0; i < n; ++i) by_depth[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(by_depth.begin(), by_depth.end(), [&](std::uint32_t a, std::uint32_t b) {
        return t.nodes[a].depth < t.nodes[b].depth;
    });
    std::vector<std::uint8_t> hidden(n, 0);
    std::vector<std::int32_t> fold_root(n, -1);  // the folded ancestor hiding it
    for (std::uint32_t i : by_depth) {
        const std::int32_t p = t.nodes[i].parent;
        if (p < 0) continue;
        const auto pi = static_cast<std::size_t>(p);
        if (hidden[pi]) {
            hidden[i] = 1;
            fold_root[i] = fold_root[pi];
        } else if (folded.count(t.nodes[pi].fd) != 0) {
            hidden[i] = 1;
            fold_root[i] = p;
        }
    }
    TreeLayout out;
    out.exact = t.exact;
    std::vector<std::int32_t> new_index(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
        if (hidden[i]) continue;
        new_index[i] = static_cast<std::int32_t>(out.nodes.size());
        TreeNodeLayout node = t.nodes[i];
        node.x = static_cast<std::uint32_t>(out.nodes.size());
        node.hidden = 0;
        out.nodes.push_back(std::move(node));
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (hidden[i]) {
            ++out.nodes[static_cast<std::size_t>(new_index[static_cast<std::size_t>(fold_root[i])])]
                  .hidden;
        }
    }
    for (TreeNodeLayout& node : out.nodes) {
        if (node.parent >= 0) node.parent = new_index[static_cast<std::size_t>(node.parent)];
        out.max_depth = std::max(out.max_depth, node.depth);
        if (node.color == model::RbColor::Red) {
            ++out.red;
        } else {
            ++out.black;
        }
    }
    return out;
}

ItemSel item_of_fd(const model::Model& m, model::InstanceRef inst, std::int32_t fd) {
    ItemSel found{fd};
    if (inst == model::kNil) return found;
    for (model::ItemRef i : m.items_in_order(inst)) {
        const model::Item& it = m.item(i);
        if (it.fd != fd) continue;
        if (!it.stale()) return ItemSel::of(it);
        found = ItemSel::of(it);
    }
    return found;
}

std::int32_t find_node(const TreeLayout& t, std::int32_t fd, std::vector<std::int32_t>* path) {
    // A number: the item of the file it names (not a stale one) if there is one.
    const std::int32_t fresh = find_node(t, ItemSel{fd, 0, false}, path);
    return fresh >= 0 ? fresh : find_node(t, ItemSel{fd, 0, true}, path);
}

std::int32_t find_node(const TreeLayout& t, const ItemSel& sel, std::vector<std::int32_t>* path) {
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const TreeNodeLayout& n = t.nodes[i];
        if (n.fd != sel.fd || (sel.file != 0 ? n.file != sel.file : n.stale != sel.stale)) continue;
        if (path != nullptr) {
            path->clear();
            for (std::int32_t p = t.nodes[i].parent; p >= 0;
                 p = t.nodes[static_cast<std::size_t>(p)].parent) {
                path->insert(path->begin(), p);
            }
        }
        return static_cast<std::int32_t>(i);
    }
    return -1;
}

}  // namespace epscope::view
