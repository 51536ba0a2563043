#pragma once

// Which bytes of a sample's text can be streamed before the sample ends.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace reasonrec::engine {

// How many leading bytes of `text` (a running sample's text, which holds no complete stop
// string) are final: not the start of a stop string that later tokens could complete (that
// text would be cut), nor part of an incomplete trailing UTF-8 sequence.
std::size_t final_bytes(std::string_view text, std::span<const std::string> stops);

}  // namespace reasonrec::engine
