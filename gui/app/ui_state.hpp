// UI-only state: what the user selected, zoomed, filtered and where the
// timeline cursor is. The model never sees it; the view-model reads it.
#pragma once

#include <array>
#include <cstdint>
#include <set>

#include "model/model.hpp"
#include "view/browser.hpp"
#include "view/layout.hpp"
#include "view/tree_layout.hpp"

namespace epscope::gui {

class UiReport;

struct UiState {
    model::InstanceRef selected = model::kNil;  // instance shown in the tree and queues
    // The one selection of an item: a click on an fd in any window sets it,
    // every window highlights it (fd of the selected instance's process).
    std::int32_t selected_fd = -1;
    // ... and which item of that fd: after a close and reuse of the number a
    // stale item (its file still registered) and the new file's share it.
    std::uint64_t selected_file = 0;  // 0: by the number alone
    bool selected_stale = false;
    view::ItemSel selection() const { return {selected_fd, selected_file, selected_stale}; }
    void select(const view::ItemSel& s) {
        selected_fd = s.fd;
        selected_file = s.file;
        selected_stale = s.stale;
    }
    bool is_selected(const view::ItemSel& s) const {
        return s.fd >= 0 && s.fd == selected_fd &&
               (selected_file != 0 && s.file != 0 ? s.file == selected_file
                                                  : s.stale == selected_stale);
    }
    // --select-fd: a number, resolved into its item (view::item_of_fd) once
    // an instance is selected (-1: none pending).
    std::int32_t select_fd_pending = -1;
    // Tree.
    float zoom = 1.0f;                 // tree spacing multiplier
    std::int32_t find_fd = -1;         // "find fd": scroll the tree to it
    std::array<char, 16> find_text{};  // what the "find fd" box shows (empty at first)
    bool focus_find = false;           // Ctrl+F: the box takes the keyboard next frame
    bool scroll_to_find = false;
    std::set<std::int32_t> collapsed;               // items whose subtree is folded (by fd)
    model::InstanceRef collapsed_of = model::kNil;  // instance `collapsed` belongs to
    model::InstanceRef fitted_for = model::kNil;    // a new instance starts fitted to the window
    std::array<char, 64> filter{};                  // browser filter text
    std::array<char, 64> search{};                  // the search box (fd names, processes...)
    int search_index = -1;                          // the hit selected last (-1: none)
    int search_hits = -1;                           // hits of the last search (-1: none yet)
    view::BrowserQuery query;
    // Timeline.
    bool playing = false;
    float speed = 1.0f;                // trace seconds per wall second
    int step_kind = -1;                // "next of kind" (-1: view::default_step_kind at first)
    std::uint64_t rel_ns = 0;          // cursor, ns after the first record
    std::uint64_t tl_t0 = 0;           // visible time window of the lanes (absolute ts)
    std::uint64_t tl_t1 = 0;           // 0: not set yet (the whole trace)
    bool tl_follow = true;             // keep the cursor inside the window when it moves
    bool tl_whole = true;              // the window is the whole trace (grows with a live stream)
    std::uint64_t tl_cursor_seen = 0;  // the cursor at the previous frame
    bool counters_collapsed = false;   // the counter tracks folded to their header
    // Range selection: a span dragged on the time axis (or with Shift in the
    // lanes), absolute ts; span_t1 == 0: none. Its statistics are shown once
    // the drag ends.
    std::uint64_t span_t0 = 0;
    std::uint64_t span_t1 = 0;
    std::uint64_t span_anchor = 0;  // where the drag began
    bool span_dragging = false;
    bool has_span() const { return span_t1 > span_t0; }
    bool keys_overlay = false;  // `?`: the list of keys over the tree
    float font_zoom = 1.0f;     // Ctrl+= / Ctrl+-: text and widgets' zoom
    float scale = 1.0f;         // this frame's scale: content scale x font_zoom
    view::Shares shares;        // how the panes share the window (dragged gutters)
    // Findings: the one selected (an index into the findings of generation
    // `finding_gen`; -1: none); the timeline marks its span.
    int finding = -1;
    std::uint64_t finding_gen = 0;
    // --ui-report: the windows add where they drew each clickable fd (null: not asked).
    UiReport* report = nullptr;
};

using Layout = view::Layout;

}  // namespace epscope::gui
