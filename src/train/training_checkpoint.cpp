#include "train/training_checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/safetensors.hpp"
#include "engine/weights.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace fs = std::filesystem;

namespace {

constexpr const char* kOptimizerFile = "optimizer.pt";
constexpr const char* kStateFile = "trainer_state.json";

// A rename is durable only once its directory is synced.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw Error("cannot open directory " + dir.string() + " to sync it");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw Error("cannot sync directory " + dir.string());
}

std::string step_name(std::int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

at::Generator cpu_generator() {
  return at::detail::getDefaultCPUGenerator();
}

}  // namespace

fs::path write_training_checkpoint(const fs::path& run_dir, const CheckpointContent& content,
                                   torch::optim::Optimizer& optimizer, const TrainerState& state,
                                   int keep) {
  const fs::path root = run_dir / "checkpoints";
  fs::create_directories(root);
  const fs::path final_dir = root / step_name(state.step);
  const fs::path partial = root / (".partial-" + step_name(state.step));
  fs::remove_all(partial);
  engine::save_checkpoint(partial, content.tensors, content.config);

  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  {
    at::Generator generator = cpu_generator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("cpu_generator", generator.get_state());
  }
  std::string bytes;
  archive.save_to([&](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  write_file_atomically(partial / kOptimizerFile, bytes);
  const nlohmann::json meta = {{"step", state.step},
                               {"epoch", state.position.epoch},
                               {"micro_batch", state.position.micro_batch},
                               {"last_loss", state.last_loss},
                               {"best_value", state.best_value ? nlohmann::json(*state.best_value)
                                                               : nlohmann::json(nullptr)},
                               {"best_step", state.best_step},
                               {"evals_since_best", state.evals_since_best},
                               {"architecture", content.kind}};
  write_file_atomically(partial / kStateFile, meta.dump(2) + "\n");
  sync_directory(partial);

  fs::remove_all(final_dir);
  fs::rename(partial, final_dir);
  sync_directory(root);
  write_file_atomically(root / "latest", step_name(state.step) + "\n");

  // Older checkpoints go only after `latest` names the new one.
  std::vector<fs::path> steps;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("step-", 0) == 0) steps.push_back(entry.path());
  }
  std::sort(steps.begin(), steps.end());
  for (std::size_t i = 0; i + static_cast<std::size_t>(std::max(1, keep)) < steps.size(); ++i) {
    fs::remove_all(steps[i]);
  }
  return final_dir;
}

std::optional<fs::path> latest_training_checkpoint(const fs::path& run_dir) {
  const fs::path latest = run_dir / "checkpoints" / "latest";
  std::ifstream in(latest);
  if (!in) return std::nullopt;
  std::string name;
  std::getline(in, name);
  if (name.empty() || name.find('/') != std::string::npos) {
    throw InputError(latest.string(), 1, "does not name a checkpoint directory");
  }
  const fs::path dir = run_dir / "checkpoints" / name;
  if (!fs::is_directory(dir))
    throw InputError(latest.string(), 1, "names a missing " + dir.string());
  return dir;
}

TrainerState read_training_checkpoint(const fs::path& checkpoint, const CheckpointContent& content,
                                      torch::optim::Optimizer& optimizer) {
  const fs::path state_file = checkpoint / kStateFile;
  std::ifstream in(state_file);
  if (!in) throw InputError(state_file.string(), 0, "cannot open");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(state_file.string(), 0, e.what());
  }
  if (meta.value("architecture", std::string()) != content.kind) {
    throw InputError(state_file.string(), 0,
                     "checkpoint of a " + meta.value("architecture", std::string("?")) +
                         " run, but this run trains " + content.kind);
  }
  const auto weights = engine::SafetensorsFile::open(checkpoint / "model.safetensors");
  {
    torch::NoGradGuard no_grad;
    for (const auto& [name, tensor] : content.tensors) {
      const std::vector<std::int64_t> shape(tensor.sizes().begin(), tensor.sizes().end());
      tensor.copy_(engine::load_f32(weights, name, shape));
    }
  }
  torch::serialize::InputArchive archive;
  archive.load_from((checkpoint / kOptimizerFile).string());
  optimizer.load(archive);
  torch::Tensor generator_state;
  archive.read("cpu_generator", generator_state);
  {
    at::Generator generator = cpu_generator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(generator_state);
  }
  TrainerState state;
  state.step = meta.at("step").get<std::int64_t>();
  state.position.epoch = meta.at("epoch").get<std::int64_t>();
  state.position.micro_batch = meta.at("micro_batch").get<std::int64_t>();
  state.last_loss = meta.value("last_loss", 0.0);
  if (meta.contains("best_value") && meta["best_value"].is_number()) {
    state.best_value = meta["best_value"].get<double>();
  }
  state.best_step = meta.value("best_step", std::int64_t{0});
  state.evals_since_best = meta.value("evals_since_best", std::int64_t{0});
  return state;
}

}  // namespace reasonrec::train
