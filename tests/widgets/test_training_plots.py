"""The live training curves: storage, refresh, overlays, export and palette colours."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPalette

from tests.widgets.palettes import dark_palette
from widgets.training_plots import TrainingPlots

BATCHES, EPOCHS = 500, 10


@pytest.fixture
def plots(qtbot) -> TrainingPlots:
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def epoch_metrics(epoch: int, metric: str = "val_accuracy") -> dict[str, float]:
    return {"epoch": epoch, "train_loss": 2.3 * math.exp(-epoch / 2.5) + 0.3,
            "val_loss": 2.2 * math.exp(-epoch / 2.8) + 0.4,
            metric: 1 - 0.9 * math.exp(-epoch / 2.2),
            "lr": 1e-3 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / EPOCHS)), "seconds": 1.0}


def feed(plots: TrainingPlots, metric: str = "val_accuracy", epochs: int = EPOCHS) -> None:
    """A noisy, decreasing training loss and a rising metric: 5,000 batches, 10 epochs."""
    rng = np.random.default_rng(0)
    plots.start_run(metric, EPOCHS)
    for epoch in range(1, epochs + 1):
        for batch in range(1, BATCHES + 1):
            x = epoch - 1 + batch / BATCHES
            plots.add_batch(x, 2.3 * math.exp(-x / 2.5) + 0.25 + abs(rng.normal(0, 0.1)))
        row = epoch_metrics(epoch, metric)
        if metric == "val_sequence_accuracy":
            row["val_cer"] = 0.8 * math.exp(-epoch / 2.5)
        plots.add_epoch(epoch, row)


def data_length(curve) -> int:
    x, _ = curve.getOriginalDataset()
    return 0 if x is None else len(x)


def test_batches_and_epochs_reach_the_curves_only_on_refresh(plots):
    feed(plots)
    assert plots.point_counts() == (BATCHES * EPOCHS, EPOCHS)
    curves = plots.curves()
    assert data_length(curves["batch_loss"]) == 0  # add_* only store
    plots.refresh()
    assert data_length(curves["batch_loss"]) == BATCHES * EPOCHS
    assert data_length(curves["smoothed_loss"]) == BATCHES * EPOCHS
    for name in ("val_loss", "val_accuracy", "lr"):
        assert data_length(curves[name]) == EPOCHS
    x, y = curves["val_accuracy"].getOriginalDataset()
    assert list(x) == list(range(1, EPOCHS + 1))
    assert y[-1] == pytest.approx(epoch_metrics(EPOCHS)["val_accuracy"])
    # the moving average is smoother than the raw loss and follows it
    raw = curves["batch_loss"].getOriginalDataset()[1]
    smooth = curves["smoothed_loss"].getOriginalDataset()[1]
    assert np.std(np.diff(smooth)) < np.std(np.diff(raw)) / 5
    assert abs(smooth[-1] - raw[-500:].mean()) < 0.05
    assert smooth[0] == raw[0]  # debiased: it starts at the first loss, not at 0


def test_curves_downsample_and_clip_to_the_view(plots):
    for plot in plots.plots():
        assert plot.ctrl.downsampleCheck.isChecked()
        assert plot.ctrl.autoDownsampleCheck.isChecked()
        assert plot.ctrl.peakRadio.isChecked()
        assert plot.ctrl.clipToViewCheck.isChecked()
    curve = plots.curves()["batch_loss"]
    assert curve.opts["autoDownsample"] and curve.opts["clipToView"]
    assert curve.opts["downsampleMethod"] == "peak"


def test_a_metric_per_task_and_the_cer_for_ctc(plots):
    feed(plots, "val_mae", epochs=3)
    plots.refresh()
    assert "val_mae" in plots.curves() and "val_cer" not in plots.curves()
    feed(plots, "val_sequence_accuracy", epochs=3)
    plots.refresh()
    curves = plots.curves()
    assert data_length(curves["val_sequence_accuracy"]) == 3
    assert data_length(curves["val_cer"]) == 3
    assert "val_mae" not in curves


def test_start_run_clears_the_live_curves(plots):
    feed(plots)
    plots.refresh()
    plots.start_run("val_accuracy", 5)
    assert plots.point_counts() == (0, 0)
    assert all(data_length(curve) == 0 for curve in plots.curves().values())
    plots.add_batch(0.5, 1.0)
    plots.refresh()
    assert plots.point_counts() == (1, 0)


def test_overlays_add_dashed_curves_and_go_again(plots):
    feed(plots, epochs=3)
    plots.refresh()
    loss_plot, metric_plot = plots.plots()
    before = (len(loss_plot.listDataItems()), len(metric_plot.listDataItems()))
    history = [epoch_metrics(epoch) for epoch in range(1, 13)]
    plots.overlay("run 1", history)
    plots.overlay("run 2", history[:5])
    assert plots.overlay_count() == 2
    assert len(loss_plot.listDataItems()) == before[0] + 2
    assert len(metric_plot.listDataItems()) == before[1] + 2
    added = [c for c in loss_plot.listDataItems() if c not in plots.curves().values()]
    assert all(c.opts["pen"].style().name == "DashLine" for c in added)
    assert len({c.opts["pen"].color().name() for c in added}) == 2
    assert loss_plot.getViewBox().viewRange()[0][1] >= 12  # the longer run is in view
    plots.start_run("val_accuracy", 10)  # overlays outlive a new run
    assert plots.overlay_count() == 2
    plots.clear_overlays()
    assert plots.overlay_count() == 0
    assert (len(loss_plot.listDataItems()), len(metric_plot.listDataItems())) == before


def test_export_csv_writes_epochs_and_batches(plots, tmp_path):
    feed(plots)
    epochs_path, batches_path = plots.export_csv(tmp_path / "run.csv")
    assert batches_path == tmp_path / "run_batches.csv"
    with epochs_path.open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "val_accuracy", "lr"]
    assert [int(r["epoch"]) for r in rows] == list(range(1, EPOCHS + 1))
    assert float(rows[2]["val_loss"]) == pytest.approx(epoch_metrics(3)["val_loss"])
    assert float(rows[0]["lr"]) == pytest.approx(1e-3)
    with batches_path.open() as file:
        batches = list(csv.DictReader(file))
    assert list(batches[0]) == ["epoch", "loss", "smoothed_loss", "lr"]
    assert batches[0]["lr"] == ""  # these batches came without their learning rate
    assert len(batches) == BATCHES * EPOCHS
    assert float(batches[-1]["epoch"]) == pytest.approx(EPOCHS)


def test_a_learning_rate_given_per_batch_is_drawn_per_batch(plots):
    """A one-cycle schedule changes the rate every batch: its rise and fall must show,
    not two points at the ends of the epochs."""
    plots.start_run("val_accuracy", 2)
    steps = 2 * BATCHES
    for step in range(1, steps + 1):
        rate = 1e-3 * math.sin(math.pi * step / steps)
        plots.add_batch(step / BATCHES, 1.0, rate)
    for epoch in (1, 2):
        plots.add_epoch(epoch, epoch_metrics(epoch))
    plots.refresh()
    x, rates = plots.curves()["lr"].getOriginalDataset()
    assert len(x) == steps
    assert rates.max() == pytest.approx(1e-3, rel=1e-3)
    assert int(np.argmax(rates)) == pytest.approx(steps // 2, abs=1)


def test_a_missing_train_loss_is_the_mean_of_the_epochs_batches(plots, tmp_path):
    plots.start_run("val_mae", 2)
    for batch, loss in enumerate((1.0, 2.0, 3.0), start=1):
        plots.add_batch(batch / 3, loss)
    plots.add_epoch(1, {"val_loss": 1.5})
    path, _ = plots.export_csv(tmp_path / "run.csv")
    row = next(csv.DictReader(path.open()))
    assert float(row["train_loss"]) == pytest.approx(2.0)
    assert row["val_mae"] == "" and row["lr"] == ""


@pytest.mark.parametrize("dark", [False, True])
def test_export_png_follows_the_palette(qtbot, tmp_path, dark):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    if dark:
        widget.setPalette(dark_palette())
    widget.resize(800, 500)
    widget.show()
    qtbot.waitExposed(widget)
    feed(widget)
    path = widget.export_png(tmp_path / "curves.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 700
    base = widget.palette().color(QPalette.ColorRole.Base)
    corner = image.pixelColor(3, image.height() // 2)
    assert abs(corner.lightnessF() - base.lightnessF()) < 0.05
    # the curves are drawn: plenty of pixels differ from the background
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)  # kept: it owns the bits
    pixels = np.frombuffer(grey.constBits(), dtype=np.uint8).copy()
    assert np.mean(np.abs(pixels.astype(int) - round(base.lightnessF() * 255)) > 40) > 0.02


def test_a_palette_change_recolours_the_plots(plots, qapp):
    plots.setPalette(dark_palette())
    qapp.processEvents()
    assert plots._graphics.backgroundBrush().color() == QColor("#1e1e20")
    axis = plots.plots()[0].getAxis("left")
    assert axis.textPen().color() == QColor("#e6e6e6")


def test_the_crosshair_reads_out_the_nearest_values(plots, qapp):
    feed(plots)
    plots.refresh()
    qapp.processEvents()
    text = plots.readout(4.3)
    assert text.startswith("epoch 4.30")
    assert "epoch 4: val loss" in text and "accuracy 0.85" in text
    box = plots.plots()[0].getViewBox()
    scene = box.scene()
    scene.sigMouseMoved.emit(box.mapViewToScene(QPointF(4.3, 1.0)))
    assert plots._vline.isVisible() and plots._vline.value() == pytest.approx(4.3, abs=0.01)
    assert "epoch 4.30" in plots._readout.text
    scene.sigMouseMoved.emit(QPointF(-50, -50))
    assert not plots._vline.isVisible()
