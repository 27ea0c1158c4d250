"""How the inspector's pieces look: section titles, dim hints, read-only values, error
messages, and the red border of an editor whose value does not fit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from widgets.problems import ERROR_COLOUR

INVALID_STYLE = f"""
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QComboBox[invalid="true"] {{
    border: 1px solid {ERROR_COLOUR.name()};
    border-radius: 3px;
    padding: 2px 3px;
}}
QSpinBox[invalid="true"]::up-button, QSpinBox[invalid="true"]::down-button {{
    width: 0px;
    border: none;
}}
"""
"""A red border on invalid editors only; other widgets keep the style's own look. Styled
spin box arrows would look unlike the style's, so an invalid spin box shows none (the arrow
keys still step it back into range)."""


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a property it selects on (`invalid`) has changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def section_title(text: str) -> QLabel:
    """A small, spaced-out, upper-case heading over a part of the form."""
    label = QLabel(text.upper())
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setContentsMargins(0, 10, 0, 2)
    return label


def error_label() -> QLabel:
    """The message under an editor that says why its value does not fit."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
    label.setPalette(palette)
    small = QFont(label.font())
    small.setPointSizeF(small.pointSizeF() * 0.92)
    label.setFont(small)
    return label


def dim_label(text: str, wrap: bool = True) -> QLabel:
    """Secondary text (captions, hints) in the palette's placeholder colour."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def value_label(text: str, name: str) -> QLabel:
    """A value shown, not edited: selectable, and named so tests can find it."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
