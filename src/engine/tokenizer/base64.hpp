#pragma once

#include <string>
#include <string_view>

namespace reasonrec::engine {

// Standard base64 (RFC 4648, '=' padding optional). Throws Error on other characters.
std::string base64_decode(std::string_view text);

}  // namespace reasonrec::engine
