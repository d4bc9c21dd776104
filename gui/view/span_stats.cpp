#include "view/span_stats.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace epscope::view {
namespace {

// Records are in time order per CPU, not across CPUs: a record of the span
// may come a little after the first later one in the file. stat reads them
// all; the span reads this far past its end for them.
constexpr std::size_t kStragglers = 4096;

SpanRow row_of(const stat::StatCollector& c, const stat::InstanceSummary& s) {
    SpanRow row;
    row.tgid = s.tgid;
    row.epfds = s.epfds;
    row.summary = s;
    for (std::uint64_t n : s.stats.callbacks) row.callbacks += n;
    auto p = c.model().processes().find(s.tgid);
    if (p != c.model().processes().end()) row.comm = p->second.comm;
    return row;
}

}  // namespace

SpanStats span_stats(const Replay& r, std::uint64_t t0, std::uint64_t t1) {
    SpanStats out;
    out.t0 = t0;
    out.t1 = std::max(t0, t1);
    const stream::TimeWindow window{out.t0, out.t1};
    // The model just before the span: the latest checkpoint at or before the
    // first record the span may hold.
    const std::size_t first = t0 == 0 ? 0 : r.records_until(t0 - 1);
    const Replay::Start start = r.checkpoint_before(first);
    std::unique_ptr<stat::StatCollector> c =
        start.model != nullptr ? std::make_unique<stat::StatCollector>(*start.model, window)
                               : std::make_unique<stat::StatCollector>(false, window);
    const std::size_t end = std::min(r.record_count(), r.records_until(out.t1) + kStragglers);
    for (std::size_t i = start.at; i < end; ++i) c->on_record(r.record(i));
    c->finish();
    out.records = end - start.at;
    for (const auto& [serial, s] : c->summaries()) out.rows.push_back(row_of(*c, s));
    std::stable_sort(out.rows.begin(), out.rows.end(),
                     [](const SpanRow& a, const SpanRow& b) { return a.tgid < b.tgid; });
    return out;
}

std::string span_text(double ns) {
    char buf[32];
    if (ns >= 1e9) {
        std::snprintf(buf, sizeof buf, "%.3g s", ns / 1e9);
    } else if (ns >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.3g ms", ns / 1e6);
    } else if (ns >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.3g us", ns / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    }
    return buf;
}

}  // namespace epscope::view
