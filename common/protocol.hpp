#pragma once
// The lines the server says on its own account, each followed by closing the connection
// (SPEC.md: "Every `ERR ...` line is followed by the server closing that connection").

#include <string_view>

namespace echo {

inline constexpr std::string_view kErrLineTooLong = "ERR line too long\n";
inline constexpr std::string_view kErrServerBusy = "ERR server busy\n";
inline constexpr std::string_view kErrIdleTimeout = "ERR idle timeout\n";

}  // namespace echo
