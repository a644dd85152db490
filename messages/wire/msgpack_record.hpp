#pragma once
// msgpack adaptors derived from STRATUS_FIELDS: a record is an array of its
// fields in declaration order. A reader takes the fields it knows and leaves
// missing ones at their defaults, so fields may only ever be appended.
// Include only from .cpp files: msgpack headers are heavy.

#include <msgpack.hpp>

#include "messages/error.hpp"
#include "messages/record.hpp"

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <stratus::msg::record T>
struct convert<T> {
  const msgpack::object& operator()(const msgpack::object& o, T& v) const {
    if (o.type != msgpack::type::ARRAY)
      throw msgpack::type_error();
    const auto n = o.via.array.size;
    std::size_t i = 0;
    std::apply(
      [&](auto&... fields) {
        ((i < n ? (void) o.via.array.ptr[i].convert(fields) : (void) 0, ++i), ...);
      },
      v.fields());
    return o;
  }
};

template <stratus::msg::record T>
struct pack<T> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& p, const T& v) const {
    auto fields = v.fields();
    p.pack_array(static_cast<uint32_t>(std::tuple_size_v<decltype(fields)>));
    std::apply([&](const auto&... xs) { (p.pack(xs), ...); }, fields);
    return p;
  }
};

template <>
struct convert<stratus::msg::errc> {
  const msgpack::object& operator()(const msgpack::object& o, stratus::msg::errc& v) const {
    v = static_cast<stratus::msg::errc>(o.as<uint8_t>());
    return o;
  }
};

template <>
struct pack<stratus::msg::errc> {
  template <class Stream>
  msgpack::packer<Stream>& operator()(msgpack::packer<Stream>& p, stratus::msg::errc v) const {
    return p.pack(static_cast<uint8_t>(v));
  }
};

} // namespace adaptor
} // MSGPACK_API_VERSION_NAMESPACE
} // namespace msgpack
