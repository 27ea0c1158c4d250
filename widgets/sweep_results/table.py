"""The trials of a sweep, one row each: number, state, the values it took, its metric, its
cost and how long it trained."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine.sweeps.results import TrialRow
from engine.units import format_quantity

STATE_COLOURS = {"complete": QColor("#12a87c"), "pruned": QColor("#b08a1e"),
                 "failed": QColor("#d2453a"), "running": QColor("#3b7ddd"),
                 "waiting": QColor("#888888")}


class _Number(QTableWidgetItem):
    """Sorts by its value, not its text (9 before 10; empty cells last)."""

    def __init__(self, text: str, value: float | None):
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine = self.value if self.value is not None else float("inf")
        theirs = getattr(other, "value", None)
        return mine < (theirs if theirs is not None else float("inf"))


def shown_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _count(value: float | None) -> str:
    return "" if value is None else format_quantity(value).strip()


class TrialsTable(QTableWidget):
    """Signals: trial_activated(int number) on a double-click or Enter."""

    trial_activated = Signal(int)

    def __init__(self, parent=None):
        super().__init__(0, 0, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setAlternatingRowColors(True)
        self.itemDoubleClicked.connect(lambda item: self._activate(item.row()))
        self._rows: dict[int, TrialRow] = {}

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self._activate(self.currentRow())
            return
        super().keyPressEvent(event)

    def _activate(self, row: int) -> None:
        item = self.item(row, 0)
        if item is not None:
            self.trial_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_rows(self, rows: Sequence[TrialRow], names: Sequence[str], metric: str,
                  cost: str | None = None) -> None:
        """Replace the rows, keeping the selected trial selected and the sort order."""
        selected = self.selected_trial()
        cost = None if cost == "macs" else cost  # the MACs column says it
        headers = ["trial", "state", *names, metric.removeprefix("val_"),
                   *([cost] if cost else []), "MACs", "seconds"]
        sorting = self.horizontalHeader().sortIndicatorSection(), \
            self.horizontalHeader().sortIndicatorOrder()
        self.setSortingEnabled(False)
        self.clear()
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        self.setRowCount(len(rows))
        self._rows = {row.number: row for row in rows}
        for index, row in enumerate(rows):
            first = _Number(str(row.number), row.number)
            first.setData(Qt.ItemDataRole.UserRole, row.number)
            state = QTableWidgetItem(row.state + (f" (retry of {row.retry_of})"
                                                  if row.retry_of is not None else ""))
            state.setForeground(STATE_COLOURS.get(row.state, QColor("#888888")))
            if row.error:
                state.setToolTip(row.error)
            cells = [first, state]
            for name in names:
                value = row.params.get(name)
                cells.append(_Number(shown_value(value), value) if isinstance(
                    value, (int, float)) and not isinstance(value, bool)
                    else QTableWidgetItem(shown_value(value) if name in row.params else ""))
            cells.append(_Number("" if row.metric is None else f"{row.metric:.4f}",
                                 row.metric))
            if cost:
                cells.append(_Number(_count(row.cost), row.cost))
            cells.append(_Number(_count(row.macs), row.macs))
            cells.append(_Number("" if row.seconds is None else f"{row.seconds:.1f}",
                                 row.seconds))
            for column, cell in enumerate(cells):
                self.setItem(index, column, cell)
        self.setSortingEnabled(True)
        if 0 <= sorting[0] < len(headers):
            self.sortItems(*sorting)
        if selected is not None:
            self.select_trial(selected)

    def selected_trial(self) -> int | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        item = self.item(rows[0].row(), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def select_trial(self, number: int) -> None:
        for index in range(self.rowCount()):
            item = self.item(index, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == number:
                self.selectRow(index)
                return

    def row_of(self, number: int) -> TrialRow | None:
        return self._rows.get(number)
