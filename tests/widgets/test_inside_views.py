"""The views of one sample inside a network: the pad a sample is drawn on, the prediction
as the loss reads it, a node's output laid out as it reads, and a map over a picture."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from engine.inspection.prediction import Prediction
from widgets.inside.drawing_pad import DrawingPad
from widgets.inside.output_view import OutputView
from widgets.inside.pictures import map_grid, overlay_image
from widgets.inside.prediction_view import PredictionView


def test_a_stroke_on_the_pad_inks_the_cells_it_crosses_and_says_so(qtbot):
    pad = DrawingPad(8, 8)
    qtbot.addWidget(pad)
    pad.resize(160, 160)
    pad.show()
    qtbot.waitExposed(pad)
    with qtbot.waitSignal(pad.drawn) as drawn:
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         pad.cell_centre(1, 4).toPoint())
        for row in range(2, 7):
            QTest.mouseMove(pad, pad.cell_centre(row, 4).toPoint())
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           pad.cell_centre(6, 4).toPoint())
    values = drawn.args[0]
    assert values.shape == (8, 8)
    assert all(values[row, 4] == 1.0 for row in range(1, 7))  # the stroke itself
    assert 0 < values[3, 3] < 1 and values[3, 0] == 0  # its soft edge, and nothing far off
    with qtbot.waitSignal(pad.drawn) as rubbed:
        QTest.mouseClick(pad, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier,
                         pad.cell_centre(3, 4).toPoint())
    assert rubbed.args[0][3, 4] == 0.0
    pad.clear()
    assert not pad.values.any()


def test_the_prediction_view_draws_each_kind(qtbot):
    view = PredictionView()
    qtbot.addWidget(view)
    view.show_prediction(Prediction("classes", "b (90 %)", ["a", "b"], [0.1, 0.9]), "b")
    assert "Prediction: b (90 %)" in view.caption.text() and "✔" in view.caption.text()
    assert len(view.plot.getPlotItem().items) == 1
    view.show_prediction(Prediction("string", "12", ["blank", "1", "2"], [],
                                    [[0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0, 0, 1]],
                                    [1, 0, 2]), "13")
    assert "✖" in view.caption.text()
    view.show_prediction(Prediction("values", "1, 2", steps=[[1.0], [2.0], [3.0]]), "1, 2")
    assert "✔" not in view.caption.text() and "✖" not in view.caption.text()
    view.show_prediction(None)
    assert view.caption.text() == ""


def test_the_output_view_lays_each_output_out_as_it_reads(qtbot):
    view = OutputView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    view.show_output("conv", "Conv2d [4, 5, 6]", np.random.rand(4, 5, 6), "maps")
    assert view.layout_shown == "maps" and not view.maps.image().isNull()
    assert view.frame.isHidden()
    clip = np.random.rand(3, 2, 4, 4)
    view.show_output("conv", "Conv2d per frame", clip, "clip_maps")
    assert view.frame.isVisible() and view.frame.maximum() == 2
    view.frame.setValue(2)
    assert view.maps.image() == map_grid(clip[2].astype(np.float32))
    view.show_output("lstm", "LSTM [8, 16]", np.random.rand(8, 16), "over_time")
    assert view.pages.currentIndex() == 1
    assert view.plot.getPlotItem().getAxis("bottom").labelText == "time step"
    view.show_output("conv1d", "Conv1d [4, 50]", np.random.rand(4, 50), "channels")
    assert view.plot.getPlotItem().getAxis("left").labelText == "channel"
    view.show_output("fc", "Linear [10]", np.arange(10.0), "vector")
    assert "values" in view.title.text()
    view.show_output(None, "Nothing here")
    assert view.title.text() == "Nothing here" and view.pages.isHidden()


def test_a_map_shows_where_it_is_hot_and_lets_the_picture_through_where_it_is_cold():
    picture = np.zeros((8, 8), dtype=np.float32)
    picture[2:6, 2:6] = 1.0
    heat = np.zeros((8, 8), dtype=np.float32)
    heat[0, 0] = 1.0
    image = overlay_image(picture, heat)
    assert image.width() == image.height() == 8 * 24
    cold_ink = QColor(image.pixel(4 * 24, 4 * 24))
    assert cold_ink == QColor(255, 255, 255)  # the picture, untouched
    hot = QColor(image.pixel(2, 2))
    assert hot.saturationF() > 0.5  # coloured
