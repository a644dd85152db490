#pragma once
// Typed payload encoding on top of the envelope. Include only from .cpp
// files (it pulls in msgpack).

#include <exception>

#include "messages/wire/envelope.hpp"
#include "messages/wire/msgpack_record.hpp"

namespace stratus::wire {

/// msgpack bytes of any record.
template <class T>
msg::bytes pack_record(const T& x) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, x);
  return msg::bytes(buf.data(), buf.data() + buf.size());
}

/// Parses bytes into `out`, bounded by `lim`; rejects trailing bytes.
msg::error unpack_object(std::span<const char> data, msgpack::object_handle& out,
                         const limits& lim);

/// Decodes a record from untrusted bytes. Never throws.
template <class T>
msg::error unpack_record(std::span<const char> data, T& out, const limits& lim = {}) {
  msgpack::object_handle oh;
  if (auto err = unpack_object(data, oh, lim); err.code != msg::errc::none)
    return err;
  try {
    oh.get().convert(out);
  } catch (const std::exception& e) {
    return {msg::errc::invalid, std::string{"malformed "} + T::type_name + ": " + e.what()};
  }
  return {};
}

/// Wraps a message into an envelope of the given kind.
template <msg::wire_message T>
envelope make_envelope(kind k, const T& x) {
  envelope env;
  env.kind = static_cast<uint8_t>(k);
  env.type = T::type_name;
  env.type_version = T::version;
  env.type_compat = T::compat_version;
  env.payload = pack_record(x);
  return env;
}

/// Extracts a T from an envelope after checking type name and versions.
template <msg::wire_message T>
msg::error open_envelope(const envelope& env, T& out, const limits& lim = {}) {
  if (env.type != T::type_name)
    return {msg::errc::invalid, "expected " + std::string{T::type_name} + ", got " + env.type};
  if (auto err = check_version(env, T::version, T::compat_version); err.code != msg::errc::none)
    return err;
  return unpack_record(env.payload, out, lim);
}

} // namespace stratus::wire
