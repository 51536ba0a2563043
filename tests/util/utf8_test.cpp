// The shared UTF-8 helpers against Python 3.11's own codec, over random byte strings biased
// towards the edge cases (lead bytes, continuation bytes, overlongs, surrogates, U+10FFFF+).
#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run.hpp"
#include "util/random.hpp"

namespace reasonrec {
namespace {

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

// Byte strings that hit every branch of a UTF-8 decoder: valid sequences of each length,
// the boundary lead and second bytes, stray continuations, truncations, long ASCII runs.
std::vector<std::string> edge_case_strings() {
  static const std::vector<std::string> pieces = {"a",
                                                  " ",
                                                  "hello, world",
                                                  "\xC3\xA9",
                                                  "\xE2\x82\xAC",
                                                  "\xF0\x9F\x98\x80",
                                                  "\xEF\xBF\xBD",
                                                  "\x80",
                                                  "\xBF",
                                                  "\xC0\x80",
                                                  "\xC1\xBF",
                                                  "\xC2",
                                                  "\xDF",
                                                  "\xE0\x80\x80",
                                                  "\xE0\xA0\x80",
                                                  "\xE0\x9F",
                                                  "\xED\xA0\x80",
                                                  "\xED\x9F\xBF",
                                                  "\xEE",
                                                  "\xF0\x80\x80\x80",
                                                  "\xF0\x90\x80\x80",
                                                  "\xF4\x8F\xBF\xBF",
                                                  "\xF4\x90\x80\x80",
                                                  "\xF5\x80\x80\x80",
                                                  "\xF8\x88\x80\x80\x80",
                                                  "\xFE",
                                                  "\xFF",
                                                  "\xE2\x82",
                                                  "\xF0\x9F\x98"};
  std::vector<std::string> out;
  for (const auto& piece : pieces) out.push_back(piece);
  Rng rng(derive_seed(2026, "utf8_test"));
  for (int i = 0; i < 1500; ++i) {
    std::string s;
    const auto parts = rng.below(6);
    for (std::uint64_t p = 0; p < parts; ++p) {
      if (rng.below(4) == 0) {
        s += std::string(rng.below(20), 'x');  // long ASCII runs exercise the word-wise scan
      } else {
        s += pieces[rng.below(pieces.size())];
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

struct PythonView {
  bool valid;
  std::vector<char32_t> replaced;  // decode(errors="replace"), as code points
  std::string per_byte;            // one U+FFFD per byte that does not start a valid sequence
};

std::vector<PythonView> python_views(const std::vector<std::string>& inputs) {
  std::vector<std::string> hex;
  for (const auto& s : inputs) hex.push_back(to_hex(s));
  const test::RunResult r = test::run_python(R"PY(
import codecs, json, sys
codecs.register_error("per_byte", lambda e: ("\ufffd", e.start + 1))
out = []
for h in sys.argv[1:]:
    b = bytes.fromhex(h)
    try:
        b.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    out.append([valid, [ord(c) for c in b.decode("utf-8", "replace")],
                b.decode("utf-8", "per_byte").encode("utf-8").hex()])
json.dump(out, sys.stdout)
)PY",
                                             hex);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<PythonView> views;
  for (const auto& row : nlohmann::json::parse(r.out)) {
    PythonView v{row[0].get<bool>(), {}, {}};
    for (const auto& c : row[1]) v.replaced.push_back(c.get<char32_t>());
    const std::string h = row[2].get<std::string>();
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
      v.per_byte += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    }
    views.push_back(std::move(v));
  }
  return views;
}

TEST(Utf8, MatchesPythonCodecOnEdgeCases) {
  const auto inputs = edge_case_strings();
  const auto views = python_views(inputs);
  ASSERT_EQ(views.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& s = inputs[i];
    SCOPED_TRACE(to_hex(s));
    EXPECT_EQ(utf8::is_valid(s), views[i].valid);
    // Python's "replace" handler substitutes one U+FFFD per maximal subpart, like decode().
    std::vector<char32_t> decoded;
    std::string reencoded;
    for (std::size_t pos = 0; pos < s.size();) {
      const utf8::Char c = utf8::decode(s, pos);
      decoded.push_back(c.code_point);
      utf8::append(reencoded, c.code_point);
      pos += c.length;
    }
    EXPECT_EQ(decoded, views[i].replaced);
    EXPECT_EQ(utf8::sanitize(s), reencoded);
    EXPECT_EQ(utf8::length(s), views[i].replaced.size());
    EXPECT_EQ(utf8::sanitize_per_byte(s), views[i].per_byte);
  }
}

TEST(Utf8, EncodeMatchesPythonOnEveryCodePoint) {
  std::string ours;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (c < 0xD800 || c > 0xDFFF) ours += utf8::encode(c);
  }
  const test::RunResult r = test::run_python(R"PY(
import sys
sys.stdout.buffer.write("".join(chr(c) for c in range(0x110000)
                                if not 0xD800 <= c <= 0xDFFF).encode("utf-8"))
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == ours);  // EXPECT_EQ would print megabytes on failure
}

TEST(Utf8, LiteralReplacementCharacterIsValid) {
  const utf8::Char c = utf8::decode("\xEF\xBF\xBD", 0);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.code_point, 0xFFFDu);
  EXPECT_FALSE(utf8::decode("\xFF", 0).valid);
}

TEST(Utf8, LenientDecodingAcceptsAnyWellShapedSequence) {
  // Ill-formed by the standard but shaped right: an overlong NUL, a surrogate, a value
  // past U+10FFFF (F5 lead).
  const auto overlong = utf8::decode_lenient("\xC0\x80", 0);
  EXPECT_EQ(overlong.code_point, 0u);
  EXPECT_EQ(overlong.length, 2u);
  const auto surrogate = utf8::decode_lenient("\xED\xA0\x80", 0);
  EXPECT_EQ(surrogate.code_point, 0xD800u);
  EXPECT_EQ(surrogate.length, 3u);
  const auto beyond = utf8::decode_lenient("\xF5\x80\x80\x80", 0);
  EXPECT_EQ(beyond.code_point, 0x140000u);
  EXPECT_EQ(beyond.length, 4u);
  // A truncated or broken sequence is one invalid byte, wherever it breaks.
  for (const std::string s : {"\xE2\x82", "\xE2\x82x", "\x80", "\xF8\x88\x80\x80\x80"}) {
    const auto c = utf8::decode_lenient(s, 0);
    EXPECT_FALSE(c.valid);
    EXPECT_EQ(c.code_point, 0xFFFDu);
    EXPECT_EQ(c.length, 1u);
  }
}

TEST(Utf8, LenientDecodingAgreesWithStrictOnValidText) {
  for (const auto& s : edge_case_strings()) {
    if (!utf8::is_valid(s)) continue;
    for (std::size_t pos = 0; pos < s.size();) {
      const auto strict = utf8::decode(s, pos);
      const auto lenient = utf8::decode_lenient(s, pos);
      ASSERT_EQ(strict.code_point, lenient.code_point);
      ASSERT_EQ(strict.length, lenient.length);
      pos += strict.length;
    }
  }
}

}  // namespace
}  // namespace reasonrec
