"""What each node of a network costs in time, measured: forward and backward passes on
random data of the Inputs' shapes, timed by torch.profiler.

The network is compiled with each node's statement inside a profiler range named after the
node (codegen's `labelled` forward). A node's forward time is its range; its backward time
is the autograd functions whose sequence number belongs to an operation run inside that
range (the profiler gives each forward operation and the backward function made from it
the same number), plus the gradient accumulation into its parameters that follows them.
Times are medians over the repeats, after warm-up steps that are not timed.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch.profiler import ProfilerActivity, profile

from engine.analysis import Analysis, CompileError
from engine.capacity import memory_problem
from engine.codegen import PROFILE_LABEL
from engine.compiler import compile_graph
from engine.export.failing_node import reason
from engine.export.prepare import example_inputs
from engine.graph import Graph
from engine.memory import step_memory

BACKWARD_PREFIX = "autograd::engine::evaluate_function: "
ACCUMULATE_GRAD = "AccumulateGrad"
WARM_UP_STEPS = 2
"""The first steps allocate memory and pick kernels: a user's later steps do not pay that."""


class ProfileError(Exception):
    """The network could not be profiled; the message says why in a sentence."""


@dataclass(frozen=True)
class NodeTime:
    """Seconds one node takes in a forward+backward step, median over the repeats."""

    forward: float
    backward: float

    @property
    def total(self) -> float:
        return self.forward + self.backward


@dataclass(frozen=True)
class Profile:
    batch: int
    repeats: int
    device: str
    nodes: dict[str, NodeTime]
    """Every node that runs code, in forward() order."""
    step: float
    """Median seconds of a whole forward+backward step, timed without the profiler."""

    @property
    def measured(self) -> float:
        """The sum of the nodes' times: the step's time the profile accounts for."""
        return sum(time.total for time in self.nodes.values())


Progress = Callable[[int, int], None]
"""(steps done, steps in all); called after each step."""


def profile_network(graph: Graph, analysis: Analysis, batch: int, repeats: int = 5,
                    progress: Progress | None = None, device: str = "cpu") -> Profile:
    """Time each node of the (error-free) network over `repeats` steps at `batch` samples,
    on `device` (on CUDA, the time its kernels ran on the GPU). Raises ProfileError when
    the network cannot run."""
    graph = analysis.graph
    if batch < 1 or repeats < 1:
        raise ProfileError("the batch size and the number of repeats must be at least 1")
    too_large = memory_problem(f"a profiled step at batch {batch} (estimated)",
                                     step_memory(graph, analysis, batch, "SGD").peak)
    if too_large:
        raise ProfileError(f"{too_large}; profile a smaller batch")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        try:
            network = compile_graph(graph, analysis, "Profiled", labelled=True,
                                    outer_layout=False).train()
        except CompileError as error:
            raise ProfileError("; ".join(p.message for p in error.problems)) from None
        inputs = example_inputs(analysis, batch)
    target = torch.device(device)
    on_gpu = target.type == "cuda"
    try:
        network = network.to(target)
        inputs = tuple(tensor.to(target) for tensor in inputs)
    except (RuntimeError, AssertionError) as error:  # no such device, or no CUDA build
        raise ProfileError(f"the network cannot run on {device}: {reason(error)}") from None

    def finish() -> None:  # a GPU's steps are queued: wait for them before reading a clock
        if on_gpu:
            torch.cuda.synchronize(target)

    total_steps = WARM_UP_STEPS + 2 * repeats
    done = 0

    def step() -> None:
        nonlocal done
        network.zero_grad(set_to_none=True)
        outputs = network(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        loss = sum(output.float().sum() for output in outputs)
        loss.backward()
        done += 1
        if progress is not None:
            progress(done, total_steps)

    try:
        for _ in range(WARM_UP_STEPS):
            step()
        wall = []
        for _ in range(repeats):
            finish()
            started = time.perf_counter()
            step()
            finish()
            wall.append(time.perf_counter() - started)
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
        profiler = profile(activities=activities)
        with native_stderr_silenced():
            profiler.start()
        try:
            for _ in range(repeats):
                step()
            finish()
        finally:
            with native_stderr_silenced():
                profiler.stop()
    except (RuntimeError, MemoryError) as error:
        raise ProfileError(f"a step at batch {batch} failed: {reason(error)}") from None
    times = node_times(profiler.events(), repeats, device_time=on_gpu)
    ordered = {node_id: times.get(node_id, NodeTime(0.0, 0.0)) for node_id in analysis.order
               if not analysis.nodes[node_id].spec.is_input}
    return Profile(batch, repeats, target.type, ordered, statistics.median(wall))


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Kineto logs a line to the process's stderr as it starts and stops, which would
    end up in the command's output and the designer's terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def node_times(events: list, repeats: int, device_time: bool = False) -> dict[str, NodeTime]:
    """Per node, the medians over `repeats` of its forward range and of the backward
    functions made by the operations inside it; `events` are torch.profiler's. With
    `device_time`, what their kernels took on the GPU, else their time on the CPU."""

    def took(event) -> float:
        return event.device_time_total if device_time else event.cpu_time_total

    ranges = sorted((e for e in events if e.name.startswith(PROFILE_LABEL)),
                    key=lambda e: e.time_range.start)
    starts = [e.time_range.start for e in ranges]
    forward: dict[str, list[float]] = defaultdict(list)
    repeat_of = {}
    for event in ranges:
        spans = forward[event.name[len(PROFILE_LABEL):]]
        repeat_of[id(event)] = len(spans)
        spans.append(took(event))
    made_by: dict[tuple[int, int], tuple[str, int]] = {}
    """(thread, sequence number) of a forward operation → (node, which repeat)."""
    for event in events:
        if event.sequence_nr < 0 or event.name.startswith((PROFILE_LABEL, BACKWARD_PREFIX)):
            continue
        index = bisect.bisect_right(starts, event.time_range.start) - 1
        if index < 0:
            continue
        enclosing = ranges[index]
        if event.time_range.end <= enclosing.time_range.end:
            node = enclosing.name[len(PROFILE_LABEL):]
            made_by[(event.thread, event.sequence_nr)] = (node, repeat_of[id(enclosing)])
    backward: dict[tuple[str, int], float] = defaultdict(float)
    last: tuple[str, int] | None = None
    functions = sorted((e for e in events if e.name.startswith(BACKWARD_PREFIX)),
                       key=lambda e: e.time_range.start)
    for event in functions:
        if event.name.endswith(ACCUMULATE_GRAD):
            # a parameter's gradient is added up right after the function that made it
            if last is not None:
                backward[last] += took(event)
            continue
        last = made_by.get((event.fwd_thread, event.sequence_nr))
        if last is not None:
            backward[last] += took(event)
    microseconds = 1e-6
    return {node: NodeTime(
        statistics.median(spans) * microseconds,
        statistics.median(backward.get((node, r), 0.0) for r in range(len(spans)))
        * microseconds)
        for node, spans in forward.items() if len(spans) == repeats}
