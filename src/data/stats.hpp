#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"

namespace reasonrec::data {

// Splits files into review and metadata files by their detected format.
void classify_files(const std::vector<std::string>& files, std::vector<std::string>& reviews,
                    std::vector<std::string>& meta);

// Users, items, reviews, rating histogram, reviews-per-user histogram, metadata coverage, and
// the candidate targets available for the given history bounds.
nlohmann::ordered_json dataset_stats(const Dataset& dataset, int min_history);

std::string format_stats(const nlohmann::ordered_json& stats);

}  // namespace reasonrec::data
