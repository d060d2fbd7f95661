#include "framer.hpp"

namespace echo {

std::string_view to_string(Framing f) { return f == Framing::line ? "line" : "raw"; }

std::optional<Framing> parse_framing(std::string_view name) {
  if (name == "line") return Framing::line;
  if (name == "raw") return Framing::raw;
  return std::nullopt;
}

}  // namespace echo
