"""Benchmark: the cost of ``--history`` at the medium estate: time and store size per scan.

    PYTHONPATH=. python benchmarks/history.py [--scans 3] [--history URL] [estate options]

Generates the medium estate of ``benchmarks/snapshot_scan.py``, evaluates it once, then records
``--scans`` nightly scans of it (one day apart) into a new store: a SQLite file in a temporary
folder, or ``--history postgresql://...`` (an empty database). Prints, per scan, the time to
read the lifecycles, to build the report with them and to record it, and the store's size. A
benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import time
from pathlib import Path

import sqlalchemy

from auditor.collect.snapshot import read_snapshots
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.history.lifecycle import lifecycles
from auditor.history.recording import new_scan_id
from auditor.history.store import HistoryStore, open_store
from auditor.history.url import engine_url, sqlite_file
from auditor.inventory import InventoryBuilder
from auditor.report.build import build_report
from benchmarks.snapshot_scan import add_estate_arguments, generate_estate, outcome_of

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def store_bytes(store: HistoryStore, url: str) -> int:
    """The store's size on disk: the SQLite file with its WAL, or the PostgreSQL database."""
    path = sqlite_file(engine_url(url))
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with store.engine.begin() as connection:
        size: int = connection.execute(
            sqlalchemy.text("SELECT pg_database_size(current_database())")
        ).scalar_one()
        return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_estate_arguments(parser)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--history", help="a store URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "estate"
        folder.mkdir()
        records = generate_estate(folder, args)
        rules = load_rules()
        builder = InventoryBuilder()
        read_snapshots([folder], builder)
        inventory = builder.build()
        results = evaluate(rules, inventory, START)
        subscriptions = list(inventory.subscriptions.values())
        url = args.history or f"sqlite:///{Path(tmp) / 'history.db'}"
        store = open_store(url)
        print(f"records read: {records}; results: {len(results)}; store: {store.shown}")
        print("scan  lifecycles  report  record  total   store size  findings")
        for night in range(args.scans):
            as_of = START + dt.timedelta(days=night)
            scan_id = new_scan_id()
            t0 = time.perf_counter()
            past = lifecycles(store, results, as_of, scan_id, {})
            t1 = time.perf_counter()
            outcome = dataclasses.replace(
                outcome_of(rules, results, as_of, subscriptions), lifecycle=past
            )
            report = build_report(outcome)
            t2 = time.perf_counter()
            store.record(report, scan_id)
            t3 = time.perf_counter()
            size = store_bytes(store, url) / 1e6
            print(
                f"{night + 1:>4}  {t1 - t0:>9.2f}s  {t2 - t1:>5.2f}s  {t3 - t2:>5.2f}s  "
                f"{t3 - t0:>5.2f}s  {size:>8.1f} MB  {len(report.findings)}"
            )
        store.close()


if __name__ == "__main__":
    main()
