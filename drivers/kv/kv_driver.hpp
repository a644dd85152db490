#pragma once
// A thin RAII wrapper over LMDB: environment, transaction, table, cursor.
// Uncommitted transactions abort at scope exit; cursors close before their
// transaction ends; a missing key is std::nullopt, not an error. Every other
// failure is a kv::error classified as misuse, full or fatal.
//
// Threading: a write transaction must begin and commit on one thread, inside
// one message handler. Read transactions may be used from any thread (the
// environment is opened with MDB_NOTLS).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace stratus::kv {

enum class error_class {
  misuse,  // a caller bug: bad table name, transaction already done, ...
  full,    // map or reader table full: the operator must grow it
  fatal,   // corruption, I/O error: the environment is unusable
};

class error : public std::runtime_error {
public:
  error(error_class cls, int lmdb_code, const std::string& what);
  error_class classification() const noexcept { return class_; }
  int lmdb_code() const noexcept { return code_; }

private:
  error_class class_;
  int code_;
};

struct options {
  uint64_t map_size = 1ull << 30;  // the file grows up to this (sparse)
  unsigned max_tables = 64;
  bool durable = true;             // false: MDB_NOSYNC (benchmarks and tests only)
};

class environment {
public:
  /// Opens (creating if needed) the environment in directory `dir`.
  environment(const std::filesystem::path& dir, const options& opts = {});
  ~environment();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  MDB_env* handle() const noexcept { return env_; }
  /// Forces an fsync of everything committed so far.
  void sync();

private:
  MDB_env* env_ = nullptr;
};

class transaction;

/// A named database inside the environment.
class table {
public:
  /// Opens `name`; with `create` the table is made if missing (write txn only).
  table(transaction& txn, std::string_view name, bool create = false);
  unsigned handle() const noexcept { return dbi_; }

private:
  unsigned dbi_ = 0;
};

class transaction {
public:
  enum class mode { read_only, read_write };
  transaction(environment& env, mode m);
  ~transaction();  // aborts unless committed
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  /// The value stays valid until the transaction ends or the key is written.
  std::optional<std::string_view> get(const table& t, std::string_view key);
  void put(const table& t, std::string_view key, std::string_view value);
  /// Returns whether the key existed.
  bool erase(const table& t, std::string_view key);
  /// Makes every write durable (unless the env is not durable).
  void commit();
  void abort() noexcept;

  MDB_txn* handle() const noexcept { return txn_; }

private:
  MDB_txn* txn_ = nullptr;
};

/// Iterates a table in key order.
class cursor {
public:
  cursor(transaction& txn, const table& t);
  ~cursor();
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  /// Positions at the first key >= `key`; false at the end.
  bool seek(std::string_view key);
  bool first();
  bool next();
  std::string_view key() const noexcept { return key_; }
  std::string_view value() const noexcept { return value_; }

private:
  bool step(int op, std::string_view key = {});
  MDB_cursor* cur_ = nullptr;
  std::string_view key_, value_;
};

} // namespace stratus::kv
