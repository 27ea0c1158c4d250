"""Start the designer window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from designer.main_window import MainWindow
from designer.theme import apply_theme
from designer.training_controller import keep_torch_off_the_gui_thread
from designer.training_runtime import close_shared_runtime


def run(file: str | None = None) -> int:
    keep_torch_off_the_gui_thread()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Netdesigner")
    app.setOrganizationName("Netdesigner")
    apply_theme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_theme(app))
    # Qt deletes clipboard data at process exit, after Python is gone; data we copied was
    # made in Python, so it must be released while Python still runs
    app.aboutToQuit.connect(lambda: app.clipboard().clear())
    app.aboutToQuit.connect(close_shared_runtime)
    window = MainWindow()
    window.show()
    restored = window.files.offer_recovery()
    if file and not restored:
        window.files.open_path(Path(file), confirmed=True)
    return app.exec()
