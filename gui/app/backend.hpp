// The windowing backend: one GLFW window with an OpenGL 3 context and Dear
// ImGui bound to it. Everything GLFW-specific stays in backend_glfw.cpp.
#pragma once

#include <memory>
#include <string>

#include "png/png.hpp"

namespace epscope::gui {

class Backend {
public:
    // Opens the window, or returns nullptr with one line in `error` (no
    // display, no OpenGL 3).
    static std::unique_ptr<Backend> open(int width, int height, const std::string& title,
                                         std::string& error);
    ~Backend();
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    bool should_close() const;
    // Polls input (waiting up to `wait_s` seconds for some when > 0) and starts
    // an ImGui frame.
    void begin_frame(double wait_s);
    // Renders the ImGui frame into the back buffer.
    void render();
    void swap();
    // The back buffer as rendered (call between render() and swap()).
    png::Image read_pixels() const;
    // Waits until the GPU has finished the frame (for frame timing).
    void finish() const;
    void set_vsync(bool on);
    std::string renderer() const;  // GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"

private:
    Backend() = default;
    void* window_ = nullptr;  // GLFWwindow
};

}  // namespace epscope::gui
