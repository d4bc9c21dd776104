// What each colour of the tree, the queues and the timeline means, in one
// table next to the palette: the `?` overlay draws it as the legend, the
// input test checks every row is drawn, the view test that every palette
// colour the tree and timeline paint with has a row.
#pragma once

#include <cstddef>

#include "view/palette.hpp"

namespace epscope::view {

enum class Swatch { Disc, Ring, Box, Bar, Line };

struct LegendEntry {
    const char* pane;  // "tree", "queues", "timeline"
    Rgb colour;
    Swatch swatch;
    const char* what;  // in epoll's words
};

inline constexpr LegendEntry kLegend[] = {
    {"tree", kNodeRed, Swatch::Disc, "red node of the instance's red-black tree (an item)"},
    {"tree", kNodeBlack, Swatch::Disc, "black node of the red-black tree (an item)"},
    {"tree", kTreeEdge, Swatch::Line, "tree edge, parent to child"},
    {"tree", kReadyMark, Swatch::Ring, "item on the ready list or the txlist"},
    {"tree", kOverflowMark, Swatch::Ring, "item on the overflow list"},
    {"tree", kSeededMark, Swatch::Ring, "item seeded from /proc (its tree position unknown)"},
    {"tree", kFlash, Swatch::Ring, "its callback ran just before the cursor"},
    {"tree", kSelection, Swatch::Ring, "the selected item (in every pane)"},
    {"queues", kQueueReady, Swatch::Box, "item on the ready list"},
    {"queues", kQueueTxlist, Swatch::Box, "item on the txlist (a harvest is running)"},
    {"queues", kQueueOverflow, Swatch::Box, "item on the overflow list"},
    {"timeline", kLaneBlocked, Swatch::Bar, "in epoll_wait, awake (before it sleeps)"},
    {"timeline", kLaneAsleep, Swatch::Bar, "in epoll_wait, asleep"},
    {"timeline", kMarkCallback, Swatch::Box, "callback on an item (ep_poll_callback)"},
    {"timeline", kMarkWakeup, Swatch::Box, "wakeup: woken (top), woke another (bottom)"},
    {"timeline", kMarkHarvest, Swatch::Box, "harvest, with its count of events"},
    {"timeline", kCursorLine, Swatch::Line, "the cursor: the model is shown after it"},
    {"timeline", kCounterItems, Swatch::Line, "counter track (one per instance): its items"},
    {"timeline", kCounterItemsArea, Swatch::Bar, "... the area under its items"},
    {"timeline", kCounterReady, Swatch::Line, "... its ready-list length"},
    {"timeline", kCounterWaiters, Swatch::Line, "... its waiters"},
    {"timeline", kSelectedInstance, Swatch::Box, "... of the selected instance"},
    {"timeline", kAxisText, Swatch::Line, "time axis: ticks, time after the first record"},
    {"timeline", kLaneRule, Swatch::Line, "rule between lanes"},
    {"timeline", kLaneText, Swatch::Box, "a lane's name: thread id and process"},
    {"timeline", kSpanSelection, Swatch::Bar, "a dragged span: its statistics and length"},
    {"timeline", kFindingSpan, Swatch::Bar, "the selected finding's span and evidence"},
    {"findings", kSeverityError, Swatch::Box, "finding of severity error"},
    {"findings", kSeverityWarning, Swatch::Box, "finding of severity warning"},
    {"findings", kSeverityInfo, Swatch::Box, "finding of severity info"},
};
inline constexpr std::size_t kLegendCount = sizeof kLegend / sizeof kLegend[0];

}  // namespace epscope::view
