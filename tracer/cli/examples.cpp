#include "cli/examples.hpp"

#include <CLI/CLI.hpp>
#include <string_view>
#include <utility>

namespace epscope::cli {
namespace {

// One line per example: the command, then what it does. Kept short: the
// README has the long story.
constexpr std::pair<std::string_view, std::string_view> kExamples[] = {
    {"",
     "  sudo epscope doctor                        # how each hook attaches on this kernel\n"
     "  sudo epscope record -p 1234 -o srv.trace   # trace a running process until Ctrl-C\n"
     "  sudo epscope live -p 1234                  # watch it, refreshing like top\n"
     "  epscope stat srv.trace                     # per process and instance: items, waits\n"
     "  epscope check srv.trace                    # what is wrong, with evidence\n"
     "  epscope <command> --help                   # each command's options and examples\n"},
    {"doctor",
     "  sudo epscope doctor                        # the plan for this kernel, with reasons\n"
     "  sudo epscope doctor --backend kprobe       # the plan if kprobes were forced\n"
     "  sudo epscope doctor --describe             # the raw kernel description\n"},
    {"record",
     "  sudo epscope record -p 1234 -o srv.trace   # a running process until Ctrl-C\n"
     "  sudo epscope record -p 1234,1240 -d 10     # two processes, ten seconds\n"
     "  sudo epscope record -o t.trace -- ./server --port 8080   # launch and trace\n"
     "  sudo epscope record --backend tracepoint -- ./server     # force a backend\n"
     "  sudo epscope record --verify -o t.trace -- ./server      # also prove the model\n"
     "  sudo epscope record -p 1234 --serve /tmp/ep.sock         # and serve it live\n"},
    {"live",
     "  sudo epscope live -p 1234                  # refresh every second, like top\n"
     "  sudo epscope live -i 0.5 -- ./server       # launch and watch, every 0.5 s\n"
     "  sudo epscope live -a --verify              # every process, the model proven\n"
     "  sudo epscope live -p 1234 --serve /tmp/ep.sock   # and serve to epscope-gui --connect\n"
     "  sudo epscope live -p 1234 --metrics 9464   # and Prometheus metrics on 127.0.0.1:9464\n"
     "  sudo epscope live --counting -p 1234       # counters and histograms only: cheapest\n"},
    {"exporter",
     "  sudo epscope exporter --comm nginx         # every nginx, as they start: 127.0.0.1:9464\n"
     "  sudo epscope exporter --cgroup /system.slice/haproxy.service --metrics 0.0.0.0:9464\n"
     "  sudo epscope exporter -p 1234 --comm redis-server   # several selectors add up\n"},
    {"gui",
     "  sudo epscope gui -p 1234                   # capture and show in epscope-gui\n"
     "  sudo epscope gui -- ./server               # the same for a launched command\n"
     "  sudo --preserve-env=DISPLAY,XAUTHORITY epscope gui -p 1234   # keep the display\n"},
    {"dump",
     "  epscope dump t.trace                       # one line per record\n"
     "  epscope dump --json t.trace                # JSON Lines\n"
     "  epscope dump --raw-addresses t.trace       # kernel addresses, not ep#N ids\n"
     "  epscope dump --connect /tmp/ep.sock        # a live stream, until the tracer stops\n"},
    {"stat",
     "  epscope stat t.trace                       # per process and instance\n"
     "  epscope stat --json t.trace                # the same for scripts\n"
     "  epscope stat --mismatches t.trace          # a --verify trace's mismatches, with times\n"},
    {"check",
     "  epscope check t.trace                      # findings, worst first; exit 3 if any\n"
     "  epscope check --json t.trace               # the same for scripts\n"
     "  epscope check --min-severity warning t.trace   # leave out info\n"
     "  epscope check --from 60 --to 120 t.trace   # only the second minute\n"
     "  epscope check --busy-min-rate 100 t.trace  # a stricter threshold\n"},
    {"export",
     "  epscope export -f perfetto -o t.pftrace t.trace  # open in ui.perfetto.dev\n"
     "  epscope export -f chrome-json -o t.json t.trace  # legacy JSON (chrome://tracing)\n"
     "  epscope export -f jsonl -o t.jsonl t.trace     # JSON Lines\n"
     "  epscope export -f csv -o t.csv t.trace         # records per kind and process\n"},
};

}  // namespace

std::string examples_for(const std::string& subcommand) {
    for (const auto& [name, text] : kExamples)
        if (name == subcommand) return "\nExamples:\n" + std::string(text);
    return {};
}

void add_examples(CLI::App& app) {
    app.footer(examples_for(""));
    for (CLI::App* sub : app.get_subcommands({})) {
        std::string text = examples_for(sub->get_name());
        if (!text.empty()) sub->footer(text);
    }
}

}  // namespace epscope::cli
