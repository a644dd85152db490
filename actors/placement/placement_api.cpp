#include "actors/placement/placement_api.hpp"

#include <cctype>
#include <ctime>

namespace stratus::placement {

placement_api::placement_api(placement_model& model)
    : model_(model) {
  add_provider_operations();
  add_inventory_operations();
  add_provider_link_operations();
  add_allocation_operations();
  add_name_operations();
  add_candidate_operations();
}

const api_support::microversion_range& placement_api::versions() {
  static const api_support::microversion_range range{"placement", 1, 0, max_minor, ""};
  return range;
}

void placement_api::add(const std::string& name, op f) {
  ops_[name] = [this, f = std::move(f)](api_support::api_call& call) {
    placement_call c{call, current_minor_};
    return f(c);
  };
}

api_result placement_api::handle(const msg::context& ctx, const msg::api_call_request& req,
                                 int64_t now) {
  api_support::api_call probe{ctx, req, nullptr, "", now};
  const auto version = api_support::negotiate(probe, versions());
  api_result r;
  if (version.status != 0) {
    placement_call c{probe, 0};
    r = placement_error(c, version.status, version.message);
    if (version.status == 406) {
      // osc-placement steps down to what the server offers.
      auto body = json::parse(r.reply.body);
      body["errors"][0]["min_version"] = "1.0";
      body["errors"][0]["max_version"] = "1." + std::to_string(max_minor);
      r.reply.body = body.dump();
    }
  } else {
    current_minor_ = version.minor;
    r = ops_.run(ctx, req, "/placement", now);
    if (r.error) { // a failure the shared table answered (bad JSON, …)
      placement_call c{probe, version.minor};
      const uint16_t status = r.error->code == msg::errc::internal ? 500 : 400;
      r = placement_error(c, status, r.error->message);
    }
  }
  const std::string in_force = "placement 1." + std::to_string(version.status ? 0 : version.minor);
  r.reply.headers.push_back({"openstack-api-version", in_force});
  r.reply.headers.push_back({"vary", "openstack-api-version"});
  return r;
}

// -- helpers -------------------------------------------------------------------------

api_result placement_error(const placement_call& c, uint16_t status, const std::string& detail,
                           const std::string& code) {
  static const std::map<uint16_t, const char*> titles{
      {400, "Bad Request"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {406, "Not Acceptable"}, {409, "Conflict"},
      {415, "Unsupported Media Type"}, {500, "Internal Server Error"}};
  json e{{"status", status},
         {"title", titles.count(status) ? titles.at(status) : "Error"},
         {"detail", detail},
         {"request_id", c.call.ctx.request_id}};
  if (c.at_least(23))
    e["code"] = code;
  return placement_json(status, json{{"errors", json::array({e})}});
}

msg::named_value location(const placement_call& c, const std::string& path) {
  return {"location", c.call.req.base_url + path};
}

api_result placement_json(uint16_t status, const json& body) {
  return api_support::api_json(status, body);
}

const provider* path_provider(const placement_model& model, placement_call& c,
                              api_result& missing) {
  const auto uuid = c.call.path("uuid");
  const provider* p = model.find_provider(uuid);
  if (!p)
    missing = placement_error(c, 404, "No resource provider with uuid " + uuid + " found",
                              "placement.resource_provider.not_found");
  return p;
}

std::string iso_time(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool is_uuid(const std::string& text) {
  std::size_t hex = 0;
  for (char ch : text) {
    if (ch == '-')
      continue;
    if (!std::isxdigit(static_cast<unsigned char>(ch)))
      return false;
    ++hex;
  }
  return hex == 32 && (text.size() == 32 || text.size() == 36);
}

} // namespace stratus::placement
