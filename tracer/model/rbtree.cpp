#include "model/rbtree.hpp"

#include <utility>
#include <vector>

namespace epscope::model {

RbCheck rb_check_links(std::uint32_t root, const RbNode& (*get)(const void*, std::uint32_t),
                       const void* ctx, std::uint32_t max_nodes) {
    RbCheck r;
    auto fail = [&r](const char* what) {
        r.ok = false;
        r.problem = what;
        return r;
    };
    if (root == kNil) return r;
    if (!get(ctx, root).black()) return fail("red root");
    if (get(ctx, root).parent() != kNil) return fail("root has a parent");
    // Iterative depth-first walk carrying the number of black nodes above.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack{{root, 0}};
    bool have_height = false;
    while (!stack.empty()) {
        auto [n, blacks] = stack.back();
        stack.pop_back();
        if (++r.nodes > max_nodes) return fail("more nodes than stored (a cycle)");
        const RbNode& x = get(ctx, n);
        if (x.black()) ++blacks;
        for (std::uint32_t c : {x.left, x.right}) {
            if (c == kNil) {
                // A path ends here: every path must count the same black nodes.
                if (!have_height) {
                    r.black_height = blacks;
                    have_height = true;
                } else if (blacks != r.black_height) {
                    return fail("unequal black height");
                }
                continue;
            }
            const RbNode& y = get(ctx, c);
            if (y.parent() != n) return fail("child's parent link is wrong");
            if (x.red() && y.red()) return fail("red node with a red child");
            stack.push_back({c, blacks});
        }
    }
    return r;
}

}  // namespace epscope::model
