#include "eval/text_pairs.hpp"

#include <fstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

using nlohmann::json;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_jsonl(const std::string& path, TextFileFormat format) {
  if (format != TextFileFormat::detect) return format == TextFileFormat::jsonl;
  return ends_with(path, ".jsonl") || ends_with(path, ".json");
}

bool valid_utf8(std::string_view s) {
  // Valid UTF-8 never decodes to a lone surrogate, which is how invalid bytes come back.
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = pytext::next_code_point(s, pos);
    if (c >= 0xDC80 && c <= 0xDCFF) return false;
  }
  return true;
}

// A record of an input file with the line it came from.
struct Record {
  std::size_t line = 0;
  std::string text;  // a text line, or the raw JSON
};

// Lines without their "\n" (and a "\r" before it); a final line without newline counts.
std::vector<Record> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open file");
  std::vector<Record> records;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!valid_utf8(line)) throw InputError(path, number, "invalid UTF-8");
    records.push_back({number, std::move(line)});
  }
  if (in.bad()) throw InputError(path, number, "read error");
  return records;
}

json parse_object(const std::string& path, const Record& r) {
  json j;
  try {
    j = json::parse(r.text);
  } catch (const json::parse_error& e) {
    throw InputError(path, r.line, std::string("bad JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(path, r.line, "expected a JSON object");
  return j;
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t") == std::string::npos;
}

std::vector<std::string> references_of(const json& j, const std::string& field,
                                       const std::string& path, std::size_t line) {
  const auto it = j.find(field);
  if (it == j.end()) throw InputError(path, line, "missing field '" + field + "'");
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) {
    throw InputError(path, line, "field '" + field + "' must be a string or an array of strings");
  }
  std::vector<std::string> refs;
  for (const json& r : *it) {
    if (!r.is_string()) {
      throw InputError(path, line, "field '" + field + "' must hold only strings");
    }
    refs.push_back(r.get<std::string>());
  }
  if (refs.empty()) throw InputError(path, line, "field '" + field + "' is empty");
  return refs;
}

std::string id_of(const json& j, const std::string& field, std::size_t index) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::to_string(index + 1);
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

}  // namespace

std::vector<TextPair> read_text_pairs(const TextPairSource& source) {
  std::vector<TextPair> pairs;
  std::vector<std::size_t> lines;  // the candidates line of each pair, for messages
  const bool candidates_jsonl = is_jsonl(source.candidates, source.format);
  for (Record& r : read_lines(source.candidates)) {
    TextPair pair;
    if (candidates_jsonl) {
      if (blank(r.text)) continue;
      const json j = parse_object(source.candidates, r);
      const auto it = j.find(source.candidate_field);
      if (it == j.end()) {
        throw InputError(source.candidates, r.line,
                         "missing field '" + source.candidate_field + "'");
      }
      if (!it->is_string()) {
        throw InputError(source.candidates, r.line,
                         "field '" + source.candidate_field + "' must be a string");
      }
      pair.candidate = it->get<std::string>();
      pair.id = id_of(j, source.id_field, pairs.size());
      if (source.references.empty()) {
        pair.references = references_of(j, source.references_field, source.candidates, r.line);
      }
    } else {
      pair.candidate = std::move(r.text);
      pair.id = std::to_string(pairs.size() + 1);
    }
    pairs.push_back(std::move(pair));
    lines.push_back(r.line);
  }
  if (source.references.empty() && !candidates_jsonl) {
    throw UsageError("plain-text candidates need --references (only JSONL carries both)");
  }

  for (const std::string& path : source.references) {
    const bool jsonl = is_jsonl(path, source.format);
    std::vector<Record> records = read_lines(path);
    if (jsonl) {
      std::erase_if(records, [](const Record& r) { return blank(r.text); });
    }
    if (records.size() != pairs.size()) {
      throw InputError(path, records.empty() ? 0 : records.back().line,
                       "has " + std::to_string(records.size()) + " records but " +
                           source.candidates + " has " + std::to_string(pairs.size()));
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (jsonl) {
        for (std::string& ref : references_of(parse_object(path, records[i]),
                                              source.references_field, path, records[i].line)) {
          pairs[i].references.push_back(std::move(ref));
        }
      } else if (!records[i].text.empty()) {
        pairs[i].references.push_back(std::move(records[i].text));
      }
    }
  }
  if (!source.references.empty()) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (pairs[i].references.empty()) {
        throw InputError(source.candidates, lines[i],
                         "candidate " + pairs[i].id + " has no non-empty reference");
      }
    }
  }
  return pairs;
}

}  // namespace reasonrec::eval
