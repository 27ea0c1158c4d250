"""The confusion matrix: what it draws, its ticks and counts, and their colours."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette

from tests.widgets.palettes import dark_palette
from widgets.confusion_matrix import MAX_TEXT_CLASSES, ConfusionMatrixView

DIGITS = [str(d) for d in range(10)]


def confusion(n: int, diagonal: int = 90, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 4, (n, n))
    np.fill_diagonal(matrix, diagonal)
    return matrix


@pytest.fixture
def matrix_view(qtbot) -> ConfusionMatrixView:
    widget = ConfusionMatrixView()
    qtbot.addWidget(widget)
    widget.resize(500, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def luminance(colour: QColor) -> float:
    return 0.2126 * colour.redF() + 0.7152 * colour.greenF() + 0.0722 * colour.blueF()


def test_matrix_writes_every_count_and_the_accuracy(matrix_view):
    counts = confusion(10)
    matrix_view.show_matrix(counts.tolist(), DIGITS)
    texts = matrix_view.text_items()
    assert len(texts) == 100
    assert [t.textItem.toPlainText() for t in texts[:3]] == [
        f"{counts[0, 0]}", f"{counts[0, 1]}", f"{counts[0, 2]}"]
    # the cell of row 2 (truth), column 7 (prediction) sits at x 7.5, y 2.5
    assert texts[2 * 10 + 7].pos().x() == pytest.approx(7.5)
    assert texts[2 * 10 + 7].pos().y() == pytest.approx(2.5)
    accuracy = np.trace(counts) / counts.sum()
    assert matrix_view.title().startswith(f"accuracy {accuracy:.1%}")
    assert f"{counts.sum():,}" in matrix_view.title()
    assert matrix_view.labels() == DIGITS
    assert all(t.isVisible() for t in texts)  # 10 classes leave room for the counts


def test_matrix_ticks_name_the_classes(matrix_view):
    matrix_view.show_matrix(confusion(3), ["cat", "dog", "bird"])
    plot = matrix_view._plot
    for side in ("left", "bottom"):
        assert matrix_view.tick_labels(side) == [(0.5, "cat"), (1.5, "dog"), (2.5, "bird")]
    assert plot.getAxis("bottom").labelText == "predicted"
    assert plot.getAxis("left").labelText == "true"


def test_many_classes_get_no_counts_and_thinned_ticks(matrix_view):
    matrix_view.show_matrix(confusion(MAX_TEXT_CLASSES + 1), [])
    assert matrix_view.text_items() == []
    assert len(matrix_view.labels()) == MAX_TEXT_CLASSES + 1  # the class numbers
    matrix_view.show_matrix(confusion(60), [f"class {i}" for i in range(60)])
    bottom = matrix_view.tick_labels("bottom")
    assert 1 < len(bottom) < 60
    assert all(text.startswith("class ") for _x, text in bottom)  # in full, not "cl…"
    assert matrix_view.text_items() == []


def test_count_text_contrasts_with_its_cell(matrix_view, qtbot):
    counts = confusion(5, diagonal=500)
    for palette in (QPalette(), dark_palette()):
        matrix_view.setPalette(palette)
        matrix_view.show_matrix(counts, DIGITS[:5])
        texts = matrix_view.text_items()
        for row, column in ((0, 0), (0, 1)):
            cell = matrix_view.cell_colour(row, column)
            text = texts[row * 5 + column].color
            assert abs(luminance(cell) - luminance(text)) > 0.4
    # the largest count stands out most from the page, light and dark
    light = ConfusionMatrixView()
    qtbot.addWidget(light)
    light.show_matrix(counts, DIGITS[:5])
    assert luminance(light.cell_colour(0, 0)) < luminance(light.cell_colour(0, 1))
    assert luminance(matrix_view.cell_colour(0, 0)) > luminance(matrix_view.cell_colour(0, 1))


def test_matrix_clear_and_bad_input(matrix_view):
    matrix_view.show_matrix(confusion(4), DIGITS[:4])
    matrix_view.clear()
    assert matrix_view.text_items() == []
    assert matrix_view.title() == ""
    assert matrix_view.matrix().size == 0
    matrix_view.show_matrix([[0, 0], [0, 0]], ["a", "b"])
    assert matrix_view.title() == "no samples"
    with pytest.raises(ValueError):
        matrix_view.show_matrix([[1, 2, 3], [4, 5, 6]], ["a", "b"])
