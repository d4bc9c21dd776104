#include "stream/record_text.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "stream/sock_name.hpp"

namespace epscope::stream {
namespace {

using T = Field::Type;

Field i_(std::string_view n, std::int64_t v) { return Field{n, T::Int, v, 0, {}, {}}; }
Field u_(std::string_view n, std::uint64_t v) { return Field{n, T::Uint, 0, v, {}, {}}; }
Field h_(std::string_view n, std::uint64_t v) { return Field{n, T::Hex, 0, v, {}, {}}; }
Field a_(std::string_view n, AddrSpace s, std::uint64_t v) {
    return Field{n, T::Addr, 0, v, s, {}};
}
Field m_(std::string_view n, std::uint32_t v) { return Field{n, T::Mask, 0, v, {}, {}}; }
Field e_(std::string_view n, std::string v) { return Field{n, T::Name, 0, 0, {}, std::move(v)}; }
Field t_(std::string_view n, std::string_view v) {
    return Field{n, T::Text, 0, 0, {}, std::string(v)};
}

std::string enum_name(std::uint32_t v, std::initializer_list<const char*> names) {
    if (v < names.size()) return names.begin()[v];
    return "unknown(" + std::to_string(v) + ")";
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

// ts as seconds.nanoseconds: readable and exact.
std::string ts_text(std::uint64_t ts) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%" PRIu64 ".%09" PRIu64, ts / 1000000000, ts % 1000000000);
    return buf;
}

}  // namespace

std::string_view fixed_text(const char* p, std::size_t n) { return {p, strnlen(p, n)}; }

std::string events_text(std::uint32_t mask) {
    // The kernel's own values (uapi eventpoll.h and poll.h, as libc spells them).
    static constexpr struct {
        std::uint32_t bit;
        const char* name;
    } kBits[] = {
        {EPOLLIN, "IN"},
        {EPOLLPRI, "PRI"},
        {EPOLLOUT, "OUT"},
        {EPOLLERR, "ERR"},
        {EPOLLHUP, "HUP"},
        {POLLNVAL, "NVAL"},
        {EPOLLRDNORM, "RDNORM"},
        {EPOLLRDBAND, "RDBAND"},
        {EPOLLWRNORM, "WRNORM"},
        {EPOLLWRBAND, "WRBAND"},
        {EPOLLMSG, "MSG"},
        {EPOLLRDHUP, "RDHUP"},
        {EPOLLEXCLUSIVE, "EXCLUSIVE"},
        {EPOLLWAKEUP, "WAKEUP"},
        {EPOLLONESHOT, "ONESHOT"},
        {EPOLLET, "ET"},
    };
    if (mask == 0) return "0";
    std::string out;
    std::uint32_t rest = mask;
    for (const auto& b : kBits) {
        if (mask & b.bit) {
            if (!out.empty()) out += '|';
            out += b.name;
            rest &= ~b.bit;
        }
    }
    if (rest != 0) {
        if (!out.empty()) out += '|';
        out += hex(rest);
    }
    return out;
}

std::string source_name(std::uint8_t source) {
    return enum_name(source, {"user", "fentry", "kprobe", "tracepoint"});
}
std::string callback_outcome_name(std::uint32_t outcome) {
    return enum_name(outcome, {"queued_ready", "queued_overflow", "already_ready",
                               "already_overflow", "ignored_mask", "ignored_disarmed"});
}
std::string ctl_queued_name(std::uint32_t queued) {
    switch (queued) {
        case EP_CTL_QUEUED_NO:
            return "no";
        case EP_CTL_QUEUED_READY:
            return "ready";
        case EP_CTL_QUEUED_OVERFLOW:
            return "overflow";
        case EP_CTL_QUEUED_UNKNOWN:
            return "unknown";
        default:
            return "queued#" + std::to_string(queued);
    }
}

std::string remove_reason_name(std::uint32_t reason) {
    return enum_name(reason, {"ctl", "file_close", "teardown"});
}
std::string walk_list_name(std::uint32_t list) {
    return enum_name(list, {"ready", "overflow", "txlist", "tree"});
}
std::string process_what_name(std::uint32_t what) {
    return enum_name(what, {"found", "fork", "exec", "exit", "thread", "thread_exit"});
}
std::string fd_close_via_name(std::uint32_t via) { return enum_name(via, {"close", "dup2"}); }
std::string fd_read_via_name(std::uint32_t via) {
    return enum_name(via, {"read", "readv", "recvfrom", "recvmsg", "recvmmsg"});
}
std::string fd_close_shared_name(std::uint32_t shared) {
    return enum_name(shared, {"no", "yes", "unknown"});
}
std::string fd_type_name(std::uint32_t type) {
    return enum_name(type, {"unknown", "file", "pipe", "tcp", "udp", "unix", "eventfd", "timerfd",
                            "signalfd", "epoll", "socket", "other"});
}

namespace {

using S = AddrSpace;

// The fields of each record layout, in the order dump prints them.
std::vector<Field> fields(const ep_instance_create& r) {
    return {a_("ep", S::Instance, r.ep), a_("file", S::File, r.file), i_("epfd", r.epfd),
            h_("flags", r.flags)};
}

std::vector<Field> fields(const ep_instance_free& r) { return {a_("ep", S::Instance, r.ep)}; }

std::vector<Field> fields(const ep_item_ctl& r) {
    return {a_("ep", S::Instance, r.ep),
            a_("epi", S::Item, r.epi),
            a_("file", S::File, r.file),
            i_("epfd", r.epfd),
            i_("fd", r.fd),
            m_("events", r.events),
            h_("data", r.data),
            u_("ino", r.ino),
            i_("result", r.result),
            e_("queued", ctl_queued_name(r.queued))};
}

std::vector<Field> fields(const ep_item_remove& r) {
    return {a_("ep", S::Instance, r.ep),
            a_("epi", S::Item, r.epi),
            a_("file", S::File, r.file),
            i_("epfd", r.epfd),
            i_("fd", r.fd),
            e_("reason", remove_reason_name(r.reason)),
            i_("result", r.result)};
}

std::vector<Field> fields(const ep_callback& r) {
    return {a_("ep", S::Instance, r.ep),
            a_("epi", S::Item, r.epi),
            a_("file", S::File, r.file),
            i_("fd", r.fd),
            m_("key", r.key),
            m_("events", r.events),
            e_("outcome", callback_outcome_name(r.outcome)),
            u_("waiters", r.waiters)};
}

std::vector<Field> fields(const ep_wakeup& r) {
    return {a_("ep", S::Instance, r.ep), a_("epi", S::Item, r.epi), u_("woken_tid", r.woken_tid)};
}

std::vector<Field> fields(const ep_wait_begin& r) {
    return {a_("ep", S::Instance, r.ep), i_("epfd", r.epfd), i_("maxevents", r.maxevents),
            i_("timeout_ns", r.timeout_ns), h_("events_uaddr", r.events_uaddr)};
}

std::vector<Field> fields(const ep_wait_sleep& r) { return {a_("ep", S::Instance, r.ep)}; }

std::vector<Field> fields(const ep_wait_end& r) {
    return {a_("ep", S::Instance, r.ep), i_("epfd", r.epfd), i_("result", r.result)};
}

std::vector<Field> fields(const ep_harvest_begin& r) { return {a_("ep", S::Instance, r.ep)}; }

std::vector<Field> fields(const ep_harvest_item& r) {
    return {a_("ep", S::Instance, r.ep), u_("index", r.index), m_("revents", r.revents),
            h_("data", r.data)};
}

std::vector<Field> fields(const ep_harvest_end& r) {
    // -1u means the ready list was not walked: show -1, not 4294967295.
    Field ready = r.ready == UINT32_MAX ? i_("ready", -1) : u_("ready", r.ready);
    return {a_("ep", S::Instance, r.ep), ready, u_("overflow", r.overflow)};
}

std::vector<Field> fields(const ep_kernel_node& r) {
    std::vector<Field> f{u_("walk_id", r.walk_id),
                         e_("list", walk_list_name(r.list)),
                         u_("index", r.index),
                         a_("ep", S::Instance, r.ep),
                         a_("epi", S::Item, r.epi),
                         a_("file", S::File, r.file),
                         i_("fd", r.fd),
                         m_("events", r.events)};
    if (r.list == EP_WALK_TREE) {
        f.push_back(a_("parent", S::Item, r.parent));
        f.push_back(e_("color", r.color == EP_RB_RED ? "red" : "black"));
    }
    return f;
}

std::vector<Field> fields(const ep_walk_end& r) {
    return {a_("ep", S::Instance, r.ep), u_("walk_id", r.walk_id),
            e_("list", walk_list_name(r.list)), u_("count", r.count), u_("truncated", r.truncated)};
}

std::vector<Field> fields(const ep_lost& r) { return {u_("count", r.count)}; }

std::vector<Field> fields(const ep_process& r) {
    return {e_("what", process_what_name(r.what)), u_("parent_tgid", r.parent_tgid),
            t_("comm", fixed_text(r.comm, sizeof r.comm))};
}

std::vector<Field> fields(const ep_fd_name& r) {
    return {i_("fd", r.fd), u_("ino", r.ino), e_("type", fd_type_name(r.type)),
            t_("name", fixed_text(r.name, sizeof r.name))};
}

std::vector<Field> fields(const ep_sock_name& r) {
    return {a_("file", S::File, r.file),
            i_("fd", r.fd),
            u_("ino", r.ino),
            u_("family", r.family),
            u_("type", r.type),
            u_("state", r.state),
            t_("name", sock_name_text(r).name)};
}

std::vector<Field> fields(const ep_fd_close& r) {
    return {e_("via", fd_close_via_name(r.via)),
            i_("fd", r.fd),
            a_("file", S::File, r.file),
            u_("ino", r.ino),
            e_("shared", fd_close_shared_name(r.shared)),
            i_("result", r.result)};
}

std::vector<Field> fields(const ep_fd_read& r) {
    return {e_("via", fd_read_via_name(r.via)), i_("fd", r.fd), u_("requested", r.requested),
            i_("result", r.result)};
}

std::vector<Field> fields(const ep_snapshot_instance& r) {
    return {u_("snapshot_id", r.snapshot_id), a_("ep", S::Instance, r.ep), u_("ino", r.ino),
            i_("epfd", r.epfd), u_("items", r.items)};
}

std::vector<Field> fields(const ep_snapshot_item& r) {
    return {u_("snapshot_id", r.snapshot_id),
            i_("epfd", r.epfd),
            i_("tfd", r.tfd),
            m_("events", r.events),
            h_("data", r.data),
            u_("pos", r.pos),
            u_("ino", r.ino),
            h_("sdev", r.sdev)};
}

std::vector<Field> fields(const ep_checkpoint& r) {
    return {u_("id", r.id), t_("label", fixed_text(r.label, sizeof r.label))};
}

}  // namespace

std::vector<Field> fields_of(const Record& rec) {
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_CREATE:
            return fields(rec.as<ep_instance_create>());
        case EP_KIND_INSTANCE_FREE:
            return fields(rec.as<ep_instance_free>());
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY:
            return fields(rec.as<ep_item_ctl>());
        case EP_KIND_ITEM_REMOVE:
            return fields(rec.as<ep_item_remove>());
        case EP_KIND_CALLBACK:
            return fields(rec.as<ep_callback>());
        case EP_KIND_WAKEUP:
            return fields(rec.as<ep_wakeup>());
        case EP_KIND_WAIT_BEGIN:
            return fields(rec.as<ep_wait_begin>());
        case EP_KIND_WAIT_SLEEP:
            return fields(rec.as<ep_wait_sleep>());
        case EP_KIND_WAIT_END:
            return fields(rec.as<ep_wait_end>());
        case EP_KIND_HARVEST_BEGIN:
            return fields(rec.as<ep_harvest_begin>());
        case EP_KIND_HARVEST_ITEM:
            return fields(rec.as<ep_harvest_item>());
        case EP_KIND_HARVEST_END:
            return fields(rec.as<ep_harvest_end>());
        case EP_KIND_KERNEL_NODE:
            return fields(rec.as<ep_kernel_node>());
        case EP_KIND_WALK_END:
            return fields(rec.as<ep_walk_end>());
        case EP_KIND_LOST:
            return fields(rec.as<ep_lost>());
        case EP_KIND_PROCESS:
            return fields(rec.as<ep_process>());
        case EP_KIND_FD_NAME:
            return fields(rec.as<ep_fd_name>());
        case EP_KIND_SOCK_NAME:
            return fields(rec.as<ep_sock_name>());
        case EP_KIND_FD_CLOSE:
            return fields(rec.as<ep_fd_close>());
        case EP_KIND_FD_READ:
            return fields(rec.as<ep_fd_read>());
        case EP_KIND_SNAPSHOT_INSTANCE:
            return fields(rec.as<ep_snapshot_instance>());
        case EP_KIND_SNAPSHOT_ITEM:
            return fields(rec.as<ep_snapshot_item>());
        case EP_KIND_CHECKPOINT:
            return fields(rec.as<ep_checkpoint>());
        case EP_KIND_INVALID:
        case EP_KIND_COUNT:
            break;
    }
    return {};
}

std::string json_escape(std::string_view s) {
    // ensure_ascii: the text stays ASCII whatever a comm or fd name holds; bytes that are not
    // UTF-8 become U+FFFD.
    const std::string quoted = nlohmann::json(std::string(s))
                                   .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

void name_addresses(const Record& rec, IdMap& ids) {
    for (const Field& f : fields_of(rec))
        if (f.type == T::Addr) ids.note(f.space, f.u);
}

std::string format_line(const Record& rec, IdMap& ids) {
    const ep_header& h = rec.header();
    std::string out = ts_text(h.ts);
    out += ' ';
    out += abi::kind_name(h.kind);
    out += " tgid=" + std::to_string(h.tgid) + " tid=" + std::to_string(h.tid) +
           " cpu=" + std::to_string(h.cpu) + " src=" + source_name(h.source);
    if (h.flags & EP_FLAG_INFERRED) out += " inferred";
    for (const Field& f : fields_of(rec)) {
        out += ' ';
        out += f.name;
        out += '=';
        switch (f.type) {
            case T::Int:
                out += std::to_string(f.i);
                break;
            case T::Uint:
                out += std::to_string(f.u);
                break;
            case T::Hex:
                out += hex(f.u);
                break;
            case T::Addr: {
                std::string n = ids.name(f.space, f.u);
                out += n.empty() ? "-" : n;
                break;
            }
            case T::Mask:
                out += events_text(static_cast<std::uint32_t>(f.u));
                break;
            case T::Name:
                out += f.text;
                break;
            case T::Text:
                out += '"' + json_escape(f.text) + '"';
                break;
        }
    }
    return out;
}

std::string wall_clock_text(std::uint64_t ts, std::int64_t realtime_offset_ns, bool date) {
    const std::int64_t wall = static_cast<std::int64_t>(ts) + realtime_offset_ns;
    const std::time_t s = static_cast<std::time_t>(wall / 1000000000);
    std::tm tm{};
    localtime_r(&s, &tm);
    char buf[64];
    const std::size_t n =
        std::strftime(buf, sizeof buf, date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09lld", static_cast<long long>(wall % 1000000000));
    return buf;
}

std::string format_line_wall(const Record& rec, IdMap& ids, std::int64_t realtime_offset_ns) {
    std::string line = format_line(rec, ids);
    return wall_clock_text(rec.header().ts, realtime_offset_ns) + line.substr(line.find(' '));
}

namespace {

using Json = nlohmann::ordered_json;

// Appends a record's fields to `out` (keys are unique per layout: no lookup, which made
// JSON Lines five times slower than the text it replaced).
void append_fields(Json::object_t& out, const Record& rec, IdMap& ids) {
    for (const Field& f : fields_of(rec)) {
        Json v;
        switch (f.type) {
            case T::Int:
                v = f.i;
                break;
            case T::Uint:
                v = f.u;
                break;
            case T::Hex:
                v = hex(f.u);  // as a string: 64-bit values do not survive JSON doubles
                break;
            case T::Addr: {
                std::string n = ids.name(f.space, f.u);
                if (!n.empty()) v = std::move(n);  // else null: no address
                break;
            }
            case T::Mask:
                v = events_text(static_cast<std::uint32_t>(f.u));
                break;
            case T::Name:
            case T::Text:
                v = f.text;
                break;
        }
        out.emplace_back(std::string(f.name), std::move(v));
    }
}

}  // namespace

Json fields_object(const Record& rec, IdMap& ids) {
    Json out = Json::object();
    append_fields(out.get_ref<Json::object_t&>(), rec, ids);
    return out;
}

std::string json_text(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', true, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

// One record's JSON object written straight into a string. dump --json and the JSON Lines
// export write one per record, the hot path of an export: a document built per record and
// dumped ran at 0.44 of this (scripts/bench-json-render). The output is byte for byte what
// json_text(fields_object(...)) writes; strings that are not plain printable ASCII are
// escaped by nlohmann-json (ASCII only, bytes that are not UTF-8 as U+FFFD).
class JsonLine {
public:
    JsonLine() {
        out_.reserve(256);
        out_ += '{';
    }
    void number(std::string_view k, std::uint64_t v) { append_number(k, v); }
    void number(std::string_view k, std::int64_t v) { append_number(k, v); }
    void boolean(std::string_view k, bool v) {
        key(k);
        out_ += v ? "true" : "false";
    }
    void null(std::string_view k) {
        key(k);
        out_ += "null";
    }
    void string(std::string_view k, std::string_view v) {
        key(k);
        if (plain(v)) {
            out_ += '"';
            out_ += v;
            out_ += '"';
        } else {
            out_ += json_text(nlohmann::ordered_json(std::string(v)));
        }
    }
    std::string finish() {
        out_ += '}';
        return std::move(out_);
    }

private:
    // Keys are the fields' own names: identifiers, never escaped.
    void key(std::string_view k) {
        if (out_.size() > 1) out_ += ',';
        out_ += '"';
        out_ += k;
        out_ += "\":";
    }
    template <class T>
    void append_number(std::string_view k, T v) {
        key(k);
        char buf[24];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        out_.append(buf, end);
    }
    static bool plain(std::string_view v) {
        for (unsigned char c : v)
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        return true;
    }
    std::string out_;
};

void write_field(JsonLine& out, const Field& f, IdMap& ids) {
    switch (f.type) {
        case T::Int:
            out.number(f.name, static_cast<std::int64_t>(f.i));
            break;
        case T::Uint:
            out.number(f.name, static_cast<std::uint64_t>(f.u));
            break;
        case T::Hex:
            out.string(f.name, hex(f.u));  // a string: 64-bit values do not survive JSON doubles
            break;
        case T::Addr: {
            const std::string n = ids.name(f.space, f.u);
            if (n.empty())
                out.null(f.name);  // no address
            else
                out.string(f.name, n);
            break;
        }
        case T::Mask:
            out.string(f.name, events_text(static_cast<std::uint32_t>(f.u)));
            break;
        case T::Name:
        case T::Text:
            out.string(f.name, f.text);
            break;
    }
}

}  // namespace

std::string format_json(const Record& rec, IdMap& ids, std::string_view wall_time) {
    const ep_header& h = rec.header();
    JsonLine out;
    out.number("ts", static_cast<std::uint64_t>(h.ts));
    if (!wall_time.empty()) out.string("wall_time", wall_time);
    out.string("kind", abi::kind_name(h.kind));
    out.number("tgid", static_cast<std::uint64_t>(h.tgid));
    out.number("tid", static_cast<std::uint64_t>(h.tid));
    out.number("cpu", static_cast<std::uint64_t>(h.cpu));
    out.string("source", source_name(h.source));
    out.boolean("inferred", (h.flags & EP_FLAG_INFERRED) != 0);
    for (const Field& f : fields_of(rec)) write_field(out, f, ids);
    return out.finish();
}

}  // namespace epscope::stream
