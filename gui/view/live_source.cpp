#include "view/live_source.hpp"

#include <algorithm>

namespace epscope::view {

LiveSource::LiveSource(std::string path, Replay& replay, LiveSourceOptions opts)
    : path_(std::move(path)), replay_(replay), opts_(opts), backoff_(opts.first_retry) {
    status();
}

LiveSource::~LiveSource() = default;

void LiveSource::status() {
    if (client_ && header_seen_) {
        // A reader that joined past the tracer's spool cap: say what it lacks.
        const auto note = client_->parser().header().get(trace::kMetaStreamIncomplete);
        replay_.set_live_status(
            "live " + path_ + (note ? " - INCOMPLETE: " + std::string(*note) : std::string()),
            note.has_value());
    } else if (ended_) {
        replay_.set_live_status(path_ + ": stream ended (" + end_reason_ + ")" +
                                    (opts_.reconnect_after_end ? "; reconnecting..." : ""),
                                !end_whole_);
    } else {
        // The window shows the error while it is empty; else the status bar.
        const bool say = !last_error_.empty() && replay_.record_count() != 0;
        replay_.set_live_status("connecting to " + path_ + "..." +
                                (say ? " (" + last_error_ + ")" : ""));
    }
    // A message in the window only while there is nothing else to show.
    if (!last_error_.empty() && replay_.record_count() == 0 && !header_seen_) {
        replay_.set_live_error(last_error_ + "; retrying every " +
                               std::to_string(backoff_.count()) + " ms");
    } else {
        replay_.set_live_error({});
    }
}

void LiveSource::disconnect(std::string why, bool error) {
    client_.reset();
    header_seen_ = false;
    if (error) {
        last_error_ = std::move(why);
        backoff_ = opts_.max_retry;  // a foreign stream will not fix itself soon
    } else {
        ended_ = true;
        backoff_ = opts_.first_retry;
    }
    next_try_ = std::chrono::steady_clock::now() + backoff_;
}

void LiveSource::try_connect() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_try_) return;
    if (ended_ && !opts_.reconnect_after_end) return;
    try {
        client_ = std::make_unique<trace::StreamClient>(path_);
        header_seen_ = false;
    } catch (const trace::TraceError& e) {
        last_error_ = e.what();
        next_try_ = now + backoff_;
        backoff_ = std::min(backoff_ * 2, opts_.max_retry);
    }
}

bool LiveSource::poll() {
    bool changed = false;
    if (!client_) try_connect();
    if (client_) {
        try {
            const auto st = client_->pump(opts_.max_bytes_per_poll);
            auto& parser = client_->parser();
            if (!header_seen_ && parser.has_header()) {
                header_seen_ = true;
                ended_ = false;
                last_error_.clear();
                backoff_ = opts_.first_retry;
                ++streams_;
                replay_.restart(parser.header());
                changed = true;
            }
            stream::Record rec;
            while (parser.next(rec)) {
                replay_.append(rec);
                changed = true;
            }
            if (st == trace::StreamClient::Read::Eof || parser.ended()) {
                // Without an end marker the stream was cut (or the server
                // predates them): not known to be whole.
                end_reason_ = parser.end() ? trace::end_reason_text(*parser.end())
                                           : "cut off without its end marker";
                end_whole_ = parser.end() && parser.end()->reason == trace::EndReason::Stopped;
                disconnect({}, false);
            }
        } catch (const trace::TraceError& e) {
            disconnect(e.what(), true);
        }
    }
    status();
    return changed;
}

}  // namespace epscope::view
