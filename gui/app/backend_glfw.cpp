#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "app/backend.hpp"
#include "backends/imgui_impl_glfw.h"
#include "backends/imgui_impl_opengl3.h"
#include "imgui.h"

namespace epscope::gui {
namespace {

std::string glfw_error_text;

void on_glfw_error(int, const char* description) { glfw_error_text = description; }

GLFWwindow* win(void* w) { return static_cast<GLFWwindow*>(w); }

}  // namespace

std::unique_ptr<Backend> Backend::open(int width, int height, const std::string& title,
                                       std::string& error) {
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((display == nullptr || *display == '\0') && (wayland == nullptr || *wayland == '\0')) {
        error =
            "no display: neither DISPLAY nor WAYLAND_DISPLAY is set; run epscope-gui in a "
            "graphical session (or under xvfb-run)";
        return nullptr;
    }
    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
        error = std::string("cannot open the display (DISPLAY=") + (display ? display : "") +
                ", WAYLAND_DISPLAY=" + (wayland ? wayland : "") + "): " + glfw_error_text;
        return nullptr;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE);
    GLFWwindow* w = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
    if (w == nullptr) {
        error = "cannot create an OpenGL 3 window: " + glfw_error_text;
        glfwTerminate();
        return nullptr;
    }
    glfwMakeContextCurrent(w);
    glfwSwapInterval(1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // same layout on every start (and in tests)
    ImGui::StyleColorsLight();
    ImGui_ImplGlfw_InitForOpenGL(w, true);
    ImGui_ImplOpenGL3_Init("#version 130");

    std::unique_ptr<Backend> b(new Backend());
    b->window_ = w;
    return b;
}

Backend::~Backend() {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win(window_));
    glfwTerminate();
}

bool Backend::should_close() const { return glfwWindowShouldClose(win(window_)) != 0; }

void Backend::begin_frame(double wait_s) {
    if (wait_s > 0) {
        glfwWaitEventsTimeout(wait_s);
    } else {
        glfwPollEvents();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Backend::render() {
    ImGui::Render();
    int w = 0;
    int h = 0;
    glfwGetFramebufferSize(win(window_), &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(0.94f, 0.94f, 0.94f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Backend::swap() { glfwSwapBuffers(win(window_)); }

png::Image Backend::read_pixels() const {
    int w = 0;
    int h = 0;
    glfwGetFramebufferSize(win(window_), &w, &h);
    png::Image img;
    img.width = static_cast<std::uint32_t>(w);
    img.height = static_cast<std::uint32_t>(h);
    img.rgba.resize(static_cast<std::size_t>(w) * h * 4);
    std::vector<std::uint8_t> flipped(img.rgba.size());
    glReadBuffer(GL_BACK);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, flipped.data());
    // OpenGL rows go bottom-up; PNG rows top-down.
    const std::size_t stride = static_cast<std::size_t>(w) * 4;
    for (int y = 0; y < h; ++y) {
        std::copy_n(flipped.begin() + static_cast<std::ptrdiff_t>((h - 1 - y) * stride), stride,
                    img.rgba.begin() + static_cast<std::ptrdiff_t>(y * stride));
    }
    for (std::size_t i = 3; i < img.rgba.size(); i += 4) img.rgba[i] = 255;  // opaque
    return img;
}

void Backend::finish() const { glFinish(); }

void Backend::set_vsync(bool on) { glfwSwapInterval(on ? 1 : 0); }

std::string Backend::renderer() const {
    const GLubyte* s = glGetString(GL_RENDERER);
    return s ? reinterpret_cast<const char*>(s) : "unknown";
}

}  // namespace epscope::gui
