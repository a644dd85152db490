#pragma once
// Nova's limit/marker pagination: a page of at most `limit` (capped at
// max_limit) after the item whose id is `marker` (400 if no such item),
// and a "next" link when more may follow.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/compute_api/compute_api.hpp"

namespace stratus::compute {

template <class T> struct page {
  std::vector<T> items;
  bool more = false;
  std::string last_id;
  std::optional<compute_result> error;
};

template <class T>
page<T> paginate(const compute_call& c, const std::vector<T>& all,
                 const std::function<std::string(const T&)>& id_of, std::size_t max_limit) {
  page<T> p;
  std::size_t limit = max_limit;
  if (auto l = c.call.query("limit")) {
    if (l->empty() || l->size() > 9 || l->find_first_not_of("0123456789") != std::string::npos) {
      p.error = api_error(msg::errc::invalid, "Invalid input for query parameters limit. Value: " +
                                                  *l + ". '" + *l + "' does not match '^[0-9]*$'");
      return p;
    }
    limit = std::min<std::size_t>(std::stoul(*l), max_limit);
  }
  std::size_t start = 0;
  if (auto m = c.call.query("marker")) {
    std::size_t i = 0;
    while (i < all.size() && id_of(all[i]) != *m)
      ++i;
    if (i == all.size()) {
      p.error = api_error(msg::errc::invalid, "marker [" + *m + "] not found");
      return p;
    }
    start = i + 1;
  }
  for (std::size_t i = start; i < all.size() && p.items.size() < limit; ++i)
    p.items.push_back(all[i]);
  p.more = !p.items.empty() && p.items.size() == limit && start + limit < all.size();
  if (!p.items.empty())
    p.last_id = id_of(p.items.back());
  return p;
}

/// [{"rel": "next", "href": ".../v2.1<path>?limit=…&marker=<last>"}]
inline json next_link(const compute_call& c, const std::string& path, const std::string& last_id) {
  std::string href = c.call.req.base_url + "/compute/v2.1" + path + "?";
  for (auto& q : c.call.req.query)
    if (q.name != "marker")
      href += q.name + "=" + q.value + "&";
  href += "marker=" + last_id;
  return json::array({{{"rel", "next"}, {"href", href}}});
}

} // namespace stratus::compute
