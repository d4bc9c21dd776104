#include "stream/record_filter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "stream/abi.hpp"
#include "stream/record_text.hpp"

namespace epscope::stream {
namespace {

constexpr std::int64_t kNsPerS = 1000000000;
constexpr std::int64_t kNsPerDay = 86400 * kNsPerS;

// Reads exactly `n` digits at `p` into `out`.
bool digits(const char*& p, int n, int& out) {
    out = 0;
    for (int i = 0; i < n; ++i, ++p) {
        if (*p < '0' || *p > '9') return false;
        out = out * 10 + (*p - '0');
    }
    return true;
}

// "HH:MM:SS[.fraction]" to the end of the string: ns since midnight.
bool parse_time_of_day(const char* p, std::int64_t& ns) {
    int h = 0, m = 0, s = 0;
    if (!digits(p, 2, h) || *p++ != ':' || !digits(p, 2, m) || *p++ != ':' || !digits(p, 2, s))
        return false;
    if (h > 23 || m > 59 || s > 60) return false;
    std::int64_t frac = 0, scale = kNsPerS;
    if (*p == '.') {
        ++p;
        if (*p < '0' || *p > '9') return false;
        for (; *p >= '0' && *p <= '9'; ++p)
            if (scale > 1) frac += (*p - '0') * (scale /= 10);
    }
    if (*p != 0) return false;
    ns = ((h * 60 + m) * 60 + s) * kNsPerS + frac;
    return true;
}

// Local midnight of the day holding `wall_s`, in seconds since the epoch.
std::int64_t local_midnight(std::int64_t wall_s) {
    const std::time_t t = static_cast<std::time_t>(wall_s);
    std::tm tm{};
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&tm));
}

// A bound in the stream's clock, given the first record and the wall clock's offset.
std::uint64_t to_stream_ns(const TimeBound& b, std::uint64_t first_ts, std::int64_t offset) {
    std::int64_t wall = 0;
    switch (b.kind) {
        case TimeBound::Kind::None:
            return 0;
        case TimeBound::Kind::Relative:
            return first_ts + static_cast<std::uint64_t>(b.ns);
        case TimeBound::Kind::Wall:
            wall = b.ns;
            break;
        case TimeBound::Kind::TimeOfDay: {
            // The occurrence of that time of day nearest the trace's start, so
            // a trace running across midnight is cut where the user means.
            const std::int64_t first_wall = static_cast<std::int64_t>(first_ts) + offset;
            const std::int64_t day = local_midnight(first_wall / kNsPerS) * kNsPerS + b.ns;
            wall = day;
            for (std::int64_t c : {day - kNsPerDay, day + kNsPerDay})
                if (std::llabs(c - first_wall) < std::llabs(wall - first_wall)) wall = c;
            break;
        }
    }
    const std::int64_t mono = wall - offset;
    return mono < 0 ? 0 : static_cast<std::uint64_t>(mono);
}

std::optional<std::uint16_t> kind_of_name(const std::string& name) {
    for (std::uint16_t k = EP_KIND_INVALID + 1; k < EP_KIND_COUNT; ++k)
        if (abi::kind_name(k) == name) return k;
    return std::nullopt;
}

template <class T>
bool has(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Is the instance at `ep` one of `names` (its id, ep#2, or its address, 0x...)?
bool instance_named(const std::vector<std::string>& names, std::uint64_t ep, IdMap& ids) {
    if (ep == 0) return false;
    const std::string id = ids.name(AddrSpace::Instance, ep);
    for (const std::string& n : names)
        if (n == id || (n.rfind("0x", 0) == 0 && std::strtoull(n.c_str(), nullptr, 16) == ep))
            return true;
    return false;
}

}  // namespace

std::string parse_time_bound(const std::string& text, TimeBound& out) {
    const char* s = text.c_str();
    char* end = nullptr;
    const double secs = std::strtod(s, &end);
    if (end != s && *end == 0) {
        if (!std::isfinite(secs) || secs < 0 || secs > 1e9)
            return "'" + text + "': give seconds after the first record (0 or more)";
        out = {TimeBound::Kind::Relative, static_cast<std::int64_t>(std::llround(secs * 1e9))};
        return {};
    }
    std::int64_t tod = 0;
    if (parse_time_of_day(s, tod)) {
        out = {TimeBound::Kind::TimeOfDay, tod};
        return {};
    }
    const char* p = s;
    int y = 0, mo = 0, d = 0;
    if (digits(p, 4, y) && *p++ == '-' && digits(p, 2, mo) && *p++ == '-' && digits(p, 2, d) &&
        (*p == 'T' || *p == ' ') && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
        parse_time_of_day(p + 1, tod)) {
        std::tm tm{};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_isdst = -1;
        const std::int64_t midnight = static_cast<std::int64_t>(std::mktime(&tm));
        out = {TimeBound::Kind::Wall, midnight * kNsPerS + tod};
        return {};
    }
    return "'" + text +
           "' is not a time: give seconds after the first record (12.5), a wall-clock time "
           "(13:04:05.25) or a date and time (2026-12-05T13:04:05), local time";
}

TimeWindow resolve_window(const FilterArgs& args, std::uint64_t first_ts,
                          std::int64_t realtime_offset_ns) {
    TimeBound from, to;
    for (auto [text, bound, name] :
         {std::tuple{&args.from, &from, "--from"}, std::tuple{&args.to, &to, "--to"}}) {
        if (text->empty()) continue;
        if (std::string e = parse_time_bound(*text, *bound); !e.empty())
            throw std::invalid_argument(std::string(name) + " " + e);
    }
    TimeWindow w;
    w.from = to_stream_ns(from, first_ts, realtime_offset_ns);
    if (to.kind != TimeBound::Kind::None) w.to = to_stream_ns(to, first_ts, realtime_offset_ns);
    if (w.to < w.from) throw std::invalid_argument(window_order_error(args));
    return w;
}

std::string window_order_error(const FilterArgs& args) {
    return "--to must be later than --from (" + (args.from.empty() ? "0" : args.from) + " and " +
           args.to + "): give a window that ends after it starts";
}

std::string check_window(const FilterArgs& args) {
    TimeBound from, to;
    if (args.from.empty() || args.to.empty() || !parse_time_bound(args.from, from).empty() ||
        !parse_time_bound(args.to, to).empty())
        return {};
    // Bounds of one kind compare before the trace is read; mixed ones at its first record.
    return from.kind == to.kind && to.ns < from.ns ? window_order_error(args) : std::string();
}

std::vector<std::string> kind_names() {
    std::vector<std::string> names;
    for (std::uint16_t k = EP_KIND_INVALID + 1; k < EP_KIND_COUNT; ++k)
        names.emplace_back(abi::kind_name(k));
    return names;
}

RecordFilter::RecordFilter(const FilterArgs& args, IdMap& ids, std::int64_t realtime_offset_ns,
                           RecordSink& selected)
    : args_(args), ids_(ids), realtime_offset_ns_(realtime_offset_ns), out_(selected) {
    if (!args.kinds.empty()) kinds_.assign(EP_KIND_COUNT, false);
    for (const std::string& name : args.kinds) {
        auto k = kind_of_name(name);
        if (!k)
            throw std::invalid_argument(
                "--kind " + name + ": not a record kind (dump's names: callback, wait_begin, ...)");
        kinds_[*k] = true;
    }
    TimeBound b;  // bad bounds are refused now, not at the first record
    for (const std::string* t : {&args.from, &args.to})
        if (!t->empty())
            if (std::string e = parse_time_bound(*t, b); !e.empty()) throw std::invalid_argument(e);
}

void RecordFilter::on_record(const Record& rec) {
    name_addresses(rec, ids_);
    if (selects(rec)) {
        ++selected_count_;
        out_.on_record(rec);
    } else {
        out_.on_unselected(rec);
    }
}

bool RecordFilter::selects(const Record& rec) {
    const ep_header& h = rec.header();
    if (!window_) window_ = resolve_window(args_, h.ts, realtime_offset_ns_);
    if (!window_->contains(h.ts)) return false;
    if (!kinds_.empty() && (h.kind >= kinds_.size() || !kinds_[h.kind])) return false;
    if (!args_.pids.empty() && !has(args_.pids, h.tgid)) return false;
    if (!args_.tids.empty() && !has(args_.tids, h.tid)) return false;
    if (!args_.fds.empty() && !matches_fd(rec)) return false;
    return args_.instances.empty() || matches_instance(rec);
}

// An item's fd (fd, or tfd of an fdinfo line) or the instance's epfd.
bool RecordFilter::matches_fd(const Record& rec) const {
    for (const Field& f : fields_of(rec))
        if (f.type == Field::Type::Int && (f.name == "fd" || f.name == "epfd" || f.name == "tfd") &&
            has(args_.fds, static_cast<std::int32_t>(f.i)))
            return true;
    return false;
}

bool RecordFilter::matches_instance(const Record& rec) {
    for (const Field& f : fields_of(rec))
        if (f.type == Field::Type::Addr && f.space == AddrSpace::Instance &&
            instance_named(args_.instances, f.u, ids_))
            return true;
    return false;
}

bool summary_selected(const FilterArgs& args, std::uint32_t tgid, std::uint64_t ep, IdMap& ids) {
    if (!args.pids.empty() && !has(args.pids, tgid)) return false;
    return args.instances.empty() || instance_named(args.instances, ep, ids);
}

}  // namespace epscope::stream
