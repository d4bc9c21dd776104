#include "stream/id_map.hpp"

#include <cstdio>

namespace epscope::stream {

std::string_view addr_space_prefix(AddrSpace space) {
    switch (space) {
        case AddrSpace::Instance:
            return "ep";
        case AddrSpace::Item:
            return "epi";
        case AddrSpace::File:
            return "file";
    }
    return "addr";
}

std::string IdMap::name(AddrSpace space, std::uint64_t addr) {
    if (addr == 0) return {};
    char buf[40];
    if (raw_) {
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
        return buf;
    }
    auto& ids = ids_[static_cast<int>(space)];
    auto [it, inserted] = ids.try_emplace(addr, ids.size() + 1);
    std::string out(addr_space_prefix(space));
    std::snprintf(buf, sizeof buf, "#%llu", static_cast<unsigned long long>(it->second));
    return out + buf;
}

}  // namespace epscope::stream
