#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/checkpoint/dtype.hpp"

namespace reasonrec::engine {

// One tensor of a safetensors file: little-endian, row-major bytes inside the file's mapping.
// Valid as long as the SafetensorsFile it came from (or its keep_alive() handle) lives.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;  // [] is a scalar (one element)
  std::span<const std::byte> data;

  std::int64_t numel() const;
};

// A safetensors file (https://huggingface.co/docs/safetensors), memory-mapped and fully
// validated on open, with the same acceptance rules as the reference Rust crate: the tensors'
// data_offsets must tile the data section exactly (no overlap, no gap, nothing after the last
// tensor) and each tensor's byte count must equal numel * element size. docs/checkpoints.md
// lists every rule. Any violation throws InputError naming the file and the tensor.
class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::filesystem::path& path);

  // Parses a file's bytes held in memory (tests, fuzzing); `name` stands in for the path in
  // errors.
  static SafetensorsFile parse(std::vector<std::byte> bytes,
                               std::filesystem::path name = "<memory>");

  const std::filesystem::path& path() const { return path_; }

  // In file order (ascending data_offsets).
  const std::vector<TensorView>& tensors() const { return tensors_; }

  // nullptr when absent.
  const TensorView* find(std::string_view name) const;

  // The header's "__metadata__" map (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Owns the bytes every TensorView points into. Holding a copy keeps them valid after this
  // object is gone (zero-copy torch tensors keep the mapping alive this way).
  const std::shared_ptr<const void>& keep_alive() const { return owner_; }

 private:
  SafetensorsFile() = default;
  void load(std::span<const std::byte> bytes);

  std::filesystem::path path_;
  std::shared_ptr<const void> owner_;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::size_t, std::less<>> by_name_;
  std::map<std::string, std::string> metadata_;
};

// A tensor to serialise; data must hold exactly numel * dtype_size(dtype) bytes, little-endian
// and row-major.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> data;
};

// The bytes of a safetensors file laid out like the reference writer: tensors ordered by
// descending element alignment then by name, contiguous; header JSON compact, "__metadata__"
// first (omitted when empty, keys sorted), padded with spaces to a multiple of 8 bytes so that
// every tensor is aligned to its element size. Throws Error for duplicate or reserved names,
// negative dimensions, or data whose size disagrees with the shape.
std::vector<std::byte> serialize_safetensors(
    std::span<const TensorToWrite> tensors,
    const std::map<std::string, std::string>& metadata = {});

// Writes the same bytes to `path` atomically (temporary file beside it, then rename), streaming
// the tensor data rather than building the whole file in memory.
void write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The tensor's values as floats (exact for F16 and BF16). InputError for other dtypes.
std::vector<float> to_f32(const TensorView& tensor);

// The same into caller-provided memory of exactly numel() floats (e.g. a torch tensor's).
void to_f32(const TensorView& tensor, std::span<float> out);

}  // namespace reasonrec::engine
