// The red-black tree algorithm of the Linux kernel's lib/rbtree.c (insert
// rebalance, erase, erase rebalance), re-implemented over index-linked nodes so
// that the same sequence of inserts and erases yields the kernel's exact shape
// and colours: the model draws the kernel's tree, not some balanced tree of the
// same keys. Nodes live in the caller's storage (intrusive); an accessor maps an
// index to its RbNode, so a node costs 12 bytes and no allocation.
#pragma once

#include <cstdint>
#include <vector>

namespace epscope::model {

// "No node". Indices use 31 bits: bit 31 of RbNode::pc holds the colour, as the
// kernel keeps the colour in the low bit of the parent pointer.
inline constexpr std::uint32_t kNil = 0x7fffffffu;

enum class RbColor : std::uint8_t { Red = 0, Black = 1 };  // values of EP_RB_RED/EP_RB_BLACK

struct RbNode {
    static constexpr std::uint32_t kBlackBit = 0x80000000u;
    std::uint32_t pc = kNil;  // parent index | colour bit (clear = red)
    std::uint32_t left = kNil;
    std::uint32_t right = kNil;

    std::uint32_t parent() const { return pc & ~kBlackBit; }
    bool black() const { return (pc & kBlackBit) != 0; }
    bool red() const { return !black(); }
    RbColor color() const { return black() ? RbColor::Black : RbColor::Red; }
    void set_parent_color(std::uint32_t p, bool is_black) { pc = p | (is_black ? kBlackBit : 0); }
    void set_parent(std::uint32_t p) { pc = p | (pc & kBlackBit); }
    void set_black() { pc |= kBlackBit; }
};

// The kernel's algorithm bound to one tree: `at(i)` returns the RbNode of node
// i and `root` is the tree's root index. Storage must not move during a call.
// The case structure follows lib/rbtree.c so a reader can check it case by case.
template <class Acc>
class RbOps {
public:
    RbOps(Acc& at, std::uint32_t& root) : at_(at), root_(root) {}

    // rb_link_node: attach a new red leaf under parent (kNil: as the root).
    void link(std::uint32_t node, std::uint32_t parent, bool as_left) {
        RbNode& x = at_(node);
        x.pc = parent;  // red
        x.left = x.right = kNil;
        if (parent == kNil) {
            root_ = node;
        } else if (as_left) {
            at_(parent).left = node;
        } else {
            at_(parent).right = node;
        }
    }

    // __rb_insert: restore the red-black rules after link().
    void insert_color(std::uint32_t node) {
        std::uint32_t parent = at_(node).parent();
        for (;;) {
            if (parent == kNil) {  // the root is black
                at_(node).set_parent_color(kNil, true);
                return;
            }
            if (at_(parent).black()) return;
            std::uint32_t gparent = at_(parent).parent();
            std::uint32_t tmp = at_(gparent).right;
            if (parent != tmp) {  // parent is gparent's left child
                if (tmp != kNil && at_(tmp).red()) {
                    // Case 1: red uncle: flip colours and continue from gparent.
                    at_(tmp).set_parent_color(gparent, true);
                    at_(parent).set_parent_color(gparent, true);
                    node = gparent;
                    parent = at_(node).parent();
                    at_(node).set_parent_color(parent, false);
                    continue;
                }
                tmp = at_(parent).right;
                if (node == tmp) {
                    // Case 2: node is the inner grandchild: rotate left at parent.
                    tmp = at_(node).left;
                    at_(parent).right = tmp;
                    at_(node).left = parent;
                    if (tmp != kNil) at_(tmp).set_parent_color(parent, true);
                    at_(parent).set_parent_color(node, false);
                    parent = node;
                    tmp = at_(node).right;
                }
                // Case 3: rotate right at gparent.
                at_(gparent).left = tmp;
                at_(parent).right = gparent;
                if (tmp != kNil) at_(tmp).set_parent_color(gparent, true);
                rotate_set_parents(gparent, parent, false);
                return;
            }
            tmp = at_(gparent).left;  // mirror image: parent is the right child
            if (tmp != kNil && at_(tmp).red()) {
                at_(tmp).set_parent_color(gparent, true);
                at_(parent).set_parent_color(gparent, true);
                node = gparent;
                parent = at_(node).parent();
                at_(node).set_parent_color(parent, false);
                continue;
            }
            tmp = at_(parent).left;
            if (node == tmp) {
                tmp = at_(node).right;
                at_(parent).left = tmp;
                at_(node).right = parent;
                if (tmp != kNil) at_(tmp).set_parent_color(parent, true);
                at_(parent).set_parent_color(node, false);
                parent = node;
                tmp = at_(node).left;
            }
            at_(gparent).right = tmp;
            at_(parent).left = gparent;
            if (tmp != kNil) at_(tmp).set_parent_color(gparent, true);
            rotate_set_parents(gparent, parent, false);
            return;
        }
    }

    // rb_erase: unlink node (its links are left stale) and rebalance.
    void erase(std::uint32_t node) {
        std::uint32_t rebalance = unlink(node);
        if (rebalance != kNil) erase_color(rebalance);
    }

private:
    void change_child(std::uint32_t old_n, std::uint32_t new_n, std::uint32_t parent) {
        if (parent == kNil) {
            root_ = new_n;
        } else if (at_(parent).left == old_n) {
            at_(parent).left = new_n;
        } else {
            at_(parent).right = new_n;
        }
    }

    // __rb_rotate_set_parents: new_n takes old_n's place and colour; old_n
    // becomes new_n's child with the given colour.
    void rotate_set_parents(std::uint32_t old_n, std::uint32_t new_n, bool old_black) {
        RbNode& o = at_(old_n);
        std::uint32_t parent = o.parent();
        at_(new_n).pc = o.pc;
        o.set_parent_color(new_n, old_black);
        change_child(old_n, new_n, parent);
    }

    // __rb_erase_augmented without augmentation: returns the node from which
    // the black height must be repaired, or kNil.
    std::uint32_t unlink(std::uint32_t node) {
        RbNode& x = at_(node);
        std::uint32_t child = x.right;
        std::uint32_t tmp = x.left;
        if (tmp == kNil) {
            // At most one (right) child: it takes node's place and colour.
            std::uint32_t pc = x.pc;
            std::uint32_t parent = x.parent();
            change_child(node, child, parent);
            if (child != kNil) {
                at_(child).pc = pc;
                return kNil;
            }
            return (pc & RbNode::kBlackBit) ? parent : kNil;
        }
        if (child == kNil) {
            // Only a left child (necessarily red): it takes node's place and colour.
            std::uint32_t pc = x.pc;
            at_(tmp).pc = pc;
            change_child(node, tmp, x.parent());
            return kNil;
        }
        // Two children: the in-order successor takes node's place and colour.
        std::uint32_t successor = child;
        std::uint32_t parent;
        std::uint32_t child2;
        tmp = at_(child).left;
        if (tmp == kNil) {
            parent = successor;  // the successor is node's right child
            child2 = at_(successor).right;
        } else {
            do {  // the successor is the leftmost node of the right subtree
                parent = successor;
                successor = tmp;
                tmp = at_(tmp).left;
            } while (tmp != kNil);
            child2 = at_(successor).right;
            at_(parent).left = child2;
            at_(successor).right = child;
            at_(child).set_parent(successor);
        }
        tmp = x.left;
        at_(successor).left = tmp;
        at_(tmp).set_parent(successor);
        std::uint32_t pc = x.pc;
        change_child(node, successor, x.parent());
        std::uint32_t rebalance;
        if (child2 != kNil) {
            at_(child2).set_parent_color(parent, true);
            rebalance = kNil;
        } else {
            rebalance = at_(successor).black() ? parent : kNil;
        }
        at_(successor).pc = pc;
        return rebalance;
    }

    // ____rb_erase_color: the paths through parent's (possibly empty) child
    // `node` are one black short.
    void erase_color(std::uint32_t parent) {
        std::uint32_t node = kNil;
        for (;;) {
            std::uint32_t sibling = at_(parent).right;
            std::uint32_t tmp1;
            std::uint32_t tmp2;
            if (node != sibling) {  // node is the left child
                if (at_(sibling).red()) {
                    // Case 1: red sibling: rotate left at parent.
                    tmp1 = at_(sibling).left;
                    at_(parent).right = tmp1;
                    at_(sibling).left = parent;
                    at_(tmp1).set_parent_color(parent, true);
                    rotate_set_parents(parent, sibling, false);
                    sibling = tmp1;
                }
                tmp1 = at_(sibling).right;
                if (tmp1 == kNil || at_(tmp1).black()) {
                    tmp2 = at_(sibling).left;
                    if (tmp2 == kNil || at_(tmp2).black()) {
                        // Case 2: black sibling with black children: recolour.
                        at_(sibling).set_parent_color(parent, false);
                        if (at_(parent).red()) {
                            at_(parent).set_black();
                        } else {
                            node = parent;
                            parent = at_(node).parent();
                            if (parent != kNil) continue;
                        }
                        return;
                    }
                    // Case 3: rotate right at sibling.
                    tmp1 = at_(tmp2).right;
                    at_(sibling).left = tmp1;
                    at_(tmp2).right = sibling;
                    at_(parent).right = tmp2;
                    if (tmp1 != kNil) at_(tmp1).set_parent_color(sibling, true);
                    tmp1 = sibling;
                    sibling = tmp2;
                }
                // Case 4: rotate left at parent and recolour.
                tmp2 = at_(sibling).left;
                at_(parent).right = tmp2;
                at_(sibling).left = parent;
                at_(tmp1).set_parent_color(sibling, true);
                if (tmp2 != kNil) at_(tmp2).set_parent(parent);
                rotate_set_parents(parent, sibling, true);
                return;
            }
            sibling = at_(parent).left;  // mirror image: node is the right child
            if (at_(sibling).red()) {
                tmp1 = at_(sibling).right;
                at_(parent).left = tmp1;
                at_(sibling).right = parent;
                at_(tmp1).set_parent_color(parent, true);
                rotate_set_parents(parent, sibling, false);
                sibling = tmp1;
            }
            tmp1 = at_(sibling).left;
            if (tmp1 == kNil || at_(tmp1).black()) {
                tmp2 = at_(sibling).right;
                if (tmp2 == kNil || at_(tmp2).black()) {
                    at_(sibling).set_parent_color(parent, false);
                    if (at_(parent).red()) {
                        at_(parent).set_black();
                    } else {
                        node = parent;
                        parent = at_(node).parent();
                        if (parent != kNil) continue;
                    }
                    return;
                }
                tmp1 = at_(tmp2).left;
                at_(sibling).right = tmp1;
                at_(tmp2).left = sibling;
                at_(parent).left = tmp2;
                if (tmp1 != kNil) at_(tmp1).set_parent_color(sibling, true);
                tmp1 = sibling;
                sibling = tmp2;
            }
            tmp2 = at_(sibling).right;
            at_(parent).left = tmp2;
            at_(sibling).right = parent;
            at_(tmp1).set_parent_color(sibling, true);
            if (tmp2 != kNil) at_(tmp2).set_parent(parent);
            rotate_set_parents(parent, sibling, true);
            return;
        }
    }

    Acc& at_;
    std::uint32_t& root_;
};

// ep_rbtree_insert's descent: go right when the new key compares greater
// (ep_cmp_ffd > 0), left otherwise; then link and rebalance.
// cmp(a, b) returns <0, 0, >0 like ep_cmp_ffd.
template <class Acc, class Cmp>
void rb_insert(Acc& at, std::uint32_t& root, std::uint32_t node, Cmp cmp) {
    std::uint32_t parent = kNil;
    bool left = true;
    for (std::uint32_t cur = root; cur != kNil;) {
        parent = cur;
        left = !(cmp(node, cur) > 0);
        cur = left ? at(cur).left : at(cur).right;
    }
    RbOps<Acc> ops(at, root);
    ops.link(node, parent, left);
    ops.insert_color(node);
}

template <class Acc>
void rb_erase(Acc& at, std::uint32_t& root, std::uint32_t node) {
    RbOps<Acc> ops(at, root);
    ops.erase(node);
}

// In-order traversal helpers (rb_first / rb_next), as fdinfo walks the tree.
template <class Acc>
std::uint32_t rb_first(Acc& at, std::uint32_t root) {
    if (root == kNil) return kNil;
    while (at(root).left != kNil) root = at(root).left;
    return root;
}

template <class Acc>
std::uint32_t rb_next(Acc& at, std::uint32_t node) {
    if (at(node).right != kNil) {
        node = at(node).right;
        while (at(node).left != kNil) node = at(node).left;
        return node;
    }
    std::uint32_t parent = at(node).parent();
    while (parent != kNil && node == at(parent).right) {
        node = parent;
        parent = at(node).parent();
    }
    return parent;
}

// ep_cmp_ffd: file pointer first (as unsigned addresses), then fd difference.
inline int ffd_compare(std::uint64_t file_a, std::int32_t fd_a, std::uint64_t file_b,
                       std::int32_t fd_b) {
    if (file_a != file_b) return file_a > file_b ? 1 : -1;
    return fd_a < fd_b ? -1 : (fd_a > fd_b ? 1 : 0);
}

// Result of checking the red-black rules of a tree (used by tests and verify).
struct RbCheck {
    bool ok = true;
    std::uint32_t nodes = 0;
    std::uint32_t black_height = 0;
    const char* problem = "";  // static string naming the first violated rule
};

// Checks links (child's parent is the node), black root, no red node with a red
// child, equal black height on every path. Order is the caller's business.
// Implemented for any accessor in rbtree.cpp's helper through a callback.
RbCheck rb_check_links(std::uint32_t root, const RbNode& (*get)(const void*, std::uint32_t),
                       const void* ctx, std::uint32_t max_nodes);

template <class Acc>
RbCheck rb_check(const Acc& at, std::uint32_t root, std::uint32_t max_nodes) {
    return rb_check_links(
        root,
        [](const void* c, std::uint32_t i) -> const RbNode& {
            return (*static_cast<const Acc*>(c))(i);
        },
        &at, max_nodes);
}

// Preorder (root, left, right) as a BPF walk of the tree reports it.
template <class Acc>
void rb_preorder(const Acc& at, std::uint32_t root, std::vector<std::uint32_t>& out) {
    out.clear();
    std::vector<std::uint32_t> stack;
    if (root != kNil) stack.push_back(root);
    while (!stack.empty()) {
        std::uint32_t n = stack.back();
        stack.pop_back();
        out.push_back(n);
        if (at(n).right != kNil) stack.push_back(at(n).right);
        if (at(n).left != kNil) stack.push_back(at(n).left);
    }
}

}  // namespace epscope::model
