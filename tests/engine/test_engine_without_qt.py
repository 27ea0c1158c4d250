"""The engine imports with no display and no Qt: the CLI and cluster jobs need nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

PROBE = """
import importlib.abc, pkgutil, sys

class RefuseQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'):
            raise ImportError(f'{name} is not installed here')

sys.meta_path.insert(0, RefuseQt())
import engine
for module in pkgutil.walk_packages(engine.__path__, 'engine.'):
    if module.name != 'engine.__main__':
        __import__(module.name)
from engine.cli import main
main(['summary', 'projects/digits_cnn.ndproj'])
"""


def test_every_engine_module_imports_without_qt_or_a_display():
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "total parameters: 151,498" in result.stdout
