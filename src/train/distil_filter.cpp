#include "train/distil_filter.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "util/error.hpp"

namespace reasonrec::train {

DistilFilter parse_distil_filter(std::string_view name) {
  for (const DistilFilter f : kAllDistilFilters) {
    if (distil_filter_name(f) == name) return f;
  }
  throw UsageError("unknown filter '" + std::string(name) +
                   "': expected none, 5class, binary, 1off or verified");
}

std::string_view distil_filter_name(DistilFilter filter) {
  switch (filter) {
    case DistilFilter::None:
      return "none";
    case DistilFilter::FiveClass:
      return "5class";
    case DistilFilter::Binary:
      return "binary";
    case DistilFilter::OneOff:
      return "1off";
    case DistilFilter::Verified:
      return "verified";
  }
  return "none";
}

bool passes_rating_filter(DistilFilter filter, int teacher, int truth) {
  switch (filter) {
    case DistilFilter::None:
      return true;
    case DistilFilter::FiveClass:
      return teacher == truth;
    case DistilFilter::Binary:
      // The paper's binary split: positive means above the scale's midpoint 3.
      return (teacher > 3) == (truth > 3);
    case DistilFilter::OneOff:
      return std::abs(teacher - truth) <= 1;
    case DistilFilter::Verified:
      break;
  }
  throw std::logic_error("the verified filter is decided by the verification file");
}

}  // namespace reasonrec::train
