#include "data/example_io.hpp"

#include <fstream>
#include <ostream>

#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::data {

using nlohmann::ordered_json;

namespace {

ordered_json item_to_json(const ItemInfo& info) {
  ordered_json j;
  j["item"] = info.meta.item;
  j["has_meta"] = info.has_meta;
  j["title"] = info.meta.title;
  j["brand"] = info.meta.brand;
  j["categories"] = info.meta.categories;
  j["description"] = info.meta.description;
  j["price"] = info.meta.price;
  return j;
}

ordered_json to_ordered(const Example& e) {
  ordered_json j;
  j["id"] = e.id;
  j["split"] = e.split;
  j["user"] = e.user;
  j["rating"] = e.rating;
  j["time"] = e.time;
  j["target"] = item_to_json(e.target);
  j["review"] = e.review;
  j["summary"] = e.summary;
  ordered_json history = ordered_json::array();
  for (const auto& h : e.history) {
    ordered_json entry;
    entry["item"] = item_to_json(h.item);
    entry["rating"] = h.rating;
    entry["time"] = h.time;
    entry["review"] = h.review;
    entry["summary"] = h.summary;
    history.push_back(std::move(entry));
  }
  j["history"] = std::move(history);
  return j;
}

class FieldReader {
 public:
  FieldReader(const std::string& file, std::size_t line) : file_(file), line_(line) {}

  const nlohmann::json& get(const nlohmann::json& obj, const char* key, const std::string& path) {
    if (!obj.is_object()) fail(path, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end()) fail(path + key, "missing field");
    return *it;
  }
  std::string str(const nlohmann::json& obj, const char* key, const std::string& path) {
    const auto& v = get(obj, key, path);
    if (!v.is_string()) fail(path + key, "expected a string");
    return v.get<std::string>();
  }
  std::int64_t integer(const nlohmann::json& obj, const char* key, const std::string& path) {
    const auto& v = get(obj, key, path);
    if (!v.is_number_integer()) fail(path + key, "expected an integer");
    return v.get<std::int64_t>();
  }
  int rating(const nlohmann::json& obj, const char* key, const std::string& path) {
    const auto r = integer(obj, key, path);
    if (r < 1 || r > 5) fail(path + key, "rating must be 1..5, got " + std::to_string(r));
    return static_cast<int>(r);
  }
  ItemInfo item(const nlohmann::json& obj, const std::string& path) {
    ItemInfo info;
    info.meta.item = str(obj, "item", path);
    const auto& has = get(obj, "has_meta", path);
    if (!has.is_boolean()) fail(path + "has_meta", "expected true or false");
    info.has_meta = has.get<bool>();
    info.meta.title = str(obj, "title", path);
    info.meta.brand = str(obj, "brand", path);
    const auto& cats = get(obj, "categories", path);
    if (!cats.is_array()) fail(path + "categories", "expected an array of strings");
    for (const auto& c : cats) {
      if (!c.is_string()) fail(path + "categories", "expected an array of strings");
      info.meta.categories.push_back(c.get<std::string>());
    }
    info.meta.description = str(obj, "description", path);
    info.meta.price = str(obj, "price", path);
    return info;
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) {
    throw InputError(file_, line_, "field '" + field + "': " + what);
  }

 private:
  const std::string& file_;
  std::size_t line_;
};

}  // namespace

nlohmann::json example_to_json(const Example& example) {
  return nlohmann::json::parse(example_to_jsonl_line(example));
}

std::string example_to_jsonl_line(const Example& example) {
  return to_ordered(example).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

Example example_from_json(const nlohmann::json& j, const std::string& file, std::size_t line) {
  FieldReader r(file, line);
  Example e;
  e.id = r.str(j, "id", "");
  e.split = r.str(j, "split", "");
  if (e.split != "train" && e.split != "test") r.fail("split", "expected \"train\" or \"test\"");
  e.user = r.str(j, "user", "");
  e.rating = r.rating(j, "rating", "");
  e.time = r.integer(j, "time", "");
  e.target = r.item(r.get(j, "target", ""), "target.");
  e.review = r.str(j, "review", "");
  e.summary = r.str(j, "summary", "");
  const auto& history = r.get(j, "history", "");
  if (!history.is_array()) r.fail("history", "expected an array");
  for (std::size_t i = 0; i < history.size(); ++i) {
    const std::string path = "history[" + std::to_string(i) + "].";
    HistoryEntry h;
    h.item = r.item(r.get(history[i], "item", path), path + "item.");
    h.rating = r.rating(history[i], "rating", path);
    h.time = r.integer(history[i], "time", path);
    h.review = r.str(history[i], "review", path);
    h.summary = r.str(history[i], "summary", path);
    e.history.push_back(std::move(h));
  }
  return e;
}

void write_examples(std::ostream& out, const std::vector<Example>& examples) {
  for (const auto& e : examples) out << example_to_jsonl_line(e) << '\n';
}

std::vector<Example> read_examples(const std::string& path) {
  std::vector<Example> examples;
  for_each_jsonl(path, [&](const nlohmann::json& j, std::size_t line) {
    examples.push_back(example_from_json(j, path, line));
  });
  return examples;
}

}  // namespace reasonrec::data
