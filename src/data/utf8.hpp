#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reasonrec::data {

bool is_valid_utf8(std::string_view text);
void append_utf8(std::string& out, std::uint32_t code_point);
// Replaces every invalid sequence by U+FFFD.
std::string repair_utf8(std::string_view text);

}  // namespace reasonrec::data
