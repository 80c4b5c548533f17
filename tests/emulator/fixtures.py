"""pytest fixtures: an emulator serving the fixture estate, trusted through REQUESTS_CA_BUNDLE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import foundry_estate, logging_estate
from tests.emulator.estate import Estate
from tests.emulator.server import ArmEmulator

ESTATE_DIR = Path(__file__).resolve().parent / "estate"
TOKEN = "emulator-token-7f3a9c-DO-NOT-PRINT"
SUB_A = "a0a0a0a0-0000-4000-8000-00000000000a"
SUB_B = "b0b0b0b0-0000-4000-8000-00000000000b"
SUB_C = "c0c0c0c0-0000-4000-8000-00000000000c"
SUB_D = "d0d0d0d0-0000-4000-8000-00000000000d"
"""Disabled: never scanned."""


def fixture_estate() -> Estate:
    """The fixture estate's files plus the reference Foundry estate (built with canaries) and the
    logging part's registries and diagnostic settings."""
    estate = Estate.from_folder(ESTATE_DIR)
    estate.add_all(foundry_estate.records())
    estate.add_all(logging_estate.records())
    return estate


def serve(estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArmEmulator]:
    """``estate`` on https://127.0.0.1:PORT, with the CA and token in the environment."""
    server = ArmEmulator(estate, tmp_path, token=TOKEN, page_size=2)
    server.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    monkeypatch.setenv("AUDITOR_ACCESS_TOKEN", TOKEN)
    monkeypatch.delenv("AUDITOR_ARM_ENDPOINT", raising=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArmEmulator]:
    """The fixture estate on https://127.0.0.1:PORT, with the CA and token in the environment."""
    yield from serve(fixture_estate(), tmp_path, monkeypatch)
