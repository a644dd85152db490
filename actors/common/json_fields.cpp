#include "actors/common/json_fields.hpp"

#include <algorithm>

namespace stratus::json_fields {
namespace {

const json* field(const json& j, const char* key) {
  if (!j.is_object())
    return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

} // namespace

std::string str(const json& j, const char* key) {
  auto f = field(j, key);
  return f && f->is_string() ? f->get<std::string>() : std::string{};
}

bool flag(const json& j, const char* key, bool fallback) {
  auto f = field(j, key);
  return f && f->is_boolean() ? f->get<bool>() : fallback;
}

uint64_t count(const json& j, const char* key) {
  auto f = field(j, key);
  if (!f || !f->is_number_integer())
    return 0;
  return f->is_number_unsigned() ? f->get<uint64_t>() : static_cast<uint64_t>(std::max<int64_t>(0, f->get<int64_t>()));
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto f = field(j, key); f && f->is_array())
    for (auto& x : *f)
      if (x.is_string())
        out.push_back(x.get<std::string>());
  return out;
}

} // namespace stratus::json_fields
