#pragma once
// Just enough JSON to read back what JsonWriter wrote (result files for `echo-bench merge`):
// objects, arrays, numbers, strings, booleans, null. Integers keep their digits, so a 64-bit count
// reads back exactly.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace echo::bench {

class JsonValue {
 public:
  enum class Kind { null, boolean, number, string, array, object };

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }

  // Members and elements; a missing member is nullptr.
  const JsonValue* find(std::string_view key) const;
  const std::vector<JsonValue>& elements() const { return elements_; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

  // The value as a type, or nullopt when it is not one (a negative or fractional number is no u64).
  std::optional<double> as_double() const;
  std::optional<std::uint64_t> as_u64() const;
  std::optional<bool> as_bool() const;
  std::optional<std::string> as_string() const;

  // Parses one JSON document. Returns nullopt with `error` saying where and what when it is not JSON.
  static std::optional<JsonValue> parse(std::string_view text, std::string& error);

 private:
  friend class JsonParser;
  Kind kind_ = Kind::null;
  bool boolean_ = false;
  std::string text_;  // a string's value, or a number's digits as written
  std::vector<JsonValue> elements_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace echo::bench
