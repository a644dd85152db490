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
    std::string out = std::string{T::type_name} + "{" + T::field_names + ":";
    std::apply([&](const auto&... xs) { ((out += shape<std::decay_t<decltype(xs)>>() + ";"), ...); },
               T{}.fields());
    return out + "}";
  } else if constexpr (is_vector<T>::value) {
    return "vector<" + shape<typename T::value_type>() + ">";
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
