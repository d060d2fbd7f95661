#include <doctest/doctest.h>

#include "transform.hpp"

TEST_CASE("transform names round-trip, and unknown names are refused") {
  for (auto t : {echo::Transform::upper, echo::Transform::echo}) CHECK(echo::parse_transform(echo::to_string(t)) == t);
  CHECK_FALSE(echo::parse_transform("UPPER").has_value());
  CHECK_FALSE(echo::parse_transform("").has_value());
}

TEST_CASE("append_transformed appends, leaving what was there") {
  std::string out = "keep:";
  echo::append_transformed(echo::Transform::upper, "abc-XYZ-09", out);
  CHECK(out == "keep:ABC-XYZ-09");
  echo::append_transformed(echo::Transform::echo, "abc", out);
  CHECK(out == "keep:ABC-XYZ-09abc");
}
