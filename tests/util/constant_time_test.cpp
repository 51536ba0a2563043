#include <gtest/gtest.h>

#include <string>

#include "util/constant_time.hpp"

namespace reasonrec {
namespace {

TEST(ConstantTimeEquals, ComparesWholeSecrets) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("Bearer s3cret", "Bearer s3cret"));
  EXPECT_FALSE(constant_time_equals("Bearer s3cret", "Bearer s3cres"));
  EXPECT_FALSE(constant_time_equals("Bearer s3cret", "Xearer s3cret"));
  // A prefix, or the secret followed by anything, is not the secret.
  EXPECT_FALSE(constant_time_equals("Bearer s3c", "Bearer s3cret"));
  EXPECT_FALSE(constant_time_equals(std::string("ab\0", 3), "ab"));
  EXPECT_FALSE(constant_time_equals("", "x"));
}

}  // namespace
}  // namespace reasonrec
