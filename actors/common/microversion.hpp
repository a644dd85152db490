#pragma once
// Microversion negotiation as Nova and Placement do it: the client asks with
// "OpenStack-API-Version: <service> X.Y" (or Nova's older
// "X-OpenStack-Nova-API-Version: X.Y"), "latest" means the newest, no header
// means the oldest; a malformed value is 400, one outside the range 406.

#include <string>

namespace stratus::api_support {

struct api_call;

/// The versions one API speaks: <major>.<min_minor> … <major>.<max_minor>.
struct microversion_range {
  std::string service;       // "compute", "placement"
  int major = 1;
  int min_minor = 0;
  int max_minor = 0;
  std::string legacy_header; // lower-case, or empty
};

struct negotiated_version {
  int minor = 0;       // the version in force, when status is 0
  int status = 0;      // 0 = fine, 400 malformed, 406 not supported
  std::string message; // why not
  /// "2.79": for the response's version headers.
  std::string text(const microversion_range& range) const;
};

/// The version `call` asks for within `range`.
negotiated_version negotiate(const api_call& call, const microversion_range& range);

} // namespace stratus::api_support
