#include "cli/fidelity.hpp"

#include "stream/record_text.hpp"

namespace epscope::cli {

// One line: every check and mismatch by what was compared (model/model.hpp,
// VerifyStats), then how seeded trees and fdinfo reads fared.
std::string fidelity_line(const model::VerifyStats& v, bool verified) {
    if (v.total_checks() == 0 && v.snapshots_busy == 0)
        return verified ? "fidelity: nothing checked (recorded with --verify, but no epoll "
                          "instance was there to check)"
                        : "fidelity: nothing checked (no kernel walks or fdinfo snapshots: use "
                          "--verify)";
    std::string out = "fidelity: " + std::to_string(v.total_checks()) + " checks, " +
                      std::to_string(v.total_mismatches()) + " mismatches (";
    for (std::size_t w = 0; w < model::VerifyStats::kWhats; ++w) {
        auto what = static_cast<model::VerifyStats::What>(w);
        out += std::string(w ? ", " : "") + model::VerifyStats::name(what) + " " +
               std::to_string(v.mismatches[w]) + "/" + std::to_string(v.checks[w]);
    }
    out += ")";
    if (v.tree_rebuilds) out += "; " + std::to_string(v.tree_rebuilds) + " seeded trees rebuilt";
    if (v.snapshots_seeded) out += "; " + std::to_string(v.snapshots_seeded) + " seeded from /proc";
    if (v.snapshots_busy)
        out += "; " + std::to_string(v.snapshots_busy) + " fdinfo reads given up (never idle)";
    if (v.raced)
        out += "; " + std::to_string(v.raced) +
               " harvests raced a callback (their overflow list and txlist not compared)";
    if (v.unseeded)
        out += "; " + std::to_string(v.unseeded) +
               " walks before their instance's interest set was known (not compared)";
    if (v.unseen_close_removals)
        out += "; " + std::to_string(v.unseen_close_removals) +
               " items found removed by fdinfo (removal at file close is not visible to this "
               "backend)";
    return out;
}

nlohmann::ordered_json fidelity_json(const model::VerifyStats& v) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::object();
    nlohmann::ordered_json mismatches = nlohmann::ordered_json::object();
    for (std::size_t w = 0; w < model::VerifyStats::kWhats; ++w) {
        const char* name = model::VerifyStats::name(static_cast<model::VerifyStats::What>(w));
        checks[name] = v.checks[w];
        mismatches[name] = v.mismatches[w];
    }
    return {{"checks", checks},
            {"mismatches", mismatches},
            {"tree_rebuilds", v.tree_rebuilds},
            {"seeded", v.snapshots_seeded},
            {"fdinfo_busy", v.snapshots_busy},
            {"raced", v.raced},
            {"unseen_close_removals", v.unseen_close_removals},
            {"unseeded", v.unseeded},
            {"last_mismatch", v.last_mismatch}};
}

}  // namespace epscope::cli
