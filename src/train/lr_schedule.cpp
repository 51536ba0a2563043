#include "train/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "util/error.hpp"

namespace reasonrec::train {

Schedule parse_schedule(const std::string& name) {
  if (name == "constant") return Schedule::constant;
  if (name == "linear") return Schedule::linear;
  if (name == "cosine") return Schedule::cosine;
  throw UsageError("--schedule: unknown schedule '" + name + "' (constant, linear, cosine)");
}

std::string schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::linear:
      return "linear";
    case Schedule::cosine:
      return "cosine";
    case Schedule::constant:
      break;
  }
  return "constant";
}

double learning_rate(Schedule schedule, double peak, std::int64_t step, std::int64_t warmup,
                     std::int64_t total) {
  if (step < warmup) {
    return peak * static_cast<double>(step) /
           static_cast<double>(std::max<std::int64_t>(1, warmup));
  }
  if (schedule == Schedule::constant) return peak;
  const double progress = static_cast<double>(step - warmup) /
                          static_cast<double>(std::max<std::int64_t>(1, total - warmup));
  if (schedule == Schedule::linear) return peak * std::max(0.0, 1.0 - progress);
  return peak * std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

}  // namespace reasonrec::train
