#pragma once
// The rules every operation starts with, in the style of the services'
// in-code oslo.policy defaults. An operator's policy file overrides any of
// them by name.

namespace stratus::gateway {

class policy;

/// Adds the default rules of every API the gateway serves.
void add_default_rules(policy& p);

} // namespace stratus::gateway
