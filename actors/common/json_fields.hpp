#pragma once
// Reading attributes of stored records and request bodies without trusting
// their types: a wrong type reads as absent, never as an exception.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::json_fields {

using json = nlohmann::json;

/// The string attribute `key` of `j` ("" if absent or not a string).
std::string str(const json& j, const char* key);
/// The boolean attribute `key` (`fallback` if absent or not a boolean).
bool flag(const json& j, const char* key, bool fallback);
/// The non-negative integer attribute `key` (0 if absent, negative or not one).
uint64_t count(const json& j, const char* key);
/// The strings of the array attribute `key` (other items and types ignored).
std::vector<std::string> strings(const json& j, const char* key);

} // namespace stratus::json_fields
