#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>

namespace reasonrec {

// How a Progress reporter shows itself.
enum class ProgressMode {
  Auto,      // Terminal on a TTY, Silent when $CI is set, Lines otherwise
  Terminal,  // one line redrawn in place
  Lines,     // a plain line every `interval`
  Silent,
};

struct ProgressOptions {
  std::string label;
  std::optional<std::uint64_t> total;  // known total enables percent and ETA
  std::string unit = "items";
  ProgressMode mode = ProgressMode::Auto;
  std::chrono::milliseconds interval{10000};  // for Lines; Terminal redraws at most 10x/s
};

// Reports count, rate and ETA of long work on stderr. Thread-safe: workers call add().
class Progress {
 public:
  explicit Progress(ProgressOptions options);
  Progress(ProgressOptions options, std::ostream& out);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t n = 1);
  void add_failures(std::uint64_t n = 1);
  // Prints the final line (once). Called by the destructor if not called before.
  void finish();

  std::uint64_t done() const { return done_.load(); }
  ProgressMode mode() const { return mode_; }

  // One status line, e.g. "prepare 1,200/5,000 items (24.0%) 310/s ETA 12s, 3 failed".
  static std::string format_line(const std::string& label, std::uint64_t done,
                                 std::optional<std::uint64_t> total, const std::string& unit,
                                 double seconds, std::uint64_t failures);

 private:
  void maybe_draw(bool force);

  ProgressOptions options_;
  ProgressMode mode_;
  std::ostream& out_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex draw_mutex_;
  bool finished_ = false;
};

// Resolves Auto against the environment ($CI) and whether stderr is a terminal.
ProgressMode resolve_progress_mode(ProgressMode requested);

}  // namespace reasonrec
