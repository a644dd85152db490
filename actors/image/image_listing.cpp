// GET /v2/images: filters, sorting and marker/limit pagination with `next`
// links, as Glance answers it.
// https://docs.openstack.org/api-ref/image/v2/#list-images

#include <algorithm>
#include <cctype>

#include "actors/common/comma_list.hpp"
#include "actors/image/image_api.hpp"

namespace stratus::image {
namespace {

const std::vector<std::string>& sortable() {
  static const std::vector<std::string> keys{
      "name",     "status",     "container_format", "disk_format", "size",
      "id",       "created_at", "updated_at",       "visibility",  "owner",
      "min_disk", "min_ram",    "virtual_size"};
  return keys;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string url_encode(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct sort_key {
  std::string name;
  bool descending = true;
};

/// Glance's "in:a,b" filter form, or the plain value.
std::vector<std::string> accepted_values(const std::string& v) {
  return v.starts_with("in:") ? api_support::comma_list(v.substr(3)) : std::vector<std::string>{v};
}

/// The text of an attribute for equality filters (strings as they are,
/// other values as JSON).
std::string text_of(const json& image, const std::string& name) {
  auto it = image.find(name);
  if (it == image.end())
    return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

struct list_query {
  std::size_t limit = 25;
  std::string marker;
  std::vector<sort_key> sort;
  std::string visibility; // "" = the default set
  std::string member_status = "accepted";
  std::optional<bool> os_hidden; // unset: hidden images left out
  std::vector<std::string> tags;
  std::optional<uint64_t> size_min, size_max;
  msg::named_values equal; // attribute = value (or in:…)
};

std::optional<msg::error> parse_query(const api_call& call, const image_settings& settings,
                                      list_query& q) {
  auto bad = [](std::string m) { return msg::error{msg::errc::invalid, std::move(m)}; };
  auto number = [](const std::string& v) -> std::optional<uint64_t> {
    if (v.empty() || v.size() > 19 || !std::all_of(v.begin(), v.end(), ::isdigit))
      return std::nullopt;
    return std::stoull(v);
  };
  auto boolean = [](const std::string& v) -> std::optional<bool> {
    const auto l = lower(v);
    if (l == "true" || l == "1" || l == "yes")
      return true;
    if (l == "false" || l == "0" || l == "no")
      return false;
    return std::nullopt;
  };
  q.limit = settings.limit_default;
  std::vector<std::string> dirs;
  for (auto& [name, value] : call.req.query) {
    if (name == "limit") {
      auto n = number(value);
      if (!n)
        return bad("limit param must be an integer");
      q.limit = static_cast<std::size_t>(std::min<uint64_t>(*n, settings.limit_max));
    } else if (name == "marker") {
      q.marker = value;
    } else if (name == "sort_key") {
      q.sort.push_back({value, true});
    } else if (name == "sort_dir") {
      dirs.push_back(value);
    } else if (name == "sort") {
      for (auto& part : api_support::comma_list(value)) {
        const auto colon = part.find(':');
        sort_key k{part.substr(0, colon), true};
        if (colon != std::string::npos) {
          const auto dir = part.substr(colon + 1);
          if (dir != "asc" && dir != "desc")
            return bad("Invalid sort direction: " + dir);
          k.descending = dir == "desc";
        }
        q.sort.push_back(k);
      }
    } else if (name == "visibility") {
      if (value != "public" && value != "private" && value != "shared" && value != "community" &&
          value != "all")
        return bad("Invalid visibility value: " + value);
      q.visibility = value;
    } else if (name == "member_status") {
      if (value != "accepted" && value != "pending" && value != "rejected" && value != "all")
        return bad("Invalid status value: " + value);
      q.member_status = value;
    } else if (name == "os_hidden") {
      q.os_hidden = boolean(value);
      if (!q.os_hidden)
        return bad("Invalid value for os_hidden: " + value);
    } else if (name == "tag") {
      q.tags.push_back(value);
    } else if (name == "size_min" || name == "size_max") {
      auto n = number(value);
      if (!n)
        return bad("Invalid " + name + " value: " + value);
      (name == "size_min" ? q.size_min : q.size_max) = n;
    } else if (name == "protected") {
      auto b = boolean(value);
      if (!b)
        return bad("Invalid value for protected: " + value);
      q.equal.push_back({name, *b ? "true" : "false"});
    } else {
      q.equal.push_back({name, value});
    }
  }
  if (!dirs.empty() && dirs.size() != q.sort.size() && dirs.size() != 1)
    return bad("Number of sort dirs does not match the number of sort keys");
  for (auto& dir : dirs)
    if (dir != "asc" && dir != "desc")
      return bad("Invalid sort direction: " + dir);
  for (std::size_t k = 0; k < q.sort.size() && !dirs.empty(); ++k)
    q.sort[k].descending = (dirs.size() == 1 ? dirs[0] : dirs[k]) == "desc";
  for (auto& k : q.sort)
    if (std::find(sortable().begin(), sortable().end(), k.name) == sortable().end())
      return bad("Invalid sort key: " + k.name +
                 ". It must be one of the following: name, "
                 "status, container_format, disk_format, size, id, created_at, updated_at.");
  // Glance's tiebreakers: created_at, then id, both descending.
  for (const char* tie : {"created_at", "id"})
    if (std::none_of(q.sort.begin(), q.sort.end(), [tie](auto& k) { return k.name == tie; }))
      q.sort.push_back({tie, true});
  return std::nullopt;
}

/// Whether `a` comes before `b` in the listing.
bool before(const std::vector<sort_key>& keys, const json& a, const json& b) {
  static const json null;
  for (auto& k : keys) {
    auto ia = a.find(k.name), ib = b.find(k.name);
    const json& va = ia == a.end() ? null : *ia;
    const json& vb = ib == b.end() ? null : *ib;
    if (va == vb)
      continue;
    return k.descending ? vb < va : va < vb;
  }
  return false;
}

bool is_default_order(const std::vector<sort_key>& keys) {
  return keys.size() == 2 && keys[0].name == "created_at" && keys[0].descending &&
         keys[1].name == "id" && keys[1].descending;
}

} // namespace

api_result image_api::list_images(api_call& call) const {
  list_query q;
  if (auto err = parse_query(call, settings_, q))
    return api_error(err->code, err->message);

  const bool admin = call.caller_is_admin();
  const auto& project = call.ctx.caller.project_id;
  auto shared_with_caller = [&](const std::string& id) {
    const json* m = registry_.member(id, project);
    return m && (q.member_status == "all" || str(*m, "status") == q.member_status);
  };
  auto listed = [&](const json& image) {
    const auto visibility = str(image, "visibility");
    if (!q.visibility.empty() && q.visibility != "all" && visibility != q.visibility)
      return false;
    if (flag(image, "os_hidden", false) != q.os_hidden.value_or(false))
      return false;
    if (!admin) {
      const bool own = !project.empty() && str(image, "owner") == project;
      if (visibility == "community" ? !(own || q.visibility == "community" || q.visibility == "all")
          : visibility == "shared"  ? !(own || shared_with_caller(str(image, "id")))
          : visibility == "private" ? !own
                                    : false)
        return false;
    }
    if (!q.tags.empty()) {
      auto it = image.find("tags");
      if (it == image.end() || !it->is_array())
        return false;
      for (auto& t : q.tags)
        if (std::find(it->begin(), it->end(), json(t)) == it->end())
          return false;
    }
    const uint64_t size = count(image, "size");
    if ((q.size_min && size < *q.size_min) || (q.size_max && size > *q.size_max))
      return false;
    for (auto& [name, value] : q.equal) {
      const auto values = accepted_values(value);
      if (std::find(values.begin(), values.end(), text_of(image, name)) == values.end())
        return false;
    }
    return true;
  };

  const json* marker = nullptr;
  if (!q.marker.empty()) {
    marker = registry_.image(q.marker);
    if (!marker || !visible(call.ctx, *marker))
      return api_error(msg::errc::invalid,
                       "Invalid marker. Image " + q.marker + " could not be found.");
  }

  // One more than a page tells whether a next page exists.
  std::vector<const json*> page;
  if (is_default_order(q.sort)) {
    const auto& index = registry_.by_created();
    auto it = index.rbegin();
    if (marker)
      it = std::make_reverse_iterator(
          index.lower_bound({str(*marker, "created_at"), str(*marker, "id")}));
    for (; it != index.rend() && page.size() <= q.limit; ++it) {
      const json* image = registry_.image(it->second);
      if (image && listed(*image))
        page.push_back(image);
    }
  } else {
    std::vector<const json*> all;
    for (auto& [id, image] : registry_.images())
      if (listed(image) && (!marker || before(q.sort, *marker, image)))
        all.push_back(&image);
    const auto take = std::min(all.size(), q.limit + 1);
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(take), all.end(),
                      [&q](const json* a, const json* b) { return before(q.sort, *a, *b); });
    page.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(take));
  }

  const bool more = page.size() > q.limit;
  if (more)
    page.resize(q.limit);
  // Each image's JSON is rendered once per change (the registry keeps it).
  std::string body = R"({"images":[)";
  auto render = [](const json& image) { return render_image(image).dump(); };
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (i > 0)
      body += ',';
    body += registry_.rendered(str(*page[i], "id"), render);
  }
  body += R"(],"first":"/v2/images","schema":"/v2/schemas/images")";
  if (more && !page.empty()) {
    std::string next = "/v2/images?";
    for (auto& [name, value] : call.req.query)
      if (name != "marker" && name != "limit")
        next += url_encode(name) + "=" + url_encode(value) + "&";
    next += "limit=" + std::to_string(q.limit) + "&marker=" + url_encode(str(*page.back(), "id"));
    body += R"(,"next":)" + json(next).dump();
  }
  body += '}';
  api_result r;
  r.reply.body = std::move(body);
  return r;
}

} // namespace stratus::image
