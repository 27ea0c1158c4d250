"""The main window's menus, shortcuts and toolbar. The actions are kept as the window's
attributes for the parts that enable, disable or trigger them."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from designer.cost_view import COLOUR_BY_NAMES

if TYPE_CHECKING:
    from designer.main_window import MainWindow

Keys = QKeySequence.StandardKey


def build_menus(window: MainWindow) -> None:
    _file_menu(window)
    _edit_menu(window)
    _view_menu(window)
    _train_menu(window)
    _help_menu(window)
    window.view.empty_hint = ("To begin, drag a layer (an Input first) from the Layers panel "
                              "onto the canvas, or pick a network to start from with File > "
                              "New from Template (Ctrl+Shift+N), or open a project (Ctrl+O).")
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.addActions([window.new_action, window.open_action, window.save_action])
    toolbar.addSeparator()
    toolbar.addActions([window.undo_action, window.redo_action, window.delete_action])
    toolbar.addSeparator()
    toolbar.addActions([window.layout_down_action, window.fit_action])
    toolbar.addSeparator()
    toolbar.addAction(window.profile_action)


def _action(window: MainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)  # shortcuts work with the menu bar hidden too
    return action


def _file_menu(window: MainWindow) -> None:
    files, exchange = window.files, window.exchange
    menu = window.menuBar().addMenu("&File")
    window.new_action = _action(window, "&New", files.new, Keys.New)
    window.template_action = _action(window, "New from &Template…", files.new_from_template,
                                     "Ctrl+Shift+N")
    window.open_action = _action(window, "&Open…", files.open, Keys.Open)
    window.save_action = _action(window, "&Save", files.save, Keys.Save)
    window.save_as_action = _action(window, "Save &As…", files.save_as, Keys.SaveAs)
    menu.addActions([window.new_action, window.template_action, window.open_action])
    window.recent_menu = menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(lambda: _fill_recent_menu(window))
    menu.addActions([window.save_action, window.save_as_action])
    menu.addSeparator()
    window.import_action = _action(window, "&Import from PyTorch…",
                                   exchange.import_from_pytorch, "Ctrl+I",
                                   "Turn an nn.Module class into a project")
    menu.addAction(window.import_action)
    export_menu = menu.addMenu("&Export")
    window.export_actions = {
        "python": _action(window, "PyTorch &Code (model.py, train.py)…",
                          lambda: exchange.export("python"), "Ctrl+E"),
        "onnx": _action(window, "&ONNX…", lambda: exchange.export("onnx")),
        "torchscript": _action(window, "&TorchScript…",
                               lambda: exchange.export("torchscript")),
    }
    export_menu.addActions(list(window.export_actions.values()))
    menu.addSeparator()
    menu.addAction(_action(window, "&Quit", window.close, Keys.Quit))


def _edit_menu(window: MainWindow) -> None:
    stack = window.document.undo_stack
    menu = window.menuBar().addMenu("&Edit")
    window.undo_action = stack.createUndoAction(window, "&Undo")
    window.undo_action.setShortcut(Keys.Undo)
    window.redo_action = stack.createRedoAction(window, "&Redo")
    window.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    window.addActions([window.undo_action, window.redo_action])
    window.cut_action = _action(window, "Cu&t", window.cut, Keys.Cut)
    window.copy_action = _action(window, "&Copy", window.copy, Keys.Copy)
    window.paste_action = _action(window, "&Paste", window.paste, Keys.Paste)
    window.duplicate_action = _action(window, "D&uplicate", window.duplicate, "Ctrl+D")
    window.delete_action = _action(window, "&Delete", window.delete_selection, Keys.Delete)
    window.select_all_action = _action(window, "Select &All", window.select_all,
                                       Keys.SelectAll)
    menu.addActions([window.undo_action, window.redo_action])
    menu.addSeparator()
    menu.addActions([window.cut_action, window.copy_action, window.paste_action,
                     window.duplicate_action, window.delete_action, window.select_all_action])
    menu.addSeparator()
    window.quick_fix_action = _action(
        window, "&Quick Fix…", window.fixes.offer_for_selection, "Ctrl+.",
        "The fixes for the selected layer's problems")
    window.group_action = _action(window, "&Group into Block", window.blocks.group, "Ctrl+G",
                                  "Make the selected layers one block")
    window.ungroup_action = _action(window, "U&ngroup Block", window.blocks.ungroup,
                                    "Ctrl+Shift+G", "Make the selected block's layers plain "
                                    "layers again")
    menu.addActions([window.quick_fix_action, window.group_action, window.ungroup_action])
    menu.addSeparator()
    history = window.docks["history"].toggleViewAction()
    history.setText("&History")
    history.setShortcut(QKeySequence("Ctrl+H"))
    menu.addAction(history)


def _view_menu(window: MainWindow) -> None:
    view = window.view
    menu = window.menuBar().addMenu("&View")
    window.fit_action = _action(window, "&Fit to Window", window.fit_to_window, "Ctrl+0")
    window.zoom_in_action = _action(window, "Zoom &In", lambda: view.zoom_by(1.25),
                                    Keys.ZoomIn)
    window.zoom_out_action = _action(window, "Zoom &Out", lambda: view.zoom_by(0.8),
                                     Keys.ZoomOut)
    window.layout_down_action = _action(window, "Auto-layout &Top to Bottom",
                                        lambda: window.auto_layout("top-to-bottom"), "Ctrl+L")
    window.layout_right_action = _action(window, "Auto-layout &Left to Right",
                                         lambda: window.auto_layout("left-to-right"),
                                         "Ctrl+Shift+L")
    menu.addActions([window.fit_action, window.zoom_in_action, window.zoom_out_action])
    menu.addSeparator()
    menu.addActions([window.layout_down_action, window.layout_right_action])
    menu.addSeparator()
    _colour_by_menu(window, menu.addMenu("&Colour By"))
    menu.addSeparator()
    for dock in window.docks.values():
        menu.addAction(dock.toggleViewAction())
    menu.addAction(_action(window, "&Reset Panels", window.reset_layout))


def _train_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Train")
    window.start_training_action = _action(window, "&Start Training", window.start_training,
                                           "F5", "Train the network on the project's data")
    window.pause_training_action = _action(window, "&Pause",
                                           window.training_panel.toggle_pause, "F6")
    window.stop_training_action = _action(window, "S&top", window.training.stop, "Shift+F5",
                                          "Stop after the current batch, keeping what was "
                                          "learnt")
    menu.addActions([window.start_training_action, window.pause_training_action,
                     window.stop_training_action])
    menu.addSeparator()
    window.profile_action = _action(window, "Pro&file Layers", window.costs.start_profile,
                                    "Ctrl+Shift+P", "Time each layer's forward and backward "
                                    "pass on random data, then colour the canvas by it")
    window.profile_action.setIconText("Profile")
    menu.addAction(window.profile_action)
    menu.addSeparator()
    window.sweep_action = _action(window, "S&weep…", window.show_sweep, "Ctrl+Shift+F5",
                                  "Search the settings and structure marked to vary: the "
                                  "Sweep panel")
    menu.addAction(window.sweep_action)


def _colour_by_menu(window: MainWindow, menu: QMenu) -> None:
    group = QActionGroup(window)
    window.colour_by_actions = {}
    for colour_by, text in COLOUR_BY_NAMES.items():
        action = QAction(text, window, checkable=True)
        action.setStatusTip("Fill the nodes with a heat map of this figure" if
                            colour_by != "nothing" else "The nodes' usual colours")
        action.setChecked(colour_by == window.costs.colour_by)
        action.triggered.connect(lambda checked=False, c=colour_by:
                                 window.costs.set_colour_by(c))
        group.addAction(action)
        menu.addAction(action)
        window.colour_by_actions[colour_by] = action


def _fill_recent_menu(window: MainWindow) -> None:
    window.recent_menu.clear()
    paths = window.files.recent_paths()
    for path in paths:
        action = window.recent_menu.addAction(str(path))
        action.triggered.connect(lambda checked=False, p=path: window.files.open_path(p))
    if not paths:
        window.recent_menu.addAction("No recent projects").setEnabled(False)


def _help_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Help")
    window.shortcuts_action = _action(window, "&Keyboard Shortcuts",
                                      lambda: show_shortcuts(window), "Ctrl+/")
    menu.addAction(window.shortcuts_action)
    menu.addAction(_action(window, "&About Netdesigner", lambda: show_about(window)))


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """Every action of the window that has a shortcut: (what it does, its keys)."""
    rows = {}
    for action in window.findChildren(QAction):
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                         for k in action.shortcuts() if not k.isEmpty())
        text = action.text().replace("&", "").rstrip("…").strip()
        if keys and text:
            rows.setdefault(text, keys)
    return sorted(rows.items())


def show_shortcuts(window: MainWindow) -> None:
    rows = "".join(f"<tr><td>{html.escape(text)}</td><td>&nbsp;&nbsp;<b>{html.escape(keys)}"
                   "</b></td></tr>" for text, keys in shortcut_rows(window))
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard Shortcuts",
                      f"<table>{rows}</table><p>Also: drag from an output port to an input "
                      "port to connect; Space+drag or the middle button to pan; the wheel "
                      "to zoom; Esc cancels a connection.</p>", QMessageBox.StandardButton.Ok,
                      window)
    box.setObjectName("shortcuts")
    box.open()


def show_about(window: MainWindow) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("netdesigner")
    except PackageNotFoundError:
        release = "(not installed)"
    QMessageBox.about(window, "About Netdesigner",
                      f"<b>Netdesigner</b> {html.escape(release)}<p>Design convolutional, "
                      "recurrent and CRNN networks on a canvas, check them as you edit, "
                      "train them and take them to plain PyTorch, ONNX or TorchScript.</p>"
                      "<p>Projects are .ndproj files; `netdesigner --help` lists the "
                      "command line.</p>")
