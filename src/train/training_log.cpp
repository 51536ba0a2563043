#include "train/training_log.hpp"

#include <string>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::train {

TrainingLog::TrainingLog(const std::filesystem::path& path, std::int64_t resumed_step)
    : path_(path) {
  std::string kept;
  if (resumed_step > 0) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const auto entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("step", std::int64_t{0}) <= resumed_step) {
        kept += line + "\n";
      }
    }
  }
  write_file_atomically(path, kept);
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot open " + path.string() + " for writing");
}

void TrainingLog::append(const nlohmann::json& entry) {
  out_ << entry.dump() << "\n" << std::flush;
  if (!out_) throw Error("cannot write " + path_.string());
}

}  // namespace reasonrec::train
