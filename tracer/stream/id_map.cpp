#include "stream/id_map.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>

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

// Fibonacci hashing: kernel addresses differ in their middle bits.
std::size_t IdMap::Numbers::home(std::uint64_t addr) const {
    return static_cast<std::size_t>((addr * 0x9e3779b97f4a7c15ull) >> shift_);
}

void IdMap::Numbers::grow() {
    std::vector<Slot> old = std::move(slots_);
    const std::size_t size = old.empty() ? 64 : old.size() * 2;
    slots_.assign(size, Slot{});
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(size));
    for (const Slot& s : old) {
        if (s.addr == 0) continue;
        std::size_t i = home(s.addr);
        while (slots_[i].addr != 0) i = (i + 1) & (slots_.size() - 1);
        slots_[i] = s;
    }
}

std::uint64_t IdMap::Numbers::number_of(std::uint64_t addr) {
    if ((count_ + 1) * 2 > slots_.size()) grow();  // at most half full
    std::size_t i = home(addr);
    while (slots_[i].addr != 0) {
        if (slots_[i].addr == addr) return slots_[i].number;
        i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = {addr, ++count_};
    return count_;
}

void IdMap::note(AddrSpace space, std::uint64_t addr) {
    if (addr == 0 || raw_) return;
    ids_[static_cast<int>(space)].number_of(addr);
}

std::string IdMap::name(AddrSpace space, std::uint64_t addr) {
    if (addr == 0) return {};
    char buf[40];
    if (raw_) {
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
        return buf;
    }
    const std::uint64_t number = ids_[static_cast<int>(space)].number_of(addr);
    std::string out(addr_space_prefix(space));
    out += '#';
    const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
    out.append(buf, end);
    return out;
}

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The address after "WORD 0x" at text[at], if a whole such token starts there.
bool address_at(std::string_view text, std::size_t at, std::string_view word, std::uint64_t& addr,
                std::size_t& end) {
    if (at > 0 && word_char(text[at - 1])) return false;
    if (text.substr(at, word.size()) != word) return false;
    std::size_t digits = at + word.size();
    end = digits;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == digits || (end < text.size() && word_char(text[end]))) return false;
    addr = std::strtoull(std::string(text.substr(digits, end - digits)).c_str(), nullptr, 16);
    return addr != 0;
}

}  // namespace

std::string name_addresses_in_text(std::string_view text, IdMap& ids) {
    if (ids.raw_addresses()) return std::string(text);
    static constexpr std::pair<std::string_view, AddrSpace> kWords[] = {
        {"ep 0x", AddrSpace::Instance}, {"epi 0x", AddrSpace::Item}, {"file 0x", AddrSpace::File}};
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool named = false;
        for (const auto& [word, space] : kWords) {
            std::uint64_t addr = 0;
            std::size_t end = 0;
            if (address_at(text, i, word, addr, end)) {
                out += ids.name(space, addr);
                i = end;
                named = true;
                break;
            }
        }
        if (!named) out += text[i++];
    }
    return out;
}

}  // namespace epscope::stream
