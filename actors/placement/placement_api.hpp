#pragma once
// The Placement API operations the gateway routes to the placement role
// ("placement:resource_providers:list", … — Placement's policy names), as
// plain functions of the model: each answers at once, or answers with the
// records to write first. Microversions 1.0 to 1.39; every reply carries
// the version in force; errors are Placement's {"errors": [...]} with the
// error codes of 1.23 (placement.concurrent_update, …).
//
// https://docs.openstack.org/api-ref/placement/

#include <string>
#include <unordered_map>
#include <vector>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"
#include "actors/common/json_fields.hpp"
#include "actors/common/microversion.hpp"
#include "actors/common/operation_table.hpp"
#include "actors/placement/placement_model.hpp"

namespace stratus::placement {

/// The newest microversion this placement speaks.
constexpr int max_minor = 39;

struct api_result : api_support::api_answer {
  api_result() = default;
  api_result(api_support::api_answer a)
      : api_answer(std::move(a)) {} // NOLINT: a plain answer is a result
  std::vector<model_change> changes; // written before the reply goes out
};

/// One request as the operations see it: the call and its microversion.
struct placement_call {
  api_support::api_call& call;
  int minor = 0;
  bool at_least(int m) const {
    return minor >= m;
  }
};

class placement_api {
public:
  explicit placement_api(placement_model& model);

  /// Runs `req.operation` at the version the request asks for.
  api_result handle(const msg::context& ctx, const msg::api_call_request& req, int64_t now);

  static const api_support::microversion_range& versions();

private:
  using op = std::function<api_result(placement_call&)>;
  void add(const std::string& name, op f);
  void add_provider_operations();
  void add_inventory_operations();
  void add_provider_link_operations(); // traits, aggregates, usages, allocations of a provider
  void add_allocation_operations();
  void add_name_operations(); // resource classes and traits
  void add_candidate_operations();

  placement_model& model_;
  api_support::operation_table<api_result> ops_;
  int current_minor_ = 0; // of the request being run

  /// A provider as candidate replies show it, kept while its generation holds.
  struct rendered_provider {
    uint64_t generation = 0; // the provider's + 1; 0 = nothing yet
    std::string uuid;        // whose it is (an address may be reused)
    std::string quoted_uuid;
    std::string summary; // its provider_summaries entry
  };
  /// `p` rendered for a reply at `c`'s version.
  const rendered_provider& rendered(const provider& p, const placement_call& c);
  /// By reply variant (traits shown, tree shown) and provider.
  std::unordered_map<const provider*, rendered_provider> rendered_[4];
};

// -- helpers shared by the operation files ---------------------------------------

/// A Placement error body with its code (1.23), e.g. placement.concurrent_update.
api_result placement_error(const placement_call& c, uint16_t status, const std::string& detail,
                           const std::string& code = "placement.undefined_code");
/// The Location header of a created resource at `path` ("/placement/…"),
/// absolute as webob makes it.
msg::named_value location(const placement_call& c, const std::string& path);
/// A JSON reply.
api_result placement_json(uint16_t status, const json& body);
/// The provider named by the path's {uuid}, or a 404 answer.
const provider* path_provider(const placement_model& model, placement_call& c, api_result& missing);
/// An ISO 8601 timestamp for `unix_seconds`.
std::string iso_time(int64_t unix_seconds);
/// Whether `text` is a UUID (with or without dashes, as Placement accepts).
bool is_uuid(const std::string& text);

} // namespace stratus::placement
