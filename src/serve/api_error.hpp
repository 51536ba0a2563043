#pragma once

#include <stdexcept>
#include <string>

namespace reasonrec::serve {

// An error answered in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with
// the HTTP status clients branch on (400 bad request, 401 auth, 404 unknown model or route,
// 413 body too large, 429/503 overloaded, 500 internal).
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string type, const std::string& message, std::string param = {},
           std::string code = {})
      : std::runtime_error(message),
        status_(status),
        type_(std::move(type)),
        param_(std::move(param)),
        code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

  // The JSON body.
  std::string body() const;

 private:
  int status_;
  std::string type_;
  std::string param_;
  std::string code_;
};

// 400 invalid_request_error naming the offending field.
ApiError invalid_request(const std::string& message, const std::string& param = {});

}  // namespace reasonrec::serve
