"""Planted secrets: over 100 distinct, unique secret values in the forms Azure estates hold.

Every canary is generated from a fixed seed, carries its index in its random part (so no two
are alike and a leak names the canary), and has a ``needle``: the part that must never be
seen, searched for in raw, URL-encoded, base64, hex, JSON- and HTML-escaped form.
``detectable`` canaries are recognisable by value (they must be redacted wherever they sit);
the others (plain passwords, instrumentation keys) are only safe because the fields that
hold them are never kept or their names say what they are.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import random
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

_ALNUM = string.ascii_letters + string.digits
_B64URL = _ALNUM + "-_"


@dataclass(frozen=True)
class Canary:
    """One planted secret."""

    index: int
    form: str
    """The family it belongs to (``storage connection string``, ``GitHub token``, ...)."""
    value: str
    """What is planted."""
    needle: str
    """The secret part of ``value``; what must not appear anywhere."""
    detectable: bool = True


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.index = 0

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def b64(self, n_bytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(n_bytes)).decode()

    def b64url(self, n_bytes: int) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(n_bytes)).decode().rstrip("=")

    def hex(self, n: int) -> str:
        return self.chars("0123456789abcdef", n)

    def uid(self, n: int = 6) -> str:
        """A tag with the canary's index, so a leak names its canary."""
        return f"c{self.index:03d}{self.chars(_ALNUM, n)}"


Maker = Callable[[_Gen], tuple[str, str]]
"""(value, needle) for one canary."""


def _jwt(gen: _Gen, alg: str, claims: dict[str, object]) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = base64.urlsafe_b64encode(json.dumps({**claims, "jti": gen.uid()}).encode())
    return f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}.{gen.b64url(32)}"


def _pem(gen: _Gen, label: str) -> tuple[str, str]:
    lines = [gen.b64(48) for _ in range(6)]
    body = "\n".join(lines)
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n", lines[2]


def _sas_query(gen: _Gen, extra: str = "") -> tuple[str, str]:
    sig = quote(gen.b64(32), safe="")
    query = (
        f"sv=2022-11-02&ss=b&srt=sco&sp=rl{extra}&se=2027-06-30T00:00:00Z"
        f"&st=2026-01-01T00:00:00Z&spr=https&sig={sig}"
    )
    return query, sig


def _storage_cs(suffix: str, lower: bool = False) -> Maker:
    def make(gen: _Gen) -> tuple[str, str]:
        key = gen.b64(64)
        word = "accountkey" if lower else "AccountKey"
        return (
            f"DefaultEndpointsProtocol=https;AccountName=st{gen.uid(3).lower()};"
            f"{word}={key};EndpointSuffix={suffix}",
            key,
        )

    return make


def _sas_url(service: str, extra: str = "") -> Maker:
    def make(gen: _Gen) -> tuple[str, str]:
        query, sig = _sas_query(gen, extra)
        return (
            f"https://st{gen.uid(3).lower()}.{service}.core.windows.net/models/m.pkl?{query}",
            sig,
        )

    return make


def _sas_token(gen: _Gen) -> tuple[str, str]:
    query, sig = _sas_query(gen)
    return f"?{query}", sig


def _plain(template: str, secret: Callable[[_Gen], str]) -> Maker:
    def make(gen: _Gen) -> tuple[str, str]:
        value = secret(gen)
        return template.format(secret=value, uid=gen.uid(3).lower()), value

    return make


def _families() -> Iterator[tuple[str, Maker, int, bool]]:
    """(form, maker, how many, detectable)."""
    yield "storage connection string", _storage_cs("core.windows.net"), 3, True
    yield (
        "storage connection string (sovereign cloud)",
        _storage_cs("core.chinacloudapi.cn"),
        1,
        True,
    )
    yield (
        "storage connection string (lower-case key word)",
        _storage_cs("core.windows.net", True),
        1,
        True,
    )
    yield "storage account key", lambda g: (k := g.b64(64), k), 4, True
    yield "blob SAS URL", _sas_url("blob"), 3, True
    yield "file share SAS URL", _sas_url("file"), 1, True
    yield "queue SAS URL", _sas_url("queue"), 1, True
    yield "data lake SAS URL", _sas_url("dfs", "&sr=d&sdd=1"), 1, True
    yield (
        "user delegation SAS URL",
        _sas_url("blob", "&skoid=0&sktid=0&skt=2026-01-01&ske=2027-01-01&sks=b&skv=2022-11-02"),
        1,
        True,
    )
    yield "SAS token", _sas_token, 2, True
    yield (
        "Key Vault URL with a SAS signature",
        _plain(
            "https://kv-{uid}.vault.azure.net/secrets/db?api-version=7.4&sig={secret}",
            lambda g: quote(g.b64(32), safe=""),
        ),
        2,
        True,
    )
    yield (
        "Service Bus connection string",
        _plain(
            "Endpoint=sb://sb-{uid}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={secret}",
            lambda g: g.b64(32),
        ),
        3,
        True,
    )
    yield (
        "Event Hubs connection string",
        _plain(
            "Endpoint=sb://eh-{uid}.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={secret};EntityPath=events",
            lambda g: g.b64(32),
        ),
        3,
        True,
    )
    yield (
        "shared access signature token",
        _plain(
            "SharedAccessSignature sr=iot-{uid}.azure-devices.net&sig={secret}&se=1893456000&skn=iothubowner",
            lambda g: quote(g.b64(32), safe=""),
        ),
        2,
        True,
    )
    yield (
        "IoT Hub connection string",
        _plain(
            "HostName=iot-{uid}.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey={secret}",
            lambda g: g.b64(32),
        ),
        1,
        True,
    )
    yield (
        "Cosmos DB connection string",
        _plain(
            "AccountEndpoint=https://cosmos-{uid}.documents.azure.com:443/;AccountKey={secret};",
            lambda g: g.b64(64),
        ),
        2,
        True,
    )
    yield (
        "SQL connection string",
        _plain(
            "Server=tcp:sql-{uid}.database.windows.net,1433;Initial Catalog=db;User ID=admin;Password={secret};Encrypt=True;",
            lambda g: g.chars(_ALNUM, 18) + "!",
        ),
        2,
        True,
    )
    yield (
        "SQL connection string (Pwd)",
        _plain(
            "Driver={{ODBC Driver 18}};Server=sql-{uid};Uid=app;Pwd={secret};",
            lambda g: g.chars(_ALNUM, 16),
        ),
        1,
        True,
    )
    yield (
        "Redis connection string",
        _plain(
            "redis-{uid}.redis.cache.windows.net:6380,password={secret},ssl=True,abortConnect=False",
            lambda g: g.b64(32),
        ),
        2,
        True,
    )
    yield "JWT (HS256)", lambda g: (t := _jwt(g, "HS256", {"sub": "svc"}), t), 2, True
    yield (
        "JWT (RS256, Entra ID access token)",
        lambda g: (
            t := _jwt(
                g,
                "RS256",
                {"aud": "https://management.azure.com/", "iss": "https://sts.windows.net/x/"},
            ),
            t,
        ),
        2,
        True,
    )
    yield (
        "JWT (Azure ML token)",
        lambda g: (t := _jwt(g, "RS256", {"aud": "https://ml.azure.com"}), t),
        1,
        True,
    )
    for label in (
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "DSA PRIVATE KEY",
    ):
        yield f"PEM {label.lower()}", (lambda lab: lambda g: _pem(g, lab))(label), 1, True
    yield (
        "PostgreSQL URL with password",
        _plain(
            "postgresql://app:{secret}@pg-{uid}.postgres.database.azure.com:5432/db",
            lambda g: g.chars(_ALNUM, 20),
        ),
        2,
        True,
    )
    yield (
        "MySQL URL with password",
        _plain("mysql://root:{secret}@mysql-{uid}:3306/db", lambda g: g.chars(_ALNUM, 20)),
        1,
        True,
    )
    yield (
        "MongoDB URL with password",
        _plain(
            "mongodb+srv://user:{secret}@cluster-{uid}.mongodb.net/db",
            lambda g: g.chars(_ALNUM, 20),
        ),
        2,
        True,
    )
    yield (
        "AMQP URL with password",
        _plain("amqps://guest:{secret}@mq-{uid}:5671/", lambda g: g.chars(_ALNUM, 20)),
        1,
        True,
    )
    yield (
        "HTTPS URL with user and password",
        _plain(
            "https://deploy:{secret}@git-{uid}.example.com/repo.git", lambda g: g.chars(_ALNUM, 20)
        ),
        2,
        True,
    )
    yield (
        "OpenAI API key",
        _plain("sk-{secret}", lambda g: f"{g.chars(_ALNUM, 20)}T3BlbkFJ{g.chars(_ALNUM, 20)}"),
        2,
        True,
    )
    yield (
        "OpenAI project API key",
        _plain("sk-proj-{secret}", lambda g: f"{g.chars(_ALNUM, 20)}T3BlbkFJ{g.chars(_ALNUM, 20)}"),
        1,
        True,
    )
    for prefix in ("ghp", "gho", "ghu", "ghs", "ghr"):
        yield (
            f"GitHub token ({prefix}_)",
            _plain(prefix + "_{secret}", lambda g: g.chars(_ALNUM, 36)),
            1,
            True,
        )
    yield (
        "GitHub fine-grained token",
        _plain("github_pat_{secret}", lambda g: f"{g.chars(_ALNUM, 22)}_{g.chars(_ALNUM, 59)}"),
        1,
        True,
    )
    yield "GitLab token", _plain("glpat-{secret}", lambda g: g.chars(_ALNUM, 20)), 2, True
    yield (
        "Slack bot token",
        _plain(
            "xoxb-{secret}",
            lambda g: (
                f"{g.chars(string.digits, 12)}-{g.chars(string.digits, 12)}-{g.chars(_ALNUM, 24).lower()}"
            ),
        ),
        1,
        True,
    )
    yield (
        "Slack user token",
        _plain(
            "xoxp-{secret}",
            lambda g: (
                f"{g.chars(string.digits, 12)}-{g.chars(string.digits, 12)}-{g.chars(_ALNUM, 24).lower()}"
            ),
        ),
        1,
        True,
    )
    yield (
        "Slack webhook URL",
        _plain(
            "https://hooks.slack.com/services/T{secret}",
            lambda g: (
                f"{g.chars(_ALNUM, 10).upper()}/B{g.chars(_ALNUM, 10).upper()}/{g.chars(_ALNUM, 24)}"
            ),
        ),
        2,
        True,
    )
    yield (
        "AWS access key id",
        _plain("AKIA{secret}", lambda g: g.chars(string.ascii_uppercase + string.digits, 16)),
        2,
        True,
    )
    yield (
        "AWS temporary access key id",
        _plain("ASIA{secret}", lambda g: g.chars(string.ascii_uppercase + string.digits, 16)),
        1,
        True,
    )
    yield "AWS secret access key", lambda g: (k := g.chars(_ALNUM + "+/", 40), k), 2, True
    yield "Stripe secret key", _plain("sk_live_{secret}", lambda g: g.chars(_ALNUM, 24)), 1, True
    yield (
        "Stripe restricted key",
        _plain("rk_live_{secret}", lambda g: g.chars(_ALNUM, 24)),
        1,
        True,
    )
    yield "Twilio API key", _plain("SK{secret}", lambda g: g.hex(32)), 1, True
    yield (
        "SendGrid API key",
        _plain("SG.{secret}", lambda g: f"{g.chars(_B64URL, 22)}.{g.chars(_B64URL, 43)}"),
        1,
        True,
    )
    yield "npm token", _plain("npm_{secret}", lambda g: g.chars(_ALNUM, 36)), 1, True
    yield (
        "PyPI token",
        _plain("pypi-AgEIcHlwaS5vcmc{secret}", lambda g: g.chars(_B64URL, 60)),
        1,
        True,
    )
    yield "Mailchimp API key", _plain("{secret}-us12", lambda g: g.hex(32)), 1, True
    yield "Hugging Face token", _plain("hf_{secret}", lambda g: g.chars(_ALNUM, 34)), 1, True
    yield "Azure AI Services key", lambda g: (k := g.hex(32), k), 3, True
    yield "Azure AI Services key (84 characters)", lambda g: (k := g.chars(_ALNUM, 84), k), 1, True
    yield (
        "Entra ID client secret",
        _plain("{secret}", lambda g: f"{g.chars(_ALNUM, 3)}8Q~{g.chars(_ALNUM + '_-.', 34)}"),
        3,
        True,
    )
    yield (
        "basic-auth header",
        _plain(
            "Basic {secret}",
            lambda g: base64.b64encode(f"admin:{g.chars(_ALNUM, 18)}".encode()).decode(),
        ),
        2,
        True,
    )
    yield "bearer header", _plain("Bearer {secret}", lambda g: g.chars(_B64URL, 48)), 2, True
    yield "keyword assignment", _plain("password={secret}", lambda g: g.chars(_ALNUM, 20)), 1, True
    yield (
        "keyword assignment (api_key:)",
        _plain("api_key: {secret}", lambda g: g.chars(_ALNUM, 24)),
        1,
        True,
    )
    yield "hex high-entropy string (40)", lambda g: (k := g.hex(40), k), 2, True
    yield "hex high-entropy string (64)", lambda g: (k := g.hex(64), k), 2, True
    yield "base64 high-entropy string (32 bytes)", lambda g: (k := g.b64(32), k), 2, True
    yield "base64url high-entropy string (48 bytes)", lambda g: (k := g.b64url(48), k), 2, True
    # Only their place says these are secrets: no detector can tell them from text.
    yield "plain password", _plain("{secret}", lambda g: f"Winter-{g.uid(4)}-pass"), 4, False
    yield (
        "Application Insights instrumentation key",
        _plain("{secret}", lambda g: f"{g.hex(8)}-{g.hex(4)}-4{g.hex(3)}-8{g.hex(3)}-{g.hex(12)}"),
        2,
        False,
    )


def generate(seed: int = 20261201) -> list[Canary]:
    """Every canary, in a fixed order."""
    gen = _Gen(seed)
    canaries: list[Canary] = []
    for form, make, count, detectable in _families():
        for _ in range(count):
            gen.index = len(canaries)
            value, needle = make(gen)
            canaries.append(Canary(len(canaries), form, value, needle, detectable))
    values = [c.value for c in canaries]
    assert len(set(values)) == len(values), "canaries must be unique"
    return canaries


def encodings(needle: str) -> dict[str, str]:
    """The forms a leak could take: raw, URL-encoded, base64, hex, JSON- and HTML-escaped."""
    raw = needle.encode()
    forms = {
        "raw": needle,
        "url-encoded": quote(needle, safe=""),
        "url-encoded (plus)": quote_plus(needle),
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "hex": binascii.hexlify(raw).decode(),
        "HEX": binascii.hexlify(raw).decode().upper(),
        "json-escaped": json.dumps(needle)[1:-1],
        "html-escaped": html.escape(needle),
    }
    # base64 padding is no part of what identifies a leak
    forms["base64"] = forms["base64"].rstrip("=")
    forms["base64url"] = forms["base64url"].rstrip("=")
    return forms


def leaks(canaries: Iterable[Canary], texts: dict[str, str]) -> list[str]:
    """``canary index (form) as <encoding> in <where>`` for each needle found in a text."""
    found: list[str] = []
    for canary in canaries:
        for encoding, needle in encodings(canary.needle).items():
            for where, text in texts.items():
                if needle in text:
                    found.append(f"canary {canary.index} ({canary.form}) as {encoding} in {where}")
    return found
