"""Regenerate auditor/data/builtin-roles.json, the table of Azure built-in roles.

    python scripts/make_builtin_roles.py SOURCE [--output FILE] [--source-url URL]
        [--source-commit SHA] [--source-date DATE]

SOURCE is a local copy of one of these (CI has no network, so fetch it first):

- a folder of `az role definition list` records, one JSON file per role, such as the
  ``azure-roles/`` folder of https://github.com/easimon/azure-builtin-roles (refreshed daily
  from `az role definition list`): ``git clone --depth 1 <that repository>``;
- the output of ``az role definition list --query "[?roleType=='BuiltInRole']" -o json``
  saved to a file (the authoritative list of your own cloud);
- Microsoft's reference pages, ``articles/role-based-access-control/built-in-roles/*.md`` of
  https://github.com/MicrosoftDocs/azure-docs (each role's JSON is in a ```json block).

Folders are read recursively; ``.json`` files may hold one definition or a list, in the
`az` shape (``roleName`` at the top) or the ARM shape (under ``properties``). Only built-in
roles are kept, and of each only its GUID, name and permissions (actions, notActions,
dataActions, notDataActions): descriptions and ABAC conditions are left out. The source's
commit and date are recorded in the file (read with git when SOURCE is in a git work tree).
The output depends only on the input: same source, same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "auditor/data/builtin-roles.json"
LISTS = ("actions", "notActions", "dataActions", "notDataActions")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


class SourceError(Exception):
    """The source cannot be turned into a role table; the message names the file."""


def _documents(path: Path) -> Iterator[tuple[Path, Any]]:
    """Every JSON document of the source, with the file it came from."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() not in (".json", ".md"):
            continue
        text = file.read_text(encoding="utf-8-sig")
        blocks = [m.group(1) for m in JSON_BLOCK.finditer(text)] if file.suffix == ".md" else [text]
        for block in blocks:
            try:
                yield file, json.loads(block)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{file}: not valid JSON: {exc}") from exc


def _definitions(document: Any) -> Iterator[Mapping[str, Any]]:
    items = document if isinstance(document, list) else [document]
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("properties"), Mapping):
            yield {**item["properties"], "id": item.get("id"), "name": item.get("name")}
        elif isinstance(item, Mapping) and "roleName" in item:
            yield item


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def _compact(definition: Mapping[str, Any], file: Path) -> dict[str, Any] | None:
    """The kept fields of one built-in role, or None for a custom role."""
    # `az` calls it roleType; ARM keeps it as properties.type.
    role_type = definition.get("roleType") or definition.get("type")
    if role_type != "BuiltInRole":
        return None
    name = definition.get("roleName")
    guid = str(definition.get("name") or str(definition.get("id") or "").rsplit("/", 1)[-1])
    guid = guid.lower()
    if not isinstance(name, str) or not name.strip():
        raise SourceError(f"{file}: role {guid or '?'} has no roleName")
    if not GUID.match(guid):
        raise SourceError(f"{file}: role {name!r} has no well-formed GUID (got {guid!r})")
    permissions = definition.get("permissions")
    if not isinstance(permissions, list) or not permissions:
        raise SourceError(f"{file}: role {name!r} has no permissions list")
    kept = []
    for index, permission in enumerate(permissions):
        if not isinstance(permission, Mapping):
            raise SourceError(f"{file}: role {name!r} permissions[{index}] is not an object")
        where = f"{file}: role {name!r} permissions[{index}]"
        kept.append({key: _strings(permission.get(key), f"{where}.{key}") for key in LISTS})
    return {"id": guid, "name": name, "permissions": kept}


def read_roles(path: Path) -> list[dict[str, Any]]:
    """Every built-in role of the source, sorted by name; duplicates must agree."""
    by_guid: dict[str, dict[str, Any]] = {}
    for file, document in _documents(path):
        for definition in _definitions(document):
            role = _compact(definition, file)
            if role is None:
                continue
            seen = by_guid.setdefault(role["id"], role)
            if seen != role:
                raise SourceError(f"{file}: role {role['id']} appears twice with different content")
    names: dict[str, str] = {}
    for role in by_guid.values():
        other = names.setdefault(role["name"].lower(), role["id"])
        if other != role["id"]:
            raise SourceError(f"role name {role['name']!r} is used by {other} and {role['id']}")
    if not by_guid:
        raise SourceError(f"{path}: no built-in role definition found")
    return sorted(by_guid.values(), key=lambda r: (r["name"].lower(), r["id"]))


def _git(path: Path, *args: str) -> str | None:
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def render(roles: list[dict[str, Any]], source: Mapping[str, str | None]) -> str:
    """The data file's text: metadata, then one role per line (small, reviewable diffs)."""
    head = {
        "source": dict(source),
        "generated_by": "scripts/make_builtin_roles.py",
        "kept": "GUID, roleName and permissions (no descriptions, no ABAC conditions)",
        "count": len(roles),
    }
    lines = [json.dumps(role, separators=(",", ":"), ensure_ascii=False) for role in roles]
    header = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return header + ',\n "roles": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    """Read the source, write the data file; exit 2 naming the file on a bad source."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder or file holding role definitions")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--source-url", help="where the source was published")
    parser.add_argument("--source-commit", help="the source's commit (default: git, if any)")
    parser.add_argument("--source-date", help="the source's date (default: git, if any)")
    args = parser.parse_args(argv)
    try:
        roles = read_roles(args.source)
    except (SourceError, OSError) as exc:
        print(f"make_builtin_roles: {exc}", file=sys.stderr)
        return 2
    source = {
        "url": args.source_url or _git(args.source, "remote", "get-url", "origin"),
        "commit": args.source_commit or _git(args.source, "rev-parse", "HEAD"),
        "date": args.source_date or _git(args.source, "log", "-1", "--format=%cI"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(roles, source), encoding="utf-8")
    print(f"wrote {len(roles)} built-in roles to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
