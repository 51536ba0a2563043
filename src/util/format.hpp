#pragma once

#include <cstdint>
#include <string>

namespace reasonrec {

// 1234567 -> "1,234,567"
std::string with_commas(std::uint64_t value);
// Seconds as "45s", "3m05s", "2h03m".
std::string human_duration(double seconds);
// Bytes as "512 B", "1.5 MiB", ...
std::string human_bytes(double bytes);

}  // namespace reasonrec
