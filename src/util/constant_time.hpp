#pragma once

#include <string_view>

namespace reasonrec {

// Whether two secrets are equal, in time that depends only on their lengths, not on where they
// first differ (a byte-by-byte early exit lets a remote client guess a token one byte at a time).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace reasonrec
