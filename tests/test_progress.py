"""Progress of the offline stages: shown on a terminal (a real pseudo-terminal), never in a
log or with --quiet, and cleared before the summary."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

STAGES = ("reading evidence files", "evaluating rules", "writing reports")
CLEAR = "\r\x1b[2K"


def _stderr_of(args: list[str], tmp_path: Path, terminal: bool) -> str:
    """Run ``auditor`` with stderr on a pseudo-terminal (or a pipe); returns what it wrote."""
    command = [sys.executable, "-m", "auditor", *args, "-o", str(tmp_path / "out")]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode in (0, 1), done.stderr
        return done.stderr
    main, side = pty.openpty()
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=side
    )
    os.close(side)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert child.wait(timeout=300) in (0, 1)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_terminal_shows_each_stage_and_the_summary_starts_on_a_clean_line(
    tmp_path: Path,
) -> None:
    """Files read (with the records so far), rules evaluated, reports written: each stage is
    drawn as it starts, and the line is cleared before the summary is printed."""
    shown = _stderr_of(["scan", "--demo", "--format", "json,html"], tmp_path, terminal=True)
    for stage in STAGES:
        assert f"{CLEAR}auditor: {stage} " in shown, shown
    assert "records" in shown and "auditor.json" in shown
    positions = [shown.index(f"auditor: {stage} ") for stage in STAGES]
    assert positions == sorted(positions)  # in the order they run
    last_progress = shown.rindex("auditor: writing reports ")
    summary = shown.index("wrote ")
    assert shown.rfind(CLEAR, last_progress, summary) > last_progress  # cleared before it


def test_a_log_and_quiet_get_no_progress(tmp_path: Path) -> None:
    """A pipe (a CI log) gets the summary only; --quiet on a terminal gets nothing at all."""
    logged = _stderr_of(["scan", "--demo", "--format", "json"], tmp_path, terminal=False)
    assert "wrote " in logged
    assert "\x1b" not in logged and not any(stage in logged for stage in STAGES)
    quiet = _stderr_of(["scan", "--demo", "--format", "json", "--quiet"], tmp_path, terminal=True)
    assert not any(stage in quiet for stage in STAGES) and "\x1b" not in quiet
