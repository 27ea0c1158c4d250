"""The property inspector: a form generated from the selected node's layer spec.

This module lays the form out and carries edits between its editors (editors), what it
says about the node (info) and the application.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import NodeReport, Problem
from engine.catalogue import LayerSpec, ParamError, spec_for
from engine.graph import Node, id_problem
from widgets.inspector.editors import Field, make_field
from widgets.inspector.info import NodeInfo
from widgets.inspector.style import (
    INVALID_STYLE,
    dim_label,
    error_label,
    repolish,
    section_title,
    value_label,
)
from widgets.node_figures import CostFigures
from widgets.palette import category_colours, format_value

RenameCheck = Callable[[str], str | None]

EMPTY_MESSAGE = "Select a layer to edit its parameters"


def _has_focus(widget: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))



class PropertyInspector(QWidget):
    """Edits the parameters and id of one node.

    Signals:
        params_edited(str node_id, dict params): the node's complete params after an
            accepted edit (the values set on the node plus the edited one).
        rename_requested(str old_id, str new_id): a valid new id was entered; the
            application renames the node (and re-shows it).
        vary_requested(str node_id, str param): "Vary…" was chosen on a parameter's label
            or field (its context menu): the application asks over what range.
    """

    params_edited = Signal(str, dict)
    rename_requested = Signal(str, str)
    vary_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._node: Node | None = None
        self._spec: LayerSpec | None = None
        self._params: dict[str, Any] = {}
        self._fields: dict[str, Field] = {}
        self._read_only = False
        self._rename_check: RenameCheck | None = None
        self._pending_rename: str | None = None
        self.setStyleSheet(INVALID_STYLE)

        self._stack = QStackedWidget()
        self._empty = self._build_empty_page()
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

        self._id_edit: QLineEdit | None = None
        self._id_error: QLabel | None = None
        self._header_summary: QLabel | None = None
        self._read_only_note: QLabel | None = None
        self._info: NodeInfo | None = None
        self._info_lines: list[str] = []
        self._message_rows: dict[QLabel, QFormLayout] = {}
        """Each error message's form, to show or hide its row."""
        self._labels: dict[str, QLabel] = {}
        self._varied: dict[str, str] = {}
        """The shown node's parameters a sweep varies, with what they range over."""
        self.menu: QMenu | None = None
        """The context menu open on a parameter, if any."""
        self.show_node(None)

    # public API

    def show_node(self, node: Node | None, report: NodeReport | None = None,
                  problems: Sequence[Problem] = (),
                  figures: CostFigures | None = None) -> None:
        """Show `node` (None: the empty state). The same node again (same id, or the id it
        was just renamed to, and same type) is updated in place so the editor in use keeps
        the keyboard focus."""
        if node is None:
            self._detach_fields()
            self._node, self._spec, self._params = None, None, {}
            self._stack.setCurrentWidget(self._empty)
            return
        same = (self._node is not None and node.type == self._node.type
                and node.id in (self._node.id, self._pending_rename))
        self._pending_rename = None
        self._node = node
        self._spec = spec_for(node.type)
        self._params = dict(node.params)
        if not same:
            self._build_form(node)
        self._refresh(node, report, problems, figures)
        self._stack.setCurrentWidget(self._scroll)

    def node_id(self) -> str | None:
        """The id of the node shown, or None."""
        return self._node.id if self._node is not None else None

    def set_rename_check(self, check: RenameCheck | None) -> None:
        """`check(new_id)` returns why the application cannot take that id (e.g. "a node
        named 'x' already exists") or None; it runs after the id's own syntax check."""
        self._rename_check = check

    def set_varied(self, varied: dict[str, str]) -> None:
        """Mark the parameters a sweep varies (name → what it ranges over, 'from 16 to
        256'): their labels end in '~' and say so in their tooltips."""
        self._varied = dict(varied)
        self._mark_varied()

    def _mark_varied(self) -> None:
        for name, label in self._labels.items():
            param = self._spec.param(name) if self._spec is not None else None
            help_text = param.help if param is not None else ""
            if name in self._varied:
                label.setText(f"{name} ~")
                label.setToolTip(f"{help_text}\n\nVaries in the sweep: "
                                 f"{self._varied[name]}".strip())
            else:
                label.setText(name)
                label.setToolTip(help_text)

    def set_read_only(self, read_only: bool) -> None:
        """Lock every editor (while training, say); values stay visible and selectable."""
        self._read_only = read_only
        self._apply_read_only()

    def is_read_only(self) -> bool:
        return self._read_only

    def editor(self, param_name: str) -> QWidget | None:
        """The editor of one parameter of the node shown (for focus and tests)."""
        field = self._fields.get(param_name)
        return field.editor if field is not None else None

    def id_editor(self) -> QLineEdit | None:
        return self._id_edit

    def error_text(self, param_name: str) -> str:
        """The message under a parameter's editor, '' when its value is fine."""
        field = self._fields.get(param_name)
        return field.error.text() if field is not None else ""

    def rename_error_text(self) -> str:
        return self._id_error.text() if self._id_error is not None else ""

    def info_text(self) -> str:
        """The node's shapes, parameter count and problems as plain text, one per line."""
        return "\n".join(self._info_lines)

    # building

    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        title = QLabel(EMPTY_MESSAGE)
        title.setObjectName("empty_message")
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        hint = dim_label("Click a node on the canvas, or add one from the palette.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addStretch(3)
        return page

    def _param_menu(self, widget: QWidget, name: str, pos: QPoint) -> None:
        """The field's own menu (cut, copy, paste) where it has one, then Vary…"""
        line = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
        menu = line.createStandardContextMenu() if isinstance(line, QLineEdit) else \
            QMenu(self)
        if menu.actions():
            menu.addSeparator()
        vary = menu.addAction("Vary…" if name not in self._varied else
                              f"Vary… ({self._varied[name]})")
        vary.setObjectName("vary_action")
        vary.setEnabled(not self._read_only and self._node is not None)
        node_id = self._node.id if self._node is not None else ""
        vary.triggered.connect(lambda: self.vary_requested.emit(node_id, name))
        menu.aboutToHide.connect(menu.deleteLater)
        self.menu = menu
        menu.popup(widget.mapToGlobal(pos))

    def _detach_fields(self) -> None:
        # editors about to go must not commit on their way out (losing focus while being
        # deleted ends an edit), or their value would land on the next node
        for field in self._fields.values():
            field.committed.disconnect()
            field.editor.blockSignals(True)
        if self._id_edit is not None:
            self._id_edit.blockSignals(True)
        self._fields = {}
        self._labels = {}

    def _build_form(self, node: Node) -> None:
        self._detach_fields()
        old = self._scroll.takeWidget()
        if old is not None:
            old.deleteLater()

        page = QWidget()
        page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(page)
        column.setContentsMargins(12, 10, 12, 12)
        column.setSpacing(4)

        column.addLayout(self._build_header(node))

        # one form for the id, the parameters and the tensors, so their columns line up
        form = self._new_form()
        self._id_edit = QLineEdit()
        self._id_edit.setObjectName("id_edit")
        self._id_edit.setToolTip("The node's name: it names the layer in generated code. "
                                 "Letters, digits and _, not starting with a digit.")
        self._id_edit.setMinimumWidth(64)
        self._id_edit.editingFinished.connect(self._on_rename_committed)
        self._id_error = error_label()
        form.addRow(self._form_label("id", self._id_edit.toolTip()), self._id_edit)
        form.addRow(self._id_error)
        self._message_rows = {self._id_error: form}
        form.setRowVisible(self._id_error, False)

        form.addRow(section_title("Parameters"))
        if self._spec is None:
            form.addRow(dim_label(f"Unknown layer type '{node.type}': its parameters "
                                  "cannot be edited here."))
            for name, value in node.params.items():
                form.addRow(self._form_label(name, ""),
                            value_label(format_value(value), f"raw_{name}"))
        elif not self._spec.params:
            form.addRow(dim_label("This layer has no parameters."))
        else:
            for param in self._spec.params:
                field = make_field(param)
                if field is None:
                    continue
                field.setParent(page)
                field.committed.connect(self._on_field_committed)
                label = self._form_label(param.name, param.help)
                label.setBuddy(field.editor)
                self._labels[param.name] = label
                for widget in (label, field.editor):
                    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
                    widget.customContextMenuRequested.connect(
                        lambda pos, w=widget, name=param.name: self._param_menu(w, name, pos))
                form.addRow(label, field.editor)
                form.addRow(field.error)
                form.setRowVisible(field.error, False)
                self._message_rows[field.error] = form
                self._fields[param.name] = field

        self._mark_varied()
        self._info = NodeInfo(form)
        column.addLayout(form)
        column.addLayout(self._info.details)
        column.addStretch(1)
        self._scroll.setWidget(page)
        self._apply_read_only()

    def _build_header(self, node: Node) -> QVBoxLayout:
        title = QLabel(node.type)
        title.setObjectName("type_title")
        font = QFont(title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(title)
        if self._spec is not None:
            category = dim_label(self._spec.category, wrap=False)
            colour = category_colours().get(self._spec.category)
            if colour is not None and colour.isValid():
                category.setText(f"<span style='color:{colour.name()}'>■</span> "
                                 f"{self._spec.category}")
            top.addWidget(category, 0, Qt.AlignmentFlag.AlignBaseline)
        top.addStretch(1)
        self._read_only_note = dim_label("read-only", wrap=False)
        top.addWidget(self._read_only_note)
        self._header_summary = dim_label("")
        self._header_summary.setObjectName("summary")
        header = QVBoxLayout()
        header.setSpacing(0)
        header.addLayout(top)
        header.addWidget(self._header_summary)
        header.addSpacing(6)
        return header

    def _new_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        return form

    def _form_label(self, text: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setToolTip(tip)
        return label

    # refreshing

    def _refresh(self, node: Node, report: NodeReport | None,
                 problems: Sequence[Problem], figures: CostFigures | None = None) -> None:
        assert self._id_edit is not None and self._header_summary is not None
        if not (_has_focus(self._id_edit) and self.rename_error_text()):
            blocked = self._id_edit.blockSignals(True)
            self._id_edit.setText(node.id)
            self._id_edit.blockSignals(blocked)
            self._show_rename_error(None)

        for name, field in self._fields.items():
            if _has_focus(field.editor) and field.has_error():
                continue  # keep what is being typed, and why it does not fit yet
            value = self._params.get(name, field.param.default)
            field.show_value(value)
            try:
                field.param.check(value)
            except ParamError as error:
                self._set_field_error(field, str(error))
            else:
                self._set_field_error(field, None)

        self._header_summary.setText(self._summary_text())
        self._header_summary.setVisible(bool(self._header_summary.text()))
        assert self._info is not None
        self._info_lines = self._info.fill(self._spec, report, problems, figures)

    def _summary_text(self) -> str:
        if self._spec is None or self._spec.summary is None:
            return ""
        try:
            return self._spec.summary(self._spec.resolve(self._params))
        except (ParamError, KeyError, TypeError, ValueError):
            return ""

    def _apply_read_only(self) -> None:
        for field in self._fields.values():
            field.set_read_only(self._read_only)
        if self._id_edit is not None:
            self._id_edit.setReadOnly(self._read_only)
        if self._read_only_note is not None:
            self._read_only_note.setVisible(self._read_only)

    # committing edits

    def _on_field_committed(self, field: Field) -> None:
        if self._read_only or self._node is None:
            return
        name = field.param.name
        try:
            value = field.param.check(field.read())
        except ParamError as error:
            self._set_field_error(field, str(error))
            return
        self._set_field_error(field, None)
        field.show_value(value)  # the canonical form: '[3,3]' reads back as '3, 3'
        current = self._params.get(name, field.param.default)
        if value == current and type(value) is type(current):
            return
        # remembered here too, so that a second edit before the application re-shows the
        # node builds on the first one
        self._params = {**self._params, name: value}
        self._header_summary.setText(self._summary_text())
        self.params_edited.emit(self._node.id, dict(self._params))

    def _set_field_error(self, field: Field, message: str | None) -> None:
        field.show_error(message)
        self._set_row_visible(field.error, bool(message))

    def _on_rename_committed(self) -> None:
        if self._read_only or self._node is None or self._id_edit is None:
            return
        new_id = self._id_edit.text().strip()
        old_id = self._node.id
        if new_id == old_id:
            self._show_rename_error(None)
            return
        reason = id_problem(new_id) if new_id else "a layer needs a name"
        if reason is None and self._rename_check is not None:
            reason = self._rename_check(new_id)
        if reason is not None:
            self._show_rename_error(f"Cannot rename to '{new_id}': {reason}")
            return
        self._show_rename_error(None)
        self._pending_rename = new_id
        self.rename_requested.emit(old_id, new_id)

    def _show_rename_error(self, message: str | None) -> None:
        assert self._id_edit is not None and self._id_error is not None
        self._id_error.setText(message or "")
        self._set_row_visible(self._id_error, bool(message))
        if bool(self._id_edit.property("invalid")) != bool(message):
            self._id_edit.setProperty("invalid", bool(message))
            repolish(self._id_edit)

    def _set_row_visible(self, message: QLabel, visible: bool) -> None:
        form = self._message_rows.get(message)
        if form is not None:
            form.setRowVisible(message, visible)
