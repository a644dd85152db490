// GET /allocation_candidates: what the scheduler asks before it claims.
// https://docs.openstack.org/api-ref/placement/#allocation-candidates
//
// The reply is written as text, and each provider's quoted uuid and
// summary are kept until the provider's generation moves (every inventory,
// trait or allocation change moves it): at a thousand providers, the reply
// is mostly copying.

#include <unordered_set>

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

} // namespace

const placement_api::rendered_provider& placement_api::rendered(const provider& p,
                                                                const placement_call& c) {
  const int variant = (c.at_least(17) ? 1 : 0) + (c.at_least(29) ? 2 : 0);
  auto& r = rendered_[variant][&p];
  if (r.generation != p.generation + 1 || r.uuid != p.uuid) {
    r.generation = p.generation + 1;
    r.uuid = p.uuid;
    r.quoted_uuid = quoted(p.uuid);
    r.summary = summary_of(model_, p, c);
  }
  return r;
}

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
    const std::string requested = amounts_text(filter.resources);
    std::string out;
    out.reserve(found.size() * 480 + 64);
    out += "{\"allocation_requests\":[";
    std::vector<const rendered_provider*> summarised;
    std::unordered_set<const provider*> seen; // for trees only: one provider, one summary
    for (std::size_t i = 0; i < found.size(); ++i) {
      const auto& candidate = found[i];
      if (i)
        out += ',';
      const bool dict = c.at_least(12);
      out += dict ? "{\"allocations\":{" : "{\"allocations\":[";
      const rendered_provider* shown[max_resource_classes];
      const std::size_t parts = candidate.parts.size(); // ≤ one per requested class
      for (std::size_t k = 0; k < parts; ++k)
        shown[k] = &rendered(*candidate.parts[k].from, c);
      for (std::size_t k = 0; k < parts; ++k) {
        const auto& part = candidate.parts[k];
        const std::string& amounts = part.amounts.empty() ? requested : amounts_text(part.amounts);
        if (k)
          out += ',';
        if (dict) {
          out += shown[k]->quoted_uuid;
          out += ":{\"resources\":";
          out += amounts;
          out += '}';
        } else {
          out += "{\"resource_provider\":{\"uuid\":";
          out += shown[k]->quoted_uuid;
          out += "},\"resources\":";
          out += amounts;
          out += '}';
        }
      }
      out += dict ? "}" : "]";
      if (c.at_least(34)) {
        out += ",\"mappings\":{\"\":[";
        for (std::size_t k = 0; k < parts; ++k) {
          if (k)
            out += ',';
          out += shown[k]->quoted_uuid;
        }
        out += "]}";
      }
      out += '}';
      // Summaries: the providers used, and since 1.29 their whole trees.
      if (candidate.whole_tree) {
        summarised.push_back(shown[0]);
        continue;
      }
      auto note = [&](const provider* p) {
        if (seen.insert(p).second)
          summarised.push_back(&rendered(*p, c));
      };
      for (auto& part : candidate.parts)
        note(part.from);
      if (c.at_least(29))
        for (auto& member : model_.tree(candidate.root->uuid))
          note(model_.find_provider(member));
    }
    out += "],\"provider_summaries\":{";
    for (std::size_t i = 0; i < summarised.size(); ++i) {
      const auto& r = *summarised[i];
      if (i)
        out += ',';
      out += r.quoted_uuid;
      out += ':';
      out += r.summary;
    }
    out += "}}";
    api_result r;
    r.reply.status = 200;
    r.reply.body = std::move(out);
    return r;
  });
}

} // namespace stratus::placement
