// Counter tracks, as Perfetto draws counters: per epoll instance its items,
// ready-list length and waiters over the whole trace, a track per instance
// above the thread lanes (folded to a few when the trace has many:
// counter_track_list()). CounterIndex samples every live
// instance's counters from the model as the replay first applies the records:
// once per time bucket (the first record of a bucket, after it is applied),
// with kBuckets buckets over the trace whose width doubles as it grows (pairs
// merged: the later sample stays, the maxima combine). Memory stays bounded
// (kBuckets per instance) whatever the trace's length; a counter's detail is
// its bucket width, the trace's length / kBuckets at most.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/model.hpp"
#include "view/timeline.hpp"

namespace epscope::view {

enum class TrackCounter : std::uint8_t { Items, Ready, Waiters };
inline constexpr std::size_t kCounterCount = 3;
// "items", "ready list", "waiters": the track's name.
const char* counter_name(TrackCounter c);

using CounterValues = std::array<std::uint32_t, kCounterCount>;  // by TrackCounter

// The instance's counters now: live items, ready-list length, waiters.
CounterValues counters_of(const model::Model& m, model::InstanceRef inst);

struct CounterBucket {
    bool sampled = false;
    std::uint64_t ts = 0;  // the time of the (latest) sample in it
    CounterValues last{};  // ... its values
    CounterValues max{};   // the largest of its samples
};

struct CounterTrack {
    std::uint64_t serial = 0;  // model::Instance::serial
    // "pid 12 poller, epfd 3" (view::instance_label), kept past the
    // instance's end; taken again while its process name or epfd is unknown.
    std::string name;
    // "epfd 3 poller": the track's label, the epfd first (it tells apart the
    // instances of one process when the label column clips it).
    std::string label;
    bool named = false;  // the name has both
    std::vector<CounterBucket> buckets;
    // How busy its queues were: the area under its ready-list length and
    // waiters (their largest value per bucket, summed over the buckets), so
    // a long queue or many waiters rank above a large but idle set of items.
    // Kept as the buckets change: counter_track_list() ranks by it every frame.
    std::uint64_t activity = 0;
};

class CounterIndex {
public:
    static constexpr std::size_t kBuckets = 1024;
    // After the record at `ts` was applied to `m` (records in stream order).
    void sample(const model::Model& m, std::uint64_t ts);
    const CounterTrack* track(std::uint64_t serial) const;
    // Every instance's track, in the order the instances first appeared.
    const std::vector<CounterTrack>& tracks() const { return tracks_; }
    // Bucket i covers [origin + i*w, origin + (i+1)*w).
    std::uint64_t origin() const { return origin_; }
    std::uint64_t bucket_ns() const { return bucket_ns_; }
    std::size_t memory_bytes() const { return tracks_.size() * kBuckets * sizeof(CounterBucket); }

private:
    void fit(std::uint64_t ts);
    static void name(CounterTrack& t, const model::Model& m, model::InstanceRef ref);
    std::uint64_t origin_ = 0;
    std::uint64_t bucket_ns_ = 1024;
    bool have_origin_ = false;
    std::size_t sampled_bucket_ = SIZE_MAX;  // the bucket sampled last
    std::vector<CounterTrack> tracks_;
    std::unordered_map<std::uint64_t, std::size_t> by_serial_;
};

// One step of a counter as drawn: [x0, x1) at `value` (the largest sample
// the step covers). Between samples a counter keeps its last value.
struct CounterStep {
    float x0 = 0;
    float x1 = 0;
    std::uint32_t value = 0;
};

// Counter `c` of track `t` in window `w`: steps in time order, equal
// neighbours merged, none before the instance's first sample or after its last.
std::vector<CounterStep> counter_steps(const CounterIndex& idx, const CounterTrack& t,
                                       TrackCounter c, const TimeWindow& w);

// ---- which tracks the timeline draws -----------------------------------------

// With more instances than this the group is folded: the selected instance
// and the busiest others, up to this many tracks.
inline constexpr std::size_t kFoldedCounterTracks = 4;

// CounterTrack::activity computed from its buckets.
std::uint64_t counter_activity(const CounterTrack& t);

// The counter tracks the timeline shows, in the order the instances first
// appeared in the trace (a track keeps its place as the selection moves).
struct CounterTrackList {
    std::vector<const CounterTrack*> shown;
    std::size_t total = 0;   // instances with a track
    bool collapsed = false;  // the group folded to its header
    bool folded = false;     // more than kFoldedCounterTracks: the busiest shown
    std::size_t elided() const { return total - shown.size(); }
};

// Every track when there are at most `limit`; else the selected instance's
// (serial `selected`, 0: none) and the busiest others up to `limit` (ties:
// the earlier instance). Collapsed: none shown.
CounterTrackList counter_track_list(const CounterIndex& idx, std::uint64_t selected, bool collapsed,
                                    std::size_t limit = kFoldedCounterTracks);

// The group's header line: "counter tracks: 3 instances" or "counter tracks:
// 4 of 100 instances (96 elided: the selected and the busiest shown)".
std::string counter_group_title(const CounterTrackList& l);

}  // namespace epscope::view
