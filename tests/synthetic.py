"""Large report documents made from a real one, for the HTML report's browser tests and benchmark."""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from typing import Any

SUBSCRIPTIONS = 12
RESOURCE_GROUPS = 30


def scaled_document(base: dict[str, Any], count: int) -> dict[str, Any]:
    """A copy of ``base`` holding ``count`` findings: its own findings cloned onto new resources.

    Clones spread over several subscriptions and resource groups, keep their rule, status,
    severity, evidence and remediation, and get fresh ids and fingerprints; the summary counts
    are recomputed so the document stays consistent.
    """
    doc = copy.deepcopy(base)
    originals = base["findings"]
    subs = [f"{n:08x}-0000-4000-8000-{n:012x}" for n in range(1, SUBSCRIPTIONS + 1)]
    doc["scan"]["subscriptions"] = [
        {"id": s, "name": f"contoso-{i:02d}"} for i, s in enumerate(subs)
    ]
    findings = []
    for k in range(count):
        f = copy.deepcopy(originals[k % len(originals)])
        sub = subs[k % len(subs)]
        rg = f"rg-team-{(k // len(subs)) % RESOURCE_GROUPS:02d}"
        name = f"{f['resource_name']}-{k:05d}"
        tail = f["resource_id"].split("/providers/", 1)[-1].rsplit("/", 1)[0]
        f["resource_id"] = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{tail}/{name}"
        f["resource_name"] = name
        f["subscription_id"] = sub
        f["resource_group"] = rg
        f["fingerprint"] = hashlib.sha256(f"{k}|{f['resource_id']}".encode()).hexdigest()[:32]
        findings.append(f)
    doc["findings"] = findings
    by_status = Counter(f["status"] for f in findings)
    summary = doc["summary"]
    summary["results"] = count
    summary["by_status"] = {s: by_status.get(s, 0) for s in summary["by_status"]}
    fails = Counter(f["severity"] for f in findings if f["status"] == "fail")
    summary["failures_by_severity"] = {s: fails.get(s, 0) for s in summary["failures_by_severity"]}
    by_rule: dict[str, Counter[str]] = {r: Counter() for r in summary["by_rule"]}
    for f in findings:
        by_rule.setdefault(f["rule_id"], Counter())[f["status"]] += 1
    summary["by_rule"] = {
        r: {s: c.get(s, 0) for s in ("pass", "fail", "unknown", "not_applicable", "suppressed")}
        for r, c in by_rule.items()
    }
    summary["gate"]["failing"] = fails.total()
    return doc
