#pragma once
// Commands to the conductor, the sole writer of the database. Every write
// states its precondition (an expected revision) so that racing writers
// cannot both win: the compare-and-swap that Nova's expected_task_state is.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/record.hpp"

namespace stratus::msg {

using bytes = std::vector<char>;

struct put_record_reply {
  STRATUS_MESSAGE("storage.put_record_reply", 1, 1) // 1: initial
  uint64_t revision = 0;  // the record's revision after the write
  STRATUS_FIELDS(revision)
};

/// Writes one record. Acknowledged only once durable (after fsync).
struct put_record_request {
  STRATUS_MESSAGE("storage.put_record_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = put_record_reply;
  std::string table;
  std::string key;
  bytes value;
  uint64_t expected_revision = 0;  // 0 = any; otherwise conflict unless equal
  bool create_only = false;        // conflict if the key exists
  STRATUS_FIELDS(table, key, value, expected_revision, create_only)
};

struct record_entry {
  static constexpr const char* type_name = "storage.record_entry";
  std::string key;
  bytes value;
  uint64_t revision = 0;
  STRATUS_FIELDS(key, value, revision)
};

struct get_record_reply {
  STRATUS_MESSAGE("storage.get_record_reply", 1, 1) // 1: initial
  record_entry record;
  STRATUS_FIELDS(record)
};

/// Reads one record; not_found if absent.
struct get_record_request {
  STRATUS_MESSAGE("storage.get_record_request", 1, 1) // 1: initial
  using reply_type = get_record_reply;
  std::string table;
  std::string key;
  STRATUS_FIELDS(table, key)
};

struct delete_record_reply {
  STRATUS_MESSAGE("storage.delete_record_reply", 1, 1) // 1: initial
  bool existed = false;
  STRATUS_FIELDS(existed)
};

/// Deletes one record (not an error if absent, unless a revision is expected).
struct delete_record_request {
  STRATUS_MESSAGE("storage.delete_record_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = delete_record_reply;
  std::string table;
  std::string key;
  uint64_t expected_revision = 0;
  STRATUS_FIELDS(table, key, expected_revision)
};

struct list_records_reply {
  STRATUS_MESSAGE("storage.list_records_reply", 1, 1) // 1: initial
  std::vector<record_entry> records;
  bool truncated = false;  // more records follow the last one
  STRATUS_FIELDS(records, truncated)
};

/// Lists records whose key starts with `prefix`, in key order, after `start_after`.
struct list_records_request {
  STRATUS_MESSAGE("storage.list_records_request", 1, 1) // 1: initial
  using reply_type = list_records_reply;
  std::string table;
  std::string prefix;
  std::string start_after;
  uint32_t limit = 1000;
  STRATUS_FIELDS(table, prefix, start_after, limit)
};

} // namespace stratus::msg

namespace stratus::msg {

/// One change inside write_records_request: a put, or an erase.
struct record_write {
  static constexpr const char* type_name = "storage.record_write";
  std::string table;
  std::string key;
  bytes value;
  uint64_t expected_revision = 0;  // 0 = any; otherwise conflict unless equal
  bool create_only = false;        // conflict if the key exists
  bool erase = false;              // delete the key instead of writing `value`
  STRATUS_FIELDS(table, key, value, expected_revision, create_only, erase)
};

struct write_records_reply {
  STRATUS_MESSAGE("storage.write_records_reply", 1, 1) // 1: initial
  std::vector<uint64_t> revisions;  // per write; 0 for an erase
  STRATUS_FIELDS(revisions)
};

/// Several writes applied all together or not at all (a record and its
/// index entries, say). Every precondition is checked before any write is
/// applied; the writes must name distinct keys.
struct write_records_request {
  STRATUS_MESSAGE("storage.write_records_request", 1, 1) // 1: initial
  static constexpr bool idempotent = false;
  using reply_type = write_records_reply;
  std::vector<record_write> writes;
  STRATUS_FIELDS(writes)
};

} // namespace stratus::msg
