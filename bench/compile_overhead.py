"""What compiling a project graph costs at run time, against the same network by hand.

For four networks (a CNN, an LSTM, a CRNN and a CRNN over clips, whose convolutions apply
to each frame) this times one training step's compute,
forward + backward, of

- the module that engine.compiler.compile_graph builds from a graph, and
- the same network written by hand as an ordinary torch.nn.Module,

after copying the compiled module's weights into the hand-written one and checking that
both give the same output and the same gradients on the same input. The two are warmed
up, then timed alternately (A B, B A, A B, ...) so that drift in the machine's speed
falls on both, and the medians are compared. The target is a ratio compiled /
hand-written of at most 1.05. Each line also gives the median of the ratios of adjacent
runs ("paired"), the ratio of the tenth percentiles ("p10": other work on the machine only
adds time, so the fast runs are the cleanest), and the spread of the timings (IQR /
median); `--control` adds an A/A line per network, hand-written against a copy of itself,
which shows how far noise alone moves a ratio. The first line gives the machine's load and
each line ends with the share of the cores that other processes took while it was timed
("others"): on a busy machine (2 cores shared with a test run, say) torch's threads wait on
each other and a step can take ten times as long, so read such a run with care.

    .venv/bin/python bench/compile_overhead.py            # full run (about 1-2 minutes)
    .venv/bin/python bench/compile_overhead.py --quick    # smoke run, a few seconds
    .venv/bin/python bench/compile_overhead.py --control  # plus A/A lines (twice as long)

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.compiler import compile_graph

# bench/ (compile_overhead_parts), also when this file is loaded from its path by a test
# rather than run as a script
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from compile_overhead_parts.machine_load import OtherWork, load
from compile_overhead_parts.networks import CASES, Case

TARGET = 1.05
BUSY = 0.2
"""Above this share of the cores taken by other processes, a run's figures are suspect."""


@dataclass(frozen=True)
class Result:
    name: str
    label: str
    """What was timed against the hand-written network: 'compiled', or 'hand-written' for
    the control run that times the hand-written network against a copy of itself."""
    compiled_ms: float
    hand_ms: float
    paired_ratio: float
    """Median over repetitions of (compiled time / hand-written time) of adjacent runs."""
    low_ratio: float
    """The same for the tenth percentiles: other work on the machine only ever adds time,
    so the fast runs are the least disturbed ones."""
    reps: int
    spread: float
    """Interquartile range / median of the hand-written times: the noise of the machine."""
    others: float | None
    """The share of the machine's cores that other processes (or the VM's host) used while
    this was timed; None where the system does not say."""

    @property
    def ratio(self) -> float:
        return self.compiled_ms / self.hand_ms


def build_pair(case: Case) -> tuple[nn.Module, nn.Module]:
    """The compiled network and the hand-written one, holding the same weights."""
    compiled = compile_graph(case.graph(), name=case.name)
    hand = case.hand()
    hand.load_state_dict(compiled.state_dict(), strict=True)
    return compiled, hand


def check_same(case: Case, compiled: nn.Module, hand: nn.Module, x: torch.Tensor) -> None:
    """Both networks give the same output and the same gradients (train mode, as timed)."""
    outputs, grads = [], []
    for net in (compiled, hand):
        net.train()
        net.zero_grad(set_to_none=True)
        out = net(x)
        out.square().mean().backward()
        outputs.append(out.detach())
        grads.append({k: p.grad for k, p in net.named_parameters()})
    assert outputs[0].shape == outputs[1].shape, (case.name, outputs[0].shape,
                                                  outputs[1].shape)
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0,
                               msg=f"{case.name}: compiled and hand-written outputs differ")
    assert grads[0].keys() == grads[1].keys(), case.name
    for key in grads[0]:
        torch.testing.assert_close(grads[0][key], grads[1][key], rtol=0, atol=0,
                                   msg=f"{case.name}: gradients of {key} differ")


def step(net: nn.Module, x: torch.Tensor) -> float:
    """Seconds for one forward + backward (what a training step computes)."""
    start = time.perf_counter()
    net(x).sum().backward()
    elapsed = time.perf_counter() - start
    net.zero_grad(set_to_none=True)
    return elapsed


def measure(case: Case, batch: int, warmup: int, reps: int,
            budget_s: float | None = None, min_reps: int = 5,
            control: bool = False) -> Result:
    """`warmup` untimed pairs of steps, then `reps` timed pairs, interleaved; with
    `budget_s`, both stop early when the network's seconds run out (warm-up gets a fifth of
    them, the timed pairs at least `min_reps`), so a full run stays short on a slow or busy
    machine. With `control`, the compiled network is swapped for a second hand-written
    one (A/A): its ratio shows how far from 1 the machine's noise alone moves a ratio."""
    torch.manual_seed(0)
    compiled, hand = build_pair(case)
    x = torch.randn(batch, *case.sample_shape)
    check_same(case, compiled, hand, x)
    if control:
        compiled = case.hand()
        compiled.load_state_dict(hand.state_dict(), strict=True)
    compiled.train()
    hand.train()
    start = time.perf_counter()
    for i in range(warmup):
        if budget_s is not None and i >= 1 and time.perf_counter() - start > budget_s / 5:
            break
        step(compiled, x)
        step(hand, x)
    times: dict[str, list[float]] = {"compiled": [], "hand": []}
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection inside one network's step would be charged to it alone
    watch = OtherWork()
    try:
        pair_s = 0.0
        for i in range(reps):
            # stop before a pair that would end past the budget
            if (budget_s is not None and i >= min_reps
                    and time.perf_counter() + pair_s - start > budget_s):
                break
            pair_start = time.perf_counter()
            # alternate which goes first, so neither always follows the other
            order = (("compiled", compiled), ("hand", hand))
            for key, net in order if i % 2 == 0 else order[::-1]:
                times[key].append(step(net, x))
            pair_s = time.perf_counter() - pair_start
    finally:
        if gc_was_enabled:
            gc.enable()
    paired = statistics.median(c / h for c, h in zip(times["compiled"], times["hand"],
                                                     strict=True))
    low = tenth_percentile(times["compiled"]) / tenth_percentile(times["hand"])
    return Result(case.name, "hand-written" if control else "compiled",
                  1e3 * statistics.median(times["compiled"]),
                  1e3 * statistics.median(times["hand"]), paired, low, len(times["hand"]),
                  spread(times["hand"]), watch.share())


def tenth_percentile(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[0]


def spread(values: Sequence[float]) -> float:
    """The interquartile range relative to the median: how noisy the timings were."""
    if len(values) < 4:
        return float("nan")
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q3 - q1) / statistics.median(values)


def line(result: Result) -> str:
    name = result.name if result.label == "compiled" else f"{result.name} A/A"
    return (f"{name:<9} {result.label} {result.compiled_ms:8.2f} ms  hand-written "
            f"{result.hand_ms:8.2f} ms  ratio {result.ratio:.3f}  "
            f"(paired {result.paired_ratio:.3f}, p10 {result.low_ratio:.3f}, "
            f"{result.reps} reps, IQR {100 * result.spread:.0f}%"
            + ("" if result.others is None else f", others {100 * result.others:.0f}%")
            + ")")


# a full run: at most this many interleaved pairs per network, within this many seconds
# (the CRNNs' steps are far the slowest), warm-up included: about 2 minutes in all
FULL_REPS = {"CNN": 500, "LSTM": 500, "CRNN": 150, "clip CRNN": 150}
FULL_BUDGET_S = {"CNN": 20.0, "LSTM": 15.0, "CRNN": 40.0, "clip CRNN": 40.0}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few repetitions (smoke test)")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed repetitions of each network (overrides the default)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's own choice)")
    parser.add_argument("--control", action="store_true",
                        help="also time each hand-written network against a copy of itself "
                             "(A/A), to show the noise floor of a ratio")
    parser.add_argument("--only", choices=[c.name for c in CASES], action="append",
                        help="run only this network (repeatable)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[Result]:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    warmup = args.warmup if args.warmup is not None else (2 if args.quick else 10)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
          f"forward + backward, median of interleaved runs; {load()}")
    results = []
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        if args.reps is not None or args.quick:
            reps, budget = (args.reps if args.reps is not None else 5), None
        else:
            reps, budget = FULL_REPS[case.name], FULL_BUDGET_S[case.name]
        result = measure(case, args.batch, warmup, reps, budget)
        print(line(result), flush=True)
        results.append(result)
        if args.control:
            print(line(measure(case, args.batch, warmup, reps, budget, control=True)),
                  flush=True)
    busy = [r.name for r in results if r.others is not None and r.others > BUSY]
    if busy:
        print(f"NOISY: other processes took over {100 * BUSY:.0f}% of the cores while "
              f"{', '.join(busy)} ran; run again on a quiet machine")
    worst = max(results, key=lambda r: r.ratio)
    verdict = "within" if worst.ratio <= TARGET else "ABOVE"
    print(f"worst ratio {worst.ratio:.3f} ({worst.name}); {verdict} the target {TARGET:.2f}")
    return results


if __name__ == "__main__":
    main()
