// epoll's event bits in the kernel's own words, one copy for the model, the findings and the
// GUI: the uapi flags from <sys/epoll.h> (libc's spelling of <linux/eventpoll.h>'s values; the
// two headers cannot be included together) and the kernel's EP_PRIVATE_BITS, which no uapi
// header exports. The BPF side has its own copy in bpf/kernel_types.h (no libc there).
#pragma once

#include <sys/epoll.h>

#include <cstdint>

namespace epscope {

// fs/eventpoll.c EP_PRIVATE_BITS: the flags a one-shot item keeps when it fires.
inline constexpr std::uint32_t kEpPrivateBits =
    EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;

}  // namespace epscope
