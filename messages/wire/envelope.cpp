#include "messages/wire/envelope.hpp"

#include <algorithm>

#include "messages/wire/payload.hpp"

namespace stratus::wire {

msg::bytes encode(const envelope& env) {
  return pack_record(env);
}

msg::error unpack_object(std::span<const char> data, msgpack::object_handle& out,
                         const limits& lim) {
  if (data.size() > lim.max_frame_bytes)
    return {msg::errc::invalid, "frame of " + std::to_string(data.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(lim.max_frame_bytes)};
  if (data.empty())
    return {msg::errc::invalid, "empty frame"};
  // msgpack reserves room for an array's or map's claimed size up front, so
  // no container may claim more elements than the frame has bytes.
  msgpack::unpack_limit bounds(std::min(lim.max_array, data.size()),
                               std::min(lim.max_map, data.size()), lim.max_str, lim.max_bin,
                               /*ext*/ 0, lim.max_depth);
  std::size_t offset = 0;
  try {
    out = msgpack::unpack(data.data(), data.size(), offset, nullptr, nullptr, bounds);
  } catch (const msgpack::insufficient_bytes&) {
    return {msg::errc::invalid, "truncated frame"};
  } catch (const std::exception& e) {
    return {msg::errc::invalid, std::string{"undecodable frame: "} + e.what()};
  }
  if (offset != data.size())
    return {msg::errc::invalid, std::to_string(data.size() - offset) +
                                  " trailing bytes after the message"};
  return {};
}

msg::error decode(std::span<const char> frame, envelope& out, const limits& lim) {
  if (auto err = unpack_record(frame, out, lim); err.code != msg::errc::none)
    return err;
  if (out.protocol != protocol_version)
    return {msg::errc::invalid, "unsupported protocol version " + std::to_string(out.protocol)};
  if (out.kind < static_cast<uint8_t>(kind::request) || out.kind > static_cast<uint8_t>(kind::notice))
    return {msg::errc::invalid, "unknown envelope kind " + std::to_string(out.kind)};
  if (out.type.empty())
    return {msg::errc::invalid, "envelope without a type name"};
  return {};
}

msg::error check_version(const envelope& env, uint16_t reader_version, uint16_t reader_compat) {
  if (env.type_compat > reader_version)
    return {msg::errc::invalid, env.type + " v" + std::to_string(env.type_version) +
                                  " needs a reader of version " + std::to_string(env.type_compat) +
                                  " or newer; this node reads up to v" +
                                  std::to_string(reader_version)};
  if (env.type_version < reader_compat)
    return {msg::errc::invalid, env.type + " v" + std::to_string(env.type_version) +
                                  " is older than the oldest version this node reads (v" +
                                  std::to_string(reader_compat) + ")"};
  return {};
}

} // namespace stratus::wire
