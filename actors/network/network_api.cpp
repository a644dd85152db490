#include "actors/network/network_api.hpp"

#include <algorithm>
#include <ctime>

#include "actors/common/comma_list.hpp"
#include "actors/common/json_fields.hpp"

namespace stratus::network {

using json_fields::str;

network_api::network_api(network_model& model, const agent_registry& agents,
                         network_settings settings)
    : model_(model), agents_(agents), settings_(std::move(settings)) {
  add_network_operations();
  add_subnet_operations();
  add_port_operations();
  add_tag_operations();
  add_service_operations();
  add_security_group_operations();
  add_subnet_pool_operations();
  add_router_operations();
  add_floating_ip_operations();
}

void network_api::add(const std::string& name, op f) {
  ops_[name] = [f = std::move(f)](api_support::api_call& call) {
    network_call c{call, call.caller_is_admin(), call.ctx.caller.project_id};
    return f(c);
  };
}

api_result network_api::handle(const msg::context& ctx, const msg::api_call_request& req,
                               int64_t now) {
  // Routers whose host's agent died move before anything else looks.
  api_result moved = reschedule_routers(now);
  api_result r = ops_.run(ctx, req, req.base_url + "/network", now);
  if (!moved.changes.empty() && !r.error)
    r.changes.insert(r.changes.begin(), moved.changes.begin(), moved.changes.end());
  return r;
}

// -- errors ------------------------------------------------------------------------

api_result json_reply(uint16_t status, const json& body) {
  return api_support::api_json(status, body);
}

api_result neutron_error(uint16_t status, const std::string& type, const std::string& message) {
  return json_reply(status,
                    {{"NeutronError", {{"type", type}, {"message", message}, {"detail", ""}}}});
}

api_result invalid_input(const std::string& why) {
  return neutron_error(400, "InvalidInput", "Invalid input for operation: " + why + ".");
}

api_result not_found(const std::string& kind, const std::string& id) {
  std::string type = kind;
  if (!type.empty())
    type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  return neutron_error(404, type + "NotFound", type + " " + id + " could not be found.");
}

api_result disallowed(const std::string& rule) {
  return neutron_error(403, "PolicyNotAuthorized", "(rule:" + rule + ") is disallowed by policy");
}

// -- attributes --------------------------------------------------------------------

std::string iso_time(int64_t unix_seconds) {
  const std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

json standard_attributes(const network_call& c, const json& body, const std::string& id) {
  std::string project = c.project;
  if (c.admin) { // admins create for other projects (tenant_id is the older name)
    if (auto p = str(body, "project_id"); !p.empty())
      project = p;
    else if (auto t = str(body, "tenant_id"); !t.empty())
      project = t;
  }
  const auto now = iso_time(c.call.now);
  return {{"id", id},
          {"project_id", project},
          {"tenant_id", project},
          {"name", body.value("name", "")},
          {"description", body.value("description", "")},
          {"tags", json::array()},
          {"created_at", now},
          {"updated_at", now},
          {"revision_number", 0}};
}

void touch(json& record, int64_t now) {
  record["revision_number"] = record.value("revision_number", 0) + 1;
  record["updated_at"] = iso_time(now);
}

std::optional<api_result> unknown_attributes(const json& body,
                                             const std::vector<std::string>& known) {
  std::vector<std::string> unknown;
  for (auto& [k, v] : body.items())
    if (std::find(known.begin(), known.end(), k) == known.end())
      unknown.push_back("'" + k + "'");
  if (unknown.empty())
    return std::nullopt;
  std::string list;
  for (auto& u : unknown)
    list += (list.empty() ? "" : ", ") + u;
  return neutron_error(400, "HTTPBadRequest", "Unrecognized attribute(s) " + list);
}

std::optional<api_result> admin_only_attributes(const network_call& c, const json& body,
                                                const std::string& action,
                                                const std::vector<std::string>& attributes) {
  if (c.admin)
    return std::nullopt;
  for (auto& a : attributes) {
    auto it = body.find(a);
    // Neutron's policy checks an attribute only when it is set to something
    // other than its default (false for shared and router:external).
    if (it != body.end() && !it->is_null() && *it != json(false))
      return disallowed(action + ":" + a);
  }
  return std::nullopt;
}

std::optional<api_result> check_body(const network_call& c, const json& body,
                                     const std::vector<std::string>& known,
                                     const std::string& action,
                                     const std::vector<std::string>& admin_only) {
  if (!body.is_object())
    return neutron_error(400, "HTTPBadRequest", "Resource body required");
  if (auto bad = unknown_attributes(body, known))
    return bad;
  return admin_only_attributes(c, body, action, admin_only);
}

std::optional<api_result> network_api::named_network(const network_call& c, const json& body,
                                                     const json*& network) const {
  const auto id = str(body, "network_id");
  if (id.empty())
    return neutron_error(400, "HTTPBadRequest",
                         "Failed to parse request. Required attribute 'network_id' not specified");
  network = model_.find(kinds::network, id);
  if (!network || !network_visible(c, *network))
    return not_found("network", id);
  return std::nullopt;
}

std::optional<api_result> network_api::over_quota(const std::string& kind,
                                                  const std::string& project) const {
  auto fallback = settings_.default_quotas.find(kind);
  const int64_t limit = model_.quota_of(project).value(
      kind, fallback == settings_.default_quotas.end() ? int64_t{-1} : fallback->second);
  if (limit >= 0 && model_.owned(kind, project) >= static_cast<std::size_t>(limit))
    return neutron_error(409, "OverQuota", "Quota exceeded for resources: ['" + kind + "'].");
  return std::nullopt;
}

bool owns(const network_call& c, const json& record) {
  return c.admin || str(record, "project_id") == c.project;
}

bool network_visible(const network_call& c, const json& network) {
  return owns(c, network) || json_fields::flag(network, "shared", false) ||
         json_fields::flag(network, "router:external", false);
}

// -- lists -------------------------------------------------------------------------

namespace {

/// Query parameters that are not attribute filters.
bool is_control(const std::string& name) {
  static const std::set<std::string> control{"fields",   "sort_key",     "sort_dir", "limit",
                                              "marker",   "page_reverse", "tags",     "tags-any",
                                              "not-tags", "not-tags-any", "fixed_ips"};
  return control.count(name) > 0;
}

/// How a query value compares with an attribute: Neutron converts the
/// query string to the attribute's type ("True"/"true"/"1" for booleans).
bool matches(const json& attribute, const std::string& wanted) {
  if (attribute.is_string())
    return attribute.get<std::string>() == wanted;
  if (attribute.is_boolean()) {
    std::string w = wanted;
    std::transform(w.begin(), w.end(), w.begin(), ::tolower);
    const bool truth = w == "true" || w == "1";
    return (truth || w == "false" || w == "0") && attribute.get<bool>() == truth;
  }
  if (attribute.is_number())
    return attribute.dump() == wanted;
  if (attribute.is_null())
    return wanted.empty() || wanted == "None";
  if (attribute.is_array())
    return std::any_of(attribute.begin(), attribute.end(),
                       [&](const json& item) { return matches(item, wanted); });
  return false;
}

/// fixed_ips=ip_address=X / subnet_id=Y (ports): every such filter must hold.
bool fixed_ips_match(const json& record, const std::vector<std::string>& wanted) {
  const auto ips = record.value("fixed_ips", json::array());
  for (auto& w : wanted) {
    const auto eq = w.find('=');
    if (eq == std::string::npos)
      return false;
    const auto key = w.substr(0, eq), value = w.substr(eq + 1);
    const bool substring = key == "ip_address_substr";
    const bool any = std::any_of(ips.begin(), ips.end(), [&](const json& ip) {
      if (substring)
        return str(ip, "ip_address").find(value) != std::string::npos;
      return str(ip, key.c_str()) == value;
    });
    if (!any)
      return false;
  }
  return true;
}

bool tags_match(const network_call& c, const json& record) {
  const auto tags = json_fields::strings(record, "tags");
  auto has = [&](const std::string& t) { return std::find(tags.begin(), tags.end(), t) != tags.end(); };
  for (auto& q : c.call.req.query) {
    if (q.name != "tags" && q.name != "tags-any" && q.name != "not-tags" && q.name != "not-tags-any")
      continue;
    const auto wanted = api_support::comma_list(q.value);
    const bool all = std::all_of(wanted.begin(), wanted.end(), has);
    const bool any = std::any_of(wanted.begin(), wanted.end(), has);
    if ((q.name == "tags" && !all) || (q.name == "tags-any" && !any) ||
        (q.name == "not-tags" && all) || (q.name == "not-tags-any" && any))
      return false;
  }
  return true;
}

bool truthy(const std::string* v) {
  return v && (*v == "True" || *v == "true" || *v == "1");
}

std::string list_href(const network_call& c, const std::string& collection,
                      const std::string& marker, bool reverse) {
  std::string href = c.call.req.base_url + "/network/v2.0/" + collection + "?";
  for (auto& q : c.call.req.query)
    if (q.name != "marker" && q.name != "page_reverse")
      href += q.name + "=" + q.value + "&";
  href += "marker=" + marker;
  if (reverse)
    href += "&page_reverse=True";
  return href;
}

} // namespace

json select_fields(const network_call& c, json record) {
  std::vector<std::string> fields;
  for (auto& q : c.call.req.query)
    if (q.name == "fields")
      for (auto& f : api_support::comma_list(q.value))
        fields.push_back(f);
  if (fields.empty())
    return record;
  json out = json::object();
  for (auto& f : fields)
    if (auto it = record.find(f); it != record.end())
      out[f] = *it;
  return out;
}

api_result list_reply(const network_call& c, const std::string& collection,
                      const std::vector<const json*>& records,
                      const std::function<json(const json&)>& render,
                      const std::function<const std::string&(const json&)>& rendered_text) {
  // Filters and sort keys apply to what the caller sees: attributes the
  // rendering hides (provider and binding details for non-admins) count
  // as absent, so they cannot be probed through filters.
  std::set<std::string> shown_keys;
  if (!records.empty()) {
    const json sample = render(*records.front()); // kept: the loop reads into it
    for (auto& [k, v] : sample.items())
      shown_keys.insert(k);
  }
  auto attribute = [&](const json& r, const std::string& key) -> const json* {
    if (!shown_keys.count(key))
      return nullptr;
    auto it = r.find(key);
    return it == r.end() ? nullptr : &*it;
  };

  // Filters: repeated values of one attribute are alternatives.
  std::map<std::string, std::vector<std::string>> filters;
  std::vector<std::string> fixed_ips;
  for (auto& q : c.call.req.query) {
    if (q.name == "fixed_ips")
      fixed_ips.push_back(q.value);
    else if (!is_control(q.name))
      filters[q.name].push_back(q.value);
  }
  std::vector<const json*> shown;
  for (const json* r : records) {
    bool keep = tags_match(c, *r) && (fixed_ips.empty() || fixed_ips_match(*r, fixed_ips));
    for (auto it = filters.begin(); keep && it != filters.end(); ++it) {
      const json* a = attribute(*r, it->first);
      if (!a)
        continue; // Neutron ignores filters on attributes a resource lacks
      keep = std::any_of(it->second.begin(), it->second.end(),
                         [&](const std::string& w) { return matches(*a, w); });
    }
    if (keep)
      shown.push_back(r);
  }

  // Sorting: sort_key and sort_dir pair up in order; id breaks ties.
  std::vector<std::pair<std::string, bool>> keys; // attribute, ascending
  std::vector<std::string> dirs;
  for (auto& q : c.call.req.query) {
    if (q.name == "sort_key")
      keys.emplace_back(q.value, true);
    else if (q.name == "sort_dir") {
      if (q.value != "asc" && q.value != "desc")
        return neutron_error(400, "HTTPBadRequest",
                             "Sort directions '" + q.value + "' are not supported");
      dirs.push_back(q.value);
    }
  }
  for (std::size_t i = 0; i < keys.size() && i < dirs.size(); ++i)
    keys[i].second = dirs[i] == "asc";
  for (auto& k : keys)
    if (!records.empty() && !shown_keys.count(k.first))
      return neutron_error(400, "HTTPBadRequest", "Attribute '" + k.first + "' is not sortable");
  if (!keys.empty()) { // records come in id order already
    keys.emplace_back("id", true);
    static const json absent;
    std::stable_sort(shown.begin(), shown.end(), [&](const json* a, const json* b) {
      for (auto& [key, ascending] : keys) {
        const json* x = attribute(*a, key);
        const json* y = attribute(*b, key);
        const json& xv = x ? *x : absent;
        const json& yv = y ? *y : absent;
        if (xv == yv)
          continue;
        return ascending ? xv < yv : yv < xv;
      }
      return false;
    });
  }

  // Pagination: `limit` after (or, reversed, before) the marker.
  std::size_t limit = 0;
  if (auto l = c.call.query("limit")) {
    if (l->empty() || l->size() > 9 || l->find_first_not_of("0123456789") != std::string::npos)
      return neutron_error(400, "HTTPBadRequest",
                           "Limit must be an integer 0 or greater and not '" + *l + "'");
    limit = std::stoul(*l);
  }
  const bool reverse = truthy(c.call.query("page_reverse"));
  std::size_t begin = 0, end = shown.size();
  const std::string* marker = c.call.query("marker");
  if (marker) {
    auto at = std::find_if(shown.begin(), shown.end(),
                           [&](const json* r) { return str(*r, "id") == *marker; });
    if (at == shown.end())
      return not_found("marker", *marker);
    const auto index = static_cast<std::size_t>(at - shown.begin());
    if (reverse)
      end = index;
    else
      begin = index + 1;
  }
  if (limit > 0 && end - begin > limit) {
    if (reverse)
      begin = end - limit;
    else
      end = begin + limit;
  }

  // The page, rendered: from the cache when the caller wants every field.
  const bool whole = rendered_text && c.call.query("fields") == nullptr;
  std::string items = "[";
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin)
      items += ',';
    items += whole ? rendered_text(*shown[i]) : select_fields(c, render(*shown[i])).dump();
  }
  items += ']';
  std::string body = "{\"" + collection + "\":" + items;
  if (limit > 0) {
    json links = json::array();
    const bool more_after = end < shown.size(), more_before = begin > 0;
    if (begin < end && (reverse ? marker != nullptr : more_after))
      links.push_back({{"rel", "next"},
                       {"href", list_href(c, collection, str(*shown[end - 1], "id"), false)}});
    if (begin < end && (reverse ? more_before : marker != nullptr))
      links.push_back({{"rel", "previous"},
                       {"href", list_href(c, collection, str(*shown[begin], "id"), true)}});
    if (!links.empty())
      body += ",\"" + collection + "_links\":" + links.dump();
  }
  body += '}';
  api_result r;
  r.reply.status = 200;
  r.reply.body = std::move(body);
  return r;
}

// -- edits -------------------------------------------------------------------------

model_edit::~model_edit() {
  if (committed_)
    return;
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it)
    model_.apply(*it);
}

void model_edit::put(const std::string& kind, const std::string& id, json value) {
  const json* old = model_.find(kind, id);
  undo_.push_back({kind, id, old ? std::optional<json>(*old) : std::nullopt});
  record_change c{kind, id, std::move(value)};
  model_.apply(c);
  changes_.push_back(std::move(c));
}

void model_edit::erase(const std::string& kind, const std::string& id) {
  const json* old = model_.find(kind, id);
  undo_.push_back({kind, id, old ? std::optional<json>(*old) : std::nullopt});
  record_change c{kind, id, std::nullopt};
  model_.apply(c);
  changes_.push_back(std::move(c));
}

void model_edit::take_guard(const std::string& kind, const std::string& id, json value) {
  record_change c{kind, id, std::move(value)};
  c.create_only = true;
  changes_.push_back(std::move(c));
}

void model_edit::drop_guard(const std::string& kind, const std::string& id) {
  changes_.push_back({kind, id, std::nullopt});
}

std::vector<record_change> model_edit::commit() {
  committed_ = true;
  return std::move(changes_);
}

api_result committed(api_result reply, model_edit& edit) {
  reply.changes = edit.commit();
  return reply;
}

api_result set_statuses(network_model& model, const std::string& kind,
                        const std::vector<std::string>& up, const std::vector<std::string>& down,
                        int64_t now, const std::function<bool(const json&)>& reports_on) {
  model_edit edit(model);
  uint32_t changed = 0;
  auto set = [&](const std::string& id, const char* status) {
    const json* record = model.find(kind, id);
    if (!record || str(*record, "status") == status || !reports_on(*record))
      return;
    json updated = *record;
    updated["status"] = status;
    touch(updated, now);
    edit.put(kind, id, updated);
    ++changed;
  };
  for (auto& id : up)
    set(id, "ACTIVE");
  for (auto& id : down)
    set(id, "DOWN");
  return committed(json_reply(200, {{"changed", changed}}), edit);
}

api_result create_resources(network_call& c, network_model& model, const std::string& kind,
                            const create_one_fn& create_one,
                            const std::function<json(const json&)>& render) {
  model_edit edit(model);
  const json& body = c.call.body;
  const std::string collection = kind + "s";
  const bool bulk = body.contains(collection);
  const json items = bulk ? body[collection] : json::array({body.value(kind, json())});
  if (!items.is_array() || (bulk && items.empty()))
    return neutron_error(400, "HTTPBadRequest", "Resource body required");
  json out = json::array();
  for (auto& item : items) {
    json created;
    if (auto failed = create_one(c, item, edit, created))
      return *failed; // the edit undoes the ones made so far
    out.push_back(select_fields(c, render(created)));
  }
  return committed(json_reply(201, bulk ? json{{collection, out}} : json{{kind, out[0]}}), edit);
}

api_result put_updated(network_call& c, model_edit& edit, const std::string& kind,
                       const std::string& id, json updated,
                       const std::function<json(const json&)>& render) {
  touch(updated, c.call.now);
  edit.put(kind, id, updated);
  return committed(json_reply(200, {{kind, select_fields(c, render(updated))}}), edit);
}

std::string segment_guard_id(const segment& s) {
  return s.network_type + ":" + s.physical_network + ":" + std::to_string(s.segmentation_id);
}

std::string address_guard_id(const std::string& subnet_id, const std::string& address) {
  return subnet_id + "/" + address;
}

} // namespace stratus::network
