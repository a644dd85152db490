// GET /allocation_candidates: what the scheduler asks before it claims.
// https://docs.openstack.org/api-ref/placement/#allocation-candidates
//
// The reply is written as text, and each provider's summary is kept until
// the provider's generation moves (every inventory, trait or allocation
// change moves it): at a thousand providers, the reply is mostly copying.

#include "actors/placement/candidates.hpp"
#include "actors/placement/placement_api.hpp"
#include "actors/placement/provider_rendering.hpp"

namespace stratus::placement {
namespace {

std::string quoted(const std::string& s) {
  return json(s).dump();
}

std::string summary_of(const placement_model& model, const provider& p, const placement_call& c) {
  json resources = json::object();
  const auto& used = model.usage(p.uuid);
  for (auto& [rc, inv] : p.inventories) {
    auto u = used.find(rc);
    resources[rc] = {{"capacity", inv.capacity()}, {"used", u == used.end() ? 0 : u->second}};
  }
  json s{{"resources", resources}};
  if (c.at_least(17))
    s["traits"] = p.traits;
  if (c.at_least(29)) {
    s["parent_provider_uuid"] = p.parent_uuid.empty() ? json(nullptr) : json(p.parent_uuid);
    s["root_provider_uuid"] = p.root_uuid;
  }
  return s.dump();
}

std::string amounts_text(const resource_amounts& amounts) {
  std::string out = "{";
  for (auto& [rc, n] : amounts) {
    if (out.size() > 1)
      out += ',';
    out += quoted(rc) + ':' + std::to_string(n);
  }
  return out + '}';
}

std::string request_text(const allocation_candidate& a, const placement_call& c) {
  std::string out;
  if (c.at_least(12)) {
    out = "{\"allocations\":{";
    bool first = true;
    for (auto& [rp, amounts] : a.allocations) {
      if (!first)
        out += ',';
      first = false;
      out += quoted(rp) + ":{\"resources\":" + amounts_text(amounts) + '}';
    }
    out += '}';
    if (c.at_least(34)) {
      out += ",\"mappings\":{\"\":[";
      first = true;
      for (auto& [rp, amounts] : a.allocations) {
        if (!first)
          out += ',';
        first = false;
        out += quoted(rp);
      }
      out += "]}";
    }
    return out + '}';
  }
  out = "{\"allocations\":[";
  bool first = true;
  for (auto& [rp, amounts] : a.allocations) {
    if (!first)
      out += ',';
    first = false;
    out += "{\"resource_provider\":{\"uuid\":" + quoted(rp) + "},\"resources\":" +
           amounts_text(amounts) + '}';
  }
  return out + "]}";
}

} // namespace

void placement_api::add_candidate_operations() {
  add("placement:allocation_candidates:list", [this](placement_call& c) -> api_result {
    if (!c.at_least(10))
      return placement_error(c, 404, "The resource could not be found.");
    for (auto& q : c.call.req.query)
      if (q.name.size() > 9 && (q.name.rfind("resources", 0) == 0 || q.name.rfind("required", 0) == 0) &&
          q.name != "resources" && q.name != "required")
        return placement_error(c, 400, "Granular request groups (" + q.name +
                                           ") are not supported by this placement service.",
                               "placement.query.bad_value");
    provider_filter filter;
    if (auto bad = parse_filter(model_, c, filter))
      return placement_error(c, 400, *bad, "placement.query.bad_value");
    if (filter.resources.empty())
      return placement_error(c, 400, "Invalid query string parameters: 'resources' is a required property",
                             "placement.query.missing_value");
    std::size_t limit = 0;
    if (auto l = c.call.query("limit"); l && c.at_least(16)) {
      if (l->empty() || l->size() > 9 || l->find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(*l) == 0)
        return placement_error(c, 400, "Invalid query string parameters: 'limit' must be a "
                                       "positive integer", "placement.query.bad_value");
      limit = std::stoul(*l);
    }
    const auto found = find_candidates(model_, filter, limit);
    std::string out = "{\"allocation_requests\":[";
    std::set<std::string> summarised;
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (i)
        out += ',';
      out += request_text(found[i], c);
      for (auto& [rp, amounts] : found[i].allocations) {
        summarised.insert(rp);
        if (c.at_least(29))
          for (auto& member : model_.tree(model_.find_provider(rp)->root_uuid))
            summarised.insert(member);
      }
    }
    out += "],\"provider_summaries\":{";
    const int variant = (c.at_least(17) ? 1 : 0) + (c.at_least(29) ? 2 : 0);
    bool first = true;
    for (auto& uuid : summarised) {
      const provider& p = *model_.find_provider(uuid);
      auto& cached = summaries_[variant][uuid];
      if (cached.first != p.generation + 1 || cached.second.empty())
        cached = {p.generation + 1, summary_of(model_, p, c)};
      if (!first)
        out += ',';
      first = false;
      out += quoted(uuid) + ':' + cached.second;
    }
    out += "}}";
    api_result r;
    r.reply.status = 200;
    r.reply.body = std::move(out);
    return r;
  });
}

} // namespace stratus::placement
