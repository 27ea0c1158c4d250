"""What a checkpoint that survives a kill costs, against the checkpoint people write by
hand: `torch.save({"model": ..., "optimizer": ..., "epoch": ...}, path)`.

Netdesigner's checkpoint (engine.training.checkpoint.save) serialises the weights as
safetensors with a SHA-256 of their values and the trainer's state with torch.save, both in
memory, writes each beside its place and renames it in (with fsync), then writes the
manifest that names them with their checksums, and removes the previous epoch's files.
The hand-written one writes one file in place, unsynced (a kill during it leaves a torn
file, and the page cache holds it until the kernel writes it); a third side does the same
and fsyncs it, to show what durability alone costs.

Models of 1, 10 and 40 million parameters (Linear layers) with Adam's state (two moments
per parameter, so the state file is twice the weights), in a temporary folder on the disk
the system's temporary files live on. Each side is timed interleaved, after one untimed
save, and min / median / max are printed with the ratio of medians and the paired ratio.

    .venv/bin/python bench/checkpoint_cost.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.training import checkpoint


def _model(parameters: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    width = 1000
    layers = max(1, parameters // (width * width))
    model = nn.Sequential(*[nn.Linear(width, width) for _ in range(layers)])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(4, width)).sum().backward()
    optimizer.step()  # Adam's moments exist, as after a real epoch
    return model, optimizer


def _netdesigner(folder: Path, model, optimizer, epoch: int) -> None:
    checkpoint.save(folder, model, optimizer, None, torch.Generator(), epoch, [], None,
                    {"optimizer": {"type": "Adam", "args": {"lr": 1e-3}}})


def _by_hand(folder: Path, model, optimizer, epoch: int) -> None:
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch}, folder / "checkpoint.pt")


def _by_hand_synced(folder: Path, model, optimizer, epoch: int) -> None:
    path = folder / "checkpoint.pt"
    with open(path, "wb") as file:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epoch}, file)
        file.flush()
        os.fsync(file.fileno())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{'parameters':>10}  {'side':<13} {'min':>7} {'median':>7} {'max':>7}  seconds")
    for parameters in (1_000_000, 10_000_000, 40_000_000):
        model, optimizer = _model(parameters)
        times: dict[str, list[float]] = {"netdesigner": [], "by hand": [],
                                          "by hand+sync": []}
        with tempfile.TemporaryDirectory() as root:
            sides = {"netdesigner": (_netdesigner, Path(root) / "a"),
                     "by hand": (_by_hand, Path(root) / "b"),
                     "by hand+sync": (_by_hand_synced, Path(root) / "c")}
            for _, folder in sides.values():
                folder.mkdir()
            for save, folder in sides.values():
                save(folder, model, optimizer, 0)  # untimed: first-touch of the files
            for epoch in range(1, args.repeat + 1):
                order = list(sides) if epoch % 2 else list(reversed(sides))
                for name in order:
                    save, folder = sides[name]
                    start = time.perf_counter()
                    save(folder, model, optimizer, epoch)
                    times[name].append(time.perf_counter() - start)
        counted = sum(p.numel() for p in model.parameters())
        for name, values in times.items():
            print(f"{counted:>10,}  {name:<13} {min(values):7.3f} "
                  f"{statistics.median(values):7.3f} {max(values):7.3f}")
        ours = times["netdesigner"]
        for other in ("by hand", "by hand+sync"):
            theirs = times[other]
            ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
            print(f"{'':>10}  vs {other}: ratio of medians "
                  f"{statistics.median(ours) / statistics.median(theirs):.2f}, paired "
                  f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}")


if __name__ == "__main__":
    main()
