"""Print the package's module map: lines per module, what each imports from the package, and
the longest functions. Maintainers run it before and after a redesign to show what moved:

    python scripts/module_map.py [--longest 15] [--package auditor]
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, package_root: Path) -> str:
    """``auditor/report/html.py`` -> ``auditor.report.html`` (``__init__`` names its package)."""
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_imports(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    """Every module of the package this file imports, at any depth (deferred imports too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == package)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == package
        ):
            # ``from auditor import arm`` imports the module ``auditor.arm``, not the package.
            names = {f"{node.module}.{a.name}" for a in node.names} & modules
            found.update(names or {node.module})
    return found


def functions(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method."""
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                end = child.end_lineno or child.lineno
                out.append((end - child.lineno + 1, f"{module}:{prefix}{child.name}"))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="auditor")
    parser.add_argument("--longest", type=int, default=15)
    args = parser.parse_args()
    package_root = ROOT / args.package
    every: list[tuple[int, str]] = []
    total = 0
    paths = sorted(package_root.rglob("*.py"))
    modules = {module_name(p, package_root) for p in paths}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        name = module_name(path, package_root)
        lines = len(text.splitlines())
        total += lines
        imports = sorted(
            i.removeprefix(f"{args.package}.") for i in package_imports(tree, args.package, modules)
        )
        print(f"{lines:5d}  {name}" + (f"  <- {', '.join(imports)}" if imports else ""))
        every.extend(functions(tree, name))
    print(f"{total:5d}  total")
    print(f"\nlongest functions ({args.longest}):")
    for lines, name in sorted(every, reverse=True)[: args.longest]:
        print(f"{lines:5d}  {name}")


if __name__ == "__main__":
    main()
