// Explicit little-endian encoding of the trace file's own structures (file
// header, chunk header, index, trailer): never raw host structs, so the
// format does not depend on compiler padding or host byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace epscope::trace {

class ByteWriter {
public:
    void u8(std::uint8_t v) { buf_.push_back(static_cast<std::byte>(v)); }
    void u16(std::uint16_t v) { put(v, 2); }
    void u32(std::uint32_t v) { put(v, 4); }
    void u64(std::uint64_t v) { put(v, 8); }
    void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
    void bytes(std::span<const std::byte> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
    // Length-prefixed (u32) string.
    void str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        bytes(std::as_bytes(std::span(s.data(), s.size())));
    }
    const std::vector<std::byte>& data() const { return buf_; }
    std::vector<std::byte>& data() { return buf_; }
    std::size_t size() const { return buf_.size(); }

private:
    void put(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) buf_.push_back(static_cast<std::byte>(v >> (8 * i)));
    }
    std::vector<std::byte> buf_;
};

// Reads from a bounded span; every getter returns false once the span is
// exhausted (and keeps returning false), so callers check once at the end.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::byte> b) : buf_(b) {}

    bool u8(std::uint8_t& v) { return get(v, 1); }
    bool u16(std::uint16_t& v) { return get(v, 2); }
    bool u32(std::uint32_t& v) { return get(v, 4); }
    bool u64(std::uint64_t& v) { return get(v, 8); }
    bool i64(std::int64_t& v) {
        std::uint64_t u;
        if (!get(u, 8)) return false;
        v = static_cast<std::int64_t>(u);
        return true;
    }
    bool str(std::string& s, std::size_t max_len) {
        std::uint32_t n;
        if (!u32(n) || n > max_len || n > remaining()) return fail();
        s.assign(reinterpret_cast<const char*>(buf_.data() + pos_), n);
        pos_ += n;
        return true;
    }
    bool ok() const { return ok_; }
    std::size_t pos() const { return pos_; }
    std::size_t remaining() const { return buf_.size() - pos_; }

private:
    template <class U>
    bool get(U& v, std::size_t n) {
        if (!ok_ || remaining() < n) return fail();
        std::uint64_t x = 0;
        for (std::size_t i = 0; i < n; ++i)
            x |= static_cast<std::uint64_t>(buf_[pos_ + i]) << (8 * i);
        v = static_cast<U>(x);
        pos_ += n;
        return true;
    }
    bool fail() {
        ok_ = false;
        return false;
    }
    std::span<const std::byte> buf_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace epscope::trace
