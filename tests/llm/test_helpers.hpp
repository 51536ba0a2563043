#pragma once

#include <string>
#include <vector>

#include "data/example.hpp"
#include "llm/backend.hpp"
#include "llm/openai_client.hpp"

namespace reasonrec::test {

// `count` small chat requests with distinct prompts, `samples` samples each.
std::vector<llm::GenerationRequest> chat_requests(std::size_t count, int samples = 1,
                                                  const std::string& model = "fake-model");

// Client options for tests: short timeouts and backoff so faults cost milliseconds.
llm::ClientOptions fast_options(const std::vector<std::string>& base_urls, int concurrency = 4);

// Compares what matters of two completion lists (same order): ok, text, finish reason,
// usage, logprobs. Returns "" when equal, else the first difference.
std::string compare_completions(const std::vector<llm::Completion>& a,
                                const std::vector<llm::Completion>& b);

// `count` synthetic examples (split train for even ids, test for odd), each with a history
// of three items with titles, ratings and reviews.
std::vector<data::Example> synthetic_examples(std::size_t count);

}  // namespace reasonrec::test
