#include "actors/compute/compute_actor.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/common/json_fields.hpp"
#include "actors/common/service_call.hpp"
#include "actors/compute/guest_definition.hpp"
#include "actors/compute/guest_nic_stand_in.hpp"
#include "actors/compute/hypervisor_worker.hpp"
#include "actors/compute/resource_tracker.hpp"
#include "actors/compute/server_actions.hpp"
#include "actors/image/image_fetch.hpp"
#include "drivers/hypervisor/libvirt/libvirt_driver.hpp"
#include "messages/compute.hpp"
#include "messages/console.hpp"
#include "messages/context.hpp"
#include "messages/network.hpp"
#include "runtime/clock.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"
#include "runtime/log.hpp"
#include "runtime/random_id.hpp"
#include "runtime/role_actor.hpp"

namespace stratus::actors {
namespace {

using namespace stratus::compute;
using json = nlohmann::json;
using report_atom = caf::atom_constant<caf::atom("report")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using inventory_atom = caf::atom_constant<caf::atom("inventory")>;
using fetched_atom = caf::atom_constant<caf::atom("fetched")>;
using later_atom = caf::atom_constant<caf::atom("later")>;

constexpr auto hypervisor_timeout = std::chrono::minutes(5);
constexpr auto cell_timeout = std::chrono::seconds(30);
constexpr auto network_timeout = std::chrono::seconds(60);
constexpr auto inventory_interval = std::chrono::seconds(60);
constexpr auto retry_interval = std::chrono::seconds(2);
constexpr int update_attempts = 30; // ~a minute of a compute-conductor restarting

std::string read_or_make_uuid(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string uuid;
  if (in >> uuid && uuid.size() == 36)
    return uuid;
  uuid = runtime::new_uuid();
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << uuid << "\n";
  return uuid;
}

class compute_actor : public runtime::role_actor {
public:
  compute_actor(caf::actor_config& cfg, runtime::role_env env)
      : role_actor(cfg, std::move(env)) {
    auto& e = this->env();
    placement_ = e.setting("placement", "placement@" + e.node);
    cell_ = e.setting("compute-conductor", "compute-conductor@" + e.node);
    image_api_ = e.setting("image-api", "image-api@" + e.node);
    network_server_ = e.setting("network-server", "network-server@" + e.node);
    zone_ = e.setting("zone", "nova");
    tracker_.disk_gb = std::stoull(e.setting("disk_gb", "200"));
    tracker_.cpu_allocation_ratio = std::stod(e.setting("cpu_allocation_ratio", "4.0"));
    tracker_.ram_allocation_ratio = std::stod(e.setting("ram_allocation_ratio", "1.0"));
    tracker_.disk_allocation_ratio = std::stod(e.setting("disk_allocation_ratio", "1.0"));
    tracker_.reserved_host_memory_mb = std::stoull(e.setting("reserved_host_memory_mb", "512"));
    report_interval_ = std::chrono::seconds(std::stoll(e.setting("report_interval", "10")));
    sync_interval_ = std::chrono::seconds(std::stoll(e.setting("sync_power_state_interval", "10")));
    provider_uuid_ = read_or_make_uuid(e.state_dir / "compute" / "provider_uuid");
    image_cache_ = e.state_dir / "compute" / "image_cache";
    instances_ = e.state_dir / "compute" / "instances";
  }

  caf::behavior make_behavior() override {
    std::filesystem::create_directories(image_cache_);
    // hypervisor = "qemu": real guests through the system's libvirtd.
    auto uri = env().setting("libvirt_uri", env().setting("hypervisor", "") == "qemu"
                                                ? "qemu:///system"
                                                : "");
    if (uri.empty()) {
      const auto node_file = env().state_dir / "compute" / "node.xml";
      hypervisor::write_node_file(node_file.string(),
                                  {static_cast<uint32_t>(std::stoul(env().setting("vcpus", "8"))),
                                   std::stoull(env().setting("memory_mb", "16384"))});
      uri = "test://" + node_file.string();
    }
    real_guests_ = uri.rfind("test://", 0) != 0;
    worker_ = spawn<caf::detached + caf::linked>(
        hypervisor_worker, [uri] { return hypervisor::connect_libvirt(uri); }, instances_,
        env().setting("host_netns", ""));
    // The test driver's guests have no NICs: stand-ins take their ports.
    if (!real_guests_)
      nic_stand_in_ = spawn<caf::detached + caf::linked>(
          guest_nic_stand_in, env().setting("host_netns", ""),
          env().state_dir / "compute" / "udhcpc-hook.sh");
    send(this, inventory_atom::value);
    delayed_send(this, sync_interval_, sync_atom::value);
    return {
        [this](const msg::context& ctx,
               const msg::build_instance_request& req) -> caf::result<msg::build_instance_reply> {
          return build(ctx, req);
        },
        [this](const msg::context& ctx, const msg::instance_action_request& req)
            -> caf::result<msg::instance_action_reply> { return act(ctx, req); },
        [this](const msg::context& ctx, const msg::attach_interface_request& req)
            -> caf::result<msg::attach_interface_reply> { return attach_interface(ctx, req); },
        [this](const msg::context& ctx, const msg::detach_interface_request& req)
            -> caf::result<msg::detach_interface_reply> { return detach_interface(ctx, req); },
        [this](const msg::context&, const msg::get_console_request& req)
            -> caf::result<msg::get_console_reply> { return consoles_of(req.uuid); },
        [this](inventory_atom) { update_inventory(); },
        [this](report_atom) { report(); },
        [this](sync_atom) { sync_power_states(); },
        [this](fetched_atom, const std::string& image_id, const std::string& error) {
          fetched(image_id, error);
        },
        [this](later_atom, uint64_t id) {
          auto it = later_.find(id);
          if (it == later_.end())
            return;
          auto f = std::move(it->second);
          later_.erase(it);
          f();
        },
    };
  }

private:
  // -- the resource tracker ------------------------------------------------------------

  /// Host facts from the hypervisor → provider and inventory in placement →
  /// the first report; retried until it all went through.
  void update_inventory() {
    request(worker_, hypervisor_timeout, host_atom::value)
        .then(
            [this](std::string& facts) {
              host_facts_ = json::parse(facts, nullptr, false);
              if (!host_facts_.is_object())
                host_facts_ = json::object();
              host_facts_["cpu_arch"] = "x86_64";
              ensure_provider();
            },
            [this](caf::error& e) {
              LOG_ERROR(env().role, "the hypervisor does not answer: {}", runtime::to_error(e).message);
              delayed_send(this, retry_interval, inventory_atom::value);
            });
  }

  void ensure_provider() {
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:resource_providers:show", {{"uuid", provider_uuid_}}, {}, nullptr, "placement 1.39"},
        [this](api_support::service_answer a) {
          if (a.ok()) {
            put_inventory(a.body.value("generation", uint64_t{0}));
            return;
          }
          if (a.status != 404) {
            retry_inventory("reading the resource provider", a);
            return;
          }
          json body{{"name", env().node}, {"uuid", provider_uuid_}};
          api_support::service_call(
              this, env().dir->resolve(placement_),
              {"placement:resource_providers:create", {}, {}, body, "placement 1.39"},
              [this](api_support::service_answer created) {
                if (!created.ok() && created.status != 409)
                  retry_inventory("creating the resource provider", created);
                else
                  ensure_provider();
              });
        });
  }

  void put_inventory(uint64_t generation) {
    json body{{"resource_provider_generation", generation},
              {"inventories", inventory_for(host_facts_, tracker_)}};
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:resource_providers:inventories:update", {{"uuid", provider_uuid_}}, {}, body,
         "placement 1.39"},
        [this](api_support::service_answer a) {
          if (a.status == 409) { // someone else moved the generation: read it again
            ensure_provider();
            return;
          }
          if (!a.ok()) {
            retry_inventory("reporting the inventory", a);
            return;
          }
          put_traits(a.body.value("resource_provider_generation", uint64_t{0}));
        });
  }

  void put_traits(uint64_t generation) {
    json body{{"resource_provider_generation", generation},
              {"traits", {"COMPUTE_NODE", "HW_ARCH_X86_64", "COMPUTE_IMAGE_TYPE_RAW",
                          "COMPUTE_IMAGE_TYPE_QCOW2"}}};
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:resource_providers:traits:update", {{"uuid", provider_uuid_}}, {}, body,
         "placement 1.39"},
        [this](api_support::service_answer a) {
          if (!a.ok() && a.status != 409) {
            retry_inventory("reporting the traits", a);
            return;
          }
          if (!reporting_) {
            reporting_ = true;
            LOG_INFO(env().role, "reported to placement as provider {}", provider_uuid_);
            send(this, report_atom::value);
          }
          delayed_send(this, inventory_interval, inventory_atom::value);
        });
  }

  void retry_inventory(const char* what, const api_support::service_answer& a) {
    LOG_WARN(env().role, "{} failed ({}); retrying", what, a.error_text());
    delayed_send(this, retry_interval, inventory_atom::value);
  }

  /// The heartbeat: the host's facts and usage to the compute-conductor
  /// (Nova's service report and compute node record).
  void report() {
    delayed_send(this, report_interval_, report_atom::value);
    auto cell = env().dir->resolve(cell_);
    if (!cell)
      return;
    json hv = host_facts_;
    hv["disk_gb"] = tracker_.disk_gb;
    hv["failed_builds"] = failed_builds_;
    hv["cpu_allocation_ratio"] = tracker_.cpu_allocation_ratio;
    hv["ram_allocation_ratio"] = tracker_.ram_allocation_ratio;
    hv["host_ip"] = "127.0.0.1";
    json r{{"hypervisor", hv}, {"provider_uuid", provider_uuid_}, {"zone", zone_}};
    request(cell, cell_timeout, msg::context{}, msg::report_host_request{env().node, r.dump()})
        .then([](msg::report_host_reply&) {},
              [this](caf::error& e) {
                LOG_WARN(env().role, "heartbeat not taken: {}", runtime::to_error(e).message);
              });
  }

  // -- builds ---------------------------------------------------------------------------

  struct build_job {
    msg::context ctx;
    json instance;
    json ports = json::array(); // allocated for it
    caf::typed_response_promise<msg::build_instance_reply> rp;
  };

  caf::result<msg::build_instance_reply> build(const msg::context& ctx,
                                               const msg::build_instance_request& req) {
    auto job = std::make_shared<build_job>();
    job->ctx = ctx;
    job->instance = json::parse(req.instance, nullptr, false);
    if (!job->instance.is_object() || !job->instance.contains("uuid"))
      return runtime::make_error(msg::errc::invalid, "the instance record is not valid");
    job->rp = make_response_promise<msg::build_instance_reply>();
    const std::string uuid = job->instance["uuid"];
    update(ctx, uuid, {"scheduling"}, {{"task_state", "spawning"}}, "compute_build_and_run_instance",
           "", [this, job](std::optional<msg::error> err) {
             if (err) {
               job->rp.deliver(runtime::make_error(*err));
               return;
             }
             // The image, and the kernel and ramdisk it boots with.
             const json meta = job->instance.value("image_meta", json::object());
             std::vector<std::string> images{json_fields::str(job->instance, "image_ref")};
             if (real_guests_)
               for (const char* part : {"kernel_id", "ramdisk_id"})
                 images.push_back(json_fields::str(meta, part));
             with_images(images, [this, job](std::string error) {
               if (!error.empty())
                 build_failed(job, "fetching the image failed: " + error);
               else
                 allocate_network(job);
             });
           });
    return job->rp;
  }

  /// The instance's ports from the network-server, bound to this host,
  /// then plugged (stand-ins for the test driver's guests), then the guest.
  void allocate_network(std::shared_ptr<build_job> job) {
    const json networks = job->instance.value("networks", json("none"));
    if (!networks.is_array() || networks.empty()) {
      spawn_guest(job);
      return;
    }
    auto server = env().dir->resolve(network_server_);
    if (!server) {
      build_failed(job, "the network service is not reachable");
      return;
    }
    const std::string uuid = job->instance["uuid"];
    msg::allocate_ports_request q{uuid, json_fields::str(job->instance, "project_id"), env().node,
                                  networks.dump(),
                                  job->instance.value("security_groups", json::array()).dump()};
    request(server, network_timeout, job->ctx, q)
        .then(
            [this, job, uuid](msg::allocate_ports_reply& reply) {
              job->ports = json::parse(reply.ports, nullptr, false);
              if (!job->ports.is_array())
                job->ports = json::array();
              if (!nic_stand_in_) {
                spawn_guest(job);
                return;
              }
              request(nic_stand_in_, network_timeout, plug_atom::value, uuid, job->ports.dump(),
                      uint32_t{0})
                  .then([this, job](std::string&) { spawn_guest(job); },
                        [this, job](caf::error& e) {
                          build_failed(job, "plugging the ports failed: " +
                                                runtime::to_error(e).message);
                        });
            },
            [this, job](caf::error& e) {
              build_failed(job, "allocating the network failed: " + runtime::to_error(e).message);
            });
  }

  /// The server's addresses as Nova shows them, by network name.
  static json addresses_of(const json& ports) {
    json out = json::object();
    for (auto& p : ports)
      for (auto& ip : p.value("fixed_ips", json::array()))
        out[json_fields::str(p, "network_name")].push_back(
            {{"version", ip.value("version", 4)},
             {"addr", json_fields::str(ip, "ip_address")},
             {"OS-EXT-IPS:type", "fixed"},
             {"OS-EXT-IPS-MAC:mac_addr", json_fields::str(p, "mac_address")}});
    return out;
  }

  /// Gives the instance's ports back: stand-ins unplugged, ports deleted
  /// (or unbound, for ports the user gave).
  void release_network(const std::string& uuid, const json& ports) {
    if (nic_stand_in_)
      request(nic_stand_in_, network_timeout, unplug_atom::value, uuid, ports.dump())
          .then([](bool) {},
                [this, uuid](caf::error& e) {
                  LOG_WARN(env().role, "unplugging the stand-in NICs of {}: {}", uuid,
                           runtime::to_error(e).message);
                });
    auto server = env().dir->resolve(network_server_);
    if (!server)
      return;
    request(server, network_timeout, msg::context{}, msg::deallocate_ports_request{uuid, env().node, ""})
        .then([](msg::deallocate_ports_reply&) {},
              [this, uuid](caf::error& e) {
                LOG_WARN(env().role, "releasing the ports of {} failed: {}", uuid,
                         runtime::to_error(e).message);
              });
  }

  // -- interfaces of a running instance ---------------------------------------------------

  /// The instance's record from the compute-conductor, to `then`.
  void with_instance(const msg::context& ctx, const std::string& uuid,
                     std::function<void(std::optional<json>)> then) {
    auto cell = env().dir->resolve(cell_);
    if (!cell) {
      then(std::nullopt);
      return;
    }
    msg::get_instances_request q;
    q.uuids = {uuid};
    request(cell, cell_timeout, ctx, q)
        .then(
            [then](msg::get_instances_reply& reply) {
              if (reply.instances.empty()) {
                then(std::nullopt);
                return;
              }
              auto x = json::parse(reply.instances.front(), nullptr, false);
              then(x.is_object() ? std::optional<json>(x) : std::nullopt);
            },
            [then](caf::error&) { then(std::nullopt); });
  }

  /// One more port: allocated and bound here, plugged, recorded.
  caf::result<msg::attach_interface_reply> attach_interface(const msg::context& ctx,
                                                            const msg::attach_interface_request& req) {
    auto rp = make_response_promise<msg::attach_interface_reply>();
    auto server = env().dir->resolve(network_server_);
    if (!server)
      return runtime::make_error(msg::errc::unavailable, "the network service is not reachable");
    with_instance(ctx, req.uuid, [this, ctx, req, rp, server](std::optional<json> x) mutable {
      if (!x) {
        rp.deliver(runtime::make_error(msg::errc::not_found, "Instance " + req.uuid + " could not be found."));
        return;
      }
      const json requested = json::array({json::parse(req.requested, nullptr, false)});
      // A port attached later gets the groups the server was made with, as in Nova.
      msg::allocate_ports_request q{req.uuid, json_fields::str(*x, "project_id"), env().node,
                                    requested.dump(), x->value("security_groups", json::array()).dump()};
      request(server, network_timeout, ctx, q)
          .then(
              [this, ctx, req, rp, x](msg::allocate_ports_reply& reply) mutable {
                json added = json::parse(reply.ports, nullptr, false);
                if (!added.is_array() || added.empty()) {
                  rp.deliver(runtime::make_error(msg::errc::internal, "no port was allocated"));
                  return;
                }
                json ports = x->value("ports", json::array());
                const auto first_index = static_cast<uint32_t>(ports.size());
                for (auto& p : added)
                  ports.push_back(p);
                auto record = [this, ctx, req, rp, ports, port = added[0]](
                                  std::optional<msg::error> plug_error) mutable {
                  if (plug_error) {
                    release_port(req.uuid, port);
                    rp.deliver(runtime::make_error(*plug_error));
                    return;
                  }
                  update(ctx, req.uuid, {}, {{"ports", ports}, {"addresses", addresses_of(ports)}},
                         "compute_attach_interface", "Success",
                         [rp, port](std::optional<msg::error> err) mutable {
                           if (err)
                             rp.deliver(runtime::make_error(*err));
                           else
                             rp.deliver(msg::attach_interface_reply{port.dump()});
                         });
                };
                if (!nic_stand_in_) {
                  record(std::nullopt);
                  return;
                }
                request(nic_stand_in_, network_timeout, plug_atom::value, req.uuid, added.dump(),
                        first_index)
                    .then([record](std::string&) mutable { record(std::nullopt); },
                          [record](caf::error& e) mutable { record(runtime::to_error(e)); });
              },
              [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    });
    return rp;
  }

  /// One port less: unplugged, given back, the record without it.
  caf::result<msg::detach_interface_reply> detach_interface(const msg::context& ctx,
                                                            const msg::detach_interface_request& req) {
    auto rp = make_response_promise<msg::detach_interface_reply>();
    with_instance(ctx, req.uuid, [this, ctx, req, rp](std::optional<json> x) mutable {
      if (!x) {
        rp.deliver(runtime::make_error(msg::errc::not_found, "Instance " + req.uuid + " could not be found."));
        return;
      }
      json kept = json::array();
      json gone;
      for (auto& p : x->value("ports", json::array())) {
        if (json_fields::str(p, "id") == req.port_id)
          gone = p;
        else
          kept.push_back(p);
      }
      if (gone.is_null()) {
        rp.deliver(runtime::make_error(msg::errc::not_found, "Port " + req.port_id + " is not attached"));
        return;
      }
      release_port(req.uuid, gone);
      update(ctx, req.uuid, {}, {{"ports", kept}, {"addresses", addresses_of(kept)}},
             "compute_detach_interface", "Success", [rp](std::optional<msg::error> err) mutable {
               if (err)
                 rp.deliver(runtime::make_error(*err));
               else
                 rp.deliver(msg::detach_interface_reply{true});
             });
    });
    return rp;
  }

  /// One port of a running instance: its stand-in NIC unplugged, the port
  /// given back.
  void release_port(const std::string& uuid, const json& port) {
    if (nic_stand_in_)
      caf::anon_send(nic_stand_in_, unplug_atom::value, port.dump());
    if (auto server = env().dir->resolve(network_server_))
      request(server, network_timeout, msg::context{},
              msg::deallocate_ports_request{uuid, env().node, json_fields::str(port, "id")})
          .then([](msg::deallocate_ports_reply&) {},
                [this, uuid](caf::error& e) {
                  LOG_WARN(env().role, "releasing a port of {} failed: {}", uuid,
                           runtime::to_error(e).message);
                });
  }

  void spawn_guest(std::shared_ptr<build_job> job) {
    const auto& x = job->instance;
    const std::string uuid = x["uuid"];
    const guest_places places{image_cache_, instances_, real_guests_ ? free_local_port() : uint16_t{0},
                              env().setting("vnc_listen", "127.0.0.1")};
    const auto asked = std::chrono::steady_clock::now();
    request(worker_, hypervisor_timeout, spawn_atom::value,
            guest_definition(x, job->ports, places, real_guests_).dump())
        .then(
            [this, job, uuid, asked](int power) {
              // What the hypervisor took, apart from the control plane's share.
              LOG_INFO(env().role, "{} started by the hypervisor in {} ms", uuid,
                       std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - asked)
                           .count());
              json done{{"vm_state", "active"},
                        {"task_state", nullptr},
                        {"power_state", power},
                        {"launched_at", iso_now()},
                        {"addresses", addresses_of(job->ports)},
                        {"ports", job->ports}};
              update(job->ctx, uuid, {"spawning"}, done, "compute_build_and_run_instance",
                     "Success", [this, job, uuid, power](std::optional<msg::error> err) {
                       if (err) {
                         // Deleted while it was being built: the guest goes.
                         LOG_INFO(env().role, "{} changed during its build ({}); removing the guest",
                                  uuid, err->message);
                         caf::anon_send(worker_, act_atom::value, uuid, std::string{"delete"});
                         release_network(uuid, job->ports);
                       }
                       failed_builds_ = 0;
                       job->rp.deliver(msg::build_instance_reply{power});
                     });
            },
            [this, job](caf::error& e) { build_failed(job, runtime::to_error(e).message); });
  }

  void build_failed(std::shared_ptr<build_job> job, const std::string& why) {
    ++failed_builds_;
    const std::string uuid = job->instance["uuid"];
    caf::anon_send(worker_, act_atom::value, uuid, std::string{"delete"}); // leave nothing
    release_network(uuid, job->ports);
    update(job->ctx, uuid, {"spawning"}, json::object(), "compute_build_and_run_instance", "Error",
           [job, why](std::optional<msg::error>) {
             job->rp.deliver(runtime::make_error(msg::errc::internal, "Build failed: " + why));
           });
  }

  /// Calls `done` once the image is in the local cache ("" = no image, or
  /// an error text). Concurrent builds of one image share one fetch.
  void with_image(const std::string& image_id, std::function<void(std::string)> done) {
    if (image_id.empty() || std::filesystem::exists(image_cache_ / image_id)) {
      done("");
      return;
    }
    auto& waiting = fetching_[image_id];
    waiting.push_back(std::move(done));
    if (waiting.size() > 1)
      return;
    auto image = env().dir->resolve(image_api_);
    if (!image) {
      fetched(image_id, "the image service is not reachable");
      return;
    }
    caf::actor self_handle = caf::actor_cast<caf::actor>(this);
    image::fetch_image(system(), image, image_id, image_cache_ / image_id,
                       [self_handle, image_id](std::optional<msg::error> err) {
                         caf::anon_send(self_handle, fetched_atom::value, image_id,
                                        err ? err->message : std::string{});
                       });
  }

  /// with_image for each of `image_ids` in turn ("" ids skipped).
  void with_images(std::vector<std::string> image_ids, std::function<void(std::string)> done) {
    if (image_ids.empty()) {
      done("");
      return;
    }
    const auto first = image_ids.front();
    image_ids.erase(image_ids.begin());
    with_image(first, [this, rest = std::move(image_ids), done](std::string error) mutable {
      if (!error.empty())
        done(error);
      else
        with_images(std::move(rest), std::move(done));
    });
  }

  void fetched(const std::string& image_id, const std::string& error) {
    auto waiting = std::move(fetching_[image_id]);
    fetching_.erase(image_id);
    for (auto& done : waiting)
      done(error);
  }

  // -- consoles ---------------------------------------------------------------------------

  /// Where the guest's VNC and serial consoles listen now.
  caf::result<msg::get_console_reply> consoles_of(const std::string& uuid) {
    auto rp = make_response_promise<msg::get_console_reply>();
    request(worker_, hypervisor_timeout, consoles_atom::value, uuid)
        .then(
            [rp](std::string& found) mutable {
              const json c = json::parse(found, nullptr, false);
              rp.deliver(msg::get_console_reply{c.is_object() ? json_fields::str(c, "vnc") : "",
                                                c.is_object() ? json_fields::str(c, "serial") : ""});
            },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
    return rp;
  }

  // -- actions ----------------------------------------------------------------------------

  caf::result<msg::instance_action_reply> act(const msg::context& ctx,
                                              const msg::instance_action_request& req) {
    const server_action* action = find_server_action(req.action);
    if (!action)
      return runtime::make_error(msg::errc::invalid, "No such server action: " + req.action);
    auto rp = make_response_promise<msg::instance_action_reply>();
    const json record = json::parse(req.instance, nullptr, false);
    json ports = record.is_object() ? record.value("ports", json::array()) : json::array();
    request(worker_, hypervisor_timeout, act_atom::value, req.uuid, req.action)
        .then(
            [this, ctx, rp, action, uuid = req.uuid, ports](int power) mutable {
              json done{{"vm_state", action->end_vm_state}, {"task_state", nullptr},
                        {"power_state", power}};
              if (action->name == "delete") {
                done["deleted"] = true;
                done["deleted_at"] = done["terminated_at"] = iso_now();
                release(uuid);
                release_network(uuid, ports);
              }
              update(ctx, uuid, {action->task_state}, done, action->event, "Success",
                     [rp, power](std::optional<msg::error> err) mutable {
                       if (err)
                         rp.deliver(runtime::make_error(*err));
                       else
                         rp.deliver(msg::instance_action_reply{power});
                     });
            },
            [this, ctx, rp, action, uuid = req.uuid](caf::error& e) mutable {
              auto err = runtime::to_error(e);
              LOG_WARN(env().role, "{} of {} failed: {}", action->name, uuid, err.message);
              json undo{{"task_state", nullptr}};
              if (action->name == "delete")
                undo["vm_state"] = "error";
              update(ctx, uuid, {action->task_state}, undo, action->event, "Error",
                     [rp, err](std::optional<msg::error>) mutable {
                       rp.deliver(runtime::make_error(err));
                     });
            });
    return rp;
  }

  void release(const std::string& uuid) {
    api_support::service_call(
        this, env().dir->resolve(placement_),
        {"placement:allocations:delete", {{"consumer_uuid", uuid}}, {}, nullptr, "placement 1.39"},
        [this, uuid](api_support::service_answer a) {
          if (!a.ok() && a.status != 404)
            LOG_WARN(env().role, "releasing the allocation of {} failed: {}", uuid, a.error_text());
        });
  }

  // -- the power-state sync ------------------------------------------------------------------

  /// Compares what the hypervisor runs with what the cell believes, as
  /// Nova's _sync_power_states does: a guest that stopped behind our back
  /// makes its instance stopped; a guest running for an instance that should
  /// be stopped is stopped; a guest of a deleted instance is removed.
  void sync_power_states() {
    delayed_send(this, sync_interval_, sync_atom::value);
    auto cell = env().dir->resolve(cell_);
    if (!cell || !reporting_)
      return;
    request(worker_, hypervisor_timeout, guests_atom::value)
        .then(
            [this, cell](std::string& text) {
              auto guests = json::parse(text, nullptr, false);
              if (!guests.is_object())
                return;
              msg::get_instances_request q;
              q.host = env().node;
              q.include_deleted = true;
              request(cell, cell_timeout, msg::context{}, q)
                  .then([this, guests](msg::get_instances_reply& reply) {
                    reconcile(guests, reply.instances);
                  },
                        [](caf::error&) {});
            },
            [](caf::error&) {});
  }

  void reconcile(const json& guests, const std::vector<std::string>& instances) {
    for (auto& text : instances) {
      auto x = json::parse(text, nullptr, false);
      if (!x.is_object())
        continue;
      const std::string uuid = x["uuid"];
      const int guest = guests.contains(uuid) ? guests[uuid].get<int>() : 0;
      if (x.value("deleted", false)) {
        if (guests.contains(uuid)) {
          LOG_WARN(env().role, "removing the guest of deleted instance {}", uuid);
          caf::anon_send(worker_, act_atom::value, uuid, std::string{"delete"});
        }
        continue;
      }
      if (!x["task_state"].is_null())
        continue; // an action is under way: it decides
      const auto vm = json_fields::str(x, "vm_state");
      const int recorded = x.value("power_state", 0);
      if (vm == "stopped" && guest == 1) {
        LOG_WARN(env().role, "{} should be stopped but runs; stopping it", uuid);
        caf::anon_send(worker_, act_atom::value, uuid, std::string{"stop"});
        continue;
      }
      if (guest == recorded)
        continue;
      json changes{{"power_state", guest}};
      if (vm == "active" && (guest == 0 || guest == 4 || guest == 6)) {
        LOG_WARN(env().role, "{} is no longer running (power state {}); marking it stopped", uuid, guest);
        changes["vm_state"] = "stopped";
      }
      update(msg::context{}, uuid, {""}, changes, "", "", [](std::optional<msg::error>) {});
    }
  }

  // -- talking to the compute-conductor ---------------------------------------------------------

  /// A state change through the compute-conductor. One that cannot reach
  /// it (restarting, its node down) is tried again for a while: the guest
  /// exists, and the cell must learn so.
  void update(const msg::context& ctx, const std::string& uuid, std::vector<std::string> expected,
              json changes, std::string event, std::string result,
              std::function<void(std::optional<msg::error>)> done, int attempt = 1) {
    msg::update_instance_request req;
    req.uuid = uuid;
    req.expected_task_states = expected;
    req.changes = changes.dump();
    req.event = event;
    req.event_result = result;
    auto retry = [=, this](const msg::error& err) {
      if (attempt >= update_attempts) {
        done(err);
        return;
      }
      const auto id = ++next_later_;
      later_[id] = [=, this] { update(ctx, uuid, expected, changes, event, result, done, attempt + 1); };
      delayed_send(this, retry_interval, later_atom::value, id);
    };
    auto cell = env().dir->resolve(cell_);
    if (!cell) {
      retry(msg::error{msg::errc::unavailable, "the compute-conductor is not reachable"});
      return;
    }
    request(cell, cell_timeout, ctx, req)
        .then([done](msg::update_instance_reply&) { done(std::nullopt); },
              [=, this](caf::error& e) {
                auto err = runtime::to_error(e);
                if (err.code == msg::errc::unavailable || err.code == msg::errc::timeout)
                  retry(err);
                else if (err.code == msg::errc::conflict && attempt > 1)
                  already_applied(cell, uuid, changes, err, done);
                else
                  done(err);
              });
  }

  /// A retried change that conflicts may have been applied by the attempt
  /// whose answer was lost: it counts as done if the record shows it.
  void already_applied(const caf::actor& cell, const std::string& uuid, const json& changes,
                       msg::error conflict, std::function<void(std::optional<msg::error>)> done) {
    msg::get_instances_request q;
    q.uuids = {uuid};
    q.include_deleted = true;
    request(cell, cell_timeout, msg::context{}, q)
        .then(
            [=](msg::get_instances_reply& reply) {
              if (reply.instances.empty())
                return done(conflict);
              const auto x = json::parse(reply.instances.front(), nullptr, false);
              if (!x.is_object())
                return done(conflict);
              for (auto& [k, v] : changes.items())
                if (x.value(k, json()) != v)
                  return done(conflict);
              done(std::nullopt);
            },
            [=](caf::error&) { done(conflict); });
  }

  static std::string iso_now() {
    auto t = static_cast<std::time_t>(runtime::unix_seconds());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000", &tm);
    return buf;
  }

  caf::actor worker_;
  caf::actor nic_stand_in_; // test driver only
  bool real_guests_ = false; // not libvirt's test driver
  std::filesystem::path instances_; // a directory per real guest
  std::string placement_, cell_, image_api_, network_server_, zone_, provider_uuid_;
  std::filesystem::path image_cache_;
  tracker_settings tracker_;
  json host_facts_ = json::object();
  std::chrono::seconds report_interval_{10}, sync_interval_{10};
  bool reporting_ = false;
  int64_t failed_builds_ = 0;
  std::map<std::string, std::vector<std::function<void(std::string)>>> fetching_;
  std::map<uint64_t, std::function<void()>> later_; // retries waiting for their time
  uint64_t next_later_ = 0;
};

} // namespace

caf::actor spawn_compute(caf::event_based_actor* supervisor, const runtime::role_env& env) {
  return supervisor->spawn<compute_actor, caf::linked>(env);
}

} // namespace stratus::actors
