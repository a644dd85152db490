#pragma once
// "a,b,,c" → {"a", "b", "c"}: the comma-separated lists of query parameters
// (Keystone's tag filters, Glance's "in:" filters) and of settings.

#include <string>
#include <vector>

namespace stratus::api_support {

/// The non-empty items of a comma-separated list.
std::vector<std::string> comma_list(const std::string& text);

} // namespace stratus::api_support
