"""One editor per parameter kind, and how each shows, reads and reports its value.

A Field wraps the Qt editor for one parameter: integers get a spin box, booleans a check
box, choices a combo box, and floats, sizes and integer lists a line edit parsed on commit
(see parsing). Fields only parse; checking a value against the spec is the form's job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from engine.catalogue import (
    ArgumentsParam,
    BoolParam,
    CallParam,
    ChoiceParam,
    FloatParam,
    IntListParam,
    IntParam,
    Param,
    SharesParam,
    SizeParam,
    TensorsParam,
)
from engine.catalogue.operations import COMMON
from widgets.inspector.parsing import parse_float, parse_int_list, parse_json, parse_size
from widgets.inspector.style import error_label, repolish
from widgets.palette import format_value

_INT_LOWEST = -(2**31)
_INT_HIGHEST = 2**31 - 1
"""QSpinBox holds a C int; the lowest value doubles as 'none' for optional integers."""


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


class Field(QObject):
    """One parameter's editor: shows a value, reads back what was typed, reports commits."""

    committed = Signal(object)  # the Field itself

    def __init__(self, param: Param, editor: QWidget):
        super().__init__()
        self.param = param
        self.editor = editor
        editor.setToolTip(f"{param.help}\n\n{param.name}: {param.describe()}; "
                          f"default {format_value(param.default)}")
        self.error = error_label()
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
            repolish(self.editor)
            line = getattr(self.editor, "lineEdit", None)
            if callable(line) and line() is not None:
                repolish(line())

    def has_error(self) -> bool:
        return bool(self.error.text())


class _IntField(Field):
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
        # (see style.INVALID_STYLE) because NoButtons together with a style sheet border
        # leaves Qt's text field one pixel wide
        plain = self.spin.isReadOnly() and not self.has_error()
        self.spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if plain
                                   else QAbstractSpinBox.ButtonSymbols.UpDownArrows)


class _TextField(Field):
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


class _BoolField(Field):
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


class _ChoiceField(Field):
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


class _JsonField(_TextField):
    """An operation's arguments, typed as JSON."""

    def __init__(self, param: ArgumentsParam | TensorsParam, example: str):
        super().__init__(param, lambda text: parse_json(text, param), example)

    def _display(self, value: Any) -> None:
        self.line.setText(json.dumps(value))
        self.line.setCursorPosition(0)


def make_field(param: Param) -> Field | None:
    """The editor for `param`'s kind, or None for a kind the inspector cannot edit."""
    if isinstance(param, CallParam):
        return _TextField(param, lambda text: param.check(text.strip()),
                          "e.g. torch.chunk", COMMON)
    if isinstance(param, ArgumentsParam):
        return _JsonField(param, 'e.g. {"dim": 1}' if param.keyword else
                          'e.g. [{"input": 0}, 2]')
    if isinstance(param, SharesParam):
        return _TextField(param, lambda text: param.check(
            None if text.strip().lower() in ("", "none") else text.strip()),
            "none: weights of its own")
    if isinstance(param, TensorsParam):
        return _JsonField(param, 'e.g. [{"shape": [64], "learnt": true, "init": "normal"}]')
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
