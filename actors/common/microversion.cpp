#include "actors/common/microversion.hpp"

#include <cctype>
#include <sstream>

#include "actors/common/api_call.hpp"

namespace stratus::api_support {
namespace {

/// "2.79" → minor 79 (given the major); false if it does not parse.
bool parse_version(const std::string& text, int major, int& minor) {
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size() || text.size() > 12)
    return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i != dot && !std::isdigit(static_cast<unsigned char>(text[i])))
      return false;
  if (std::stoi(text.substr(0, dot)) != major) {
    minor = -1; // well formed, another major: unsupported
    return true;
  }
  minor = std::stoi(text.substr(dot + 1));
  return true;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// The value the header gives for `service` ("compute 2.5, placement 1.3").
std::string value_for(const std::string& header, const std::string& service, bool& present) {
  std::stringstream items(header);
  std::string item;
  while (std::getline(items, item, ',')) {
    item = trim(item);
    const auto space = item.find(' ');
    if (space == std::string::npos)
      continue;
    std::string name = item.substr(0, space);
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == service) {
      present = true;
      return trim(item.substr(space + 1));
    }
  }
  return {};
}

} // namespace

std::string negotiated_version::text(const microversion_range& range) const {
  return std::to_string(range.major) + "." + std::to_string(minor);
}

negotiated_version negotiate(const api_call& call, const microversion_range& range) {
  bool present = false;
  std::string asked;
  if (auto h = call.header("openstack-api-version"))
    asked = value_for(*h, range.service, present);
  if (!present && !range.legacy_header.empty())
    if (auto h = call.header(range.legacy_header)) {
      present = true;
      asked = trim(*h);
    }
  negotiated_version out;
  if (!present) {
    out.minor = range.min_minor;
    return out;
  }
  if (asked == "latest") {
    out.minor = range.max_minor;
    return out;
  }
  int minor = 0;
  if (!parse_version(asked, range.major, minor)) {
    out.status = 400;
    out.message = "Invalid format for microversion: '" + asked + "'.";
    return out;
  }
  if (minor < range.min_minor || minor > range.max_minor) {
    out.status = 406;
    out.message = "Version " + asked + " is not supported by the API. Minimum is " +
                  std::to_string(range.major) + "." + std::to_string(range.min_minor) +
                  " and maximum is " + std::to_string(range.major) + "." +
                  std::to_string(range.max_minor) + ".";
    return out;
  }
  out.minor = minor;
  return out;
}

} // namespace stratus::api_support
