#pragma once
// How a chat run is told: a short human report, or one JSON object (docs/BENCH.md, "chat").

#include <string>
#include <string_view>

#include "chat_result.hpp"
#include "json_writer.hpp"

namespace echo::bench {

std::string human_report(const ChatResult& r);
void write_json(JsonWriter& json, const ChatResult& r, std::string_view key = {});
std::string json_report(const ChatResult& r);

}  // namespace echo::bench
