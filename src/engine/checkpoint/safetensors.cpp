#include "engine/checkpoint/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/atomic_file.hpp"
#include "engine/checkpoint/mapped_file.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; the reader maps it without byte swapping");

namespace {

using nlohmann::json;

constexpr std::size_t kLengthPrefix = 8;
// The reference implementation refuses headers over 100 MB; a real header is kilobytes.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::string_view kMetadataKey = "__metadata__";

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// A header entry after field validation, before the layout checks.
struct Entry {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin;
  std::uint64_t end;
  std::uint64_t expected_bytes;
};

class HeaderReader {
 public:
  explicit HeaderReader(const std::filesystem::path& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw InputError(path_.string(), 0, reason);
  }
  [[noreturn]] void fail(const std::string& tensor, const std::string& reason) const {
    fail("tensor '" + tensor + "': " + reason);
  }

  json parse(std::string_view text) const {
    // Duplicate top-level keys are rejected rather than silently resolved to one of them.
    std::set<std::string> keys;
    std::string duplicate;
    const json::parser_callback_t on_event = [&](int depth, json::parse_event_t event,
                                                 json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!keys.insert(key).second && duplicate.empty()) duplicate = key;
      }
      return true;
    };
    json header;
    try {
      header = json::parse(text.begin(), text.end(), on_event);
    } catch (const json::exception& error) {
      fail(std::string("header is not valid JSON: ") + error.what());
    }
    if (!header.is_object()) fail("header is not a JSON object");
    if (!duplicate.empty()) fail(duplicate, "appears twice in the header");
    return header;
  }

  std::map<std::string, std::string> metadata(const json& value) const {
    if (!value.is_object()) fail("\"__metadata__\" must be an object of strings");
    std::map<std::string, std::string> out;
    for (const auto& [key, item] : value.items()) {
      if (!item.is_string()) {
        fail("\"__metadata__\" value for key '" + key + "' is not a string");
      }
      out.emplace(key, item.get<std::string>());
    }
    return out;
  }

  Entry entry(const std::string& name, const json& value) const {
    if (!value.is_object()) fail(name, "header entry is not an object");
    Entry out{name, DType::F32, {}, 0, 0, 0};

    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string()) fail(name, "missing string field \"dtype\"");
    const auto parsed = parse_dtype(dtype->get_ref<const std::string&>());
    if (!parsed) {
      fail(name, "unknown dtype \"" + dtype->get<std::string>() +
                     "\" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    }
    out.dtype = *parsed;

    const auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array()) {
      fail(name, "missing array field \"shape\"");
    }
    // numel * element size, with overflow checked as the reference does (left to right).
    std::uint64_t bytes = 1;
    for (const auto& dim : *shape) {
      if (dim.is_number_integer() && !dim.is_number_unsigned()) {
        fail(name, "shape " + dim.dump() + " in " + shape->dump() + " is negative");
      }
      if (!dim.is_number_unsigned()) {
        fail(name, "shape " + shape->dump() + " has a dimension that is not an integer");
      }
      const auto size = dim.get<std::uint64_t>();
      if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          __builtin_mul_overflow(bytes, size, &bytes)) {
        fail(name, "shape " + shape->dump() + " overflows the element count");
      }
      out.shape.push_back(static_cast<std::int64_t>(size));
    }
    if (__builtin_mul_overflow(bytes, dtype_size(out.dtype), &bytes) ||
        bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(name, "shape " + shape->dump() + " overflows the byte count");
    }
    out.expected_bytes = bytes;

    const auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
      fail(name, "\"data_offsets\" must be [begin, end] with non-negative integers");
    }
    out.begin = (*offsets)[0].get<std::uint64_t>();
    out.end = (*offsets)[1].get<std::uint64_t>();
    if (out.begin > out.end) {
      fail(name, "data_offsets " + range_text(out.begin, out.end) + " begin after they end");
    }
    return out;
  }

  // The reference's rule: sorted by offsets, the tensors tile [0, data size) exactly.
  void check_layout(std::vector<Entry>& entries, std::uint64_t data_size) const {
    for (const auto& entry : entries) {
      if (entry.end > data_size) {
        fail(entry.name, "data_offsets " + range_text(entry.begin, entry.end) +
                             " run past the end of the file (the data section holds " +
                             std::to_string(data_size) + " bytes)");
      }
      if (entry.end - entry.begin != entry.expected_bytes) {
        fail(entry.name, "data_offsets " + range_text(entry.begin, entry.end) + " hold " +
                             std::to_string(entry.end - entry.begin) + " bytes but shape " +
                             shape_text(entry.shape) + " of " +
                             std::string(dtype_name(entry.dtype)) + " needs " +
                             std::to_string(entry.expected_bytes));
      }
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    std::uint64_t covered = 0;
    const Entry* previous = nullptr;
    for (const auto& entry : entries) {
      if (entry.begin < covered) {
        fail(entry.name, "data_offsets " + range_text(entry.begin, entry.end) +
                             " overlap tensor '" + previous->name + "' at " +
                             range_text(previous->begin, previous->end));
      }
      if (entry.begin > covered) {
        fail(entry.name, "data_offsets " + range_text(entry.begin, entry.end) + " leave bytes " +
                             range_text(covered, entry.begin) +
                             " of the data section covered by no tensor");
      }
      covered = entry.end;
      previous = &entry;
    }
    if (covered != data_size) {
      fail(std::to_string(data_size - covered) + " bytes after the last tensor (data bytes " +
           range_text(covered, data_size) + ") are covered by no tensor");
    }
  }

 private:
  const std::filesystem::path& path_;
};

std::uint64_t read_le64(std::span<const std::byte> bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kLengthPrefix; ++i) {
    value |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  }
  return value;
}

std::string write_le64(std::uint64_t value) {
  std::string out(kLengthPrefix, '\0');
  for (std::size_t i = 0; i < kLengthPrefix; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xffu);
  }
  return out;
}

// The JSON spelling of a string, as the reference (serde_json) writes it: UTF-8 kept as is.
std::string quoted(const std::string& text, std::string_view what) {
  try {
    return json(text).dump();
  } catch (const json::exception&) {
    throw Error(std::string(what) + " '" + text + "' is not valid UTF-8");
  }
}

std::int64_t checked_numel(const TensorToWrite& tensor) {
  std::int64_t numel = 1;
  for (const auto dim : tensor.shape) {
    if (dim < 0) {
      throw Error("tensor '" + tensor.name + "': shape " + shape_text(tensor.shape) +
                  " has a negative dimension");
    }
    if (__builtin_mul_overflow(numel, dim, &numel)) {
      throw Error("tensor '" + tensor.name + "': shape " + shape_text(tensor.shape) + " overflows");
    }
  }
  return numel;
}

// The header (length prefix included) and the order in which the tensors' bytes follow it.
struct Layout {
  std::string prefix_and_header;
  std::vector<const TensorToWrite*> order;
};

Layout plan_layout(std::span<const TensorToWrite> tensors,
                   const std::map<std::string, std::string>& metadata) {
  Layout layout;
  std::set<std::string_view> names;
  for (const auto& tensor : tensors) {
    if (tensor.name == kMetadataKey) throw Error("tensor name '__metadata__' is reserved");
    if (!names.insert(tensor.name).second) {
      throw Error("tensor '" + tensor.name + "' is given twice");
    }
    const auto bytes = static_cast<std::uint64_t>(checked_numel(tensor)) * dtype_size(tensor.dtype);
    if (bytes != tensor.data.size()) {
      throw Error("tensor '" + tensor.name + "': shape " + shape_text(tensor.shape) + " of " +
                  std::string(dtype_name(tensor.dtype)) + " needs " + std::to_string(bytes) +
                  " bytes, got " + std::to_string(tensor.data.size()));
    }
    layout.order.push_back(&tensor);
  }
  std::sort(layout.order.begin(), layout.order.end(),
            [](const TensorToWrite* a, const TensorToWrite* b) {
              const int rank_a = dtype_alignment_rank(a->dtype);
              const int rank_b = dtype_alignment_rank(b->dtype);
              if (rank_a != rank_b) return rank_a > rank_b;
              return a->name < b->name;
            });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) header += ',';
      first = false;
      header += quoted(key, "metadata key") + ":" + quoted(value, "metadata value");
    }
    header += "}";
  }
  std::uint64_t offset = 0;
  for (const auto* tensor : layout.order) {
    if (header.size() > 1) header += ',';
    header += quoted(tensor->name, "tensor name");
    header += ":{\"dtype\":\"" + std::string(dtype_name(tensor->dtype)) + "\",\"shape\":[";
    for (std::size_t i = 0; i < tensor->shape.size(); ++i) {
      if (i > 0) header += ',';
      header += std::to_string(tensor->shape[i]);
    }
    const std::uint64_t end = offset + tensor->data.size();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
  }
  header += "}";
  header.resize((header.size() + kLengthPrefix - 1) / kLengthPrefix * kLengthPrefix, ' ');
  if (header.size() > kMaxHeaderBytes) {
    throw Error("safetensors header would be " + std::to_string(header.size()) +
                " bytes, over the 100 MB limit readers accept");
  }
  layout.prefix_and_header = write_le64(header.size()) + header;
  return layout;
}

}  // namespace

std::int64_t TensorView::numel() const {
  std::int64_t count = 1;
  for (const auto dim : shape) count *= dim;
  return count;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  auto mapping = std::make_shared<const MappedFile>(path);
  SafetensorsFile file;
  file.path_ = path;
  file.owner_ = mapping;
  file.load(mapping->bytes());
  return file;
}

SafetensorsFile SafetensorsFile::parse(std::vector<std::byte> bytes, std::filesystem::path name) {
  auto owned = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  SafetensorsFile file;
  file.path_ = std::move(name);
  file.owner_ = owned;
  file.load(*owned);
  return file;
}

void SafetensorsFile::load(std::span<const std::byte> bytes) {
  const HeaderReader reader(path_);
  if (bytes.size() < kLengthPrefix) {
    reader.fail("file is " + std::to_string(bytes.size()) +
                " bytes, too short for the 8-byte header length");
  }
  const std::uint64_t header_size = read_le64(bytes);
  if (header_size > kMaxHeaderBytes) {
    reader.fail("header length " + std::to_string(header_size) +
                " is over the 100 MB limit (corrupt or not a safetensors file)");
  }
  if (header_size > bytes.size() - kLengthPrefix) {
    reader.fail("header length " + std::to_string(header_size) +
                " runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  }
  const auto header_bytes = bytes.subspan(kLengthPrefix, header_size);
  const json header = reader.parse(
      std::string_view(reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size()));

  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      metadata_ = reader.metadata(value);
    } else {
      entries.push_back(reader.entry(key, value));
    }
  }
  const auto data = bytes.subspan(kLengthPrefix + header_size);
  reader.check_layout(entries, data.size());

  tensors_.reserve(entries.size());
  for (auto& entry : entries) {
    by_name_.emplace(entry.name, tensors_.size());
    tensors_.push_back(TensorView{std::move(entry.name), entry.dtype, std::move(entry.shape),
                                  data.subspan(entry.begin, entry.end - entry.begin)});
  }
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  const auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : &tensors_[found->second];
}

std::vector<std::byte> serialize_safetensors(std::span<const TensorToWrite> tensors,
                                             const std::map<std::string, std::string>& metadata) {
  const Layout layout = plan_layout(tensors, metadata);
  std::vector<std::byte> out;
  const auto header = std::as_bytes(std::span<const char>(layout.prefix_and_header));
  out.insert(out.end(), header.begin(), header.end());
  for (const auto* tensor : layout.order) {
    out.insert(out.end(), tensor->data.begin(), tensor->data.end());
  }
  return out;
}

void write_safetensors(const std::filesystem::path& path, std::span<const TensorToWrite> tensors,
                       const std::map<std::string, std::string>& metadata) {
  const Layout layout = plan_layout(tensors, metadata);
  AtomicFile file(path);
  file.write(layout.prefix_and_header);
  for (const auto* tensor : layout.order) file.write(tensor->data);
  file.commit();
}

void to_f32(const TensorView& tensor, std::span<float> out) {
  const auto count = static_cast<std::size_t>(tensor.numel());
  if (out.size() != count) {
    throw Error("tensor '" + tensor.name + "': converting " + std::to_string(count) +
                " elements into room for " + std::to_string(out.size()));
  }
  const std::byte* in = tensor.data.data();
  // memcpy per element: the mapping gives no alignment guarantee for files from other writers.
  switch (tensor.dtype) {
    case DType::F32:
      if (count > 0) std::memcpy(out.data(), in, count * sizeof(float));
      return;
    case DType::F64:
      for (std::size_t i = 0; i < count; ++i) {
        double value = 0;
        std::memcpy(&value, in + i * sizeof value, sizeof value);
        out[i] = static_cast<float>(value);
      }
      return;
    case DType::F16:
    case DType::BF16: {
      const bool half = tensor.dtype == DType::F16;
      for (std::size_t i = 0; i < count; ++i) {
        std::uint16_t bits = 0;
        std::memcpy(&bits, in + i * sizeof bits, sizeof bits);
        out[i] = half ? f16_to_f32(bits) : bf16_to_f32(bits);
      }
      return;
    }
    default:
      throw InputError("tensor '" + tensor.name + "'", 0,
                       "has dtype " + std::string(dtype_name(tensor.dtype)) +
                           "; only F32, F16, BF16 and F64 convert to float");
  }
}

std::vector<float> to_f32(const TensorView& tensor) {
  if (!is_floating(tensor.dtype)) {
    throw InputError("tensor '" + tensor.name + "'", 0,
                     "has dtype " + std::string(dtype_name(tensor.dtype)) +
                         "; only F32, F16, BF16 and F64 convert to float");
  }
  std::vector<float> out(static_cast<std::size_t>(tensor.numel()));
  to_f32(tensor, out);
  return out;
}

}  // namespace reasonrec::engine
