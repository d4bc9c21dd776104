// The C++ view of bpf/epscope_abi.h: one size per record kind, checked at
// compile time, so the decoder, the trace file and the model agree on layout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" {
#include "epscope_abi.h"
}

namespace epscope::abi {

// The label of the CHECKPOINT the tracer writes when it gives up an fdinfo
// read in verify mode because the instance never stood still
// (capture/fdinfo_checkpoints); the model counts them.
inline constexpr std::string_view kFdinfoBusyLabel = "fdinfo busy";

inline constexpr std::uint32_t kVersion = EPSCOPE_ABI_VERSION;
// ABI 3 only appended SOCK_NAME to ABI 2, ABI 4 FD_CLOSE to ABI 3, ABI 5
// FD_READ to ABI 4: an ABI 2, 3 or 4 trace reads unchanged.
inline constexpr std::uint32_t kOldestReadable = 2;
inline constexpr std::size_t kKindCount = EP_KIND_COUNT;

static_assert(sizeof(ep_header) == 24);
static_assert(sizeof(ep_instance_create) == 48);
static_assert(sizeof(ep_instance_free) == 32);
static_assert(sizeof(ep_item_ctl) == 88);
static_assert(sizeof(ep_item_remove) == 64);
static_assert(sizeof(ep_callback) == 64);
static_assert(sizeof(ep_wakeup) == 48);
static_assert(sizeof(ep_wait_begin) == 56);
static_assert(sizeof(ep_wait_sleep) == 32);
static_assert(sizeof(ep_wait_end) == 40);
static_assert(sizeof(ep_harvest_begin) == 32);
static_assert(sizeof(ep_harvest_item) == 48);
static_assert(sizeof(ep_harvest_end) == 40);
static_assert(sizeof(ep_kernel_node) == 72);
static_assert(sizeof(ep_walk_end) == 48);
static_assert(sizeof(ep_lost) == 32);
static_assert(sizeof(ep_process) == 48);
static_assert(sizeof(ep_fd_name) == 136);
static_assert(sizeof(ep_snapshot_instance) == 56);
static_assert(sizeof(ep_snapshot_item) == 72);
static_assert(sizeof(ep_checkpoint) == 80);
static_assert(sizeof(ep_sock_name) == 88);
static_assert(sizeof(ep_fd_close) == 56);
static_assert(sizeof(ep_fd_read) == 48);

struct KindInfo {
    std::uint16_t size;     // exact record size, header included
    std::string_view name;  // the name used in the CLI, exports and docs
};

// Indexed by ep_kind. Size 0 marks EP_KIND_INVALID: never valid in a stream.
inline constexpr std::array<KindInfo, kKindCount> kKinds = {{
    {0, "invalid"},
    {sizeof(ep_instance_create), "instance_create"},
    {sizeof(ep_instance_free), "instance_free"},
    {sizeof(ep_item_ctl), "item_insert"},
    {sizeof(ep_item_ctl), "item_modify"},
    {sizeof(ep_item_remove), "item_remove"},
    {sizeof(ep_callback), "callback"},
    {sizeof(ep_wakeup), "wakeup"},
    {sizeof(ep_wait_begin), "wait_begin"},
    {sizeof(ep_wait_sleep), "wait_sleep"},
    {sizeof(ep_wait_end), "wait_end"},
    {sizeof(ep_harvest_begin), "harvest_begin"},
    {sizeof(ep_harvest_item), "harvest_item"},
    {sizeof(ep_harvest_end), "harvest_end"},
    {sizeof(ep_kernel_node), "kernel_node"},
    {sizeof(ep_walk_end), "walk_end"},
    {sizeof(ep_lost), "lost"},
    {sizeof(ep_process), "process"},
    {sizeof(ep_fd_name), "fd_name"},
    {sizeof(ep_snapshot_instance), "snapshot_instance"},
    {sizeof(ep_snapshot_item), "snapshot_item"},
    {sizeof(ep_checkpoint), "checkpoint"},
    {sizeof(ep_sock_name), "sock_name"},
    {sizeof(ep_fd_close), "fd_close"},
    {sizeof(ep_fd_read), "fd_read"},
}};

inline constexpr std::size_t kMaxRecordSize = [] {
    std::size_t m = 0;
    for (const auto& k : kKinds) m = k.size > m ? k.size : m;
    return m;
}();

constexpr bool kind_valid(std::uint16_t kind) {
    return kind > EP_KIND_INVALID && kind < EP_KIND_COUNT;
}

constexpr std::uint16_t kind_size(std::uint16_t kind) {
    return kind_valid(kind) ? kKinds[kind].size : 0;
}

constexpr std::string_view kind_name(std::uint16_t kind) {
    return kind_valid(kind) ? kKinds[kind].name : std::string_view{"invalid"};
}

// Does a record of this kind show epoll at work (an instance, item, wait,
// callback, walk or fdinfo snapshot)? Processes, fd names, losses and
// checkpoints alone mean the traced processes never touched epoll.
constexpr bool is_epoll_activity(std::uint16_t kind) {
    return (kind >= EP_KIND_INSTANCE_CREATE && kind <= EP_KIND_WALK_END) ||
           kind == EP_KIND_SNAPSHOT_INSTANCE || kind == EP_KIND_SNAPSHOT_ITEM;
}

// Maps a record struct to its kind(s); used by Record::as<T>() to check casts.
template <class T>
struct KindOf;
template <>
struct KindOf<ep_instance_create> {
    static constexpr ep_kind kinds[] = {EP_KIND_INSTANCE_CREATE};
};
template <>
struct KindOf<ep_instance_free> {
    static constexpr ep_kind kinds[] = {EP_KIND_INSTANCE_FREE};
};
template <>
struct KindOf<ep_item_ctl> {
    static constexpr ep_kind kinds[] = {EP_KIND_ITEM_INSERT, EP_KIND_ITEM_MODIFY};
};
template <>
struct KindOf<ep_item_remove> {
    static constexpr ep_kind kinds[] = {EP_KIND_ITEM_REMOVE};
};
template <>
struct KindOf<ep_callback> {
    static constexpr ep_kind kinds[] = {EP_KIND_CALLBACK};
};
template <>
struct KindOf<ep_wakeup> {
    static constexpr ep_kind kinds[] = {EP_KIND_WAKEUP};
};
template <>
struct KindOf<ep_wait_begin> {
    static constexpr ep_kind kinds[] = {EP_KIND_WAIT_BEGIN};
};
template <>
struct KindOf<ep_wait_sleep> {
    static constexpr ep_kind kinds[] = {EP_KIND_WAIT_SLEEP};
};
template <>
struct KindOf<ep_wait_end> {
    static constexpr ep_kind kinds[] = {EP_KIND_WAIT_END};
};
template <>
struct KindOf<ep_harvest_begin> {
    static constexpr ep_kind kinds[] = {EP_KIND_HARVEST_BEGIN};
};
template <>
struct KindOf<ep_harvest_item> {
    static constexpr ep_kind kinds[] = {EP_KIND_HARVEST_ITEM};
};
template <>
struct KindOf<ep_harvest_end> {
    static constexpr ep_kind kinds[] = {EP_KIND_HARVEST_END};
};
template <>
struct KindOf<ep_kernel_node> {
    static constexpr ep_kind kinds[] = {EP_KIND_KERNEL_NODE};
};
template <>
struct KindOf<ep_walk_end> {
    static constexpr ep_kind kinds[] = {EP_KIND_WALK_END};
};
template <>
struct KindOf<ep_lost> {
    static constexpr ep_kind kinds[] = {EP_KIND_LOST};
};
template <>
struct KindOf<ep_process> {
    static constexpr ep_kind kinds[] = {EP_KIND_PROCESS};
};
template <>
struct KindOf<ep_fd_name> {
    static constexpr ep_kind kinds[] = {EP_KIND_FD_NAME};
};
template <>
struct KindOf<ep_snapshot_instance> {
    static constexpr ep_kind kinds[] = {EP_KIND_SNAPSHOT_INSTANCE};
};
template <>
struct KindOf<ep_snapshot_item> {
    static constexpr ep_kind kinds[] = {EP_KIND_SNAPSHOT_ITEM};
};
template <>
struct KindOf<ep_checkpoint> {
    static constexpr ep_kind kinds[] = {EP_KIND_CHECKPOINT};
};
template <>
struct KindOf<ep_sock_name> {
    static constexpr ep_kind kinds[] = {EP_KIND_SOCK_NAME};
};
template <>
struct KindOf<ep_fd_close> {
    static constexpr ep_kind kinds[] = {EP_KIND_FD_CLOSE};
};
template <>
struct KindOf<ep_fd_read> {
    static constexpr ep_kind kinds[] = {EP_KIND_FD_READ};
};

}  // namespace epscope::abi
