#pragma once

// train_log.jsonl: one JSON object per logged step. Torch-free.

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace reasonrec::train {

class TrainingLog {
 public:
  // Keeps the lines of an existing log up to `resumed_step` (a resumed run logs the steps after
  // it again) and appends after them.
  TrainingLog(const std::filesystem::path& path, std::int64_t resumed_step);
  void append(const nlohmann::json& entry);  // flushed at once: a killed run keeps its log

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace reasonrec::train
