// Cross-checks against independent references: files written by a separate Python writer that
// follows the published format (values from torch), read by our reader; files written by our
// writer, read by a separate Python reader and decoded by torch. (The `safetensors` Python
// package is not installed here, so the references follow the format specification directly.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkpoint/raw_file.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::engine {
namespace {

using nlohmann::json;
using test::bytes_of;

// Writes tensors in name order, with an unpadded header (so that data is unaligned) and
// Python's default JSON spacing, plus the float32 bit patterns torch gives each float tensor.
constexpr const char* kPythonWriter = R"PY(
import json, struct, sys, torch
torch.manual_seed(7)
path, expected_path = sys.argv[1], sys.argv[2]
special = [float('inf'), float('-inf'), float('nan'), 6e-8, -6e-8, 65504.0, 1e-5, -0.0, 0.0, 1/3]
tensors = {
    "w.f32": torch.randn(3, 5),
    "w.f16": torch.cat([torch.randn(12) * 100, torch.tensor(special)]).half().reshape(2, 11),
    "w.bf16": torch.cat([torch.randn(7) * 1e-3, torch.tensor(special + [1e-40, 3e38])]).bfloat16(),
    "w.f64": torch.randn(2, 2, dtype=torch.float64),
    "ids.i64": torch.tensor([-5, 2**40, 7]),
    "ids.i32": torch.tensor([[1, -2]], dtype=torch.int32),
    "ids.i16": torch.tensor([-32768, 32767], dtype=torch.int16),
    "ids.i8": torch.tensor([-128, 5, 127], dtype=torch.int8),
    "ids.u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
    "mask": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
}
names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
         torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
         torch.uint8: "U8", torch.bool: "BOOL"}
def raw(t):
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.contiguous().numpy().tobytes()
header, data, expected = {"__metadata__": {"source": "python"}}, b"", {}
for name in sorted(tensors):
    t = tensors[name]
    blob = raw(t)
    header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                    "data_offsets": [len(data), len(data) + len(blob)]}
    data += blob
    entry = {"dtype": names[t.dtype], "shape": list(t.shape)}
    if t.is_floating_point():
        entry["f32_bits"] = t.float().reshape(-1).view(torch.int32).tolist()
    else:
        entry["ints"] = t.reshape(-1).long().tolist()
    expected[name] = entry
text = json.dumps(header).encode()
if len(text) % 4 == 0:
    text += b" "  # keep the data misaligned on purpose
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
with open(expected_path, "w") as f:
    json.dump(expected, f)
)PY";

template <typename T>
std::vector<std::int64_t> ints_of(const TensorView& view) {
  std::vector<std::int64_t> out(view.data.size() / sizeof(T));
  for (std::size_t i = 0; i < out.size(); ++i) {
    T value{};
    std::memcpy(&value, view.data.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<std::int64_t>(value);
  }
  return out;
}

std::vector<std::int64_t> ints_of_view(const TensorView& view) {
  switch (view.dtype) {
    case DType::I64:
      return ints_of<std::int64_t>(view);
    case DType::I32:
      return ints_of<std::int32_t>(view);
    case DType::I16:
      return ints_of<std::int16_t>(view);
    case DType::I8:
      return ints_of<std::int8_t>(view);
    default:
      return ints_of<std::uint8_t>(view);
  }
}

TEST(SafetensorsReference, ReadsFilesFromAnIndependentWriter) {
  const auto dir = test::scratch_dir();
  const auto path = dir / "python.safetensors";
  const auto expected_path = dir / "expected.json";
  const auto run = test::run_python(kPythonWriter, {path.string(), expected_path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const auto file = SafetensorsFile::open(path);
  std::ifstream in(expected_path);
  const json expected = json::parse(in);
  EXPECT_EQ(file.metadata().at("source"), "python");
  ASSERT_EQ(file.tensors().size(), expected.size());
  bool saw_unaligned = false;
  for (const auto& [name, entry] : expected.items()) {
    SCOPED_TRACE(name);
    const TensorView* view = file.find(name);
    ASSERT_NE(view, nullptr);
    EXPECT_EQ(dtype_name(view->dtype), entry["dtype"].get<std::string>());
    EXPECT_EQ(view->shape, entry["shape"].get<std::vector<std::int64_t>>());
    if (reinterpret_cast<std::uintptr_t>(view->data.data()) % dtype_size(view->dtype) != 0) {
      saw_unaligned = true;
    }
    if (entry.contains("f32_bits")) {
      std::vector<std::int32_t> bits;
      for (const float value : to_f32(*view)) bits.push_back(std::bit_cast<std::int32_t>(value));
      EXPECT_EQ(bits, entry["f32_bits"].get<std::vector<std::int32_t>>());
    } else {
      EXPECT_EQ(ints_of_view(*view), entry["ints"].get<std::vector<std::int64_t>>());
    }
  }
  EXPECT_TRUE(saw_unaligned) << "the reference file was meant to exercise unaligned reads";
}

// Checks the layout rules on our file and prints every tensor decoded by torch.
constexpr const char* kPythonReader = R"PY(
import json, struct, sys, torch
blob = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", blob[:8])
assert n % 8 == 0, "header not padded to 8 bytes"
header = json.loads(blob[8:8 + n].decode("utf-8"))
meta = header.pop("__metadata__", {})
types = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
         "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
         "U8": torch.uint8, "BOOL": torch.bool}
out, end = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    assert set(info) == {"dtype", "shape", "data_offsets"}, info
    begin, stop = info["data_offsets"]
    assert begin == end, "not contiguous"
    end = stop
    dtype = types[info["dtype"]]
    size = torch.tensor([], dtype=dtype).element_size()
    assert (8 + n + begin) % size == 0, "tensor not aligned"
    raw = bytearray(blob[8 + n + begin:8 + n + stop])
    t = torch.frombuffer(raw, dtype=dtype) if raw else torch.tensor([], dtype=dtype)
    t = t.reshape(info["shape"])
    if t.is_floating_point():
        out[name] = {"f32_bits": t.float().reshape(-1).view(torch.int32).tolist()}
    else:
        out[name] = {"ints": t.reshape(-1).long().tolist()}
    out[name]["shape"] = list(t.shape)
assert 8 + n + end == len(blob), "trailing bytes"
print(json.dumps({"meta": meta, "tensors": out}))
)PY";

TEST(SafetensorsReference, IndependentReaderDecodesOurFiles) {
  const std::vector<float> f32{1.5f, -2.0f, 1e-38f, 3.4e38f};
  const std::vector<std::uint16_t> f16{0x3c00, 0x0001, 0xfc00, 0x7bff};
  const std::vector<std::uint16_t> bf16{0x3f80, 0x0001, 0xff80};
  const std::vector<double> f64{0.1};
  const std::vector<std::int64_t> i64{-1, 1LL << 50};
  const std::vector<std::int8_t> i8{-7};
  const std::vector<std::uint8_t> flags{1, 0};
  const std::vector<TensorToWrite> tensors{
      {"a", DType::F32, {2, 2}, bytes_of(f32)},   {"b", DType::F16, {4}, bytes_of(f16)},
      {"c", DType::BF16, {3, 1}, bytes_of(bf16)}, {"d", DType::F64, {}, bytes_of(f64)},
      {"e", DType::I64, {2}, bytes_of(i64)},      {"f", DType::I8, {1}, bytes_of(i8)},
      {"g", DType::Bool, {2}, bytes_of(flags)},
  };
  const auto path = test::scratch_dir() / "ours.safetensors";
  write_safetensors(path, tensors, {{"format", "pt"}});
  const auto run = test::run_python(kPythonReader, {path.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json decoded = json::parse(run.out);
  EXPECT_EQ(decoded["meta"], json({{"format", "pt"}}));
  const json& out = decoded["tensors"];
  ASSERT_EQ(out.size(), tensors.size());

  // The values torch decodes are the values our own reader converts.
  const auto file = SafetensorsFile::open(path);
  for (const auto& tensor : tensors) {
    SCOPED_TRACE(tensor.name);
    const json& entry = out.at(tensor.name);
    EXPECT_EQ(entry["shape"].get<std::vector<std::int64_t>>(), tensor.shape);
    const TensorView& view = *file.find(tensor.name);
    if (is_floating(tensor.dtype)) {
      std::vector<std::int32_t> bits;
      for (const float value : to_f32(view)) bits.push_back(std::bit_cast<std::int32_t>(value));
      EXPECT_EQ(bits, entry["f32_bits"].get<std::vector<std::int32_t>>());
    } else {
      EXPECT_EQ(ints_of_view(view), entry["ints"].get<std::vector<std::int64_t>>());
    }
  }
}

}  // namespace
}  // namespace reasonrec::engine
