"""Recurrent cells stepped over time by hand — `for t in range(x.size(1)): h, c =
self.cell(x[:, t], (h, c))` — are one recurrent layer: LSTMCell an LSTM, GRUCell a GRU,
RNNCell an RNN, with the cell's weights under the layer's names.

The walk meets the loop unrolled (the example's length decides it): each step's input is
x[:, t] (a Step), each call a step of one CellRun. A run that starts from zeros, takes the
steps of one sequence in order and hands each step's state to the next is the layer; its
outputs are torch.stack of every step's h (the layer's output) or the last step's h (its
last step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta
from engine.importing.values import Call, Layer, Zeros

LAYERS = {nn.LSTMCell: "LSTM", nn.GRUCell: "GRU", nn.RNNCell: "RNN"}
RENAMES = {"weight_ih": "weight_ih_l0", "weight_hh": "weight_hh_l0", "bias_ih": "bias_ih_l0",
           "bias_hh": "bias_hh_l0"}
"""The cell's weights → the one-layer recurrent layer's."""


@dataclass(frozen=True, eq=False)
class Step:
    """x[:, t]: one step of a sequence, for a cell."""

    sequence: Layer
    index: int


@dataclass(eq=False)
class CellRun:
    """The calls of one cell over one sequence so far."""

    cell: nn.RNNCellBase
    path: str
    sequence: Layer
    steps: int = 0
    layer: Layer | None = None
    last_step: Layer | None = None
    call: Call | None = field(default=None, repr=False)

    @property
    def length(self) -> int:
        return self.sequence.shape[1]

    def as_layer(self, call: Call) -> Layer:
        """The recurrent layer the whole run is (made once)."""
        if self.steps != self.length:
            raise Unsupported(f"{call.describe()} uses {self.steps} of the {self.length} steps "
                              f"of the sequence the cell self.{self.path} reads; the "
                              "catalogue's recurrent layers read every step")
        if self.layer is None:
            kind = LAYERS[type(self.cell)]
            params: dict[str, Any] = {"hidden_size": self.cell.hidden_size,
                                      "bias": self.cell.bias}
            if kind == "RNN":
                params["nonlinearity"] = self.cell.nonlinearity
            batch, steps = self.sequence.shape[:2]
            meta = TensorMeta((batch, steps, self.cell.hidden_size), self.sequence.dtype)
            self.layer = (self.call or call).layer(kind, params, [self.sequence],
                                                   module=self.path, meta=meta, batch_dim=0)
            self.layer.renames = dict(RENAMES)
        return self.layer


@dataclass(frozen=True, eq=False)
class CellOutput:
    """h after step `index` of a run (and, for an LSTM cell, c beside it)."""

    run: CellRun
    index: int
    state: str = "h"


@dataclass(frozen=True, eq=False)
class CellPair:
    """What an LSTMCell returns: (h, c)."""

    run: CellRun
    index: int


def step_of(call: Call, x: Layer, index: Any) -> Step | None:
    """x[:, t] (or x[:, t, :]) of a batch-first sequence, x[t] of a time-major one."""
    everything = slice(None)
    steps = index if isinstance(index, tuple) else (index,)
    if x.rank != 3:
        return None
    if x.batch_dim == 0 and len(steps) in (2, 3) and steps[0] == everything and isinstance(
            steps[1], int) and all(s == everything for s in steps[2:]):
        position = steps[1]
    elif x.batch_dim == 1 and isinstance(steps[0], int) and all(
            s == everything for s in steps[1:]):
        position = steps[0]
    else:
        return None
    return Step(x, position % x.shape[1])


def call_cell(call: Call, cell: nn.RNNCellBase, path: str, runs: dict[str, CellRun]
              ) -> CellPair | CellOutput:
    """One call of a cell: the next step of its run."""
    if type(cell) not in LAYERS:
        raise Unsupported(f"{call.describe()} is not in the catalogue")
    given = call.args[0]
    if not isinstance(given, Step):
        raise Unsupported(f"{call.describe()} is given something else than one step of a "
                          "sequence, x[:, t]; the catalogue has its recurrent layers, which "
                          "read whole sequences")
    state = call.args[1] if len(call.args) > 1 else call.kwargs.get("hx")
    run = runs.get(path)
    if _starts(state):
        if run is not None:
            raise Unsupported(f"{call.describe()} starts over from zeros; a cell stepped "
                              "over one sequence once is a recurrent layer, not more")
        run = runs[path] = CellRun(cell, path, given.sequence, call=call)
    elif run is None or not _continues(state, run):
        raise Unsupported(f"{call.describe()} is given a state that is not the one its "
                          "previous step gave; only a cell stepped from zeros over a "
                          "sequence, each step's state handed to the next, is a layer")
    if given.sequence is not run.sequence or given.index != run.steps:
        raise Unsupported(f"{call.describe()} reads step {given.index} where step "
                          f"{run.steps} of the same sequence comes next; the catalogue's "
                          "recurrent layers read the steps in order")
    run.steps += 1
    index = run.steps - 1
    if isinstance(cell, nn.LSTMCell):
        return CellPair(run, index)
    return CellOutput(run, index)


def _starts(state: Any) -> bool:
    if state is None or isinstance(state, Zeros):
        return True
    return isinstance(state, tuple | list) and all(isinstance(s, Zeros) for s in state)


def _continues(state: Any, run: CellRun) -> bool:
    last = run.steps - 1
    if isinstance(run.cell, nn.LSTMCell):
        return (isinstance(state, tuple | list) and len(state) == 2
                and isinstance(state[0], CellOutput) and isinstance(state[1], CellOutput)
                and (state[0].run, state[0].index, state[0].state) == (run, last, "h")
                and (state[1].run, state[1].index, state[1].state) == (run, last, "c"))
    return isinstance(state, CellOutput) and (state.run, state.index) == (run, last)


def pick(pair: CellPair, index: Any) -> CellOutput:
    """h, c = cell(...): h is [0], c is [1]."""
    if index in (0, -2):
        return CellOutput(pair.run, pair.index, "h")
    if index in (1, -1):
        return CellOutput(pair.run, pair.index, "c")
    raise Unsupported(f"indexing [{index!r}] of what an LSTMCell returns is not in the "
                      "catalogue")


def stacked(call: Call, items: list[Any], dim: int) -> Layer | None:
    """torch.stack of every step's h of one run, along time: the run's layer."""
    if not items or not all(isinstance(i, CellOutput) and i.state == "h" for i in items):
        return None
    run = items[0].run
    if any(i.run is not run for i in items) or [i.index for i in items] != list(
            range(len(items))):
        raise Unsupported(f"{call.describe()} stacks steps of a cell out of order; the "
                          "catalogue's recurrent layers give every step in order")
    if dim != 1:
        raise Unsupported(f"{call.describe()} stacks the steps along dim {dim}; stack them "
                          "along dim 1, batch first")
    return run.as_layer(call)


def as_tensor(call: Call, output: CellOutput) -> Layer:
    """A cell's h used as a tensor: the last step's is the layer's last step."""
    run = output.run
    if output.state != "h" or output.index != run.length - 1:
        what = "c" if output.state == "c" else f"h of step {output.index}"
        raise Unsupported(f"{call.describe()} uses {what} of the cell self.{run.path}; "
                          "the catalogue's recurrent layers give h of every step (stack "
                          "them) or of the last")
    layer = run.as_layer(call)
    if run.last_step is None:
        run.last_step = call.layer("LastStep", {}, [layer], meta=TensorMeta(
            (layer.shape[0], layer.shape[2]), layer.dtype))
    return run.last_step
