// One record of the event stream, held in aligned storage. Everything after
// capture (trace file, model, exporters, GUI) consumes Records through a
// RecordSink; nothing downstream sees raw ring-buffer bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <span>

#include "abi.hpp"

namespace epscope::stream {

class Record {
public:
    Record() = default;

    // Builds a record from a fully initialised struct of the ABI, e.g.
    // Record::of(ep_callback{...}). The header's kind and size must be set.
    template <class T>
    static Record of(const T& rec) {
        static_assert(sizeof(T) <= abi::kMaxRecordSize);
        Record r;
        std::memcpy(r.bytes_.data(), &rec, sizeof(T));
        return r;
    }

    const ep_header& header() const { return *reinterpret_cast<const ep_header*>(bytes_.data()); }
    ep_header& header() { return *reinterpret_cast<ep_header*>(bytes_.data()); }
    ep_kind kind() const { return static_cast<ep_kind>(header().kind); }
    std::uint16_t size() const { return header().size; }

    template <class T>
    bool is() const {
        return std::ranges::find(abi::KindOf<T>::kinds, kind()) != std::end(abi::KindOf<T>::kinds);
    }

    // Checked view as the struct of its kind (asserts in debug builds).
    template <class T>
    const T& as() const {
        static_assert(alignof(T) <= 8);
        return *reinterpret_cast<const T*>(bytes_.data());
    }
    template <class T>
    T& as() {
        return *reinterpret_cast<T*>(bytes_.data());
    }

    std::span<const std::byte> bytes() const { return {bytes_.data(), size()}; }
    std::span<std::byte> storage() { return {bytes_.data(), bytes_.size()}; }

private:
    alignas(8) std::array<std::byte, abi::kMaxRecordSize> bytes_{};
};

// The one interface between producers (ring buffer, trace reader, socket) and
// consumers (trace writer, model, printers).
class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual void on_record(const Record& rec) = 0;
    // A record a filter (stream/record_filter.hpp) left out. A view that names
    // kernel addresses names this one's too, so its ids are an unfiltered view's.
    virtual void on_unselected(const Record&) {}
};

}  // namespace epscope::stream
