#pragma once
// How a role reads its records from the conductor at start and writes its
// changes back: every record of a table page by page, and a set of changes
// as one all-or-nothing write.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/common/record_change.hpp"
#include "messages/error.hpp"

#include <caf/atom.hpp>

namespace stratus::msg {
struct context;
}

namespace stratus::runtime {
class role_actor;
}

namespace stratus::record_io {

/// Reads every record of `table` from `conductor`, handing each to `each`
/// (records that are not valid msgpack are logged and skipped), then calls
/// `done`, or `failed` with the reason.
void load_table(caf::event_based_actor* self, const caf::actor& conductor, std::string table,
                std::function<void(record_change)> each, std::function<void()> done,
                std::function<void(const std::string&)> failed);

/// The last change of each record, in first-seen order: a write may name a
/// record once only.
std::vector<record_change> last_per_record(const std::vector<record_change>& changes);

/// Writes `changes` into `table` all together or not at all; `done` gets
/// the failure, if any.
void write_changes(caf::event_based_actor* self, const caf::actor& conductor,
                   const msg::context& ctx, const std::string& table,
                   const std::vector<record_change>& changes,
                   std::function<void(std::optional<msg::error>)> done);

/// What a role that keeps its table in memory sends itself to (re)load it.
using load_atom = caf::atom_constant<caf::atom("load")>;

/// What a role that keeps its table in memory does until it is loaded:
/// requests wait in the mailbox, and `load` runs (again on every later
/// load_atom, after a failed load or write). Use it as the role's first
/// behaviour and `become` it to start afresh.
caf::behavior loading(runtime::role_actor* self, std::function<void()> load);

/// Loads a role's table from the conductor named `conductor` ("conductor@
/// ctl-1"): every record to `each`, then `loaded`. If the conductor cannot
/// be reached or fails, the role gets a load_atom again after a pause, and
/// its handler calls this again (after emptying what it had).
void load_role_table(runtime::role_actor* self, const std::string& conductor,
                     const std::string& table, std::function<void(record_change)> each,
                     std::function<void()> loaded);

/// Writes a role's changes (the last of each record) through the conductor
/// named `conductor`; unavailable if it cannot be reached.
void write_role_changes(runtime::role_actor* self, const std::string& conductor,
                        const msg::context& ctx, const std::string& table,
                        const std::vector<record_change>& changes,
                        std::function<void(std::optional<msg::error>)> done);

} // namespace stratus::record_io
