// stream-save SOCKET OUT [WAIT_S]: a minimal live stream client for the
// tests. Connects (retrying for WAIT_S seconds, default 10), reads the stream
// through the stream reader until the tracer closes it, and writes every
// record into a trace file OUT with the stream's own header, so trace-check
// can compare it with what the traced program did. Exit 0 at a clean end of
// stream; 1 with one line on any error (connection, foreign stream, damage).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "trace/stream_reader.hpp"
#include "trace/writer.hpp"

int main(int argc, char** argv) {
    using namespace epscope;
    if (argc < 3) {
        std::fprintf(stderr, "usage: stream-save SOCKET OUT [WAIT_S]\n");
        return 2;
    }
    const std::string path = argv[1];
    const double wait_s = argc > 3 ? std::atof(argv[3]) : 10.0;
    try {
        std::unique_ptr<trace::StreamClient> client;
        const auto give_up = std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(static_cast<long>(wait_s * 1000));
        while (!client) {
            try {
                client = std::make_unique<trace::StreamClient>(path);
            } catch (const trace::TraceError&) {
                if (std::chrono::steady_clock::now() >= give_up) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        std::unique_ptr<trace::TraceWriter> out;
        stream::Record rec;
        trace::StreamClient::Read st;
        do {
            st = client->wait_and_pump(-1);
            if (!out && client->parser().has_header())
                out = std::make_unique<trace::TraceWriter>(argv[2], client->parser().header());
            while (client->parser().next(rec)) out->on_record(rec);
        } while (st != trace::StreamClient::Read::Eof);
        if (!out) {
            std::fprintf(stderr, "stream-save: %s: stream ended before its header\n", path.c_str());
            return 1;
        }
        out->close();
        std::fprintf(stderr, "stream-save: %llu records in %llu chunks, %zu bytes cut off\n",
                     static_cast<unsigned long long>(client->parser().records()),
                     static_cast<unsigned long long>(client->parser().chunks()),
                     client->parser().partial_bytes());
        const auto& end = client->parser().end();
        if (!end || end->reason != trace::EndReason::Stopped) {
            std::fprintf(stderr, "stream-save: %s: %s\n", path.c_str(),
                         end ? trace::end_reason_text(*end).c_str() : "no end marker");
            return 1;
        }
        return client->parser().partial_bytes() == 0 ? 0 : 1;
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "stream-save: %s\n", e.what());
        return 1;
    }
}
