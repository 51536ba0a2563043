#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace reasonrec::engine {

struct DecodeMode {
  bool sequence_start = true;  // the first token begins the text (Metaspace, WordPiece)
  bool sequence_end = true;    // the last token ends the text (BPEDecoder's suffix)
  bool raw_bytes = false;      // keep invalid UTF-8 bytes instead of U+FFFD (token_bytes)
  // An earlier step of a Sequence joined the tokens into one piece of the text (Fuse,
  // ByteLevel): a per-token step such as Strip then acts on the text's start and end only.
  bool joined = false;
};

// A tokenizer.json "decoder": turns token strings back into text pieces (HF decode_chain).
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens,
                                                const DecodeMode& mode) const = 0;
  // Whether decode_chain returns the tokens joined into one piece.
  virtual bool joins_tokens() const { return false; }
};

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config);

}  // namespace reasonrec::engine
