"""What the network costs, shown in the window: figures on each node, the totals in the
status bar, the canvas coloured by one figure (View ▸ Colour By), and a measured profile
of the layers (Train ▸ Profile Layers) run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from designer.background import BackgroundTask
from engine.analysis import Analysis
from engine.costs import Costs, network_costs
from engine.units import format_bytes, format_quantity
from widgets.canvas.heat import Heat

if TYPE_CHECKING:
    from designer.main_window import MainWindow
    from engine.profiling import Profile

ColourBy = Literal["nothing", "parameters", "macs", "memory", "time", "gradient", "dead"]
COLOUR_BY_NAMES: dict[ColourBy, str] = {
    "nothing": "&Nothing", "parameters": "&Parameters", "macs": "&MACs",
    "memory": "M&emory", "time": "Measured &Time", "gradient": "&Gradient Norm",
    "dead": "&Dead Units",
}
HEALTH_FIGURES = {"gradient": "gradient_norm", "dead": "dead"}
PROFILE_REPEATS = 5


def network_key(analysis: Analysis, batch: int) -> tuple:
    """What a profile depends on: the layers, their settings and wiring, and the batch;
    moving nodes around does not make a profile stale."""
    return (batch, tuple(
        (node_id, report.spec.name if report.spec else None, repr(report.params),
         tuple(str(info) for info in report.inputs))
        for node_id, report in analysis.nodes.items()))


class CostView(QObject):
    profile_running_changed = Signal(bool)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.colour_by: ColourBy = "nothing"
        self.costs: Costs | None = None
        self.profile: Profile | None = None
        self._profile_key: tuple | None = None
        self.task: BackgroundTask | None = None
        self.health: dict[str, dict[str, float | None]] = {}
        """The newest health sample of the project's run, per node."""
        self.health_note = ""
        self.totals = QLabel()
        self.totals.setObjectName("cost_totals")

    # -- analysis → figures --------------------------------------------------------------
    def show_analysis(self, analysis: Analysis) -> None:
        document = self._window.document
        self.costs = network_costs(document.graph, analysis, document.project.training)
        if self.profile is not None and \
                network_key(analysis, self.costs.batch) != self._profile_key:
            self.profile = None  # measured on a network that has changed since
        self._window.scene.set_costs(self.costs, self.profile)
        self.totals.setText(self.totals_text())
        self._show_heat()

    def totals_text(self) -> str:
        costs = self.costs
        if costs is None or not costs.nodes:
            return ""
        text = f"{format_quantity(costs.total_macs)}MAC per sample"
        if costs.step_bytes is not None:
            text += (f" · training step ≈ {format_bytes(costs.step_bytes)} at batch "
                     f"{costs.batch}")
        return text

    # -- colouring -----------------------------------------------------------------------
    def set_colour_by(self, colour_by: ColourBy) -> None:
        self.colour_by = colour_by
        if colour_by == "time" and self.profile is None and not self.profiling:
            self.start_profile()
        self._show_heat()

    def heat(self) -> Heat | None:
        costs, mode = self.costs, self.colour_by
        if mode == "nothing" or costs is None:
            return None
        scale = "log scale"
        if mode in HEALTH_FIGURES:
            return self._health_heat(mode)
        if mode == "parameters":
            return Heat("Parameters", {n: c.params for n, c in costs.nodes.items()},
                        lambda v: format_quantity(v).strip(), scale)
        if mode == "macs":
            return Heat("MACs per sample", {n: c.macs for n, c in costs.nodes.items()},
                        lambda v: format_quantity(v).strip(), scale)
        if mode == "memory":
            return Heat(f"Output memory at batch {costs.batch}",
                        {n: c.output_bytes * costs.batch for n, c in costs.nodes.items()},
                        format_bytes, scale)
        profile = self.profile
        if profile is None:
            note = "measuring…" if self.profiling else "not measured: Train ▸ Profile Layers"
            return Heat("Measured time", {}, _milliseconds, note)
        return Heat("Measured time, forward + backward",
                    {n: t.total for n, t in profile.nodes.items()}, _milliseconds,
                    f"{scale} · batch {profile.batch}, median of {profile.repeats} steps "
                    f"on the {profile.device.upper()}")

    def set_health(self, figures: dict[str, dict[str, float | None]], note: str) -> None:
        """The layers' health from a run (live or saved): gradient norms, dead units."""
        self.health, self.health_note = figures, note
        if self.colour_by in HEALTH_FIGURES:
            self._show_heat()

    def _health_heat(self, mode: str) -> Heat:
        figure = HEALTH_FIGURES[mode]
        values = {node: value for node, figures in self.health.items()
                  if (value := figures.get(figure)) is not None}
        note = self.health_note if self.health else "no run yet: train to see it"
        if mode == "gradient":
            return Heat("Gradient norm of the parameters", values, lambda v: f"{v:.1g}",
                        f"log scale · {note}")
        return Heat("Dead units: ReLU outputs zero for a whole batch", values,
                    lambda v: f"{100 * v:.0f} %", note, bounds=(0.0, 1.0))

    def _show_heat(self) -> None:
        self._window.scene.set_heat(self.shown_heat())

    def shown_heat(self) -> Heat | None:
        """The heat as the canvas shows the network: a collapsed block coloured by what its
        layers (and their repetitions) add up to — or, for a layer's health, by its worst
        layer's figure."""
        heat = self.heat()
        view = self._window.blocks.view
        if heat is None or not view.hidden:
            return heat
        origin = self._window.document.analysis.origin
        additive = self.colour_by not in HEALTH_FIGURES
        values: dict[str, float] = {}
        for node_id, value in heat.values.items():
            shown = view.shown_id(origin.get(node_id, node_id))
            if shown not in values:
                values[shown] = value
            elif additive:
                values[shown] += value
            else:
                values[shown] = max(values[shown], value)
        return replace(heat, values=values)

    # -- profiling -----------------------------------------------------------------------
    @property
    def profiling(self) -> bool:
        return self.task is not None and self.task.running

    def start_profile(self) -> None:
        """Measure each layer's time on random data, on a worker thread."""
        window = self._window
        analysis = window.document.analysis
        if self.profiling:
            return
        if not analysis.ok:
            window.statusBar().showMessage("Profiling needs a network without errors: fix "
                                           "the problems listed first", 6000)
            return
        if window.document.read_only:
            window.statusBar().showMessage("Profiling waits until training has stopped: "
                                           "both would compete for the processor", 6000)
            return
        graph = window.document.graph.copy()
        costs = self.costs or network_costs(graph, analysis, window.document.project.training)
        key = network_key(analysis, costs.batch)
        work = _profile_work(graph, analysis, costs.batch)
        self.task = BackgroundTask(work, lambda profile: self._on_profiled(profile, key),
                                   self._on_profile_failed, self)
        self.task.start()
        window.statusBar().showMessage(f"Profiling the layers at batch {costs.batch}…")
        self.profile_running_changed.emit(True)
        self._show_heat()

    def _on_profiled(self, profile: Profile, key: tuple) -> None:
        self.profile_running_changed.emit(False)
        analysis = self._window.document.analysis
        costs = self.costs
        if costs is None or network_key(analysis, costs.batch) != key:
            self._window.statusBar().showMessage("The network changed while it was being "
                                                 "profiled: profile it again", 6000)
            self._show_heat()
            return
        self.profile, self._profile_key = profile, key
        self._window.statusBar().showMessage(
            f"Profiled at batch {profile.batch}: the layers take "
            f"{_milliseconds(profile.measured)}, a whole step {_milliseconds(profile.step)}",
            8000)
        self._window.scene.set_costs(costs, profile)
        self.colour_by = "time"
        self._show_heat()
        self._window.colour_by_changed(self.colour_by)

    def _on_profile_failed(self, error: BaseException) -> None:
        self.profile_running_changed.emit(False)
        self._window.statusBar().showMessage(f"Could not profile the network: {error}", 10000)
        self._show_heat()

    def wait(self) -> None:
        if self.task is not None:
            self.task.wait()


def _profile_work(graph, analysis: Analysis, batch: int) -> Callable[[], Profile]:
    def work() -> Profile:
        from engine.profiling import profile_network

        return profile_network(graph, analysis, batch, PROFILE_REPEATS)
    return work


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
