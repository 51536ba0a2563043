#pragma once

#include <string>
#include <string_view>

namespace reasonrec::prompt {

// The words a prompt uses for the kind of item. The paper words its prompt for products
// (BEAUTY) or for videos (MOVIES/TV); every other product category uses the product wording.
struct Domain {
  std::string name;
  std::string item_kind;       // "product" / "video"
  std::string Item_kind;       // "Product" / "Video"
  std::string item_kind_long;  // "product" / "video (movies and tv)"
  std::string history_kind;    // "purchase" / "watch"
};

// "beauty" or "product" (product wording), "movies" (video wording). Throws UsageError
// naming the accepted values otherwise.
Domain domain_by_name(std::string_view name);

}  // namespace reasonrec::prompt
