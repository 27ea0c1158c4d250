"""Live training curves: the loss per batch and per epoch above, the task's metric and the
learning rate below, with a crosshair read-out, overlays of finished runs and export.

    plots = TrainingPlots()
    plots.start_run("val_accuracy", epochs=20)
    plots.add_batch(epoch - 1 + batch / batches, loss)   # cheap: only stores
    plots.add_epoch(epoch, {"train_loss": ..., "val_loss": ..., "val_accuracy": ..., "lr": ...})
    plots.refresh()                                       # the caller throttles this (a timer)

Data go into growing numpy arrays (columns.py) and reach the curves only in `refresh()`;
the curves downsample (peak) and clip to the view, so tens of thousands of batches stay
smooth.
"""

from widgets.training_plots.columns import metric_label, metric_names
from widgets.training_plots.plots import TrainingPlots

__all__ = ["TrainingPlots", "metric_label", "metric_names"]
