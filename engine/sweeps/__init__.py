"""Sweeps: an Optuna study over what the project marks to vary (engine.sweeps.space), run
by workers on one machine or many (engine.sweeps.work), each trial an ordinary run."""

from engine.sweeps.settings import Sweep, read_sweep
from engine.sweeps.space import SweepError, Varied, suggested_range

__all__ = ["Sweep", "SweepError", "Varied", "read_sweep", "suggested_range"]
