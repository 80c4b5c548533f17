"""Recognising secrets in environment variables, and making sure their values go no further.

The inventory builder replaces every secret-looking value with a redaction marker that keeps
the reason (``<redacted: value looks like a storage connection string>``), so the value never
reaches a rule, a report or a saved snapshot, yet re-reading a saved snapshot classifies the
variable the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REDACTED_PREFIX = "<redacted: "
"""Start of the marker that replaces a secret value."""

# Names that say the value is a credential. Matched on the upper-cased name split at _ . -
_SECRET_NAME_RE = re.compile(
    r"(^|[_.-])("
    r"PASSWORD|PASSWD|PWD|SECRET|CLIENT_?SECRET|TOKEN|ACCESS_?TOKEN|SAS|SAS_?TOKEN|"
    r"API_?KEY|APIKEY|ACCESS_?KEY|ACCOUNT_?KEY|PRIMARY_?KEY|SECONDARY_?KEY|SUBSCRIPTION_?KEY|"
    r"PRIVATE_?KEY|SIGNING_?KEY|KEY|CONNECTION_?STRING|CONN_?STR(ING)?|CREDENTIALS?"
    r")($|[_.-])"
)
# Names ending in KEY that are identifiers, not keys.
_NOT_SECRET_NAME_RE = re.compile(r"(KEY_?VAULT|KEY_?ID|KEY_?NAME|KEY_?URI|KEY_?URL|PUBLIC_?KEY)")

_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a storage connection string", re.compile(r"AccountKey=", re.IGNORECASE)),
    ("a shared access signature", re.compile(r"(SharedAccessSignature=|[?&]sig=)", re.IGNORECASE)),
    ("a Service Bus / Event Hubs key", re.compile(r"SharedAccessKey=", re.IGNORECASE)),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")),
    ("an OpenAI-style API key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("a password in a URL", re.compile(r"://[^/\s:@]+:[^/\s@]+@")),
    ("a database connection string", re.compile(r"(^|;)\s*(Password|Pwd)\s*=", re.IGNORECASE)),
)

# Values that point at a secret store instead of holding the secret.
_REFERENCE_RE = re.compile(
    r"^(\$\{\{.*\}\}|@Microsoft\.KeyVault\(.*\)|https://[^/]+\.vault\.azure\.(net|cn|us)/.*|"
    r"keyvault://.*|azureml://.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class EnvVarFinding:
    """A secret-looking variable: its name, where it was, and why. Never its value."""

    name: str
    reason: str


def classify(name: str, value: object) -> str | None:
    """Why ``name=value`` looks like a plain-text secret, or None when it does not."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if text.startswith(REDACTED_PREFIX) and text.endswith(">"):
        return text[len(REDACTED_PREFIX) : -1]
    stripped = text.strip()
    if not stripped or _REFERENCE_RE.match(stripped):
        return None
    for label, pattern in _VALUE_PATTERNS:
        if pattern.search(stripped):
            return f"value looks like {label}"
    upper = name.upper()
    if _SECRET_NAME_RE.search(upper) and not _NOT_SECRET_NAME_RE.search(upper):
        return "name suggests a credential and the value is a literal"
    return None


def redact_env(variables: object) -> tuple[dict[str, object], list[EnvVarFinding]]:
    """Redact secret-looking values of an environment-variable map.

    Accepts the ARM shape (``{"NAME": "value"}``) and returns a copy with each secret value
    replaced by a marker, plus the findings.
    """
    if not isinstance(variables, dict):
        return {}, []
    redacted: dict[str, object] = {}
    findings: list[EnvVarFinding] = []
    for name, value in variables.items():
        reason = classify(str(name), value)
        if reason is None:
            redacted[str(name)] = value
        else:
            redacted[str(name)] = f"{REDACTED_PREFIX}{reason}>"
            findings.append(EnvVarFinding(name=str(name), reason=reason))
    return redacted, findings
