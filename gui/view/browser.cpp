#include "view/browser.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "view/tree_layout.hpp"

namespace epscope::view {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string fd_list(const model::Instance& in, std::uint32_t pid) {
    std::string out;
    for (const model::FdRef& f : in.fds) {
        if (!out.empty()) out += ',';
        if (f.tgid != pid) out += std::to_string(f.tgid) + ':';
        out += std::to_string(f.fd);
    }
    return out.empty() ? "-" : out;
}

// First fd as a number, for sorting ("-" sorts first).
std::int32_t first_fd(const model::Model& m, model::InstanceRef inst) {
    const model::Instance& in = m.instance(inst);
    return in.fds.empty() ? -1 : in.fds.front().fd;
}

}  // namespace

bool row_matches(const InstanceRow& row, const std::string& filter) {
    if (filter.empty()) return true;
    bool digits = std::all_of(filter.begin(), filter.end(),
                              [](unsigned char c) { return std::isdigit(c) != 0; });
    if (digits) return std::to_string(row.pid) == filter;
    return lower(row.comm).find(lower(filter)) != std::string::npos;
}

std::vector<InstanceRow> browser_rows(const model::Model& m, const BrowserQuery& q) {
    std::vector<InstanceRow> rows;
    for (model::InstanceRef i : m.instances()) {
        const model::Instance& in = m.instance(i);
        InstanceRow r;
        r.inst = i;
        r.pid = instance_owner(in);
        auto p = m.processes().find(r.pid);
        if (p != m.processes().end()) r.comm = p->second.comm;
        r.epfds = fd_list(in, r.pid);
        r.items = in.items;
        r.ready = in.ready.count;
        r.overflow = in.ovf_count;
        r.waiters = static_cast<std::uint32_t>(in.waiters.size());
        for (std::uint64_t c : in.stats.callbacks) r.callbacks += c;
        r.harvesting = in.harvest.active;
        if (row_matches(r, q.filter)) rows.push_back(std::move(r));
    }
    // Ties keep creation order (stable sort), so the list does not jump around.
    auto key = [&](const InstanceRow& r) {
        switch (q.key) {
            case SortKey::Pid:
                return std::tuple<std::int64_t, std::string>(r.pid, {});
            case SortKey::Comm:
                return std::tuple<std::int64_t, std::string>(0, r.comm);
            case SortKey::Epfd:
                return std::tuple<std::int64_t, std::string>(first_fd(m, r.inst), {});
            case SortKey::Items:
                return std::tuple<std::int64_t, std::string>(r.items, {});
            case SortKey::Ready:
                return std::tuple<std::int64_t, std::string>(r.ready, {});
            case SortKey::Waiters:
                return std::tuple<std::int64_t, std::string>(r.waiters, {});
        }
        return std::tuple<std::int64_t, std::string>(0, {});
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const InstanceRow& a, const InstanceRow& b) {
        return q.descending ? key(b) < key(a) : key(a) < key(b);
    });
    return rows;
}

std::vector<model::InstanceRef> instances_holding_fd(const model::Model& m, std::uint32_t pid,
                                                     std::int32_t fd) {
    std::vector<model::InstanceRef> out;
    if (fd < 0) return out;
    for (model::InstanceRef i : m.instances()) {
        if (instance_owner(m.instance(i)) != pid) continue;
        for (model::ItemRef it : m.items_in_order(i)) {
            if (m.item(it).fd == fd) {
                out.push_back(i);
                break;
            }
        }
    }
    return out;
}

}  // namespace epscope::view
