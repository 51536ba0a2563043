#pragma once

// The paper's filters on a teacher's sampled rating (PAPER.md, "Distillation into small
// models"), and the Rec-SAVER-verified filter beyond it.

#include <array>
#include <string_view>

namespace reasonrec::train {

enum class DistilFilter {
  None,       // every parsed teacher sample
  FiveClass,  // teacher rating == true rating
  Binary,     // (teacher > 3) == (truth > 3)
  OneOff,     // |teacher - truth| <= 1
  Verified,   // `recsaver verify` read the true rating back from the teacher's reasoning
};

// Every filter, in the order the summary lists them.
inline constexpr std::array<DistilFilter, 5> kAllDistilFilters{
    DistilFilter::None, DistilFilter::FiveClass, DistilFilter::Binary, DistilFilter::OneOff,
    DistilFilter::Verified};

// "none", "5class", "binary", "1off", "verified"; throws UsageError otherwise.
DistilFilter parse_distil_filter(std::string_view name);
std::string_view distil_filter_name(DistilFilter filter);

// Whether a parsed teacher rating passes `filter` against the true rating. Verified is not a
// rating rule (it needs the verification file): passing it here is an error (std::logic_error).
bool passes_rating_filter(DistilFilter filter, int teacher, int truth);

}  // namespace reasonrec::train
