#pragma once
// The database schema: its version, its tables and the migrations that
// bring an older database up to date. Applied by the conductor at start.

#include <functional>
#include <string>
#include <vector>

namespace stratus::kv {
class transaction;
}

namespace stratus::actors::schema {

/// Bump with every change of tables or record layout, and add a migration.
constexpr int current_version = 7; // 1: meta + scratch; 2: identity; 3: image;
                                   // 4: placement; 5: compute; 6: network; 7: console

/// Tables other roles may write through the conductor.
const std::vector<std::string>& tables();

/// A step from `from` to `from + 1`, run inside the migration's transaction.
struct migration {
  int from;
  std::function<void(kv::transaction&)> apply;
};

const std::vector<migration>& migrations();

/// Brings the database to current_version in one transaction; returns the
/// version found before. Throws std::runtime_error if the database is newer
/// than this binary.
int migrate(kv::transaction& txn);

} // namespace stratus::actors::schema
