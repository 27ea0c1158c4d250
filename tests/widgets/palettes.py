"""A dark palette for checking that widgets follow the palette rather than assume white."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for colour_role, colour in ((role.Window, "#2d2d30"), (role.WindowText, "#e6e6e6"),
                                (role.Base, "#1e1e20"), (role.Text, "#e6e6e6"),
                                (role.Button, "#353538"), (role.ButtonText, "#e6e6e6"),
                                (role.Highlight, "#4080e0")):
        palette.setColor(colour_role, QColor(colour))
    return palette
