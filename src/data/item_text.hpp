#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::data {

// Decodes HTML character references: named (&amp; &eacute; ...), decimal (&#233;) and hex
// (&#xE9;). Unknown or malformed references are left as they are.
std::string unescape_html(std::string_view text);

// Removes tags (<br>, <i>...</i>, <span class="...">) and collapses runs of whitespace to one
// space, trimming both ends. Block-level tags become spaces so words do not run together.
std::string strip_tags(std::string_view text);

// True for scraped page fragments that the 2018 metadata carries in place of a value, e.g.
// `<span class="a-size-medium a-color-secondary"`, ` Magazines" />`, CSS and script.
bool looks_like_markup(std::string_view raw);

// The full cleaning of one free-text field: junk -> "", else tags stripped, entities decoded,
// whitespace collapsed, invalid UTF-8 repaired.
std::string clean_text(std::string_view raw);

// Joins the cleaned, non-empty parts with `separator`, dropping exact repeats.
std::string join_clean(const std::vector<std::string>& parts, std::string_view separator);

// A price as shown to the model: "$12.99", "$5.00 - $9.99"; anything that is not a price ("",
// scraped CSS, "None") becomes "".
std::string normalize_price(std::string_view raw);
std::string format_price(double value);

}  // namespace reasonrec::data
