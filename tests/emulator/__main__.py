"""Serve an estate from the ARM emulator until interrupted, to try a live scan by hand.

    python -m tests.emulator [ESTATE_DIR] [--latency SECONDS] [--page-size N] [--deny PATH]

It needs the test extra (``pip install '.[test]'``: ``trustme`` makes its TLS certificate).
Prints the endpoint, the CA file and the token to use, e.g.::

    REQUESTS_CA_BUNDLE=/tmp/.../emulator-ca.pem AUDITOR_ACCESS_TOKEN=emulator-token \\
        auditor scan --arm-endpoint https://127.0.0.1:PORT --auth token
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

if importlib.util.find_spec("trustme") is None:  # a plain install has no test extra
    sys.exit("the emulator needs the test extra for its TLS certificate: pip install '.[test]'")

from tests.emulator.estate import Estate
from tests.emulator.fixtures import fixture_estate
from tests.emulator.server import ArmEmulator, Fault

DEFAULT_ESTATE = Path(__file__).resolve().parent / "estate"


def denied(path: str) -> Fault:
    """A 403 as ARM words it, naming the read action for the path's resource type."""
    parts = [p for p in path.strip("/").split("/") if p]
    if "providers" in parts:
        start = len(parts) - 1 - parts[::-1].index("providers")
        action = "/".join(parts[start + 1 :][:1] + parts[start + 2 :][::2]) + "/read"
    else:
        action = "Microsoft.Resources/subscriptions/read"
    scope = "/" + "/".join(parts[: parts.index("providers")] if "providers" in parts else parts)
    message = (
        "The client 'auditor-emulator' with object id '00000000-0000-0000-0000-000000000000' "
        f"does not have authorization to perform action '{action}' over scope '{scope}' or "
        "the scope is invalid."
    )
    return Fault(403, message=message, code="AuthorizationFailed")


def main() -> None:
    """Start the emulator and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("estate", nargs="?", type=Path, default=DEFAULT_ESTATE)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--token", default="emulator-token")
    parser.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="PATH",
        help="answer every request for this ARM path with 403 AuthorizationFailed, e.g. "
        "/subscriptions/<id>/providers/Microsoft.Authorization/roleAssignments; repeatable",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # The default estate includes the reference Foundry estate, built in code.
        estate = (
            fixture_estate() if args.estate == DEFAULT_ESTATE else Estate.from_folder(args.estate)
        )
        server = ArmEmulator(
            estate,
            Path(tmp),
            token=args.token,
            page_size=args.page_size,
            latency=args.latency,
        ).start()
        for path in args.deny:
            server.fail_always(path, denied(path))
            print(f"denying {path} with 403", flush=True)
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
