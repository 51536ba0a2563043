// Reads the real Amazon files in ../shared/data and checks our counts against an independent
// count made here with Debian's Python (json + gzip from the standard library).
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/prepare.hpp"
#include "data/readers.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::data {
namespace {

nlohmann::json python_json(const std::string& script, const std::vector<std::string>& args) {
  const auto r = test::run_python(script, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

// Independent count: dedupe by (user, item, time, text), per-user stable time order,
// candidates = positions >= min_history.
const char* kPythonReviewCounts = R"PY(
import gzip, json, sys, collections
path, min_history = sys.argv[1], int(sys.argv[2])
seen, reviews, dups = set(), [], 0
with gzip.open(path, 'rt', encoding='utf-8') as f:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        key = (r['reviewerID'], r['asin'], r['unixReviewTime'], r.get('reviewText', ''))
        if key in seen:
            dups += 1
            continue
        seen.add(key)
        reviews.append(r)
by_user = collections.defaultdict(list)
for r in reviews:
    by_user[r['reviewerID']].append(r)
cand = collections.Counter()
cand_users = collections.Counter()
for u, rs in by_user.items():
    rs.sort(key=lambda r: r['unixReviewTime'])
    ratings = set()
    for r in rs[min_history:]:
        cand[int(r['overall'])] += 1
        ratings.add(int(r['overall']))
    for x in ratings:
        cand_users[x] += 1
print(json.dumps({'reviews': len(reviews), 'dups': dups, 'users': len(by_user),
                  'items': len({r['asin'] for r in reviews}),
                  'cand': {str(k): cand[k] for k in range(1, 6)},
                  'cand_users': {str(k): cand_users[k] for k in range(1, 6)}}))
)PY";

void expect_counts_match(const nlohmann::ordered_json& summary, const nlohmann::json& py) {
  EXPECT_EQ(summary["data"]["reviews"].get<std::uint64_t>(), py["reviews"].get<std::uint64_t>());
  EXPECT_EQ(summary["data"]["duplicate_reviews_dropped"].get<std::uint64_t>(),
            py["dups"].get<std::uint64_t>());
  EXPECT_EQ(summary["data"]["users"].get<std::uint64_t>(), py["users"].get<std::uint64_t>());
  EXPECT_EQ(summary["data"]["items"].get<std::uint64_t>(), py["items"].get<std::uint64_t>());
  for (int r = 1; r <= 5; ++r) {
    const auto k = std::to_string(r);
    EXPECT_EQ(summary["candidates"]["targets_by_rating"][k].get<std::uint64_t>(),
              py["cand"][k].get<std::uint64_t>())
        << "rating " << r;
    EXPECT_EQ(summary["candidates"]["users_by_rating"][k].get<std::uint64_t>(),
              py["cand_users"][k].get<std::uint64_t>())
        << "rating " << r;
  }
}

TEST(RealData, AllBeauty2018PrepareMatchesIndependentCount) {
  const auto reviews =
      test::shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz").string();
  PrepareOptions options;
  options.review_files = {reviews};
  options.load.progress = ProgressMode::Silent;
  options.sampling.train_per_rating = 30;
  options.sampling.test_per_rating = 10;
  options.out_dir = test::scratch_dir().string();
  const PrepareResult result = prepare(options);
  const auto py = python_json(kPythonReviewCounts, {reviews, "4"});
  expect_counts_match(result.summary, py);
  EXPECT_EQ(result.dataset.reviews.size(), 4216u);  // SOURCE.md: distinct tuples
  EXPECT_EQ(result.summary["data"]["items_without_meta"].get<std::uint64_t>(), 85u);
}

TEST(RealData, MagazineReviewsAndMetadataPrepare) {
  const auto dir = test::shared_data("amazon2018_magazine_subscriptions");
  const auto reviews = (dir / "Magazine_Subscriptions_5.json.gz").string();
  const auto meta = (dir / "meta_Magazine_Subscriptions.json.gz").string();
  PrepareOptions options;
  options.review_files = {reviews};
  options.meta_files = {meta};
  options.load.progress = ProgressMode::Silent;
  options.sampling.train_per_rating = 20;
  options.sampling.test_per_rating = 5;
  options.out_dir = test::scratch_dir().string();
  const PrepareResult result = prepare(options);
  expect_counts_match(result.summary, python_json(kPythonReviewCounts, {reviews, "4"}));

  const auto py_meta = python_json(R"PY(
import gzip, json, sys
asins, lines = set(), 0
with gzip.open(sys.argv[1], 'rt', encoding='utf-8') as f:
    for line in f:
        lines += 1
        asins.add(json.loads(line)['asin'])
reviewed = set()
with gzip.open(sys.argv[2], 'rt', encoding='utf-8') as f:
    for line in f:
        reviewed.add(json.loads(line)['asin'])
print(json.dumps({'lines': lines, 'asins': len(asins), 'covered': len(reviewed & asins)}))
)PY",
                                   {meta, reviews});
  const auto& d = result.summary["data"];
  EXPECT_EQ(d["meta_records"].get<std::uint64_t>(), py_meta["asins"].get<std::uint64_t>());
  EXPECT_EQ(d["duplicate_meta_lines_merged"].get<std::uint64_t>(),
            py_meta["lines"].get<std::uint64_t>() - py_meta["asins"].get<std::uint64_t>());
  EXPECT_EQ(d["items_with_meta"].get<std::uint64_t>(), py_meta["covered"].get<std::uint64_t>());
  EXPECT_GT(d["junk_titles_dropped"].get<std::uint64_t>(), 3000u);

  // Every example carries metadata text where it exists and never any markup.
  std::size_t with_meta = 0;
  for (const auto& e : result.sampling.examples) {
    with_meta += e.target.has_meta;
    EXPECT_EQ(e.target.meta.title.find("a-size"), std::string::npos);
    EXPECT_EQ(e.target.meta.description.find("<i>"), std::string::npos);
    EXPECT_EQ(e.target.meta.description.find("&amp;"), std::string::npos);
  }
  EXPECT_GT(with_meta, result.sampling.examples.size() / 2);
}

TEST(RealData, MusicalInstruments2014ReviewsParseCompletely) {
  const auto path =
      test::shared_data(
          "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz")
          .string();
  std::size_t count = 0;
  std::set<std::string> users;
  const SourceReport report = read_reviews(path, SourceFormat::ReviewsJson, {}, [&](Review&& r) {
    ++count;
    users.insert(r.user);
    EXPECT_GE(r.rating, 1);
    EXPECT_GT(r.time, 1000000000);
  });
  EXPECT_EQ(count, 10261u);
  EXPECT_EQ(users.size(), 1429u);
  EXPECT_EQ(report.skipped.total(), 0u);
  EXPECT_EQ(report.compression, "gzip");
}

TEST(RealData, Beauty2014RecBoleItemsParseCompletely) {
  const auto path = test::shared_data("amazon2014_beauty_5core/Amazon_Beauty.item").string();
  EXPECT_EQ(detect_format(path), SourceFormat::MetaRecBoleItems);
  std::size_t count = 0, with_price = 0, with_brand = 0;
  NormalizeStats stats;
  read_meta(path, SourceFormat::MetaRecBoleItems, {}, [&](RawMeta&& raw) {
    const ItemMeta m = normalize_meta(raw, stats);
    ++count;
    with_price += !m.price.empty();
    with_brand += !m.brand.empty();
    EXPECT_FALSE(m.categories.empty()) << m.item;
  });
  EXPECT_EQ(count, 12101u);
  EXPECT_EQ(with_price, 11516u);  // SOURCE.md: non-empty price:float
  EXPECT_EQ(with_brand, 10003u);
}

// The 2014 metadata files hold one Python dict per line. Python itself writes such a file from the
// real Beauty 2014 rows (repr of each dict), and we must read back what Python put in.
TEST(RealData, Beauty2014PythonLiteralMetadataParsesCompletely) {
  const auto dir = test::scratch_dir();
  const auto item_file = test::shared_data("amazon2014_beauty_5core/Amazon_Beauty.item").string();
  const auto out = (dir / "meta_Beauty.json").string();
  const auto r = test::run_python(R"PY(
import sys, csv, json
src, out = sys.argv[1], sys.argv[2]
expect = []
with open(src, encoding='utf-8', newline='') as f, open(out, 'w', encoding='utf-8') as w:
    rows = csv.reader(f, delimiter='\t')
    header = next(rows)
    for values in rows:
        row = dict(zip(header, values))
        d = {'asin': row['item_id:token'], 'title': row['title:token'],
             'categories': [[c.strip().strip("'") for c in row['categories:token_seq'].split("', '")]],
             'salesRank': {row['sales_type:token']: row['sales_rank:float']}}
        if row['price:float']:
            d['price'] = float(row['price:float'])
        if row['brand:token']:
            d['brand'] = row['brand:token']
        w.write(repr(d) + '\n')
        expect.append([d['asin'], d['title'], d.get('brand', '')])
print(json.dumps(expect))
)PY",
                                  {item_file, out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto expected = nlohmann::json::parse(r.out);
  ASSERT_EQ(detect_format(out), SourceFormat::MetaPython);
  std::vector<RawMeta> got;
  const auto report = read_meta(out, SourceFormat::MetaPython, {},
                                [&](RawMeta&& m) { got.push_back(std::move(m)); });
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(got.size(), 12101u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].item, expected[i][0].get<std::string>());
    ASSERT_EQ(got[i].title, expected[i][1].get<std::string>()) << got[i].item;
    ASSERT_EQ(got[i].brand, expected[i][2].get<std::string>()) << got[i].item;
  }
}

TEST(RealData, Amazon2023RatingsCsv) {
  const auto path =
      test::shared_data("amazon2023_all_beauty_5core_ratings/All_Beauty.csv").string();
  EXPECT_EQ(detect_format(path), SourceFormat::RatingsCsv);
  std::size_t count = 0;
  std::int64_t min_time = INT64_MAX;
  read_reviews(path, SourceFormat::RatingsCsv, {}, [&](Review&& r) {
    ++count;
    min_time = std::min(min_time, r.time);
  });
  EXPECT_EQ(count, 2535u);
  EXPECT_GT(min_time, 1500000000);  // milliseconds became seconds (first review 2018-12-13)
  EXPECT_LT(min_time, 1600000000);
}

}  // namespace
}  // namespace reasonrec::data
