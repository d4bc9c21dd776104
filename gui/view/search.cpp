#include "view/search.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "view/tree_layout.hpp"

namespace epscope::view {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           }) != hay.end();
}

// The query as a number, -1 when it is not one.
long long number_of(std::string_view q) {
    long long n = -1;
    const auto [end, ec] = std::from_chars(q.data(), q.data() + q.size(), n);
    return ec == std::errc() && end == q.data() + q.size() ? n : -1;
}

}  // namespace

std::string instance_label(const model::Model& m, model::InstanceRef inst, std::uint32_t tgid) {
    std::string s = "pid " + std::to_string(tgid);
    auto p = m.processes().find(tgid);
    if (p != m.processes().end() && !p->second.comm.empty()) s += " " + p->second.comm;
    const model::Instance& in = m.instance(inst);
    if (!in.fds.empty()) s += ", epfd " + std::to_string(in.fds.front().fd);
    return s;
}

std::vector<SearchHit> search(const model::Model& m, std::string_view query) {
    std::vector<SearchHit> hits;
    if (query.empty()) return hits;
    const long long n = number_of(query);
    std::vector<model::InstanceRef> insts = m.instances();
    std::sort(insts.begin(), insts.end(), [&](model::InstanceRef a, model::InstanceRef b) {
        return instance_owner(m.instance(a)) < instance_owner(m.instance(b)) ||
               (instance_owner(m.instance(a)) == instance_owner(m.instance(b)) && a < b);
    });
    for (model::InstanceRef inst : insts) {
        const std::uint32_t tgid = instance_owner(m.instance(inst));
        const std::string who = instance_label(m, inst, tgid);
        bool item_hit = false;
        for (model::ItemRef it : m.items_in_order(inst)) {
            const std::int32_t fd = m.item(it).fd;
            const std::string_view name = m.fd_name(tgid, fd);
            if ((n >= 0 && fd == n) || (!name.empty() && contains(name, query))) {
                hits.push_back({inst, fd,
                                who + ", fd " + std::to_string(fd) +
                                    (name.empty() ? "" : " (" + std::string(name) + ")")});
                item_hit = true;
            }
        }
        if (item_hit) continue;
        auto p = m.processes().find(tgid);
        const bool process =
            (n >= 0 && tgid == n) || (p != m.processes().end() && contains(p->second.comm, query));
        bool waiter = false;
        for (const model::Waiter& w : m.instance(inst).waiters)
            waiter = waiter || (n >= 0 && w.tid == n);
        if (process || waiter) hits.push_back({inst, -1, who});
    }
    return hits;
}

}  // namespace epscope::view
