#pragma once

#include <string_view>

#include "annotate/study.hpp"
#include "http/server.hpp"

namespace reasonrec::annotate {

// Adds the rater page, the admin page and their JSON API to `server` (docs/annotate.md):
//   GET  /rate, /admin            the pages (static; the token travels in the URL fragment)
//   GET  /api/state               the rater's items and answers   (Authorization: Bearer TOKEN)
//   POST /api/answer              stores one answer, acknowledged after the commit
//   GET  /api/admin/progress      per-rater progress               (admin token)
//   GET  /api/admin/export        judgments.jsonl                  (admin token)
// `study` must outlive the server.
void add_routes(http::Server& server, Study& study);

// The embedded pages.
std::string_view rater_page();
std::string_view admin_page();
// Both pages' script, served as /annotate.js (the pages' policy allows no inline script).
std::string_view page_script();

}  // namespace reasonrec::annotate
