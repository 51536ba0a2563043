#pragma once

// A small synthetic study: two domains, examples of every true rating, two prediction files
// whose reasoning (and one history review) is hostile markup.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "annotate/study.hpp"
#include "data/example_io.hpp"
#include "eval/prediction.hpp"

namespace reasonrec::test {

inline constexpr const char* kHostile =
    "<script>window.__pwned = 1;</script><img src=x onerror=\"window.__pwned = 2\">"
    "<b onmouseover=\"window.__pwned = 3\">bold</b> &amp; \"quotes\"";

struct StudyFiles {
  std::filesystem::path dir;
  std::vector<std::string> examples;     // DOMAIN=PATH
  std::vector<std::string> predictions;  // two models
};

// `per_rating` test examples of each true rating in each of the two domains.
inline StudyFiles write_study_inputs(const std::filesystem::path& dir, int per_rating) {
  StudyFiles files;
  files.dir = dir;
  std::vector<eval::Prediction> model_a, model_b;
  for (const std::string domain : {"beauty", "movies"}) {
    std::filesystem::create_directories(dir / domain);
    std::vector<data::Example> examples;
    for (int rating = 1; rating <= 5; ++rating) {
      for (int k = 0; k < per_rating + 2; ++k) {
        data::Example e;
        e.id = domain + "-u" + std::to_string(rating) + "-" + std::to_string(k);
        e.split = k < per_rating ? "test" : "train";
        e.user = "u" + std::to_string(rating * 100 + k);
        for (int h = 0; h < 3; ++h) {
          data::HistoryEntry entry;
          entry.item.meta.item = "i" + std::to_string(h);
          entry.item.meta.title = domain + " past item " + std::to_string(h);
          entry.item.has_meta = true;
          entry.rating = 1 + (h + k) % 5;
          entry.review = h == 0 ? std::string("Review with markup: ") + kHostile : "Fine.";
          entry.summary = "summary " + std::to_string(h);
          entry.time = 1000 + h;
          e.history.push_back(entry);
        }
        e.target.meta.item = "t" + std::to_string(k);
        e.target.meta.title = "The new " + domain + " item " + std::to_string(k);
        e.target.meta.description = "A description.";
        e.target.has_meta = true;
        e.rating = rating;
        e.time = 2000;
        e.review = "TARGET REVIEW MUST NOT SHOW";
        examples.push_back(e);
        for (auto* model : {&model_a, &model_b}) {
          eval::Prediction p;
          p.example_id = e.id;
          p.split = e.split;
          p.mode = "cot";
          p.model = model == &model_a ? "model-a" : "model-b";
          p.backend = "test";
          p.true_rating = rating;
          p.rating = 1 + (rating + k) % 5;
          p.parse_status = "strict";
          p.reasoning = "The user likes things. " + std::string(kHostile);
          p.raw = p.reasoning;
          model->push_back(p);
        }
      }
    }
    const auto path = dir / domain / "examples.jsonl";
    std::ofstream out(path);
    data::write_examples(out, examples);
    files.examples.push_back(domain + "=" + path.string());
  }
  eval::write_predictions((dir / "a.jsonl").string(), model_a);
  eval::write_predictions((dir / "b.jsonl").string(), model_b);
  files.predictions = {(dir / "a.jsonl").string(), (dir / "b.jsonl").string()};
  return files;
}

inline annotate::CreateOptions create_options(const StudyFiles& files, std::size_t samples,
                                              std::size_t raters, bool both_models = true) {
  annotate::CreateOptions o;
  o.predictions = files.predictions;
  if (!both_models) o.predictions.resize(1);
  for (const auto& spec : files.examples) {
    const auto eq = spec.find('=');
    o.examples.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
  }
  o.out = files.dir / "study.db";
  o.samples = samples;
  o.raters = raters;
  o.seed = 7;
  return o;
}

}  // namespace reasonrec::test
