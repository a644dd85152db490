#include "actors/identity/token_payload.hpp"

#include <array>

#include <msgpack.hpp>
#include <openssl/rand.h>

namespace stratus::identity {
namespace {

constexpr std::array<const char*, 3> method_names{"password", "token", "application_credential"};

uint32_t method_bits(const std::vector<std::string>& methods) {
  uint32_t bits = 0;
  for (auto& m : methods)
    for (std::size_t i = 0; i < method_names.size(); ++i)
      if (m == method_names[i])
        bits |= 1u << i;
  return bits;
}

std::vector<std::string> method_list(uint32_t bits) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < method_names.size(); ++i)
    if (bits & (1u << i))
      out.emplace_back(method_names[i]);
  return out;
}

/// Payloads are tiny; anything bigger is not ours.
const msgpack::unpack_limit payload_limits{16, 16, 512, 0, 16, 4};

} // namespace

std::string encode_payload(const token_payload& p) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  const bool scoped = p.scope != token_scope::unscoped;
  const bool with_credential = p.scope == token_scope::application_credential;
  pk.pack_array(scoped ? (with_credential ? 7 : 6) : 5);
  pk.pack(static_cast<uint8_t>(p.scope));
  pk.pack(p.user_id);
  pk.pack(method_bits(p.methods));
  if (scoped)
    pk.pack(p.scope_id);
  pk.pack(p.expires_at);
  pk.pack_array(1);
  pk.pack(p.audit_id);
  if (with_credential)
    pk.pack(p.application_credential_id);
  return {buf.data(), buf.size()};
}

std::optional<token_payload> decode_payload(std::string_view bytes) {
  try {
    std::size_t offset = 0;
    auto handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, payload_limits);
    if (offset != bytes.size())
      return std::nullopt;
    const auto& o = handle.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size < 5)
      return std::nullopt;
    const auto* a = o.via.array.ptr;
    token_payload p;
    const auto version = a[0].as<uint8_t>();
    switch (version) {
    case 0:
    case 1:
    case 2:
    case 8:
    case 9:
      p.scope = static_cast<token_scope>(version);
      break;
    default:
      return std::nullopt;
    }
    const bool scoped = p.scope != token_scope::unscoped;
    const bool with_credential = p.scope == token_scope::application_credential;
    if (o.via.array.size != (scoped ? (with_credential ? 7u : 6u) : 5u))
      return std::nullopt;
    std::size_t i = 1;
    p.user_id = a[i++].as<std::string>();
    p.methods = method_list(a[i++].as<uint32_t>());
    if (scoped)
      p.scope_id = a[i++].as<std::string>();
    p.expires_at = a[i++].as<double>();
    auto audits = a[i++].as<std::vector<std::string>>();
    if (audits.empty())
      return std::nullopt;
    p.audit_id = audits.front();
    if (with_credential)
      p.application_credential_id = a[i].as<std::string>();
    return p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string new_audit_id() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out += alphabet[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

} // namespace stratus::identity
