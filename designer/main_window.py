"""The main window: palette, canvas, inspector and problems around one document."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QUndoView,
    QWidget,
)

from designer.blocks import BlockController
from designer.canvas_menu import show_node_menu
from designer.cost_view import ColourBy, CostView
from designer.dock_tabs import hide_stray_dock_tab_bars
from designer.document import Document
from designer.editing import Editor
from designer.exchange import ExchangeController
from designer.files import FileController
from designer.inspect_panel import InspectPanel
from designer.menus import build_menus
from designer.quick_fixes import FixController
from designer.sweep_panel import SweepPanel
from designer.training_controller import TrainingController
from designer.training_panel import TrainingPanel
from engine.analysis import Analysis, Problem
from engine.blocks import membership
from engine.inspection.health import health_problems, saved_health
from engine.layout import NODE_SIZE, wrap_to_fit
from widgets.canvas import GraphScene, GraphView
from widgets.inspector import PropertyInspector
from widgets.palette import LayerPalette
from widgets.problems import ProblemsList

STATE_VERSION = 1
READABLE_ZOOM = 0.6
"""Opening, Fit and auto-layout never show a network smaller than this: node faces stay
legible."""
PROBLEMS_DOCK_HEIGHT = 150
"""The bottom docks' first height: a strip of problems, the rest for the canvas."""
INSPECT_DOCK_HEIGHT = 360
"""Room for the Inspect dock's sample, prediction and node output, when the window allows
it."""
TRAINING_DOCK_HEIGHT = 380
"""Room for the training form and curves that can be read, when the window allows it."""


def scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings or QSettings("Netdesigner", "Netdesigner")
        self.document = Document(parent=self)
        self.editor = Editor(self.document)
        self.scene = GraphScene(self)
        self.view = GraphView(self.scene)
        self.setCentralWidget(self.view)
        self.palette_panel = LayerPalette()
        self.inspector = PropertyInspector()
        self.problems = ProblemsList()
        self.history = QUndoView(self.document.undo_stack)
        self.history.setEmptyLabel("Opened")
        self.blocks = BlockController(self)
        self.fixes = FixController(self)
        self.properties = QStackedWidget()
        self.properties.addWidget(self.inspector)
        self.properties.addWidget(self.blocks.panel)
        self.docks: dict[str, QDockWidget] = {}
        self._dock("palette", "Layers", self.palette_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("inspector", "Properties", self.properties,
                   Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("problems", "Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("history", "History", self.history, Qt.DockWidgetArea.RightDockWidgetArea)
        self.training = TrainingController(self.document, self)
        self.training_panel = TrainingPanel(self.document, self.training)
        self._dock("training", "Training", self.training_panel,
                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.inspect_panel = InspectPanel(self)
        # in a scroll area: at its own minimum height it would hold the whole row of bottom
        # docks (Problems, Training) taller than the canvas can spare
        self._dock("inspect", "Inspect", scrolling(self.inspect_panel),
                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.sweep_panel = SweepPanel(self.document, lambda: self.files.save(),
                                      lambda path: self.files.open_path(path))
        # scrolling, as Inspect: its form's own height would hold the bottom docks taller
        self._dock("sweep", "Sweep", scrolling(self.sweep_panel),
                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["problems"], self.docks["training"])
        self.tabifyDockWidget(self.docks["training"], self.docks["inspect"])
        self.tabifyDockWidget(self.docks["inspect"], self.docks["sweep"])
        self.docks["problems"].raise_()
        self._training_problems: list[Problem] = []
        self._health_problems: list[Problem] = []
        self._data_problems: list[Problem] = []
        """Why the chosen data does not fit the network, found before any Start."""
        self._on_nodes: list[Problem] = []
        """Those of the problems above that the canvas shows on their layers."""
        self.tabifyDockWidget(self.docks["inspector"], self.docks["history"])
        self.docks["inspector"].raise_()
        self._size_docks()
        self._default_state = self.saveState(STATE_VERSION)
        self.validity = QLabel()
        self.parameters = QLabel()
        self.outputs = QLabel()
        self.costs = CostView(self)
        for label in (self.validity, self.parameters, self.costs.totals, self.outputs):
            self.statusBar().addPermanentWidget(label)
        self.files = FileController(self)
        self.exchange = ExchangeController(self)
        build_menus(self)
        self._connect()
        self.sync_edit_actions()
        self._sync_training_actions()
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self._restore_layout()
        self.document.replace(self.document.project)

    # -- composition ---------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        dock.dockLocationChanged.connect(self._tidy_dock_tabs_soon)
        self.docks[name] = dock

    def _connect(self) -> None:
        document, scene = self.document, self.scene
        document.changed.connect(self._on_changed)
        document.analysed.connect(self._on_analysed)
        document.replaced.connect(self._on_replaced)
        document.modified_changed.connect(self.setWindowModified)
        document.path_changed.connect(self._update_title)
        document.read_only_changed.connect(self._on_read_only)
        scene.set_connection_check(self.blocks.connection_problem)
        scene.connect_requested.connect(self._connect_layers)
        scene.connect_refused.connect(self.fixes.offer_adapters)
        scene.nodes_moved.connect(self.editor.move)
        scene.delete_requested.connect(self.blocks.delete)
        scene.layer_dropped.connect(self._add_dropped_layer)
        scene.node_double_clicked.connect(self.blocks.double_clicked)
        scene.block_frame_double_clicked.connect(lambda b: self.blocks.set_open(b, False))
        scene.context_menu_requested.connect(lambda n, p: show_node_menu(self, n, p))
        self.problems.set_fixable(self.fixes.fixable)
        self.problems.fix_requested.connect(self.fixes.offer_for_problem)
        self.blocks.refresh_palette()
        scene.selection_ids_changed.connect(lambda ids: self._show_selection())
        scene.selection_ids_changed.connect(lambda ids: self.sync_edit_actions())
        document.undo_stack.indexChanged.connect(lambda index: self.sync_edit_actions())
        document.changed.connect(self.sync_edit_actions)
        QGuiApplication.clipboard().dataChanged.connect(self.sync_edit_actions)
        self.palette_panel.layer_activated.connect(self.add_layer_at_centre)
        self.inspector.params_edited.connect(self.editor.set_params)
        self.inspector.rename_requested.connect(self._rename)
        self.inspector.vary_requested.connect(self._vary)
        self.inspector.set_rename_check(self._rename_check)
        self.problems.problem_activated.connect(self.focus_node)
        self.training.refused.connect(self._on_training_refused)
        self.training_panel.controls_changed.connect(self._sync_training_actions)
        self.training_panel.start_button.clicked.connect(self._make_room_for_training)
        # room as soon as the dock is brought up, not only at Start: laying the window out
        # again and repainting the curves at their new size then costs a run nothing
        self.docks["training"].visibilityChanged.connect(self._on_training_dock_shown)
        self.docks["inspect"].visibilityChanged.connect(self._on_inspect_dock_shown)
        # a sweep's table and plots need the room the training curves get
        self.docks["sweep"].visibilityChanged.connect(
            lambda visible: visible and self.isVisible()
            and not self.docks["sweep"].isFloating()
            and QTimer.singleShot(0, lambda: self._make_room("sweep", TRAINING_DOCK_HEIGHT)))
        self.training.started.connect(lambda event: self._on_training_refused([], {}))
        self.training_panel.previewer.ready.connect(self._on_data_preview)
        self.training.warned.connect(self._on_training_warned)
        self.training.started.connect(lambda event: self.show_health({}, [], ""))
        self.training.health.connect(self._on_health)
        self.training.ended.connect(lambda event: self.inspect_panel.mark_stale())
        self.costs.profile_running_changed.connect(lambda running: self._sync_profile_action())

    # -- document → views ----------------------------------------------------------------
    def _on_replaced(self) -> None:
        self.blocks.refresh(replace=True)
        self._show_saved_health()
        self.inspect_panel.mark_stale()
        self._update_title()
        QTimer.singleShot(0, lambda: self.view.fit_to_view(READABLE_ZOOM))

    def _on_changed(self) -> None:
        self._training_problems = []  # the next Start checks the edited project again
        self.inspect_panel.network_edited(self.document.graph)
        self.blocks.refresh()
        self._show_selection()
        self._update_title()

    def _on_analysed(self, analysis: Analysis) -> None:
        self.scene.set_analysis(self.blocks.shown_analysis(analysis))
        self.costs.show_analysis(analysis)
        self._show_problems()
        self._show_selection()
        self.parameters.setText(f"{analysis.total_params:,} parameters")
        shapes = [f"{n} {analysis.nodes[n].output}" for n in analysis.outputs
                  if analysis.nodes[n].output is not None]
        self.outputs.setText(("output " + ", ".join(shapes)) if shapes else "")

    def start_training(self) -> None:
        self.training_panel.start()
        self._make_room_for_training()

    def _on_training_dock_shown(self, visible: bool) -> None:
        if visible and self.isVisible() and not self.docks["training"].isFloating():
            QTimer.singleShot(0, self._make_room_for_training)

    def _on_inspect_dock_shown(self, visible: bool) -> None:
        if visible and self.isVisible() and not self.docks["inspect"].isFloating():
            QTimer.singleShot(0, self._make_room_for_inspecting)

    def _make_room_for_inspecting(self) -> None:
        """The sample, its prediction and a node's output need more than a strip of
        problems: the Inspect dock grows to be read, as far as the canvas can spare."""
        self._make_room("inspect", INSPECT_DOCK_HEIGHT)

    def _make_room(self, name: str, wanted: int) -> None:
        dock = self.docks[name]
        height = min(wanted, self.height() // 2)
        if dock.isVisible() and dock.height() < height:
            self.resizeDocks([dock], [height], Qt.Orientation.Vertical)

    def _make_room_for_training(self) -> None:
        """A run's curves need the Training dock in sight and tall enough to read them."""
        dock = self.docks["training"]
        dock.show()
        dock.raise_()
        height = min(TRAINING_DOCK_HEIGHT, self.height() // 2)
        if dock.height() < height:
            self.resizeDocks([dock], [height], Qt.Orientation.Vertical)

    def _sync_training_actions(self) -> None:
        panel = self.training_panel
        self.start_training_action.setEnabled(panel.start_button.isEnabled())
        self.pause_training_action.setEnabled(panel.pause_button.isEnabled())
        self.pause_training_action.setText("&Resume" if panel.pause_button.text() == "Resume"
                                           else "&Pause")
        self.stop_training_action.setEnabled(panel.stop_button.isEnabled())

    def _on_training_warned(self, lines: list[str]) -> None:
        self._training_problems = [Problem("warning", "training", line) for line in lines]
        self._show_problems()

    def _on_training_refused(self, lines: list[str], nodes: dict[str, str]) -> None:
        """A run that cannot start says why in the problems list, not halfway through; a
        problem about a layer (the Input the data does not fit) is that layer's."""
        self._training_problems = [self._training_problem(line, nodes.get(line))
                                   for line in lines]
        self._show_problems()
        if lines:
            self.docks["problems"].raise_()

    def _training_problem(self, message: str, node: str | None,
                          severity: str = "error") -> Problem:
        graph = self.document.graph
        if node is None or node not in graph.nodes:
            return Problem(severity, "training", message)
        return Problem(severity, f"node '{node}' ({graph.nodes[node].type})", message, node)

    def _on_data_preview(self, preview) -> None:
        """The chosen data, looked at: when it does not fit the network, a problem (of the
        Input, with its fix, when another Input shape would fit)."""
        analysis = self.document.analysis
        input_id = analysis.inputs[0] if len(analysis.inputs) == 1 else None
        self._data_problems = [] if preview is None or not preview.problem else [
            self._training_problem(preview.problem, input_id if preview.suggested_input
                                   else None)]
        self._show_problems()

    def _show_problems(self) -> None:
        """The problems list, and the status bar's count of the same problems."""
        said = {p.message for p in self._data_problems}
        outside = (self._data_problems
                   + [p for p in self._training_problems if p.message not in said]
                   + self._health_problems)
        # problems of layers found outside the analysis show on their nodes too
        on_nodes = [p for p in outside if p.node is not None]
        if on_nodes != self._on_nodes:
            self._on_nodes = on_nodes
            self.scene.set_run_problems(on_nodes)
        shown = self.document.analysis.problems + outside
        self.problems.set_problems(shown)
        errors = sum(1 for p in shown if p.severity == "error")
        warnings = len(shown) - errors
        if errors:
            text, colour = f"✖ {errors} error{'s' * (errors != 1)}", "#d64545"
        elif warnings:
            text, colour = f"⚠ {warnings} warning{'s' * (warnings != 1)}", "#c98a16"
        else:
            text, colour = "✔ valid", "#2e9d5b"
        self.validity.setText(text)
        self.validity.setStyleSheet(f"color: {colour}; font-weight: 600; padding: 0 8px;")

    def show_health(self, figures: dict, problems: list, note: str) -> None:
        """A run's layer health (live, or saved with its newest run): the heat map's
        figures, and its unhealthy layers as warnings on the canvas and in the list."""
        graph = self.document.graph
        self._health_problems = [
            Problem("warning", f"node '{p.node}' ({graph.nodes[p.node].type})", p.message,
                    p.node) for p in problems if p.node in graph.nodes]
        self.costs.set_health(figures, note)
        self._show_problems()

    def _on_health(self, event) -> None:
        self.show_health(event.figures, event.problems, f"batch {event.step + 1} of the run")

    def _show_saved_health(self) -> None:
        saved = saved_health(self.document.project)
        if saved is None:
            self.show_health({}, [], "")
        else:
            health, figures = saved
            self.show_health(figures, health_problems(health), "the project's newest run")

    def _show_selection(self) -> None:
        if self.blocks.show_selection(self.scene.selected_node_ids(), self.document.analysis):
            self.properties.setCurrentWidget(self.blocks.panel)
            self.inspect_panel.show_selected()  # what the block gives
            return
        self.properties.setCurrentWidget(self.inspector)
        ids = [n for n in self.scene.selected_node_ids() if n in self.document.graph.nodes]
        if len(ids) != 1:
            self.inspector.show_node(None)
            self.inspect_panel.show_node(None)
            return
        node_id = ids[0]
        analysis = self.document.analysis
        self.inspector.show_node(self.document.graph.nodes[node_id],
                                 analysis.nodes.get(node_id), analysis.problems_for(node_id),
                                 self.scene.figures(node_id))
        self.inspector.set_varied(self.sweep_panel.varied_params(node_id))
        self.inspect_panel.show_node(node_id)

    def show_sweep(self) -> None:
        self.docks["sweep"].show()
        self.docks["sweep"].raise_()
        self.sweep_panel.varied.setFocus()

    def _vary(self, node_id: str, param: str) -> None:
        self.docks["sweep"].raise_()
        self.sweep_panel.vary("node", node_id, param)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — Netdesigner")
        self.setWindowModified(self.document.modified)

    def colour_by_changed(self, colour_by: ColourBy) -> None:
        """The canvas is coloured by another figure: the View menu ticks it."""
        self.colour_by_actions[colour_by].setChecked(True)

    def _sync_profile_action(self) -> None:
        self.profile_action.setEnabled(not self.document.read_only
                                       and not self.costs.profiling)

    def _on_read_only(self, read_only: bool) -> None:
        self.scene.set_read_only(read_only, "Training: the network is read-only"
                                 if read_only else "")
        self.inspector.set_read_only(read_only)
        self.blocks.panel.set_read_only(read_only)
        self.palette_panel.setEnabled(not read_only)
        self.sync_edit_actions()
        self._sync_profile_action()

    def sync_edit_actions(self) -> None:
        """Each editing action enabled only when it has something to act on."""
        writable = not self.document.read_only
        ids = self.scene.selected_node_ids()
        selected = bool(ids or self.scene.selected_edges())
        stack = self.document.undo_stack
        graph = self.document.graph
        owner = membership(graph)
        in_block = any(i in graph.blocks or i in owner for i in ids)
        mime = QGuiApplication.clipboard().mimeData()
        enabled = {
            self.undo_action: writable and stack.canUndo(),
            self.redo_action: writable and stack.canRedo(),
            self.cut_action: writable and bool(ids),
            self.copy_action: bool(ids),
            self.duplicate_action: writable and bool(ids),
            self.delete_action: writable and selected,
            self.paste_action: writable and mime is not None and mime.hasText(),
            self.layout_down_action: writable and bool(graph.nodes),
            self.layout_right_action: writable and bool(graph.nodes),
            self.quick_fix_action: writable and len(ids) == 1,
            self.group_action: writable and bool(ids),
            self.ungroup_action: writable and in_block,
        }
        for action, on in enabled.items():
            action.setEnabled(on)

    # -- user intents → editor -----------------------------------------------------------
    def _connect_layers(self, source: str, target: str, port: int) -> None:
        problem = self.blocks.connect(source, target, port)
        if problem:
            self.statusBar().showMessage(f"Cannot connect: {problem}", 5000)

    def _add_dropped_layer(self, layer_type: str, position) -> None:
        x = position.x() - NODE_SIZE[0] / 2
        y = position.y() - NODE_SIZE[1] / 2
        if self.blocks.drop(layer_type, (round(x), round(y))):
            return
        node_id = self.editor.add_layer(layer_type, (round(x), round(y)))
        if node_id:
            self.scene.select_nodes([node_id])

    def add_layer_at_centre(self, layer_type: str) -> None:
        """Double-click or Enter in the palette: after the selected layer, or in the middle
        of the view."""
        selected = self.scene.selected_node_ids()
        after = selected[0] if len(selected) == 1 and selected[0] in self.document.graph.nodes \
            else None
        if after is not None:
            position = self.editor.position_after(after)
        else:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            position = (round(centre.x() - NODE_SIZE[0] / 2), round(centre.y() - NODE_SIZE[1] / 2))
        if self.blocks.drop(layer_type, position):
            return
        node_id = self.editor.add_layer(layer_type, position, after)
        if node_id:
            self.scene.select_nodes([node_id])
            self.view.ensureVisible(self.scene.node_item(node_id))

    def _rename_check(self, new_id: str) -> str | None:
        ids = self.scene.selected_node_ids()
        return self.editor.rename_problem(ids[0], new_id) if len(ids) == 1 else None

    def _rename(self, old: str, new: str) -> None:
        problem = self.editor.rename(old, new)
        if problem:
            self.statusBar().showMessage(problem, 5000)
        else:
            self.scene.select_nodes([new])

    def delete_selection(self) -> None:
        self.blocks.delete(self.scene.selected_node_ids(), self.scene.selected_edges())

    def select_all(self) -> None:
        self.scene.select_nodes(list(self.document.graph.nodes))

    def copy(self) -> None:
        mime = self.editor.copy(self.scene.selected_node_ids())
        if mime is not None:
            QGuiApplication.clipboard().setMimeData(mime)

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        result = self.editor.paste(QGuiApplication.clipboard().mimeData())
        if isinstance(result, str):
            self.statusBar().showMessage(f"Nothing pasted: {result}", 5000)
        else:
            self.scene.select_nodes(result)

    def duplicate(self) -> None:
        ids = self.editor.duplicate(self.scene.selected_node_ids())
        if ids:
            self.scene.select_nodes(ids)

    def auto_layout(self, direction) -> None:
        """Lay the network out, wrapping a long one into columns (rows, left to right) so
        that it fits the canvas at a zoom where its text can be read."""
        room = self.view.viewport().size()
        shown = self.blocks.view.graph
        wrap_after = wrap_to_fit(shown, direction, room.width() / READABLE_ZOOM - 80,
                                 room.height() / READABLE_ZOOM - 80)
        self.editor.auto_layout(direction, shown, wrap_after)
        self.fit_to_window()

    def fit_to_window(self) -> None:
        """The whole network if it can be read so, else as much of it as can, from its
        start: never smaller than a legible zoom."""
        self.view.fit_to_view(READABLE_ZOOM)

    def focus_node(self, node_id: str) -> None:
        node_id = self.blocks.view.shown_id(node_id)
        if self.scene.node_item(node_id) is not None:
            self.scene.select_nodes([node_id])
            self.view.centerOn(self.scene.node_item(node_id))

    # -- window state --------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._first_layout = not isinstance(state, QByteArray)
        if not self._first_layout:
            self.restoreState(state, STATE_VERSION)

    def _size_docks(self) -> None:
        self.resizeDocks([self.docks["problems"]], [PROBLEMS_DOCK_HEIGHT],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["palette"], self.docks["inspector"]], [240, 290],
                         Qt.Orientation.Horizontal)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in self.docks.values():
            dock.setVisible(True)
        self.docks["inspector"].raise_()
        self.docks["problems"].raise_()
        self._size_docks()
        self._tidy_dock_tabs_soon()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if getattr(self, "_first_layout", False):
            # sizes given before the window had its size are spread over what it gained;
            # given again at the real size, the canvas keeps the room
            self._first_layout = False
            QTimer.singleShot(0, self, self._size_docks)
        self._tidy_dock_tabs_soon()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._tidy_dock_tabs_soon()

    def _tidy_dock_tabs_soon(self) -> None:
        # once the layout has placed the live tab bars, the stray ones stand out
        QTimer.singleShot(0, self, self._tidy_dock_tabs)

    def _tidy_dock_tabs(self) -> None:
        hide_stray_dock_tab_bars(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard("quit Netdesigner"):
            event.ignore()
            return
        self.training.stop_and_wait()
        self.sweep_panel.stop_and_wait()
        self.costs.wait()
        self.inspect_panel.wait()
        if self.exchange.task is not None:
            self.exchange.task.wait()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.files.close_cleanly()
        self.document.close()
        event.accept()

    def dragEnterEvent(self, event) -> None:
        if self.files.project_urls(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = self.files.project_urls(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files.open_path(paths[0])
