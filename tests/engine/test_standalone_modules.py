"""The modules export copies beside train.py (engine.data.standalone) stand alone: they
import nothing of Netdesigner, and they are ruff clean at ruff's default line length, as
the rest of an exported folder is."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STANDALONE = Path(__file__).parents[2] / "engine" / "data" / "standalone"
MODULES = sorted(p for p in STANDALONE.glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_a_copied_module_imports_nothing_of_netdesigner(module):
    tree = ast.parse(module.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert not imported & {"engine", "designer", "widgets"}, imported


def test_the_copied_modules_are_ruff_clean_as_exported_code(tmp_path):
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(found).exists():
        pytest.skip("ruff is not installed")
    for module in MODULES:
        shutil.copy(module, tmp_path / module.name)
    result = subprocess.run(
        [found, "check", "--isolated", "--no-cache", "--target-version", "py310",
         "--select", "E,F,W,I,B,UP,SIM,RUF", "."], cwd=tmp_path, capture_output=True,
        text=True)
    assert result.returncode == 0, result.stdout
