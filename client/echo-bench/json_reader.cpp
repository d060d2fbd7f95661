#include "json_reader.hpp"

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

namespace echo::bench {

// A recursive-descent parser over the text; it stops at the first error.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  std::optional<JsonValue> document(std::string& error) {
    JsonValue v;
    if (parse_value(v, 0)) {
      skip_space();
      if (at_ == text_.size()) return v;
      fail("text after the end of the document");
    }
    error = error_;
    return std::nullopt;
  }

 private:
  static constexpr int kMaxDepth = 64;  // deeper than anything we write: a bad file cannot blow the stack

  bool fail(const std::string& what) {
    if (error_.empty()) error_ = fmt::format("{} at byte {}", what, at_);
    return false;
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) ++at_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return fail("unexpected character");
    at_ += word.size();
    return true;
  }

  bool parse_value(JsonValue& v, int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_space();
    if (at_ >= text_.size()) return fail("unexpected end");
    const char c = text_[at_];
    if (c == '{') return parse_object(v, depth);
    if (c == '[') return parse_array(v, depth);
    if (c == '"') {
      v.kind_ = JsonValue::Kind::string;
      return parse_string(v.text_);
    }
    if (c == 't' || c == 'f') {
      v.kind_ = JsonValue::Kind::boolean;
      v.boolean_ = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') return literal("null");
    return parse_number(v);
  }

  bool parse_number(JsonValue& v) {
    const std::size_t start = at_;
    while (at_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[at_]) != std::string_view::npos) ++at_;
    if (at_ == start) return fail("unexpected character");
    v.kind_ = JsonValue::Kind::number;
    v.text_ = std::string(text_.substr(start, at_ - start));
    if (!v.as_double()) return fail("not a number");
    return true;
  }

  bool parse_string(std::string& out) {
    ++at_;  // the opening quote
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c == '\\') {
        if (at_ >= text_.size()) break;
        c = text_[at_++];
        switch (c) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u': {  // we only write \u00XX (control characters)
            if (at_ + 4 > text_.size()) return fail("short \\u escape");
            const auto code = std::strtoul(std::string(text_.substr(at_, 4)).c_str(), nullptr, 16);
            if (code > 0x7f) return fail("\\u escape beyond ASCII");
            c = static_cast<char>(code);
            at_ += 4;
            break;
          }
          default: break;  // \" \\ \/
        }
      }
      out += c;
    }
    if (at_ >= text_.size()) return fail("unterminated string");
    ++at_;
    return true;
  }

  bool parse_array(JsonValue& v, int depth) {
    v.kind_ = JsonValue::Kind::array;
    ++at_;
    skip_space();
    if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
    while (true) {
      if (!parse_value(v.elements_.emplace_back(), depth + 1)) return false;
      skip_space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
      return fail("expected , or ]");
    }
  }

  bool parse_object(JsonValue& v, int depth) {
    v.kind_ = JsonValue::Kind::object;
    ++at_;
    skip_space();
    if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
    while (true) {
      skip_space();
      if (at_ >= text_.size() || text_[at_] != '"') return fail("expected a member name");
      auto& member = v.members_.emplace_back();
      if (!parse_string(member.first)) return false;
      skip_space();
      if (at_ >= text_.size() || text_[at_] != ':') return fail("expected :");
      ++at_;
      if (!parse_value(member.second, depth + 1)) return false;
      skip_space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
      return fail("expected , or }");
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
  std::string error_;
};

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [name, value] : members_)
    if (name == key) return &value;
  return nullptr;
}

std::optional<double> JsonValue::as_double() const {
  if (kind_ != Kind::number) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(text_.c_str(), &end);
  if (end != text_.c_str() + text_.size() || errno == ERANGE) return std::nullopt;
  return d;
}

std::optional<std::uint64_t> JsonValue::as_u64() const {
  if (kind_ != Kind::number || text_.empty() || text_.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  errno = 0;
  const unsigned long long n = std::strtoull(text_.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<std::uint64_t>(n);
}

std::optional<bool> JsonValue::as_bool() const {
  if (kind_ != Kind::boolean) return std::nullopt;
  return boolean_;
}

std::optional<std::string> JsonValue::as_string() const {
  if (kind_ != Kind::string) return std::nullopt;
  return text_;
}

std::optional<JsonValue> JsonValue::parse(std::string_view text, std::string& error) {
  return JsonParser(text).document(error);
}

}  // namespace echo::bench
