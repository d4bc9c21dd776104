// Where the rb-tree of one instance is drawn: each item's in-order position
// (x) and depth (y), its colour and marks. The tree is the model's copy of the
// kernel's rb-tree, so this is the kernel's shape, not a re-balanced picture.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace epscope::view {

// What a selection names: an item, not just an fd number. The kernel keys an
// item by (file, fd): after a close and reuse of the number, the stale item
// and the new file's are two items under one fd. The file tells them apart
// where the trace has it; the stale flag where it does not (file 0).
struct ItemSel {
    std::int32_t fd = -1;
    std::uint64_t file = 0;  // 0: whichever file (then `stale` decides)
    bool stale = false;
    static ItemSel of(const model::Item& it) { return {it.fd, it.file, it.stale()}; }
    bool matches(const model::Item& it) const {
        return it.fd == fd && (file != 0 ? it.file == file : it.stale() == stale);
    }
    bool operator==(const ItemSel&) const = default;
};

// The item a bare fd number names in `inst` (--select-fd): the item of the
// file the number names now, else the stale item under it; {fd} (no item)
// when neither is registered.
ItemSel item_of_fd(const model::Model& m, model::InstanceRef inst, std::int32_t fd);

struct TreeNodeLayout {
    model::ItemRef item = model::kNil;
    std::uint32_t x = 0;       // in-order index: left to right as fdinfo lists them
    std::uint32_t depth = 0;   // 0 at the root
    std::int32_t parent = -1;  // index into TreeLayout::nodes, -1 for the root
    model::RbColor color = model::RbColor::Black;
    std::int32_t fd = -1;
    std::uint64_t file = 0;    // with fd, the item's key
    bool stale = false;        // its fd was closed, its file stays registered
    bool ready = false;        // on the ready list (or the txlist of a running harvest)
    bool overflow = false;     // chained on the overflow list
    bool seeded = false;       // from a /proc snapshot: its place in the tree is a guess
    bool disarmed = false;     // one-shot item that fired and was not re-armed
    bool flash = false;        // its callback ran just before the cursor (view/activity.hpp)
    std::uint32_t hidden = 0;  // folded: how many nodes its subtree hides (fold_tree)
    std::string label;         // "fd N  <name>" ("fd N closed  <name>" when stale)
    ItemSel sel() const { return {fd, file, stale}; }
};

struct TreeLayout {
    std::vector<TreeNodeLayout> nodes;  // in-order (nodes[i].x == i)
    std::uint32_t max_depth = 0;
    std::uint32_t red = 0;
    std::uint32_t black = 0;
    bool exact = true;  // every tree operation was seen (Instance::tree_exact)
};

// The label of an item: "fd N" plus what the fd is, when the trace says.
std::string item_label(const model::Model& m, std::uint32_t tgid, std::int32_t fd);
// The label of one item: a stale item is "fd N closed" with the name its fd
// had, never the name of the file the number names now.
std::string item_label(const model::Model& m, std::uint32_t tgid, model::ItemRef it);

// `label` ("fd N  name") cut to at most `max_chars`: whole when it fits, else
// "fd N  " and the name's start with ".." when a few of its characters fit,
// else "fd N" (the tree draws it under a node; the tooltip has it whole).
std::string elide_label(const std::string& label, std::int32_t fd, std::size_t max_chars);

// The process whose fd names label this instance's items (its first fd's owner).
std::uint32_t instance_owner(const model::Instance& in);

TreeLayout layout_tree(const model::Model& m, model::InstanceRef inst);

// Brings the marks of a layout of `inst` (ready, overflow, seeded, disarmed,
// exact) up to the model's state, when the tree's shape and labels have not
// changed since it was laid out (Model::shape_version): what layout_tree would
// return, at the cost of a pass over the nodes.
void refresh_marks(const model::Model& m, model::InstanceRef inst, TreeLayout& t);

// The tree with the subtrees of the `folded` items (by fd) collapsed into
// their root: their descendants are left out, the others get consecutive x
// again (so a folded subtree takes one column), and each folded root says
// how many it hides. Counts and max_depth describe what is left.
TreeLayout fold_tree(const TreeLayout& t, const std::set<std::int32_t>& folded);

// Index into t.nodes of the item with `fd`, -1 if none; `path` gets the
// indexes of its ancestors, root first (to unfold them).
std::int32_t find_node(const TreeLayout& t, std::int32_t fd, std::vector<std::int32_t>* path);
// The same for one item (the selection).
std::int32_t find_node(const TreeLayout& t, const ItemSel& sel, std::vector<std::int32_t>* path);

}  // namespace epscope::view
