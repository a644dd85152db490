#include "drivers/kv/kv_driver.hpp"

#include <lmdb.h>

namespace stratus::kv {
namespace {

error_class classify(int rc) {
  switch (rc) {
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
    case MDB_DBS_FULL:
      return error_class::full;
    case MDB_CORRUPTED:
    case MDB_PANIC:
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
    case EIO:
      return error_class::fatal;
    default:
      return error_class::misuse;
  }
}

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS)
    throw error(classify(rc), rc, std::string{what} + ": " + mdb_strerror(rc));
}

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view from_val(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

} // namespace

error::error(error_class cls, int lmdb_code, const std::string& what)
  : std::runtime_error(what), class_(cls), code_(lmdb_code) {}

environment::environment(const std::filesystem::path& dir, const options& opts) {
  std::filesystem::create_directories(dir);
  check(mdb_env_create(&env_), "mdb_env_create");
  try {
    check(mdb_env_set_mapsize(env_, opts.map_size), "mdb_env_set_mapsize");
    check(mdb_env_set_maxdbs(env_, opts.max_tables), "mdb_env_set_maxdbs");
    unsigned flags = MDB_NOTLS;
    if (!opts.durable)
      flags |= MDB_NOSYNC;
    check(mdb_env_open(env_, dir.c_str(), flags, 0640), "mdb_env_open");
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

environment::~environment() {
  mdb_env_close(env_);
}

void environment::sync() {
  check(mdb_env_sync(env_, 1), "mdb_env_sync");
}

table::table(transaction& txn, std::string_view name, bool create) {
  std::string n{name};
  MDB_dbi dbi = 0;
  check(mdb_dbi_open(txn.handle(), n.c_str(), create ? MDB_CREATE : 0, &dbi), "mdb_dbi_open");
  dbi_ = dbi;
}

transaction::transaction(environment& env, mode m) {
  check(mdb_txn_begin(env.handle(), nullptr, m == mode::read_only ? MDB_RDONLY : 0, &txn_),
        "mdb_txn_begin");
}

transaction::~transaction() {
  abort();
}

std::optional<std::string_view> transaction::get(const table& t, std::string_view key) {
  MDB_val k = to_val(key), v{};
  int rc = mdb_get(txn_, t.handle(), &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  check(rc, "mdb_get");
  return from_val(v);
}

void transaction::put(const table& t, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key), v = to_val(value);
  check(mdb_put(txn_, t.handle(), &k, &v, 0), "mdb_put");
}

bool transaction::erase(const table& t, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn_, t.handle(), &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_del");
  return true;
}

void transaction::commit() {
  if (txn_ == nullptr)
    throw error(error_class::misuse, EINVAL, "commit of a finished transaction");
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // committed or not, the handle is gone
  check(rc, "mdb_txn_commit");
}

void transaction::abort() noexcept {
  if (txn_ != nullptr)
    mdb_txn_abort(txn_);
  txn_ = nullptr;
}

cursor::cursor(transaction& txn, const table& t) {
  check(mdb_cursor_open(txn.handle(), t.handle(), &cur_), "mdb_cursor_open");
}

cursor::~cursor() {
  mdb_cursor_close(cur_);
}

bool cursor::step(int op, std::string_view key) {
  MDB_val k = to_val(key), v{};
  int rc = mdb_cursor_get(cur_, &k, &v, static_cast<MDB_cursor_op>(op));
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_cursor_get");
  key_ = from_val(k);
  value_ = from_val(v);
  return true;
}

bool cursor::seek(std::string_view key) {
  if (key.empty())  // LMDB refuses empty keys; every key is >= ""
    return first();
  return step(MDB_SET_RANGE, key);
}

bool cursor::first() {
  return step(MDB_FIRST);
}

bool cursor::next() {
  return step(MDB_NEXT);
}

} // namespace stratus::kv
