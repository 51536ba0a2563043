#include "eval/prediction.hpp"

#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::eval {

using nlohmann::ordered_json;

namespace {

// Probabilities are written by the producer (softmax over five rating tokens); we check rather
// than renormalise, because renormalising would reorder near-ties and change AUC.
constexpr double kProbabilitySumTolerance = 1e-6;

class FieldReader {
 public:
  FieldReader(const nlohmann::json& obj, const std::string& file, std::size_t line)
      : obj_(obj), file_(file), line_(line) {
    if (!obj_.is_object()) throw InputError(file_, line_, "expected a JSON object");
  }

  const nlohmann::json* optional(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  const nlohmann::json& required(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) fail(key, "missing field");
    return *it;
  }
  std::string str(const char* key) const {
    const auto& v = required(key);
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
  }
  std::int64_t integer(const char* key, const nlohmann::json& v) const {
    if (!v.is_number_integer()) fail(key, "expected an integer");
    return v.get<std::int64_t>();
  }
  int rating(const char* key, const nlohmann::json& v) const {
    const auto r = integer(key, v);
    if (r < 1 || r > 5) fail(key, "rating must be 1..5, got " + std::to_string(r));
    return static_cast<int>(r);
  }
  double number(const char* key, const nlohmann::json& v) const {
    if (!v.is_number()) fail(key, "expected a number");
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(key, "expected a finite number");
    return x;
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw InputError(file_, line_, "field '" + field + "': " + what);
  }

 private:
  const nlohmann::json& obj_;
  const std::string& file_;
  std::size_t line_;
};

ClassProbabilities read_probabilities(const FieldReader& r, const nlohmann::json& v) {
  if (!v.is_array() || v.size() != 5) {
    r.fail("probabilities", "expected an array of 5 numbers (ratings 1..5)");
  }
  ClassProbabilities p{};
  double sum = 0.0;
  for (std::size_t k = 0; k < 5; ++k) {
    p[k] = r.number("probabilities", v[k]);
    if (p[k] < 0.0) r.fail("probabilities", "probabilities must be non-negative");
    sum += p[k];
  }
  if (std::abs(sum - 1.0) > kProbabilitySumTolerance) {
    r.fail("probabilities", "probabilities must sum to 1, got " + std::to_string(sum));
  }
  return p;
}

}  // namespace

ordered_json prediction_to_json(const Prediction& p) {
  ordered_json j;
  j["example_id"] = p.example_id;
  j["split"] = p.split;
  j["mode"] = p.mode;
  j["model"] = p.model;
  j["backend"] = p.backend;
  j["sample"] = p.sample;
  j["seed"] = p.seed ? ordered_json(*p.seed) : ordered_json(nullptr);
  j["true_rating"] = p.true_rating;
  j["rating"] = p.rating ? ordered_json(*p.rating) : ordered_json(nullptr);
  j["parse_status"] = p.parse_status;
  j["reasoning"] = p.reasoning;
  j["raw"] = p.raw;
  j["probabilities"] = p.probabilities ? ordered_json(*p.probabilities) : ordered_json(nullptr);
  j["expected_rating"] =
      p.expected_rating ? ordered_json(*p.expected_rating) : ordered_json(nullptr);
  if (p.usage.empty()) {
    j["usage"] = nullptr;
  } else {
    ordered_json usage = ordered_json::object();
    for (const auto& [key, value] : p.usage) usage[key] = value;
    j["usage"] = std::move(usage);
  }
  return j;
}

Prediction prediction_from_json(const nlohmann::json& j, const std::string& file,
                                std::size_t line) {
  const FieldReader r(j, file, line);
  Prediction p;
  p.example_id = r.str("example_id");
  if (p.example_id.empty()) r.fail("example_id", "must not be empty");
  p.split = r.str("split");
  p.mode = r.str("mode");
  p.model = r.str("model");
  p.backend = r.str("backend");
  const auto sample = r.integer("sample", r.required("sample"));
  if (sample < 0 || sample > INT32_MAX) r.fail("sample", "must be a non-negative integer");
  p.sample = static_cast<int>(sample);
  if (const auto* seed = r.optional("seed")) {
    if (!seed->is_number_unsigned()) r.fail("seed", "expected a non-negative integer or null");
    p.seed = seed->get<std::uint64_t>();
  }
  p.true_rating = r.rating("true_rating", r.required("true_rating"));
  if (const auto* rating = r.optional("rating")) p.rating = r.rating("rating", *rating);
  p.parse_status = r.str("parse_status");
  p.reasoning = r.str("reasoning");
  p.raw = r.str("raw");
  if (const auto* probs = r.optional("probabilities")) {
    p.probabilities = read_probabilities(r, *probs);
  }
  if (const auto* expected = r.optional("expected_rating")) {
    const double x = r.number("expected_rating", *expected);
    if (x < 1.0 || x > 5.0) r.fail("expected_rating", "must lie in [1, 5]");
    p.expected_rating = x;
  }
  if (const auto* usage = r.optional("usage")) {
    if (!usage->is_object()) r.fail("usage", "expected an object of numbers or null");
    for (const auto& [key, value] : usage->items()) {
      p.usage[key] = r.number(("usage." + key).c_str(), value);
    }
  }
  return p;
}

std::string prediction_to_jsonl_line(const Prediction& prediction) {
  return prediction_to_json(prediction)
      .dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

void write_predictions(std::ostream& out, const std::vector<Prediction>& predictions) {
  for (const auto& p : predictions) out << prediction_to_jsonl_line(p) << '\n';
}

void write_predictions(const std::string& path, const std::vector<Prediction>& predictions) {
  // A kill while writing leaves the previous file (or none), never half of one.
  std::ostringstream out;
  write_predictions(out, predictions);
  write_file_atomically(path, out.str());
}

std::vector<Prediction> read_predictions(const std::string& path) {
  std::vector<Prediction> predictions;
  for_each_jsonl(path, [&](const nlohmann::json& j, std::size_t line) {
    predictions.push_back(prediction_from_json(j, path, line));
  });
  return predictions;
}

}  // namespace reasonrec::eval
