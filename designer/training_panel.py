"""The training dock: the project's training settings, Start/Pause/Stop, progress and live
curves. Every settings change is an undoable edit of the project's `training` section."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.commands import SetProjectField
from designer.data_preview import DataPreviewer
from designer.document import Document
from designer.sample_views import sample_views
from designer.training_controller import TrainingController, finished_runs
from engine.data.preview import DataPreview
from engine.storage import StorageError
from engine.training import BatchEnded, EpochEnded, RunEnded, RunStarted, runs
from engine.training.config import LOSSES, OPTIMIZERS, SCHEDULERS
from engine.training.events import SamplesDecoded
from engine.training.progress import clock, format_metrics
from engine.training.run import available_devices
from engine.training.speed import PRECISIONS
from engine.training.tasks import metric_for, task_for
from engine.training.threads import AUTO, MAX_THREADS
from widgets.confusion_matrix import ConfusionMatrixView
from widgets.data_preview import DataPreviewView
from widgets.dataset_chooser import DatasetChooser
from widgets.sample_grid import SampleGrid
from widgets.training_plots import TrainingPlots

CHANNELS_LAST_CHOICES = ("auto", "on", "off")


def _side_by_side(*widgets: QWidget) -> QWidget:
    """Widgets in one row of a form: two settings where one row's height is to spare."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1)
    return row

DEFAULTS: dict[str, Any] = {
    "dataset": {"name": "digits"}, "loss": "CrossEntropyLoss",
    "optimizer": {"type": "Adam", "lr": 0.001}, "batch_size": 64, "epochs": 10,
    "validation_split": 0.2, "seed": 0,
}


COLUMN_WIDTH = 340
RUN_STATE_ROLE = Qt.ItemDataRole.UserRole + 1
"""A Runs item's run: finished, interrupted (resumable), lost (nothing to resume), running."""
"""The settings column beside the curves."""

PLOT_INTERVAL = 0.5
"""Seconds between redraws of the curves during a run: they look live, and repainting
them (the costly part, in the GUI thread) takes little from training. The progress bar and
the status line follow every batch the window hears of."""


def _align_labels(forms: list[QFormLayout]) -> None:
    """Forms stacked in one column line their fields up when their labels are as wide."""
    labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
              for form in forms for row in range(form.rowCount())
              if form.itemAt(row, QFormLayout.ItemRole.LabelRole) is not None]
    width = max(label.sizeHint().width() for label in labels)
    for label in labels:
        label.setMinimumWidth(width)


def _name_of(value: Any) -> str:
    name = value.get("type", "") if isinstance(value, dict) else value
    return name if isinstance(name, str) else ""


class TrainingPanel(QWidget):
    controls_changed = Signal()
    """Start, Pause or Stop became available or unavailable (menus follow the buttons)."""

    def __init__(self, document: Document, controller: TrainingController,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.controller = document, controller
        self._updating = False
        self.dataset = DatasetChooser()
        self.loss = QComboBox()
        self.loss.addItems(LOSSES)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.lr = QDoubleSpinBox(decimals=6, minimum=1e-6, maximum=10.0, singleStep=0.0005)
        self.scheduler = QComboBox()
        self.scheduler.addItems(["none", *SCHEDULERS])
        self.batch_size = QSpinBox(minimum=1, maximum=65536)
        self.epochs = QSpinBox(minimum=1, maximum=100000)
        self.validation_split = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9,
                                               singleStep=0.05)
        self.gradient_clip = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1000.0,
                                            singleStep=0.5, specialValueText="off")
        self.early_stopping = QSpinBox(minimum=0, maximum=1000, specialValueText="off")
        self.device = QComboBox()
        self.device.addItems(["auto", *available_devices()])
        self.precision = QComboBox()
        self.precision.addItems(PRECISIONS)
        self.precision.setToolTip("auto: bf16-mixed where it is faster (a GPU with "
                                  "bfloat16; a processor that computes it natively, for a "
                                  "network with the work for it), else 32-true; 32-true: "
                                  "float32; bf16-mixed: forward and loss in bfloat16 where "
                                  "the processor or GPU has it; 16-mixed: float16 with a "
                                  "GradScaler, on CUDA")
        self.compile = QCheckBox("Compile (torch.compile)")
        self.compile.setToolTip("Compile the network before the first batch (its time is "
                                "counted); a network it cannot compile trains as it is")
        self.channels_last = QComboBox()
        self.channels_last.addItems(CHANNELS_LAST_CHOICES)
        self.channels_last.setToolTip("Convolutions over images with their tensors in "
                                      "channels-last memory order, which GPUs' tensor cores "
                                      "and processors' oneDNN read fastest; auto: on wherever "
                                      "the network has 2-D convolutions")
        self.threads = QSpinBox(minimum=0, maximum=MAX_THREADS, specialValueText="auto")
        self.threads.setToolTip("torch's threads on a CPU; auto: the cores other work leaves "
                                "free, looked at again before every epoch")
        # the settings in two columns: all of them in sight in a dock of a third of the
        # window's height, where one column would scroll
        form = QFormLayout()
        for label, widget in (("Loss", self.loss), ("Optimizer", self.optimizer),
                              ("Learning rate", self.lr), ("Schedule", self.scheduler)):
            form.addRow(label, widget)
        more = QFormLayout()
        for label, widget in (("Batch size", self.batch_size), ("Epochs", self.epochs),
                              ("Validation split", self.validation_split),
                              ("Gradient clip", self.gradient_clip),
                              ("Early stopping patience", self.early_stopping),
                              ("Device", self.device), ("Threads", self.threads),
                              ("Precision", self.precision),
                              ("Channels last", _side_by_side(self.channels_last,
                                                              self.compile))):
            more.addRow(label, widget)
        _align_labels([form, self.dataset.form])
        self.from_last = QCheckBox("Start from the last run's weights")
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self.progress = QProgressBar()
        self.status = QLabel("Ready")
        self.status.setWordWrap(True)
        # two lines, always: a status that wraps differently from batch to batch would lay
        # the whole column out again five times a second
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for live in (self.progress, self.status):
            # opaque: their updates during a run repaint only themselves, not the dock
            # and the panel beneath them (each repaint of a Python-made widget takes
            # Python's lock from the training thread)
            live.setAutoFillBackground(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots = TrainingPlots()
        self.runs = QListWidget()
        self.runs.setToolTip("Earlier runs of this project: tick one to overlay its curves")
        self.runs.setMinimumHeight(48)
        # it takes the room the column has left, and never asks for more
        self.runs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.export_button = QPushButton("Export curves…")
        self.resume_button = QPushButton("Resume run")
        self.resume_button.setToolTip("Go on with the interrupted run selected in Runs, "
                                      "from its last checkpoint")
        self.resume_button.setEnabled(False)
        first = QVBoxLayout()
        first.addWidget(self.dataset)
        first.addLayout(form)
        first.addStretch(1)
        second = QVBoxLayout()
        second.addLayout(more)
        second.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(first, 1)
        columns.addSpacing(16)
        columns.addLayout(second, 1)
        form_holder = QWidget()
        form_holder.setLayout(columns)
        scroll = QScrollArea()  # only for docks far smaller than the default
        scroll.setWidget(form_holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumHeight(24)
        self.settings_page = scroll
        # the controls of a run, its result and the project's runs stay in sight however
        # small the dock is
        side = QVBoxLayout()
        side.addLayout(buttons)
        side.addWidget(self.progress)
        side.addWidget(self.status)
        side.addWidget(self.from_last)
        side.addWidget(self.result)
        side.addWidget(QLabel("Runs"))
        side.addWidget(self.runs, 1)
        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.resume_button)
        run_buttons.addWidget(self.export_button)
        side.addLayout(run_buttons)
        column = QWidget()
        column.setLayout(side)
        column.setFixedWidth(COLUMN_WIDTH)
        margins = side.contentsMargins()
        # fixed in both directions: a label of any other size that changes its text asks
        # its parents to lay out again, up to the main window (which then animates every
        # dock into place), five times a second during a run
        self.status.setFixedWidth(COLUMN_WIDTH - margins.left() - margins.right())
        self.result.setFixedWidth(COLUMN_WIDTH - margins.left() - margins.right())
        self.confusion = ConfusionMatrixView()
        self.samples = SampleGrid()
        results = QSplitter()
        results.addWidget(self.confusion)
        results.addWidget(self.samples)
        results.setSizes([380, 620])
        self.previewer = DataPreviewer(document, self)
        self.data_view = DataPreviewView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.settings_page, "Settings")
        self.tabs.addTab(self.data_view, "Data")
        self.tabs.addTab(self.plots, "Curves")
        self.tabs.addTab(results, "Results")
        layout = QHBoxLayout(self)
        # scrolls only in a dock smaller than the room Training gets when it is raised: the
        # panel must not hold the docks it shares a tab row with at its own height
        holder = QScrollArea()
        holder.setWidget(column)
        holder.setWidgetResizable(True)
        holder.setFrameShape(QScrollArea.Shape.NoFrame)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder.setFixedWidth(COLUMN_WIDTH)
        holder.setMinimumHeight(24)
        layout.addWidget(holder)
        layout.addWidget(self.tabs, 1)

        self.dataset.edited.connect(self._dataset_edited)
        for combo in (self.loss, self.optimizer, self.scheduler, self.device, self.precision):
            combo.activated.connect(self._edited)
        self.compile.toggled.connect(self._edited)
        self.channels_last.currentIndexChanged.connect(self._edited)
        for spin in (self.lr, self.batch_size, self.epochs, self.validation_split,
                     self.gradient_clip, self.early_stopping, self.threads):
            spin.editingFinished.connect(self._edited)
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(controller.stop)
        document.changed.connect(self.show_settings)
        document.replaced.connect(self.forget_last_run)
        document.replaced.connect(self.list_runs)
        document.path_changed.connect(self.list_runs)
        self.runs.itemChanged.connect(self._overlay_checked_runs)
        self.runs.currentItemChanged.connect(self._update_resume)
        self.resume_button.clicked.connect(self.resume_selected)
        self.export_button.clicked.connect(self.export_curves)
        controller.started.connect(self._on_started)
        controller.batches.connect(self._on_batches)
        controller.epoch_ended.connect(self._on_epoch)
        controller.ended.connect(self._on_ended)
        controller.refused.connect(self._on_refused)
        controller.ready_changed.connect(self._on_ready)
        controller.decoding.connect(self._on_decoding)
        self.previewer.ready.connect(self._show_preview)
        self.previewer.busy.connect(self._preview_busy)
        self._decoding = ""
        """While the first epoch decodes the data's files: how far it is."""
        self._batches_total = 0
        self._batches_done = 0
        self._run_started = 0.0
        self._plotted_at = 0.0
        self.show_settings()
        self._set_running(False)
        self.previewer.refresh()
        if not controller.ready:
            self.status.setText("Getting ready to train…")

    # -- settings ------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        return copy.deepcopy(self.document.project.training or DEFAULTS)

    def show_settings(self) -> None:
        self._updating = True
        training = self.settings()
        self.dataset.base_dir = self.document.path.parent if self.document.path else None
        self.dataset.show_entry(training.get("dataset"))
        self.loss.setCurrentText(_name_of(training.get("loss")))
        optimizer = training.get("optimizer", {"type": "Adam", "lr": 0.001})
        self.optimizer.setCurrentText(_name_of(optimizer))
        lr = optimizer.get("lr", 0.001) if isinstance(optimizer, dict) else 0.001
        self.lr.setValue(_shown(lr, 0.001, self.lr))
        self.scheduler.setCurrentText(_name_of(training.get("scheduler")) or "none")
        # a file may hold anything: the form shows what its fields can (the Problems dock
        # says what is wrong with the rest)
        self.batch_size.setValue(_shown(training.get("batch_size", 64), 64, self.batch_size))
        self.epochs.setValue(_shown(training.get("epochs", 10), 10, self.epochs))
        self.validation_split.setValue(_shown(training.get("validation_split", 0.2), 0.2,
                                              self.validation_split))
        self.gradient_clip.setValue(_shown(training.get("gradient_clip") or 0.0, 0.0,
                                           self.gradient_clip))
        early = training.get("early_stopping")
        self.early_stopping.setValue(_shown(early.get("patience", 5), 5, self.early_stopping)
                                     if isinstance(early, dict) else 0)
        self.device.setCurrentText(str(training.get("device", "auto")))
        threads = training.get("threads", AUTO)
        self.threads.setValue(0 if threads == AUTO else _shown(threads, 0, self.threads))
        self.precision.setCurrentText(str(training.get("precision", PRECISIONS[0])))
        self.compile.setChecked(training.get("compile") is True)
        self.channels_last.setCurrentText({True: "on", False: "off"}.get(
            training.get("channels_last"), "auto"))
        self._updating = False
        metric = metric_for(_name_of(training.get("loss")))
        if metric and not self.controller.running and self.plots.point_counts() == (0, 0):
            self.plots.show_metric(metric)  # so that a run's start need not lay them out

    def _dataset_edited(self, entry: dict[str, Any]) -> None:
        training = self.settings()
        if training.get("dataset") == entry and self.document.project.training is not None:
            return  # the same data chosen again: nothing changed
        training["dataset"] = entry
        self.document.push(SetProjectField(self.document, "training", training,
                                           "Choose training data"))
        self._forget_refusal()

    def _forget_refusal(self) -> None:
        """A refusal was about the settings of its time: once they change, it goes."""
        if self.result.text().startswith("Cannot train") and not self.controller.running:
            self.result.setText("")
            self.status.setText("Ready" if self.controller.ready
                                else "Getting ready to train…")

    def _preview_busy(self) -> None:
        self.data_view.show_note("Looking at the data…")
        self.dataset.show_summary("Looking at the data…")

    def _show_preview(self, preview: DataPreview | None) -> None:
        if preview is None:
            self.data_view.show_note("The Data tab shows folders and CSV files of clips; "
                                     "this data describes itself under Dataset in Settings")
            self.dataset.show_summary(None)
            return
        self.data_view.show_preview(preview)
        if preview.problem:
            self.dataset.show_summary(preview.problem, problem=True)
        else:
            self.dataset.show_summary(f"{preview.summary}; → {preview.reaches} (Data tab)")

    def _edited(self) -> None:
        if self._updating:
            return
        self._forget_refusal()
        training = self.settings()
        previous_loss = training.get("loss")
        loss = self.loss.currentText()
        training["loss"] = previous_loss if _name_of(previous_loss) == loss else loss
        optimizer = training.get("optimizer")
        optimizer = dict(optimizer) if isinstance(optimizer, dict) and _name_of(
            optimizer) == self.optimizer.currentText() else {"type": self.optimizer.currentText()}
        optimizer["lr"] = round(self.lr.value(), 6)
        training["optimizer"] = optimizer
        scheduler = self.scheduler.currentText()
        if scheduler == "none":
            training.pop("scheduler", None)
        elif _name_of(training.get("scheduler")) != scheduler:
            training["scheduler"] = {"type": scheduler}
        training["batch_size"] = self.batch_size.value()
        training["epochs"] = self.epochs.value()
        training["validation_split"] = round(self.validation_split.value(), 2)
        clip = round(self.gradient_clip.value(), 2)
        if clip:
            training["gradient_clip"] = clip
        else:
            training.pop("gradient_clip", None)
        patience = self.early_stopping.value()
        if patience:
            training["early_stopping"] = {"monitor": "val_loss", "patience": patience}
        else:
            training.pop("early_stopping", None)
        if self.device.currentText() == "auto":
            training.pop("device", None)
        else:
            training["device"] = self.device.currentText()
        if self.threads.value() == 0:
            training.pop("threads", None)
        else:
            training["threads"] = self.threads.value()
        if self.precision.currentText() == PRECISIONS[0]:
            training.pop("precision", None)
        else:
            training["precision"] = self.precision.currentText()
        if self.compile.isChecked():
            training["compile"] = True
        else:
            training.pop("compile", None)
        chosen = self.channels_last.currentText()
        if chosen == "auto":
            training.pop("channels_last", None)
        else:
            training["channels_last"] = chosen == "on"
        if training != self.document.project.training:
            self.document.push(SetProjectField(self.document, "training", training,
                                               "Edit training settings"))

    def forget_last_run(self) -> None:
        """Another project is shown: the curves, results and status of the last run were
        that of another network, and go (its own runs are in the Runs list)."""
        if self.controller.running:
            return
        self.plots.clear_overlays()
        training = self.settings()
        self.plots.start_run(metric_for(_name_of(training.get("loss")))
                             or self.plots.current_metric(),
                             _shown(training.get("epochs", 10), 10, self.epochs))
        self.confusion.clear()
        self.confusion.setVisible(True)
        self.samples.clear()
        self.result.setText("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText("Ready" if self.controller.ready
                            else "Getting ready to train…")
        self._show_newest_run()

    def _show_newest_run(self) -> None:
        """What the project's newest finished run showed when it ended: its curves (per
        epoch), its figures and its confusion matrix, read from its metrics.json."""
        finished = [r for r in runs.project_runs(self.document.path, self.document.project.name)
                    if r.state == "finished"]
        metrics = runs.read_metrics(finished[-1].folder) if finished else None
        result = (metrics or {}).get("result")
        if not metrics or not isinstance(result, dict):
            return
        task = metrics.get("task") if isinstance(metrics.get("task"), dict) else {}
        history = [row for row in metrics["history"] if isinstance(row, dict)]
        metric = task.get("metric") or metric_for(_name_of(task.get("loss"))) or \
            self.plots.current_metric()
        self.plots.show_finished_run(str(metric), history)
        figures = result.get("metrics") if isinstance(result.get("metrics"), dict) else {}
        shown = format_metrics({k: v for k, v in figures.items()
                                if k.startswith(("val_", "test_"))
                                and isinstance(v, (int, float))})
        folder = finished[-1].folder
        self.result.setText(f"Last run {folder.name}: {result.get('message', 'finished')}."
                            f"\n{shown}\nWeights: {folder}")
        matrix, classes = figures.get("confusion_matrix"), task.get("classes")
        if isinstance(matrix, list) and matrix and isinstance(classes, list):
            try:
                self.confusion.show_matrix(matrix, [str(c) for c in classes])
            except (TypeError, ValueError, IndexError):
                self.confusion.clear()  # a damaged file: the figures above still stand
        else:
            self.confusion.setVisible(False)
        self.samples.clear("Samples are shown as a run ends; the Inspect dock runs any "
                           "sample through this run's weights.")

    # -- run history -------------------------------------------------------------------
    def list_runs(self) -> None:
        """Every earlier run of the project, newest first, with how it ended: finished
        (with its figures, tickable to overlay its curves), interrupted (with the epoch it
        reached; Resume goes on with it) or running in another process."""
        self.runs.blockSignals(True)
        self.runs.clear()
        for record in reversed(runs.project_runs(self.document.path,
                                                 self.document.project.name)):
            if record.state == "finished":
                metrics = (record.result or {}).get("metrics")
                metrics = metrics if isinstance(metrics, dict) else {}
                figure = format_metrics({k: v for k, v in metrics.items()
                                         if k.startswith("val_") and k != "val_loss"
                                         and isinstance(v, (int, float))})
            else:
                figure = record.describe()
            name = record.folder.name + (f" ({record.trial})" if record.trial else "")
            item = QListWidgetItem(f"{name}  {figure}".strip())
            item.setData(Qt.ItemDataRole.UserRole, str(record.folder))
            item.setData(RUN_STATE_ROLE, record.state if record.state != "interrupted"
                         or record.resumable else "lost")
            if record.state == "finished":
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:
                item.setToolTip(record.describe())
            self.runs.addItem(item)
        self.runs.blockSignals(False)
        self._update_resume()

    def _selected_interrupted(self) -> Path | None:
        item = self.runs.currentItem()
        if item is None or item.data(RUN_STATE_ROLE) != "interrupted":
            return None
        return Path(item.data(Qt.ItemDataRole.UserRole))

    def _update_resume(self, *_: object) -> None:
        self.resume_button.setEnabled(not self.controller.running and self.controller.ready
                                      and self._selected_interrupted() is not None)

    def resume_selected(self) -> None:
        """Go on with the interrupted run selected in Runs."""
        folder = self._selected_interrupted()
        if folder is None:
            return
        self.result.setText("")
        if self.controller.start(default_training=DEFAULTS, resume=folder):
            self.tabs.setCurrentWidget(self.plots)
            self._set_running(True)
            self.pause_button.setEnabled(False)
            self.controls_changed.emit()
            self.progress.setRange(0, 0)
            self.status.setText(f"Resuming {folder.name}: loading the data…")

    def _overlay_checked_runs(self) -> None:
        self.plots.clear_overlays()
        for row in range(self.runs.count()):
            item = self.runs.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                folder = Path(item.data(Qt.ItemDataRole.UserRole))
                metrics = runs.read_metrics(folder)
                if metrics is not None:
                    self.plots.overlay(folder.name, metrics["history"])

    def export_curves(self, path: Path | None = None) -> list[Path]:
        """The curves as a PNG and their figures as CSV files."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Export curves", "curves.png",
                                                  "PNG image (*.png)")
            if not name:
                return []
            path = Path(name)
        try:
            png = self.plots.export_png(path.with_suffix(".png"))
            return [png, *self.plots.export_csv(path.with_suffix(".csv"))]
        except StorageError as error:
            self.status.setText(f"Curves not exported: {error}")
            return []

    # -- runs ----------------------------------------------------------------------------
    def start(self) -> None:
        runs = finished_runs(self.document)
        weights = runs[-1] / "weights.safetensors" if runs and self.from_last.isChecked() \
            else None
        self.result.setText("")
        if self.controller.start(from_weights=weights, default_training=DEFAULTS):
            self.tabs.setCurrentWidget(self.plots)  # the run's curves, from its first batch
            self._set_running(True)
            self.pause_button.setEnabled(False)  # until the trainer exists
            self.controls_changed.emit()
            self.progress.setRange(0, 0)  # busy: how long preparing takes is not known
            self.status.setText("Preparing: loading the data and building the network…")

    def toggle_pause(self) -> None:
        if self.controller.paused:
            self.controller.resume()
            self.pause_button.setText("Pause")
            self.status.setText("Training resumed")
        else:
            self.controller.pause()
            self.pause_button.setText("Resume")
            self.status.setText("Paused: Resume goes on from the same batch")
        self.controls_changed.emit()

    def _on_ready(self) -> None:
        self._update_resume()
        if not self.controller.running:
            self.start_button.setEnabled(True)
            self.status.setText("Ready")
            self.controls_changed.emit()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.controller.ready)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        for widget in (self.dataset, self.loss, self.optimizer, self.lr, self.scheduler,
                       self.batch_size, self.epochs, self.validation_split,
                       self.gradient_clip, self.early_stopping, self.device, self.threads,
                       self.precision, self.compile, self.channels_last, self.from_last):
            widget.setEnabled(not running)
        self.resume_button.setEnabled(not running and self._selected_interrupted() is not None)
        self.controls_changed.emit()

    def _on_started(self, event: RunStarted) -> None:
        self._decoding = ""
        self.pause_button.setEnabled(True)
        self.controls_changed.emit()
        metric = task_for(self.controller.trainer.config.loss).metric
        self.plots.start_run(metric, event.epochs)
        self._batches_total = (event.epochs - event.first_epoch + 1) * event.batches_per_epoch
        self._batches_done = 0
        self._run_started = time.perf_counter()
        self.progress.setRange(0, self._batches_total)
        self.progress.setValue(0)
        self.status.setText(f"Training on {event.device}: {event.train_samples:,} samples, "
                            f"{event.parameters:,} parameters")

    def _on_batches(self, events: list[BatchEnded]) -> None:
        for event in events:
            self.plots.add_batch(event.epoch - 1 + event.batch / event.batches, event.loss,
                                 event.lr)
        self._batches_done += len(events)
        last = events[-1]
        elapsed = time.perf_counter() - self._run_started
        left = elapsed / max(self._batches_done, 1) * (self._batches_total - self._batches_done)
        self.progress.setValue(self._batches_done)
        if not self.controller.paused:  # batches that were on their way keep "Paused"
            # the line break is ours: the label would break "samples/s" at its slash
            second = self._decoding or f"{last.samples_per_second:,.0f} samples/s"
            self.status.setText(f"Epoch {last.epoch}, batch {last.batch}/{last.batches} · "
                                f"loss {last.loss:.4f}\n{second} · ETA {clock(left)}")

    def _on_decoding(self, event: SamplesDecoded) -> None:
        """The first epoch decodes the data's files (later ones read the cache)."""
        self._decoding = "" if event.finished else (
            f"decoding {event.noun}s {event.done:,}/{event.total:,}")
        now = time.perf_counter()
        if now - self._plotted_at >= PLOT_INTERVAL:
            self._plotted_at = now
            self.plots.refresh()

    def _on_epoch(self, event: EpochEnded) -> None:
        self.plots.add_epoch(event.epoch, event.metrics)
        self.plots.refresh()

    def _on_ended(self, event: RunEnded) -> None:
        self._set_running(False)
        self.plots.refresh()  # the batches since the last redraw
        if self.progress.maximum() == 0:  # stopped while preparing: no longer busy
            self.progress.setRange(0, 1)
        self.list_runs()
        figures = format_metrics({k: v for k, v in event.metrics.items()
                                  if k.startswith(("val_", "test_"))})
        where = f"\nWeights: {self.controller.run_dir}" if self.controller.run_dir else ""
        self.result.setText(f"{event.message}.\n{figures}{where}")
        # in a turn of the event loop of its own: with the redraw above in the same turn,
        # the window would freeze for both
        QTimer.singleShot(0, self, lambda: self._show_results(event))
        self.status.setText({"completed": "Finished", "stopped": "Stopped",
                             "early_stopping": "Stopped early",
                             "failed": "The run failed"}[event.reason])

    def _show_results(self, event: RunEnded) -> None:
        """The confusion matrix (classification) and validation samples with prediction and
        truth, shown as fits the data (see designer.sample_views)."""
        trainer, samples = self.controller.trainer, self.controller.samples
        if trainer is None or samples is None:
            return
        matrix = event.metrics.get("confusion_matrix")
        if matrix:
            self.confusion.show_matrix(matrix, trainer.data.classes)
        else:
            self.confusion.clear()
        self.confusion.setVisible(bool(matrix))  # no empty axes where there is no matrix
        views, summary = sample_views(samples, trainer.data.classes, trainer.config.loss.type,
                                      self.samples.palette().color(QPalette.ColorRole.Base))
        self.samples.show_views(views, summary=summary)

    def _on_refused(self, problems: list[str], nodes: dict[str, str]) -> None:
        self._set_running(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText("Cannot train: see the problems list")
        self.result.setText("Cannot train:\n" + "\n".join(problems))


def _shown(value: Any, default: float, field: Any) -> Any:
    """`value` as the spin box `field` can show it: a number of its kind within its range
    (a file's 1e30 or "abc" must not break the form)."""
    whole = isinstance(field.value(), int)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        value = default
    value = min(max(value, field.minimum()), field.maximum())
    return int(value) if whole else float(value)
