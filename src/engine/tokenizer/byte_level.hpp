#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE.
namespace reasonrec::engine::byte_level {

// The UTF-8 text of the character that stands for `byte`.
const std::string& char_of(std::uint8_t byte);
std::optional<std::uint8_t> byte_of(char32_t character);
std::string encode(std::string_view bytes);
// Maps every character back to its byte; nullopt if one is not a byte-level character.
std::optional<std::string> decode(std::string_view text);

// GPT-2's pre-tokenization regex.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace reasonrec::engine::byte_level
