// The native Perfetto export of recorded traces (lab fentry traces and a host
// tracepoint trace), decoded with the generated classes of the project's
// .proto: every track is described before use, interned names are defined
// before use, slices nest, flows start at callbacks and end at deliveries,
// and every counter series equals the model's, replayed independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "../../scratch_dir.hpp"
#include "export/perfetto_exporter.hpp"
#include "export/perfetto_trace.pb.h"
#include "model/model.hpp"
#include "trace/reader.hpp"

namespace {

namespace pb = perfetto::protos;
using epscope::exporter::PerfettoExporter;

using Series = std::vector<std::pair<std::uint64_t, std::int64_t>>;  // (ts, value) changes

pb::Trace export_and_parse(const std::string& trace_path) {
    const epscope::testing::ScratchDir dir("epscope-export-test");
    const std::filesystem::path out = dir / "t.pftrace";
    {
        epscope::trace::TraceReader reader(trace_path);
        PerfettoExporter e(out);
        reader.read_all(e);
        e.finish();
    }
    std::ifstream in(out, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    pb::Trace t;
    EXPECT_TRUE(t.ParseFromString(bytes.str())) << "not a Trace message";
    return t;
}

// What the model says, after every record, for every live instance: the
// changes of (items, ready list, waiters); an instance that ends drops to 0.
std::vector<Series> model_series(const std::string& trace_path) {
    struct Recorder : epscope::stream::RecordSink {
        epscope::model::Model model;
        std::map<std::tuple<std::uint64_t, std::uint32_t, std::int32_t>, std::array<Series, 3>> s;
        void on_record(const epscope::stream::Record& rec) override {
            model.on_record(rec);
            std::set<std::tuple<std::uint64_t, std::uint32_t, std::int32_t>> live;
            for (auto ref : model.instances()) {
                const auto& in = model.instance(ref);
                if (!in.live) continue;
                auto key = std::make_tuple(in.ep, in.ep ? 0 : in.fds.at(0).tgid,
                                           in.ep ? -1 : in.fds.at(0).fd);
                live.insert(key);
                std::array<std::int64_t, 3> now = {in.items, in.ready.count,
                                                   static_cast<std::int64_t>(in.waiters.size())};
                add(key, rec.header().ts, now);
            }
            for (auto& [key, series] : s)
                if (!live.count(key)) add(key, rec.header().ts, {0, 0, 0});
        }
        void add(const std::tuple<std::uint64_t, std::uint32_t, std::int32_t>& key,
                 std::uint64_t ts, std::array<std::int64_t, 3> now) {
            auto& series = s[key];
            for (int c = 0; c < 3; ++c)
                if (series[c].empty() || series[c].back().second != now[c])
                    series[c].push_back({ts, now[c]});
        }
    } r;
    epscope::trace::TraceReader reader(trace_path);
    reader.read_all(r);
    std::vector<Series> all;
    for (auto& [key, series] : r.s)
        for (auto& one : series) all.push_back(one);
    std::sort(all.begin(), all.end());
    return all;
}

struct Decoded {
    std::map<std::uint64_t, pb::TrackDescriptor> tracks;
    std::map<std::uint64_t, Series> counters;  // by counter track
    std::map<std::uint64_t, int> depth;        // open slices per track
    std::set<std::uint64_t> flows_started, flows_ended;
    std::set<std::uint64_t> event_iids, arg_iids;
    std::vector<std::string> errors;
    std::size_t callbacks = 0;
};

void check_event(Decoded& d, const pb::TracePacket& p) {
    const pb::TrackEvent& e = p.track_event();
    if (!d.tracks.count(e.track_uuid()))
        d.errors.push_back("event on undescribed track " + std::to_string(e.track_uuid()));
    if (e.has_name_iid() && !d.event_iids.count(e.name_iid()))
        d.errors.push_back("event name iid not interned: " + std::to_string(e.name_iid()));
    for (const auto& a : e.debug_annotations())
        if (!d.arg_iids.count(a.name_iid())) d.errors.push_back("arg name iid not interned");
    switch (e.type()) {
        case pb::TrackEvent::TYPE_SLICE_BEGIN:
            ++d.depth[e.track_uuid()];
            break;
        case pb::TrackEvent::TYPE_SLICE_END:
            if (--d.depth[e.track_uuid()] < 0) d.errors.push_back("slice end without begin");
            break;
        case pb::TrackEvent::TYPE_COUNTER:
            d.counters[e.track_uuid()].push_back({p.timestamp(), e.counter_value()});
            break;
        default:
            break;
    }
    for (auto f : e.flow_ids()) d.flows_started.insert(f);
    for (auto f : e.terminating_flow_ids()) {
        if (!d.flows_started.count(f)) d.errors.push_back("flow ended before it began");
        d.flows_ended.insert(f);
    }
}

Decoded decode(const pb::Trace& t) {
    Decoded d;
    for (int i = 0; i < t.packet_size(); ++i) {
        const pb::TracePacket& p = t.packet(i);
        EXPECT_EQ(p.trusted_packet_sequence_id(), 1u);
        EXPECT_EQ(p.sequence_flags(), i == 0 ? 1u : 2u) << "packet " << i;
        for (const auto& n : p.interned_data().event_names()) d.event_iids.insert(n.iid());
        for (const auto& n : p.interned_data().debug_annotation_names()) d.arg_iids.insert(n.iid());
        if (p.has_track_descriptor()) d.tracks[p.track_descriptor().uuid()] = p.track_descriptor();
        if (p.has_track_event()) check_event(d, p);
    }
    return d;
}

std::vector<Series> exported_series(const Decoded& d) {
    std::vector<Series> all;
    for (const auto& [track, series] : d.counters) all.push_back(series);
    std::sort(all.begin(), all.end());
    return all;
}

void check_trace(const std::string& path, bool expect_flows) {
    SCOPED_TRACE(path);
    pb::Trace t = export_and_parse(path);
    ASSERT_GT(t.packet_size(), 0);
    Decoded d = decode(t);
    for (const auto& e : d.errors) ADD_FAILURE() << e;
    for (const auto& [track, depth] : d.depth) EXPECT_EQ(depth, 0) << "unbalanced slices";
    std::size_t processes = 0, threads = 0, counters = 0;
    for (const auto& [uuid, td] : d.tracks) {
        processes += td.has_process();
        threads += td.has_thread();
        counters += td.has_counter();
        if (td.has_counter()) {
            EXPECT_TRUE(d.tracks.count(td.parent_uuid())) << "counter parent";
        }
    }
    EXPECT_GE(processes, 1u);
    EXPECT_GE(threads, 1u);
    EXPECT_GE(counters, 3u);
    if (expect_flows) {
        EXPECT_FALSE(d.flows_started.empty());
        EXPECT_FALSE(d.flows_ended.empty());
    }
    EXPECT_EQ(exported_series(d), model_series(path))
        << "the counter tracks differ from the model's items/ready list/waiters";
}

TEST(PerfettoExport, LabFentryTrace612) {
    check_trace(EPSCOPE_MODEL_DATA "/epoll_script-6.12-fentry.trace", true);
}

TEST(PerfettoExport, LabFentryTrace61) {
    check_trace(EPSCOPE_MODEL_DATA "/epoll_script-6.1-fentry.trace", true);
}

TEST(PerfettoExport, LabRbSequence) {
    check_trace(EPSCOPE_MODEL_DATA "/rb-sequence-6.12.trace", false);
}

TEST(PerfettoExport, HostTracepointTrace) {
    check_trace(EPSCOPE_GUI_DATA "/poller-basic-tracepoint.trace", false);
}

TEST(PerfettoExport, NoRawAddressesUnlessAsked) {
    pb::Trace t = export_and_parse(EPSCOPE_MODEL_DATA "/epoll_script-6.12-fentry.trace");
    for (const auto& p : t.packet())
        if (p.has_track_descriptor() && p.track_descriptor().has_name()) {
            EXPECT_EQ(p.track_descriptor().name().find("0x"), std::string::npos)
                << p.track_descriptor().name();
        }
}

}  // namespace
