"""Vary…: over what range, or which choices, a sweep tries one parameter. Prefilled from the
catalogue's limits and the parameter's current value; what the sweep would refuse is said
in the dialog, which stays open until it is mended or cancelled."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.graph import Graph
from engine.sweeps.space import SweepError, read_varied


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value) if not isinstance(value, str) else value


def parse_choices(text: str) -> list[Any]:
    """'32, 64, 128' → [32, 64, 128]; 'ReLU, GELU' → names; lists (kernel sizes) are
    separated by ';': '[3, 3]; [5, 5]'. Each item is read as JSON where it is JSON."""
    parts = text.split(";") if ";" in text else text.split(",")
    values = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        try:
            values.append(json.loads(part))
        except ValueError:
            values.append(part)
    return values


class VaryDialog(QDialog):
    """`entry` after exec(): the vary list's entry; `removed`: Stop varying was chosen."""

    def __init__(self, graph: Graph, entry: dict[str, Any], name: str, varied: bool,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Vary {name}")
        self.graph, self.entry, self.removed = graph, dict(entry), False
        self._owner = {k: v for k, v in entry.items() if k in ("node", "block", "training",
                                                               "param")}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Try <b>{name}</b> over a range or a list of values in "
                                "each trial of the sweep."))
        self.as_range = QRadioButton("Range")
        self.as_choices = QRadioButton("Choices")
        group = QButtonGroup(self)
        group.addButton(self.as_range)
        group.addButton(self.as_choices)
        form = QFormLayout()
        self.low, self.high, self.step = QLineEdit(), QLineEdit(), QLineEdit()
        self.step.setPlaceholderText("any value")
        self.log = QCheckBox("Log scale (for values that span powers of ten)")
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("32, 64, 128  or  ReLU, GELU  or  [3, 3]; [5, 5]")
        form.addRow(self.as_range)
        form.addRow("Low", self.low)
        form.addRow("High", self.high)
        form.addRow("Step", self.step)
        form.addRow("", self.log)
        form.addRow(self.as_choices)
        form.addRow("Values", self.choices)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("vary_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d2453a")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        if varied:
            stop = buttons.addButton("Stop Varying", QDialogButtonBox.ButtonRole.DestructiveRole)
            stop.clicked.connect(self._remove)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._fill(entry)
        self.as_range.toggled.connect(self._enable)
        self._enable()

    def _fill(self, entry: dict[str, Any]) -> None:
        if "choices" in entry:
            self.as_choices.setChecked(True)
            joiner = "; " if any(isinstance(c, list) for c in entry["choices"]) else ", "
            self.choices.setText(joiner.join(_text(c) for c in entry["choices"]))
        else:
            self.as_range.setChecked(True)
            self.low.setText(_text(entry.get("low", "")))
            self.high.setText(_text(entry.get("high", "")))
            if entry.get("step") is not None:
                self.step.setText(_text(entry["step"]))
            self.log.setChecked(bool(entry.get("log")))
            self.choices.setText(", ".join(_text(entry[k]) for k in ("low", "high")
                                           if k in entry))

    def _enable(self) -> None:
        ranged = self.as_range.isChecked()
        for widget in (self.low, self.high, self.step, self.log):
            widget.setEnabled(ranged)
        self.choices.setEnabled(not ranged)

    def _remove(self) -> None:
        self.removed = True
        super().accept()

    def read(self) -> dict[str, Any]:
        entry = dict(self._owner)
        if self.as_choices.isChecked():
            entry["choices"] = parse_choices(self.choices.text())
            return entry
        for key, field in (("low", self.low), ("high", self.high), ("step", self.step)):
            text = field.text().strip()
            if text:
                try:
                    entry[key] = json.loads(text)
                except ValueError:
                    entry[key] = text
        if self.log.isChecked():
            entry["log"] = True
        return entry

    def accept(self) -> None:
        entry = self.read()
        try:
            read_varied(entry, self.graph, 1)
        except SweepError as error:
            self.error.setText("\n".join(error.problems))
            self.error.show()
            return
        self.entry = entry
        super().accept()
