#include "json_writer.hpp"

#include <cmath>
#include <fmt/format.h>

namespace echo::bench {

void JsonWriter::prefix(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  if (!key.empty()) {
    quoted(key);
    out_ += ':';
  }
}

void JsonWriter::quoted(std::string_view s) {
  out_ += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += ch;
    } else if (c < 0x20) {
      out_ += fmt::format("\\u{:04x}", c);
    } else {
      out_ += ch;
    }
  }
  out_ += '"';
}

JsonWriter& JsonWriter::begin_object(std::string_view key) {
  prefix(key);
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view key) {
  prefix(key);
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, std::string_view v) {
  prefix(key);
  quoted(v);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, double v) {
  prefix(key);
  out_ += std::isfinite(v) ? fmt::format("{}", std::round(v * 1000) / 1000) : "null";  // JSON has no NaN
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, std::uint64_t v) {
  prefix(key);
  out_ += fmt::format("{}", v);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, bool v) {
  prefix(key);
  out_ += v ? "true" : "false";
  return *this;
}

}  // namespace echo::bench
