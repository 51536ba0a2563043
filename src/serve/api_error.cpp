#include "serve/api_error.hpp"

#include <nlohmann/json.hpp>

namespace reasonrec::serve {

std::string ApiError::body() const {
  nlohmann::ordered_json error = {
      {"message", what()},
      {"type", type_},
      {"param", param_.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(param_)},
      {"code", code_.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(code_)}};
  return nlohmann::ordered_json{{"error", error}}.dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace);
}

ApiError invalid_request(const std::string& message, const std::string& param) {
  return ApiError(400, "invalid_request_error", message, param);
}

}  // namespace reasonrec::serve
