"""Recognising secret values in kept free text, and making sure they go no further.

Every record enters the inventory through :func:`scrub_record`: each string value that a
secret detector recognises (a storage key, a SAS URL, a JWT, a private key, an API token, a
password in a URL or a connection string, a high-entropy token) is replaced by a marker that
keeps the reason (``<redacted: value looks like a JSON Web Token>``), so the value never
reaches a rule, a report or a saved snapshot, yet re-reading a saved snapshot classifies it
the same way. Environment variables are judged by value first; a credential-like name only
adds to that (a literal under ``DB_PASSWORD`` is a secret whatever it looks like).

The detectors are Yelp's ``detect-secrets`` plugins, called on single values (not files).
Messages that may quote a response (collection errors) go through :func:`scrub_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import CONFIG_DENYLIST_REGEX_TO_GROUP, KeywordDetector
from detect_secrets.plugins.keyword import DENYLIST as KEYWORD_DENYLIST
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

REDACTED_PREFIX = "<redacted: "
"""Start of the marker that replaces a secret value."""

# The library's pattern detectors, with the words a reason gives. (Not IPPublicDetector: an
# address in a network rule is configuration, not a secret.)
_LIBRARY_DETECTORS: tuple[tuple[str, RegexBasedDetector], ...] = (
    ("an Azure storage account key", AzureStorageKeyDetector()),
    ("a private key", PrivateKeyDetector()),
    ("a JSON Web Token", JwtTokenDetector()),
    ("a password in a URL", BasicAuthDetector()),
    ("an OpenAI API key", OpenAIDetector()),
    ("a GitHub token", GitHubTokenDetector()),
    ("a GitLab token", GitLabTokenDetector()),
    ("a Slack token or webhook", SlackDetector()),
    ("an AWS access key", AWSKeyDetector()),
    ("a Stripe key", StripeDetector()),
    ("a Twilio key", TwilioKeyDetector()),
    ("a SendGrid key", SendGridDetector()),
    ("a Mailchimp key", MailchimpDetector()),
    ("an npm token", NpmDetector()),
    ("a PyPI token", PypiTokenDetector()),
    ("a Discord bot token", DiscordBotTokenDetector()),
    ("a Telegram bot token", TelegramBotTokenDetector()),
    ("an Artifactory token", ArtifactoryDetector()),
    ("a Square OAuth secret", SquareOAuthDetector()),
)

# Azure and HTTP forms the library has no detector for: its storage-key detector wants exactly
# 88 characters after AccountKey= (a truncated or differently sized key slips through), and it
# knows neither SAS tokens, Service Bus / Event Hubs keys, Authorization header values nor
# Entra ID client secrets.
_AZURE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a storage connection string", re.compile(r"AccountKey\s*=\s*[^;\s]+", re.I)),
    (
        "a shared access signature",
        re.compile(r"(SharedAccessSignature\s*=\s*[^;\s]+|[?&]sig=[^&#\s]+)", re.I),
    ),
    ("a Service Bus / Event Hubs key", re.compile(r"SharedAccessKey\s*=\s*[^;\s]+", re.I)),
    ("an HTTP authorization header", re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}")),
    # Entra ID application secrets: three characters, a digit, "Q~", then 31-34 more.
    (
        "an Entra ID client secret",
        re.compile(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}"),
    ),
)

_KEYWORD = KeywordDetector()
# The keyword detector's own words, searched once before its dozen assignment patterns run.
_KEYWORD_HINT_RE = re.compile("|".join(KEYWORD_DENYLIST), re.IGNORECASE)
_BASE64 = Base64HighEntropyString()
_HEX = HexHighEntropyString()
_TOKEN_RE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_BASE64_MIN_LENGTH = 20
_ENTROPY_FLOOR = 2 ** min(_HEX.entropy_limit, _BASE64.entropy_limit)
_HEX_MIN_LENGTH = 32  # shorter hex runs are digests of names, colours, short ids
# A labelled content digest (an image's sha256:...) is random hex but no secret.
_DIGEST_RE = re.compile(r"\b(sha(1|224|256|384|512)|md5)[:=-][0-9a-fA-F]+", re.I)

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


def _high_entropy_tokens(text: str) -> Iterator[str]:
    for token in _TOKEN_RE.findall(_DIGEST_RE.sub(" ", text)):
        # A path (ARM id, URL path) is one long run of base64 characters; random base64
        # keys carry '+' or '=' padding, so only those are judged whole.
        pieces = [token] if ("+" in token or token.endswith("=")) else token.split("/")
        for piece in pieces:
            # Entropy is at most log2(distinct characters): most pieces are excused unmeasured.
            if len(set(piece)) < _ENTROPY_FLOOR:
                continue
            if _HEX_RE.match(piece):
                if len(piece) >= _HEX_MIN_LENGTH and (
                    _HEX.calculate_shannon_entropy(piece) > _HEX.entropy_limit
                ):
                    yield piece
            elif len(piece) >= _BASE64_MIN_LENGTH and (
                _BASE64.calculate_shannon_entropy(piece) > _BASE64.entropy_limit
            ):
                yield piece


def _pattern_matches(text: str) -> Iterator[tuple[str, str]]:
    for label, pattern in _AZURE_PATTERNS:
        for match in pattern.finditer(text):
            yield label, match.group(0)
    for label, detector in _LIBRARY_DETECTORS:
        for found in detector.analyze_string(text):
            yield label, found


def _all_matches(text: str) -> Iterator[tuple[str, str]]:
    """(reason, secret substring) for every secret the detectors see in ``text``."""
    yield from _pattern_matches(text)
    if _KEYWORD_HINT_RE.search(text):
        for found in _KEYWORD.analyze_string(text, CONFIG_DENYLIST_REGEX_TO_GROUP):
            if found and not _REFERENCE_RE.match(found.strip()):
                yield "a secret assignment (password=..., key=...)", found
    for found in _high_entropy_tokens(text):
        yield "a high-entropy token", found


# An ARM resource id or type (path segments of ARM's name characters, no query, no
# credentials) is the bulk of an estate's distinct strings and holds no secret value.
_ARM_PATH_RE = re.compile(r"^(/(subscriptions|providers|tenants)/)?[A-Za-z0-9._()/ -]*$")


# A GUID (principal, tenant and assignment ids) and an ISO 8601 time (createdOn...) are most
# of a role assignment's strings, each distinct, and the detectors see nothing in either form
# (tests/test_secrets.py checks that on generated ones): skipped, 60-80 us each.
_NEVER_SECRET_RE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?",
    re.ASCII | re.IGNORECASE,
)


def _may_hold_secret(text: str) -> bool:
    # Every detector needs a separator or a run of 16+ characters: short plain words are
    # skipped without running the detectors.
    if not (len(text) >= 16 or any(c in text for c in ":=@")):
        return False
    if text.startswith("/"):
        return not _ARM_PATH_RE.match(text)
    return not _NEVER_SECRET_RE.fullmatch(text)


@lru_cache(maxsize=65536)
def detect(text: str) -> str | None:
    """Why ``text`` looks like (or holds) a secret value, or None. Cached per distinct value."""
    if is_marker(text):
        return text[len(REDACTED_PREFIX) : -1]
    stripped = text.strip()
    if not stripped or not _may_hold_secret(stripped):
        return None
    if _REFERENCE_RE.match(stripped):
        # A reference is not a secret, unless it carries one (a Key Vault URL with ?sig=).
        first = next(_pattern_matches(stripped), None)
        return f"value looks like {first[0]}" if first else None
    first = next(_all_matches(stripped), None)
    return f"value looks like {first[0]}" if first else None


def is_marker(text: str) -> bool:
    """Whether ``text`` is a redaction marker this module wrote."""
    return text.startswith(REDACTED_PREFIX) and text.endswith(">")


def marker(reason: str) -> str:
    """The text that replaces a secret value."""
    return f"{REDACTED_PREFIX}{reason}>"


# --- environment variable names ------------------------------------------------------------

# A name is split into words at _ . - and lower-to-upper case changes (dbPassword -> DB,
# PASSWORD). Any of these words means the value is a credential.
_SECRET_WORDS = frozenset(
    {
        "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN",
        "PAT", "SAS", "APIKEY", "APIKEYS", "KEY", "KEYS", "ACCESSKEY", "CREDENTIAL",
        "CREDENTIALS", "CREDS", "CONNECTIONSTRING", "CONNECTIONSTRINGS", "CONNSTR",
        "CONNSTRING", "AUTHORIZATION", "AUTH", "BEARER", "WEBHOOK", "PASSPHRASE", "SIGNATURE",
        "COOKIE", "DSN",
    }
)  # fmt: skip
# Fused names (OPENAIKEY, DBPASSWORD) end with one of these.
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "ACCESSKEY", "KEY", "PAT")
# Two-word pairs that are one secret word (CONNECTION_STRING, ACCESS_KEY, CLIENT_SECRET...).
_SECRET_PAIRS = frozenset({("CONNECTION", "STRING"), ("CONNECTION", "STRINGS"), ("CONN", "STR")})
# English words that merely end in KEY.
_NOT_KEY_WORDS = frozenset({"MONKEY", "DONKEY", "HOCKEY", "JOCKEY", "TURKEY", "WHISKEY"})
# A name whose *last* word is one of these names a secret (its id, its vault, its length),
# unless a credential-bearing word such as WEBHOOK says the URL itself is the secret.
_IDENTIFIER_WORDS = frozenset(
    {
        "NAME", "NAMES", "ID", "IDS", "URI", "URL", "VAULT", "KEYVAULT", "ENDPOINT", "HOST",
        "PATH", "FILE", "TYPE", "VERSION", "REGION", "LENGTH", "LEN", "SIZE", "COUNT", "TTL",
        "EXPIRY", "EXPIRES", "REF", "REFERENCE", "HEADER", "FIELD", "PROVIDER", "MODE",
        "ENABLED", "DISABLED", "FORMAT", "ALGORITHM", "SCOPE", "SCOPES", "ISSUER", "AUDIENCE",
        "TIMEOUT", "LIMIT", "MAX", "MIN", "LEVEL", "POLICY",
    }
)  # fmt: skip
_CREDENTIAL_URL_WORDS = frozenset({"WEBHOOK"})
_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> list[str]:
    """The words of a variable name, upper-cased (``dbPassword`` -> ``["DB", "PASSWORD"]``)."""
    return [w.upper() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _WORD_RE.findall(part)]


def _is_secret_word(word: str) -> bool:
    if word in _SECRET_WORDS:
        return True
    return len(word) > 4 and word not in _NOT_KEY_WORDS and word.endswith(_SECRET_SUFFIXES)


@lru_cache(maxsize=16384)
def name_suggests_secret(name: str) -> bool:
    """Whether a variable name says its value is a credential.

    ``PUBLIC_KEY`` and names whose last word is an identifier word (``KEY_VAULT_NAME``,
    ``SECRET_ID``) are excused; a secret word at the end (``KEY_VAULT_CLIENT_SECRET``) is not.
    """
    words = name_words(name)
    if not words:
        return False
    secret = any(_is_secret_word(w) for w in words) or any(
        pair in _SECRET_PAIRS for pair in pairwise(words)
    )
    if not secret:
        return False
    if any(w in _CREDENTIAL_URL_WORDS for w in words):
        return True
    if words[-1] in _IDENTIFIER_WORDS:
        return False
    return words[-2:] != ["PUBLIC", "KEY"] and words[-1] != "PUBLICKEY"


def classify(name: str, value: object) -> str | None:
    """Why ``name=value`` looks like a plain-text secret, or None when it does not."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    reason = detect(text)
    if reason is not None:
        return reason
    stripped = text.strip()
    if not stripped or _REFERENCE_RE.match(stripped):
        return None
    if name_suggests_secret(name):
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
            redacted[str(name)] = marker(reason)
            findings.append(EnvVarFinding(name=str(name), reason=reason))
    return redacted, findings


# --- whole records and messages -------------------------------------------------------------


def as_is(text: str) -> str:
    """The ``share`` of a copy that shares nothing."""
    return text


def _scrub(value: Any, share: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        reason = detect(value)
        return share(value) if reason is None or is_marker(value) else marker(reason)
    if isinstance(value, dict):
        return {share(k): _scrub(v, share) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, share) for v in value]
    return value


def scrub_record(
    record: Mapping[str, Any],
    env_path: Sequence[str] | None = None,
    share: Callable[[str], str] = as_is,
) -> Any:
    """A copy of an ARM record with every secret value replaced by a redaction marker.

    Every string is run through the detectors (cached per distinct value); the
    environment-variable map at ``env_path`` is judged by :func:`classify`, names included;
    ``id`` and ``name`` lose only the secret inside them (:func:`scrub_text`). The copy's keys
    and the strings that are not secrets are passed through ``share``, which may answer an
    equal string already held (the inventory's one copy of each value); a secret never is.
    """
    scrubbed = _scrub(dict(record), share)
    for identity in ("id", "name"):
        # An id (a template's unresolved name, a hostile export) keeps its shape: only the
        # secret inside it is replaced, so parents, scopes and reports still line up.
        if isinstance(record.get(identity), str):
            scrubbed[identity] = share(scrub_text(record[identity]))
    if env_path:
        *parents, last = env_path
        original: Any = record
        copied: Any = scrubbed
        for step in parents:
            original = original.get(step) if isinstance(original, Mapping) else None
            copied = copied.get(step) if isinstance(copied, dict) else None
        variables = original.get(last) if isinstance(original, Mapping) else None
        if isinstance(variables, dict) and isinstance(copied, dict):
            copied[last] = redact_env(variables)[0]
    return scrubbed


def _whole_matches(text: str) -> Iterator[tuple[str, str]]:
    # A library detector yields its capture group (``ghp`` of a GitHub token); a message
    # must lose the whole match.
    for label, detector in _LIBRARY_DETECTORS:
        for pattern in detector.denylist:
            for match in pattern.finditer(text):
                yield label, match.group(0)


def scrub_text(text: str) -> str:
    """``text`` with each secret in it replaced by a marker: for messages quoting a response."""
    if not _may_hold_secret(text):
        return text
    out = text
    found_all = set(_all_matches(text)) | set(_whole_matches(text))
    for label, found in sorted(found_all, key=lambda m: -len(m[1])):
        if label == "a private key":
            return marker("the message quoted a private key")
        if found:
            out = out.replace(found, marker(f"looks like {label}"))
    return out
