"""Widget tests run offscreen: no display is needed, and none is used when there is one."""

import os

# before any QApplication exists (pytest-qt makes it lazily, in the first test that needs it)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
