// The colours the GUI draws with, every one of them: a colour literal
// anywhere else under gui/ fails a test (tests/gui/keys_test.cpp), which also
// checks each colour here has a row in the legend (view/legend.hpp) unless
// it is a text colour (its name ends in "Text") or drawn outside the panes.
// Node and queue colours are exact RGB values that nothing else on screen
// uses, so the screenshot tests can count node discs and queue boxes by colour.
#pragma once

#include <cstdint>

namespace epscope::view {

struct Rgb {
    std::uint8_t r, g, b;
    bool operator==(const Rgb&) const = default;
};

inline constexpr Rgb kNodeRed{214, 48, 49};
inline constexpr Rgb kNodeBlack{24, 24, 24};
inline constexpr Rgb kTreeEdge{150, 150, 150};
inline constexpr Rgb kTreeText{0, 0, 0};           // node labels
inline constexpr Rgb kTreeFoldText{60, 60, 60};    // "+N" beside a folded subtree
inline constexpr Rgb kReadyMark{46, 160, 67};      // ring: on the ready list / txlist
inline constexpr Rgb kOverflowMark{230, 140, 20};  // ring: on the overflow list
inline constexpr Rgb kSeededMark{60, 120, 220};    // ring: seeded from /proc, shape unknown
inline constexpr Rgb kSelection{250, 200, 0};
inline constexpr Rgb kFlash{255, 120, 200};  // halo: callback just fired
inline constexpr Rgb kQueueReady{40, 110, 180};
inline constexpr Rgb kQueueTxlist{120, 80, 170};
inline constexpr Rgb kQueueOverflow{200, 120, 20};
inline constexpr Rgb kErrorBanner{160, 20, 30};     // the trace could not be read (whole)
inline constexpr Rgb kInfoBanner{190, 150, 20};     // the trace holds nothing to show
inline constexpr Rgb kBannerText{255, 255, 255};    // on a banner
inline constexpr Rgb kQueueBoxText{255, 255, 255};  // an fd in a queue's box
inline constexpr Rgb kLostText{220, 30, 30};
// Timeline lanes: blocked in epoll_wait (awake part, asleep part) and marks.
inline constexpr Rgb kLaneBlocked{236, 196, 120};
inline constexpr Rgb kLaneAsleep{96, 140, 200};
inline constexpr Rgb kMarkCallback{0, 150, 136};
inline constexpr Rgb kMarkWakeup{200, 60, 160};
inline constexpr Rgb kMarkHarvest{130, 90, 40};
inline constexpr Rgb kCursorLine{230, 40, 40};
inline constexpr Rgb kSpanSelection{60, 110, 230};  // a dragged span (drawn translucent)
inline constexpr Rgb kAxisText{90, 90, 90};         // time axis ticks and times
inline constexpr Rgb kLaneRule{215, 215, 215};      // hairline between lanes
inline constexpr Rgb kLaneText{30, 30, 30};         // lane names
// Counter tracks, one per instance above the thread lanes: items as an
// area under a line, ready-list length and waiters as lines.
inline constexpr Rgb kCounterItems{100, 100, 180};
inline constexpr Rgb kCounterItemsArea{206, 210, 240};
inline constexpr Rgb kSelectedInstance{0, 90, 160};  // mark before its counter track's label
inline constexpr Rgb kCounterReady{60, 160, 120};
inline constexpr Rgb kCounterWaiters{180, 100, 60};
// Findings: the severity tag before each title, and the selected finding's
// time span and evidence on the timeline's axis.
inline constexpr Rgb kSeverityError{200, 30, 60};
inline constexpr Rgb kSeverityWarning{225, 160, 0};
inline constexpr Rgb kSeverityInfo{70, 150, 210};
inline constexpr Rgb kFindingSpan{240, 90, 20};
inline constexpr Rgb kSeverityTagText{255, 255, 255};  // "error" on its severity's colour
// The gutter between panes under the pointer or being dragged.
inline constexpr Rgb kSplitter{120, 160, 230};
// Details panel: histogram bars on their plot, and the selected item's
// title (the colour of a black node: the input tests find it by it).
inline constexpr Rgb kHistogramBar{70, 130, 90};
inline constexpr Rgb kHistogramWaitBar{110, 90, 170};
inline constexpr Rgb kHistogramBackground{255, 255, 255};
inline constexpr Rgb kItemTitleText = kNodeBlack;

}  // namespace epscope::view
