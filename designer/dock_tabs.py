"""Works around stray dock tab bars in Qt 6.11's QMainWindow.

When docks are tabified before the window is first shown, or when `restoreState` rebuilds
the tab groups, QMainWindowLayout makes a new tab bar for a group but leaves the old one
visible where it was. The layout never moves the old one again, so after the next resize it
shows up as a second "Problems | Training" strip floating over another dock. A tab bar the
layout still uses always sits against one of the docks it lists, outside it; any other (one
over a dock's inside) is stray.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

TOUCHING = 4
"""Pixels between a live tab bar and its dock: it sits right below or beside the dock."""


def stray_dock_tab_bars(window: QMainWindow) -> list[QTabBar]:
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)
             if dock.parent() is window}
    stray = []
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible():
            continue
        listed = [docks[bar.tabText(i)] for i in range(bar.count()) if bar.tabText(i) in docks]
        area = bar.geometry().adjusted(-TOUCHING, -TOUCHING, TOUCHING, TOUCHING)
        if not any(dock.isVisible() and dock.geometry().intersects(area)
                   and not _inside(dock).intersects(bar.geometry()) for dock in listed):
            stray.append(bar)
    return stray


def _inside(dock: QDockWidget):
    return dock.geometry().adjusted(TOUCHING, TOUCHING, -TOUCHING, -TOUCHING)


def hide_stray_dock_tab_bars(window: QMainWindow) -> int:
    """Hide the tab bars the layout no longer uses; how many there were."""
    stray = stray_dock_tab_bars(window)
    for bar in stray:
        bar.hide()
    return len(stray)
