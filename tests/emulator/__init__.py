"""A local HTTPS Azure Resource Manager emulator for live-scan tests and the benchmark."""

from tests.emulator.estate import Estate
from tests.emulator.server import ArmEmulator, Fault, LoggedRequest

__all__ = ["ArmEmulator", "Estate", "Fault", "LoggedRequest"]
