"""What the HTML report shows, worked out from the report (and nothing else)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from auditor.engine.frameworks import Verdict
from auditor.model import Severity, Status
from auditor.report.model import Finding, Report, RuleInfo, gate_verdict
from auditor.report.svg import BarChart, BarInput, bar_chart
from auditor.timeutil import parse_timestamp

SEVERITY_ORDER = tuple(reversed(Severity))
STATUS_ORDER = (Status.FAIL, Status.UNKNOWN, Status.SUPPRESSED, Status.PASS, Status.NOT_APPLICABLE)
NO_SUBSCRIPTION = "Tenant / management group"
TOP_SUBSCRIPTIONS = 8
TOP_RULES = 10
UNKNOWN_EXAMPLES = 5

_CONTAINER_RE = re.compile(
    r"/providers/(?:microsoft\.machinelearningservices/(?P<ws>workspaces)"
    r"|microsoft\.cognitiveservices/(?P<acct>accounts))/(?P<name>[^/]+)"
    r"(?:/projects/(?P<project>[^/]+))?(?P<rest>/.*)?$",
    re.IGNORECASE,
)
"""The containers findings group under: an ML workspace, or an AI Services account and, below
it, a Foundry project (whose connections and capability hosts live under the project)."""


def subscription_names(report: Report) -> dict[str, str]:
    """Subscription id -> display name ("name (id)" when the name is known)."""
    return {sub.id: sub.name or sub.id for sub in report.scan.subscriptions}


def subscription_label(sub_id: str | None, names: Mapping[str, str]) -> str:
    """How a subscription is named in the report; findings above subscriptions get a label too."""
    if sub_id is None:
        return NO_SUBSCRIPTION
    return names.get(sub_id, sub_id)


def placement(resource_id: str, resource_group: str | None) -> tuple[str, str]:
    """(container label, resource label) for grouping a finding: its resource group, then the
    workspace, or the AI Services account and project, that it belongs to."""
    group = resource_group or "(subscription scope)"
    match = _CONTAINER_RE.search(resource_id)
    if not match:
        return group, resource_id.rstrip("/").rsplit("/", 1)[-1]
    name, project = match.group("name"), match.group("project")
    container = f"{group} › {'workspace' if match.group('ws') else 'account'} {name}"
    if project:
        container += f" › project {project}"
    rest = (match.group("rest") or "").strip("/")
    if not rest:
        return container, project or name
    if "providers/" in rest:  # an extension resource (e.g. a role assignment) on it
        return container, rest.rsplit("/", 1)[-1]
    return container, rest


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


def banners(report: Report) -> list[Banner]:
    """The gate verdict and, separately, whether the scan could see everything."""
    gate = report.summary.gate
    verdict = gate_verdict(gate)
    unknown = report.summary.by_status.get(Status.UNKNOWN, 0)
    shown: list[Banner] = []
    if gate.exit_code == 1:
        shown.append(Banner("fail", verdict.heading, f"{verdict.detail} (exit code 1)."))
    if gate.incomplete or gate.exit_code == 3:
        shown.append(
            Banner(
                "incomplete",
                "Incomplete scan",
                f"{unknown} result(s) could not be judged and {len(report.errors)} collection "
                "error(s) occurred. An incomplete scan is not a pass: see “Not assessed”."
                + (" (exit code 3)" if gate.exit_code == 3 else ""),
            )
        )
    if not shown:
        detail = verdict.detail[:1].upper() + verdict.detail[1:]
        shown.append(Banner("pass", verdict.heading, f"{detail} (exit code 0)."))
    return shown


def charts(report: Report) -> list[BarChart]:
    """Failures by severity, by subscription and the top failing rules."""
    fails = [f for f in report.findings if f.status is Status.FAIL]
    by_sev = report.summary.failures_by_severity
    severity = bar_chart(
        "chart-severity",
        "Failures by severity",
        [
            BarInput(
                s.value.capitalize(),
                [(f"fill-{s.value}", s.value, by_sev.get(s, 0))],
                "severity",
                s.value,
            )
            for s in SEVERITY_ORDER
        ],
        "No failures.",
    )
    names = subscription_names(report)
    per_sub: dict[str | None, Counter[Severity]] = defaultdict(Counter)
    for f in fails:
        per_sub[f.subscription_id][f.severity] += 1
    ranked = sorted(per_sub.items(), key=lambda kv: (-sum(kv[1].values()), str(kv[0])))
    sub_inputs = [
        BarInput(
            subscription_label(sub_id, names),
            [(f"fill-{s.value}", s.value, counts[s]) for s in SEVERITY_ORDER],
            "sub" if sub_id else None,
            sub_id,
        )
        for sub_id, counts in ranked[:TOP_SUBSCRIPTIONS]
    ]
    if len(ranked) > TOP_SUBSCRIPTIONS:
        rest: Counter[Severity] = Counter()
        for _, counts in ranked[TOP_SUBSCRIPTIONS:]:
            rest.update(counts)
        more = len(ranked) - TOP_SUBSCRIPTIONS
        sub_inputs.append(
            BarInput(
                f"{more} more subscriptions",
                [(f"fill-{s.value}", s.value, rest[s]) for s in SEVERITY_ORDER],
            )
        )
    subscription = bar_chart(
        "chart-subscription", "Failures by subscription", sub_inputs, "No failures."
    )
    rules = {r.id: r for r in report.rules}
    by_rule = Counter(f.rule_id for f in fails)
    top = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES]
    rule = bar_chart(
        "chart-rules",
        "Top failing rules",
        [
            BarInput(
                f"{rule_id} · {rules[rule_id].title if rule_id in rules else ''}",
                [(f"fill-{_rule_severity(rules, rule_id)}", "failures", count)],
                "rule",
                rule_id,
            )
            for rule_id, count in top
        ],
        "No failures.",
    )
    return [severity, subscription, rule]


def trend_chart(report: Report) -> BarChart | None:
    """Open failures by severity in each recorded scan (``--history``), oldest first; None
    without history. The template puts a table of the same numbers beside it."""
    if not report.history_trend:
        return None
    return bar_chart(
        "chart-trend",
        f"Open failures in the last {len(report.history_trend)} scan(s)",
        [
            BarInput(
                point.as_of,
                [(f"fill-{s.value}", s.value, point.failures.get(s, 0)) for s in SEVERITY_ORDER],
            )
            for point in report.history_trend
        ],
        "No failures in any recorded scan.",
    )


def _rule_severity(rules: Mapping[str, RuleInfo], rule_id: str) -> str:
    rule = rules.get(rule_id)
    return rule.severity.value if rule else "info"


@dataclass(frozen=True)
class ControlRow:
    """One compliance control with its rules and their results."""

    control_id: str
    title: str
    rules: tuple[tuple[str, Mapping[Status, int]], ...]
    """(rule id, that rule's status counts) per mapped rule."""
    counts: Mapping[Status, int]
    verdict: Verdict
    why: str | None = None
    """Why no configuration can show the control (``not_assessable`` only)."""


@dataclass(frozen=True)
class Compliance:
    """One framework's compliance view: a row per control and how many have each verdict."""

    framework: str
    title: str
    url: str | None
    rows: tuple[ControlRow, ...]
    verdicts: dict[Verdict, int]


def compliance(report: Report) -> tuple[Compliance, ...]:
    """Per framework the report carries, per control as the report judged it, with each mapped
    rule's counts."""
    by_rule = report.summary.by_rule
    views = []
    for view in report.compliance:
        rows = tuple(
            ControlRow(
                control_id=c.control_id,
                title=c.title,
                rules=tuple((r, by_rule.get(r, {})) for r in c.rules),
                counts=c.counts,
                verdict=c.verdict,
                why=c.why,
            )
            for c in view.controls
        )
        views.append(Compliance(view.framework, view.title, view.url, rows, view.verdicts()))
    return tuple(views)


@dataclass(frozen=True)
class UnknownGroup:
    """Unknown results sharing one rule and one reason."""

    rule_id: str
    title: str
    reason: str
    count: int
    examples: tuple[str, ...]


def unknown_groups(report: Report) -> list[UnknownGroup]:
    """Unknown results grouped by (rule, reason), with a few example resources each."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.status is Status.UNKNOWN:
            groups[(f.rule_id, f.reason or f.message)].append(f)
    return [
        UnknownGroup(
            rule_id=rule_id,
            title=items[0].title,
            reason=reason,
            count=len(items),
            examples=tuple(i.resource_id for i in items[:UNKNOWN_EXAMPLES]),
        )
        for (rule_id, reason), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Worst first: status, then severity, then rule, then resource id."""
    return sorted(
        findings,
        key=lambda f: (
            STATUS_ORDER.index(f.status),
            SEVERITY_ORDER.index(f.severity),
            f.rule_id,
            f.resource_id.lower(),
        ),
    )
