"""Catalogs the tests share: the packaged example and one small valid catalog that
the validation tests break on purpose, line by line."""

from __future__ import annotations

from tests.support.paths import REPO

# the catalog a fresh install uses (``catalog check`` without a path reads it)
EXAMPLE = REPO / "gateway" / "catalog" / "examples" / "catalog.yaml"

# Valid, and small enough that a test can name the line it breaks: every key an entry
# may carry appears once (keywords of each kind, SLA, stale and auto-close times, fields).
GOOD = """\
entries:
  - id: vpn
    name: {ja: VPN, en: VPN}
    keywords: [vpn, {term: リモート, weight: 2}, {regex: 'any(connect)?'}]
    assignee: [ops@example.test, ops2@example.test]
    sla: {first_response: 4h, resolve: 2d}
    stale_after: 3d
    auto_close_after: 14d
    fields:
      - {name: os, label: {ja: OS, en: OS}, type: choice, choices: [windows, mac],
         required: true}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""
