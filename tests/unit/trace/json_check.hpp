// A small strict JSON syntax checker (RFC 8259) for the export tests: says
// whether a text is one valid JSON value, and counts objects on the way.
#pragma once

#include <cctype>
#include <cstddef>
#include <string_view>

namespace epscope::testing {

class JsonCheck {
public:
    explicit JsonCheck(std::string_view s) : s_(s) {}

    bool valid() {
        ws();
        if (!value(0)) return false;
        ws();
        return p_ == s_.size();
    }
    std::size_t objects() const { return objects_; }

private:
    bool value(int depth) {
        if (depth > 64 || p_ >= s_.size()) return false;
        char c = s_[p_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return string();
        if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number();
        return literal("true") || literal("false") || literal("null");
    }
    bool object(int depth) {
        ++p_;
        ++objects_;
        ws();
        if (eat('}')) return true;
        for (;;) {
            ws();
            if (!string()) return false;
            ws();
            if (!eat(':')) return false;
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (eat('}')) return true;
            if (!eat(',')) return false;
        }
    }
    bool array(int depth) {
        ++p_;
        ws();
        if (eat(']')) return true;
        for (;;) {
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (eat(']')) return true;
            if (!eat(',')) return false;
        }
    }
    bool string() {
        if (!eat('"')) return false;
        while (p_ < s_.size()) {
            unsigned char c = static_cast<unsigned char>(s_[p_++]);
            if (c == '"') return true;
            if (c < 0x20 || c >= 0x80) return false;  // exports are pure ASCII
            if (c == '\\') {
                if (p_ >= s_.size()) return false;
                char e = s_[p_++];
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i)
                        if (p_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[p_++])))
                            return false;
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    return false;
                }
            }
        }
        return false;
    }
    bool number() {
        std::size_t start = p_;
        eat('-');
        if (!digits()) return false;
        if (s_[start] == '-' ? (s_[start + 1] == '0' && p_ - start > 2)
                             : (s_[start] == '0' && p_ - start > 1))
            return false;  // no leading zeros
        if (eat('.') && !digits()) return false;
        if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
            ++p_;
            if (!eat('+')) eat('-');
            if (!digits()) return false;
        }
        return true;
    }
    bool digits() {
        std::size_t start = p_;
        while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) ++p_;
        return p_ > start;
    }
    bool literal(std::string_view w) {
        if (s_.substr(p_, w.size()) != w) return false;
        p_ += w.size();
        return true;
    }
    bool eat(char c) {
        if (p_ < s_.size() && s_[p_] == c) {
            ++p_;
            return true;
        }
        return false;
    }
    void ws() {
        while (p_ < s_.size() &&
               (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\t' || s_[p_] == '\r'))
            ++p_;
    }

    std::string_view s_;
    std::size_t p_ = 0;
    std::size_t objects_ = 0;
};

inline bool json_valid(std::string_view s) { return JsonCheck(s).valid(); }

}  // namespace epscope::testing
