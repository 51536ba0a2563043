// Half and bfloat16 conversions against torch's own conversions, exhaustively for widening.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/raw_file.hpp"
#include "engine/checkpoint/dtype.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::engine {
namespace {

TEST(DType, NamesAndSizesFollowTheFormat) {
  for (const auto& [name, size] : std::vector<std::pair<std::string, std::size_t>>{{"F64", 8},
                                                                                   {"F32", 4},
                                                                                   {"F16", 2},
                                                                                   {"BF16", 2},
                                                                                   {"I64", 8},
                                                                                   {"I32", 4},
                                                                                   {"I16", 2},
                                                                                   {"I8", 1},
                                                                                   {"U8", 1},
                                                                                   {"BOOL", 1}}) {
    const auto dtype = parse_dtype(name);
    ASSERT_TRUE(dtype.has_value()) << name;
    EXPECT_EQ(dtype_name(*dtype), name);
    EXPECT_EQ(dtype_size(*dtype), size) << name;
  }
  EXPECT_FALSE(parse_dtype("f32").has_value());
  EXPECT_FALSE(parse_dtype("U16").has_value());
  EXPECT_FALSE(parse_dtype("").has_value());
}

// Every 16-bit pattern, widened by torch (.view(float16 / bfloat16).float()).
constexpr const char* kWidenAll = R"PY(
import sys, torch
bits = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
with open(sys.argv[1], "wb") as f:
    f.write(bits.view(torch.float16).float().view(torch.int32).numpy().tobytes())
    f.write(bits.view(torch.bfloat16).float().view(torch.int32).numpy().tobytes())
)PY";

TEST(DType, WideningMatchesTorchForEveryBitPattern) {
  const auto path = test::scratch_dir() / "widened.bin";
  const auto run = test::run_python(kWidenAll, {path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto bytes = test::read_bytes(path);
  ASSERT_EQ(bytes.size(), 2u * 65536u * 4u);
  int mismatches = 0;
  for (int table = 0; table < 2; ++table) {
    for (std::uint32_t i = 0; i < 65536; ++i) {
      // torch enumerated int16 from -32768, i.e. bit patterns 0x8000..0xffff then 0..0x7fff.
      const auto bits = static_cast<std::uint16_t>((i + 0x8000u) & 0xffffu);
      std::uint32_t expected = 0;
      std::memcpy(&expected, bytes.data() + (table * 65536u + i) * 4u, 4);
      const float ours = table == 0 ? f16_to_f32(bits) : bf16_to_f32(bits);
      if (std::bit_cast<std::uint32_t>(ours) != expected && mismatches++ < 10) {
        ADD_FAILURE() << (table == 0 ? "F16 " : "BF16 ") << std::hex << bits << ": ours "
                      << std::bit_cast<std::uint32_t>(ours) << ", torch " << expected;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Narrowing of the given float32 bit patterns by torch (.half() / .bfloat16()).
constexpr const char* kNarrow = R"PY(
import sys, torch
data = open(sys.argv[1], "rb").read()
values = torch.frombuffer(bytearray(data), dtype=torch.float32)
with open(sys.argv[2], "wb") as f:
    f.write(values.half().view(torch.int16).numpy().tobytes())
    f.write(values.bfloat16().view(torch.int16).numpy().tobytes())
)PY";

TEST(DType, NarrowingMatchesTorchRounding) {
  // Edge cases (ties, overflow thresholds, subnormal boundaries) and a deterministic sweep.
  std::vector<std::uint32_t> patterns{
      0x00000000, 0x80000000, 0x3f800000, 0x477fe000, 0x477fefff, 0x477ff000, 0x477ff001,
      0x7f7fffff, 0x7f800000, 0xff800000, 0x38800000, 0x387fffff, 0x33800000, 0x33000000,
      0x33000001, 0x32ffffff, 0x337fffff, 0x00000001, 0x3f801000, 0x3f803000, 0x3f808000,
      0x3f818000, 0x3f800fff, 0x3f807fff, 0x3f80ffff, 0x7f7f8000, 0x7f7fc000, 0x387fe000,
      0x387ff000, 0x38000000, 0x37ffffff};
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 200000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const auto bits = static_cast<std::uint32_t>(state >> 32);
    if (std::isnan(std::bit_cast<float>(bits))) continue;  // NaN payloads: checked below
    patterns.push_back(bits);
  }
  const auto dir = test::scratch_dir();
  test::write_bytes(dir / "in.bin", test::bytes_of(patterns));
  const auto run =
      test::run_python(kNarrow, {(dir / "in.bin").string(), (dir / "out.bin").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = test::read_bytes(dir / "out.bin");
  ASSERT_EQ(out.size(), patterns.size() * 4);
  int mismatches = 0;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const float value = std::bit_cast<float>(patterns[i]);
    std::uint16_t half = 0, brain = 0;
    std::memcpy(&half, out.data() + i * 2, 2);
    std::memcpy(&brain, out.data() + patterns.size() * 2 + i * 2, 2);
    if (f32_to_f16(value) != half && mismatches++ < 10) {
      ADD_FAILURE() << std::hex << "F16 of " << patterns[i] << ": ours " << f32_to_f16(value)
                    << ", torch " << half;
    }
    if (f32_to_bf16(value) != brain && mismatches++ < 10) {
      ADD_FAILURE() << std::hex << "BF16 of " << patterns[i] << ": ours " << f32_to_bf16(value)
                    << ", torch " << brain;
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(std::nanf("")))));
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(-std::nanf("")))));
}

}  // namespace
}  // namespace reasonrec::engine
