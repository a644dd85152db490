#include "actors/scheduler/scheduler_actor.hpp"

#include <map>
#include <random>

#include <caf/all.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/common/service_call.hpp"
#include "actors/scheduler/filter_scheduler.hpp"
#include "messages/compute.hpp"
#include "messages/context.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::scheduler;
using json = nlohmann::json;

constexpr auto hosts_timeout = std::chrono::seconds(10);
const char* no_valid_host = "No valid host was found. There are not enough hosts available.";

/// One request being decided: its hosts, and what has been claimed so far.
struct decision {
  msg::context ctx;
  msg::select_destinations_request req;
  request_spec spec;
  std::vector<host_state> hosts;
  std::size_t next_instance = 0;
  std::vector<msg::host_selection> selections;
  std::vector<std::string> claimed; // consumers claimed, released if the request fails
  caf::typed_response_promise<msg::select_destinations_reply> rp;
};

int64_t free_of(const json& summary, const char* rc) {
  auto r = summary.value("resources", json::object()).value(rc, json::object());
  return static_cast<int64_t>(json_fields::count(r, "capacity")) -
         static_cast<int64_t>(json_fields::count(r, "used"));
}

class scheduler_actor : public runtime::role_actor {
public:
  scheduler_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)),
        config_(scheduler_config::from_names(
            this->env().setting("enabled_filters", ""), this->env().setting("weighers", ""),
            std::stoul(this->env().setting("host_subset_size", "1")))),
        random_(std::random_device{}()) {
    placement_ = this->env().setting("placement", "placement@" + this->env().node);
    cell_ = this->env().setting("compute-conductor", "compute-conductor@" + this->env().node);
    max_results_ = this->env().setting("max_placement_results", "1000");
  }

  caf::behavior make_behavior() override {
    return {
        [this](const msg::context& ctx, msg::select_destinations_request& req)
            -> caf::result<msg::select_destinations_reply> {
          auto d = std::make_shared<decision>();
          d->ctx = ctx;
          d->spec = parse_request_spec(json::parse(req.request_spec, nullptr, false));
          d->req = std::move(req);
          d->rp = make_response_promise<msg::select_destinations_reply>();
          if (d->req.instance_uuids.empty())
            return msg::select_destinations_reply{};
          ask_placement(d);
          return d->rp;
        },
    };
  }

private:
  void ask_placement(std::shared_ptr<decision> d) {
    std::string resources;
    for (auto& [rc, n] : d->spec.resources())
      resources += (resources.empty() ? "" : ",") + rc + ":" + std::to_string(n);
    msg::named_values query{{"resources", resources}, {"limit", max_results_}};
    std::string required;
    for (auto& [k, v] : d->spec.flavor_extra_specs)
      if (k.rfind("trait:", 0) == 0 && (v == "required" || v == "forbidden"))
        required += (required.empty() ? "" : ",") + std::string{v == "forbidden" ? "!" : ""} +
                    k.substr(6);
    if (!required.empty())
      query.push_back({"required", required});
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocation_candidates:list", {}, query, nullptr, "placement 1.39"},
        [this, d](api_support::service_answer a) {
          if (!a.ok()) {
            d->rp.deliver(runtime::make_error(msg::errc::unavailable,
                                              "placement could not be asked: " + a.error_text()));
            return;
          }
          ask_hosts(d, std::move(a.body));
        });
  }

  void ask_hosts(std::shared_ptr<decision> d, json candidates) {
    auto cell = env().dir->resolve(cell_);
    if (!cell) {
      d->rp.deliver(runtime::make_error(msg::errc::unavailable, "the compute-conductor is not reachable"));
      return;
    }
    request(cell, hosts_timeout, d->ctx, msg::get_hosts_request{})
        .then(
            [this, d, candidates = std::move(candidates)](msg::get_hosts_reply& reply) {
              build_host_states(*d, candidates, json::parse(reply.hosts, nullptr, false));
              place_next(d);
            },
            [d](caf::error& e) mutable { d->rp.deliver(std::move(e)); });
  }

  void build_host_states(decision& d, const json& candidates, const json& hosts) {
    std::map<std::string, const json*> by_provider;
    if (hosts.is_array())
      for (auto& h : hosts)
        if (h.contains("provider_uuid") && h["provider_uuid"].is_string())
          by_provider[h["provider_uuid"]] = &h;
    const json summaries = candidates.value("provider_summaries", json::object());
    for (auto& a : candidates.value("allocation_requests", json::array())) {
      const json allocations = a.value("allocations", json::object());
      if (allocations.empty())
        continue;
      // The tree's root names the host.
      std::string root = allocations.begin().key();
      if (auto s = summaries.find(root); s != summaries.end())
        root = json_fields::str(*s, "root_provider_uuid").empty()
                   ? root
                   : json_fields::str(*s, "root_provider_uuid");
      auto h = by_provider.find(root);
      if (h == by_provider.end())
        continue; // a provider that is no compute host of this cell
      const json& host = *h->second;
      const json summary = summaries.value(root, json::object());
      const json hv = host.value("hypervisor", json::object());
      host_state s;
      s.host = json_fields::str(host, "host");
      s.provider_uuid = root;
      s.zone = host.value("zone", "nova");
      s.up = host.value("up", false);
      s.enabled = host.value("status", "") == "enabled";
      s.hypervisor_type = json_fields::str(hv, "hypervisor_type");
      s.cpu_arch = hv.value("cpu_arch", "x86_64");
      s.free_ram_mb = free_of(summary, "MEMORY_MB");
      s.free_vcpus = free_of(summary, "VCPU");
      s.free_disk_gb = free_of(summary, "DISK_GB");
      s.failed_builds = static_cast<int64_t>(json_fields::count(hv, "failed_builds"));
      s.allocation = allocations.dump();
      s.group_members_here = static_cast<int64_t>(d.spec.group_hosts.count(s.host));
      d.hosts.push_back(std::move(s));
    }
  }

  /// Places instance `next_instance`, then the next, until all are claimed.
  void place_next(std::shared_ptr<decision> d) {
    if (d->next_instance == d->req.instance_uuids.size()) {
      d->rp.deliver(msg::select_destinations_reply{std::move(d->selections)});
      return;
    }
    auto r = rank_hosts(config_, d->hosts, d->spec, random_);
    std::string trail;
    for (auto& [filter, n] : r.counts)
      trail += (trail.empty() ? "" : ", ") + filter + ": " + std::to_string(n);
    LOG_INFO(env().role, "hosts after each filter for {}: {}",
             d->req.instance_uuids[d->next_instance], trail);
    if (r.hosts.empty()) {
      std::string why = no_valid_host;
      if (!r.emptied_by.empty())
        why += " Filter " + r.emptied_by + " returned 0 hosts.";
      else
        why += " Placement offered no host with enough free resources.";
      LOG_WARN(env().role, "{}", why);
      fail(d, why);
      return;
    }
    try_claim(d, std::move(r.hosts), 0);
  }

  void try_claim(std::shared_ptr<decision> d, std::vector<host_state*> ranked, std::size_t i) {
    if (i >= ranked.size()) {
      fail(d, std::string{no_valid_host} + " Every claim in placement was refused.");
      return;
    }
    const auto& uuid = d->req.instance_uuids[d->next_instance];
    host_state* host = ranked[i];
    json body{{"allocations", json::parse(host->allocation, nullptr, false)},
              {"project_id", d->req.project_id},
              {"user_id", d->req.user_id},
              {"consumer_generation", nullptr}};
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocations:update", {{"consumer_uuid", uuid}}, {}, body, "placement 1.39"},
        [this, d, ranked, i, uuid](api_support::service_answer a) {
          if (!a.ok()) {
            LOG_INFO(env().role, "claim for {} on {} refused ({}); trying the next host", uuid,
                     ranked[i]->host, a.error_text());
            try_claim(d, ranked, i + 1);
            return;
          }
          d->claimed.push_back(uuid);
          claimed(*d, ranked, i);
          ++d->next_instance;
          place_next(d);
        });
  }

  /// Records the claim and the alternates, and counts what the instance
  /// takes so the next one of the request sees it.
  void claimed(decision& d, const std::vector<host_state*>& ranked, std::size_t i) {
    const auto& uuid = d.req.instance_uuids[d.next_instance];
    host_state* chosen = ranked[i];
    d.selections.push_back({uuid, chosen->host, chosen->provider_uuid, chosen->allocation});
    std::size_t alternates = 0;
    for (std::size_t k = 0; k < ranked.size() && alternates < d.req.alternates; ++k)
      if (k != i) {
        d.selections.push_back({uuid, ranked[k]->host, ranked[k]->provider_uuid, ranked[k]->allocation});
        ++alternates;
      }
    chosen->free_ram_mb -= static_cast<int64_t>(d.spec.memory_mb);
    chosen->free_vcpus -= d.spec.vcpus;
    chosen->free_disk_gb -= static_cast<int64_t>(d.spec.disk_gb);
    chosen->group_members_here += 1;
    d.spec.group_hosts.insert(chosen->host);
    // Hosts that no longer fit leave the pool.
    std::erase_if(d.hosts, [&](const host_state& h) {
      return h.free_ram_mb < static_cast<int64_t>(d.spec.memory_mb) ||
             h.free_vcpus < static_cast<int64_t>(d.spec.vcpus) ||
             (d.spec.disk_gb > 0 && h.free_disk_gb < static_cast<int64_t>(d.spec.disk_gb));
    });
  }

  /// A request places all its instances or none: earlier claims go back.
  void fail(std::shared_ptr<decision> d, const std::string& why) {
    for (auto& uuid : d->claimed)
      api_support::service_call(
          this, env().dir->resolve(placement_),
          {"placement:allocations:delete", {{"consumer_uuid", uuid}}, {}, nullptr, "placement 1.39"},
          [](api_support::service_answer) {});
    d->rp.deliver(runtime::make_error(msg::errc::not_found, why));
  }

  scheduler_config config_;
  std::mt19937_64 random_;
  std::string placement_, cell_, max_results_;
};

} // namespace

caf::actor spawn_scheduler(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<scheduler_actor, caf::linked>(env);
}

} // namespace stratus::actors
