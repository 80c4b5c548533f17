"""The grant index answers exactly what a scan of every role assignment would."""

from __future__ import annotations

from auditor.collect.snapshot import read_snapshots
from auditor.demo import DEMO_DIR
from auditor.engine.grants import grants, grants_reaching, reaches
from auditor.inventory import InventoryBuilder


def test_grants_reaching_matches_a_full_scan() -> None:
    """For every demo resource, the indexed lookup equals filtering all grants by scope."""
    builder = InventoryBuilder()
    read_snapshots([DEMO_DIR], builder)
    inventory = builder.build()
    every = grants(inventory)
    assert every
    checked = 0
    for resource in inventory:
        expected = [g for g in every if reaches(inventory, g.scope, resource)]
        assert grants_reaching(inventory, resource) == expected, resource.id
        checked += bool(expected)
    assert checked > 10
