// What describes the service rather than a resource: the extension list,
// quotas, the agents, and the resource list at /v2.0.
// https://docs.openstack.org/api-ref/network/v2/#extensions
// https://docs.openstack.org/api-ref/network/v2/#quotas-extension-quotas
// https://docs.openstack.org/api-ref/network/v2/#networking-agents

#include <algorithm>

#include "actors/common/json_fields.hpp"
#include "actors/network/network_api.hpp"

namespace stratus::network {
namespace {

using json_fields::str;

struct extension {
  const char* alias;
  const char* name;
  const char* description;
};

/// Exactly what this server implements.
const std::vector<extension>& extensions() {
  static const std::vector<extension> all{
      {"agent", "agent", "The agent management extension."},
      {"allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"},
      {"binding", "Port Binding", "Expose port bindings of a virtual port to external application"},
      {"default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a subnetpool as the default."},
      {"external-net", "Neutron external network", "Adds external network attribute to network resource."},
      {"ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"},
      {"extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"},
      {"net-mtu", "Network MTU", "Provides MTU attribute for a network resource."},
      {"net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource."},
      {"network_availability_zone", "Network Availability Zone", "Availability zone support for network."},
      {"pagination", "Pagination support", "Extension that indicates that pagination is enabled."},
      {"port-security", "Port Security", "Provides port security"},
      {"project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."},
      {"provider", "Provider Network", "Expose mapping of virtual networks to physical networks"},
      {"quotas", "Quota management support", "Expose functions for quotas management per tenant"},
      {"quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"},
      {"router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."},
      {"security-group", "security-group", "The security groups extension."},
      {"sorting", "Sorting support", "Extension that indicates that sorting is enabled."},
      {"standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"},
      {"standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."},
      {"standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute."},
      {"standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."},
      {"subnet-service-types", "Subnet service types", "Provides ability to set the subnet service_types field"},
      {"subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"},
      {"subnetpool-prefix-ops", "Subnet Pool Prefix Operations", "Provides support for adjusting the prefix list of subnet pools"},
  };
  return all;
}

json render_extension(const extension& e) {
  return {{"alias", e.alias},
          {"name", e.name},
          {"description", e.description},
          {"updated", "2013-01-20T00:00:00-00:00"},
          {"links", json::array()}};
}

} // namespace

void network_api::add_service_operations() {
  add("get_extension", [](network_call& c) -> api_result {
    const auto alias = c.call.path("alias");
    if (alias.empty()) {
      json out = json::array();
      for (auto& e : extensions())
        out.push_back(render_extension(e));
      return json_reply(200, {{"extensions", out}});
    }
    for (auto& e : extensions())
      if (alias == e.alias)
        return json_reply(200, {{"extension", render_extension(e)}});
    return neutron_error(404, "HTTPNotFound", "Extension with alias " + alias + " does not exist");
  });

  add("get_resources", [](network_call& c) -> api_result {
    json out = json::array();
    for (const char* r : {"network", "subnet", "port", "security_group", "security_group_rule",
                          "subnetpool", "router", "floatingip"}) {
      std::string collection = std::string{r} + "s";
      std::replace(collection.begin(), collection.end(), '_', '-');
      out.push_back({{"name", r},
                     {"collection", collection},
                     {"links", json::array({{{"rel", "self"},
                                             {"href", c.call.req.base_url + "/network/v2.0/" +
                                                          collection}}})}});
    }
    return json_reply(200, {{"resources", out}});
  });

  // -- quotas ----------------------------------------------------------------------
  auto limits_of = [this](const std::string& project) {
    json limits;
    const json set = model_.quota_of(project);
    for (auto& [resource, fallback] : settings_.default_quotas)
      limits[resource] = set.value(resource, fallback);
    return limits;
  };
  auto may_read = [](const network_call& c, const std::string& project) {
    return c.admin || project == c.project;
  };

  add("get_quota", [this, limits_of, may_read](network_call& c) -> api_result {
    const auto project = c.call.path("project_id");
    if (project.empty()) { // the projects with limits of their own
      if (!c.admin)
        return disallowed("get_quota");
      json out = json::array();
      for (auto& [id, q] : model_.quotas()) {
        json limits = limits_of(id);
        limits["project_id"] = id;
        limits["tenant_id"] = id;
        out.push_back(limits);
      }
      return json_reply(200, {{"quotas", out}});
    }
    if (!may_read(c, project))
      return disallowed("get_quota");
    const auto view = c.call.path("view");
    if (view == "default") {
      json limits;
      for (auto& [resource, fallback] : settings_.default_quotas)
        limits[resource] = fallback;
      return json_reply(200, {{"quota", limits}});
    }
    json limits = limits_of(project);
    if (view == "details") {
      json details;
      for (auto& [resource, limit] : limits.items()) {
        const auto used = resource == "network" || resource == "subnet" || resource == "port" ||
                                  resource == "subnetpool" || resource == "router" ||
                                  resource == "floatingip"
                              ? model_.owned(resource, project)
                              : 0;
        details[resource] = {{"limit", limit}, {"used", used}, {"reserved", 0}};
      }
      return json_reply(200, {{"quota", details}});
    }
    return json_reply(200, {{"quota", limits}});
  });

  add("update_quota", [this, limits_of](network_call& c) -> api_result {
    const auto project = c.call.path("project_id");
    const json body = c.call.body.value("quota", json());
    if (!body.is_object())
      return neutron_error(400, "HTTPBadRequest", "Resource body required");
    json set = model_.quota_of(project);
    for (auto& [resource, value] : body.items()) {
      if (!settings_.default_quotas.count(resource))
        return neutron_error(400, "HTTPBadRequest", "Unrecognized attribute(s) '" + resource + "'");
      int64_t limit = 0;
      if (value.is_number_integer())
        limit = value.get<int64_t>();
      else if (value.is_string() && !value.get<std::string>().empty() &&
               value.get<std::string>().find_first_not_of("-0123456789") == std::string::npos &&
               value.get<std::string>().size() < 12)
        limit = std::stoll(value.get<std::string>());
      else
        return invalid_input("'" + value.dump() + "' is not an integer");
      if (limit < -1)
        return invalid_input("'" + value.dump() + "' should be greater than or equal to -1");
      set[resource] = limit;
    }
    model_edit edit(model_);
    edit.put(kinds::quota, project, {{"project_id", project}, {"limits", set}});
    return committed(json_reply(200, {{"quota", limits_of(project)}}), edit);
  });

  add("delete_quota", [this](network_call& c) -> api_result {
    model_edit edit(model_);
    edit.erase(kinds::quota, c.call.path("project_id"));
    return committed(api_support::api_no_content(), edit);
  });

  // -- agents (admin only, by the gateway's policy) ---------------------------------
  auto render_agent = [this](const network_call& c, const agent_info& a) {
    json mappings = json::object();
    for (auto& [physnet, device] : a.bridge_mappings)
      mappings[physnet] = device;
    json kinds_json = json::array();
    for (auto& k : a.device_kinds)
      kinds_json.push_back(k);
    return json{{"id", a.id},
                {"agent_type", "Linux bridge agent"},
                {"binary", "neutron-linuxbridge-agent"},
                {"host", a.host},
                {"topic", "N/A"},
                {"alive", agents_.alive(a, c.call.now)},
                {"admin_state_up", true},
                {"availability_zone", nullptr},
                {"description", nullptr},
                {"started_at", iso_time(a.started_at)},
                {"created_at", iso_time(a.started_at)},
                {"heartbeat_timestamp", iso_time(a.heartbeat_at)},
                {"configurations",
                 {{"bridge_mappings", mappings},
                  {"interface_mappings", mappings},
                  {"tunneling_ip", a.tunnel_ip},
                  {"tunnel_types", json::array({"vxlan", "gre"})},
                  {"l2_population", true},
                  {"device_kinds", kinds_json}}},
                {"resources_synced", nullptr}};
  };
  add("get_agent", [this, render_agent](network_call& c) -> api_result {
    const auto id = c.call.path("agent_id");
    std::vector<json> all;
    for (auto& [host, a] : agents_.by_host())
      all.push_back(render_agent(c, a));
    if (id.empty()) {
      std::vector<const json*> records;
      for (auto& a : all)
        records.push_back(&a);
      return list_reply(c, "agents", records, [](const json& a) { return a; });
    }
    for (auto& a : all)
      if (str(a, "id") == id)
        return json_reply(200, {{"agent", select_fields(c, a)}});
    return not_found("agent", id);
  });
}

} // namespace stratus::network
