"""Screenshots of what a newcomer meets first, at 1280×820 with no saved layout:

- `first-window.png`: the window as it first opens;
- `training-first-start.png`: the digits CNN template with the Training dock raised, before
  any run;
- `templates-fit.png`: the canvas of every template after Fit to Window (Ctrl+0), which is
  also how it opens: the whole network when it reads so, else its start at a legible zoom;
- `templates-layout.png`: the same after Auto-layout (Ctrl+L), which wraps a long network
  into columns that fit the canvas.

    .venv/bin/python scripts/first_hour_screenshots.py [--dark] [--out docs/screenshots]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint, QRect, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.main_window import MainWindow  # noqa: E402
from scripts.screenshots import close_window, started  # noqa: E402

CELL = (420, 300)
"""Each template's canvas on a sheet, scaled to fit this box."""


def settle(app: QApplication) -> None:
    for _ in range(15):
        app.processEvents()


def first_window(scratch: Path, name: str) -> MainWindow:
    window = MainWindow(QSettings(str(scratch / f"{name}.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 820)
    window.show()
    return window


def sheet(pictures: list[tuple[str, QPixmap]], columns: int = 3) -> QPixmap:
    rows = -(-len(pictures) // columns)
    label = 22
    result = QPixmap(columns * CELL[0], rows * (CELL[1] + label))
    result.fill(QColor("white"))
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    for index, (name, picture) in enumerate(pictures):
        row, column = divmod(index, columns)
        left, top = column * CELL[0], row * (CELL[1] + label)
        painter.drawText(QRect(left, top, CELL[0], label), Qt.AlignmentFlag.AlignCenter, name)
        scaled = picture.scaled(CELL[0] - 8, CELL[1] - 4, Qt.AspectRatioMode.KeepAspectRatio,
                                Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap(QPoint(left + (CELL[0] - scaled.width()) // 2, top + label),
                           scaled)
    painter.end()
    return result


def main(argv: list[str] | None = None) -> None:
    app, scratch, out, suffix = started(__doc__, argv)

    window = first_window(scratch, "first")
    settle(app)
    window.grab().save(str(out / f"first-window{suffix}.png"))
    close_window(window)

    window = first_window(scratch, "training")
    window.files.open_path(ROOT / "projects" / "digits_cnn.ndproj", confirmed=True)
    window.docks["training"].raise_()
    settle(app)
    window.grab().save(str(out / f"training-first-start{suffix}.png"))
    close_window(window)

    fitted, laid_out = [], []
    window = first_window(scratch, "templates")
    for template in sorted((ROOT / "projects").glob("*.ndproj")):
        window.files.open_path(template, confirmed=True)
        settle(app)
        window.fit_to_window()
        settle(app)
        fitted.append((window.document.project.name, window.view.grab()))
        window.auto_layout("top-to-bottom")
        settle(app)
        laid_out.append((window.document.project.name, window.view.grab()))
    close_window(window)
    sheet(fitted).save(str(out / f"templates-fit{suffix}.png"))
    sheet(laid_out).save(str(out / f"templates-layout{suffix}.png"))
    for name in ("first-window", "training-first-start", "templates-fit", "templates-layout"):
        print(out / f"{name}{suffix}.png")


if __name__ == "__main__":
    main()
