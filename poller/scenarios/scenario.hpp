// The deterministic scenarios: one kernel path each. The table is in registry.cpp; the
// definitions are grouped by theme in scenarios_*.cpp.
#pragma once

#include <string>
#include <vector>

#include "script.hpp"

namespace epscope::poller {

struct Scenario {
    const char* name;
    const char* summary;
    void (*run)(Script& script);
};

const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(const std::string& name);

// Defined in scenarios_ctl.cpp
void scenario_insert_modify_delete(Script& s);
void scenario_close_registered(Script& s);
void scenario_dup_registered_twice(Script& s);
void scenario_fork_shared(Script& s);
void scenario_fd_passing(Script& s);
void scenario_nested(Script& s);
void scenario_exit_with_items(Script& s);
// Defined in scenarios_delivery.cpp
void scenario_oneshot_rearm(Script& s);
void scenario_edge_vs_level(Script& s);
void scenario_maxevents_small(Script& s);
void scenario_overflow_harvest(Script& s);
void scenario_exclusive_waiters(Script& s);
// Defined in scenarios_mix.cpp
void scenario_mixed_types(Script& s);
void scenario_many_fds(Script& s);
// Defined in scenarios_bad.cpp: misuses that `epscope check` reports
void scenario_bad_busy_poll(Script& s);
void scenario_bad_oneshot_not_rearmed(Script& s);
void scenario_bad_closed_fd_registered(Script& s);
void scenario_bad_edge_undrained(Script& s);
void scenario_bad_loop_blocked(Script& s);
void scenario_bad_maxevents_starved(Script& s);
void scenario_bad_level_spin(Script& s);
void scenario_bad_registration_churn(Script& s);
// Defined in scenarios_bad_threads.cpp
void scenario_bad_thundering_herd(Script& s);
void scenario_bad_spurious_wakeups(Script& s);
void scenario_bad_overflow_pressure(Script& s);
void scenario_bad_unbalanced_pollers(Script& s);

}  // namespace epscope::poller
