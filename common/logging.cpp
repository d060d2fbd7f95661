#include "logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace echo {

bool setup_logging(const std::string& level, const std::string& name) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  auto logger = spdlog::stderr_logger_mt(name);
  logger->set_pattern("%H:%M:%S.%e %n[%P] %^%l%$: %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace echo
