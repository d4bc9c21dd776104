// The windowing backend: one GLFW window with an OpenGL 3 context and Dear
// ImGui bound to it. Everything GLFW-specific stays in backend_glfw.cpp.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "png/png.hpp"
#include "view/keys.hpp"

struct ImGuiStyle;

namespace epscope::gui {

// The key went down since the previous frame (with Control held or not, as
// `ctrl` says); with `repeats`, also when the keyboard repeated it while held.
// `Question` is a character, not a key: always false (input.cpp reads it).
bool key_went_down(view::Key k, bool ctrl, bool repeats);

class Backend {
public:
    // Opens the window, or returns nullptr with one line in `error` (no
    // display, no OpenGL 3). `scale` > 0 overrides the monitor's content
    // scale (--scale); 0 follows the monitor the window is on.
    static std::unique_ptr<Backend> open(int width, int height, const std::string& title,
                                         float scale, std::string& error);
    ~Backend();
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    bool should_close() const;
    // The user's zoom of text and widgets (Ctrl+= / Ctrl+- / Ctrl+0), on top
    // of the content scale; the next begin_frame() rebuilds the font for it.
    void set_zoom(float zoom) { zoom_ = zoom; }
    // The scale the current frame is drawn at: content scale x zoom.
    float scale() const { return scale_; }
    // Polls input (waiting up to `wait_s` seconds for some when > 0) and starts
    // an ImGui frame.
    void begin_frame(double wait_s);
    // Renders the ImGui frame into the back buffer: finish_ui() then submit().
    void render();
    // Ends the ImGui frame: its draw lists become the frame's draw data.
    void finish_ui();
    // Clears the back buffer and hands the draw data to OpenGL.
    void submit();
    // What the frame asks the rasteriser to draw.
    struct DrawStats {
        int vertices = 0;
        int indices = 0;
        int commands = 0;  // draw calls
        // Sum of the triangles' areas inside their clip rectangles (bounding
        // boxes clipped): about how many fragments the rasteriser shades.
        double area = 0;
    };
    DrawStats draw_stats() const;
    void swap();
    // The back buffer as rendered (call between render() and swap()).
    png::Image read_pixels() const;
    // Waits until the GPU has finished the frame (for frame timing).
    void finish() const;
    void set_vsync(bool on);
    std::string renderer() const;  // GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"

private:
    Backend() = default;
    // Sizes the font (rebuilding the atlas and its texture) and the style's
    // paddings and spacings for `scale`.
    void apply_scale(float scale);
    float wanted_scale() const;
    void* window_ = nullptr;  // GLFWwindow
    bool font_filter_set_ = false;
    float scale_override_ = 0;  // --scale; 0: the monitor's content scale
    float zoom_ = 1;
    float scale_ = 0;                  // applied; 0: not yet
    std::vector<unsigned char> font_;  // the TTF's bytes (the atlas reads them on each rebuild)
    std::unique_ptr<ImGuiStyle> base_style_;  // the style at scale 1
    std::array<float, 3> clear_{};            // the windows' background colour
};

}  // namespace epscope::gui
