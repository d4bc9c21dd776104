// epscope: trace what the kernel's epoll machinery does for a process.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/examples.hpp"
#include "cli/options.hpp"

namespace {

// The subcommands, in the order --help lists them: each adds itself and its
// options (cmd_*.cpp); main parses and runs the one given.
struct Options {
    epscope::cli::DoctorOptions doctor;
    epscope::cli::RecordOptions record;
    epscope::cli::LiveOptions live;
    epscope::cli::ExporterOptions exporter;
    epscope::cli::GuiOptions gui;
    epscope::cli::DumpOptions dump;
    epscope::cli::StatOptions stat;
    epscope::cli::CheckOptions check;
    epscope::cli::ExportOptions exp;
};

struct Command {
    CLI::App* app;
    std::function<int()> run;
};

std::vector<Command> add_commands(CLI::App& app, Options& o) {
    using namespace epscope::cli;
    return {
        {add_doctor_command(app, o.doctor), [&o] { return run_doctor(o.doctor); }},
        {add_record_command(app, o.record),
         [&o] { return has_target(o.record.capture, "record") ? run_record(o.record) : 2; }},
        {add_live_command(app, o.live),
         [&o] { return has_target(o.live.capture, "live") ? run_live(o.live) : 2; }},
        {add_exporter_command(app, o.exporter), [&o] { return run_exporter(o.exporter); }},
        {add_gui_command(app, o.gui),
         [&o] { return has_target(o.gui.capture, "gui") ? run_gui(o.gui) : 2; }},
        {add_dump_command(app, o.dump), [&o] { return run_dump(o.dump); }},
        {add_stat_command(app, o.stat), [&o] { return run_stat(o.stat); }},
        {add_check_command(app, o.check), [&o] { return run_check(o.check); }},
        {add_export_command(app, o.exp), [&o] { return run_export(o.exp); }},
    };
}

// One line on stderr for a command line CLI11 refused; exit status 2.
int refuse(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
    if (app.get_subcommands().empty()) {
        if (argc > 1 && argv[1][0] != '-')
            std::fprintf(stderr,
                         "epscope: unknown command '%s': expected doctor, record, live, exporter, gui, "
                         "stat, check, dump or export (see `epscope --help`)\n",
                         argv[1]);
        else
            std::fprintf(stderr, "epscope: %s (see `epscope --help`)\n", e.what());
    } else {
        const std::string name = app.get_subcommands()[0]->get_name();
        std::fprintf(stderr, "epscope %s: %s (see `epscope %s --help`)\n", name.c_str(), e.what(),
                     name.c_str());
    }
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"epscope: an eBPF tracer of the kernel's epoll machinery"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "epscope " EPSCOPE_VERSION);

    std::string invocation;
    for (int i = 0; i < argc; ++i) invocation += (i ? " " : "") + std::string(argv[i]);
    Options options;
    for (epscope::cli::CaptureArgs* c :
         {&options.record.capture, &options.live.capture, &options.gui.capture})
        c->invocation = invocation;

    const std::vector<Command> commands = add_commands(app, options);
    epscope::cli::add_examples(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        return refuse(app, e, argc, argv);
    }
    for (const Command& c : commands)
        if (*c.app) return c.run();
    return 2;
}
