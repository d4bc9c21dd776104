// What a socket is called, as text: one wording for the names read from /proc
// (capture/proc_snapshot) and those BPF read from struct sock (SOCK_NAME):
// "TCP 127.0.0.1:8080->127.0.0.1:51234", "TCP [::1]:8080 (listening)".
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include "epscope_abi.h"
}

namespace epscope::stream {

// "127.0.0.1:8080" (AF_INET: 4 bytes) or "[::1]:8080" (AF_INET6: 16 bytes);
// addr in network order, port in host order.
std::string endpoint_text(int family, const void* addr, std::uint16_t port);

// "TCP local->peer", "TCP local (listening)" or "UDP local".
std::string inet_socket_text(const char* protocol, int family, const void* local,
                             std::uint16_t local_port, const void* peer, std::uint16_t peer_port,
                             bool listening);

struct SockNameText {
    ep_fd_type type = EP_FD_UNKNOWN;
    std::string name;
    bool complete = false;  // false: an unconnected stream socket, or AF_UNIX: ask /proc
};

SockNameText sock_name_text(const ep_sock_name& r);

}  // namespace epscope::stream
