"""Screenshots of the training dock during and after a run of each example, taken
offscreen: `<stem>-training.png` halfway through the first epoch, `<stem>-trained.png`
(curves) and `<stem>-results.png` (confusion matrix and samples) when the run has ended.

    .venv/bin/python scripts/training_screenshots.py [--epochs 2] [--out DIR] [--dark]

The projects are copied to a temporary folder, so their runs do not land in projects/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import designer.files  # noqa: E402
from designer.main_window import MainWindow  # noqa: E402
from designer.theme import apply_theme  # noqa: E402
from engine.project import load_project, save_project  # noqa: E402


def wait_until(app: QApplication, condition, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the run took too long")
        app.processEvents()
        time.sleep(0.02)


def shoot(window: MainWindow, app: QApplication, target: Path) -> None:
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(target))
    print(target)


def shoot_a_run(app: QApplication, template: Path, epochs: int, scratch: Path, out: Path,
                suffix: str) -> None:
    copy = scratch / template.name
    shutil.copy(template, copy)
    project = load_project(copy)
    project.training = {**project.training, "epochs": epochs}
    save_project(project, copy)
    window = MainWindow(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1500, 950)
    window.show()
    window.files.open_path(copy, confirmed=True)
    panel = window.training_panel
    window.start_training()
    progress = panel.progress
    wait_until(app, lambda: progress.maximum() > 1
               and progress.value() >= progress.maximum() // (2 * epochs))
    shoot(window, app, out / f"{template.stem}-training{suffix}.png")
    wait_until(app, lambda: not window.training.running)
    panel.tabs.setCurrentIndex(0)
    shoot(window, app, out / f"{template.stem}-trained{suffix}.png")
    panel.tabs.setCurrentIndex(1)
    shoot(window, app, out / f"{template.stem}-results{suffix}.png")
    window.document.undo_stack.setClean()
    window.files.autosave.stop()
    window.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("projects", nargs="*", help="stems of projects/*.ndproj (default all)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, dark=args.dark)
    scratch = Path(tempfile.mkdtemp())
    designer.files.recovery_directory = lambda: scratch / "recovery"
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if args.dark else ""
    for template in sorted((ROOT / "projects").glob("*.ndproj")):
        if not args.projects or template.stem in args.projects:
            shoot_a_run(app, template, args.epochs, scratch, args.out, suffix)
    app.clipboard().clear()


if __name__ == "__main__":
    main()
