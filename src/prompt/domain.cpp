#include "prompt/domain.hpp"

#include "util/error.hpp"

namespace reasonrec::prompt {

Domain domain_by_name(std::string_view name) {
  if (name == "beauty" || name == "product") {
    return Domain{std::string(name), "product", "Product", "product", "purchase"};
  }
  if (name == "movies") {
    return Domain{"movies", "video", "Video", "video (movies and tv)", "watch"};
  }
  throw UsageError("unknown domain '" + std::string(name) +
                   "' (expected beauty, movies or product)");
}

}  // namespace reasonrec::prompt
