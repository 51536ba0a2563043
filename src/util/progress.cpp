#include "util/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "util/format.hpp"

namespace reasonrec {

ProgressMode resolve_progress_mode(ProgressMode requested) {
  if (requested != ProgressMode::Auto) return requested;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && *ci != '\0' && std::string(ci) != "0" && std::string(ci) != "false") {
    return ProgressMode::Silent;
  }
  return isatty(STDERR_FILENO) ? ProgressMode::Terminal : ProgressMode::Lines;
}

Progress::Progress(ProgressOptions options) : Progress(std::move(options), std::cerr) {}

Progress::Progress(ProgressOptions options, std::ostream& out)
    : options_(std::move(options)),
      mode_(resolve_progress_mode(options_.mode)),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  finish();
}

void Progress::add(std::uint64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  maybe_draw(false);
}

void Progress::add_failures(std::uint64_t n) {
  failures_.fetch_add(n, std::memory_order_relaxed);
  maybe_draw(false);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::Silent) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line = format_line(options_.label, done_.load(), options_.total, options_.unit,
                                       seconds, failures_.load());
  if (mode_ == ProgressMode::Terminal) {
    out_ << "\r\033[K" << line << " done\n";
  } else {
    out_ << line << " done\n";
  }
  out_.flush();
}

void Progress::maybe_draw(bool force) {
  if (mode_ == ProgressMode::Silent) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval =
      mode_ == ProgressMode::Terminal ? std::chrono::milliseconds(100) : options_.interval;
  std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (!force && now - last_draw_ < interval) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const std::string line = format_line(options_.label, done_.load(), options_.total, options_.unit,
                                       seconds, failures_.load());
  if (mode_ == ProgressMode::Terminal) {
    out_ << "\r\033[K" << line;
  } else {
    out_ << line << '\n';
  }
  out_.flush();
}

std::string Progress::format_line(const std::string& label, std::uint64_t done,
                                  std::optional<std::uint64_t> total, const std::string& unit,
                                  double seconds, std::uint64_t failures) {
  // Byte counts read better as KiB/MiB/GiB than as long numbers.
  const bool bytes = unit == "bytes";
  const auto count = [&](std::uint64_t n) {
    return bytes ? human_bytes(static_cast<double>(n)) : with_commas(n);
  };
  std::string line = label.empty() ? "" : label + " ";
  line += count(done);
  if (total) line += "/" + count(*total);
  if (!bytes) line += " " + unit;
  if (total && *total > 0) {
    line +=
        fmt::format(" ({:.1f}%)", 100.0 * static_cast<double>(done) / static_cast<double>(*total));
  }
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  if (bytes) {
    line += " " + human_bytes(rate) + "/s";
  } else {
    line += rate >= 100 ? fmt::format(" {:.0f}/s", rate) : fmt::format(" {:.1f}/s", rate);
  }
  if (total && rate > 0 && done <= *total) {
    line += " ETA " + human_duration(static_cast<double>(*total - done) / rate);
  }
  if (failures > 0) line += fmt::format(", {} failed", with_commas(failures));
  return line;
}

}  // namespace reasonrec
