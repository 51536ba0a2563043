#include "engine/checkpoint/dtype.hpp"

#include <array>
#include <bit>
#include <utility>

namespace reasonrec::engine {

namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;
  int alignment_rank;
};

// alignment_rank follows the order of the reference implementation's Dtype enum.
constexpr std::array<DTypeInfo, 10> kDTypes{{
    {DType::F64, "F64", 8, 8},
    {DType::F32, "F32", 4, 7},
    {DType::F16, "F16", 2, 4},
    {DType::BF16, "BF16", 2, 5},
    {DType::I64, "I64", 8, 9},
    {DType::I32, "I32", 4, 6},
    {DType::I16, "I16", 2, 3},
    {DType::I8, "I8", 1, 2},
    {DType::U8, "U8", 1, 1},
    {DType::Bool, "BOOL", 1, 0},
}};

const DTypeInfo& info(DType dtype) {
  return kDTypes[static_cast<std::size_t>(dtype)];
}

}  // namespace

std::size_t dtype_size(DType dtype) {
  return info(dtype).size;
}

std::string_view dtype_name(DType dtype) {
  return info(dtype).name;
}

int dtype_alignment_rank(DType dtype) {
  return info(dtype).alignment_rank;
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

bool is_floating(DType dtype) {
  return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

float f16_to_f32(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  std::uint32_t mantissa = bits & 0x3ffu;
  std::uint32_t out = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      out = sign;
    } else {
      // Subnormal half: renormalise, so that it becomes a normal float.
      std::uint32_t exponent32 = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent32;
      }
      out = sign | (exponent32 << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 0x1f) {
    // Infinity, or NaN with its payload; a signalling NaN comes out quiet, as the F16C
    // instruction (and so torch) makes it.
    out = sign | 0x7f800000u | (mantissa << 13) | (mantissa != 0 ? 0x400000u : 0u);
  } else {
    out = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(out);
}

float bf16_to_f32(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint16_t f32_to_bf16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // torch's canonical NaN
  const std::uint32_t rounding_bias = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>((bits + rounding_bias) >> 16);
}

std::uint16_t f32_to_f16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return sign | 0x7e00u;  // NaN
  // 65520 is halfway between the largest half (65504) and 2^16; ties go to even, i.e. to inf.
  if (magnitude >= 0x477ff000u) return sign | 0x7c00u;
  if (magnitude < 0x38800000u) {
    // Below the smallest normal half: the result is subnormal (or zero), i.e. the value in
    // units of 2^-24, rounded to nearest even.
    const std::uint32_t exponent = magnitude >> 23;
    const std::uint32_t mantissa = (magnitude & 0x7fffffu) | (exponent == 0 ? 0u : 0x800000u);
    const std::uint32_t shift = 126 - exponent;
    if (exponent == 0 || shift >= 25) return sign;
    std::uint32_t quotient = mantissa >> shift;
    const std::uint32_t remainder = mantissa & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1);
    if (remainder > half || (remainder == half && (quotient & 1u) != 0)) ++quotient;
    return static_cast<std::uint16_t>(sign | quotient);
  }
  std::uint32_t half_bits = (magnitude >> 13) - ((127u - 15u) << 10);
  const std::uint32_t remainder = magnitude & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half_bits & 1u) != 0)) ++half_bits;
  return static_cast<std::uint16_t>(sign | half_bits);
}

}  // namespace reasonrec::engine
