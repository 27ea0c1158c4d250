"""The layer palette: the catalogue grouped by category, searchable, with layers to drag onto
the canvas or add with a double-click or Enter."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.catalogue import CATEGORIES, PRESET_SEPARATOR, LayerSpec, Param, by_category

try:
    # the canvas accepts what the palette drags, so both must name the same mime type;
    # the canvas module may not exist (or may import this one), hence the fallback
    from widgets.canvas import LAYER_MIME
except ImportError:
    LAYER_MIME = "application/x-netdesigner-layer"

LAYER_ROLE = Qt.ItemDataRole.UserRole + 1
"""Layer rows hold their type name here; category rows hold None."""
SEARCH_TEXT_ROLE = Qt.ItemDataRole.UserRole + 2


def category_colours() -> dict[str, QColor]:
    """The canvas's category colours, or none while there is no canvas module to ask."""
    try:
        from widgets.canvas import CATEGORY_COLOURS
    except ImportError:
        return {}
    return {name: QColor(colour) for name, colour in CATEGORY_COLOURS.items()}


def format_value(value: Any) -> str:
    """A parameter value as the inspector shows it: lists as '3, 3', None as 'none'."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def layer_tooltip(spec: LayerSpec) -> str:
    """Rich text: the layer's help, what it takes, and each parameter with its default."""
    lines = [f"<b>{html.escape(spec.name)}</b> &nbsp;<i>{html.escape(spec.category)}</i>",
             f"<p>{html.escape(spec.help)}</p>"]
    if spec.params:
        rows = "".join(_param_row(p) for p in spec.params)
        lines.append(f"<table cellspacing='0' cellpadding='1'>{rows}</table>")
    else:
        lines.append("<p><i>No parameters.</i></p>")
    lines.append(f"<p>Takes {html.escape(spec.takes_inputs)}. Drag it onto the canvas, or "
                 "double-click to add it.</p>")
    return "".join(lines)


def _param_row(param: Param) -> str:
    return (f"<tr><td><code>{html.escape(param.name)}</code>&nbsp;&nbsp;</td>"
            f"<td>{html.escape(param.help)} "
            f"<span style='color:gray'>(default {html.escape(format_value(param.default))})"
            "</span></td></tr>")


def layer_mime_data(layer_type: str) -> QMimeData:
    """What dragging a layer carries: its type name as UTF-8 under LAYER_MIME (and as plain
    text, so dropping it into a text field writes the name)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
    mime.setText(layer_type)
    return mime


def _swatch(colour: QColor, size: int = 12) -> QIcon:
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(1, 1, size - 2, size - 2), 3, 3)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def _magnifier(colour: QColor, size: int = 16) -> QIcon:
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawEllipse(QRectF(3, 3, 7.5, 7.5))
        painter.drawLine(QPointF(9.4, 9.4), QPointF(13, 13))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class _RowDelegate(QStyledItemDelegate):
    """Gives rows a little air: the default rows are cramped for a panel people scan."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + 6)


class _LayerTree(QTreeWidget):
    """The list of categories and layers; drags carry the layer's type name."""

    back_to_search = Signal()

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME, "text/plain"]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData | None:
        layers = [item.data(0, LAYER_ROLE) for item in items if item.data(0, LAYER_ROLE)]
        return layer_mime_data(layers[0]) if layers else None

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Up on the first row goes back to the search box, mirroring Down out of it
        if event.key() == Qt.Key.Key_Up and self._is_first_visible(self.currentItem()):
            self.back_to_search.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def _is_first_visible(self, item: QTreeWidgetItem | None) -> bool:
        if item is None:
            return True
        return self.itemAbove(item) is None


class LayerPalette(QWidget):
    """Every layer of the catalogue under its category, with a search box that filters as
    you type.

    Signals:
        layer_activated(str): a layer's type name, on double-click or Enter on its row (or
            Enter in the search box, which picks the best visible match).
    Dragging a layer row starts a drag of `layer_mime_data(type_name)`.
    """

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)

        self._search = QLineEdit()
        self._search.setPlaceholderText("Search layers…")
        self._search.setClearButtonEnabled(True)
        self._search.setToolTip("Filter by name or description. Down moves into the list, "
                                "Enter adds the best match, Esc clears.")
        self._search.textChanged.connect(self.set_filter)
        self._search.installEventFilter(self)
        self._search_icon = self._search.addAction(
            QIcon(), QLineEdit.ActionPosition.LeadingPosition)
        self._update_search_icon()

        self._tree = _LayerTree()
        self._tree.setHeaderHidden(True)
        self._tree.setColumnCount(1)
        self._tree.setUniformRowHeights(True)
        self._tree.setIndentation(14)
        self._tree.setAnimated(False)
        self._tree.setIconSize(QSize(12, 12))
        self._tree.setItemDelegate(_RowDelegate(self._tree))
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._tree.setDragEnabled(True)
        self._tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self._tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self._tree.setFrameShape(QTreeWidget.Shape.NoFrame)
        self._tree.itemActivated.connect(self._on_item_activated)
        self._tree.back_to_search.connect(self._search.setFocus)

        self._no_match = QLabel()
        self._no_match.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._no_match.setWordWrap(True)
        self._no_match.setMargin(16)
        self._no_match.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._no_match.setBackgroundRole(QPalette.ColorRole.Base)  # where the list was
        self._no_match.setAutoFillBackground(True)
        self._no_match.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self._search)
        layout.addWidget(self._tree, 1)
        layout.addWidget(self._no_match, 1)

        self._category_items: dict[str, QTreeWidgetItem] = {}
        self._layer_items: dict[str, QTreeWidgetItem] = {}
        self._populate()

    # public API

    def search_box(self) -> QLineEdit:
        return self._search

    def tree(self) -> QTreeWidget:
        return self._tree

    def layer_item(self, layer_type: str) -> QTreeWidgetItem | None:
        """The row of a layer type (for tests and for scrolling to it)."""
        return self._layer_items.get(layer_type)

    def visible_layers(self) -> list[str]:
        """The layer types the current search leaves visible, in display order."""
        return [name for name, item in self._layer_items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def set_filter(self, text: str) -> None:
        """Show only the layers whose name or help holds every word of `text` (any case);
        hide the categories left empty. Also what typing in the search box does."""
        if self._search.text() != text:
            self._search.setText(text)  # comes back here through textChanged
            return
        words = text.casefold().split()
        for category_item in self._category_items.values():
            any_shown = False
            for index in range(category_item.childCount()):
                child = category_item.child(index)
                haystack = child.data(0, SEARCH_TEXT_ROLE)
                shown = all(word in haystack for word in words)
                child.setHidden(not shown)
                any_shown |= shown
            category_item.setHidden(not any_shown)
            if words and any_shown:
                category_item.setExpanded(True)
        nothing = bool(words) and not self.visible_layers()
        self._tree.setVisible(not nothing)
        self._no_match.setVisible(nothing)
        if nothing:
            self._no_match.setText(f"No layer matches “{text.strip()}”.")
        current = self._tree.currentItem()
        if words and (current is None or current.isHidden()
                      or (current.parent() is not None and current.parent().isHidden())
                      or current.data(0, LAYER_ROLE) is None):
            best = self.best_match()
            if best is not None:
                self._tree.setCurrentItem(self._layer_items[best])

    def best_match(self) -> str | None:
        """The visible layer Enter in the search box adds: the first whose name holds the
        search text, else the first visible one."""
        visible = self.visible_layers()
        needle = self._search.text().strip().casefold()
        for name in visible:
            if needle and needle in name.casefold():
                return name
        return visible[0] if visible else None

    # building

    def _populate(self) -> None:
        colours = category_colours()
        groups = by_category()
        bold = QFont(self._tree.font())
        bold.setBold(True)
        for category in CATEGORIES:
            specs = groups.get(category, [])
            if not specs:
                continue
            category_item = QTreeWidgetItem([category])
            category_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            category_item.setFont(0, bold)
            category_item.setData(0, LAYER_ROLE, None)
            category_item.setToolTip(0, f"{category}: {len(specs)} layer"
                                        + ("s" if len(specs) != 1 else ""))
            colour = colours.get(category)
            if colour is not None and colour.isValid():
                category_item.setIcon(0, _swatch(colour))
            self._tree.addTopLevelItem(category_item)
            self._category_items[category] = category_item
            for spec in specs:
                self._add_entry(category_item, spec.name, spec.name,
                                f"{spec.name}\n{spec.help}", layer_tooltip(spec))
                for preset in spec.presets:  # the common settings, by name
                    self._add_entry(category_item, f"{spec.name}{PRESET_SEPARATOR}"
                                    f"{preset.name}", f"{preset.name}",
                                    f"{preset.name}\n{preset.help}\n{spec.name}",
                                    f"<b>{html.escape(preset.name)}</b> &nbsp;<i>"
                                    f"{html.escape(spec.name)}</i><p>"
                                    f"{html.escape(preset.help)}</p>")
            category_item.setExpanded(True)

    def _add_entry(self, parent: QTreeWidgetItem, payload: str, text: str, searched: str,
                   tooltip: str) -> None:
        item = QTreeWidgetItem([text])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        item.setData(0, LAYER_ROLE, payload)
        item.setData(0, SEARCH_TEXT_ROLE, searched.casefold())
        item.setToolTip(0, tooltip)
        parent.addChild(item)
        self._layer_items[payload] = item

    def set_blocks(self, blocks: Sequence[tuple[str, str, str]]) -> None:
        """List saved blocks under "Blocks": (payload, name, description) each; dragging or
        activating one carries its payload as a layer row carries its type."""
        old = self._category_items.pop("Blocks", None)
        if old is not None:
            for index in range(old.childCount()):
                self._layer_items.pop(old.child(index).data(0, LAYER_ROLE), None)
            self._tree.takeTopLevelItem(self._tree.indexOfTopLevelItem(old))
        if not blocks:
            return
        bold = QFont(self._tree.font())
        bold.setBold(True)
        category_item = QTreeWidgetItem(["Blocks"])
        category_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        category_item.setFont(0, bold)
        category_item.setData(0, LAYER_ROLE, None)
        colour = category_colours().get("Block")
        if colour is not None and colour.isValid():
            category_item.setIcon(0, _swatch(colour))
        self._tree.addTopLevelItem(category_item)
        self._category_items["Blocks"] = category_item
        for payload, name, description in blocks:
            item = QTreeWidgetItem([name])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            item.setData(0, LAYER_ROLE, payload)
            item.setData(0, SEARCH_TEXT_ROLE, f"{name}\n{description}\nblock".casefold())
            item.setToolTip(0, f"<b>{html.escape(name)}</b> &nbsp;<i>block</i><p>"
                               f"{html.escape(description)}</p><p>Drag it onto the canvas, "
                               "or double-click to add it.</p>")
            category_item.addChild(item)
            self._layer_items[payload] = item
        category_item.setExpanded(True)

    def _update_search_icon(self) -> None:
        self._search_icon.setIcon(_magnifier(self.palette().color(
            QPalette.ColorRole.PlaceholderText)))

    # behaviour

    def changeEvent(self, event: QEvent) -> None:
        # the magnifier is painted in the palette's colours: repaint it for a new theme
        if event.type() == QEvent.Type.PaletteChange:
            self._update_search_icon()
        super().changeEvent(event)

    def _on_item_activated(self, item: QTreeWidgetItem) -> None:
        layer_type = item.data(0, LAYER_ROLE)
        if layer_type:
            self.layer_activated.emit(layer_type)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Down:
                self._enter_list()
                return True
            if key == Qt.Key.Key_Escape and self._search.text():
                self._search.clear()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._search.text().strip():
                best = self.best_match()
                if best is not None:
                    self.layer_activated.emit(best)
                return True
        return super().eventFilter(watched, event)

    def _enter_list(self) -> None:
        current = self._tree.currentItem()
        if current is None or current.isHidden() or (
                current.parent() is not None and current.parent().isHidden()):
            best = self.best_match()
            if best is not None:
                self._tree.setCurrentItem(self._layer_items[best])
        self._tree.setFocus(Qt.FocusReason.TabFocusReason)
