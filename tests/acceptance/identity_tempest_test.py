"""Acceptance: Tempest's identity API tests (Debian's tempest package)
against a cluster the launcher started. Every test must pass or skip,
except those of the Keystone extensions not built yet (listed below):
a regression anywhere else fails this test."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from tempest_run import run_tempest  # noqa: E402

# Keystone v3 features Stratus does not offer yet (see the closing notes).
NOT_BUILT = [
    "test_domain_configuration",  # domain-specific configuration
    "test_inherits",              # OS-INHERIT
    "test_oauth_consumers",       # OS-OAUTH1
    "test_ec2_credentials",       # EC2 credentials
    "test_endpoint_groups",       # OS-EP-FILTER
    "test_create_is_domain_project",  # projects acting as domains
    "test_assignments_for_domain_roles",  # domain-specific roles
    "test_implied_domain_roles",
]


if __name__ == "__main__":
    sys.exit(run_tempest("identity", "tempest.api.identity", {"identity"}, NOT_BUILT, 90))
