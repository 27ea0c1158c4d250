import os

import pytest
import torch

# GUI tests run without a display; this must be set before any QApplication exists
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests train tiny networks; one intra-op thread keeps them fast and steady even when the
# machine is busy (OpenMP threads that wait for each other are slow under contention).
torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _clipboard_emptied_at_the_end():
    """Qt deletes the clipboard's data when the process exits, after Python has finished:
    data a test put there (made in Python) must go while Python still runs."""
    yield
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()
