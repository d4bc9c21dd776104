// `epscope gui`: capture and show in one step. The tracer serves the live
// stream on a socket in a private directory (0700, owned by the user who ran
// sudo) and starts epscope-gui --connect on it as that user. It stops when
// the window is closed, when the traced command or processes end (the window
// is closed too unless --keep-open), or on Ctrl-C; every path ends with the
// GUI reaped and the directory removed.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "capture/capture_loop.hpp"
#include "cli/commands.hpp"
#include "cli/gui_process.hpp"
#include "cli/live_stream.hpp"
#include "cli/options.hpp"
#include "cli/session_plan.hpp"
#include "model/model.hpp"
#include "serve/stream_publisher.hpp"
#include "trace/safe_path.hpp"

namespace epscope::cli {
namespace {

// The private directory of the socket, removed with everything in it. It is
// made, used and removed with the rights of the user who ran sudo (0700,
// theirs from birth): root never chowns or follows a name in it.
class PrivateDir {
public:
    explicit PrivateDir(std::optional<DropTo> owner) {
        if (owner) owner_ = trace::UserIds{owner->uid, owner->gid};
        std::string t = (std::filesystem::temp_directory_path() / "epscope-gui-XXXXXX").string();
        trace::FsIdentity as_owner(owner_);
        if (::mkdtemp(t.data()) == nullptr)
            throw serve::ServeError("cannot create a private directory in " +
                                    std::filesystem::temp_directory_path().string() + ": " +
                                    std::strerror(errno));
        path_ = t;  // mkdtemp makes it 0700
    }
    ~PrivateDir() {
        trace::FsIdentity as_owner(owner_);
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::filesystem::path operator/(const char* name) const { return path_ / name; }

private:
    std::optional<trace::UserIds> owner_;
    std::filesystem::path path_;
};

bool have_display() {
    for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY"}) {
        const char* s = std::getenv(v);
        if (s != nullptr && *s != 0) return true;
    }
    return false;
}

}  // namespace

int run_gui(const GuiOptions& opts) {
    if (!have_display()) {
        std::fprintf(stderr,
                     "epscope gui: no display: neither DISPLAY nor WAYLAND_DISPLAY is set (with "
                     "sudo, keep them: sudo --preserve-env=DISPLAY,XAUTHORITY,WAYLAND_DISPLAY); "
                     "without a display use `epscope live`\n");
        return 1;
    }
    try {
        const CaptureArgs& args = opts.capture;
        const PlannedSession planned = plan_session(args);
        capture::CaptureOptions cap = capture_options(args, planned);
        // The window must feel live.
        cap.poll_interval = std::min(cap.poll_interval, serve::kLiveChunkInterval);

        const std::optional<DropTo> user = sudo_user();
        PrivateDir dir(user);
        const std::string sock = (dir / "stream.sock").string();
        StreamOutOptions out = StreamOutOptions::spooled_in("/var/tmp");
        out.serve_path = sock;
        LiveStream live(header_for(planned, args.invocation, args.verify), out);
        const std::string gui_bin = opts.gui_binary.empty() ? find_gui_binary() : opts.gui_binary;
        GuiProcess gui({gui_bin, "--connect", sock}, user);

        std::uint64_t records = 0;
        struct Counter : stream::RecordSink {
            std::uint64_t& n;
            stream::RecordSink& next;
            Counter(std::uint64_t& c, stream::RecordSink& s) : n(c), next(s) {}
            void on_record(const stream::Record& r) override {
                ++n;
                next.on_record(r);
            }
        } sink(records, live.sink());
        auto result = capture::run_capture(cap, sink, [&] {
            live.tick();
            return !gui.try_wait().has_value();
        });
        live.finish();  // the GUI sees the stream end
        if (result.stopped_by != "viewer") {
            if (opts.keep_open) {
                std::fprintf(stderr,
                             "epscope gui: capture stopped (%s); close the window to exit\n",
                             result.stopped_by.c_str());
                gui.wait();
            } else {
                gui.terminate();
            }
        }
        const int gui_status = gui.wait();
        std::fprintf(stderr, "epscope gui: stopped (%s), %llu records, %llu lost\n",
                     result.stopped_by == "viewer" ? "window closed" : result.stopped_by.c_str(),
                     static_cast<unsigned long long>(records),
                     static_cast<unsigned long long>(result.lost));
        if (result.stopped_by == "viewer") {
            // The window was closed: the user's choice, not the command's end.
            if (gui_status == 0) return 0;
            std::fprintf(stderr, "epscope gui: %s exited with status %d\n", gui_bin.c_str(),
                         gui_status);
            return 1;
        }
        return result.command_status.value_or(0);
    } catch (const std::runtime_error& e) {
        // CaptureError, PlanError, ServeError, TraceError: each says what and why.
        std::fprintf(stderr, "epscope gui: %s\n", e.what());
    }
    return 1;
}

CLI::App* add_gui_command(CLI::App& app, GuiOptions& o) {
    auto* cmd = app.add_subcommand(
        "gui", "Capture and show in epscope-gui in one step (the window runs as the sudo user)");
    add_capture_options(cmd, o.capture, "-- CMD ARGS...: launch and show a command");
    cmd->add_flag("--keep-open", o.keep_open,
                  "When the command ends, keep the window open (exit when it is closed)");
    cmd->add_option("--gui-bin", o.gui_binary, "The epscope-gui program to run");
    return cmd;
}

}  // namespace epscope::cli
