"""Serve an estate from the ARM emulator until interrupted, to try a live scan by hand.

    python -m tests.emulator [ESTATE_DIR] [--latency SECONDS] [--page-size N]

Prints the endpoint, the CA file and the token to use, e.g.::

    REQUESTS_CA_BUNDLE=/tmp/.../emulator-ca.pem AUDITOR_ACCESS_TOKEN=emulator-token \\
        auditor scan --arm-endpoint https://127.0.0.1:PORT --auth token
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.emulator.estate import Estate
from tests.emulator.server import ArmEmulator

DEFAULT_ESTATE = Path(__file__).resolve().parent / "estate"


def main() -> None:
    """Start the emulator and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("estate", nargs="?", type=Path, default=DEFAULT_ESTATE)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--token", default="emulator-token")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = ArmEmulator(
            Estate.from_folder(args.estate),
            Path(tmp),
            token=args.token,
            page_size=args.page_size,
            latency=args.latency,
        ).start()
        print(f"ARM emulator serving {args.estate} at {server.url}", flush=True)
        print(
            f"REQUESTS_CA_BUNDLE={server.ca_file} AUDITOR_ACCESS_TOKEN={args.token} "
            f"auditor scan --arm-endpoint {server.url} --auth token",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


if __name__ == "__main__":
    main()
