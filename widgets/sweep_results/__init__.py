"""A sweep's results: the table of its trials and its plots (optimisation history,
parallel coordinates, parameter importances, the Pareto front of two objectives).

    table = TrialsTable()
    table.show_rows(rows, ["lr", "lstm.hidden_size"], "val_accuracy", "macs")
    plots = SweepPlots()
    plots.show_rows(rows, names, "val_accuracy", maximize=True, cost="macs",
                    importances={"lr": 0.8, ...})

Rows are engine.sweeps.results.TrialRow: number, state, params, metric, cost, seconds.
"""

from widgets.sweep_results.plots import SweepPlots
from widgets.sweep_results.table import TrialsTable

__all__ = ["SweepPlots", "TrialsTable"]
