"""Screenshots of the designer with each template open, taken offscreen for the README.

    .venv/bin/python scripts/screenshots.py [--dark] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import designer.files  # noqa: E402
from designer.main_window import MainWindow  # noqa: E402
from designer.theme import apply_theme  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, dark=args.dark)
    scratch = Path(tempfile.mkdtemp())
    designer.files.recovery_directory = lambda: scratch / "recovery"
    args.out.mkdir(parents=True, exist_ok=True)
    for template in sorted((ROOT / "projects").glob("*.ndproj")):
        window = MainWindow(QSettings(str(scratch / "settings.ini"),
                                      QSettings.Format.IniFormat))
        window.resize(1500, 950)
        window.show()
        window.files.open_path(template, confirmed=True)
        window.document.analyse_now()
        first_layer = list(window.document.graph.nodes)[1]
        window.scene.select_nodes([first_layer])
        for _ in range(10):
            app.processEvents()
        suffix = "-dark" if args.dark else ""
        target = args.out / f"{template.stem}{suffix}.png"
        window.grab().save(str(target))
        print(target)
        window.files.autosave.stop()
        window.close()
    app.clipboard().clear()


if __name__ == "__main__":
    main()
