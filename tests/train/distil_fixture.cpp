#include "distil_fixture.hpp"

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "data/example_io.hpp"

namespace reasonrec::test {

namespace {

data::ItemInfo item(const std::string& id, const std::string& title) {
  data::ItemInfo info;
  info.meta.item = id;
  info.meta.title = title;
  info.meta.brand = "Brand " + id;
  info.meta.categories = {"Beauty", "Skin Care"};
  info.meta.price = "$10.00";
  info.has_meta = true;
  return info;
}

data::Example example(const std::string& id, const std::string& split, int rating) {
  data::Example e;
  e.id = id;
  e.split = split;
  e.user = "user-" + id;
  e.history.push_back({item(id + "-h1", "Rose cream"), 5, "Lovely scent.", "Nice", 1});
  e.history.push_back({item(id + "-h2", "Clay mask"), 2, "Dried my skin.", "Meh", 2});
  e.target = item(id + "-t", "Night serum");
  e.rating = rating;
  e.time = 3;
  e.review = "never shown";
  return e;
}

}  // namespace

std::vector<data::Example> distil_examples() {
  return {example("A", "train", 4), example("B", "train", 3), example("C", "train", 1),
          example("D", "train", 5), example("T", "test", 2)};
}

std::string table_reasoning(const std::string& id, int sample) {
  return "The user of " + id + " likes rich creams and dislikes drying masks (path " +
         std::to_string(sample) + ").";
}

eval::Prediction teacher_sample(const data::Example& e, int sample, std::optional<int> rating,
                                const std::string& reasoning) {
  eval::Prediction p;
  p.example_id = e.id;
  p.split = e.split;
  p.mode = "cot";
  p.model = "teacher";
  p.backend = "openai";
  p.sample = sample;
  p.true_rating = e.rating;
  p.rating = rating;
  p.reasoning = rating ? reasoning : "";
  p.parse_status = rating ? "strict" : "unparsed:no_rating";
  p.raw = rating ? "### Reason ###\n" + reasoning + "\n### Rating ###\n" + std::to_string(*rating)
                 : "I cannot tell.";
  return p;
}

std::vector<eval::Prediction> teacher_table(const std::vector<data::Example>& ex) {
  const struct {
    std::size_t example;
    int sample;
    std::optional<int> rating;
  } rows[] = {{0, 0, 4}, {0, 1, 3}, {0, 2, 2}, {0, 3, 5}, {0, 4, std::nullopt}, {1, 0, 3},
              {1, 1, 4}, {1, 2, 1}, {1, 3, 2}, {2, 0, 5}, {2, 1, std::nullopt}, {3, 0, 4},
              {3, 1, 5}};
  std::vector<eval::Prediction> out;
  for (const auto& r : rows) {
    const data::Example& e = ex.at(r.example);
    out.push_back(teacher_sample(e, r.sample, r.rating, table_reasoning(e.id, r.sample)));
  }
  return out;
}

void write_examples_file(const std::filesystem::path& path,
                         const std::vector<data::Example>& examples) {
  std::ofstream out(path, std::ios::binary);
  data::write_examples(out, examples);
}

void write_teacher_file(const std::filesystem::path& path,
                        const std::vector<eval::Prediction>& predictions) {
  std::ofstream out(path, std::ios::binary);
  eval::write_predictions(out, predictions);
}

std::string verification_line(const eval::Prediction& p, bool verified) {
  nlohmann::ordered_json j;
  j["example_id"] = p.example_id;
  j["sample"] = p.sample;
  j["seed"] = nullptr;
  j["rating"] = p.rating ? nlohmann::ordered_json(*p.rating) : nlohmann::ordered_json(nullptr);
  j["true_rating"] = p.true_rating;
  j["status"] = verified ? "verified" : "rejected";
  j["verified"] = verified;
  j["scrub"] = {{"rules", "paper"}, {"text", p.reasoning}};
  j["verification"] = {{"raw", "### Rating ###\n" + std::to_string(p.true_rating)},
                       {"rating", verified ? p.true_rating : 1}};
  return j.dump() + "\n";
}

}  // namespace reasonrec::test
