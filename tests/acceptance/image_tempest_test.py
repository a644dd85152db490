"""Acceptance: Tempest's image API tests (Debian's tempest package) against
a cluster the launcher started. Every test must pass or skip, except those
of the Glance features not built yet (listed below): a regression anywhere
else fails this test."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from tempest_run import run_tempest  # noqa: E402

# Glance v2 features Stratus does not offer yet (see the closing notes).
NOT_BUILT = [
    "metadefs",  # the metadata definitions catalog (namespaces, objects, properties, tags)
]


if __name__ == "__main__":
    sys.exit(run_tempest("image", "tempest.api.image", {"identity", "image"}, NOT_BUILT, 40))
