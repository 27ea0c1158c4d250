"""Screenshots of a newcomer's second hour, at 1280×820 with no saved layout, each template
trained briefly first (`netdesigner train --epochs N`) so that the figures mean something:

- `inspect-digits_cnn.png`, `inspect-gesture_crnn.png`, `inspect-pulse_tagger.png`: the
  Inspect dock raised, sample 0 through the newest run's weights;
- `heat-collapsed-block.png`: the digits CNN's convolutions grouped into a collapsed block,
  coloured by MACs with the rest;
- `reopened-results.png`: the digits CNN opened again after its run: Results as the run
  left it.

    .venv/bin/python scripts/second_hour_screenshots.py [--dark] [--out docs/screenshots]
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.main_window import MainWindow  # noqa: E402
from engine.cli import main as netdesigner  # noqa: E402
from scripts.screenshots import close_window, started  # noqa: E402

EPOCHS = {"digits_cnn": 3, "gesture_crnn": 1, "pulse_tagger": 2}


def settle(app: QApplication, until=lambda: True, rounds: int = 4000) -> None:
    for _ in range(rounds):
        app.processEvents()
        QTest.qWait(20)
        if until():
            break
    for _ in range(10):
        app.processEvents()


def trained_copy(scratch: Path, name: str) -> Path:
    path = scratch / f"{name}.ndproj"
    shutil.copy(ROOT / "projects" / f"{name}.ndproj", path)
    assert netdesigner(["train", str(path), "--epochs", str(EPOCHS[name])]) == 0
    return path


def window_on(app: QApplication, scratch: Path, path: Path, purpose: str) -> MainWindow:
    """A window with settings of its own: no dock raised for an earlier shot."""
    window = MainWindow(QSettings(str(scratch / f"{path.stem}-{purpose}.ini"),
                                  QSettings.Format.IniFormat))
    window.resize(1280, 820)
    window.show()
    window.files.open_path(path, confirmed=True)
    settle(app, rounds=5)
    return window


def main(argv: list[str] | None = None) -> None:
    app, scratch, out, suffix = started(__doc__, argv)
    projects = {name: trained_copy(scratch, name) for name in EPOCHS}
    for name, path in projects.items():
        window = window_on(app, scratch, path, "inspect")
        dock = window.docks["inspect"]
        dock.show()
        dock.raise_()
        settle(app, lambda w=window: w.inspect_panel.look is not None and
               w.docks["inspect"].height() >= 300 and not w.inspect_panel.status.text()
               .startswith(("Opening", "Running")))
        window.grab().save(str(out / f"inspect-{name}{suffix}.png"))
        close_window(window)

    window = window_on(app, scratch, projects["digits_cnn"], "heat")
    window.scene.select_nodes(["conv1", "bn1", "relu1", "conv2", "bn2", "relu2"])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    window.layout_down_action.trigger()
    window.document.analyse_now()
    window.colour_by_actions["macs"].trigger()
    settle(app, rounds=10)
    window.grab().save(str(out / f"heat-collapsed-block{suffix}.png"))
    window.document.undo_stack.setClean()
    close_window(window)

    window = window_on(app, scratch, projects["digits_cnn"], "results")
    window.docks["training"].raise_()
    panel = window.training_panel
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    settle(app, lambda: window.docks["training"].height() >= 300, rounds=50)
    window.grab().save(str(out / f"reopened-results{suffix}.png"))
    close_window(window)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
