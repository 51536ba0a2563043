#include "train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <ostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/weights.hpp"
#include "train/batch_plan.hpp"
#include "train/lora.hpp"
#include "train/lr_schedule.hpp"
#include "train/model_init.hpp"
#include "train/sft_records.hpp"
#include "train/student.hpp"
#include "train/training_checkpoint.hpp"
#include "train/training_log.hpp"
#include "train/validation.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace fs = std::filesystem;

namespace {

void check_options(const TrainOptions& o) {
  if (o.model.has_value() == o.init_config.has_value()) {
    throw UsageError(
        "give exactly one of --model DIR (fine-tune) and --init-config FILE (from scratch)");
  }
  if (o.init_config && !o.tokenizer) {
    throw UsageError("--init-config needs --tokenizer DIR (a directory with the tokenizer files)");
  }
  if (o.steps <= 0) throw UsageError("--steps must be positive");
  if (o.micro_batch <= 0 || o.batch <= 0 || o.batch % o.micro_batch != 0) {
    throw UsageError("--batch must be a positive multiple of --micro-batch (" +
                     std::to_string(o.batch) + " vs " + std::to_string(o.micro_batch) + ")");
  }
  if (!(o.lr > 0.0) || !std::isfinite(o.lr)) throw UsageError("--lr must be a positive number");
  if (o.warmup < 0 || o.warmup > o.steps) throw UsageError("--warmup must be within 0..--steps");
  if (o.dropout && (*o.dropout < 0.0 || *o.dropout >= 1.0)) {
    throw UsageError("--dropout must be in [0, 1)");
  }
  if (o.weight_decay < 0.0 || o.clip < 0.0) {
    throw UsageError("--weight-decay and --clip must not be negative");
  }
  if (o.eval) {
    if (o.eval_every <= 0) throw UsageError("--eval-every must be positive");
    if (o.early_stop < 0) throw UsageError("--early-stop must not be negative");
    metric_value(eval::RatingMetrics{}, 0.0, o.eval_metric);  // UsageError for an unknown name
  } else if (o.early_stop > 0) {
    throw UsageError("--early-stop needs --eval");
  }
  if (o.device != "cpu" && o.device != "cuda") {
    throw UsageError("--device: unknown device '" + o.device + "' (cpu, cuda)");
  }
  if (o.device == "cuda" && !torch::cuda::is_available()) {
    throw UsageError(
        "--device cuda: this libtorch has no CUDA device (build against a CUDA "
        "libtorch, docs/training.md)");
  }
  if (o.device == "cuda") {
    throw UsageError("--device cuda: not tested here yet; train on the CPU (docs/training.md)");
  }
}

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

// Reads micro-batches in the order batch_plan gives, epoch after epoch.
class MicroBatchReader {
 public:
  MicroBatchReader(std::vector<std::int64_t> lengths, int micro_batch, std::uint64_t seed)
      : lengths_(std::move(lengths)), micro_batch_(micro_batch), seed_(seed) {}

  std::vector<std::size_t> next(DataPosition& position) {
    if (plan_epoch_ != position.epoch) {
      plan_ = epoch_micro_batches(lengths_, micro_batch_, seed_, position.epoch);
      plan_epoch_ = position.epoch;
    }
    std::vector<std::size_t> batch = plan_[static_cast<std::size_t>(position.micro_batch)];
    if (++position.micro_batch == static_cast<std::int64_t>(plan_.size())) {
      ++position.epoch;
      position.micro_batch = 0;
    }
    return batch;
  }

 private:
  std::vector<std::int64_t> lengths_;
  int micro_batch_;
  std::uint64_t seed_;
  std::int64_t plan_epoch_ = -1;
  std::vector<std::vector<std::size_t>> plan_;
};

// AdamW with decoupled weight decay on matrices only (norm scales are not decayed, as
// transformers' Trainer leaves out LayerNorm weights and biases).
std::unique_ptr<torch::optim::AdamW> make_optimizer(const NamedTensors& weights,
                                                    const TrainOptions& o) {
  std::vector<torch::Tensor> decayed, plain;
  for (const auto& [name, tensor] : weights)
    (tensor.dim() >= 2 ? decayed : plain).push_back(tensor);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto options = [&](double decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas({0.9, 0.999}).eps(1e-8).weight_decay(decay));
  };
  groups.emplace_back(decayed, options(o.weight_decay));
  groups.emplace_back(plain, options(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

void copy_tokenizer_files(const fs::path& from, const fs::path& to) {
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "spiece.model", "tokenizer.model", "generation_config.json"}) {
    if (fs::exists(from / name) && fs::absolute(from) != fs::absolute(to)) {
      fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace

TrainSummary run_training(const TrainOptions& o, std::ostream& progress) {
  check_options(o);
  const auto started = std::chrono::steady_clock::now();
  const int threads = o.threads > 0
                          ? o.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  torch::manual_seed(o.seed);
  fs::create_directories(o.out);

  const bool have_checkpoint = latest_training_checkpoint(o.out).has_value();
  if (have_checkpoint && !o.resume) {
    throw UsageError(o.out.string() +
                     " holds checkpoints of an earlier run: --resume continues "
                     "it, or choose another --out");
  }
  fs::path source = o.model ? *o.model : o.out / "init";
  if (o.init_config && !(o.resume && have_checkpoint)) {
    write_initial_model(*o.init_config, *o.tokenizer, source, o.seed);
  }
  std::unique_ptr<Student> student = load_student(source, o.dropout);
  // After loading: the engine's models set torch to one thread for batch-1 decoding.
  at::set_num_threads(threads);

  const std::vector<SftRecord> records = read_sft_records(o.data);
  std::vector<TokenizedPair> pairs;
  pairs.reserve(records.size());
  std::vector<std::int64_t> lengths;
  TrainSummary summary;
  summary.out = o.out;
  summary.examples = static_cast<std::int64_t>(records.size());
  for (const SftRecord& r : records) {
    pairs.push_back(student->tokenize(r, o.max_input_tokens, o.max_target_tokens));
    summary.truncated_inputs += pairs.back().input_truncated ? 1 : 0;
    summary.truncated_targets += pairs.back().labels_truncated ? 1 : 0;
    lengths.push_back(
        static_cast<std::int64_t>(pairs.back().input.size() + pairs.back().labels.size()));
  }
  if (summary.truncated_inputs + summary.truncated_targets > 0) {
    progress << "note: " << summary.truncated_inputs << " prompts cut to --max-input-tokens "
             << o.max_input_tokens << ", " << summary.truncated_targets
             << " targets cut to --max-target-tokens " << o.max_target_tokens << "\n";
  }

  std::optional<ValidationSet> validation;
  if (o.eval) {
    validation = prepare_validation(*student, read_sft_records(*o.eval), o.max_input_tokens,
                                    o.max_target_tokens);
    if (validation->pairs.empty()) {
      throw InputError(o.eval->string(), 0,
                       "no record has a rating (1..5) that its target ends with as one token");
    }
    progress << "eval: " << validation->pairs.size() << " records from " << o.eval->string()
             << (validation->skipped ? " (" + std::to_string(validation->skipped) +
                                           " without a usable rating skipped)"
                                     : std::string())
             << ", every " << o.eval_every << " steps, best by " << o.eval_metric << "\n";
  }

  // Full fine-tuning trains every weight; LoRA only the adapters, the base stays frozen.
  CheckpointContent trained{student->architecture(), student->weights(), student->config_json()};
  std::optional<StudentAdapters> lora;
  if (o.lora) {
    lora = attach_lora(*student, *o.lora);
    trained.kind += "+lora";
    trained.tensors = lora->trainable;
    trained.config = peft_adapter_config(*o.lora, *lora, fs::absolute(source).string(),
                                         student->peft_task_type());
    progress << "LoRA r=" << o.lora->rank << " alpha=" << o.lora->alpha << " on "
             << lora->trainable.size() / 2 << " projections\n";
  }
  std::vector<torch::Tensor> parameters;
  for (const auto& [name, tensor] : trained.tensors) {
    tensor.requires_grad_(true);
    parameters.push_back(tensor);
  }
  std::unique_ptr<torch::optim::AdamW> optimizer = make_optimizer(trained.tensors, o);

  TrainerState state;
  if (o.resume && have_checkpoint) {
    const fs::path checkpoint = *latest_training_checkpoint(o.out);
    state = read_training_checkpoint(checkpoint, trained, *optimizer);
    summary.resumed_from = state.step;
    progress << "resumed from " << checkpoint.string() << " (step " << state.step << ")\n";
  }
  TrainingLog log(o.out / "train_log.jsonl", state.step);

  // The trained model as a directory: a Hugging Face model, or a PEFT adapter for LoRA.
  auto write_model = [&](const fs::path& dir) {
    torch::NoGradGuard no_grad;
    if (lora) {
      write_peft_adapter(dir, *lora, trained.config);
    } else {
      engine::save_checkpoint(dir, student->weights(), student->config_json());
    }
    copy_tokenizer_files(student->source_dir(), dir);
  };

  MicroBatchReader reader(lengths, o.micro_batch, o.seed);
  const int accumulation = o.batch / o.micro_batch;
  std::int64_t tokens_done = 0;
  const auto loop_started = std::chrono::steady_clock::now();
  const std::int64_t first_step = state.step;
  student->set_training(true);
  while (state.step < o.steps) {
    std::vector<std::vector<std::size_t>> micro_batches;
    std::int64_t label_tokens = 0;
    for (int k = 0; k < accumulation; ++k) {
      micro_batches.push_back(reader.next(state.position));
      for (const std::size_t i : micro_batches.back()) {
        label_tokens += static_cast<std::int64_t>(pairs[i].labels.size());
        tokens_done += lengths[i];
      }
    }
    const double lr = learning_rate(o.schedule, o.lr, state.step, o.warmup, o.steps);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    double loss = 0.0;
    for (const auto& micro : micro_batches) {
      std::vector<const TokenizedPair*> batch;
      for (const std::size_t i : micro) batch.push_back(&pairs[i]);
      // Each token weighs the same in the step, however the micro-batches split them.
      const torch::Tensor part = student->loss_sum(batch) / static_cast<double>(label_tokens);
      part.backward();
      loss += part.item<double>();
    }
    if (!std::isfinite(loss)) {
      const auto last = latest_training_checkpoint(o.out);
      throw Error("step " + std::to_string(state.step + 1) + ": the loss is " +
                  (std::isnan(loss) ? "nan" : "infinite") + "; stopped before applying it. " +
                  (last ? "The last good checkpoint: " + last->string()
                        : std::string("No checkpoint was written yet.")));
    }
    const double grad_norm = o.clip > 0.0 ? torch::nn::utils::clip_grad_norm_(parameters, o.clip)
                                          : torch::nn::utils::clip_grad_norm_(parameters, 1e30);
    optimizer->step();
    ++state.step;
    state.last_loss = loss;

    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - loop_started).count();
    const double per_step = elapsed / static_cast<double>(state.step - first_step);
    const double rate = static_cast<double>(tokens_done) / std::max(elapsed, 1e-9);
    if (state.step == first_step + 1 || state.step % std::max<std::int64_t>(1, o.log_every) == 0 ||
        state.step == o.steps) {
      log.append({{"step", state.step},
                  {"loss", loss},
                  {"lr", lr},
                  {"grad_norm", grad_norm},
                  {"epoch", state.position.epoch},
                  {"tokens_per_s", rate},
                  {"elapsed_s", elapsed}});
      char line[200];
      std::snprintf(line, sizeof line, "step %lld/%lld  loss %.4f  lr %.3g  %.0f tok/s  ETA %s\n",
                    static_cast<long long>(state.step), static_cast<long long>(o.steps), loss, lr,
                    rate, clock_text(per_step * static_cast<double>(o.steps - state.step)).c_str());
      progress << line << std::flush;
    }
    if (validation && (state.step % o.eval_every == 0 || state.step == o.steps)) {
      const Validation v = validate(*student, *validation, o.micro_batch);
      const double value = metric_value(v.metrics, v.loss, o.eval_metric);
      const bool better =
          !state.best_value ||
          (higher_is_better(o.eval_metric) ? value > *state.best_value : value < *state.best_value);
      if (better) {
        state.best_value = value;
        state.best_step = state.step;
        state.evals_since_best = 0;
        write_model(o.out / "best");
      } else {
        ++state.evals_since_best;
      }
      nlohmann::json line = {{"step", state.step}, {"eval_loss", v.loss}};
      for (const auto& [name, metric] : eval::named_values(v.metrics)) {
        line["eval_" + name] = metric ? nlohmann::json(*metric) : nlohmann::json(nullptr);
      }
      log.append(line);
      char text[240];
      std::snprintf(text, sizeof text,
                    "eval step %lld: loss %.4f  rmse %.4f  accuracy %.4f  %s %.4f  (best %.4f at "
                    "step %lld)\n",
                    static_cast<long long>(state.step), v.loss, v.metrics.rmse, v.metrics.accuracy,
                    o.eval_metric.c_str(), value, *state.best_value,
                    static_cast<long long>(state.best_step));
      progress << text << std::flush;
      if (o.early_stop > 0 && state.evals_since_best >= o.early_stop) {
        progress << "early stop: no better " << o.eval_metric << " in " << o.early_stop
                 << " evaluations; the best model (step " << state.best_step << ") is in "
                 << (o.out / "best").string() << "\n";
        summary.stopped_early = true;
        break;
      }
    }
    if (o.stop_after > 0 && state.step == o.stop_after && state.step < o.steps) {
      write_training_checkpoint(o.out, trained, *optimizer, state);
      progress << "stopped after step " << state.step << " (--stop-after); --resume continues\n";
      summary.steps = state.step;
      summary.final_loss = state.last_loss;
      return summary;
    }
    if (o.checkpoint_every > 0 && state.step % o.checkpoint_every == 0 && state.step < o.steps) {
      write_training_checkpoint(o.out, trained, *optimizer, state);
    }
  }
  student->set_training(false);
  write_training_checkpoint(o.out, trained, *optimizer, state);
  write_model(o.out);

  summary.steps = state.step;
  summary.final_loss = state.last_loss;
  summary.finished = true;
  summary.best_value = state.best_value;
  summary.best_step = state.best_step;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double loop_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - loop_started).count();
  summary.tokens_per_second = static_cast<double>(tokens_done) / std::max(loop_seconds, 1e-9);
  const nlohmann::json out = {
      {"steps", summary.steps},
      {"examples", summary.examples},
      {"truncated_inputs", summary.truncated_inputs},
      {"truncated_targets", summary.truncated_targets},
      {"final_loss", summary.final_loss},
      {"seconds", summary.seconds},
      {"tokens_per_second", summary.tokens_per_second},
      {"resumed_from", summary.resumed_from},
      {"architecture", student->architecture()},
      {"lora", lora.has_value()},
      {"stopped_early", summary.stopped_early},
      {"eval_metric", o.eval ? nlohmann::json(o.eval_metric) : nlohmann::json(nullptr)},
      {"best_value",
       summary.best_value ? nlohmann::json(*summary.best_value) : nlohmann::json(nullptr)},
      {"best_step", summary.best_step}};
  write_file_atomically(o.out / "train_summary.json", out.dump(2) + "\n");
  return summary;
}

}  // namespace reasonrec::train
