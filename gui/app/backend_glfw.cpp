#include <GLFW/glfw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "app/backend.hpp"
#include "app/font.hpp"
#include "backends/imgui_impl_glfw.h"
#include "backends/imgui_impl_opengl3.h"
#include "imgui.h"

namespace epscope::gui {
namespace {

std::string glfw_error_text;

void on_glfw_error(int, const char* description) { glfw_error_text = description; }

GLFWwindow* win(void* w) { return static_cast<GLFWwindow*>(w); }

// Key presses since the last frame, with whether Control was held. ImGui 1.86
// keeps only whether a key is down when the frame starts, so a tap whose press
// and release arrive between two frames (a quick finger, XTest) is lost
// there; GLFW's key callback sees both.
struct Press {
    bool pressed = false;   // went down (GLFW_PRESS)
    bool repeated = false;  // held: the keyboard's auto-repeat (GLFW_REPEAT)
    bool ctrl = false;
};
std::array<Press, GLFW_KEY_LAST + 1> presses;

void on_key(GLFWwindow*, int key, int, int action, int mods) {
    if (key < 0 || key > GLFW_KEY_LAST) return;
    Press& p = presses[static_cast<std::size_t>(key)];
    if (action == GLFW_PRESS) p.pressed = true;
    if (action == GLFW_REPEAT) p.repeated = true;
    if (action != GLFW_RELEASE) p.ctrl = (mods & GLFW_MOD_CONTROL) != 0;
}

int glfw_key(view::Key k) {
    switch (k) {
        case view::Key::Space:
            return GLFW_KEY_SPACE;
        case view::Key::Left:
            return GLFW_KEY_LEFT;
        case view::Key::Right:
            return GLFW_KEY_RIGHT;
        case view::Key::W:
            return GLFW_KEY_W;
        case view::Key::S:
            return GLFW_KEY_S;
        case view::Key::A:
            return GLFW_KEY_A;
        case view::Key::D:
            return GLFW_KEY_D;
        case view::Key::Home:
            return GLFW_KEY_HOME;
        case view::Key::End:
            return GLFW_KEY_END;
        case view::Key::L:
            return GLFW_KEY_L;
        case view::Key::F:
            return GLFW_KEY_F;
        case view::Key::Equal:
            return GLFW_KEY_EQUAL;
        case view::Key::Minus:
            return GLFW_KEY_MINUS;
        case view::Key::Zero:
            return GLFW_KEY_0;
        case view::Key::Question:
            return -1;
    }
    return -1;
}

}  // namespace

bool key_went_down(view::Key k, bool ctrl, bool repeats) {
    const int code = glfw_key(k);
    if (code < 0) return false;
    const Press& p = presses[static_cast<std::size_t>(code)];
    return (p.pressed || (repeats && p.repeated)) && p.ctrl == ctrl;
}

std::unique_ptr<Backend> Backend::open(int width, int height, const std::string& title, float scale,
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
    // The windows tile the screen and share one background colour: the clear
    // paints it, the windows draw none. A window background is a blended,
    // textured quad over its whole area; with a software rasteriser
    // (llvmpipe) one full-screen quad costs about 9 ms a frame on this
    // machine, a clear almost nothing (docs/BENCHMARKS.md).
    ImVec4& bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    const ImVec4 clear = bg;
    bg.w = 0.0f;
    // Before ImGui's callbacks: ImGui calls the one installed before it.
    glfwSetKeyCallback(w, on_key);
    ImGui_ImplGlfw_InitForOpenGL(w, true);
    ImGui_ImplOpenGL3_Init("#version 130");

    std::unique_ptr<Backend> b(new Backend());
    b->window_ = w;
    b->clear_ = {clear.x, clear.y, clear.z};
    b->scale_override_ = scale;
    b->base_style_ = std::make_unique<ImGuiStyle>(ImGui::GetStyle());
    std::string why;
    b->font_ = read_system_font(kFontPath, why);
    if (b->font_.empty()) {
        std::cerr << "epscope-gui: " << why
                  << "; using ImGui's built-in font (install fonts-dejavu-core)\n";
    }
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

float Backend::wanted_scale() const {
    float s = scale_override_;
    if (s <= 0) {
        // X11: Xft.dpi / 96; Wayland and macOS: the monitor's scale. The
        // window's, so moving it to another monitor follows that one's.
        float y = 1;
        glfwGetWindowContentScale(win(window_), &s, &y);
        if (!(s > 0)) s = 1;
    }
    return std::clamp(s * zoom_, 0.25f, 8.0f);
}

void Backend::apply_scale(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    ImFontConfig cfg;
    // One texel per pixel, glyphs on whole pixels: crisp with the nearest
    // sampling set below, and the atlas stays small.
    cfg.OversampleH = 1;
    cfg.OversampleV = 1;
    cfg.PixelSnapH = true;
    if (!font_.empty()) {
        cfg.FontDataOwnedByAtlas = false;  // font_ keeps the bytes for the next rebuild
        io.Fonts->AddFontFromMemoryTTF(font_.data(), static_cast<int>(font_.size()),
                                       std::round(kFontPx * scale), &cfg);
    } else {
        cfg.SizePixels = std::round(13.0f * scale);
        io.Fonts->AddFontDefault(&cfg);
    }
    // The GL texture of the old atlas goes, the new one is uploaded.
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
    font_filter_set_ = false;
    ImGuiStyle& style = ImGui::GetStyle();
    style = *base_style_;
    style.ScaleAllSizes(scale);
    scale_ = scale;
}

void Backend::begin_frame(double wait_s) {
    presses.fill(Press{});
    if (wait_s > 0) {
        glfwWaitEventsTimeout(wait_s);
    } else {
        glfwPollEvents();
    }
    // Makes the GL objects (a font texture of the default atlas) on the first
    // frame; the atlas is rebuilt at the frame's scale right after.
    ImGui_ImplOpenGL3_NewFrame();
    if (const float s = wanted_scale(); s != scale_) apply_scale(s);
    if (!font_filter_set_) {
        // The backend made the font atlas with bilinear filtering. ImGui draws
        // text and shapes texel-aligned (1:1), where nearest sampling gives
        // the same pixels; a software rasteriser (llvmpipe) pays for every
        // bilinear fetch on every fragment, solid fills included.
        const auto tex =
            static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(ImGui::GetIO().Fonts->TexID));
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        font_filter_set_ = true;
    }
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Backend::render() {
    finish_ui();
    submit();
}

void Backend::finish_ui() { ImGui::Render(); }

Backend::DrawStats Backend::draw_stats() const {
    DrawStats s;
    const ImDrawData* d = ImGui::GetDrawData();
    if (d == nullptr) return s;
    s.vertices = d->TotalVtxCount;
    s.indices = d->TotalIdxCount;
    for (int i = 0; i < d->CmdListsCount; ++i) {
        const ImDrawList* l = d->CmdLists[i];
        s.commands += l->CmdBuffer.Size;
        for (const ImDrawCmd& c : l->CmdBuffer) {
            if (c.UserCallback != nullptr) continue;
            for (unsigned k = 0; k + 2 < c.ElemCount; k += 3) {
                const ImDrawVert& a = l->VtxBuffer[static_cast<int>(
                    c.VtxOffset + l->IdxBuffer[static_cast<int>(c.IdxOffset + k)])];
                const ImDrawVert& b = l->VtxBuffer[static_cast<int>(
                    c.VtxOffset + l->IdxBuffer[static_cast<int>(c.IdxOffset + k + 1)])];
                const ImDrawVert& e = l->VtxBuffer[static_cast<int>(
                    c.VtxOffset + l->IdxBuffer[static_cast<int>(c.IdxOffset + k + 2)])];
                const float x0 = std::max(std::min({a.pos.x, b.pos.x, e.pos.x}), c.ClipRect.x);
                const float y0 = std::max(std::min({a.pos.y, b.pos.y, e.pos.y}), c.ClipRect.y);
                const float x1 = std::min(std::max({a.pos.x, b.pos.x, e.pos.x}), c.ClipRect.z);
                const float y1 = std::min(std::max({a.pos.y, b.pos.y, e.pos.y}), c.ClipRect.w);
                if (x1 <= x0 || y1 <= y0) continue;
                const float full = std::abs((b.pos.x - a.pos.x) * (e.pos.y - a.pos.y) -
                                            (e.pos.x - a.pos.x) * (b.pos.y - a.pos.y)) /
                                   2;
                const float bbox =
                    (std::max({a.pos.x, b.pos.x, e.pos.x}) -
                     std::min({a.pos.x, b.pos.x, e.pos.x})) *
                    (std::max({a.pos.y, b.pos.y, e.pos.y}) - std::min({a.pos.y, b.pos.y, e.pos.y}));
                // The triangle's share of its bounding box, applied to the clipped box.
                s.area += bbox > 0 ? full * (x1 - x0) * (y1 - y0) / bbox : 0;
            }
        }
    }
    return s;
}

void Backend::submit() {
    int w = 0;
    int h = 0;
    glfwGetFramebufferSize(win(window_), &w, &h);
    glViewport(0, 0, w, h);
    glClearColor(clear_[0], clear_[1], clear_[2], 1.0f);
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
