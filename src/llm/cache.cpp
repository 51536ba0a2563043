#include "llm/cache.hpp"

#include <sqlite3.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "data/sha256.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {

using nlohmann::json;

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS completions (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  ok INTEGER NOT NULL,
  error TEXT NOT NULL,
  text TEXT NOT NULL,
  finish_reason TEXT NOT NULL,
  logprobs TEXT,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_seconds REAL NOT NULL,
  attempts INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  response_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
)sql";

// A success is never overwritten; a failure is replaced by anything newer.
constexpr const char* kInsert = R"sql(
INSERT INTO completions (key, model, ok, error, text, finish_reason, logprobs, prompt_tokens,
  completion_tokens, latency_seconds, attempts, endpoint, response_id, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, strftime('%s', 'now'))
ON CONFLICT(key) DO UPDATE SET model = excluded.model, ok = excluded.ok,
  error = excluded.error, text = excluded.text, finish_reason = excluded.finish_reason,
  logprobs = excluded.logprobs, prompt_tokens = excluded.prompt_tokens,
  completion_tokens = excluded.completion_tokens, latency_seconds = excluded.latency_seconds,
  attempts = excluded.attempts, endpoint = excluded.endpoint,
  response_id = excluded.response_id, created_at = excluded.created_at
WHERE completions.ok = 0
)sql";

constexpr const char* kColumns =
    "key, model, ok, error, text, finish_reason, logprobs, prompt_tokens, completion_tokens, "
    "latency_seconds, attempts, endpoint, response_id";

std::string logprobs_to_json(const std::vector<TokenLogprob>& tokens) {
  json out = json::array();
  for (const auto& t : tokens) {
    json top = json::array();
    for (const auto& alt : t.top) top.push_back(json::array({alt.token, alt.logprob}));
    out.push_back(json::array({t.token, t.logprob, std::move(top)}));
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<TokenLogprob> logprobs_from_json(const std::string& text) {
  std::vector<TokenLogprob> out;
  for (const auto& t : json::parse(text)) {
    TokenLogprob tl{t.at(0).get<std::string>(), t.at(1).get<double>(), {}};
    for (const auto& alt : t.at(2))
      tl.top.push_back({alt.at(0).get<std::string>(), alt.at(1).get<double>()});
    out.push_back(std::move(tl));
  }
  return out;
}

}  // namespace

namespace {

// Feeds length-prefixed fields to SHA-256, so that no two different requests can produce the
// same byte stream; numbers go in as their shortest decimal text (the same on every platform).
class KeyHasher {
 public:
  void field(std::string_view bytes) {
    const std::string length = std::to_string(bytes.size()) + ":";
    sha_.update(length);
    sha_.update(bytes);
  }
  void number(double v) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    field(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
  }
  void number(std::int64_t v) { field(std::to_string(v)); }
  std::string hex() { return sha_.hex_digest(); }

 private:
  data::Sha256 sha_;
};

}  // namespace

std::string cache_key(const GenerationRequest& request, int sample) {
  KeyHasher h;
  h.field("reasonrec-llm-cache");
  h.number(std::int64_t{kSchemaVersion});
  h.field(request.model);
  h.field(api_name(request.api));
  if (request.api == Api::Chat) {
    h.number(static_cast<std::int64_t>(request.messages.size()));
    for (const auto& m : request.messages) {
      h.field(m.role);
      h.field(m.content);
    }
  } else {
    h.field(request.prompt);
  }
  const auto& p = request.params;
  h.number(std::int64_t{p.max_tokens});
  h.number(p.temperature);
  h.number(p.top_p);
  h.number(static_cast<std::int64_t>(p.stop.size()));
  for (const auto& stop : p.stop) h.field(stop);
  const auto seed = sample_seed(p, sample);
  h.field(seed ? std::to_string(*seed) : "none");
  h.number(std::int64_t{p.top_logprobs});
  if (!p.constraint.empty()) {  // only when set, so that the keys of earlier runs still match
    h.field("constraint");
    h.field(p.constraint);
  }
  h.number(std::int64_t{sample});
  return h.hex();
}

struct ResponseCache::Impl {
  std::string path;
  CacheOptions options;
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* select = nullptr;
  std::size_t pending = 0;
  std::chrono::steady_clock::time_point batch_start;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("response cache " + path + ": " + what + ": " +
                (db ? sqlite3_errmsg(db) : "cannot open"));
  }
  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string m = message ? message : "";
      sqlite3_free(message);
      throw Error("response cache " + path + ": " + m);
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) fail("prepare");
    return stmt;
  }
  void commit() {
    if (pending == 0) return;
    exec("COMMIT");
    pending = 0;
  }
  ~Impl() {
    try {
      commit();
    } catch (const Error&) {  // nothing more to do in a destructor; the rows are resent
    }
    sqlite3_finalize(insert);
    sqlite3_finalize(select);
    sqlite3_close(db);
  }
};

ResponseCache::ResponseCache(const std::filesystem::path& path, CacheOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path.string();
  impl_->options = options;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  if (sqlite3_open_v2(impl_->path.c_str(), &impl_->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    impl_->fail("cannot open");
  }
  sqlite3_busy_timeout(impl_->db, 60000);  // another process may be writing the same cache
  // WAL + NORMAL: a committed transaction survives the process being killed (the OS has the
  // WAL pages); only a power loss could drop the last commits, which are then resent.
  impl_->exec("PRAGMA journal_mode=WAL");
  impl_->exec("PRAGMA synchronous=NORMAL");
  impl_->exec(kSchema);
  impl_->exec(("INSERT OR IGNORE INTO meta VALUES ('schema_version', '" +
               std::to_string(kSchemaVersion) + "')")
                  .c_str());
  impl_->insert = impl_->prepare(kInsert);
  impl_->select = impl_->prepare(
      (std::string("SELECT ") + kColumns + " FROM completions WHERE key = ?1 AND ok = 1").c_str());
}

ResponseCache::~ResponseCache() = default;

namespace {

std::string column_text(sqlite3_stmt* stmt, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))) : "";
}

ResponseCache::Entry read_row(sqlite3_stmt* stmt) {
  ResponseCache::Entry e;
  e.key = column_text(stmt, 0);
  e.model = column_text(stmt, 1);
  Completion& c = e.completion;
  c.ok = sqlite3_column_int(stmt, 2) != 0;
  c.error = column_text(stmt, 3);
  c.text = column_text(stmt, 4);
  c.finish_reason = column_text(stmt, 5);
  if (sqlite3_column_type(stmt, 6) != SQLITE_NULL)
    c.logprobs = logprobs_from_json(column_text(stmt, 6));
  c.usage.prompt_tokens = sqlite3_column_int64(stmt, 7);
  c.usage.completion_tokens = sqlite3_column_int64(stmt, 8);
  c.latency_seconds = sqlite3_column_double(stmt, 9);
  c.attempts = sqlite3_column_int(stmt, 10);
  c.endpoint = column_text(stmt, 11);
  c.response_id = column_text(stmt, 12);
  c.cached = true;
  return e;
}

}  // namespace

std::optional<Completion> ResponseCache::find(const std::string& key) {
  sqlite3_stmt* s = impl_->select;
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) impl_->fail("lookup");
  try {
    auto entry = read_row(s);
    sqlite3_reset(s);
    return std::move(entry.completion);
  } catch (const json::exception& e) {
    sqlite3_reset(s);
    throw Error("response cache " + impl_->path + ": bad logprobs for key " + key + ": " +
                e.what());
  }
}

void ResponseCache::put(const std::string& key, const std::string& model, const Completion& c) {
  if (impl_->pending == 0) {
    impl_->exec("BEGIN IMMEDIATE");
    impl_->batch_start = std::chrono::steady_clock::now();
  }
  sqlite3_stmt* s = impl_->insert;
  sqlite3_reset(s);
  auto text = [&](int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  };
  text(1, key);
  text(2, model);
  sqlite3_bind_int(s, 3, c.ok ? 1 : 0);
  text(4, c.error);
  text(5, c.text);
  text(6, c.finish_reason);
  if (c.logprobs) {
    text(7, logprobs_to_json(*c.logprobs));
  } else {
    sqlite3_bind_null(s, 7);
  }
  sqlite3_bind_int64(s, 8, c.usage.prompt_tokens);
  sqlite3_bind_int64(s, 9, c.usage.completion_tokens);
  sqlite3_bind_double(s, 10, c.latency_seconds);
  sqlite3_bind_int(s, 11, c.attempts);
  text(12, c.endpoint);
  text(13, c.response_id);
  if (sqlite3_step(s) != SQLITE_DONE) impl_->fail("insert");
  ++impl_->pending;
  flush_if_due();
}

void ResponseCache::flush_if_due() {
  if (impl_->pending == 0) return;
  if (impl_->pending >= impl_->options.batch_size ||
      std::chrono::steady_clock::now() - impl_->batch_start >= impl_->options.max_batch_age) {
    impl_->commit();
  }
}

void ResponseCache::flush() {
  impl_->commit();
}

std::vector<ResponseCache::Entry> ResponseCache::entries() {
  flush();
  sqlite3_stmt* stmt = impl_->prepare(
      (std::string("SELECT ") + kColumns + " FROM completions ORDER BY key").c_str());
  std::vector<Entry> out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) out.push_back(read_row(stmt));
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) impl_->fail("read");
  return out;
}

}  // namespace reasonrec::llm
