// Stable per-trace names for kernel addresses. Exports show "ep#1", "epi#7"
// instead of kernel pointers (which leak KASLR and differ run to run) unless
// the user asks for raw addresses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace epscope::stream {

// What a kernel address points to; each space is numbered on its own.
enum class AddrSpace { Instance, Item, File };

class IdMap {
public:
    explicit IdMap(bool raw_addresses = false) : raw_(raw_addresses) {}

    // "ep#N" / "epi#N" / "file#N", numbered from 1 in order of first sight; or
    // "0x..." with raw addresses. Address 0 (unknown to the backend) is "".
    std::string name(AddrSpace space, std::uint64_t addr);
    // Numbers `addr` if it is new, as name() would, without writing its name:
    // every view numbers each record's addresses in file order (name_addresses),
    // most of them without printing the record.
    void note(AddrSpace space, std::uint64_t addr);

    bool raw_addresses() const { return raw_; }

private:
    // Address -> number, open addressing (every record's addresses are looked up:
    // a node per entry cost a cache miss each).
    class Numbers {
    public:
        // The number of `addr` (nonzero), given the next one if it is new.
        std::uint64_t number_of(std::uint64_t addr);

    private:
        struct Slot {
            std::uint64_t addr = 0;  // 0: empty (address 0 is never numbered)
            std::uint64_t number = 0;
        };
        std::size_t home(std::uint64_t addr) const;
        void grow();
        std::vector<Slot> slots_;
        std::size_t count_ = 0;
        unsigned shift_ = 64;
    };
    bool raw_;
    Numbers ids_[3];
};

std::string_view addr_space_prefix(AddrSpace space);

// The model's messages (fidelity mismatches) name kernel objects as "ep 0x…",
// "epi 0x…" and "file 0x…": each such address becomes its id ("ep#2"), the
// same as `dump` prints for that trace; unchanged with raw addresses.
std::string name_addresses_in_text(std::string_view text, IdMap& ids);

}  // namespace epscope::stream
