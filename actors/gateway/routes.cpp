#include "actors/gateway/routes.hpp"

#include "actors/common/percent_decode.hpp"

#include <algorithm>

#include "actors/gateway/http_server.hpp"

namespace stratus::gateway {

using api_support::percent_decode;
namespace {

/// The path's segments; with `strict_slashes` a trailing slash adds an
/// empty last one.
std::vector<std::string> segments(const std::string& path, bool strict_slashes = false) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos)
      slash = path.size();
    if (slash > start)
      out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (strict_slashes && path.size() > 1 && path.back() == '/')
    out.emplace_back();
  return out;
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             msg::named_values* params) {
  if (pattern.size() != path.size())
    return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (params)
        params->push_back({p.substr(1, p.size() - 2), percent_decode(path[i])});
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

route make_route(std::string method, std::string pattern, std::string operation, bool needs_token) {
  route r{std::move(method), std::move(pattern), std::move(operation), needs_token, {}, {}, false};
  r.parts = segments(r.pattern);
  return r;
}

route_match match_route(const api_routes& api, const std::string& method, const std::string& path) {
  route_match out;
  const auto parts = segments(path, api.strict_slashes);
  for (auto& r : api.routes) {
    if (!matches(r.parts, parts, nullptr))
      continue;
    if (std::find(out.allowed.begin(), out.allowed.end(), r.method) == out.allowed.end())
      out.allowed.push_back(r.method);
    if (!out.matched && (r.method == method || (method == "HEAD" && r.method == "GET"))) {
      out.matched = &r;
      matches(r.parts, parts, &out.path);
    }
  }
  // A HEAD route of its own wins over answering HEAD with a GET route.
  if (method == "HEAD")
    for (auto& r : api.routes)
      if (r.method == "HEAD" && matches(r.parts, parts, nullptr)) {
        out.matched = &r;
        out.path.clear();
        matches(r.parts, parts, &out.path);
        break;
      }
  return out;
}

} // namespace stratus::gateway
