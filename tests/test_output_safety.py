"""Output that is safe to keep: snapshot folders replaced only when ours, report sets written
all or nothing (under real faults and real interrupts), files with the umask's permissions."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from auditor.atomic import write_files
from auditor.collect.snapshot import read_snapshots
from auditor.collect.writer import check_destination, write_snapshot
from auditor.demo import DEMO_DIR
from auditor.errors import InputError, ReportError
from auditor.inventory import Inventory, InventoryBuilder
from auditor.report.formats import parse_formats, write_reports
from auditor.report.reader import read_document
from tests.conftest import TEST_NOW
from tests.emulator import ArmEmulator
from tests.test_live_scan import live_args

ALL_FORMATS = "json,html,sarif,junit,csv,markdown"
OLD_AS_OF = "2026-06-01"
"""Reports judged as of another day differ from a default demo scan: an old set to keep."""


@pytest.fixture(scope="module")
def demo_inventory() -> Inventory:
    """The demo estate as an inventory, to write snapshot folders from."""
    builder = InventoryBuilder()
    read_snapshots([DEMO_DIR], builder, kind="demo")
    return builder.build()


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run the block under ``mask``, then put the process umask back."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder``, hidden ones included: files -> bytes, folders -> None."""
    return {
        str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def subscription_folder(snapshot: Path) -> str:
    """The name of one subscription folder of a written snapshot."""
    return next(p.name for p in sorted(snapshot.iterdir()) if p.is_dir() and p.name != "tenant")


# --- snapshot folders --------------------------------------------------------------------


def test_a_snapshot_folder_it_wrote_is_replaced_and_nothing_is_left_beside_it(
    demo_inventory: Inventory, tmp_path: Path
) -> None:
    """Writing over a snapshot this tool wrote replaces it; no staging or old folder remains."""
    destination = tmp_path / "snap"
    write_snapshot(demo_inventory, destination, TEST_NOW)
    first = tree(destination)
    write_snapshot(demo_inventory, destination, TEST_NOW + dt.timedelta(days=1))
    second = tree(destination)
    assert set(second) == set(first)
    assert second["manifest.json"] != first["manifest.json"]  # the new collected_at
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]
    (tmp_path / "empty").mkdir()
    assert write_snapshot(demo_inventory, tmp_path / "empty", TEST_NOW) == len(
        [v for v in second.values() if v is not None]
    )


@pytest.mark.parametrize(
    ("planted", "named"),
    [
        ("notes.txt", "notes.txt"),
        ("{sub}/my-analysis.json", "{sub}/my-analysis.json"),
        ("backup/workspaces.json", "backup"),
        ("tenant/.keep", "tenant/.keep"),
        ("extra-folder/", "extra-folder"),
        ("{sub}/computes.json/", "{sub}/computes.json"),
    ],
)
def test_a_snapshot_folder_holding_any_file_it_did_not_write_is_left_whole(
    demo_inventory: Inventory, tmp_path: Path, planted: str, named: str
) -> None:
    """One foreign file or folder anywhere in a snapshot folder: exit 2 naming it, nothing lost."""
    destination = tmp_path / "snap"
    write_snapshot(demo_inventory, destination, TEST_NOW)
    sub = subscription_folder(destination)
    target = destination / planted.format(sub=sub)
    if planted.endswith("/"):
        if target.exists():
            target.unlink()
        target.mkdir()
    else:
        target.parent.mkdir(exist_ok=True)
        target.write_text("the user's own work", "utf-8")
    before = tree(destination)
    with pytest.raises(InputError) as raised:
        write_snapshot(demo_inventory, destination, TEST_NOW + dt.timedelta(days=1))
    assert str(destination) in str(raised.value)
    assert named.format(sub=sub) in str(raised.value)
    assert tree(destination) == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]


@pytest.mark.parametrize(
    "manifest",
    [
        b'{"kind": "something-else"}',
        b'{"kind": "auditor-snapshot-manifest"',
        b"[]",
        b"\xff\xfe not text",
        None,
    ],
)
def test_a_folder_whose_manifest_is_not_ours_is_never_replaced(
    demo_inventory: Inventory, tmp_path: Path, manifest: bytes | None
) -> None:
    """A manifest.json of another kind, malformed or missing: exit 2, the folder untouched."""
    destination = tmp_path / "evidence"
    destination.mkdir()
    (destination / "report.docx").write_bytes(b"the auditor's notes")
    if manifest is not None:
        (destination / "manifest.json").write_bytes(manifest)
    before = tree(destination)
    with pytest.raises(InputError, match="not replaced"):
        write_snapshot(demo_inventory, destination, TEST_NOW)
    assert tree(destination) == before


def test_a_symlinked_manifest_or_destination_is_refused(
    demo_inventory: Inventory, tmp_path: Path
) -> None:
    """A link as the destination (to a snapshot or dangling) or as a manifest: exit 2, no change."""
    real = tmp_path / "real"
    write_snapshot(demo_inventory, real, TEST_NOW)
    before = tree(real)
    for name, target in (("link", real), ("dangling", tmp_path / "nowhere")):
        (tmp_path / name).symlink_to(target)
        with pytest.raises(InputError, match="symbolic link"):
            write_snapshot(demo_inventory, tmp_path / name, TEST_NOW)
    assert tree(real) == before
    assert not (tmp_path / "nowhere").exists()
    linked = tmp_path / "linked-manifest"
    linked.mkdir()
    (linked / "manifest.json").symlink_to(real / "manifest.json")
    with pytest.raises(InputError, match=r"no manifest\.json this tool wrote"):
        write_snapshot(demo_inventory, linked, TEST_NOW)
    file = tmp_path / "a-file"
    file.write_text("x", "utf-8")
    with pytest.raises(InputError, match="not a folder"):
        write_snapshot(demo_inventory, file, TEST_NOW)
    with pytest.raises(InputError, match=f"cannot be created: {file} is not a folder"):
        check_destination(file / "deeper" / "snap")
    assert file.read_text("utf-8") == "x"


def test_a_full_disk_while_a_snapshot_is_written_keeps_the_old_one(
    demo_inventory: Inventory, tmp_path: Path
) -> None:
    """A real EFBIG (RLIMIT_FSIZE, lowered for this process and put back) while the new
    snapshot is written: exit 2 naming the folder, the old snapshot whole, nothing beside it."""
    destination = tmp_path / "snap"
    write_snapshot(demo_inventory, destination, TEST_NOW)
    before = tree(destination)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    biggest = max(len(v or b"") for v in before.values())
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest // 2, hard))
    try:
        with pytest.raises(InputError, match="cannot write the snapshot") as raised:
            write_snapshot(demo_inventory, destination, TEST_NOW + dt.timedelta(days=1))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert str(destination) in str(raised.value)
    assert tree(destination) == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]


def test_links_in_the_parent_folders_are_followed_once(
    demo_inventory: Inventory, tmp_path: Path
) -> None:
    """A destination under a linked folder is written in the real folder the link named."""
    (tmp_path / "real").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    assert check_destination(tmp_path / "via" / "snap") == tmp_path / "real" / "snap"
    write_snapshot(demo_inventory, tmp_path / "via" / "snap", TEST_NOW)
    assert (tmp_path / "real" / "snap" / "manifest.json").is_file()
    assert (tmp_path / "via").is_symlink()


def test_collect_and_save_snapshot_refuse_before_the_first_request(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """A refused destination is exit 2 with no traceback and no request sent to ARM."""
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "manifest.json").write_text('{"kind": "my-own-inventory"}', "utf-8")
    (precious / "hosts.txt").write_text("mine", "utf-8")
    (tmp_path / "link").symlink_to(precious)
    before = tree(precious)
    live = ["--arm-endpoint", emulator.url, "--auth", "token"]
    for args, said in (
        (["collect", "--output", str(precious), *live], "manifest.json is not of kind"),
        (["collect", "--output", str(tmp_path / "link"), *live], "is a symbolic link"),
        (live_args(emulator, "--save-snapshot", str(precious)), "manifest.json is not of kind"),
        (live_args(emulator, "--save-snapshot", str(tmp_path / "link")), "is a symbolic link"),
    ):
        result = run_cli(args)
        assert result.code == 2, result.err
        assert said in result.err and "Traceback" not in result.err
        assert emulator.log == []
    assert tree(precious) == before
    assert not (tmp_path / "reports").exists()


# --- permissions -------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_every_file_written_gets_the_permissions_the_umask_gives(
    mask: int, run_cli: Any, tmp_path: Path, demo_inventory: Inventory
) -> None:
    """Reports, snapshot files and folders, the diff file and the suppressions file: 0o666 and
    0o777 less the umask, not mkstemp's 0600."""
    with umask(mask):
        scan = run_cli(["scan", "--demo", "--format", ALL_FORMATS], output_dir=tmp_path / "new")
        write_snapshot(demo_inventory, tmp_path / "snap", TEST_NOW)
        report = str(scan.output_dir / "auditor.json")
        diff = run_cli(["diff", report, report, "-o", str(tmp_path / "diff"), "--quiet"])
        suppress = run_cli(
            [
                *("suppress", "AIS001", "/subscriptions/x/resourceGroups/rg/*"),
                *("--reason", "accepted", "--owner", "me@example.com", "--expires", "2027-01-15"),
                *("--suppressions", str(tmp_path / "s" / "suppressions.yaml")),
            ]
        )
    assert (scan.code, suppress.code) == (1, 0) and diff.code != 2, suppress.err + diff.err
    files = [
        *scan.output_dir.iterdir(),
        *(p for p in (tmp_path / "snap").rglob("*") if p.is_file()),
        tmp_path / "diff" / "auditor.diff.json",
        tmp_path / "s" / "suppressions.yaml",
    ]
    folders = [
        scan.output_dir,
        tmp_path / "snap",
        *(p for p in (tmp_path / "snap").iterdir() if p.is_dir()),
        tmp_path / "diff",
    ]
    assert len(files) > 10
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == {
        p.name: 0o666 & ~mask for p in files
    }
    assert {str(p): p.stat().st_mode & 0o777 for p in folders} == {
        str(p): 0o777 & ~mask for p in folders
    }


# --- report sets: all or nothing ---------------------------------------------------------


def test_an_input_error_writes_no_file_and_no_folder(run_cli: Any, tmp_path: Path) -> None:
    """Exit 2 before the reports (a missing baseline, a file where the report folder goes)
    creates neither files nor the folder."""
    result = run_cli(
        ["scan", "--demo", "--baseline", str(tmp_path / "missing.json")],
        output_dir=tmp_path / "new" / "reports",
    )
    assert result.code == 2
    assert not (tmp_path / "new").exists()
    a_file = tmp_path / "a-file"
    a_file.write_text("mine", "utf-8")
    for output in (a_file, a_file / "reports"):
        refused = run_cli(["scan", "--demo"], output_dir=output)
        assert refused.code == 2 and f"{a_file} is not a folder" in refused.err
    assert a_file.read_text("utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_folder_in_the_way_of_one_report_puts_the_earlier_ones_back(
    run_cli: Any, tmp_path: Path
) -> None:
    """A folder where the last report of the set goes: the scan refuses before it starts
    (exit 2 naming it), and a write that meets it puts the reports already renamed into
    place back to the old set, leaving no temporary file."""
    out = tmp_path / "out"
    formats = ["--format", "json,csv,sarif,markdown"]
    old = run_cli(
        ["scan", "--demo", *formats, "--as-of", OLD_AS_OF, "--include-passed"], output_dir=out
    )
    assert old.code == 1
    (out / "auditor.md").unlink()
    (out / "auditor.md").mkdir()
    (out / "auditor.md" / "keep.txt").write_text("mine", "utf-8")
    before = tree(out)
    refused = run_cli(["scan", "--demo", *formats], output_dir=out)
    assert refused.code == 2
    assert f"{out / 'auditor.md'} is a folder" in refused.err
    assert tree(out) == before
    document = old.report()
    document["scan"]["as_of"] = "2026-12-01T00:00:00Z"  # any change: a new set differs
    with pytest.raises(ReportError, match="a folder is in the way"):
        write_reports(read_document(document, "old"), parse_formats("json,csv,sarif,markdown"), out)
    assert tree(out) == before


def test_no_snapshot_is_saved_when_the_scan_ends_in_exit_2(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """A live scan that fails on a later input (a malformed suppressions file) writes neither
    the snapshot nor a report."""
    bad = tmp_path / "suppressions.yaml"
    bad.write_text("suppressions: 5\n", "utf-8")
    saved = tmp_path / "saved"
    result = run_cli(live_args(emulator, "--save-snapshot", str(saved), "--suppressions", str(bad)))
    assert result.code == 2, result.err
    assert not saved.exists() and not (tmp_path / "reports").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _scan_subprocess(
    out: Path, *extra: str, limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:  # runs in the child only
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--demo", "--quiet", "-o", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )


def test_a_full_disk_in_the_middle_of_the_set_leaves_the_old_set(tmp_path: Path) -> None:
    """A real EFBIG (RLIMIT_FSIZE) while the fourth report is written: exit 2, the old set
    byte for byte, no temporary file, and a folder the write created is removed again."""
    formats = ("--format", "markdown,csv,json,html")
    out = tmp_path / "out"
    assert _scan_subprocess(out, *formats, "--as-of", OLD_AS_OF).returncode == 1
    before = tree(out)
    sizes = sorted(len(v or b"") for v in before.values())
    limit = (sizes[-2] + sizes[-1]) // 2  # every report fits but the HTML one
    assert len(before["auditor.html"] or b"") > limit > len(before["auditor.json"] or b"")
    failed = _scan_subprocess(out, *formats, limit=limit)
    assert failed.returncode == 2, failed.stderr
    assert "cannot write reports" in failed.stderr and "Traceback" not in failed.stderr
    assert tree(out) == before
    new_folder = tmp_path / "new" / "deeper"
    assert _scan_subprocess(new_folder, *formats, limit=limit).returncode == 2
    assert not (tmp_path / "new").exists()


def interrupt_at(index: int, times: int, folder: Path, action: Callable[[], object]) -> set[str]:
    """Run ``action``, raising SIGINT ``times`` times just before its ``index``-th call of a C
    function (a real signal, through whatever handler is installed then). Returns the hidden
    files (temporary and old ones) in ``folder`` at that moment; the KeyboardInterrupt that
    must follow is re-raised after them being recorded."""
    count = 0
    seen: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event != "c_call" or arg is sys.setprofile:
            return
        if count == index:
            seen.update(p.name for p in folder.iterdir() if p.name.startswith("."))
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)
        count += 1

    with no_collector():
        sys.setprofile(profile)
        try:
            action()
        except KeyboardInterrupt:
            return seen
        finally:
            sys.setprofile(None)
    raise AssertionError(f"the interrupt at C call {index} never reached the caller")


def c_calls(action: Callable[[], object]) -> int:
    """How many C functions ``action`` calls (the points an interrupt can land between)."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        count += event == "c_call" and arg is not sys.setprofile

    with no_collector():
        sys.setprofile(profile)
        try:
            action()
        finally:
            sys.setprofile(None)
    return count


@contextlib.contextmanager
def no_collector() -> Iterator[None]:
    """The garbage collector off (after one collection): finalizers of other tests' garbage
    would otherwise add C calls at random points and shift the sweep's numbering."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("times", [1, 2])
def test_an_interrupt_at_any_step_never_leaves_a_mix_or_a_temporary_file(
    tmp_path: Path, times: int
) -> None:
    """SIGINT before each C call of a report-set write, once (held until the set is complete)
    and twice (the second aborts at once): always the whole old or the whole new set after."""
    names = ("auditor.json", "auditor.sarif", "auditor.md")
    old = {tmp_path / n: f"old {n}\n" for n in names}
    new = {tmp_path / n: f"new {n}\n" * 1000 for n in names}
    whole_old = {n: text.encode() for n, text in zip(names, old.values(), strict=True)}
    whole_new = {n: text.encode() for n, text in zip(names, new.values(), strict=True)}

    def put_old_set() -> None:
        for path in tmp_path.iterdir():
            path.unlink()
        for name, data in whole_old.items():
            (tmp_path / name).write_bytes(data)

    put_old_set()
    calls = c_calls(lambda: write_files(new))
    assert calls > 20
    outcomes: list[tuple[str, set[str]]] = []
    for index in range(calls):
        put_old_set()
        hidden = interrupt_at(index, times, tmp_path, lambda: write_files(new))
        contents = tree(tmp_path)
        assert contents in (whole_old, whole_new), (index, sorted(contents))
        outcomes.append(("new" if contents == whole_new else "old", hidden))
    kinds = [kind for kind, _ in outcomes]
    if times == 1:
        # Only an interrupt before the write began finds the old set: once started, it completes.
        first_new = kinds.index("new")
        assert set(kinds[first_new:]) == {"new"}
        assert first_new < calls // 4
    else:
        mid_write = [kind for kind, hidden in outcomes if hidden]
        mid_commit = [kind for kind, hidden in outcomes if any(h.endswith(".old") for h in hidden)]
        # Rolled back after temporary files were written, and after old files were moved aside.
        assert "old" in mid_write and "old" in mid_commit
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_at_any_step_of_a_snapshot_write_keeps_one_whole_snapshot(
    tmp_path: Path,
) -> None:
    """Two SIGINTs (the second aborts) before each C call of a snapshot replacement: the
    destination holds the whole old or the whole new snapshot, and nothing is left beside it."""
    account = {
        "id": "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": "a",
        "properties": {},
    }
    source = tmp_path / "in.json"
    source.write_text(json.dumps(account), "utf-8")
    builder = InventoryBuilder()
    read_snapshots([source], builder)
    inventory = builder.build()
    pristine, work = tmp_path / "pristine", tmp_path / "work"
    write_snapshot(inventory, pristine, TEST_NOW)
    later = TEST_NOW + dt.timedelta(days=1)
    write_snapshot(inventory, tmp_path / "newer", later)
    whole_old, whole_new = tree(pristine), tree(tmp_path / "newer")
    destination = work / "snap"

    def put_old_snapshot() -> None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        shutil.copytree(pristine, destination)

    put_old_snapshot()
    calls = c_calls(lambda: write_snapshot(inventory, destination, later))
    # Every third point while the staging folder is written (the same few steps per file),
    # every point of the last 150: the re-check, the swap and the clean-up after it.
    points = sorted({*range(0, calls, 3), *range(max(calls - 150, 0), calls)})
    kinds = []
    for index in points:
        put_old_snapshot()
        interrupt_at(index, 2, work, lambda: write_snapshot(inventory, destination, later))
        assert [p.name for p in work.iterdir()] == ["snap"], index
        contents = tree(destination)
        assert contents in (whole_old, whole_new), (index, sorted(contents))
        kinds.append("new" if contents == whole_new else "old")
    assert kinds[0] == "old" and kinds[-1] == "new"
    first_new = points[kinds.index("new")]
    assert first_new > calls - 150 + 20  # the swap lies inside the window swept point by point
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
