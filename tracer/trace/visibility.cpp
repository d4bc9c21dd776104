#include "trace/visibility.hpp"

#include <sstream>

namespace epscope::trace {

std::string Visibility::not_seen() const {
    return "not seen by the " + (backend.empty() ? std::string("capture's") : backend) + " backend";
}

Visibility visibility_of(const TraceHeader& h) {
    Visibility v;
    v.backend = std::string(h.get(kMetaBackend).value_or(""));
    // The plan's lines "hook HOOK BACKEND" (plan/plan.cpp), one per hook.
    std::istringstream plan(h.attach_plan);
    std::string line;
    bool programs = false, read_program = false;
    while (std::getline(plan, line)) {
        std::istringstream s(line);
        std::string word, hook, backend;
        if (!(s >> word >> hook >> backend)) continue;
        if (word == "program") {  // "program NAME KIND TARGET"
            programs = true;
            read_program = read_program || hook == "tp_sys_exit_read";
        }
        if (word != "hook") continue;
        if (hook == "callback") v.callbacks = backend != "none";
        if (hook == "wakeup") v.wakeups = backend != "none";
        // A harvest seen at the syscall's exit is its result, not the pass.
        if (hook == "harvest") v.harvests = backend != "none" && backend != "tracepoint";
        if (v.backend.empty() && backend != "none") v.backend = backend;
    }
    // A plan that lists its programs lists the reads' when they were attached.
    v.reads = !programs || read_program;
    return v;
}

}  // namespace epscope::trace
