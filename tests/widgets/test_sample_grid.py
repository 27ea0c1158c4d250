"""The sample grid: a cell per sample with its prediction and truth, the shapes of samples
it takes and how it draws them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette

from engine.data.builtin import digit_strings, digits
from tests.widgets.palettes import dark_palette
from widgets.canvas.style import ACCEPT_COLOUR, ERROR_COLOUR
from widgets.sample_grid import MAX_SAMPLES, SampleGrid
from widgets.sample_pictures import sample_pictures


@pytest.fixture
def grid(qtbot) -> SampleGrid:
    widget = SampleGrid()
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_grid_builds_a_cell_per_sample_and_colours_the_captions(grid):
    data = digits()
    images = data.x[:12].numpy()
    truths = [str(int(v)) for v in data.y[:12]]
    predictions = list(truths)
    predictions[3] = "8" if truths[3] != "8" else "9"
    grid.show_samples(images, predictions, truths)
    cells = grid.cells()
    assert len(cells) == 12
    assert [cell.correct for cell in cells] == [i != 3 for i in range(12)]
    role = QPalette.ColorRole.WindowText
    assert cells[0].prediction_label.palette().color(role) == ACCEPT_COLOUR
    assert cells[3].prediction_label.palette().color(role) == ERROR_COLOUR
    assert truths[3] in cells[3].truth_label.text()
    assert predictions[3] in cells[3].prediction_label.text()
    assert grid.summary() == "12 samples · 11 right, 1 wrong"
    # 8×8 digits are scaled up by whole pixels
    pixmap = cells[0].image.pixmap()
    assert pixmap.width() == pixmap.height() and pixmap.width() % 8 == 0
    assert pixmap.width() >= 64
    assert grid.columns() > 1


def test_grid_shows_at_most_max_samples(grid):
    images = np.random.default_rng(0).random((40, 8, 8))
    names = ["a"] * 40
    grid.show_samples(images, names, names)
    assert len(grid.cells()) == MAX_SAMPLES
    assert grid.summary().startswith(f"{MAX_SAMPLES} of 40")
    grid.clear()
    assert grid.cells() == []


def test_grid_keeps_the_aspect_of_strips(grid):
    data = digit_strings(train_count=50, test_count=20)
    strips = data.x_val.numpy()
    assert strips.shape[1:] == (1, 8, 64)
    truths = ["".join(str(int(v) - 1) for v in row if v > 0) for row in data.y_val]
    grid.show_samples(strips, truths, truths)
    assert len(grid.cells()) == 20
    pixmap = grid.cells()[0].image.pixmap()
    assert pixmap.width() == 8 * pixmap.height()
    assert pixmap.width() > 2 * 64
    assert all(cell.correct for cell in grid.cells())


def test_an_empty_prediction_is_said_not_left_blank(grid):
    strips = np.zeros((2, 1, 8, 64), np.float32)
    grid.show_samples(strips, ["", "42"], ["42", "42"])
    first, second = grid.cells()
    assert first.prediction_label.text() == "✗ (nothing read)"
    assert second.prediction_label.text() == "✓ 42"


def test_grid_reflows_with_the_width(grid, qtbot):
    grid.show_samples(np.zeros((10, 8, 8)), ["a"] * 10, ["a"] * 10)
    wide = grid.columns()
    grid.resize(260, 400)
    qtbot.waitUntil(lambda: grid.columns() < wide)
    assert grid.columns() >= 1
    layout = grid._grid
    assert layout.getItemPosition(layout.indexOf(grid.cells()[grid.columns()]))[:2] == (1, 0)


def test_grid_draws_colour_images_in_colour(grid):
    images = np.zeros((2, 3, 4, 4), np.float32)
    images[:, 0] = 1.0  # pure red
    grid.show_samples(images, ["x", "y"], ["x", "x"])
    picture = grid.cells()[0].image.pixmap().toImage()
    centre = picture.pixelColor(picture.width() // 2, picture.height() // 2)
    assert (centre.red(), centre.green(), centre.blue()) == (255, 0, 0)
    assert [cell.correct for cell in grid.cells()] == [True, False]


def test_grid_draws_sequences_as_heat_maps(grid):
    sequences = np.random.default_rng(1).normal(size=(5, 30, 6)) * 40  # [N, T, F]
    grid.show_samples(sequences, list("abcde"), list("abcdf"), kind="sequence")
    assert len(grid.cells()) == 5
    pixmap = grid.cells()[0].image.pixmap()
    assert pixmap.width() / pixmap.height() == pytest.approx(30 / 6)  # time runs across
    picture = pixmap.toImage()
    colours = {picture.pixelColor(x, picture.height() // 2).name()
               for x in range(0, picture.width(), 3)}
    assert len(colours) > 3  # a colour map, not one flat colour
    assert not grid.cells()[4].correct


def test_pictures_normalise_any_range():
    ramp = np.linspace(-5.0, 5.0, 16, dtype=np.float32).reshape(1, 4, 4)
    picture = sample_pictures(ramp)[0]
    assert picture.pixelColor(0, 0).red() == 0
    assert picture.pixelColor(3, 3).red() == 255
    faint = np.full((1, 1, 2, 2), 0.2, np.float32)  # already in [0, 1]: drawn as it is
    assert sample_pictures(faint)[0].pixelColor(0, 0).red() == round(0.2 * 255)
    with pytest.raises(ValueError):
        sample_pictures(np.zeros((2, 1, 1, 4, 4)))


def test_grid_rejects_mismatched_names(grid):
    with pytest.raises(ValueError):
        grid.show_samples(np.zeros((3, 8, 8)), ["a", "b"], ["a", "b", "c"])


def test_grid_follows_the_palette(grid):
    grid.show_samples(np.zeros((2, 8, 8)), ["a", "b"], ["a", "a"])
    grid.setPalette(dark_palette())
    page = grid._scroll.viewport().palette().color(QPalette.ColorRole.Window)
    assert page == QColor("#1e1e20")
    cell = grid.cells()[0].palette().color(QPalette.ColorRole.Window)
    assert cell.lightnessF() < 0.3
    role = QPalette.ColorRole.WindowText
    assert grid.cells()[1].prediction_label.palette().color(role) == ERROR_COLOUR


def test_clips_show_as_strips_of_frames_large_enough_to_see(grid):
    from engine.data.generated_clips import gestures

    data = gestures(train_count=6, test_count=3)
    names = [data.classes[int(v)] for v in data.y_val]
    grid.show_samples(data.x_val.numpy(), names, names, kind="clip")
    pixmap = grid.cells()[0].image.pixmap()
    frames, _, height, width = data.x_val.shape[1:]
    assert pixmap.height() >= 2 * height  # scaled up by whole pixels, not left at 16
    assert pixmap.width() >= frames * 2 * width
    assert grid.cells()[0].truth_label.text() == f"true {names[0]}"


def test_a_clip_labelled_frame_by_frame_shows_each_frames_labels_under_it(grid):
    from widgets.sample_cells import SampleView
    from widgets.sample_pictures import clip_strip

    clip = np.random.default_rng(0).random((4, 1, 8, 8)).astype(np.float32)
    view = SampleView("3 of 4 frames right", "under each frame: predicted, then true",
                      clip_strip(clip), correct=False, frames=4,
                      frame_labels=(["1", "1", "7", "7"], ["1", "1", "7", "4"]))
    grid.show_views([view], summary="3 of 4 frames right")
    (cell,) = grid.cells()
    predicted, true = cell.frame_rows
    assert [label.text() for label in predicted] == ["1", "1", "7", "7"]
    assert [label.text() for label in true] == ["1", "1", "7", "4"]
    role = QPalette.ColorRole.WindowText
    assert predicted[2].palette().color(role) == ACCEPT_COLOUR
    assert predicted[3].palette().color(role) == ERROR_COLOUR
    assert grid.summary() == "1 samples · 3 of 4 frames right"


def test_a_text_sample_is_shown_as_text_and_an_unjudged_one_without_marks(grid):
    from widgets.sample_cells import SampleView

    grid.show_views([SampleView("A before B", "true A before B", text="ACGT ACGT",
                                correct=True),
                     SampleView("|error| 0.1", "grey: true", text="x", correct=None)],
                    summary="mixed")
    dna, regression = grid.cells()
    assert dna.image.text() == "ACGT ACGT" and dna.prediction_label.text() == "✓ A before B"
    assert regression.prediction_label.text() == "|error| 0.1"
