#pragma once

// What every benchmark needs besides its own workload: running its baseline, timing threads,
// and describing the machine in the record.

#include <string>

namespace reasonrec::bench {

// Runs a shell command (a baseline script) and returns its standard output; throws
// std::runtime_error if it cannot start or exits non-zero.
std::string run_capture(const std::string& command);

// CPU seconds of the calling thread (a shared machine disturbs CPU time least).
double thread_cpu_seconds();

// The CPU model from /proc/cpuinfo, or "unknown CPU".
std::string cpu_name();

// The 1-minute load average, so readers can tell a quiet machine from a busy one; -1 if unknown.
double load_average();

// The shared data folder: `option` if given, else $REASONREC_SHARED, else `shared` next to the
// source tree.
std::string shared_dir(const std::string& option);

}  // namespace reasonrec::bench
