"""The property inspector: a form generated from the selected node's layer spec.

One editor per parameter, each checked by the parameter's own `check` when committed: a
value the spec accepts is sent to the application as the node's new params, one it refuses
is marked invalid with the spec's message and goes nowhere. Below the form: the node's
shapes, parameter count, problems and the layer's help.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import NodeReport, Problem
from engine.catalogue import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntListParam,
    IntParam,
    LayerSpec,
    Param,
    ParamError,
    SizeParam,
    spec_for,
)
from engine.graph import Node, id_problem
from widgets.palette import category_colours, format_value
from widgets.problems import ERROR_COLOUR, severity_icon

RenameCheck = Callable[[str], str | None]

EMPTY_MESSAGE = "Select a layer to edit its parameters"

_INVALID_STYLE = f"""
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QComboBox[invalid="true"] {{
    border: 1px solid {ERROR_COLOUR.name()};
    border-radius: 3px;
    padding: 2px 3px;
}}
QSpinBox[invalid="true"]::up-button, QSpinBox[invalid="true"]::down-button {{
    width: 0px;
    border: none;
}}
"""
"""A red border on invalid editors only; other widgets keep the style's own look. Styled
spin box arrows would look unlike the style's, so an invalid spin box shows none (the arrow
keys still step it back into range)."""

_INT_LOWEST = -(2**31)
_INT_HIGHEST = 2**31 - 1
"""QSpinBox holds a C int; the lowest value doubles as 'none' for optional integers."""


# parsing what people type


def parse_int_list(text: str, param: Param) -> list[int]:
    """'1, 28, 28', '[1, 28, 28]', '(1 28 28)' → [1, 28, 28]; anything else raises the
    parameter's own ParamError so the message says what would fit."""
    inner = text.strip()
    if inner[:1] in "[(" and inner[-1:] in "])":
        inner = inner[1:-1]
    tokens = [t for t in re.split(r"[,\s]+", inner.strip()) if t]
    if not tokens or not all(re.fullmatch(r"[+-]?\d+", t) for t in tokens):
        raise param.fail(text.strip())
    return [int(t) for t in tokens]


def parse_size(text: str, param: SizeParam) -> Any:
    """'3' → 3, '3, 3' or '[3, 3]' → [3, 3], a keyword (any case) → the keyword, and for an
    optional size '' or 'none' → None."""
    stripped = text.strip()
    lowered = stripped.casefold()
    if param.optional and lowered in ("", "none", "null"):
        return None
    for keyword in param.keywords:
        if lowered == keyword.casefold():
            return keyword
    numbers = parse_int_list(stripped, param)
    return numbers[0] if len(numbers) == 1 else numbers


def parse_float(text: str, param: FloatParam) -> float:
    """Python's float syntax, so '1e-5', '.5' and '0.001' all work."""
    try:
        return float(text.strip())
    except ValueError:
        raise param.fail(text.strip()) from None


def _has_focus(widget: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


# editors


class _IntSpinBox(QSpinBox):
    """Arrows and the wheel step within the parameter's range; typing accepts any integer so
    an out-of-range value can be reported with the spec's message instead of being silently
    put back, which is what a QSpinBox clamped to the range would do."""

    def __init__(self, param: IntParam):
        super().__init__()
        self._param = param
        self.setRange(_INT_LOWEST, _INT_HIGHEST)
        if param.optional:
            self.setSpecialValueText("none")
        self.setKeyboardTracking(False)  # valueChanged once per commit, not per keystroke
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus (and no edit) by wheel
        self.setAccelerated(True)
        self.setMinimumWidth(64)

    def _lowest(self) -> int:
        return self._param.minimum if self._param.minimum is not None else _INT_LOWEST + 1

    def _highest(self) -> int:
        return self._param.maximum if self._param.maximum is not None else _INT_HIGHEST

    def is_none(self) -> bool:
        return self._param.optional and self.value() == _INT_LOWEST

    def stepBy(self, steps: int) -> None:
        if self.is_none():
            target = max(self._lowest(), min(0, self._highest())) if steps > 0 else None
        else:
            target = self.value() + steps * self.singleStep()
            if target < self._lowest():
                target = None if self._param.optional else self._lowest()
            target = min(target, self._highest()) if target is not None else None
        self.setValue(_INT_LOWEST if target is None else target)
        self.selectAll()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.isReadOnly():
            return QAbstractSpinBox.StepEnabledFlag.StepNone
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.is_none() or self.value() < self._highest():
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if not self.is_none() and (self.value() > self._lowest() or self._param.optional):
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def validate(self, text: str, pos: int) -> Any:
        stripped = text.strip().casefold()
        if self._param.optional and "none".startswith(stripped):
            state = (QValidator.State.Acceptable if stripped in ("", "none")
                     else QValidator.State.Intermediate)
        elif stripped in ("", "-", "+"):
            state = QValidator.State.Intermediate
        elif re.fullmatch(r"[+-]?\d+", stripped) and (
                _INT_LOWEST < int(stripped) <= _INT_HIGHEST):
            state = QValidator.State.Acceptable
        else:
            state = QValidator.State.Invalid
        return state, text, pos

    def valueFromText(self, text: str) -> int:
        stripped = text.strip().casefold()
        if self._param.optional and stripped in ("", "none"):
            return _INT_LOWEST
        try:
            return int(stripped)
        except ValueError:
            return self.value()

    def textFromValue(self, value: int) -> str:
        return "none" if self._param.optional and value == _INT_LOWEST else str(value)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # scrolling the inspector must not change the values it passes over
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _NoWheelComboBox(QComboBox):
    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _Field(QObject):
    """One parameter's editor: shows a value, reads back what was typed, reports commits."""

    committed = Signal(object)  # the _Field itself

    def __init__(self, param: Param, editor: QWidget):
        super().__init__()
        self.param = param
        self.editor = editor
        editor.setToolTip(f"{param.help}\n\n{param.name}: {param.describe()}; "
                          f"default {format_value(param.default)}")
        self.error = _error_label()
        self.error.setObjectName(f"error_{param.name}")

    def _commit(self) -> None:
        self.committed.emit(self)

    def show_value(self, value: Any) -> None:
        """Display `value` without reporting a commit."""
        blocked = self.editor.blockSignals(True)
        try:
            self._display(value)
        finally:
            self.editor.blockSignals(blocked)

    def _display(self, value: Any) -> None:
        raise NotImplementedError

    def read(self) -> Any:
        """What the editor holds, parsed; raises ParamError when it is not a value at all."""
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.editor.setEnabled(not read_only)

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        if bool(self.editor.property("invalid")) != bool(message):
            self.editor.setProperty("invalid", bool(message))
            _repolish(self.editor)
            line = getattr(self.editor, "lineEdit", None)
            if callable(line) and line() is not None:
                _repolish(line())

    def has_error(self) -> bool:
        return bool(self.error.text())


class _IntField(_Field):
    def __init__(self, param: IntParam):
        self.spin = _IntSpinBox(param)
        super().__init__(param, self.spin)
        self.spin.valueChanged.connect(self._commit)

    def _display(self, value: Any) -> None:
        if value is None and self.param.optional:
            self.spin.setValue(_INT_LOWEST)
        elif isinstance(value, int) and not isinstance(value, bool):
            self.spin.setValue(value)
        else:
            self.spin.lineEdit().setText(str(value))

    def read(self) -> Any:
        return None if self.spin.is_none() else self.spin.value()

    def set_read_only(self, read_only: bool) -> None:
        self.spin.setReadOnly(read_only)
        self._update_buttons()

    def show_error(self, message: str | None) -> None:
        super().show_error(message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        # a locked field has no arrows; an invalid one loses them through the style sheet
        # (see _INVALID_STYLE) because NoButtons together with a style sheet border leaves
        # Qt's text field one pixel wide
        plain = self.spin.isReadOnly() and not self.has_error()
        self.spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if plain
                                   else QAbstractSpinBox.ButtonSymbols.UpDownArrows)


class _TextField(_Field):
    """Floats, sizes and integer lists: a line edit whose text is parsed on commit."""

    def __init__(self, param: Param, parse: Callable[[str], Any], placeholder: str,
                 suggestions: Sequence[str] = ()):
        self._parse = parse
        if suggestions:
            # keywords ('same', 'none') one click away in a drop-down, numbers typed
            self.combo: QComboBox | None = _NoWheelComboBox()
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.addItems(list(suggestions))
            self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.line = self.combo.lineEdit()
            self.combo.activated.connect(self._commit)
            editor: QWidget = self.combo
        else:
            self.combo = None
            self.line = QLineEdit()
            editor = self.line
        super().__init__(param, editor)
        self.line.setPlaceholderText(placeholder)
        self.line.editingFinished.connect(self._commit)
        editor.setMinimumWidth(64)

    def show_value(self, value: Any) -> None:
        blocked = self.line.blockSignals(True)
        try:
            super().show_value(value)
        finally:
            self.line.blockSignals(blocked)

    def _display(self, value: Any) -> None:
        self.line.setText(format_value(value))
        self.line.setCursorPosition(0)

    def read(self) -> Any:
        return self._parse(self.line.text())

    def set_read_only(self, read_only: bool) -> None:
        self.line.setReadOnly(read_only)
        if self.combo is not None:
            self.combo.setEnabled(not read_only)


class _BoolField(_Field):
    def __init__(self, param: BoolParam):
        self.box = QCheckBox()
        # only the box and its label react to clicks; stretched, it would look clickable
        # where it is not
        self.box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        super().__init__(param, self.box)
        self.box.toggled.connect(self._commit)

    def _display(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def read(self) -> Any:
        return self.box.isChecked()


class _ChoiceField(_Field):
    def __init__(self, param: ChoiceParam):
        self.combo = _NoWheelComboBox()
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.addItems(list(param.choices))
        self.combo.setMinimumWidth(64)
        super().__init__(param, self.combo)
        self.combo.currentIndexChanged.connect(self._commit)

    def _display(self, value: Any) -> None:
        self.combo.setCurrentIndex(self.combo.findText(value) if isinstance(value, str) else -1)

    def read(self) -> Any:
        return self.combo.currentText() if self.combo.currentIndex() >= 0 else None


def _make_field(param: Param) -> _Field | None:
    if isinstance(param, BoolParam):
        return _BoolField(param)
    if isinstance(param, IntParam):
        return _IntField(param)
    if isinstance(param, ChoiceParam):
        return _ChoiceField(param)
    if isinstance(param, FloatParam):
        return _TextField(param, lambda text: parse_float(text, param), "e.g. 0.5 or 1e-5")
    if isinstance(param, SizeParam):
        example = "3" if param.length == 1 else "3 or 3, 3"
        suggestions = list(param.keywords) + (["none"] if param.optional else [])
        if suggestions:
            example += " or " + " or ".join(suggestions)
        return _TextField(param, lambda text: parse_size(text, param), f"e.g. {example}",
                          suggestions)
    if isinstance(param, IntListParam):
        return _TextField(param, lambda text: parse_int_list(text, param), "e.g. 1, 28, 28")
    return None


# the inspector


def _section_title(text: str) -> QLabel:
    label = QLabel(text.upper())
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setContentsMargins(0, 10, 0, 2)
    return label


def _error_label() -> QLabel:
    """The message under an editor that says why its value does not fit."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
    label.setPalette(palette)
    small = QFont(label.font())
    small.setPointSizeF(small.pointSizeF() * 0.92)
    label.setFont(small)
    return label


def _dim(text: str, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _value_label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _clear(layout: QVBoxLayout | QFormLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().hide()
            item.widget().deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())


class PropertyInspector(QWidget):
    """Edits the parameters and id of one node.

    Signals:
        params_edited(str node_id, dict params): the node's complete params after an
            accepted edit (the values set on the node plus the edited one).
        rename_requested(str old_id, str new_id): a valid new id was entered; the
            application renames the node (and re-shows it).
    """

    params_edited = Signal(str, dict)
    rename_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._node: Node | None = None
        self._spec: LayerSpec | None = None
        self._params: dict[str, Any] = {}
        self._fields: dict[str, _Field] = {}
        self._read_only = False
        self._rename_check: RenameCheck | None = None
        self._pending_rename: str | None = None
        self.setStyleSheet(_INVALID_STYLE)

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
        self._details: QVBoxLayout | None = None
        self._info_lines: list[str] = []
        self._message_rows: dict[QLabel, QFormLayout] = {}
        """Each error message's form, to show or hide its row."""
        self._tensor_labels: dict[str, tuple[QLabel, QLabel]] = {}
        self.show_node(None)

    # public API

    def show_node(self, node: Node | None, report: NodeReport | None = None,
                  problems: Sequence[Problem] = ()) -> None:
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
        self._refresh(node, report, problems)
        self._stack.setCurrentWidget(self._scroll)

    def node_id(self) -> str | None:
        """The id of the node shown, or None."""
        return self._node.id if self._node is not None else None

    def set_rename_check(self, check: RenameCheck | None) -> None:
        """`check(new_id)` returns why the application cannot take that id (e.g. "a node
        named 'x' already exists") or None; it runs after the id's own syntax check."""
        self._rename_check = check

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
        hint = _dim("Click a node on the canvas, or add one from the palette.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addStretch(3)
        return page

    def _detach_fields(self) -> None:
        # editors about to go must not commit on their way out (losing focus while being
        # deleted ends an edit), or their value would land on the next node
        for field in self._fields.values():
            field.committed.disconnect()
            field.editor.blockSignals(True)
        if self._id_edit is not None:
            self._id_edit.blockSignals(True)
        self._fields = {}

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
        self._id_error = _error_label()
        form.addRow(self._form_label("id", self._id_edit.toolTip()), self._id_edit)
        form.addRow(self._id_error)
        self._message_rows = {self._id_error: form}
        form.setRowVisible(self._id_error, False)

        form.addRow(_section_title("Parameters"))
        if self._spec is None:
            form.addRow(_dim(f"Unknown layer type '{node.type}': its parameters cannot be "
                             "edited here."))
            for name, value in node.params.items():
                form.addRow(self._form_label(name, ""), _value_label(format_value(value),
                                                                     f"raw_{name}"))
        elif not self._spec.params:
            form.addRow(_dim("This layer has no parameters."))
        else:
            for param in self._spec.params:
                field = _make_field(param)
                if field is None:
                    continue
                field.setParent(page)
                field.committed.connect(self._on_field_committed)
                label = self._form_label(param.name, param.help)
                label.setBuddy(field.editor)
                form.addRow(label, field.editor)
                form.addRow(field.error)
                form.setRowVisible(field.error, False)
                self._message_rows[field.error] = form
                self._fields[param.name] = field

        form.addRow(_section_title("Tensors"))
        self._tensor_labels = {}
        for caption, name in (("Input", "input_shapes"), ("Output", "output_shape"),
                              ("Parameters", "param_count")):
            caption_label = _dim(caption, wrap=False)
            value_label = _value_label("", name)
            form.addRow(caption_label, value_label)
            self._tensor_labels[name] = (caption_label, value_label)
        column.addLayout(form)

        self._details = QVBoxLayout()
        self._details.setContentsMargins(0, 0, 0, 0)
        self._details.setSpacing(4)
        column.addLayout(self._details)
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
            category = _dim(self._spec.category, wrap=False)
            colour = category_colours().get(self._spec.category)
            if colour is not None and colour.isValid():
                category.setText(f"<span style='color:{colour.name()}'>■</span> "
                                 f"{self._spec.category}")
            top.addWidget(category, 0, Qt.AlignmentFlag.AlignBaseline)
        top.addStretch(1)
        self._read_only_note = _dim("read-only", wrap=False)
        top.addWidget(self._read_only_note)
        self._header_summary = _dim("")
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
                 problems: Sequence[Problem]) -> None:
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
        self._fill_details(report, problems)

    def _summary_text(self) -> str:
        if self._spec is None or self._spec.summary is None:
            return ""
        try:
            return self._spec.summary(self._spec.resolve(self._params))
        except (ParamError, KeyError, TypeError, ValueError):
            return ""

    def _fill_details(self, report: NodeReport | None, problems: Sequence[Problem]) -> None:
        assert self._details is not None
        _clear(self._details)
        lines: list[str] = []

        if self._spec is not None and self._spec.is_input:
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
        inputs_caption = "Inputs" if report is not None and len(report.inputs) > 1 else "Input"
        for name, caption, text in (("input_shapes", inputs_caption, input_text),
                                    ("output_shape", "Output", output_text),
                                    ("param_count", "Parameters", count_text)):
            caption_label, value_label = self._tensor_labels[name]
            caption_label.setText(caption)
            value_label.setText(text)
            lines.append(f"{caption}: {text}".replace("\n", "; "))
        if report is None:
            self._details.addWidget(_dim("Shapes appear once the network is analysed."))
        elif report.output is None:
            self._details.addWidget(_dim("The output is unknown until the problems below "
                                         "(or upstream) are fixed."
                                         if problems else
                                         "The output is unknown until the layers before "
                                         "this one are fixed."))

        if problems:
            self._details.addWidget(_section_title(f"Problems ({len(problems)})"))
            ordered = sorted(problems, key=lambda p: 0 if p.severity == "error" else 1)
            for problem in ordered:
                self._details.addWidget(self._problem_row(problem))
                lines.append(f"{problem.severity}: {problem.message}")

        if self._spec is not None:
            self._details.addWidget(_section_title("About"))
            about = QLabel(f"{self._spec.help}\n\nTakes {self._spec.takes_inputs}.")
            about.setObjectName("help_text")
            about.setWordWrap(True)
            about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._details.addWidget(about)
        self._info_lines = lines

    def _problem_row(self, problem: Problem) -> QWidget:
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

    def _apply_read_only(self) -> None:
        for field in self._fields.values():
            field.set_read_only(self._read_only)
        if self._id_edit is not None:
            self._id_edit.setReadOnly(self._read_only)
        if self._read_only_note is not None:
            self._read_only_note.setVisible(self._read_only)

    # committing edits

    def _on_field_committed(self, field: _Field) -> None:
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

    def _set_field_error(self, field: _Field, message: str | None) -> None:
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
            _repolish(self._id_edit)

    def _set_row_visible(self, message: QLabel, visible: bool) -> None:
        form = self._message_rows.get(message)
        if form is not None:
            form.setRowVisible(message, visible)
