"""``--shard K/N``: which subscriptions one job of an N-way split scans.

A subscription belongs to shard ``1 + (sha256(lower-cased id) mod N)``: the same id lands in
the same shard on every machine and every Python (``hash()`` is salted per process), and every
subscription is in exactly one shard. Records with no subscription (built-in role definitions,
tenant-level objects) are reference data every shard keeps.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from auditor.errors import InputError

_SYNTAX = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (both counted from 1)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` with 1 <= K <= N; anything else is an :class:`InputError` (exit 2)."""
        match = _SYNTAX.fullmatch(text)
        if match is None:
            raise InputError(f"--shard {text!r}: expected K/N, e.g. 2/4")
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= index <= count:
            raise InputError(f"--shard {text!r}: K must be from 1 to N (here 1 to {count})")
        return cls(index, count)

    def holds(self, subscription_id: str) -> bool:
        """Whether this shard scans the subscription."""
        return shard_of(subscription_id, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(subscription_id: str, count: int) -> int:
    """The shard (1..count) a subscription id belongs to, in any letter case."""
    digest = hashlib.sha256(subscription_id.strip().lower().encode("utf-8")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count
