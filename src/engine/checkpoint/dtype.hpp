#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace reasonrec::engine {

// The element types of safetensors files that the engine reads and writes. The spelling in
// files is "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL".
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

// Bytes per element.
std::size_t dtype_size(DType dtype);

// The safetensors spelling ("F32", "BOOL", ...).
std::string_view dtype_name(DType dtype);

// Parses the safetensors spelling; nullopt for anything else (including F8_*, U16..U64, C64,
// which the format knows but the engine does not use).
std::optional<DType> parse_dtype(std::string_view name);

// Rank in the reference writer's dtype order (BOOL < U8 < I8 < I16 < F16 < BF16 < I32 < F32 <
// F64 < I64). The reference writes tensors by descending rank, then by name, so that wider
// elements come first and every tensor stays aligned to its element size.
int dtype_alignment_rank(DType dtype);

bool is_floating(DType dtype);

// Exact widening conversions: every half and bfloat16 value is representable in float,
// subnormals and infinities included; NaN payloads are kept (a signalling F16 NaN is quieted,
// as torch does).
float f16_to_f32(std::uint16_t bits);
float bf16_to_f32(std::uint16_t bits);

// Narrowing conversions with round-to-nearest-even, as torch's .half() / .bfloat16() do.
// Overflow gives infinity; NaN stays a (quiet) NaN.
std::uint16_t f32_to_f16(float value);
std::uint16_t f32_to_bf16(float value);

}  // namespace reasonrec::engine
