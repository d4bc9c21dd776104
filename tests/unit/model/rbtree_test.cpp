// The rb-tree against the kernel's rules and against an independent textbook
// red-black tree (CLRS insert and delete-with-successor, which make the same
// rotations and recolourings as lib/rbtree.c): same keys in the same order must
// give the same shape and colours, not only a valid tree.
#include "model/rbtree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace epscope::model {
namespace {

// Node as the shape comparison sees it: key, colour, parent key (-1 at the root).
using Shape = std::vector<std::tuple<long, bool, long>>;

// The tree under test: index-linked nodes in a vector, keys beside them.
class TestTree {
public:
    struct Acc {
        std::vector<RbNode>* nodes;
        RbNode& operator()(std::uint32_t i) const { return (*nodes)[i]; }
    };

    void insert(long key) {
        std::uint32_t slot;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
            keys_[slot] = key;
        } else {
            slot = static_cast<std::uint32_t>(nodes_.size());
            nodes_.emplace_back();
            keys_.push_back(key);
        }
        slot_of_[key] = slot;
        Acc at{&nodes_};
        rb_insert(at, root_, slot, [this](std::uint32_t a, std::uint32_t b) {
            return keys_[a] < keys_[b] ? -1 : (keys_[a] > keys_[b] ? 1 : 0);
        });
    }

    void erase(long key) {
        auto it = slot_of_.find(key);
        ASSERT_NE(it, slot_of_.end());
        Acc at{&nodes_};
        rb_erase(at, root_, it->second);
        free_.push_back(it->second);
        slot_of_.erase(it);
    }

    bool contains(long key) const { return slot_of_.count(key) != 0; }

    Shape shape() const {
        Acc at{const_cast<std::vector<RbNode>*>(&nodes_)};
        std::vector<std::uint32_t> order;
        rb_preorder(at, root_, order);
        Shape s;
        for (std::uint32_t n : order) {
            std::uint32_t p = nodes_[n].parent();
            s.emplace_back(keys_[n], nodes_[n].black(), p == kNil ? -1 : keys_[p]);
        }
        return s;
    }

    // Red-black rules plus strict in-order key order and membership.
    std::string check(const std::set<long>& expected) const {
        Acc at{const_cast<std::vector<RbNode>*>(&nodes_)};
        RbCheck c = rb_check(at, root_, static_cast<std::uint32_t>(nodes_.size()));
        if (!c.ok) return c.problem;
        if (c.nodes != expected.size()) return "node count differs from the reference set";
        auto e = expected.begin();
        for (std::uint32_t n = rb_first(at, root_); n != kNil; n = rb_next(at, n), ++e) {
            if (e == expected.end() || *e != keys_[n]) return "in-order keys differ from the set";
        }
        return e == expected.end() ? "" : "in-order walk ended early";
    }

private:
    std::vector<RbNode> nodes_;
    std::vector<long> keys_;
    std::vector<std::uint32_t> free_;
    std::map<long, std::uint32_t> slot_of_;
    std::uint32_t root_ = kNil;
};

// Textbook red-black tree with a sentinel, written independently of rbtree.hpp.
class ReferenceTree {
public:
    ReferenceTree() { nil_.l = nil_.r = nil_.p = &nil_; }
    ReferenceTree(const ReferenceTree& o) : ReferenceTree() { root_ = clone(o.root_, &nil_, o); }
    ReferenceTree& operator=(const ReferenceTree&) = delete;
    ~ReferenceTree() { destroy(root_); }

    void insert(long key) {
        N* z = new N{key, true, &nil_, &nil_, &nil_};
        N* y = &nil_;
        for (N* x = root_; x != &nil_; x = key < x->key ? x->l : x->r) y = x;
        z->p = y;
        if (y == &nil_) {
            root_ = z;
        } else if (key < y->key) {
            y->l = z;
        } else {
            y->r = z;
        }
        while (z->p->red) {
            N* g = z->p->p;
            if (z->p == g->l) {
                N* u = g->r;
                if (u->red) {
                    z->p->red = u->red = false;
                    g->red = true;
                    z = g;
                    continue;
                }
                if (z == z->p->r) {
                    z = z->p;
                    rotate_left(z);
                }
                z->p->red = false;
                z->p->p->red = true;
                rotate_right(z->p->p);
            } else {
                N* u = g->l;
                if (u->red) {
                    z->p->red = u->red = false;
                    g->red = true;
                    z = g;
                    continue;
                }
                if (z == z->p->l) {
                    z = z->p;
                    rotate_right(z);
                }
                z->p->red = false;
                z->p->p->red = true;
                rotate_left(z->p->p);
            }
        }
        root_->red = false;
    }

    void erase(long key) {
        N* z = root_;
        while (z != &nil_ && z->key != key) z = key < z->key ? z->l : z->r;
        ASSERT_NE(z, &nil_);
        N* y = z;
        bool y_red = y->red;
        N* x;
        if (z->l == &nil_) {
            x = z->r;
            transplant(z, z->r);
        } else if (z->r == &nil_) {
            x = z->l;
            transplant(z, z->l);
        } else {
            y = z->r;
            while (y->l != &nil_) y = y->l;
            y_red = y->red;
            x = y->r;
            if (y->p == z) {
                x->p = y;
            } else {
                transplant(y, y->r);
                y->r = z->r;
                y->r->p = y;
            }
            transplant(z, y);
            y->l = z->l;
            y->l->p = y;
            y->red = z->red;
        }
        delete z;
        if (!y_red) erase_fixup(x);
        nil_.p = &nil_;
    }

    Shape shape() const {
        Shape s;
        std::vector<const N*> stack;
        if (root_ != &nil_) stack.push_back(root_);
        while (!stack.empty()) {
            const N* n = stack.back();
            stack.pop_back();
            s.emplace_back(n->key, !n->red, n->p == &nil_ ? -1 : n->p->key);
            if (n->r != &nil_) stack.push_back(n->r);
            if (n->l != &nil_) stack.push_back(n->l);
        }
        return s;
    }

private:
    struct N {
        long key;
        bool red;
        N *p, *l, *r;
    };

    N* clone(const N* n, N* parent, const ReferenceTree& o) {
        if (n == &o.nil_) return &nil_;
        N* c = new N{n->key, n->red, parent, &nil_, &nil_};
        c->l = clone(n->l, c, o);
        c->r = clone(n->r, c, o);
        return c;
    }
    void destroy(N* n) {
        if (n == &nil_) return;
        destroy(n->l);
        destroy(n->r);
        delete n;
    }
    void transplant(N* u, N* v) {
        if (u->p == &nil_) {
            root_ = v;
        } else if (u == u->p->l) {
            u->p->l = v;
        } else {
            u->p->r = v;
        }
        v->p = u->p;
    }
    void rotate_left(N* x) {
        N* y = x->r;
        x->r = y->l;
        if (y->l != &nil_) y->l->p = x;
        transplant(x, y);
        y->l = x;
        x->p = y;
    }
    void rotate_right(N* x) {
        N* y = x->l;
        x->l = y->r;
        if (y->r != &nil_) y->r->p = x;
        transplant(x, y);
        y->r = x;
        x->p = y;
    }
    void erase_fixup(N* x) {
        while (x != root_ && !x->red) {
            if (x == x->p->l) {
                N* w = x->p->r;
                if (w->red) {
                    w->red = false;
                    x->p->red = true;
                    rotate_left(x->p);
                    w = x->p->r;
                }
                if (!w->l->red && !w->r->red) {
                    w->red = true;
                    x = x->p;
                } else {
                    if (!w->r->red) {
                        w->l->red = false;
                        w->red = true;
                        rotate_right(w);
                        w = x->p->r;
                    }
                    w->red = x->p->red;
                    x->p->red = false;
                    w->r->red = false;
                    rotate_left(x->p);
                    x = root_;
                }
            } else {
                N* w = x->p->l;
                if (w->red) {
                    w->red = false;
                    x->p->red = true;
                    rotate_right(x->p);
                    w = x->p->l;
                }
                if (!w->r->red && !w->l->red) {
                    w->red = true;
                    x = x->p;
                } else {
                    if (!w->l->red) {
                        w->r->red = false;
                        w->red = true;
                        rotate_left(w);
                        w = x->p->l;
                    }
                    w->red = x->p->red;
                    x->p->red = false;
                    w->l->red = false;
                    rotate_right(x->p);
                    x = root_;
                }
            }
        }
        x->red = false;
    }

    N nil_{0, false, nullptr, nullptr, nullptr};
    N* root_ = &nil_;
};

// Both trees and the expected set, stepped together; checks after each step.
struct Pair {
    TestTree t;
    ReferenceTree ref;
    std::set<long> keys;

    void toggle(long k) {
        if (keys.count(k)) {
            t.erase(k);
            ref.erase(k);
            keys.erase(k);
        } else {
            t.insert(k);
            ref.insert(k);
            keys.insert(k);
        }
    }
    ::testing::AssertionResult ok() const {
        std::string problem = t.check(keys);
        if (!problem.empty()) return ::testing::AssertionFailure() << problem;
        if (t.shape() != ref.shape()) return ::testing::AssertionFailure() << "shape differs";
        return ::testing::AssertionSuccess();
    }
};

std::string describe(const std::vector<long>& ops) {
    std::string s;
    for (long k : ops) s += std::to_string(k) + " ";
    return s;
}

TEST(RbTree, AscendingInsertGivesTheKernelShape) {
    TestTree t;
    for (long k = 1; k <= 8; ++k) t.insert(k);
    // Hand-derived from lib/rbtree.c's cases: 4 becomes the black root when 8
    // pushes a red-red violation up through 6 and 4 (case 1, then case 3 at 2).
    Shape want = {{4, true, -1}, {2, false, 4}, {1, true, 2}, {3, true, 2},
                  {6, false, 4}, {5, true, 6},  {7, true, 6}, {8, false, 7}};
    EXPECT_EQ(t.shape(), want);

    // Erasing the root: successor 5 takes its place and colour; the black
    // deficit under 6 is repaired by a left rotation at 6 (case 4).
    t.erase(4);
    Shape after = {{5, true, -1}, {2, false, 5}, {1, true, 2}, {3, true, 2},
                   {7, false, 5}, {6, true, 7},  {8, true, 7}};
    EXPECT_EQ(t.shape(), after);
}

TEST(RbTree, DescendingInsertMirrorsAscending) {
    TestTree t;
    for (long k = 8; k >= 1; --k) t.insert(k);
    Shape want = {{5, true, -1}, {3, false, 5}, {2, true, 3}, {1, false, 2},
                  {4, true, 3},  {7, false, 5}, {6, true, 7}, {8, true, 7}};
    EXPECT_EQ(t.shape(), want);
}

TEST(RbTree, EveryInsertOrderAndEraseOrderUpToEightKeys) {
    std::mt19937 rng(7);
    for (int n = 1; n <= 8; ++n) {
        std::vector<long> ins(n);
        std::iota(ins.begin(), ins.end(), 1);
        do {
            Pair base;
            for (long k : ins) {
                base.toggle(k);
                ASSERT_TRUE(base.ok()) << "insert order " << describe(ins);
            }
            // Every erase order for up to 5 keys; for 6 and 7 keys ascending,
            // descending and one shuffled order; for 8 keys the insertion order.
            std::vector<long> del(ins.begin(), ins.end());
            if (n == 8) {
                for (long k : del) {
                    base.toggle(k);
                    ASSERT_TRUE(base.ok()) << "insert and erase order " << describe(ins);
                }
                continue;
            }
            std::sort(del.begin(), del.end());
            int samples = 0;
            do {
                if (n > 5 && samples >= 3) break;
                std::vector<long> order = del;
                if (n > 5) {
                    if (samples == 1) std::reverse(order.begin(), order.end());
                    if (samples == 2) std::shuffle(order.begin(), order.end(), rng);
                }
                ++samples;
                Pair p{base.t, base.ref, base.keys};
                for (long k : order) {
                    p.toggle(k);
                    ASSERT_TRUE(p.ok())
                        << "insert order " << describe(ins) << "erase order " << describe(order);
                }
            } while (std::next_permutation(del.begin(), del.end()));
        } while (std::next_permutation(ins.begin(), ins.end()));
    }
}

// Every interleaving of inserts and erases of up to 8 operations over 5 keys
// (an operation inserts the key if absent and erases it if present).
void toggle_all(const Pair& p, std::vector<long>& ops, int depth) {
    if (depth == 8) return;
    for (long k = 1; k <= 5; ++k) {
        Pair q{p.t, p.ref, p.keys};
        q.toggle(k);
        ops.push_back(k);
        ASSERT_TRUE(q.ok()) << "toggles " << describe(ops);
        toggle_all(q, ops, depth + 1);
        ops.pop_back();
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(RbTree, EveryInterleavedSequenceOfEightOperations) {
    Pair p;
    std::vector<long> ops;
    toggle_all(p, ops, 0);
}

TEST(RbTree, RandomLongSequences) {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        std::mt19937 rng(seed);
        Pair p;
        std::uniform_int_distribution<long> key(0, 1500 * static_cast<long>(seed));
        for (int i = 0; i < 60000; ++i) {
            p.toggle(key(rng));
            if (i % 499 == 0) {
                ASSERT_TRUE(p.ok()) << "seed " << seed << " step " << i;
            }
        }
        ASSERT_TRUE(p.ok());
        // Drain completely: the tree must end empty and valid at every step.
        std::vector<long> rest(p.keys.begin(), p.keys.end());
        std::shuffle(rest.begin(), rest.end(), rng);
        for (std::size_t i = 0; i < rest.size(); ++i) {
            p.toggle(rest[i]);
            if (i % 97 == 0) {
                ASSERT_TRUE(p.ok());
            }
        }
        ASSERT_TRUE(p.ok());
        EXPECT_TRUE(p.t.shape().empty());
    }
}

TEST(RbTree, FfdCompareOrdersByFileThenFd) {
    EXPECT_LT(ffd_compare(0x1000, 9, 0x2000, 3), 0);
    EXPECT_GT(ffd_compare(0xffff888000000000ull, 1, 0x1000, 2), 0);  // unsigned addresses
    EXPECT_LT(ffd_compare(0x1000, 3, 0x1000, 4), 0);
    EXPECT_EQ(ffd_compare(0, 5, 0, 5), 0);  // tracepoint backend: no file, key by fd
    EXPECT_GT(ffd_compare(0, 6, 0, 5), 0);
}

}  // namespace
}  // namespace epscope::model
