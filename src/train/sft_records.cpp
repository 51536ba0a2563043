#include "train/sft_records.hpp"

#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::train {

std::vector<SftRecord> read_sft_records(const std::filesystem::path& path) {
  std::vector<SftRecord> records;
  const std::string file = path.string();
  for_each_jsonl(file, [&](const nlohmann::json& j, std::size_t line) {
    if (!j.is_object()) throw InputError(file, line, "expected a JSON object");
    auto text = [&](const char* key) {
      const auto it = j.find(key);
      if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        throw InputError(file, line, std::string("field '") + key + "' must be a non-empty string");
      }
      return it->get<std::string>();
    };
    SftRecord r;
    r.prompt = text("prompt");
    r.target = text("target");
    if (const auto it = j.find("id"); it != j.end() && it->is_string())
      r.id = it->get<std::string>();
    if (const auto it = j.find("sample"); it != j.end() && it->is_number_integer()) {
      r.sample = it->get<int>();
    }
    if (const auto it = j.find("rating"); it != j.end() && it->is_number_integer()) {
      r.rating = it->get<int>();
      if (*r.rating < 1 || *r.rating > 5)
        throw InputError(file, line, "field 'rating' must be 1..5");
    }
    records.push_back(std::move(r));
  });
  if (records.empty()) throw InputError(file, 0, "no training records");
  return records;
}

}  // namespace reasonrec::train
