"""Secret values found in the input never reach any output; their names and places do."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from auditor.collect.snapshot import read_snapshots
from auditor.inventory import InventoryBuilder
from auditor.model import CollectionError
from auditor.secrets import (
    _NEVER_SECRET_RE,
    _all_matches,
    _whole_matches,
    classify,
    detect,
    scrub_record,
    scrub_text,
)
from tests.canaries import fragments, generate
from tests.conftest import FIXTURES, REPO, write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"


def all_output(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


def test_fixture_secrets_never_appear_in_any_report(run_cli: Any) -> None:
    """Every secret value of the AML007 fixtures is absent from every file written."""
    folder = FIXTURES / "rules" / "AML007"
    secrets = yaml.safe_load((folder / "expected.yaml").read_text())["secret_values"]
    result = run_cli(["scan", "--snapshot", str(folder), "--include-passed"])
    text = all_output(result.output_dir) + result.out + result.err
    for secret in secrets:
        assert secret not in text
    report = result.report()
    leaky = next(f for f in report["findings"] if f["resource_name"] == "leaky")
    assert [v["name"] for v in leaky["evidence"]["secret_variables"]] == ["STORAGE"]
    assert leaky["evidence"]["secret_variables"][0]["where"] == "properties.environmentVariables"


def test_demo_secrets_never_appear(run_cli: Any) -> None:
    """The demo estate's fake secrets (all containing DEMOonly) stay out of the reports."""
    result = run_cli(["scan", "--demo", "--include-passed"])
    assert "DEMOonly" not in all_output(result.output_dir) + result.err


def test_known_credential_fields_are_redacted_in_the_inventory(tmp_path: Path) -> None:
    """A pasted listKeys output or credentials inside a resource never enter the inventory."""
    account = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": "a",
        "properties": {
            "key1": "SECRETkey1VALUE",
            "nested": [{"primaryKey": "SECRETprimaryVALUE"}],
            "credentials": {"clientSecret": "SECRETclientVALUE"},
        },
    }
    builder = InventoryBuilder()
    read_snapshots([write_json(tmp_path / "in" / "a.json", account)], builder)
    [resource] = builder.build().resources.values()
    dumped = json.dumps(resource.data)
    for secret in ("SECRETkey1VALUE", "SECRETprimaryVALUE", "SECRETclientVALUE"):
        assert secret not in dumped
    assert "key1" not in resource.data["properties"]  # undeclared: not kept at all


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        ("DB_PASSWORD", "hunter2", True),
        ("OPENAI_API_KEY", "x", True),
        ("STORAGE", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==", True),
        ("MODEL_URL", "https://a.blob.core.windows.net/c/m?sv=1&sig=abc", True),
        ("CERT", "-----BEGIN RSA PRIVATE KEY-----\nabc", True),
        ("BEARER", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", True),
        ("DATABASE_URL", "postgres://user:pa55@db:5432/x", True),
        ("DB_PASSWORD", "${{azureml://connections/db/credentials/password}}", False),
        ("API_KEY", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k)", False),
        ("AZURE_KEYVAULT_URL", "https://kv.vault.azure.net/", False),
        ("KEY_VAULT_NAME", "kv-prod", False),
        ("SECRET_NAME", "", False),
        ("LOG_LEVEL", "debug", False),
        ("MONKEY_COUNT", "3", False),
        # Names the old pattern missed: a literal under them is a secret whatever it looks like.
        ("DB_PASS", "hunter2", True),
        ("OPENAIKEY", "hunter2", True),
        ("GITHUB_PAT", "hunter2", True),
        ("AUTHORIZATION", "hunter2", True),
        ("ConnectionStrings__Default", "Server=db;Database=x", True),
        ("SLACK_WEBHOOK_URL", "https://example.invalid/hook", True),
        ("dbPassword", "hunter2", True),
        # An identifier word before the end no longer excuses a secret word at the end.
        ("KEY_VAULT_CLIENT_SECRET", "hunter2", True),
        ("KEY_ID_SECRET", "hunter2", True),
        ("PUBLIC_KEY_PASSPHRASE", "hunter2", True),
        # A reference that carries a signature is a secret, not a reference.
        ("AZURE_KEYVAULT_URL", "https://kv.vault.azure.net/secrets/db?sig=abcDEF123", True),
        # A final identifier word excuses the name; the value still decides.
        ("SECRET_ID", "db-password", False),
        ("KEY_VAULT_NAME", "kv-prod", False),
        ("SIGNING_KEY_URI", "https://kv.vault.azure.net/keys/sign", False),
        ("PUBLIC_KEY", "ssh-ed25519 AAAA user@host", False),
        ("SECRET_NAME", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", True),
        ("MAX_TOKENS", "4096", False),
        ("TOKENIZERS_PARALLELISM", "false", False),
        ("AZURE_CLIENT_ID", "c0a8f2b9-2c4e-4b5f-9a3e-7d6f8e9a0b1c", False),
        ("MODEL_IMAGE", "mcr.microsoft.com/azureml/x@sha256:" + "0123456789abcdef" * 4, False),
    ],
)
def test_classify(name: str, value: str, flagged: bool) -> None:
    """Secret detection by name and by value, and no false alarm on references or lookalikes."""
    assert (classify(name, value) is not None) is flagged


def test_redaction_marker_round_trips() -> None:
    """A redacted value read back (from a saved snapshot) is classified the same way."""
    reason = classify("X", "AccountKey=abc")
    assert reason is not None
    assert classify("X", f"<redacted: {reason}>") == reason


def test_every_detectable_canary_is_recognised_by_its_value_alone() -> None:
    """Under an innocent name, each detectable canary is still classified as a secret."""
    missed = [
        f"{c.index} {c.form}"
        for c in generate()
        if c.detectable and classify("NOTE", c.value) is None
    ]
    assert missed == []


def test_scrub_record_redacts_free_text_and_keeps_identity() -> None:
    """Tags and descriptions lose secret values; ids, names and plain values stay as they were."""
    sas = "https://st.blob.core.windows.net/c/m?sv=2022-11-02&sp=r&sig=Zm9vYmFyYmF6cXV4cXV1eA%3D%3D"
    record = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w",
        "name": "w",
        "tags": {"owner": "data-team", "model": sas},
        "properties": {
            "description": "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl",
            "environmentVariables": {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"},
            "friendlyName": "Fraud scoring",
        },
    }
    scrubbed = scrub_record(record, ("properties", "environmentVariables"))
    assert scrubbed["id"] == record["id"] and scrubbed["name"] == "w"
    assert scrubbed["tags"] == {
        "owner": "data-team",
        "model": "<redacted: value looks like a shared access signature>",
    }
    assert scrubbed["properties"]["description"] == "<redacted: value looks like a JSON Web Token>"
    assert scrubbed["properties"]["environmentVariables"] == {
        "DB_PASSWORD": "<redacted: name suggests a credential and the value is a literal>",
        "LOG_LEVEL": "info",
    }
    assert scrubbed["properties"]["friendlyName"] == "Fraud scoring"
    assert record["tags"]["model"] == sas  # the input is not changed


def test_no_false_alarm_on_the_fixture_and_demo_estates() -> None:
    """Outside environment variables, no string of the shipped estates is taken for a secret."""
    roots = [REPO / "tests" / "emulator" / "estate", REPO / "auditor" / "demo", FIXTURES / "rules"]
    flagged: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("*.json")):
            document = json.loads(path.read_text("utf-8"))
            records = document.get("value", [document]) if isinstance(document, dict) else []
            for record in records:
                if isinstance(record, dict):
                    flagged += [f"{path}: {w}" for w in _changed(record, scrub_record(record))]
    assert [f for f in flagged if "environmentVariables" not in f] == []


def _changed(before: Any, after: Any, where: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [c for k in before for c in _changed(before[k], after.get(k), f"{where}.{k}")]
    if isinstance(before, list) and isinstance(after, list):
        return [
            c
            for i, pair in enumerate(zip(before, after, strict=True))
            for c in _changed(*pair, f"{where}[{i}]")
        ]
    return [] if before == after else [where]


def test_scrub_text_keeps_the_message_and_drops_the_secret() -> None:
    """An error quoting a request keeps its words; the header value and SAS signature go."""
    message = (
        "InvalidAuthenticationToken: header Authorization: Bearer abcDEF0123456789xyzXYZ.-_ "
        "rejected for https://st.blob.core.windows.net/c?sv=1&sig=c2lnbmF0dXJl%3D"
    )
    scrubbed = scrub_text(message)
    assert scrubbed.startswith("InvalidAuthenticationToken: header Authorization: <redacted: ")
    assert "abcDEF0123456789xyzXYZ" not in scrubbed and "c2lnbmF0dXJl" not in scrubbed
    assert scrub_text("The client 'ci@contoso.example' lacks 'x/read'") == (
        "The client 'ci@contoso.example' lacks 'x/read'"
    )


def test_a_collection_error_never_holds_a_secret() -> None:
    """However a collection error is built (live, manifest), its message is scrubbed."""
    error = CollectionError(
        scope="/subscriptions/x", operation="list", message="key AccountKey=abc123==;"
    )
    assert "abc123" not in error.message and "abc123" not in json.dumps(error.as_record())


BAD_TOKENS = {
    "line feed": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-LF\nX-Injected: yes",
    "carriage return": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-CR\r\nHost: evil",
    "tab": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-TAB\tmore",
    "escape": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-ESC\x1b[2J",
    "DEL": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-DEL\x7f",
    "space": "Bearer eyJhbGciOiJSUzI1NiJ9.payload-CANARY-SPACE",
    "non-ASCII": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-\u00e9",
    "trailing newline": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-TRAIL\n",
    "only whitespace": "   \t ",
    "comma": "eyJhbGciOiJSUzI1NiJ9.payload-CANARY-COMMA,other",
}


@pytest.mark.parametrize("problem", sorted(BAD_TOKENS))
def test_a_bad_access_token_is_exit_2_before_any_request(
    problem: str, emulator: Any, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token with a control character, whitespace or a non-token character stops the scan
    with exit 2 before a header is built, and the message never quotes the token."""
    token = BAD_TOKENS[problem]
    monkeypatch.setenv("AUDITOR_ACCESS_TOKEN", token)
    result = run_cli(["scan", "--arm-endpoint", emulator.url, "--auth", "token"])
    assert result.code == 2
    assert "AUDITOR_ACCESS_TOKEN is not a usable bearer token" in result.err
    for part in (token.strip(), "CANARY", "payload"):
        if part:
            assert part not in result.err + result.out
    assert emulator.log == []
    assert not (result.output_dir / "auditor.json").exists()


def test_a_well_formed_token_is_accepted(emulator: Any, run_cli: Any) -> None:
    """The emulator's token (letters, digits, dashes) passes validation and the scan runs."""
    result = run_cli(
        [
            "scan",
            "--arm-endpoint",
            emulator.url,
            "--auth",
            "token",
            "--as-of",
            "2026-11-01T00:00:00Z",
        ]
    )
    assert result.code == 1
    assert emulator.log != []


def test_canaries_inside_surrounding_text_are_found_and_cut_out() -> None:
    """Each single-line canary, embedded in random words with random separators (a fixed
    seed, 5 contexts each), is detected in the text and gone from its scrubbed form."""
    rng = random.Random(20261201)
    words = ["error", "request", "failed", "for", "value", "see", "x-ms-id", "42", "url", "the"]
    separators = [" ", "'", '"', "\t", ", ", "(", ")", "; ", " | "]
    missed: list[str] = []
    for canary in (c for c in generate() if c.detectable and "\n" not in c.value):
        for _ in range(5):
            before = " ".join(rng.choices(words, k=rng.randint(0, 4)))
            after = " ".join(rng.choices(words, k=rng.randint(0, 4)))
            text = f"{before}{rng.choice(separators)}{canary.value}{rng.choice(separators)}{after}"
            scrubbed = scrub_text(text)
            if detect(text) is None or any(f in scrubbed for f in fragments(canary.needle)):
                missed.append(f"{canary.index} {canary.form}: {scrubbed!r}")
    assert missed == []


_GUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
_TIMES = st.builds(
    lambda moment, digits, zone: (
        moment.strftime("%Y-%m-%dT%H:%M:%S")
        + (f".{moment.microsecond:06d}{'0' * 3}"[: digits + 1] if digits else "")
        + zone
    ),
    st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2199, 12, 31)),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(["", "Z", "+00:00", "-07:30"]),
)


@seed(20261204)
@settings(max_examples=400, deadline=None)
@given(_GUIDS | _TIMES)
def test_the_detectors_see_nothing_in_a_guid_or_a_timestamp(text: str) -> None:
    """Intake skips the detectors for a whole GUID or ISO 8601 time (most of a role
    assignment's strings). That is sound only while the detectors themselves find nothing in
    them: a detector that starts to must fail this test, not be skipped silently."""
    assert _NEVER_SECRET_RE.fullmatch(text)
    assert list(_all_matches(text)) == []
    assert list(_whole_matches(text)) == []


def test_a_guid_inside_other_text_is_still_judged() -> None:
    """Only a string that is wholly a GUID or a time is skipped: around one, the detectors
    still run."""
    guid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert detect(guid) is None
    assert detect(f"password={guid}") is not None
    assert guid not in scrub_text(f"connect with password={guid} now")
