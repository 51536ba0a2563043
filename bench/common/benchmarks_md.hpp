#pragma once

#include <string>

namespace reasonrec::bench {

// Writes `section` into BENCHMARKS.md at `path` between the markers
// <!-- bench/NAME:begin --> and <!-- bench/NAME:end -->, replacing what was there, or appends
// it; creates the file if absent. Each benchmark owns its section.
void record_section(const std::string& path, const std::string& name, const std::string& section);

// Today's date in UTC as YYYY-MM-DD, for the record.
std::string today_utc();

}  // namespace reasonrec::bench
