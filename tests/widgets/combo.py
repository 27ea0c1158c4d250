"""Choosing from a combo box as a person does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox


def choose_from_list(combo: QComboBox, text: str) -> None:
    """Open the list with a click, move to the first entry starting with `text` with the
    arrow keys and press Return: one choice, one `activated`."""
    row = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    QTest.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    QTest.qWaitForWindowExposed(view.window())
    while view.currentIndex().row() != row:
        key = Qt.Key.Key_Down if view.currentIndex().row() < row else Qt.Key.Key_Up
        QTest.keyClick(view, key)
    QTest.keyClick(view, Qt.Key.Key_Return)
