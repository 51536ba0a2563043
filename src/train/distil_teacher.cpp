#include "train/distil_teacher.hpp"

#include <utility>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::train {

TeacherSamples read_teacher_samples(const std::filesystem::path& path,
                                    const std::filesystem::path& examples_path,
                                    const std::vector<data::Example>& examples,
                                    const std::string& split, bool skip_missing) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < examples.size(); ++i) index.emplace(examples[i].id, i);
  std::map<std::pair<std::string, int>, std::size_t> seen;  // (id, sample) -> line
  TeacherSamples out;
  const std::string file = path.string();
  for_each_jsonl(file, [&](const nlohmann::json& j, std::size_t line) {
    eval::Prediction p = eval::prediction_from_json(j, file, line);
    const auto it = index.find(p.example_id);
    if (it == index.end()) {
      if (skip_missing) {
        ++out.skipped_missing;
        return;
      }
      throw InputError(file, line,
                       fmt::format("example_id '{}' is not in {} (teacher predictions made from "
                                   "another examples file? --skip-missing skips such samples)",
                                   p.example_id, examples_path.string()));
    }
    const data::Example& e = examples[it->second];
    if (split != "all" && e.split != split) {
      // Distilling on test examples would leak the test set into the student.
      throw InputError(file, line,
                       fmt::format("example {} is in the {} split, but distil takes the {} split "
                                   "(the paper distils on train; --split {} or all to accept it)",
                                   e.id, e.split, split, e.split));
    }
    if (p.true_rating != e.rating) {
      throw InputError(file, line,
                       fmt::format("true_rating: {} but {} says {} for {}", p.true_rating,
                                   examples_path.string(), e.rating, e.id));
    }
    const auto [dup, inserted] = seen.emplace(std::make_pair(p.example_id, p.sample), line);
    if (!inserted) {
      throw InputError(file, line,
                       fmt::format("example {} sample {} is already on line {}", p.example_id,
                                   p.sample, dup->second));
    }
    out.samples.push_back({std::move(p), it->second, line});
  });
  return out;
}

}  // namespace reasonrec::train
