#pragma once
// The one place where a message's fields are listed. STRATUS_FIELDS gives a
// struct a tuple view of its fields; from that view the msgpack codec
// (messages/wire/msgpack_record.hpp) and CAF's inspect (below) are derived,
// so the field list is written exactly once and stays append-only.

#include <cstdint>
#include <tuple>
#include <type_traits>

#include <caf/meta/type_name.hpp>

/// Lists a struct's fields in wire order. Append new fields at the end only.
#define STRATUS_FIELDS(...)                                                    \
  auto fields() { return std::tie(__VA_ARGS__); }                              \
  auto fields() const { return std::tie(__VA_ARGS__); }                        \
  static constexpr const char* field_names = #__VA_ARGS__;

/// A message's stable wire name, its version, and the oldest reader version
/// that can still parse it. Bump the version with every change of the field
/// list (and say what changed in the comment beside it); raise compat_version
/// only when older readers would misread the new form.
#define STRATUS_MESSAGE(name, version_, compat_version_)                       \
  static constexpr const char* type_name = name;                               \
  static constexpr uint16_t version = version_;                                \
  static constexpr uint16_t compat_version = compat_version_;

namespace stratus::msg {

/// A struct with a stable name and a STRATUS_FIELDS list.
template <class T>
concept record = requires(T& x) {
  { T::type_name } -> std::convertible_to<const char*>;
  x.fields();
};

/// A record that travels on its own: it carries a version and the oldest
/// reader version that still understands it (Redpanda serde's rule).
template <class T>
concept wire_message = record<T> && requires {
  { T::version } -> std::convertible_to<uint16_t>;
  { T::compat_version } -> std::convertible_to<uint16_t>;
};

/// A wire message that expects an answer of `T::reply_type`.
template <class T>
concept request_message = wire_message<T> && requires { typename T::reply_type; };

/// A wire message sent one way, never answered.
template <class T>
concept notice_message = wire_message<T> && requires {
  { T::notice } -> std::convertible_to<bool>;
};

/// Requests are idempotent unless they say otherwise; non-idempotent ones are
/// deduplicated by (client id, sequence) on the receiving node.
template <class T>
constexpr bool is_idempotent() {
  if constexpr (requires { T::idempotent; })
    return T::idempotent;
  else
    return true;
}

/// CAF 0.17 inspection derived from the field list.
template <class Inspector, record T>
typename Inspector::result_type inspect(Inspector& f, T& x) {
  return std::apply(
    [&](auto&... xs) { return f(caf::meta::type_name(T::type_name), xs...); },
    x.fields());
}

} // namespace stratus::msg
