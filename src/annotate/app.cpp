#include "annotate/app.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace reasonrec::annotate {
namespace {

constexpr std::size_t kMaxAnswerBody = 64 * 1024;

// Headers every answer carries: no caching of rater data, no framing, no foreign content.
void secure(http::Response& r) {
  r.headers.push_back({"Cache-Control", "no-store"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"X-Frame-Options", "DENY"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                       "connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; "
                       "frame-ancestors 'none'"});
}

http::Response json_response(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  secure(r);
  return r;
}

http::Response error(int status, const std::string& message) {
  return json_response(status, {{"error", message}});
}

http::Response page(std::string_view html) {
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(html);
  secure(r);
  return r;
}

std::string bearer(const http::Request& request) {
  const auto value = request.header("Authorization");
  if (!value) return {};
  constexpr std::string_view kPrefix = "Bearer ";
  if (value->substr(0, kPrefix.size()) != kPrefix) return {};
  return std::string(value->substr(kPrefix.size()));
}

}  // namespace

void add_routes(http::Server& server, Study& study) {
  server.route("GET", "/rate",
               [](const http::Request&, const http::ClientGone&) { return page(rater_page()); });
  server.route("GET", "/admin",
               [](const http::Request&, const http::ClientGone&) { return page(admin_page()); });
  server.route("GET", "/annotate.js", [](const http::Request&, const http::ClientGone&) {
    http::Response r;
    r.content_type = "text/javascript; charset=utf-8";
    r.body = std::string(page_script());
    secure(r);
    return r;
  });
  server.route("GET", "/api/state", [&study](const http::Request& req, const http::ClientGone&) {
    const auto rater = study.rater_by_token(bearer(req));
    if (!rater) return error(403, "unknown rater link");
    return json_response(200, study.rater_state(*rater));
  });
  server.route("POST", "/api/answer", [&study](const http::Request& req, const http::ClientGone&) {
    const auto rater = study.rater_by_token(bearer(req));
    if (!rater) return error(403, "unknown rater link");
    if (req.body.size() > kMaxAnswerBody) return error(413, "answer too large");
    const auto type = req.header("Content-Type");
    if (!type || type->substr(0, 16) != "application/json") {
      return error(415, "Content-Type must be application/json");
    }
    std::pair<std::int64_t, Answer> parsed;
    try {
      parsed = parse_answer(req.body);
    } catch (const InvalidAnswer& e) {
      return error(400, e.what());
    }
    // Not assigned to this rater (or no such item): the same answer either way.
    const auto revision = study.save_answer(*rater, parsed.first, parsed.second);
    if (!revision) return error(404, "no such item for this rater");
    return json_response(200, {{"ok", true}, {"item", parsed.first}, {"revision", *revision}});
  });
  server.route("GET", "/api/admin/progress",
               [&study](const http::Request& req, const http::ClientGone&) {
                 if (!study.is_admin(bearer(req))) return error(403, "not the admin link");
                 nlohmann::json raters = nlohmann::json::array();
                 for (const auto& p : study.progress()) {
                   raters.push_back({{"rater", p.name},
                                     {"assigned", p.assigned},
                                     {"complete", p.complete},
                                     {"touched", p.touched}});
                 }
                 return json_response(200, {{"raters", raters}});
               });
  server.route(
      "GET", "/api/admin/export", [&study](const http::Request& req, const http::ClientGone&) {
        if (!study.is_admin(bearer(req))) return error(403, "not the admin link");
        http::Response r;
        r.content_type = "application/x-ndjson; charset=utf-8";
        r.body = study.export_jsonl();
        secure(r);
        r.headers.push_back({"Content-Disposition", "attachment; filename=\"judgments.jsonl\""});
        return r;
      });
  server.set_error_response(
      [](int status, const std::string& message) { return error(status, message); });
}

}  // namespace reasonrec::annotate
