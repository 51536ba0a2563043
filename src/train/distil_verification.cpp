#include "train/distil_verification.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::train {

namespace {

const nlohmann::json& field(const nlohmann::json& j, const char* name, const std::string& file,
                            std::size_t line) {
  if (!j.is_object() || !j.contains(name)) {
    throw InputError(
        file, line,
        fmt::format("missing field '{}' (is this the output of `recsaver verify`?)", name));
  }
  return j.at(name);
}

int int_field(const nlohmann::json& j, const char* name, const std::string& file,
              std::size_t line) {
  const auto& v = field(j, name, file, line);
  if (!v.is_number_integer()) throw InputError(file, line, fmt::format("{}: not an integer", name));
  return v.get<int>();
}

}  // namespace

VerificationTable read_verification(const std::filesystem::path& path) {
  VerificationTable table;
  table.file = path;
  const std::string file = path.string();
  for_each_jsonl(file, [&](const nlohmann::json& j, std::size_t line) {
    const auto& id = field(j, "example_id", file, line);
    if (!id.is_string()) throw InputError(file, line, "example_id: not a string");
    VerificationRecord r;
    r.line = line;
    const auto& rating = field(j, "rating", file, line);
    if (!rating.is_null()) r.rating = int_field(j, "rating", file, line);
    r.true_rating = int_field(j, "true_rating", file, line);
    const auto& status = field(j, "status", file, line);
    if (!status.is_string()) throw InputError(file, line, "status: not a string");
    r.status = status.get<std::string>();
    const auto& verified = field(j, "verified", file, line);
    if (!verified.is_boolean()) throw InputError(file, line, "verified: not true or false");
    r.verified = verified.get<bool>();
    SampleKey key{id.get<std::string>(), int_field(j, "sample", file, line)};
    const auto [it, inserted] = table.records.emplace(key, r);
    if (!inserted) {
      throw InputError(file, line,
                       fmt::format("example {} sample {} is already on line {}", key.first,
                                   key.second, it->second.line));
    }
  });
  return table;
}

}  // namespace reasonrec::train
