#include "cli/findings_text.hpp"

#include <cctype>
#include <cstdio>

#include "stream/record_text.hpp"

namespace epscope::cli {
namespace {

// "+1.234567s (1234.000000567)": relative to the first record, and as
// `epscope dump` prints the record's time.
std::string when(std::uint64_t ts, std::uint64_t t0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "+%.6fs (%llu.%09llu)", ts >= t0 ? (ts - t0) / 1e9 : 0.0,
                  static_cast<unsigned long long>(ts / 1'000'000'000),
                  static_cast<unsigned long long>(ts % 1'000'000'000));
    return buf;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string item_list(const findings::Finding& f) {
    std::string out;
    for (std::size_t i = 0; i < f.fds.size(); ++i) {
        if (i) out += ", ";
        out += "fd " + std::to_string(f.fds[i]);
        if (i < f.fd_names.size() && !f.fd_names[i].empty()) out += " (" + f.fd_names[i] + ")";
    }
    return out;
}

template <class T>
std::string number_list(const std::vector<T>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
    return out;
}

}  // namespace

std::string finding_instance(const findings::Finding& f, stream::IdMap& ids) {
    const std::string id = ids.name(stream::AddrSpace::Instance, f.ep);
    if (id.empty()) return "epfd " + std::to_string(f.epfd);
    return f.epfd >= 0 ? id + " (epfd " + std::to_string(f.epfd) + ")" : id;
}

std::string finding_line(const findings::Finding& f, stream::IdMap& ids) {
    return upper(findings::severity_name(f.severity)) + " " + std::string(kind_name(f.kind)) +
           ": " + f.title + " [pid " + std::to_string(f.tgid) +
           (f.comm.empty() ? "" : " " + f.comm) + ", " + finding_instance(f, ids) + "]";
}

std::string finding_block(const findings::Finding& f, stream::IdMap& ids, std::uint64_t t0) {
    std::string out = upper(findings::severity_name(f.severity)) + "  " +
                      std::string(kind_name(f.kind)) + "\n  " + f.title + "\n";
    out += "  process " + std::to_string(f.tgid) + (f.comm.empty() ? "" : " " + f.comm) +
           ", instance " + finding_instance(f, ids);
    if (!f.threads.empty()) out += ", threads " + number_list(f.threads);
    out += "\n";
    if (!f.fds.empty()) out += "  items: " + item_list(f) + "\n";
    out += "  when: first " + when(f.first_ts, t0) + ", last " + when(f.last_ts, t0) + ", " +
           std::to_string(f.count) + (f.count == 1 ? " time\n" : " times\n");
    out += "  evidence:\n";
    for (const auto& e : f.evidence) out += "    - " + e.text + "\n";
    if (!f.confidence.empty()) out += "  confidence: " + f.confidence + "\n";
    out += "  what to do: " + f.advice + "\n";
    return out;
}

nlohmann::ordered_json finding_json(const findings::Finding& f, stream::IdMap& ids,
                                    std::uint64_t t0) {
    using Json = nlohmann::ordered_json;
    Json items = Json::array();
    for (std::size_t i = 0; i < f.fds.size(); ++i)
        items.push_back({{"fd", f.fds[i]}, {"name", i < f.fd_names.size() ? f.fd_names[i] : ""}});
    Json evidence = Json::array();
    for (const auto& e : f.evidence)
        evidence.push_back({{"text", e.text}, {"record", e.record}, {"ts", e.ts}});
    // Seconds from the trace's first record, to the nanosecond.
    auto rel = [t0](std::uint64_t ts) {
        return ts >= t0 ? static_cast<double>(ts - t0) / 1e9 : 0.0;
    };
    return {{"kind", std::string(kind_name(f.kind))},
            {"severity", std::string(severity_name(f.severity))},
            {"title", f.title},
            {"tgid", f.tgid},
            {"comm", f.comm},
            {"instance", ids.name(stream::AddrSpace::Instance, f.ep)},
            {"epfd", f.epfd},
            {"items", items},
            {"threads", f.threads},
            {"first_ts", f.first_ts},
            {"last_ts", f.last_ts},
            {"first_s", rel(f.first_ts)},
            {"last_s", rel(f.last_ts)},
            {"count", f.count},
            {"evidence", evidence},
            {"confidence", f.confidence},
            {"advice", f.advice}};
}

}  // namespace epscope::cli
