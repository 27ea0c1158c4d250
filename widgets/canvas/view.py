"""The view onto a GraphScene: zoom towards the cursor, pan, rubber-band selection, a grid,
drops from the layer palette, the read-only banner and the heat map's legend."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QLabel, QWidget

from widgets.canvas.heat_legend import HeatLegend
from widgets.canvas.mime import LAYER_MIME, layer_from_payload
from widgets.canvas.scene import GraphScene
from widgets.canvas.style import ZOOM_MAX, ZOOM_MIN, canvas_colours

WORLD = QRectF(-100_000, -100_000, 200_000, 200_000)
"""The pannable area: far larger than any network, so panning never hits a wall."""
GRID_STEP = 20.0
MAJOR_EVERY = 5
GRID_MIN_PIXELS = 12
"""Grid lines closer than this on screen are left out."""
FIT_MARGIN = 40.0
FIT_MAX_ZOOM = 1.0
"""Fitting a small network does not blow it up beyond its natural size."""
WHEEL_STEP = 1.2
"""Zoom per wheel notch (120 eighths of a degree)."""


class GraphView(QGraphicsView):
    def __init__(self, scene: GraphScene | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        # only what lies wholly inside the band: an edge merely crossing it is not taken
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.ContainsItemShape)
        # zooming anchors itself (see zoom_by): Qt's anchor needs a real cursor position
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSceneRect(WORLD)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_last: QPointF | None = None
        self._fit_when_shown = False
        self._fit_min_zoom: float | None = None
        self._space_held = False
        self._banner = QLabel(self)
        self._banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._banner.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._banner.hide()
        self.legend = HeatLegend(self)
        self._legend_timer = QTimer(self, singleShot=True, interval=0)
        self._legend_timer.timeout.connect(self._place_legend)
        if scene is not None:
            self.setScene(scene)

    def graph_scene(self) -> GraphScene | None:
        scene = self.scene()
        return scene if isinstance(scene, GraphScene) else None

    def setScene(self, scene: QGraphicsScene | None) -> None:
        old = self.graph_scene()
        if old is not None:
            old.read_only_changed.disconnect(self._show_banner)
            old.heat_changed.disconnect(self._show_legend)
            old.changed.disconnect(self._legend_may_cover)
        super().setScene(scene)
        if isinstance(scene, GraphScene):
            scene.read_only_changed.connect(self._show_banner)
            scene.heat_changed.connect(self._show_legend)
            # layers laid out, moved or zoomed under the legend: it finds a free corner
            scene.changed.connect(self._legend_may_cover)
            self._show_banner(scene.read_only, scene.read_only_message)
            self._show_legend(scene.heat)

    # ------------------------------------------------------------------ zoom

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by `factor` within the limits, keeping the scene point under `anchor` (a
        viewport position; the centre when None) where it is."""
        current = self.zoom()
        target = min(ZOOM_MAX, max(ZOOM_MIN, current * factor))
        if math.isclose(target, current):
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(anchor.toPoint())
        self.setTransform(QTransform.fromScale(target, target))
        self._keep_under(fixed, anchor)
        self.viewport().update()

    def set_zoom(self, zoom: float) -> None:
        self.zoom_by(zoom / self.zoom())

    def fit_to_view(self, min_zoom: float | None = None) -> None:
        """Show the whole network, centred, no larger than its natural size. Before the
        view is shown its size is not known yet: the fit then happens when it shows.
        With `min_zoom`, a network too large to read when fitted is shown from its start
        at that zoom instead (opening a long network should not show unreadable boxes)."""
        if not self.isVisible():
            self._fit_when_shown = True
            self._fit_min_zoom = min_zoom
            return
        self._fit_when_shown = False
        bounds = self._network_bounds()
        if bounds.isEmpty():
            self.setTransform(QTransform())
            self.centerOn(0, 0)
            return
        bounds.adjust(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        room = QRectF(self.viewport().rect())
        if self._banner.isVisibleTo(self):
            # keep the top of the network clear of the read-only banner
            room.setTop(self._banner.geometry().bottom() + 4 - FIT_MARGIN / 2)
        zoom = min(room.width() / bounds.width(), room.height() / bounds.height())
        zoom = min(FIT_MAX_ZOOM, ZOOM_MAX, max(ZOOM_MIN, zoom))
        if min_zoom is not None and zoom < min_zoom:
            self.setTransform(QTransform.fromScale(min_zoom, min_zoom))
            visible = QRectF(room.topLeft() / min_zoom, room.size() / min_zoom)
            self.centerOn(QPointF(min(bounds.center().x(), bounds.left() + visible.width() / 2),
                                  bounds.top() + visible.height() / 2))
            return
        self.setTransform(QTransform.fromScale(zoom, zoom))
        # centre the network in the free room: shift the view centre by half the band
        shift = (room.center().y() - QRectF(self.viewport().rect()).center().y()) / zoom
        self.centerOn(bounds.center() - QPointF(0, shift))

    def _network_bounds(self) -> QRectF:
        """What the nodes take: edges that loop back from one column to the next of a
        wrapped layout bulge beyond them, and must not push the network off centre."""
        scene = self.graph_scene()
        if scene is None:
            return self.scene().itemsBoundingRect() if self.scene() is not None else QRectF()
        bounds = QRectF()
        for item in scene.node_items():
            bounds = bounds.united(item.sceneBoundingRect())
        return bounds

    def _keep_under(self, scene_point: QPointF, view_point: QPointF) -> None:
        drift = self.mapFromScene(scene_point) - view_point.toPoint()
        self._scroll_by(QPointF(drift))

    def _scroll_by(self, delta: QPointF) -> None:
        horizontal, vertical = self.horizontalScrollBar(), self.verticalScrollBar()
        horizontal.setValue(horizontal.value() + round(delta.x()))
        vertical.setValue(vertical.value() + round(delta.y()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if notches == 0:
            super().wheelEvent(event)
            return
        self.zoom_by(WHEEL_STEP ** notches, event.position())
        event.accept()

    # ------------------------------------------------------------------ panning

    def _start_pan(self, event: QMouseEvent) -> None:
        self._pan_last = event.position()
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and self._space_held):
            self._start_pan(event)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None:
            delta = event.position() - self._pan_last
            self._pan_last = event.position()
            self._scroll_by(-delta)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_last is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                              Qt.MouseButton.LeftButton):
            self._pan_last = None
            self._set_idle_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _set_idle_cursor(self) -> None:
        if self._space_held:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().unsetCursor()

    # ------------------------------------------------------------------ keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._set_idle_cursor()
            event.accept()
            return
        scene = self.graph_scene()
        if event.matches(QKeySequence.StandardKey.SelectAll) and scene is not None:
            scene.select_all()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            if self._pan_last is None:
                self._set_idle_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        # a space released in another window never reaches us
        self._space_held = False
        self._set_idle_cursor()
        super().focusOutEvent(event)

    # ------------------------------------------------------------------ drops

    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        scene = self.graph_scene()
        return event.mimeData().hasFormat(LAYER_MIME) and scene is not None and \
            not scene.read_only

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        elif event.mimeData().hasFormat(LAYER_MIME):
            event.ignore()  # read-only: refuse the drop rather than let the scene see it
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        elif event.mimeData().hasFormat(LAYER_MIME):
            event.ignore()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        scene = self.graph_scene()
        if not self._accepts(event) or scene is None:
            if event.mimeData().hasFormat(LAYER_MIME):
                event.ignore()
            else:
                super().dropEvent(event)
            return
        layer_type = layer_from_payload(event.mimeData().data(LAYER_MIME).data())
        event.acceptProposedAction()
        if layer_type:
            scene.layer_dropped.emit(layer_type, self.mapToScene(event.position().toPoint()))

    # ------------------------------------------------------------------ painting

    empty_hint = ""
    """What the view says when it shows no layer at all (how to begin)."""

    _hint_drawn = False

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        scene = self.graph_scene()
        if not self.empty_hint or scene is None or scene.node_items():
            if self._hint_drawn:  # a partial repaint would leave the rest of it behind
                self._hint_drawn = False
                self.viewport().update()
            return
        self._hint_drawn = True
        painter.save()
        painter.resetTransform()  # in the viewport's pixels, whatever the zoom
        painter.setPen(scene.look.colours.muted_text)
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.drawText(QRectF(self.viewport().rect()).adjusted(40, 40, -40, -40),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self.empty_hint)
        painter.restore()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        scene = self.graph_scene()
        if scene is None:
            super().drawBackground(painter, rect)
            return
        colours = scene.look.colours
        painter.fillRect(rect, colours.background)
        zoom = self.zoom()
        step = GRID_STEP if zoom * GRID_STEP >= GRID_MIN_PIXELS else GRID_STEP * MAJOR_EVERY
        if zoom * step < GRID_MIN_PIXELS:
            return  # so far out the grid would be a grey haze
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor: list[QLineF] = []
        major: list[QLineF] = []
        major_step = GRID_STEP * MAJOR_EVERY
        x = left
        while x <= rect.right():
            line = QLineF(x, rect.top(), x, rect.bottom())
            (major if math.isclose(x % major_step, 0, abs_tol=1e-6) else minor).append(line)
            x += step
        y = top
        while y <= rect.bottom():
            line = QLineF(rect.left(), y, rect.right(), y)
            (major if math.isclose(y % major_step, 0, abs_tol=1e-6) else minor).append(line)
            y += step
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(colours.grid_minor, 0))  # cosmetic: one pixel at every zoom
        painter.drawLines(minor)
        painter.setPen(QPen(colours.grid_major, 0))
        painter.drawLines(major)
        painter.restore()

    # ------------------------------------------------------------------ banner

    def _show_banner(self, read_only: bool, message: str) -> None:
        scene = self.graph_scene()
        if not read_only or not message or scene is None:
            self._banner.hide()
            return
        colours = canvas_colours(self.palette())
        self._banner.setText(message)
        fill = colours.banner_fill
        self._banner.setStyleSheet(
            f"QLabel {{ background: {fill.name(QColor.NameFormat.HexArgb)};"
            f" color: {colours.banner_text.name()}; border-radius: 12px;"
            " padding: 5px 14px; font-weight: 600; }")
        self._banner.adjustSize()
        self._place_banner()
        self._banner.show()
        self._banner.raise_()
        self._clear_of_banner()

    def _clear_of_banner(self) -> None:
        """Move the network down when the banner would hide the top of a layer."""
        scene = self.graph_scene()
        if scene is None or not self._banner.isVisible():
            return
        corner = self.viewport().mapFrom(self, self._banner.geometry().topLeft())
        banner = QRect(corner, self._banner.size())
        hidden = [self.mapFromScene(item.sceneBoundingRect()).boundingRect()
                  for item in scene.node_items()]
        hidden = [rect for rect in hidden if rect.intersects(banner)]
        if hidden:
            self._scroll_by(QPointF(0, min(r.top() for r in hidden) - banner.bottom() - 8))

    def banner_text(self) -> str:
        """The read-only message shown over the canvas ('' when none is shown)."""
        return self._banner.text() if self._banner.isVisibleTo(self) else ""

    def _place_banner(self) -> None:
        width = min(self._banner.sizeHint().width(), max(0, self.width() - 24))
        self._banner.resize(width, self._banner.sizeHint().height())
        self._banner.move(QPoint((self.width() - width) // 2, 12))

    # ------------------------------------------------------------------ legend

    def _show_legend(self, heat) -> None:
        self.legend.set_heat(heat)
        self._place_legend()
        self.legend.raise_()

    def _place_legend(self) -> None:
        """In the first corner where it covers no layer: bottom left, bottom right, top
        right, top left (bottom left when every corner covers one)."""
        margin = 12
        size = self.legend.size()
        viewport = self.viewport()
        right = max(0, viewport.width() - size.width() - margin)
        bottom = max(0, viewport.height() - size.height() - margin)
        corners = [QPoint(margin, bottom), QPoint(right, bottom), QPoint(right, margin),
                   QPoint(margin, margin)]
        scene = self.graph_scene()
        shown = [self.mapFromScene(item.sceneBoundingRect()).boundingRect()
                 for item in (scene.node_items() if scene is not None else [])]
        spot = next((c for c in corners
                     if not any(QRect(c, size).intersects(r) for r in shown)), corners[0])
        self.legend.move(viewport.mapTo(self, spot))

    def _legend_may_cover(self, *_: object) -> None:
        if self.legend.isVisible() and not self._legend_timer.isActive():
            self._legend_timer.start()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self.legend.isVisible():
            self._place_legend()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_when_shown:
            self.fit_to_view(self._fit_min_zoom)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._banner.isVisibleTo(self):
            scene = self.graph_scene()
            if scene is not None:
                self._show_banner(scene.read_only, scene.read_only_message)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_banner()
        self._place_legend()
