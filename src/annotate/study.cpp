#include "annotate/study.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "util/error.hpp"

namespace reasonrec::annotate {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
  id INTEGER PRIMARY KEY, domain TEXT NOT NULL, example_id TEXT NOT NULL, source TEXT NOT NULL,
  model TEXT NOT NULL, mode TEXT NOT NULL, display TEXT NOT NULL, reasoning TEXT NOT NULL,
  true_rating INTEGER NOT NULL, predicted_rating INTEGER);
CREATE TABLE IF NOT EXISTS raters (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS assignments (
  rater_id INTEGER NOT NULL, item_id INTEGER NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (rater_id, item_id));
CREATE TABLE IF NOT EXISTS answers (
  rater_id INTEGER NOT NULL, item_id INTEGER NOT NULL, coherence INTEGER, faithful INTEGER,
  note TEXT NOT NULL DEFAULT '', insightfulness INTEGER, comment TEXT NOT NULL DEFAULT '',
  revision INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (rater_id, item_id));
)sql";

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  std::ifstream in("/dev/urandom", std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
    throw Error("cannot read /dev/urandom");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool well_formed_token(const std::string& token) {
  return token.size() == 64 && std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A deterministic shuffle (std::shuffle's algorithm is the library's choice).
template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

// One connection, closed when it goes: sqlite3_close_v2 waits for statements still open, so
// the order in which a scope's statements and connection end does not matter.
struct Db {
  sqlite3* db = nullptr;
  std::string path;

  Db() = default;
  Db(Db&& other) noexcept : db(std::exchange(other.db, nullptr)), path(std::move(other.path)) {}
  Db& operator=(Db&& other) noexcept {
    if (this != &other) {
      close();
      db = std::exchange(other.db, nullptr);
      path = std::move(other.path);
    }
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { close(); }
  void close() {
    if (db) sqlite3_close_v2(db);
    db = nullptr;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  }
  void exec(const char* sql) const {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message ? message : "error";
      sqlite3_free(message);
      throw Error(path + ": " + text);
    }
  }
};

class Stmt {
 public:
  Stmt(const Db& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.db, sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail("prepare");
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::optional<int> v) {
    if (v) return bind(i, static_cast<std::int64_t>(*v));
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) db_.fail("step");
    return false;
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::optional<int> opt(int c) const {
    if (null(c)) return std::nullopt;
    return static_cast<int>(i64(c));
  }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
  }

 private:
  const Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

Db open_db(const std::filesystem::path& path, int flags) {
  Db db;
  db.path = path.string();
  if (sqlite3_open_v2(db.path.c_str(), &db.db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string message = db.db ? sqlite3_errmsg(db.db) : "out of memory";
    db.close();
    throw InputError(db.path, 0, "cannot open study: " + message);
  }
  sqlite3_busy_timeout(db.db, 10000);
  // WAL + NORMAL: a committed answer survives the server being killed.
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=ON");
  return db;
}

nlohmann::json item_json(const data::ItemInfo& info) {
  nlohmann::json j = {{"title", info.meta.title}};
  if (!info.meta.brand.empty()) j["brand"] = info.meta.brand;
  if (!info.meta.categories.empty()) j["categories"] = info.meta.categories;
  if (!info.meta.description.empty()) j["description"] = info.meta.description;
  if (!info.meta.price.empty()) j["price"] = info.meta.price;
  return j;
}

// What the rater is shown of an example: the history as the prompt shows it (with the user's
// own past ratings) and the new item, never its rating or review.
nlohmann::json display_json(const std::string& domain, const data::Example& e) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : e.history) {
    nlohmann::json entry = item_json(h.item);
    entry["rating"] = h.rating;
    entry["review"] = h.review;
    entry["summary"] = h.summary;
    history.push_back(std::move(entry));
  }
  const bool video = domain.find("movie") != std::string::npos;
  return {{"domain", domain},
          {"item_kind", video ? "video" : "product"},
          {"history", std::move(history)},
          {"target", item_json(e.target)}};
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CreateSummary create_study(const CreateOptions& options) {
  if (options.predictions.empty()) throw UsageError("--predictions: at least one file");
  if (options.examples.empty()) throw UsageError("--examples: at least one file");
  if (options.samples == 0) throw UsageError("--samples must be at least 1");
  if (options.raters == 0 || options.raters > 100) throw UsageError("--raters must be 1..100");
  if (std::filesystem::exists(options.out)) {
    throw UsageError(options.out.string() + ": exists; a study is never overwritten");
  }
  std::set<std::string> domain_names;
  for (const auto& s : options.examples) {
    if (!domain_names.insert(s.domain).second) {
      throw UsageError("--examples: domain '" + s.domain + "' given twice");
    }
  }
  // example id -> prediction (sample 0) per file
  std::vector<std::map<std::string, eval::Prediction>> predictions;
  for (const auto& path : options.predictions) {
    auto& by_id = predictions.emplace_back();
    for (auto& p : eval::read_predictions(path)) {
      if (p.sample != 0) continue;
      by_id.emplace(p.example_id, std::move(p));
    }
  }
  // Each item names its predictions file: by file name, or by the path given when two share one.
  std::vector<std::string> labels;
  std::set<std::string> names;
  for (const auto& path : options.predictions) {
    labels.push_back(std::filesystem::path(path).filename().string());
    names.insert(labels.back());
  }
  if (names.size() < labels.size()) labels = options.predictions;
  std::mt19937_64 rng(options.seed);
  struct Chosen {
    std::string domain;
    data::Example example;
  };
  std::vector<Chosen> chosen;
  const std::size_t domains = options.examples.size();
  for (std::size_t d = 0; d < domains; ++d) {
    const auto& source = options.examples[d];
    const std::size_t quota = options.samples / domains + (d < options.samples % domains ? 1 : 0);
    std::array<std::vector<data::Example>, 5> by_rating;
    for (auto& e : data::read_examples(source.examples_path)) {
      if (e.split != options.split || e.rating < 1 || e.rating > 5) continue;
      const bool everywhere = std::all_of(predictions.begin(), predictions.end(),
                                          [&](const auto& m) { return m.count(e.id) > 0; });
      if (everywhere) by_rating[static_cast<std::size_t>(e.rating - 1)].push_back(std::move(e));
    }
    std::size_t available = 0;
    for (auto& v : by_rating) {
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
      shuffle(v, rng);
      available += v.size();
    }
    if (available < quota) {
      throw InputError(source.examples_path, 0,
                       std::to_string(available) + " " + options.split +
                           " examples with a prediction in every file, " + std::to_string(quota) +
                           " needed for domain '" + source.domain + "'");
    }
    // Round-robin over the true ratings: as balanced as the data allows.
    std::array<std::size_t, 5> next{};
    std::size_t taken = 0;
    for (std::size_t r = 0; taken < quota; r = (r + 1) % 5) {
      if (next[r] < by_rating[r].size()) {
        chosen.push_back({source.domain, by_rating[r][next[r]++]});
        ++taken;
      }
    }
  }

  if (options.out.has_parent_path()) std::filesystem::create_directories(options.out.parent_path());
  const auto partial = std::filesystem::path(options.out.string() + ".partial");
  std::filesystem::remove(partial);
  CreateSummary summary;
  {
    Db db = open_db(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA journal_mode=DELETE");  // one file until it is complete
    db.exec(kSchema);
    db.exec("BEGIN");
    summary.admin_token = random_token();
    Stmt meta(db, "INSERT INTO meta VALUES (?, ?)");
    meta.bind(1, std::string("admin_token")).bind(2, summary.admin_token).step();
    std::vector<std::int64_t> item_ids;
    for (const auto& c : chosen) {
      const std::string display = display_json(c.domain, c.example).dump();
      for (std::size_t f = 0; f < predictions.size(); ++f) {
        const auto& p = predictions[f].at(c.example.id);
        Stmt ins(db,
                 "INSERT INTO items (domain, example_id, source, model, mode, display, reasoning, "
                 "true_rating, predicted_rating) VALUES (?,?,?,?,?,?,?,?,?)");
        ins.bind(1, c.domain)
            .bind(2, c.example.id)
            .bind(3, labels[f])
            .bind(4, p.model)
            .bind(5, p.mode)
            .bind(6, display)
            .bind(7, p.reasoning)
            .bind(8, static_cast<std::int64_t>(c.example.rating))
            .bind(9, p.rating)
            .step();
        item_ids.push_back(sqlite3_last_insert_rowid(db.db));
      }
    }
    summary.examples = chosen.size();
    summary.items = item_ids.size();
    for (std::size_t r = 0; r < options.raters; ++r) {
      Rater rater{"r" + std::to_string(r + 1), random_token()};
      Stmt ins(db, "INSERT INTO raters (name, token) VALUES (?, ?)");
      ins.bind(1, rater.name).bind(2, rater.token).step();
      const std::int64_t rater_id = sqlite3_last_insert_rowid(db.db);
      // Each rater gets the items in an order of their own.
      std::vector<std::int64_t> order = item_ids;
      shuffle(order, rng);
      for (std::size_t i = 0; i < order.size(); ++i) {
        Stmt a(db, "INSERT INTO assignments VALUES (?, ?, ?)");
        a.bind(1, rater_id).bind(2, order[i]).bind(3, static_cast<std::int64_t>(i)).step();
      }
      summary.raters.push_back(std::move(rater));
    }
    db.exec("COMMIT");
  }  // statements, then the connection: the file is complete before it is renamed
  std::filesystem::rename(partial, options.out);
  return summary;
}

std::pair<std::int64_t, Answer> parse_answer(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);  // rejects invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    throw InvalidAnswer("the answer is not valid JSON");
  }
  if (!j.is_object()) throw InvalidAnswer("the answer must be a JSON object");
  static const std::set<std::string> kKeys = {
      "item", "coherence", "faithful", "fabricated_note", "insightfulness", "comment"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key)) throw InvalidAnswer("unknown field '" + key.substr(0, 40) + "'");
  }
  if (!j.contains("item") || !j["item"].is_number_integer()) {
    throw InvalidAnswer("item: an integer is required");
  }
  Answer a;
  auto scale = [&](const char* key) -> std::optional<int> {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < 1 ||
        j[key].get<std::int64_t>() > 5) {
      throw InvalidAnswer(std::string(key) + ": an integer 1..5 or null");
    }
    return j[key].get<int>();
  };
  auto text = [&](const char* key, std::size_t limit) -> std::string {
    if (!j.contains(key) || j[key].is_null()) return {};
    if (!j[key].is_string()) throw InvalidAnswer(std::string(key) + ": a string");
    auto s = j[key].get<std::string>();
    if (s.size() > limit) {
      throw InvalidAnswer(std::string(key) + ": at most " + std::to_string(limit) + " bytes");
    }
    return s;
  };
  a.coherence = scale("coherence");
  a.insightfulness = scale("insightfulness");
  if (j.contains("faithful") && !j["faithful"].is_null()) {
    if (!j["faithful"].is_boolean()) throw InvalidAnswer("faithful: true, false or null");
    a.faithful = j["faithful"].get<bool>();
  }
  a.fabricated_note = text("fabricated_note", kMaxNoteBytes);
  a.comment = text("comment", kMaxCommentBytes);
  return {j["item"].get<std::int64_t>(), std::move(a)};
}

struct Study::Impl {
  mutable std::mutex mutex;
  Db db;
};

Study::Study(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InputError(path.string(), 0, "no such study (annotate create makes one)");
  }
  impl_->db = open_db(path, SQLITE_OPEN_READWRITE);
  Stmt check(impl_->db, "SELECT count(*) FROM raters");
  check.step();
}

Study::~Study() = default;

std::optional<std::int64_t> Study::rater_by_token(const std::string& token) const {
  if (!well_formed_token(token)) return std::nullopt;
  std::lock_guard lock(impl_->mutex);
  Stmt s(impl_->db, "SELECT id FROM raters WHERE token = ?");
  s.bind(1, token);
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

std::string Study::admin_token() const {
  std::lock_guard lock(impl_->mutex);
  Stmt s(impl_->db, "SELECT value FROM meta WHERE key = 'admin_token'");
  if (!s.step()) throw Error(impl_->db.path + ": no admin token");
  return s.text(0);
}

bool Study::is_admin(const std::string& token) const {
  if (!well_formed_token(token)) return false;
  const std::string admin = admin_token();
  unsigned char diff = 0;  // constant time
  for (std::size_t i = 0; i < admin.size(); ++i) {
    diff |= static_cast<unsigned char>(admin[i] ^ token[i]);
  }
  return diff == 0;
}

std::vector<Rater> Study::raters() const {
  std::lock_guard lock(impl_->mutex);
  Stmt s(impl_->db, "SELECT name, token FROM raters ORDER BY id");
  std::vector<Rater> out;
  while (s.step()) out.push_back({s.text(0), s.text(1)});
  return out;
}

nlohmann::json Study::rater_state(std::int64_t rater) const {
  std::lock_guard lock(impl_->mutex);
  Stmt name(impl_->db, "SELECT name FROM raters WHERE id = ?");
  name.bind(1, rater);
  if (!name.step()) throw Error("no such rater");
  nlohmann::json items = nlohmann::json::array();
  Stmt s(impl_->db,
         "SELECT i.id, i.display, i.reasoning, a.coherence, a.faithful, a.note, "
         "a.insightfulness, a.comment, a.revision FROM assignments s JOIN items i ON "
         "i.id = s.item_id LEFT JOIN answers a ON a.rater_id = s.rater_id AND a.item_id = i.id "
         "WHERE s.rater_id = ? ORDER BY s.position");
  s.bind(1, rater);
  while (s.step()) {
    nlohmann::json item = nlohmann::json::parse(s.text(1));
    item["id"] = s.i64(0);
    item["reasoning"] = s.text(2);
    nlohmann::json answer = nullptr;
    if (!s.null(8)) {
      answer = {{"coherence", nullptr},      {"faithful", nullptr},  {"fabricated_note", s.text(5)},
                {"insightfulness", nullptr}, {"comment", s.text(7)}, {"revision", s.i64(8)}};
      if (!s.null(3)) answer["coherence"] = s.i64(3);
      if (!s.null(4)) answer["faithful"] = s.i64(4) != 0;
      if (!s.null(6)) answer["insightfulness"] = s.i64(6);
    }
    item["answer"] = std::move(answer);
    items.push_back(std::move(item));
  }
  return {{"rater", name.text(0)}, {"items", std::move(items)}};
}

std::optional<std::int64_t> Study::save_answer(std::int64_t rater, std::int64_t item,
                                               const Answer& a) {
  std::lock_guard lock(impl_->mutex);
  Stmt check(impl_->db, "SELECT 1 FROM assignments WHERE rater_id = ? AND item_id = ?");
  check.bind(1, rater).bind(2, item);
  if (!check.step()) return std::nullopt;
  // One statement in autocommit mode: committed (in the WAL) before this returns.
  Stmt s(impl_->db,
         "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (rater_id, item_id) "
         "DO UPDATE SET coherence = excluded.coherence, faithful = excluded.faithful, "
         "note = excluded.note, insightfulness = excluded.insightfulness, "
         "comment = excluded.comment, revision = revision + 1, updated_at = excluded.updated_at "
         "RETURNING revision");
  std::optional<int> faithful;
  if (a.faithful) faithful = *a.faithful ? 1 : 0;
  s.bind(1, rater)
      .bind(2, item)
      .bind(3, a.coherence)
      .bind(4, faithful)
      .bind(5, a.fabricated_note)
      .bind(6, a.insightfulness)
      .bind(7, a.comment)
      .bind(8, now_ms());
  if (!s.step()) impl_->db.fail("save answer");
  const std::int64_t revision = s.i64(0);
  while (s.step()) {
  }
  return revision;
}

std::vector<RaterProgress> Study::progress() const {
  std::lock_guard lock(impl_->mutex);
  Stmt s(impl_->db,
         "SELECT r.name, (SELECT count(*) FROM assignments WHERE rater_id = r.id), "
         "(SELECT count(*) FROM answers WHERE rater_id = r.id AND coherence IS NOT NULL AND "
         "faithful IS NOT NULL AND insightfulness IS NOT NULL), "
         "(SELECT count(*) FROM answers WHERE rater_id = r.id) FROM raters r ORDER BY r.id");
  std::vector<RaterProgress> out;
  while (s.step()) {
    out.push_back({s.text(0), static_cast<std::size_t>(s.i64(1)),
                   static_cast<std::size_t>(s.i64(2)), static_cast<std::size_t>(s.i64(3))});
  }
  return out;
}

std::string Study::export_jsonl() const {
  std::lock_guard lock(impl_->mutex);
  Stmt s(impl_->db,
         "SELECT i.id, i.domain, i.example_id, i.source, i.model, i.mode, i.true_rating, "
         "i.predicted_rating, r.name, a.coherence, a.faithful, a.note, a.insightfulness, "
         "a.comment, a.revision, a.updated_at FROM assignments s JOIN items i ON i.id = s.item_id "
         "JOIN raters r ON r.id = s.rater_id LEFT JOIN answers a ON a.rater_id = s.rater_id AND "
         "a.item_id = s.item_id ORDER BY i.id, r.id");
  std::string out;
  while (s.step()) {
    nlohmann::ordered_json j;
    j["item"] = s.i64(0);
    j["domain"] = s.text(1);
    j["example_id"] = s.text(2);
    j["source"] = s.text(3);
    j["model"] = s.text(4);
    j["mode"] = s.text(5);
    j["true_rating"] = s.i64(6);
    j["predicted_rating"] = s.null(7) ? nlohmann::json(nullptr) : nlohmann::json(s.i64(7));
    j["rater"] = s.text(8);
    auto opt = [&](int c) {
      return s.null(c) ? nlohmann::json(nullptr) : nlohmann::json(s.i64(c));
    };
    j["coherence"] = opt(9);
    j["faithful"] = s.null(10) ? nlohmann::json(nullptr) : nlohmann::json(s.i64(10) != 0);
    j["fabricated_note"] = s.text(11);
    j["insightfulness"] = opt(12);
    j["comment"] = s.text(13);
    j["complete"] = !s.null(9) && !s.null(10) && !s.null(12);
    j["revision"] = s.null(14) ? 0 : s.i64(14);
    j["updated_at_ms"] = opt(15);
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace reasonrec::annotate
