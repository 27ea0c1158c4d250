"""How close is the designer's estimate of a training step's memory to the real peak?

For each example project and each reference architecture (tests/engine/architectures/)
this measures the peak memory of one training step on the CPU — forward, backward and the
optimiser's step of the compiled network, on random data, after a first step has made the
optimiser's state — and prints it beside engine.memory's estimate and the error.

The peak is read from torch.profiler's memory timeline (profile_memory, record_shapes,
with_stack; torch.profiler._memory_profiler.MemoryProfileTimeline), which follows every
tensor the step touches: the parameters, their gradients, the optimiser's state, the
activations autograd keeps and the temporaries. The loss is the mean of the squared
outputs (a tensor the size of the output, like the task losses). Batch size and optimiser
are the project's own (64 and Adam for the architectures, which have no training
settings; the largest ones at a smaller batch, said on their line).

    .venv/bin/python bench/memory_estimate.py            # all, a minute or two
    .venv/bin/python bench/memory_estimate.py --quick    # two small ones (smoke run)

A benchmark prints figures; it never fails on a size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.analysis import analyse  # noqa: E402
from engine.compiler import compile_graph  # noqa: E402
from engine.memory import batch_size_of, optimizer_name_and_args, step_memory  # noqa: E402
from engine.profiling import native_stderr_silenced  # noqa: E402
from engine.project import load_project  # noqa: E402

SMALLER_BATCH = {"alexnet": 8, "danq": 8, "crnn": 8}
"""Architectures whose step at batch 64 takes gigabytes and minutes on a CPU."""
TARGET = 0.15


@dataclass(frozen=True)
class Measured:
    name: str
    batch: int
    optimizer: str
    estimate: int
    peak: int

    @property
    def error(self) -> float:
        return (self.estimate - self.peak) / self.peak


def measured_peak(network: torch.nn.Module, x: torch.Tensor, optimizer: torch.optim.Optimizer
                  ) -> int:
    """Bytes at the peak of one training step (after a first one, outside the count)."""
    from torch.profiler import ProfilerActivity, profile
    from torch.profiler._memory_profiler import MemoryProfileTimeline

    def step() -> None:
        output = network(x)
        output = output[0] if isinstance(output, tuple) else output
        output.float().pow(2).mean().backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()
    with native_stderr_silenced(), profile(activities=[ProfilerActivity.CPU],
                                           profile_memory=True, record_shapes=True,
                                           with_stack=True) as profiler:
        step()
    timeline = MemoryProfileTimeline(profiler._memory_profile())
    _, sizes = timeline._coalesce_timeline(torch.device("cpu"))
    return int(np.asarray(sizes).sum(axis=1).max())


def measure(path: Path) -> Measured:
    project = load_project(path)
    analysis = analyse(project.graph, project.training)
    batch = SMALLER_BATCH.get(path.stem, batch_size_of(project.training))
    name, args = optimizer_name_and_args(project.training)
    estimate = step_memory(project.graph, analysis, batch, name, args).peak
    torch.manual_seed(0)
    network = compile_graph(project.graph, analysis)
    network.train()
    sample = analysis.nodes[analysis.inputs[0]].output
    if sample.dtype == "int64":
        x = torch.randint(0, 2, (batch, *sample.shape))
    else:
        x = torch.randn(batch, *sample.shape)
    optimizer = getattr(torch.optim, name)(network.parameters(),
                                           **{k: v for k, v in args.items() if k != "type"})
    return Measured(path.stem, batch, name, estimate, measured_peak(network, x, optimizer))


def main(argv: Sequence[str] | None = None) -> list[Measured]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small networks")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # the same kernels (and their temporaries) every run
    paths = sorted((ROOT / "projects").glob("*.ndproj")) + sorted(
        (ROOT / "tests" / "engine" / "architectures").glob("*.ndproj"))
    if args.quick:
        paths = [ROOT / "projects" / "digits_cnn.ndproj",
                 ROOT / "projects" / "digit_rows_lstm.ndproj"]
    results = []
    for path in paths:
        result = measure(path)
        results.append(result)
        print(f"{result.name:<22} batch {result.batch:>3} {result.optimizer:<7} estimate "
              f"{result.estimate / 1e6:9.2f} MB  measured {result.peak / 1e6:9.2f} MB  "
              f"error {100 * result.error:+6.1f} %", flush=True)
    errors = [abs(r.error) for r in results]
    within = sum(e <= TARGET for e in errors)
    print(f"{within} of {len(results)} within {100 * TARGET:.0f} %; median error "
          f"{100 * statistics.median(errors):.1f} %, largest {100 * max(errors):.1f} %")
    return results


if __name__ == "__main__":
    main()
