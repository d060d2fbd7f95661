#pragma once
// Just enough JSON to write our reports: nested objects and arrays, numbers, strings, booleans.
// Output is compact (one line), which is what `--json` consumers want.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace echo::bench {

class JsonWriter {
 public:
  // `key` is for members of an object; leave it empty inside arrays and at the top.
  JsonWriter& begin_object(std::string_view key = {});
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {});
  JsonWriter& end_array();
  JsonWriter& value(std::string_view key, std::string_view v);
  JsonWriter& value(std::string_view key, const char* v) { return value(key, std::string_view(v)); }
  JsonWriter& value(std::string_view key, double v);
  JsonWriter& value(std::string_view key, std::uint64_t v);
  JsonWriter& value(std::string_view key, bool v);
  const std::string& str() const { return out_; }

 private:
  void prefix(std::string_view key);
  void quoted(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
};

}  // namespace echo::bench
