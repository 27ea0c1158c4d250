"""The context menu of a node on the canvas: its quick fixes first, then what can be done
with it (open or close a block, group, ungroup, delete)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from engine.blocks import membership

if TYPE_CHECKING:
    from designer.main_window import MainWindow


def node_menu(window: MainWindow, node_id: str) -> QMenu:
    graph = window.document.graph
    menu = QMenu(window)
    menu.setToolTipsVisible(True)
    members = graph.blocks[node_id].nodes if node_id in graph.blocks else [node_id]
    fixes = [f for m in members for f in window.fixes.node_fixes(m)]
    for fix in fixes:
        action = menu.addAction(f"Fix: {fix.title}")
        action.setToolTip(fix.effect)
        action.setStatusTip(fix.effect)
        action.triggered.connect(lambda checked=False, f=fix: window.fixes.apply(f))
    if fixes:
        menu.addSeparator()
    read_only = window.document.read_only
    if node_id in graph.blocks:
        block = graph.blocks[node_id]
        opening = menu.addAction("Open Block" if block.collapsed else "Close Block")
        opening.triggered.connect(lambda: window.blocks.set_open(node_id, block.collapsed))
        menu.addAction(window.group_action)
        menu.addAction(window.ungroup_action)
    elif node_id in membership(graph):
        owner = membership(graph)[node_id]
        closing = menu.addAction(f"Close Block {owner}")
        closing.triggered.connect(lambda: window.blocks.set_open(owner, False))
        menu.addAction(window.group_action)
        menu.addAction(window.ungroup_action)
    else:
        menu.addAction(window.group_action)
    menu.addSeparator()
    menu.addAction(window.delete_action)
    for action in menu.actions():
        if action not in (window.delete_action,) and read_only:
            action.setEnabled(False)
    return menu


def show_node_menu(window: MainWindow, node_id: str, where: QPoint) -> None:
    menu = node_menu(window, node_id)
    window.fixes.menu = menu
    menu.popup(where)
