#include "stream/sock_name.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace epscope::stream {
namespace {

constexpr std::uint8_t kTcpListen = 10;  // include/net/tcp_states.h

bool all_zero(const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (p[i]) return false;
    return true;
}

}  // namespace

std::string endpoint_text(int family, const void* addr, std::uint16_t port) {
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, addr, ip, sizeof(ip));
    if (family == AF_INET6) return "[" + std::string(ip) + "]:" + std::to_string(port);
    return std::string(ip) + ":" + std::to_string(port);
}

std::string inet_socket_text(const char* protocol, int family, const void* local,
                             std::uint16_t local_port, const void* peer, std::uint16_t peer_port,
                             bool listening) {
    std::string name = std::string(protocol) + " " + endpoint_text(family, local, local_port);
    const std::size_t len = family == AF_INET6 ? 16 : 4;
    if (listening)
        name += " (listening)";
    else if (peer_port != 0 || !all_zero(static_cast<const std::uint8_t*>(peer), len))
        name += "->" + endpoint_text(family, peer, peer_port);
    return name;
}

SockNameText sock_name_text(const ep_sock_name& r) {
    if (r.family == AF_UNIX) return {EP_FD_UNIX, "unix", false};
    if (r.family != AF_INET && r.family != AF_INET6)
        return {EP_FD_SOCKET, "socket family " + std::to_string(r.family), true};
    // struct socket's type, not sk_protocol: a stream inet socket is TCP
    // (MPTCP and SCTP aside), a datagram one UDP.
    const bool stream = r.type == SOCK_STREAM;
    if (!stream && r.type != SOCK_DGRAM)
        return {EP_FD_SOCKET, "socket type " + std::to_string(r.type), true};
    const bool listening = stream && r.state == kTcpListen;
    SockNameText t;
    t.type = stream ? EP_FD_TCP : EP_FD_UDP;
    t.name = inet_socket_text(stream ? "TCP" : "UDP", r.family, r.local_addr, r.local_port,
                              r.peer_addr, r.peer_port, listening);
    t.complete = !stream || listening || r.peer_port != 0;
    return t;
}

}  // namespace epscope::stream
