#include <gtest/gtest.h>

#include "data/item_text.hpp"
#include "data/readers.hpp"

namespace reasonrec::data {
namespace {

TEST(ItemText, UnescapesNamedAndNumericEntities) {
  EXPECT_EQ(unescape_html("Computers &amp; Internet"), "Computers & Internet");
  EXPECT_EQ(unescape_html("caf&eacute; &#233; &#xE9; &#XE9;"),
            "caf\xC3\xA9 \xC3\xA9 \xC3\xA9 \xC3\xA9");
  EXPECT_EQ(unescape_html("AT&T &bogus; &#; & alone"), "AT&T &bogus; &#; & alone");
  EXPECT_EQ(unescape_html("&lt;b&gt;"), "<b>");
}

TEST(ItemText, StripsTagsAndCollapsesWhitespace) {
  EXPECT_EQ(strip_tags("  Designed for the <i>rabid</i>\n PC hobbyist<br/>tips "),
            "Designed for the rabid PC hobbyist tips");
  EXPECT_EQ(strip_tags("a < b and c > d"), "a < b and c > d");
}

TEST(ItemText, DropsScrapedPageJunk) {
  // Real values from the 2018 Magazine_Subscriptions metadata.
  EXPECT_EQ(clean_text("<span class=\"a-size-medium a-color-secondary\""), "");
  EXPECT_EQ(clean_text(" Magazines\" />"), "");
  EXPECT_EQ(normalize_price(".a-box-inner{background-color:#fff}#alohaBuyBoxWidget .selected{"),
            "");
  EXPECT_EQ(clean_text("PC World"), "PC World");
  EXPECT_EQ(clean_text("Woman&#39;s Day"), "Woman's Day");
  EXPECT_EQ(clean_text("Soft &lt;br&gt; smooth"), "Soft smooth");
}

TEST(ItemText, Prices) {
  EXPECT_EQ(normalize_price("$12.99"), "$12.99");
  EXPECT_EQ(normalize_price("12.99"), "$12.99");
  EXPECT_EQ(normalize_price("$5.00 - $9.99"), "$5.00 - $9.99");
  EXPECT_EQ(normalize_price("None"), "");
  EXPECT_EQ(format_price(3.1), "$3.10");
}

TEST(ItemText, NormalizeMetaJoinsListsAndCountsJunk) {
  RawMeta raw;
  raw.item = "B1";
  raw.title = "<span class=\"a-size-medium a-color-secondary\"";
  raw.brand = "Future US, Inc.";
  raw.categories = {"Magazine Subscriptions", "Computers &amp; Internet", "Magazine Subscriptions"};
  raw.description = {"MAXIMUM PC is &amp; more.", "", "Designed for the <i>rabid</i> hobbyist."};
  raw.price = ".a-box-inner{background-color:#fff}";
  NormalizeStats stats;
  const ItemMeta m = normalize_meta(raw, stats);
  EXPECT_EQ(m.title, "");
  EXPECT_EQ(m.categories,
            (std::vector<std::string>{"Magazine Subscriptions", "Computers & Internet"}));
  EXPECT_EQ(m.description, "MAXIMUM PC is & more. Designed for the rabid hobbyist.");
  EXPECT_EQ(m.price, "");
  EXPECT_EQ(stats.junk_titles, 1u);
  EXPECT_EQ(stats.junk_prices, 1u);
}

}  // namespace
}  // namespace reasonrec::data
