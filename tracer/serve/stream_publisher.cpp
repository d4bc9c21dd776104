#include "serve/stream_publisher.hpp"

#include <memory>

#include "trace/format.hpp"

namespace epscope::serve {

StreamPublisher::StreamPublisher(const trace::TraceHeader& header,
                                 std::vector<StreamOutput*> outputs, PublisherOptions opts)
    : outputs_(std::move(outputs)), opts_(opts), encoder_(opts.zstd_level) {
    auto h = std::make_shared<const Bytes>(trace::encode_file_header(header));
    for (auto* o : outputs_) o->start(h);
}

void StreamPublisher::on_record(const stream::Record& rec) {
    if (finished_) return;
    encoder_.add(rec);
    ++records_;
    if (encoder_.count() == 1) pending_since_ = std::chrono::steady_clock::now();
    if (encoder_.count() >= opts_.chunk_records) flush();
}

void StreamPublisher::flush() {
    Bytes out;
    trace::ChunkInfo info;
    if (!encoder_.encode(out, info, "live stream")) return;
    auto shared = std::make_shared<const Bytes>(std::move(out));
    ++chunks_;
    for (auto* o : outputs_) o->publish(shared);
}

void StreamPublisher::tick() {
    if (finished_) return;
    if (encoder_.count() != 0 &&
        std::chrono::steady_clock::now() - pending_since_ >= opts_.flush_interval)
        flush();
    for (auto* o : outputs_) o->service();
}

void StreamPublisher::finish(int timeout_ms) {
    if (finished_) return;
    flush();
    finished_ = true;
    for (auto* o : outputs_) o->finish(timeout_ms);
}

}  // namespace epscope::serve
