"""What the inspector says about a node rather than edits: its tensors, problems and help."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import NodeReport, Problem
from engine.catalogue import SHARES, LayerSpec
from widgets.inspector.style import dim_label, section_title, value_label
from widgets.node_figures import CostFigures
from widgets.problems import severity_icon


class NodeInfo:
    """The node's input and output shapes and parameter count, then hints, its problems and
    the layer's help.

    The tensor rows go into the form the editors are in, so that their columns line up;
    everything after them goes into `details`, a layout for the caller to place below it.
    """

    def __init__(self, form: QFormLayout):
        form.addRow(section_title("Tensors"))
        self._tensor_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for caption, name in (("Input", "input_shapes"), ("Output", "output_shape"),
                              ("Parameters", "param_count")):
            caption_label = dim_label(caption, wrap=False)
            value = value_label("", name)
            form.addRow(caption_label, value)
            self._tensor_labels[name] = (caption_label, value)

        self.details = QVBoxLayout()
        self.details.setContentsMargins(0, 0, 0, 0)
        self.details.setSpacing(4)

    def fill(self, spec: LayerSpec | None, report: NodeReport | None,
             problems: Sequence[Problem], figures: CostFigures | None = None) -> list[str]:
        """Show what `report` and `problems` say about a node of layer `spec` (None: an
        unknown type), and what it costs; returns the shapes, parameter count, costs and
        problems as plain text lines."""
        _clear(self.details)
        lines: list[str] = []

        if spec is not None and spec.is_input:
            input_text = "none (data enters here)"
        elif report is None or not report.inputs:
            input_text = "—" if report is None else "not connected"
        elif len(report.inputs) == 1:
            input_text = str(report.inputs[0])
        else:
            input_text = "\n".join(f"{port}: {info}" for port, info in enumerate(report.inputs))
        if report is None:
            output_text = "—"
        else:
            output_text = str(report.output) if report.output is not None else "unknown"
        if report is None or report.param_count is None:
            count_text = "—"
        else:
            count_text = f"{report.param_count:,}"
            shared = (report.params or {}).get(SHARES)
            if shared:
                count_text += f" (uses the weights of '{shared}')"
        inputs_caption = "Inputs" if report is not None and len(report.inputs) > 1 else "Input"
        for name, caption, text in (("input_shapes", inputs_caption, input_text),
                                    ("output_shape", "Output", output_text),
                                    ("param_count", "Parameters", count_text)):
            caption_label, value = self._tensor_labels[name]
            caption_label.setText(caption)
            value.setText(text)
            lines.append(f"{caption}: {text}".replace("\n", "; "))
        if report is not None and report.frames is not None:
            per_frame = (f"Per frame: applied to each of the {report.frames} frames of the "
                         "clip, with the same weights.")
            self.details.addWidget(dim_label(per_frame))
            lines.append(per_frame)
        if report is None:
            self.details.addWidget(dim_label("Shapes appear once the network is analysed."))
        elif report.output is None:
            self.details.addWidget(dim_label("The output is unknown until the problems below "
                                             "(or upstream) are fixed."
                                             if problems else
                                             "The output is unknown until the layers before "
                                             "this one are fixed."))

        if figures is not None:
            self.details.addWidget(section_title("Cost"))
            costs = QFormLayout()
            costs.setContentsMargins(0, 0, 0, 0)
            for caption, text in figures.rows():
                value = value_label(text, f"cost_{caption.lower().replace(' ', '_')}")
                value.setWordWrap(True)
                costs.addRow(dim_label(caption, wrap=False), value)
                lines.append(f"{caption}: {text}")
            self.details.addLayout(costs)

        if problems:
            self.details.addWidget(section_title(f"Problems ({len(problems)})"))
            ordered = sorted(problems, key=lambda p: 0 if p.severity == "error" else 1)
            for problem in ordered:
                self.details.addWidget(_problem_row(problem))
                lines.append(f"{problem.severity}: {problem.message}")

        if spec is not None:
            self.details.addWidget(section_title("About"))
            about = QLabel(f"{spec.help}\n\nTakes {spec.takes_inputs}.")
            about.setObjectName("help_text")
            about.setWordWrap(True)
            about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details.addWidget(about)
        return lines


def _problem_row(problem: Problem) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 2, 0, 2)
    layout.setSpacing(6)
    icon = QLabel()
    icon.setPixmap(severity_icon(problem.severity).pixmap(14, 14))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    icon.setContentsMargins(0, 2, 0, 0)
    # a problem about an edge names it; one about this node needs no location
    text = problem.message if problem.edge is None else f"{problem.where}: {problem.message}"
    message = QLabel(text)
    message.setWordWrap(True)
    message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    message.setToolTip(str(problem))
    message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(message, 1)
    return row


def _clear(layout: QVBoxLayout | QFormLayout | QHBoxLayout) -> None:
    # hidden at once so nothing stale shows before the deferred delete runs
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().hide()
            item.widget().deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())
