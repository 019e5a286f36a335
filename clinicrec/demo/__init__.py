"""The demo database generator: a tool for trying ClinicRec and for benchmarks, not a use case.

It writes realistic rows in bulk (100,000 patients in well under a minute) straight through the
database layer, and uses the services only for what must match the application exactly (password
hashes, audit hashes, content hashes). Nothing in the application imports it; the command line's
``clinicrec demo`` and ``--demo``, the benchmarks and the screenshot tests do.
"""

from __future__ import annotations

from .build import DEMO_PASSWORD, DEMO_USERS, DemoSummary, build_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoSummary", "build_demo"]
