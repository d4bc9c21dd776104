// Every key epscope-gui answers, in one table: the GUI's input handlers
// dispatch on it, its `?` overlay lists it, the README's keys table is checked
// against it (tests/gui/view_test.cpp) and the input test presses each entry's
// X key (tests/gui/input_test.cpp). No ImGui here: the app maps `Key` to the
// windowing backend's key codes.
#pragma once

#include <cstddef>

namespace epscope::view {

enum class KeyAction {
    PlayPause,
    StepBack,
    StepForward,
    ZoomIn,
    ZoomOut,
    PanEarlier,
    PanLater,
    ToStart,
    ToEnd,
    FindFd,
    ResetLayout,
    Help,
    TextLarger,
    TextSmaller,
    TextReset,
};

// Physical keys, named as on a US keyboard (`Question` is typed: shift+/ there).
enum class Key { Space, Left, Right, W, S, A, D, Home, End, F, L, Question, Equal, Minus, Zero };

struct KeyBinding {
    KeyAction action;
    Key key;
    bool ctrl;            // with Control held
    bool repeats;         // held down, it acts again at the keyboard's repeat rate
    const char* label;    // as the overlay and the README write it
    const char* xdotool;  // the same key for `xdotool key` (the input test)
    const char* what;     // what it does, in the GUI's words
};

inline constexpr KeyBinding kKeys[] = {
    {KeyAction::PlayPause, Key::Space, false, false, "Space", "space", "play / pause"},
    {KeyAction::StepBack, Key::Left, false, true, "Left", "Left", "step back one record"},
    {KeyAction::StepForward, Key::Right, false, true, "Right", "Right", "step forward one record"},
    {KeyAction::ZoomIn, Key::W, false, true, "W", "w", "zoom the timeline in"},
    {KeyAction::ZoomOut, Key::S, false, true, "S", "s", "zoom the timeline out"},
    {KeyAction::PanEarlier, Key::A, false, true, "A", "a", "pan the timeline earlier"},
    {KeyAction::PanLater, Key::D, false, true, "D", "d", "pan the timeline later"},
    {KeyAction::ToStart, Key::Home, false, false, "Home", "Home", "cursor to the first record"},
    {KeyAction::ToEnd, Key::End, false, false, "End", "End", "cursor to the last record"},
    {KeyAction::FindFd, Key::F, true, false, "Ctrl+F", "ctrl+f",
     "type in the tree's \"find fd\" box"},
    {KeyAction::ResetLayout, Key::L, true, false, "Ctrl+L", "ctrl+l",
     "reset the panes' sizes (also in the View menu)"},
    {KeyAction::Help, Key::Question, false, false, "?", "question",
     "show / hide this list and the legend of colours"},
    {KeyAction::TextLarger, Key::Equal, true, false, "Ctrl+=", "ctrl+equal",
     "larger text and widgets"},
    {KeyAction::TextSmaller, Key::Minus, true, false, "Ctrl+-", "ctrl+minus",
     "smaller text and widgets"},
    {KeyAction::TextReset, Key::Zero, true, false, "Ctrl+0", "ctrl+0",
     "text and widgets at the screen's scale"},
};
inline constexpr std::size_t kKeyCount = sizeof kKeys / sizeof kKeys[0];

// The timeline's keys: W/S zoom by this factor per press (as one wheel
// notch), A/D pan by this share of the visible span.
inline constexpr double kKeyZoomFactor = 0.8;
inline constexpr double kKeyPanShare = 0.10;

// Ctrl+= / Ctrl+- multiply the text's zoom by this factor per press, within
// these bounds (on top of the monitor's content scale or --scale).
inline constexpr float kTextZoomStep = 1.25f;
inline constexpr float kTextZoomMin = 0.5f;
inline constexpr float kTextZoomMax = 4.0f;

}  // namespace epscope::view
