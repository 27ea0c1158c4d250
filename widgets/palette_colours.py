"""Widgets drawn like a page of content in the application palette's colours: the background
from Base and the text from Text, so that they read in a light and a dark theme alike, and
drawn again whenever the palette changes (a theme switch reaches them as a change event).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget


def is_palette_change(event: QEvent) -> bool:
    """The widget's own palette changed, or the application's it inherits."""
    return event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)


class PaletteFollowingWidget(QWidget):
    """Reads `_background` (Base) and `_text` (Text) in `_apply_palette`, which runs again on
    every palette change. A subclass extends `_apply_palette` to restyle what it draws, and
    calls it once its parts exist (at the end of its __init__)."""

    _background: QColor
    _text: QColor

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if is_palette_change(event):
            self._apply_palette()

    def _apply_palette(self) -> None:
        palette = self.palette()
        self._background = palette.color(QPalette.ColorRole.Base)
        self._text = palette.color(QPalette.ColorRole.Text)
