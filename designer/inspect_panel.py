"""The Inspect dock: one sample through the trained network. Pick a validation sample (or
draw one, for small single-channel images), see the prediction, the saliency map over the
sample, and the output of the node selected on the canvas; every node's output is kept for
the sample, so selecting another node shows its output at once.

The project is opened for inspection (its data read, its newest run's weights loaded) and
each sample run through the network on a worker thread; an edit or a finished run makes
what is shown stale, and it is looked at again when the dock is in view."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from designer.background import BackgroundTask
from engine.blocks import interface
from engine.graph import Graph
from engine.inspection.layouts import layout_of
from engine.inspection.saliency import overlay_pairs
from widgets.inside.drawing_pad import DrawingPad
from widgets.inside.output_view import OutputView
from widgets.inside.pictures import ScaledPicture, grey_image, overlay_image
from widgets.inside.prediction_view import PredictionView

if TYPE_CHECKING:
    from designer.main_window import MainWindow
    from engine.inspection.session import Inspection, Look

DRAWABLE_SIDE = 32
"""Single-channel inputs up to this many pixels a side can be drawn on the pad."""
REFRESH_DELAY_MS = 300


class InspectPanel(QWidget):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.inspection: Inspection | None = None
        self.look: Look | None = None
        self._stale = True
        self._network: tuple = ()
        self._task: BackgroundTask | None = None
        self._pending: Any = None
        """The next request (a sample index, or drawn values) while one runs."""

        self.sample = QSpinBox(minimum=0, maximum=0)
        self.sample.setToolTip("Which validation sample to run through the network")
        self.sample.valueChanged.connect(lambda index: self.request(index))
        self.draw_button = QPushButton("&Draw")
        self.draw_button.setCheckable(True)
        self.draw_button.setToolTip("Draw a sample with the mouse (right button rubs out)")
        self.draw_button.toggled.connect(self._on_draw_toggled)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setVisible(False)
        self.saliency_box = QCheckBox("Saliency")
        self.saliency_box.setChecked(True)
        self.saliency_box.setToolTip("Lay the saliency map over the sample: where the "
                                     "prediction looks")
        self.saliency_box.toggled.connect(lambda _: self._show_sample())
        self.status = QLabel()
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Sample"))
        controls.addWidget(self.sample)
        controls.addWidget(self.draw_button)
        controls.addWidget(self.clear_button)
        controls.addWidget(self.saliency_box)
        controls.addWidget(self.status, 1)

        self.picture = ScaledPicture()
        self.pad = DrawingPad()
        self.pad.drawn.connect(self.request)
        self.clear_button.clicked.connect(self.pad.clear)
        self.sample_stack = QStackedWidget()
        self.sample_stack.addWidget(self.picture)
        self.sample_stack.addWidget(self.pad)
        self.saliency_caption = QLabel()
        self.saliency_caption.setWordWrap(True)
        self.prediction = PredictionView()
        self.output = OutputView()

        body = QGridLayout()
        body.addWidget(self.sample_stack, 0, 0)
        body.addWidget(self.saliency_caption, 1, 0)
        body.addWidget(self.prediction, 0, 1, 2, 1)
        body.addWidget(self.output, 0, 2, 2, 1)
        body.setColumnStretch(0, 2)
        body.setColumnStretch(1, 3)
        body.setColumnStretch(2, 4)
        layout = _FitsItsDock(self)
        layout.addLayout(controls)
        layout.addLayout(body, 1)

        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh_if_shown)

    # -- what makes the view stale -------------------------------------------------------
    def mark_stale(self) -> None:
        """The network or its weights changed: look again when in view."""
        self._stale = True
        self._refresh_timer.start()

    def network_edited(self, graph: Graph) -> None:
        """After any edit: stale when the layers or their wiring changed (not a move)."""
        key = _network_key(graph)
        if key != self._network:
            self._network = key
            self.mark_stale()

    def refresh_if_shown(self) -> None:
        if self.isVisible() and self._stale and not self._window.document.read_only:
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._refresh_timer.start()

    # -- opening and looking -------------------------------------------------------------
    def refresh(self) -> None:
        """Open the project again (data, newest weights) and look at the chosen sample."""
        if not self._window.document.analysis.ok:
            self._show_message("The network has errors: fix them to look inside it.")
            self._stale = True
            return
        self._stale = False
        self.inspection = None
        project = copy.deepcopy(self._window.document.project)
        if project.training is None:  # as Start trains it: with the settings the form shows
            from designer.training_panel import DEFAULTS

            project.training = copy.deepcopy(DEFAULTS)
        self._start(("open", (project, self.sample.value())))

    def request(self, what: Any) -> None:
        """Look at a validation sample (its index) or at drawn values."""
        if self.inspection is None:
            return
        self._start(("look", what))

    def _start(self, request: tuple[str, Any]) -> None:
        if self._task is not None and self._task.running:
            self._pending = request
            return
        self._pending = None
        inspection = self.inspection
        self.status.setText("Opening the project…" if request[0] == "open" else "Running…")
        self._task = BackgroundTask(lambda: _work(request, inspection),
                                    lambda result: self._on_done(request, result),
                                    self._on_failed, self)
        self._task.start()

    def _on_done(self, request: tuple[str, Any], result: Any) -> None:
        if request[0] == "open":
            inspection, look = result
            self.inspection = inspection
            self._configure(inspection)
        else:
            look = result
        self.look = look
        self._show_look()
        self._next()

    def _on_failed(self, error: BaseException) -> None:
        self._show_message(f"Cannot look inside: {error}")
        self._next()

    def _next(self) -> None:
        if self._pending is not None:
            request, self._pending = self._pending, None
            self._start(request)

    def wait(self) -> None:
        """Until the work in progress is done (closing the window)."""
        if self._task is not None:
            self._task.wait()

    # -- showing -------------------------------------------------------------------------
    def _configure(self, inspection: Inspection) -> None:
        blocked = self.sample.blockSignals(True)
        self.sample.setMaximum(max(0, inspection.samples - 1))
        self.sample.blockSignals(blocked)
        shape = tuple(inspection.analysis.nodes[inspection.analysis.inputs[0]].output.shape)
        side = shape[1:] if len(shape) == 3 and shape[0] == 1 else shape
        drawable = len(side) == 2 and max(side) <= DRAWABLE_SIDE and \
            inspection.data.x_val.is_floating_point()
        self.draw_button.setVisible(drawable)
        if drawable and self.pad.values.shape != side:
            self.pad.values = np.zeros(side, dtype=np.float32)
        if not drawable:
            self.draw_button.setChecked(False)

    def _on_draw_toggled(self, drawing: bool) -> None:
        self.sample_stack.setCurrentWidget(self.pad if drawing else self.picture)
        self.clear_button.setVisible(drawing)
        self.sample.setEnabled(not drawing)
        if self.inspection is None:
            return
        if drawing:
            self.pad.set_values(self.inspection.data.x_val[self.sample.value()].numpy())
            self.request(self.pad.values.copy())
        else:
            self.request(self.sample.value())

    def _show_message(self, text: str) -> None:
        self.status.setText(text)

    def _show_look(self) -> None:
        look, inspection = self.look, self.inspection
        if look is None or inspection is None:
            return
        weights = inspection.weights
        if weights is not None:
            self.status.setText(f"weights of run {weights.parent.name}")
        else:
            self.status.setText(f"untrained: {inspection.note or 'the project has no run yet'}")
        self.prediction.show_prediction(look.prediction, look.truth)
        self._show_sample()
        self.show_node(self._selected_node())

    def _show_sample(self) -> None:
        look = self.look
        if look is None:
            return
        saliency = look.saliency
        where = f" of {saliency.node}" if saliency.node else ""
        self.saliency_caption.setText(f"{saliency.method}{where}: what {saliency.explains} "
                                      "rests on" if self.saliency_box.isChecked() else "")
        inspection = self.inspection
        across = inspection is not None and layout_of(
            inspection.graph, inspection.analysis, inspection.analysis.inputs[0]) == "over_time"
        self.picture.set_image(self.sample_image(look, self.saliency_box.isChecked(), across))

    @staticmethod
    def sample_image(look: Look, with_saliency: bool, time_across: bool = False) -> QImage:
        """The sample (the frames of a clip tiled), with the saliency map over it; a
        sequence [steps, features] with its steps running left to right."""
        pairs = overlay_pairs(look.capture.sample, look.saliency.map)
        if time_across:
            pairs = [(p.T, m.T) for p, m in pairs]
            # a signal of a few features over many steps: each feature a band, not a line
            # one pixel high
            features, steps = pairs[0][0].shape
            taller = max(1, steps // (ROWS_PER_STEP_BAND * features))
            pairs = [(p.repeat_interleave(taller, 0), m.repeat_interleave(taller, 0))
                     for p, m in pairs]
        return _side_by_side([overlay_image(p.numpy(), m.numpy()) if with_saliency
                              else grey_image(p.numpy()) for p, m in pairs])

    def show_selected(self) -> None:
        """Show the output of what is selected: a layer, or a collapsed block's output."""
        self.show_node(self._selected_node())

    def _selected_node(self) -> str | None:
        """The node selected, or for a collapsed block the node that gives its output
        (after its last repetition)."""
        ids = self._window.scene.selected_node_ids()
        if len(ids) != 1:
            return None
        graph = self._window.document.graph
        if ids[0] not in graph.blocks:
            return ids[0]
        outputs = interface(graph, graph.blocks[ids[0]]).outputs
        if not outputs:
            return None
        analysis = self.inspection.analysis if self.inspection is not None else None
        return analysis.final_copy(outputs[0]) if analysis is not None else outputs[0]

    def show_node(self, node_id: str | None) -> None:
        """Show the node's output for the sample looked at (instant: it is kept)."""
        look, inspection = self.look, self.inspection
        if look is None or inspection is None or node_id is None or \
                node_id not in look.capture.outputs:
            self.output.show_output(None, "Select a node on the canvas to see its output "
                                    "for this sample.")
            return
        value = look.capture.outputs[node_id].float().numpy()
        report = inspection.analysis.nodes[node_id]
        self.output.show_output(node_id, f"{report.spec.name} {report.output}", value,
                                layout_of(inspection.graph, inspection.analysis, node_id))


def _work(request: tuple[str, Any], inspection: Inspection | None) -> Any:
    """On the worker thread: open the project and look at sample 0, or look."""
    import torch

    from engine.inspection.session import open_inspection

    kind, what = request
    if kind == "open":
        project, index = what
        opened = open_inspection(project)
        return opened, opened.look_at(min(index, opened.samples - 1))
    if isinstance(what, int):
        return inspection.look_at(what)
    sample = torch.from_numpy(np.asarray(what, dtype=np.float32))
    shape = inspection.analysis.nodes[inspection.analysis.inputs[0]].output.shape
    return inspection.look(sample.reshape(tuple(shape)))


def _network_key(graph: Graph) -> tuple:
    return (tuple((n.id, n.type, repr(sorted(n.params.items()))) for n in graph.nodes.values()),
            tuple(graph.edges))


class _FitsItsDock(QVBoxLayout):
    """The panel's layout, without the height-for-width its wrapped captions would give
    it: the dock's scroll area would then make the panel as tall as the captions' ideal
    (the prediction and the sample below the fold) instead of the dock's height."""

    def hasHeightForWidth(self) -> bool:
        return False


ROWS_PER_STEP_BAND = 5
"""A sequence is drawn at least a fifth as high as it is long."""
FRAMES_PER_ROW = 4
"""A clip's frames are tiled this many to a row (12 frames in a row each got ~23 px)."""


def _side_by_side(pictures: list[QImage]) -> QImage:
    """The frames of a clip tiled in rows, in order, left to right and down."""
    if len(pictures) == 1:
        return pictures[0]
    gap = 1
    columns = min(len(pictures), FRAMES_PER_ROW)
    rows = -(-len(pictures) // columns)
    cell_w = max(p.width() for p in pictures)
    cell_h = max(p.height() for p in pictures)
    tiled = QImage(columns * cell_w + gap * (columns - 1), rows * cell_h + gap * (rows - 1),
                   QImage.Format.Format_RGB888)
    tiled.fill(Qt.GlobalColor.gray)
    painter = QPainter(tiled)
    for index, picture in enumerate(pictures):
        row, column = divmod(index, columns)
        painter.drawImage(column * (cell_w + gap), row * (cell_h + gap), picture)
    painter.end()
    return tiled
