"""The code's shape: management commands are thin wrappers nobody imports, and app modules stay readable.

Which package may import which is checked by import-linter (`make lint`, pyproject.toml)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "classroom", "engagement", "inference", "live", "loadtest")


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_code_or_test_imports_a_management_command_of_ours():
    def ours(module: str) -> bool:
        return module.split(".")[0] in PACKAGES and ".management.commands" in module

    importers = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if ours(m))
        for path in python_files(*PACKAGES, "tests")
    }
    assert {path: modules for path, modules in importers.items() if modules} == {}


def test_app_modules_stay_under_about_400_lines():
    apps = ("config", "classroom", "engagement", "live", "loadtest")
    long = {str(p.relative_to(ROOT)): n for p in python_files(*apps) if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
