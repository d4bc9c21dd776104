// Human and machine renderings of one record, in epoll's words. Used by
// `epscope dump`, the JSON Lines export and the Chrome trace export.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "stream/id_map.hpp"
#include "stream/record.hpp"

namespace epscope::stream {

// One named value of a record, typed so each renderer can spell it its own way.
struct Field {
    enum class Type {
        Int,   // signed decimal (fds, results: -errno)
        Uint,  // unsigned decimal (counts, ids, inode numbers)
        Hex,   // opaque 64-bit value (epoll_event.data, user addresses)
        Addr,  // kernel address, named through an IdMap
        Mask,  // EPOLL* event mask, e.g. "IN|OUT|ET"
        Name,  // an enum value's name, e.g. "queued_overflow"
        Text,  // bounded C string from the record (comm, fd name, label)
    };
    std::string_view name;
    Type type;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    AddrSpace space = AddrSpace::Instance;
    std::string text;
};

// The kind-specific fields of a record (header fields excluded), in a fixed order.
std::vector<Field> fields_of(const Record& rec);

// Names every address of `rec` in field order, as format_line would. Every
// view of a trace (dump, export, stat) calls it on each record in file order,
// so "ep#2" names the same instance in all of them even when a view prints
// records late (export's slices) or not at all (stat).
void name_addresses(const Record& rec, IdMap& ids);

// "1234.000000567 callback tgid=10 tid=11 cpu=0 src=fentry ep=ep#1 ... outcome=queued_ready"
std::string format_line(const Record& rec, IdMap& ids);

// `ts` (the stream's CLOCK_MONOTONIC ns) as local wall-clock time, given the
// trace's CLOCK_REALTIME - CLOCK_MONOTONIC offset: "13:04:05.123456789" (as
// strace -tt), or with the date, "2026-12-05T13:04:05.123456789". --from and
// --to take both back (stream/record_filter.hpp).
std::string wall_clock_text(std::uint64_t ts, std::int64_t realtime_offset_ns, bool date = false);

// format_line with the wall-clock time of day in place of the monotonic ts (dump -T).
std::string format_line_wall(const Record& rec, IdMap& ids, std::int64_t realtime_offset_ns);

// {"ts":..,"kind":"callback","tgid":..,"tid":..,"cpu":..,"source":"fentry",...} on one line;
// with `wall_time` (dump -T) given, "wall_time" follows "ts".
std::string format_json(const Record& rec, IdMap& ids, std::string_view wall_time = {});

// The kind-specific fields alone as a JSON object: {"ep":"ep#1","fd":5,...}.
nlohmann::ordered_json fields_object(const Record& rec, IdMap& ids);

// A JSON value as one line of ASCII (bytes that are not UTF-8 become U+FFFD): the one way
// records and what is built of them are written.
std::string json_text(const nlohmann::ordered_json& j);

// EPOLLIN|EPOLLOUT|EPOLLET -> "IN|OUT|ET"; bits without a name as "0x..."; 0 -> "0".
std::string events_text(std::uint32_t mask);

// Enum names of the ABI; out-of-range values come back as "unknown(N)".
std::string source_name(std::uint8_t source);
std::string callback_outcome_name(std::uint32_t outcome);
std::string remove_reason_name(std::uint32_t reason);
std::string ctl_queued_name(std::uint32_t queued);
std::string walk_list_name(std::uint32_t list);
std::string process_what_name(std::uint32_t what);
std::string fd_type_name(std::uint32_t type);

// A char array of the ABI up to its first NUL (or its full length if none).
std::string_view fixed_text(const char* p, std::size_t n);

// A JSON string's body, ASCII whatever a comm or fd name holds (for the text forms).
std::string json_escape(std::string_view s);

}  // namespace epscope::stream
