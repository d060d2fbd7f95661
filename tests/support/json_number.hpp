#pragma once
// A number field of echo-bench's JSON output, found by its (unique enough) "name": prefix; the
// test fails, showing the JSON, when the field is missing.

#include <doctest/doctest.h>

#include <regex>
#include <string>

namespace echo::test {

inline double json_number(const std::string& json, const std::string& name) {
  std::smatch m;
  const std::regex re("\"" + name + "\":(-?[0-9.eE+]+)");
  REQUIRE_MESSAGE(std::regex_search(json, m, re), "no field " << name << " in " << json);
  return std::stod(m[1]);
}

}  // namespace echo::test
