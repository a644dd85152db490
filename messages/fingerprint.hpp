#pragma once
// A message's schema in one line: name, versions, and the shape of every
// field, nested records included. The fingerprint test compares it with
// messages/fingerprints.txt so that no schema changes without a version bump.

#include <string>
#include <typeinfo>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

/// The shape of a field type: records spelled out recursively.
template <class T>
std::string shape() {
  if constexpr (record<T>) {
    std::string out = std::string{T::type_name} + "{";
    std::string names = T::field_names;
    std::size_t pos = 0;
    // "name:shape" per field, in wire order
    auto next_name = [&] {
      auto end = names.find(',', pos);
      auto name = names.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      pos = end == std::string::npos ? names.size() : end + 1;
      name.erase(0, name.find_first_not_of(' '));
      return name;
    };
    std::apply(
      [&](const auto&... xs) {
        ((out += next_name() + ":" + shape<std::decay_t<decltype(xs)>>() + ";"), ...);
      },
      T{}.fields());
    return out + "}";
  } else if constexpr (std::is_same_v<T, std::vector<char>>) {
    return "bytes";
  } else if constexpr (is_vector<T>::value) {
    return "vector<" + shape<typename T::value_type>() + ">";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "str";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_enum_v<T>) {
    return "enum:" + shape<std::underlying_type_t<T>>();
  } else if constexpr (std::is_integral_v<T>) {
    return (std::is_signed_v<T> ? "i" : "u") + std::to_string(8 * sizeof(T));
  } else {
    return typeid(T).name();
  }
}

/// "<name> v<version>/<compat> <shape>"
template <wire_message T>
std::string fingerprint() {
  return std::string{T::type_name} + " v" + std::to_string(T::version) + "/" +
         std::to_string(T::compat_version) + " " + shape<T>();
}

} // namespace stratus::msg
