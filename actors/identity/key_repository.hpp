#pragma once
// A Fernet key repository laid out as Keystone's: one file per key, named
// by number, mode 0600. Key 0 is staged (the next primary, already accepted
// so that every node knows it before it signs anything), the highest number
// is the primary (signs new tokens), the rest are secondary (still accepted
// until rotated out). Rotation: the staged key becomes primary, a new staged
// key appears, and the oldest secondaries go beyond `max_active_keys`.

#include <filesystem>
#include <vector>

#include "actors/identity/fernet.hpp"

namespace stratus::identity {

/// The keys of an existing repository, primary first, then secondaries
/// newest first, then the staged key; never creates anything. Throws
/// std::runtime_error if the directory holds no staged and primary key or
/// a key file is malformed.
std::vector<fernet_key> read_keys(const std::filesystem::path& dir);

class key_repository {
public:
  /// Opens `dir`, creating it (0700) with a staged and a primary key if empty.
  /// Throws std::runtime_error if a key file is unreadable or malformed.
  explicit key_repository(std::filesystem::path dir, int max_active_keys = 3);

  /// Primary first, then secondaries newest first, then the staged key.
  const std::vector<fernet_key>& keys() const {
    return keys_;
  }
  const fernet_key& primary() const {
    return keys_.front();
  }

  /// Rotates as described above and reloads.
  void rotate();

private:
  void load();

  std::filesystem::path dir_;
  int max_active_keys_;
  std::vector<fernet_key> keys_;
};

} // namespace stratus::identity
