#include "actors/common/record_io.hpp"

#include <chrono>
#include <map>

#include <caf/all.hpp>

#include "messages/context.hpp"
#include "messages/storage.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::record_io {
namespace {

constexpr auto conductor_timeout = std::chrono::seconds(30);
constexpr uint32_t load_page = 10000;
constexpr auto load_retry = std::chrono::milliseconds(500);

void load_after(caf::event_based_actor* self, caf::actor conductor, std::string table,
                std::string start_after, std::function<void(record_change)> each,
                std::function<void()> done, std::function<void(const std::string&)> failed) {
  msg::list_records_request req{table, "", std::move(start_after), load_page};
  self->request(conductor, conductor_timeout, msg::context{}, req)
      .then(
          [=](msg::list_records_reply& page) {
            for (auto& r : page.records) {
              const auto slash = r.key.find('/');
              if (slash == std::string::npos)
                continue;
              auto value =
                  nlohmann::json::from_msgpack(r.value.begin(), r.value.end(), true, false);
              if (value.is_discarded()) {
                LOG_ERROR(table, "record {} is not valid msgpack; skipped", r.key);
                continue;
              }
              each({r.key.substr(0, slash), r.key.substr(slash + 1), std::move(value)});
            }
            if (page.truncated)
              load_after(self, conductor, table, page.records.back().key, each, done, failed);
            else
              done();
          },
          [failed](caf::error& err) { failed(runtime::to_error(err).message); });
}

} // namespace

void load_table(caf::event_based_actor* self, const caf::actor& conductor, std::string table,
                std::function<void(record_change)> each, std::function<void()> done,
                std::function<void(const std::string&)> failed) {
  load_after(self, conductor, std::move(table), "", std::move(each), std::move(done),
             std::move(failed));
}

std::vector<record_change> last_per_record(const std::vector<record_change>& changes) {
  std::vector<record_change> out;
  std::map<std::pair<std::string, std::string>, std::size_t> at;
  for (auto& c : changes) {
    auto [it, fresh] = at.emplace(std::make_pair(c.kind, c.id), out.size());
    if (fresh)
      out.push_back(c);
    else
      out[it->second] = c;
  }
  return out;
}

void write_changes(caf::event_based_actor* self, const caf::actor& conductor,
                   const msg::context& ctx, const std::string& table,
                   const std::vector<record_change>& changes,
                   std::function<void(std::optional<msg::error>)> done) {
  msg::write_records_request req;
  for (auto& c : changes) {
    msg::record_write w;
    w.table = table;
    w.key = c.kind + "/" + c.id;
    w.erase = !c.value;
    w.create_only = c.create_only;
    if (c.value) {
      auto packed = nlohmann::json::to_msgpack(*c.value);
      w.value.assign(packed.begin(), packed.end());
    }
    req.writes.push_back(std::move(w));
  }
  self->request(conductor, conductor_timeout, ctx, std::move(req))
      .then([done](msg::write_records_reply&) { done(std::nullopt); },
            [done](caf::error& e) { done(runtime::to_error(e)); });
}

caf::behavior loading(runtime::role_actor* self, std::function<void()> load) {
  self->set_default_handler(caf::skip);
  self->send(self, load_atom::value);
  return {[load](load_atom) { load(); }};
}

void load_role_table(runtime::role_actor* self, const std::string& conductor,
                     const std::string& table, std::function<void(record_change)> each,
                     std::function<void()> loaded) {
  auto target = self->env().dir->resolve(conductor);
  if (!target) {
    self->delayed_send(self, load_retry, load_atom::value);
    return;
  }
  load_table(self, target, table, std::move(each), std::move(loaded),
             [self, table](const std::string& reason) {
               LOG_WARN(self->env().role, "loading the {} records failed ({}); retrying", table, reason);
               self->delayed_send(self, load_retry, load_atom::value);
             });
}

void write_role_changes(runtime::role_actor* self, const std::string& conductor,
                        const msg::context& ctx, const std::string& table,
                        const std::vector<record_change>& changes,
                        std::function<void(std::optional<msg::error>)> done) {
  if (changes.empty()) {
    done(std::nullopt);
    return;
  }
  auto target = self->env().dir->resolve(conductor);
  if (!target) {
    done(msg::error{msg::errc::unavailable, "the conductor is not reachable"});
    return;
  }
  write_changes(self, target, ctx, table, last_per_record(changes), std::move(done));
}

} // namespace stratus::record_io
