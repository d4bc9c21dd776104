#include "plan/kernel_description.hpp"

#include <functional>
#include <initializer_list>
#include <map>
#include <sstream>

namespace epscope::plan {
namespace {

constexpr int kFormatVersion = 1;

const char* yes_no(bool b) { return b ? "yes" : "no"; }

std::string trial_text(const TrialResult& t) {
    std::string out;
    switch (t.outcome) {
        case TrialResult::Outcome::NotTried:
            out = "not_tried";
            break;
        case TrialResult::Outcome::Ok:
            out = "ok";
            break;
        case TrialResult::Outcome::Failed:
            out = "failed";
            break;
    }
    if (!t.detail.empty()) out += " " + t.detail;
    return out;
}

[[noreturn]] void fail(int line, const std::string& what) {
    throw DescriptionError("kernel description line " + std::to_string(line) + ": " + what);
}

bool parse_bool(int line, const std::string& key, const std::string& v) {
    if (v == "yes") return true;
    if (v == "no") return false;
    fail(line, "'" + key + "' wants yes or no, got '" + v + "'");
}

TrialResult parse_trial(int line, const std::string& key, const std::string& v) {
    TrialResult t;
    const auto sp = v.find(' ');
    const std::string word = v.substr(0, sp);
    t.detail = sp == std::string::npos ? "" : v.substr(sp + 1);
    if (word == "ok") {
        t.outcome = TrialResult::Outcome::Ok;
    } else if (word == "failed") {
        t.outcome = TrialResult::Outcome::Failed;
    } else if (word == "not_tried") {
        t.outcome = TrialResult::Outcome::NotTried;
    } else {
        fail(line, "'" + key + "' wants ok, failed or not_tried, got '" + word + "'");
    }
    return t;
}

// One name, no spaces: symbols, tracepoints and lockdown modes never contain any.
std::string single_word(int line, const std::string& key, const std::string& v) {
    if (v.empty() || v.find_first_of(" \t") != std::string::npos)
        fail(line, "'" + key + "' wants one word, got '" + v + "'");
    return v;
}

}  // namespace

std::set<std::string> KernelDescription::clones_of(const std::string& name) const {
    std::set<std::string> out;
    const std::string prefix = name + ".";
    for (auto it = kallsyms.lower_bound(prefix); it != kallsyms.end(); ++it) {
        if (it->compare(0, prefix.size(), prefix) != 0) break;
        out.insert(*it);
    }
    return out;
}

std::string KernelDescription::to_text() const {
    std::ostringstream o;
    o << "# epscope kernel description: one `key value` per line\n";
    o << "format " << kFormatVersion << "\n";
    o << "release " << release << "\n";
    o << "machine " << machine << "\n";
    o << "btf " << yes_no(btf) << "\n";
    for (const auto& [name, proto] : btf_funcs) {
        o << "btf_func " << name;
        if (!proto.empty()) o << " " << proto;
        o << "\n";
    }
    for (const auto& s : kallsyms) o << "kallsyms " << s << "\n";
    o << "tracefs " << (tracefs.empty() ? "none" : tracefs) << "\n";
    for (const auto& t : tracepoints) o << "tracepoint " << t << "\n";
    for (const auto& t : btf_tracepoints) o << "btf_tracepoint " << t << "\n";
    o << "kprobes " << yes_no(kprobes) << "\n";
    o << "lockdown " << (lockdown.empty() ? "unknown" : lockdown) << "\n";
    o << "preempt " << (preempt.empty() ? "unknown" : preempt) << "\n";
    o << "fentry_trial " << trial_text(fentry_trial) << "\n";
    o << "kprobe_trial " << trial_text(kprobe_trial) << "\n";
    o << "cap_bpf " << yes_no(cap_bpf) << "\n";
    o << "cap_perfmon " << yes_no(cap_perfmon) << "\n";
    o << "cap_sys_admin " << yes_no(cap_sys_admin) << "\n";
    o << "root " << yes_no(root) << "\n";
    return o.str();
}

namespace {

// One word from `words` ("'preempt' wants none, voluntary or unknown, got 'x'" otherwise).
std::string one_of(int line, const std::string& key, const std::string& v,
                   std::initializer_list<const char*> words) {
    const std::string w = single_word(line, key, v);
    std::string wanted;
    size_t i = 0;
    for (const char* word : words) {
        if (w == word) return w;
        wanted += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + std::string(word);
        ++i;
    }
    fail(line, "'" + key + "' wants " + wanted + ", got '" + w + "'");
}

using Setter = std::function<void(int, const std::string&, const std::string&)>;

// The keys given once, each with how its value is read into `d`.
std::map<std::string, Setter> scalar_setters(KernelDescription& d, bool& have_format) {
    auto flag = [](bool& out) {
        return [&out](int l, const std::string& k, const std::string& v) {
            out = parse_bool(l, k, v);
        };
    };
    auto word = [](std::string& out) {
        return [&out](int l, const std::string& k, const std::string& v) {
            out = single_word(l, k, v);
        };
    };
    auto trial = [](TrialResult& out) {
        return [&out](int l, const std::string& k, const std::string& v) {
            out = parse_trial(l, k, v);
        };
    };
    return {
        {"format",
         [&have_format](int l, const std::string& k, const std::string& v) {
             if (v != std::to_string(kFormatVersion))
                 fail(l, "'" + k + "' " + v + " is not supported (this epscope reads format " +
                             std::to_string(kFormatVersion) + ")");
             have_format = true;
         }},
        {"release", word(d.release)},
        {"machine", word(d.machine)},
        {"btf", flag(d.btf)},
        {"tracefs",
         [&d](int l, const std::string& k, const std::string& v) {
             const std::string w = single_word(l, k, v);
             d.tracefs = w == "none" ? "" : w;
         }},
        {"kprobes", flag(d.kprobes)},
        {"lockdown",
         [&d](int l, const std::string& k, const std::string& v) {
             d.lockdown = one_of(l, k, v, {"none", "integrity", "confidentiality", "unknown"});
         }},
        {"preempt",
         [&d](int l, const std::string& k, const std::string& v) {
             d.preempt = one_of(l, k, v, {"none", "voluntary", "full", "lazy", "rt", "unknown"});
         }},
        {"fentry_trial", trial(d.fentry_trial)},
        {"kprobe_trial", trial(d.kprobe_trial)},
        {"cap_bpf", flag(d.cap_bpf)},
        {"cap_perfmon", flag(d.cap_perfmon)},
        {"cap_sys_admin", flag(d.cap_sys_admin)},
        {"root", flag(d.root)},
    };
}

// The keys that may repeat, one entry each; false for any other key.
bool add_list_entry(KernelDescription& d, int line, const std::string& key,
                    const std::string& value) {
    if (key == "btf_func") {
        const auto nsp = value.find(' ');
        const std::string name = value.substr(0, nsp);
        if (!d.btf_funcs.emplace(name, nsp == std::string::npos ? "" : value.substr(nsp + 1))
                 .second)
            fail(line, "btf_func '" + name + "' given twice");
    } else if (key == "kallsyms") {
        d.kallsyms.insert(single_word(line, key, value));
    } else if (key == "tracepoint") {
        const std::string t = single_word(line, key, value);
        if (t.find(':') == std::string::npos) fail(line, "tracepoint '" + t + "' wants group:name");
        d.tracepoints.insert(t);
    } else if (key == "btf_tracepoint") {
        d.btf_tracepoints.insert(single_word(line, key, value));
    } else {
        return false;
    }
    return true;
}

}  // namespace

KernelDescription KernelDescription::parse(const std::string& text) {
    KernelDescription d;
    std::set<std::string> seen;  // single-valued keys, to reject a repeated one
    bool have_format = false;
    const auto scalars = scalar_setters(d, have_format);
    std::istringstream in(text);
    std::string raw;
    int line = 0;
    while (std::getline(in, raw)) {
        ++line;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (raw.empty() || raw[0] == '#') continue;
        const auto sp = raw.find(' ');
        const std::string key = raw.substr(0, sp);
        const std::string value = sp == std::string::npos ? "" : raw.substr(sp + 1);
        if (!have_format && key != "format")
            fail(line, "expected 'format " + std::to_string(kFormatVersion) + "' first, got '" +
                           raw.substr(0, 40) + "': is this an epscope kernel description?");
        if (value.empty()) fail(line, "'" + key + "' has no value");
        if (add_list_entry(d, line, key, value)) continue;
        const auto it = scalars.find(key);
        if (it == scalars.end()) fail(line, "unknown key '" + key + "'");
        if (!seen.insert(key).second) fail(line, "'" + key + "' given twice");
        it->second(line, key, value);
    }
    if (!have_format) throw DescriptionError("kernel description: empty (no 'format' line)");
    if (d.release.empty()) throw DescriptionError("kernel description: no 'release' line");
    if (d.lockdown.empty()) d.lockdown = "unknown";
    return d;
}

}  // namespace epscope::plan
