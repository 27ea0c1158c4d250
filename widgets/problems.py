"""The problems list: every error and warning of the network, errors first, one row each.

Activating a row (click or Enter) asks the application to show the node or edge at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import Problem

ERROR_COLOUR = QColor("#e5484d")
WARNING_COLOUR = QColor("#e79d13")
OK_COLOUR = QColor("#30a46c")
"""Saturated enough to read on both light and dark backgrounds."""

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1


def severity_icon(severity: str, size: int = 16) -> QIcon:
    """A painted marker for 'error' (red disc with a cross), 'warning' (amber triangle with
    '!') or 'ok' (green disc with a tick); painted rather than taken from the style so it
    looks the same in every style and palette."""
    icon = QIcon()
    for scale in (1, 2):
        icon.addPixmap(_marker_pixmap(severity, size, scale))
    return icon


def _marker_pixmap(severity: str, size: int, scale: int) -> QPixmap:
    pixmap = QPixmap(size * scale, size * scale)
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    mark = QPen(QColor("white"), max(1.5, s / 9), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)
    if severity == "warning":
        triangle = QPainterPath()
        triangle.moveTo(s / 2, s * 0.06)
        triangle.lineTo(s * 0.97, s * 0.92)
        triangle.lineTo(s * 0.03, s * 0.92)
        triangle.closeSubpath()
        painter.fillPath(triangle, WARNING_COLOUR)
        painter.setPen(mark)
        painter.drawLine(QPointF(s / 2, s * 0.36), QPointF(s / 2, s * 0.6))
        painter.drawPoint(QPointF(s / 2, s * 0.77))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OK_COLOUR if severity == "ok" else ERROR_COLOUR)
        painter.drawEllipse(QRectF(s * 0.04, s * 0.04, s * 0.92, s * 0.92))
        painter.setPen(mark)
        if severity == "ok":
            painter.drawPolyline([QPointF(s * 0.3, s * 0.52), QPointF(s * 0.45, s * 0.67),
                                  QPointF(s * 0.72, s * 0.36)])
        else:
            inset = s * 0.33
            painter.drawLine(QPointF(inset, inset), QPointF(s - inset, s - inset))
            painter.drawLine(QPointF(s - inset, inset), QPointF(inset, s - inset))
    painter.end()
    return pixmap


def count_text(problems: Sequence[Problem]) -> str:
    """'2 errors, 1 warning', '1 error', '3 warnings' or 'No problems'."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error" + ("s" if errors != 1 else ""))
    if warnings:
        parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
    return ", ".join(parts) if parts else "No problems"


def sorted_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Errors before warnings; `sorted` is stable, so each keeps the order it was given in."""
    return sorted(problems, key=lambda p: 0 if p.severity == "error" else 1)


class _RoomyRows(QStyledItemDelegate):
    """Default rows are cramped for a list people scan while fixing things."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 8, size.height() + 6)


class _ProblemTree(QTreeWidget):
    """Reports a row as chosen once per click, double-click or Enter.

    QAbstractItemView's own `activated` depends on the style (single or double click), and a
    double-click also ends with a `clicked`; this view decides itself so that one gesture is
    one activation everywhere."""

    row_chosen = Signal(QTreeWidgetItem)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._swallow_next_click = False
        self.clicked.connect(self._on_clicked)

    def _on_clicked(self) -> None:
        if self._swallow_next_click:
            self._swallow_next_click = False
            return
        item = self.currentItem()
        if item is not None:
            self.row_chosen.emit(item)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # the first click of the pair already chose the row; the release that ends the
        # double-click would emit `clicked` a second time
        self._swallow_next_click = True
        super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._swallow_next_click = False
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.row_chosen.emit(self.currentItem())
            event.accept()
            return
        super().keyPressEvent(event)


class ProblemsList(QWidget):
    """Errors and warnings of the network with a count in the header.

    Signals:
        problem_activated(str): the id of the node a chosen problem is about (problems that
            name no node, such as 'the network is empty', emit nothing).
        edge_activated(object): the engine.graph.Edge a chosen problem is about, if any.
    """

    problem_activated = Signal(str)
    edge_activated = Signal(object)
    fix_requested = Signal(object, QPoint)
    """A problem whose Fix button was pressed, and where (global) to offer the fixes."""

    COLUMNS = ("Severity", "Where", "Message", "")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._problems: list[Problem] = []
        self._fixable: Callable[[Problem], bool] = lambda problem: False
        self._fix_buttons: list[QToolButton] = []

        self._summary_icon = QLabel()
        self._summary = QLabel()
        bold = QFont(self._summary.font())
        bold.setBold(True)
        self._summary.setFont(bold)
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 8, 6)
        header.setSpacing(6)
        header.addWidget(self._summary_icon)
        header.addWidget(self._summary)
        header.addStretch(1)

        self._tree = _ProblemTree()
        self._tree.setColumnCount(len(self.COLUMNS))
        self._tree.setHeaderLabels(list(self.COLUMNS))
        self._tree.setRootIsDecorated(False)
        self._tree.setUniformRowHeights(True)
        self._tree.setAllColumnsShowFocus(True)
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._tree.setIconSize(QSize(14, 14))
        self._tree.setItemDelegate(_RoomyRows(self._tree))
        self._tree.setFrameShape(QTreeWidget.Shape.NoFrame)
        columns = self._tree.header()
        columns.setStretchLastSection(False)
        columns.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        columns.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._tree.row_chosen.connect(self._on_row_chosen)

        self._empty = QLabel("No errors or warnings.")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._empty.setAutoFillBackground(True)
        self._empty.setBackgroundRole(QPalette.ColorRole.Base)

        self._stack = QStackedWidget()
        self._stack.addWidget(self._tree)
        self._stack.addWidget(self._empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self._stack, 1)
        self.set_problems([])

    # public API

    def set_fixable(self, fixable: Callable[[Problem], bool]) -> None:
        """Which problems get a Fix button (the application knows which it can repair)."""
        self._fixable = fixable

    def fix_button(self, problem: Problem) -> QToolButton | None:
        for button in self._fix_buttons:
            if button.property("problem") is problem:
                return button
        return None

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show these problems, errors first, each severity in the order given."""
        self._problems = sorted_problems(problems)
        self._tree.clear()
        self._fix_buttons = []
        for problem in self._problems:
            item = QTreeWidgetItem([problem.severity, problem.where, problem.message])
            item.setIcon(0, severity_icon(problem.severity))
            item.setData(0, PROBLEM_ROLE, problem)
            tip = str(problem)
            if problem.node is None and problem.edge is None:
                tip += "\n(about the whole network)"
            for column in range(len(self.COLUMNS)):
                item.setToolTip(column, tip)
            self._tree.addTopLevelItem(item)
            if self._fixable(problem):
                self._add_fix_button(item, problem)
        # the location column fits its longest entry, within reason, so messages keep room
        self._tree.resizeColumnToContents(1)
        if self._tree.columnWidth(1) > 260:
            self._tree.setColumnWidth(1, 260)

        self._summary.setText(count_text(self._problems))
        worst = ("error" if any(p.severity == "error" for p in self._problems)
                 else "warning" if self._problems else "ok")
        self._summary_icon.setPixmap(severity_icon(worst).pixmap(QSize(14, 14),
                                                                 self.devicePixelRatioF()))
        self._stack.setCurrentWidget(self._tree if self._problems else self._empty)

    def _add_fix_button(self, item: QTreeWidgetItem, problem: Problem) -> None:
        button = QToolButton()
        button.setText("Fix…")
        button.setAutoRaise(True)
        button.setToolTip("See the quick fixes for this problem and apply one (Ctrl+. on "
                          "the selected layer)")
        button.setProperty("problem", problem)
        button.clicked.connect(lambda: self.fix_requested.emit(
            problem, button.mapToGlobal(button.rect().bottomLeft())))
        self._tree.setItemWidget(item, 3, button)
        self._fix_buttons.append(button)

    def problems(self) -> list[Problem]:
        """The problems shown, in display order."""
        return list(self._problems)

    def summary_text(self) -> str:
        """The header's count, e.g. '2 errors, 1 warning'."""
        return self._summary.text()

    def tree(self) -> QTreeWidget:
        """The view that holds one row per problem (for keyboard focus and tests)."""
        return self._tree

    # behaviour

    def _on_row_chosen(self, item: QTreeWidgetItem) -> None:
        problem: Problem = item.data(0, PROBLEM_ROLE)
        if problem.node is not None:
            self.problem_activated.emit(problem.node)
        if problem.edge is not None:
            self.edge_activated.emit(problem.edge)
