#include "actors/conductor/conductor_actor.hpp"

#include <algorithm>
#include <map>
#include <variant>

#include <caf/all.hpp>

#include "actors/conductor/schema.hpp"
#include "actors/conductor/stored_record.hpp"
#include "drivers/kv/kv_driver.hpp"
#include "messages/context.hpp"
#include "messages/storage.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// Most writes applied in one transaction; more wait for the next one.
constexpr std::size_t max_batch = 8192;

struct pending_put {
  using reply_type = msg::put_record_reply;
  msg::put_record_request req;
  caf::typed_response_promise<msg::put_record_reply> promise;
};

struct pending_delete {
  using reply_type = msg::delete_record_reply;
  msg::delete_record_request req;
  caf::typed_response_promise<msg::delete_record_reply> promise;
};

struct pending_batch {
  using reply_type = msg::write_records_reply;
  msg::write_records_request req;
  caf::typed_response_promise<msg::write_records_reply> promise;
};

using pending_write = std::variant<pending_put, pending_delete, pending_batch>;

class conductor_actor : public runtime::role_actor {
public:
  using role_actor::role_actor;

  caf::behavior make_behavior() override {
    open_database();
    return {
      [this](const msg::context&, msg::put_record_request& req) {
        return accept_write<pending_put>(req);
      },
      [this](const msg::context&, msg::delete_record_request& req) {
        return accept_write<pending_delete>(req);
      },
      [this](const msg::context&, msg::write_records_request& req)
        -> caf::result<msg::write_records_reply> {
        for (auto& w : req.writes)
          if (auto err = check_table(w.table))
            return err;
        auto rp = make_response_promise<msg::write_records_reply>();
        add_to_batch(pending_batch{std::move(req), rp});
        return rp;
      },
      [this](const msg::context&, const msg::get_record_request& req)
        -> caf::result<msg::get_record_reply> {
        if (auto err = check_table(req.table))
          return err;
        kv::transaction txn(*db_, kv::transaction::mode::read_only);
        auto stored = txn.get(table_of(req.table), req.key);
        if (!stored)
          return runtime::make_error(msg::errc::not_found,
                                     "no record " + req.key + " in " + req.table);
        return msg::get_record_reply{decode_stored(req.key, *stored)};
      },
      [this](const msg::context&, const msg::list_records_request& req)
        -> caf::result<msg::list_records_reply> {
        if (auto err = check_table(req.table))
          return err;
        return list(req);
      },
      [this](flush_atom) { flush(); },
    };
  }

  /// Writes not yet committed are never acknowledged: tell their senders.
  void on_exit() override {
    for (auto& w : batch_)
      std::visit(
        [](auto& p) {
          p.promise.deliver(runtime::make_error(msg::errc::unavailable,
                                                "the conductor stopped before the write"));
        },
        w);
    batch_.clear();
    role_actor::on_exit();
  }

private:
  void open_database() {
    kv::options opts;
    opts.durable = env().setting("durable", "true") != "false";
    opts.map_size = std::stoull(env().setting("map_size_mb", "1024")) << 20;
    db_ = std::make_shared<kv::environment>(env().state_dir / "db", opts);
    kv::transaction txn(*db_, kv::transaction::mode::read_write);
    const int found = schema::migrate(txn);
    for (auto& name : schema::tables())
      tables_.emplace(name, kv::table(txn, name));  // handles outlive the transaction
    txn.commit();
    if (found != schema::current_version)
      LOG_INFO(env().role, "database schema migrated from v{} to v{}", found,
               schema::current_version);
    env().shared->put("kv", db_);
    LOG_INFO(env().role, "database open at {} ({})", (env().state_dir / "db").string(),
             opts.durable ? "durable" : "NOT durable");
  }

  caf::error check_table(const std::string& table) const {
    if (tables_.find(table) == tables_.end())
      return runtime::make_error(msg::errc::invalid, "unknown table " + table);
    return {};
  }

  const kv::table& table_of(const std::string& name) const {
    return tables_.at(name);  // checked when the request arrived
  }

  /// Queues a write for the next group commit; it is answered after the commit.
  template <class Pending, class Request>
  caf::result<typename Pending::reply_type> accept_write(Request& req) {
    if (auto err = check_table(req.table))
      return err;
    auto rp = make_response_promise<typename Pending::reply_type>();
    add_to_batch(Pending{std::move(req), rp});
    return rp;
  }

  void add_to_batch(pending_write w) {
    batch_.push_back(std::move(w));
    if (!flush_scheduled_) {
      flush_scheduled_ = true;
      send(this, flush_atom::value);  // arrives after every write queued so far
    }
  }

  msg::list_records_reply list(const msg::list_records_request& req) {
    msg::list_records_reply out;
    kv::transaction txn(*db_, kv::transaction::mode::read_only);
    kv::cursor c(txn, table_of(req.table));
    const std::string& start = std::max(req.prefix, req.start_after);
    bool ok = c.seek(start);
    if (ok && !req.start_after.empty() && c.key() == req.start_after)
      ok = c.next();
    const uint32_t limit = std::clamp<uint32_t>(req.limit, 1, 10000);
    for (; ok && c.key().starts_with(req.prefix); ok = c.next()) {
      if (out.records.size() == limit) {
        out.truncated = true;
        break;
      }
      out.records.push_back(decode_stored(c.key(), c.value()));
    }
    return out;
  }

  /// Applies one write inside `txn`; returns the reply or a conflict error.
  caf::expected<msg::put_record_reply> apply(kv::transaction& txn, const msg::put_record_request& r) {
    const auto& t = table_of(r.table);
    auto old = txn.get(t, r.key);
    const uint64_t current = old ? stored_revision(*old) : 0;
    if (r.create_only && old)
      return runtime::make_error(msg::errc::conflict, "record " + r.key + " already exists");
    if (r.expected_revision != 0 && r.expected_revision != current)
      return runtime::make_error(msg::errc::conflict,
                                 "record " + r.key + " is at revision " +
                                   std::to_string(current) + ", not " +
                                   std::to_string(r.expected_revision));
    txn.put(t, r.key, encode_stored(current + 1, r.value));
    return msg::put_record_reply{current + 1};
  }

  caf::expected<msg::delete_record_reply> apply(kv::transaction& txn,
                                                const msg::delete_record_request& r) {
    const auto& t = table_of(r.table);
    auto old = txn.get(t, r.key);
    if (r.expected_revision != 0 && (!old || stored_revision(*old) != r.expected_revision))
      return runtime::make_error(msg::errc::conflict, "record " + r.key + " changed meanwhile");
    return msg::delete_record_reply{txn.erase(t, r.key)};
  }

  /// Checks every precondition first, then applies every write: all or nothing.
  caf::expected<msg::write_records_reply> apply(kv::transaction& txn,
                                                const msg::write_records_request& r) {
    std::vector<uint64_t> current(r.writes.size());
    for (std::size_t i = 0; i < r.writes.size(); ++i) {
      auto& w = r.writes[i];
      auto old = txn.get(table_of(w.table), w.key);
      current[i] = old ? stored_revision(*old) : 0;
      if (w.create_only && old)
        return runtime::make_error(msg::errc::conflict, "record " + w.key + " already exists");
      if (w.expected_revision != 0 && w.expected_revision != current[i])
        return runtime::make_error(msg::errc::conflict, "record " + w.key + " changed meanwhile");
    }
    msg::write_records_reply out;
    for (std::size_t i = 0; i < r.writes.size(); ++i) {
      auto& w = r.writes[i];
      if (w.erase) {
        txn.erase(table_of(w.table), w.key);
        out.revisions.push_back(0);
      } else {
        txn.put(table_of(w.table), w.key, encode_stored(current[i] + 1, w.value));
        out.revisions.push_back(current[i] + 1);
      }
    }
    return out;
  }

  void flush() {
    flush_scheduled_ = false;
    const std::size_t n = std::min(batch_.size(), max_batch);
    std::vector<pending_write> writes(std::make_move_iterator(batch_.begin()),
                                      std::make_move_iterator(batch_.begin() + n));
    batch_.erase(batch_.begin(), batch_.begin() + n);
    if (!batch_.empty()) {
      flush_scheduled_ = true;
      send(this, flush_atom::value);
    }
    // Replies wait until the commit is durable; a failed commit fails them all.
    std::vector<std::variant<caf::expected<msg::put_record_reply>,
                             caf::expected<msg::delete_record_reply>,
                             caf::expected<msg::write_records_reply>>>
      results;
    results.reserve(writes.size());
    try {
      kv::transaction txn(*db_, kv::transaction::mode::read_write);
      for (auto& w : writes)
        std::visit([&](auto& p) { results.emplace_back(apply(txn, p.req)); }, w);
      txn.commit();
    } catch (const kv::error& e) {
      LOG_ERROR(env().role, "write batch of {} failed: {}", writes.size(), e.what());
      const auto code = e.classification() == kv::error_class::full ? msg::errc::over_quota
                                                                      : msg::errc::internal;
      for (auto& w : writes)
        std::visit([&](auto& p) { p.promise.deliver(runtime::make_error(code, e.what())); }, w);
      if (e.classification() == kv::error_class::fatal)
        throw;  // let the supervisor restart us on a fresh environment
      return;
    }
    for (std::size_t i = 0; i < writes.size(); ++i)
      std::visit(
        [&](auto& p) {
          using reply = typename std::decay_t<decltype(p)>::reply_type;
          acknowledge(p.promise, std::get<caf::expected<reply>>(results[i]));
        },
        writes[i]);
  }

  template <class Reply>
  static void acknowledge(caf::typed_response_promise<Reply>& promise,
                          caf::expected<Reply>& result) {
    if (result)
      promise.deliver(std::move(*result));
    else
      promise.deliver(std::move(result.error()));
  }

  std::shared_ptr<kv::environment> db_;
  std::map<std::string, kv::table> tables_;
  std::vector<pending_write> batch_;
  bool flush_scheduled_ = false;
};

} // namespace

caf::actor spawn_conductor(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<conductor_actor, caf::linked + caf::detached>(env);
}

} // namespace stratus::actors
