#pragma once
// What `keystone-manage bootstrap` creates, created on the identity role's
// first start: the default domain, the admin project and user, the admin,
// member and reader roles (admin implies member, member implies reader),
// the admin's role on the project and on the system, a region, and the
// services of the cloud with their public, internal and admin endpoints.
// Like the original it only adds what is missing, so it can run every start.

#include <string>
#include <vector>

#include "actors/identity/identity_store.hpp"

namespace stratus::identity {

struct bootstrap_settings {
  std::string admin_user = "admin";
  std::string admin_project = "admin";
  std::string region = "RegionOne";
  std::string public_url; // the gateway as clients reach it: "http://127.0.0.1:5000"
};

/// The records to write; `admin_password_hash` is used only if the admin
/// user is created now.
std::vector<store_change> bootstrap_changes(const identity_store& store,
                                            const bootstrap_settings& settings,
                                            const std::string& admin_password_hash);

/// Whether bootstrap still has anything to create.
bool needs_bootstrap(const identity_store& store, const bootstrap_settings& settings);

} // namespace stratus::identity
