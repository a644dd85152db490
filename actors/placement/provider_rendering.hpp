#pragma once
// How providers, their inventories and allocations look in Placement's
// replies at a given microversion, and the capacity check GET
// /resource_providers?resources= and allocations share.

#include "actors/placement/placement_model.hpp"

namespace stratus::placement {

struct placement_call;

/// A provider as GET /resource_providers/{uuid} shows it.
json render_provider(const provider& p, const placement_call& c);
/// {"VCPU": {...}, …} of a provider's inventories.
json render_inventories(const provider& p);
/// Whether `p` can take all of `wanted` more (capacity, min/max/step).
bool fits(const placement_model& model, const provider& p, const resource_amounts& wanted);
/// Whether `p` can take `amount` more of `rc`, `already` of it being this
/// consumer's own allocation that the new one replaces.
bool can_take(const placement_model& model, const provider& p, const std::string& rc,
              uint64_t amount, uint64_t already = 0);
/// The same with the provider's usage at hand.
bool can_take(const provider& p, const resource_amounts& used, const std::string& rc,
              uint64_t amount, uint64_t already);

} // namespace stratus::placement
