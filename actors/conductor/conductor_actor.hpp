#pragma once
// The conductor: the sole writer of the node's LMDB environment.
//
// Interface (requests carry a msg::context first):
//   put_record_request    -> put_record_reply     (durable before the reply)
//   delete_record_request -> delete_record_reply  (durable before the reply)
//   get_record_request    -> get_record_reply | not_found
//   list_records_request  -> list_records_reply
//
// Group commit: writes are gathered while the mailbox holds more of them,
// applied in one write transaction, committed (one fsync) and only then
// acknowledged. Co-located actors may read through read-only transactions
// on the environment it publishes as the shared resource "kv".

#include "runtime/role.hpp"

namespace stratus::actors {

/// Registered as "conductor". Settings: durable (default true), map_size_mb.
caf::actor spawn_conductor(caf::event_based_actor* supervisor, const runtime::role_env& env);

} // namespace stratus::actors
