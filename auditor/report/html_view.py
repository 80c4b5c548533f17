"""What the HTML report shows, worked out from the JSON report document (and nothing else)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.report.svg import BarChart, BarInput, bar_chart
from auditor.timeutil import parse_timestamp

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
STATUS_ORDER = ("fail", "unknown", "suppressed", "pass", "not_applicable")
VERDICT_ORDER = ("fail", "unknown", "not_assessed", "pass", "no_rules")
VERDICT_LABELS = {
    "fail": "Failing",
    "unknown": "Incomplete",
    "not_assessed": "Not assessed",
    "pass": "Passing",
    "no_rules": "Gap: no rule",
}
VERDICT_COUNT_LABELS = {
    "fail": "failing",
    "unknown": "incomplete",
    "not_assessed": "not assessed",
    "pass": "passing",
    "no_rules": "without a rule (coverage gaps)",
}
"""How the compliance summary counts controls per verdict: ``12 failing``."""
NO_SUBSCRIPTION = "Tenant / management group"
TOP_SUBSCRIPTIONS = 8
TOP_RULES = 10
UNKNOWN_EXAMPLES = 5

_WORKSPACE_RE = re.compile(
    r"/providers/microsoft\.machinelearningservices/workspaces/([^/]+)(/.*)?$", re.IGNORECASE
)


def subscription_names(doc: Mapping[str, Any]) -> dict[str, str]:
    """Subscription id -> display name ("name (id)" when the name is known)."""
    names: dict[str, str] = {}
    for sub in doc["scan"]["subscriptions"]:
        names[sub["id"]] = sub["name"] or sub["id"]
    return names


def subscription_label(sub_id: str | None, names: Mapping[str, str]) -> str:
    """How a subscription is named in the report; findings above subscriptions get a label too."""
    if sub_id is None:
        return NO_SUBSCRIPTION
    return names.get(sub_id, sub_id)


def placement(resource_id: str, resource_group: str | None) -> tuple[str, str]:
    """(resource group / workspace label, resource label) for grouping a finding."""
    group = resource_group or "(subscription scope)"
    match = _WORKSPACE_RE.search(resource_id)
    if not match:
        return group, resource_id.rstrip("/").rsplit("/", 1)[-1]
    workspace, rest = match.group(1), (match.group(2) or "").strip("/")
    if not rest:
        return f"{group} › workspace {workspace}", workspace
    if "providers/" in rest:  # an extension resource (e.g. a role assignment) on the workspace
        return f"{group} › workspace {workspace}", rest.rsplit("/", 1)[-1]
    return f"{group} › workspace {workspace}", rest


def duration_text(started: str, finished: str) -> str:
    """A scan's duration in words, e.g. "2 min 5 s" or "under a second"."""
    start, end = parse_timestamp(started), parse_timestamp(finished)
    if start is None or end is None:
        return "unknown"
    seconds = int((end - start).total_seconds())
    if seconds < 1:
        return "under a second"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s"]
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Banner:
    """The verdict shown at the top: one per concern (gate failed, scan incomplete)."""

    kind: str
    """``fail``, ``incomplete`` or ``pass`` (its colour)."""
    heading: str
    text: str


def banners(doc: Mapping[str, Any]) -> list[Banner]:
    """The gate verdict and, separately, whether the scan could see everything."""
    gate = doc["summary"]["gate"]
    unknown = doc["summary"]["by_status"].get("unknown", 0)
    errors = len(doc["errors"])
    shown: list[Banner] = []
    if gate["exit_code"] == 1:
        which = (
            "new failing finding(s) (not in the baseline)"
            if gate.get("new_only")
            else ("failing finding(s)")
        )
        shown.append(
            Banner(
                "fail",
                "Gate failed",
                f"{gate['failing']} {which} at or above {gate['fail_on']} (exit code 1).",
            )
        )
    if gate["incomplete"] or gate["exit_code"] == 3:
        shown.append(
            Banner(
                "incomplete",
                "Incomplete scan",
                f"{unknown} result(s) could not be judged and {errors} collection error(s) "
                "occurred. An incomplete scan is not a pass: see “Not assessed”."
                + (" (exit code 3)" if gate["exit_code"] == 3 else ""),
            )
        )
    if not shown:
        shown.append(
            Banner(
                "pass",
                "Gate passed",
                f"No failing finding at or above {gate['fail_on']}, and everything in scope "
                "was assessed (exit code 0).",
            )
        )
    return shown


def charts(doc: Mapping[str, Any]) -> list[BarChart]:
    """Failures by severity, by subscription and the top failing rules."""
    fails = [f for f in doc["findings"] if f["status"] == "fail"]
    by_sev = doc["summary"]["failures_by_severity"]
    severity = bar_chart(
        "chart-severity",
        "Failures by severity",
        [
            BarInput(s.capitalize(), [(f"fill-{s}", s, by_sev.get(s, 0))], "severity", s)
            for s in SEVERITY_ORDER
        ],
        "No failures.",
    )
    names = subscription_names(doc)
    per_sub: dict[str | None, Counter[str]] = defaultdict(Counter)
    for f in fails:
        per_sub[f["subscription_id"]][f["severity"]] += 1
    ranked = sorted(per_sub.items(), key=lambda kv: (-sum(kv[1].values()), str(kv[0])))
    sub_inputs = [
        BarInput(
            subscription_label(sub_id, names),
            [(f"fill-{s}", s, counts[s]) for s in SEVERITY_ORDER],
            "sub" if sub_id else None,
            sub_id,
        )
        for sub_id, counts in ranked[:TOP_SUBSCRIPTIONS]
    ]
    if len(ranked) > TOP_SUBSCRIPTIONS:
        rest: Counter[str] = Counter()
        for _, counts in ranked[TOP_SUBSCRIPTIONS:]:
            rest.update(counts)
        more = len(ranked) - TOP_SUBSCRIPTIONS
        sub_inputs.append(
            BarInput(
                f"{more} more subscriptions", [(f"fill-{s}", s, rest[s]) for s in SEVERITY_ORDER]
            )
        )
    subscription = bar_chart(
        "chart-subscription", "Failures by subscription", sub_inputs, "No failures."
    )
    rules = {r["id"]: r for r in doc["rules"]}
    by_rule = Counter(f["rule_id"] for f in fails)
    top = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES]
    rule = bar_chart(
        "chart-rules",
        "Top failing rules",
        [
            BarInput(
                f"{rule_id} · {rules[rule_id]['title'] if rule_id in rules else ''}",
                [(f"fill-{_rule_severity(rules, rule_id)}", "failures", count)],
                "rule",
                rule_id,
            )
            for rule_id, count in top
        ],
        "No failures.",
    )
    return [severity, subscription, rule]


def _rule_severity(rules: Mapping[str, Mapping[str, Any]], rule_id: str) -> str:
    rule = rules.get(rule_id)
    return str(rule["severity"]) if rule else "info"


@dataclass(frozen=True)
class ControlRow:
    """One compliance control with its rules and their results."""

    framework: str
    control_id: str
    title: str
    rules: tuple[tuple[str, dict[str, int]], ...]
    """(rule id, that rule's status counts) per mapped rule."""
    counts: dict[str, int]
    verdict: str

    @property
    def verdict_label(self) -> str:
        """The verdict in words."""
        return VERDICT_LABELS.get(self.verdict, self.verdict)


@dataclass(frozen=True)
class Compliance:
    """The compliance view: rows and whether they came from the document's own mapping."""

    rows: tuple[ControlRow, ...]
    from_document: bool
    verdicts: dict[str, int]


def compliance(doc: Mapping[str, Any]) -> Compliance:
    """Per control: the document's ``compliance`` list when present, else the rules' mapping."""
    by_rule: Mapping[str, dict[str, int]] = doc["summary"]["by_rule"]
    listed = doc.get("compliance")
    rows: list[ControlRow] = []
    if isinstance(listed, list):
        for c in listed:
            rows.append(
                ControlRow(
                    framework=str(c.get("framework", "")),
                    control_id=str(c["control_id"]),
                    title=str(c.get("title") or ""),
                    rules=tuple((r, dict(by_rule.get(r, {}))) for r in c.get("rules", [])),
                    counts={k: int(v) for k, v in dict(c.get("counts") or {}).items()},
                    verdict=str(c.get("verdict", "not_assessed")),
                )
            )
    else:
        mapped: dict[str, list[str]] = defaultdict(list)
        for rule in doc["rules"]:
            for control in rule["controls"].get("mcsb", []):
                mapped[control].append(rule["id"])
        for control, rule_ids in sorted(mapped.items(), key=lambda kv: _control_key(kv[0])):
            counts: Counter[str] = Counter()
            for rule_id in rule_ids:
                counts.update(by_rule.get(rule_id, {}))
            rows.append(
                ControlRow(
                    framework="mcsb-v1",
                    control_id=control,
                    title="",
                    rules=tuple((r, dict(by_rule.get(r, {}))) for r in rule_ids),
                    counts=dict(counts),
                    verdict=_verdict(counts),
                )
            )
    verdicts = Counter(r.verdict for r in rows)
    return Compliance(
        tuple(rows), isinstance(listed, list), {v: verdicts[v] for v in VERDICT_ORDER}
    )


def _control_key(control: str) -> tuple[str, int]:
    family, _, number = control.partition("-")
    return family, int(number) if number.isdigit() else 0


def _verdict(counts: Mapping[str, int]) -> str:
    if counts.get("fail"):
        return "fail"
    if counts.get("unknown"):
        return "unknown"
    if counts.get("pass"):
        return "pass"
    return "not_assessed"


@dataclass(frozen=True)
class UnknownGroup:
    """Unknown results sharing one rule and one reason."""

    rule_id: str
    title: str
    reason: str
    count: int
    examples: tuple[str, ...]


def unknown_groups(doc: Mapping[str, Any]) -> list[UnknownGroup]:
    """Unknown results grouped by (rule, reason), with a few example resources each."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for f in doc["findings"]:
        if f["status"] == "unknown":
            groups[(f["rule_id"], f["reason"] or f["message"])].append(f)
    return [
        UnknownGroup(
            rule_id=rule_id,
            title=items[0]["title"],
            reason=reason,
            count=len(items),
            examples=tuple(i["resource_id"] for i in items[:UNKNOWN_EXAMPLES]),
        )
        for (rule_id, reason), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def sorted_findings(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Worst first: status, then severity, then rule, then resource id."""
    return sorted(
        findings,
        key=lambda f: (
            STATUS_ORDER.index(f["status"]),
            SEVERITY_ORDER.index(f["severity"]),
            f["rule_id"],
            f["resource_id"].lower(),
        ),
    )
