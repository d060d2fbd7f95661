#include "transform.hpp"

#include <algorithm>

namespace echo {

void append_transformed(Transform t, std::string_view line, std::string& out) {
  const std::size_t start = out.size();
  out.append(line);
  if (t == Transform::upper) {
    std::transform(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), out.begin() + static_cast<std::ptrdiff_t>(start),
                   to_upper_ascii);
  }
}

std::string_view to_string(Transform t) { return t == Transform::upper ? "upper" : "echo"; }

std::optional<Transform> parse_transform(std::string_view name) {
  if (name == "upper") return Transform::upper;
  if (name == "echo") return Transform::echo;
  return std::nullopt;
}

}  // namespace echo
