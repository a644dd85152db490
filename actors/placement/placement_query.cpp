#include "actors/placement/placement_query.hpp"

#include <algorithm>

#include "actors/common/comma_list.hpp"
#include "actors/placement/placement_api.hpp"

namespace stratus::placement {

using api_support::comma_list;

bool provider_filter::traits_pass(const std::set<std::string>& traits) const {
  for (auto& t : required)
    if (!traits.count(t))
      return false;
  for (auto& t : forbidden)
    if (traits.count(t))
      return false;
  for (auto& any : required_any)
    if (std::none_of(any.begin(), any.end(), [&](auto& t) { return traits.count(t) > 0; }))
      return false;
  return true;
}

bool provider_filter::aggregates_pass(const std::set<std::string>& aggregates) const {
  for (auto& group : member_of)
    if (std::none_of(group.begin(), group.end(), [&](auto& a) { return aggregates.count(a) > 0; }))
      return false;
  for (auto& a : not_member_of)
    if (aggregates.count(a))
      return false;
  return true;
}

namespace {

std::optional<std::string> parse_resources(const placement_model& model, const std::string& text,
                                           resource_amounts& out) {
  for (auto& item : comma_list(text)) {
    const auto colon = item.find(':');
    if (colon == std::string::npos)
      return "Badly formed resources parameter. Expected resources query string parameter in "
             "form: ?resources=VCPU:2,MEMORY_MB:1024. Got: " + text;
    const auto rc = item.substr(0, colon);
    const auto amount = item.substr(colon + 1);
    if (amount.empty() || amount.size() > 18 ||
        !std::all_of(amount.begin(), amount.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
        std::stoull(amount) == 0)
      return "Requested resource " + rc + " expected positive integer amount. Got: " + amount;
    if (!model.resource_class_exists(rc))
      return "Invalid resource class in resources parameter: No such resource class " + rc + ".";
    if (out.count(rc))
      return "Badly formed resources parameter: " + rc + " appears more than once.";
    out[rc] = std::stoull(amount);
    if (out.size() > max_resource_classes)
      return "Badly formed resources parameter: more than " +
             std::to_string(max_resource_classes) + " resource classes.";
  }
  return std::nullopt;
}

/// required=A,!B or required=in:A,B.
std::optional<std::string> parse_traits(const placement_model& model, const placement_call& c,
                                        const std::string& text, std::set<std::string>& required,
                                        std::set<std::string>& forbidden,
                                        std::vector<std::set<std::string>>* any) {
  if (text.rfind("in:", 0) == 0) {
    if (!any || !c.at_least(39))
      return "Invalid query string parameters: 'in:' is not supported for required before 1.39.";
    std::set<std::string> group;
    for (auto& t : comma_list(text.substr(3))) {
      if (!model.trait_exists(t))
        return "No such trait(s): " + t;
      group.insert(t);
    }
    any->push_back(std::move(group));
    return std::nullopt;
  }
  for (auto t : comma_list(text)) {
    const bool negated = t.front() == '!';
    if (negated) {
      if (!c.at_least(22))
        return "Invalid query string parameters: forbidden traits need microversion 1.22.";
      t.erase(0, 1);
    }
    if (!model.trait_exists(t))
      return "No such trait(s): " + t;
    (negated ? forbidden : required).insert(t);
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> parse_filter(const placement_model& model, const placement_call& c,
                                        provider_filter& out) {
  for (auto& q : c.call.req.query) {
    if (q.name == "resources") {
      if (auto e = parse_resources(model, q.value, out.resources))
        return e;
    } else if (q.name == "required") {
      if (auto e = parse_traits(model, c, q.value, out.required, out.forbidden, &out.required_any))
        return e;
    } else if (q.name == "root_required" && c.at_least(35)) {
      if (auto e = parse_traits(model, c, q.value, out.root_required, out.root_forbidden, nullptr))
        return e;
    } else if (q.name == "member_of") {
      std::string v = q.value;
      const bool negated = !v.empty() && v.front() == '!';
      if (negated) {
        if (!c.at_least(32))
          return "Forbidden member_of parameters are not supported before 1.32.";
        v.erase(0, 1);
      }
      const bool in = v.rfind("in:", 0) == 0;
      if (in)
        v.erase(0, 3);
      std::set<std::string> group;
      for (auto& a : comma_list(v)) {
        if (!is_uuid(a))
          return "Invalid query string parameters: Expected 'member_of' parameter to contain "
                 "valid UUID(s). Got: " + q.value;
        group.insert(a);
      }
      if (negated) // !in:a,b and !a alike: in none of them
        out.not_member_of.insert(group.begin(), group.end());
      else
        out.member_of.push_back(std::move(group));
    } else if (q.name == "in_tree") {
      if (!is_uuid(q.value))
        return "Invalid query string parameters: 'in_tree' is not a valid uuid.";
      out.in_tree = q.value;
    }
  }
  return std::nullopt;
}

} // namespace stratus::placement
