#pragma once
// Password hashes in bcrypt's format ($2b$<cost>$…), Keystone's default,
// computed by the system's libcrypt. Slow on purpose: call from a worker,
// never from an actor's handler.

#include <optional>
#include <string>

namespace stratus::identity {

/// Bcrypt cost: 2^cost rounds. Keystone's default is 12 (~0.25 s here).
constexpr int default_password_cost = 12;

/// A salted hash of `password`; throws std::runtime_error if libcrypt fails
/// or the cost is outside 4..31.
std::string hash_password(const std::string& password, int cost = default_password_cost);

/// Whether `password` matches `hash` (constant-time comparison).
bool verify_password(const std::string& password, const std::string& hash);

} // namespace stratus::identity
