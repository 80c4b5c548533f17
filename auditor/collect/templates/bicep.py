"""Bicep files: compiled to an ARM template by the ``bicep`` CLI, then read as ARM.

Without ``bicep`` on the PATH the file cannot be read, and the user is told to compile it
first (``az bicep build --file main.bicep`` writes ``main.json``, which this tool reads).
Findings point at the Bicep source: each compiled resource is matched to its ``resource``
declaration (by type, in declaration order) in the file or in the local modules it uses,
and a property to the first line below that declaration that sets it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from auditor import digests
from auditor.errors import InputError

BICEP_TIMEOUT_SECONDS = 120
_MODULE_RE = re.compile(r"^\s*module\s+\w+\s+'([^']+\.bicep)'", re.MULTILINE)
# A nested child names no API version: it takes its parent's (`resource dep 'deployments'`).
_RESOURCE_RE = re.compile(r"^\s*resource\s+\w+\s+'([^'@]+)(?:@[^']*)?'", re.IGNORECASE)
_DECLARATION_RE = re.compile(r"^\s*(resource|module)\s", re.IGNORECASE)


def compile_bicep(path: Path) -> str:
    """The ARM JSON ``bicep build --stdout`` prints for ``path``."""
    executable = shutil.which("bicep")
    if executable is None:
        raise InputError(
            f"{path}: is a Bicep file and the bicep CLI is not on the PATH; compile it first "
            f"with `az bicep build --file {path}` and scan the .json it writes"
        )
    try:
        completed = subprocess.run(
            [executable, "build", "--stdout", str(path)],
            capture_output=True,
            text=True,
            timeout=BICEP_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"{path}: bicep build failed: {exc}") from exc
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise InputError(f"{path}: bicep build failed: {' / '.join(detail[:5])}")
    return completed.stdout


@dataclass(frozen=True)
class Declaration:
    """A ``resource`` declaration in a Bicep file."""

    path: Path
    line: int
    end: int
    """Last line of the declaration's block (the line before the next declaration)."""


class SourceMap:
    """Finds the Bicep line of compiled resources and their properties."""

    def __init__(self, main: Path) -> None:
        self.lines: dict[Path, list[str]] = {}
        self.declarations: dict[str, list[Declaration]] = defaultdict(list)
        self.used: dict[str, int] = defaultdict(int)
        self._read(main, depth=0)

    def _read(self, path: Path, depth: int) -> None:
        path = Path(os.path.normpath(path))  # keeps a relative path relative, for reports
        if path in self.lines or depth > 10 or not path.is_file():
            return
        try:
            text = digests.read_bytes(path).decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise InputError(f"{path}: cannot read the file: {exc.strerror}") from exc
        lines = text.splitlines()
        self.lines[path] = lines
        starts = [i for i, line in enumerate(lines) if _DECLARATION_RE.match(line)]
        enclosing: list[tuple[int, str]] = []  # (indent, full type) of the open declarations
        for position, index in enumerate(starts):
            match = _RESOURCE_RE.match(lines[index])
            if match:
                end = starts[position + 1] if position + 1 < len(starts) else len(lines)
                indent = len(lines[index]) - len(lines[index].lstrip())
                while enclosing and enclosing[-1][0] >= indent:
                    enclosing.pop()
                arm_type = match.group(1)
                if "." not in arm_type.split("/", 1)[0] and enclosing:
                    # A nested child (`resource dep 'deployments' = {` inside its account)
                    # names only its own type segment; Bicep compiles it to the full type.
                    arm_type = f"{enclosing[-1][1]}/{arm_type}"
                enclosing.append((indent, arm_type))
                self.declarations[arm_type.lower()].append(Declaration(path, index + 1, end))
        for module in _MODULE_RE.findall(text):
            self._read(path.parent / module, depth + 1)

    def locate(self, arm_type: str) -> Declaration | None:
        """The next unused declaration of this type (the last one again for copy loops)."""
        found = self.declarations.get(arm_type.lower())
        if not found:
            return None
        index = min(self.used[arm_type.lower()], len(found) - 1)
        self.used[arm_type.lower()] += 1
        return found[index]

    def property_lines(self, declaration: Declaration, paths: list[str]) -> dict[str, int]:
        """Line of each dotted property path's last key within the declaration's block."""
        lines = self.lines[declaration.path]
        result: dict[str, int] = {}
        for dotted in paths:
            key = dotted.rsplit(".", 1)[-1]
            pattern = re.compile(rf"^\s*'?{re.escape(key)}'?\s*:")
            for number in range(declaration.line, declaration.end):
                if pattern.match(lines[number - 1]):
                    result[dotted] = number
                    break
        return result


def module_files(path: Path) -> list[Path]:
    """Local Bicep files ``path`` uses as modules (``module x './mod.bicep'``)."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror}") from exc
    return [(path.parent / module).resolve() for module in _MODULE_RE.findall(text)]
