// The rb-tree against the kernel itself: tests/lab/rb_sequence.cpp recorded
// with `epscope record --verify` in the kernel lab (stock Debian 6.1 and
// 6.12) gives every EPOLL_CTL_ADD/DEL of a random sequence and, after each,
// BPF's preorder walk of the kernel's rb-tree with parents and colours. The
// operations are replayed here on the bare rbtree (not through the model):
// after each, the shape and colours must equal the kernel's walk.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/rbtree.hpp"
#include "trace/reader.hpp"

namespace epscope::model {
namespace {

class KernelSequence : public stream::RecordSink {
public:
    struct Node {
        RbNode rb;
        std::uint64_t file = 0;
        std::int32_t fd = -1;
    };
    struct Acc {
        std::vector<Node>* nodes;
        RbNode& operator()(std::uint32_t i) const { return (*nodes)[i].rb; }
    };

    void on_record(const stream::Record& rec) override {
        switch (rec.kind()) {
            case EP_KIND_ITEM_INSERT: {
                const auto& r = rec.as<ep_item_ctl>();
                if (r.result != 0) break;
                auto i = static_cast<std::uint32_t>(nodes_.size());
                nodes_.push_back(Node{RbNode{}, r.file, r.fd});
                by_key_[{r.file, r.fd}] = i;
                Acc at{&nodes_};
                rb_insert(at, root_, i, [this](std::uint32_t a, std::uint32_t b) {
                    return ffd_compare(nodes_[a].file, nodes_[a].fd, nodes_[b].file, nodes_[b].fd);
                });
                ++inserts;
                break;
            }
            case EP_KIND_ITEM_REMOVE: {
                const auto& r = rec.as<ep_item_remove>();
                auto it = by_key_.find({r.file, r.fd});
                if (r.result != 0 || it == by_key_.end()) break;
                Acc at{&nodes_};
                rb_erase(at, root_, it->second);
                by_key_.erase(it);
                ++erases;
                ctl_erases += r.reason == EP_REMOVE_CTL;
                break;
            }
            case EP_KIND_KERNEL_NODE:
                if (rec.as<ep_kernel_node>().list == EP_WALK_TREE)
                    walk_.push_back(rec.as<ep_kernel_node>());
                break;
            case EP_KIND_WALK_END:
                if (rec.as<ep_walk_end>().list == EP_WALK_TREE) compare(rec.as<ep_walk_end>());
                break;
            default:
                break;
        }
    }

    std::uint64_t inserts = 0, erases = 0, ctl_erases = 0, walks = 0, truncated = 0,
                  nodes_compared = 0;
    std::uint64_t largest = 0;
    std::vector<std::string> failures;

private:
    void compare(const ep_walk_end& end) {
        std::vector<ep_kernel_node> k = std::move(walk_);
        walk_.clear();
        ++walks;
        truncated += end.truncated != 0;
        Acc at{&nodes_};
        std::vector<std::uint32_t> mine;
        rb_preorder(at, root_, mine);
        largest = std::max<std::uint64_t>(largest, mine.size());
        const std::string where = "walk " + std::to_string(walks) + " after " +
                                  std::to_string(inserts) + " inserts, " + std::to_string(erases) +
                                  " erases: ";
        if (end.truncated ? mine.size() < k.size() : mine.size() != k.size()) {
            failures.push_back(where + "kernel " + std::to_string(k.size()) + " nodes, model " +
                               std::to_string(mine.size()));
            return;
        }
        std::map<std::uint64_t, std::size_t> by_epi;
        for (std::size_t i = 0; i < k.size(); ++i) by_epi[k[i].epi] = i;
        for (std::size_t i = 0; i < k.size(); ++i) {
            const Node& x = nodes_[mine[i]];
            const std::uint32_t p = x.rb.parent();
            bool same = x.file == k[i].file && x.fd == k[i].fd &&
                        static_cast<std::uint8_t>(x.rb.color()) == k[i].color;
            if (p == kNil) {
                same = same && k[i].parent == 0;
            } else if (auto kp = by_epi.find(k[i].parent); kp != by_epi.end()) {
                same = same && nodes_[p].file == k[kp->second].file &&
                       nodes_[p].fd == k[kp->second].fd;
            } else {
                same = same && end.truncated;  // parent outside a truncated walk
            }
            if (!same) {
                failures.push_back(where + "preorder position " + std::to_string(i) +
                                   ": kernel fd " + std::to_string(k[i].fd) + ", model fd " +
                                   std::to_string(x.fd));
                return;
            }
            ++nodes_compared;
        }
    }

    std::vector<Node> nodes_;
    std::map<std::pair<std::uint64_t, std::int32_t>, std::uint32_t> by_key_;
    std::uint32_t root_ = kNil;
    std::vector<ep_kernel_node> walk_;
};

void replay(const std::string& name) {
    trace::TraceReader reader(std::string(EPSCOPE_MODEL_DATA_DIR) + "/" + name);
    KernelSequence k;
    ASSERT_GT(reader.read_all(k), 0u);
    for (const std::string& f : k.failures) ADD_FAILURE() << f;
    // rb-sequence 48 400 7: every operation succeeded and was walked (no
    // other epoll_ctl was in flight: no walk was skipped); the items left at
    // exit went with the process's files (erased too, no walk).
    EXPECT_EQ(k.inserts + k.ctl_erases, 400u);
    EXPECT_EQ(k.erases, k.inserts);
    EXPECT_GT(k.erases, k.ctl_erases);
    EXPECT_EQ(k.walks, 400u);
    EXPECT_EQ(k.truncated, 0u);
    EXPECT_GE(k.largest, 20u);
    EXPECT_GT(k.nodes_compared, 4000u);
}

TEST(RbTreeKernel, SequenceRecordedOnDebian61) { replay("rb-sequence-6.1.trace"); }

TEST(RbTreeKernel, SequenceRecordedOnDebian612) { replay("rb-sequence-6.12.trace"); }

// The replay itself can fail: a recorded walk with one colour flipped.
TEST(RbTreeKernel, AFlippedColourIsCaught) {
    trace::TraceReader reader(std::string(EPSCOPE_MODEL_DATA_DIR) + "/rb-sequence-6.1.trace");
    class Flip : public stream::RecordSink {
    public:
        explicit Flip(KernelSequence& k) : k_(k) {}
        void on_record(const stream::Record& rec) override {
            if (rec.kind() == EP_KIND_KERNEL_NODE && ++n_ == 1000) {
                ep_kernel_node node = rec.as<ep_kernel_node>();
                node.color ^= 1;
                k_.on_record(stream::Record::of(node));
                return;
            }
            k_.on_record(rec);
        }

    private:
        KernelSequence& k_;
        int n_ = 0;
    };
    KernelSequence k;
    Flip flip(k);
    reader.read_all(flip);
    EXPECT_EQ(k.failures.size(), 1u);
}

}  // namespace
}  // namespace epscope::model
