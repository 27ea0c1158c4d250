"""The speed switches of a run, named as Lightning names them: `precision` ("auto",
"32-true", "bf16-mixed", "16-mixed"), `compile` (torch.compile of the network, falling back to
eager with a sentence when it cannot be compiled) and `channels_last` (convolutions over
images with their tensors in channels-last order, which GPUs' tensor cores and oneDNN read
fastest).

bf16-mixed runs the forward pass under torch.autocast in bfloat16 (the loss in float32),
where a processor (or GPU) computes bfloat16 natively; elsewhere it would be slower than float32,
so it is refused on a CPU without AVX512-BF16 or AMX. 16-mixed is CUDA's float16 with a
GradScaler, which keeps small gradients from vanishing in float16. `auto`, the default,
is bf16-mixed where that is measured to be faster (a processor with native bfloat16 and a
network with enough work per sample, a GPU with bfloat16), 16-mixed on a GPU without
bfloat16, and 32-true otherwise. channels_last's default, `auto`, is on wherever the network
has 2-D convolutions: on a CPU (oneDNN) an epoch took 0.66× the time on the gesture CRNN in
32-true, 0.69× on the sound CRNN, 0.71× on the video labeller, 0.86× on the digits CNN and
0.92× on the CRNN of text lines in bf16-mixed (paired repeats of 5), and GPUs' tensor cores
read that order fastest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import torch

PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed")
BF16_WORTHWHILE_MACS = 200_000
"""Multiply-accumulates per sample, outside GRU and RNN layers, from which bf16-mixed trains
faster than 32-true on a processor with native bfloat16 (bench/bf16_threshold.py: every
template above it 0.74-0.90× the time): below it, autocast's casts cost more than the
bfloat16 products save."""
STEPWISE = ("GRU", "RNN")
"""Recurrent layers a CPU computes one small product per step, each cast to bfloat16 and
back under autocast: a bidirectional GRU of 32 over 64 steps trains 1.3× slower in
bf16-mixed (LSTM runs as one oneDNN kernel, and gains)."""


def bf16_work(reports: Any) -> int:
    """The multiply-accumulates per sample bf16-mixed speeds up, from an analysis's node
    reports: all but those of GRU and RNN layers."""
    return sum(report.macs or 0 for report in reports.values()
               if report.spec is not None and report.spec.name not in STEPWISE)
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@cache
def native_bf16() -> bool:
    """Whether this processor computes bfloat16 natively (Linux: its cpuinfo flags)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines()
                  if line.startswith("flags")), [])
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def chosen_precision(precision: str, device: torch.device,
                     macs_per_sample: int | None = None) -> tuple[str, str | None]:
    """The precision a run trains in, and what to say where `auto` chose a mixed one
    (`macs_per_sample`: the network's bf16_work, where known)."""
    if precision != "auto":
        return precision, None
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return "bf16-mixed", "precision auto: bf16-mixed (this GPU computes bfloat16)"
        return "16-mixed", "precision auto: 16-mixed (this GPU has no bfloat16)"
    if device.type == "cpu" and native_bf16() and (
            macs_per_sample is None or macs_per_sample >= BF16_WORTHWHILE_MACS):
        return "bf16-mixed", ("precision auto: bf16-mixed (this processor computes bfloat16 "
                              "natively; 32-true: set precision)")
    return "32-true", None


def precision_problem(precision: str, device: torch.device) -> str | None:
    """Why `precision` cannot run on `device`, or None."""
    if precision == "16-mixed" and device.type != "cuda":
        return ("precision 16-mixed needs a CUDA GPU (float16 with a GradScaler); on a CPU "
                "use bf16-mixed where the processor has native bfloat16, else 32-true")
    if precision == "bf16-mixed" and device.type == "cpu" and not native_bf16():
        return ("this processor has no native bfloat16 (AVX512-BF16 or AMX), so "
                "bf16-mixed would run slower than 32-true; use 32-true")
    if precision == "bf16-mixed" and device.type == "cuda" and \
            not torch.cuda.is_bf16_supported():
        return "this GPU has no bfloat16; use 16-mixed or 32-true"
    if precision == "bf16-mixed" and device.type not in ("cpu", "cuda"):
        return f"bf16-mixed runs on a CPU or CUDA, not on {device.type}; use 32-true"
    return None


def autocast_for(precision: str, device: torch.device) -> Callable[[], Any]:
    """What the forward pass and the loss run under: autocast for a mixed precision."""
    if precision == "32-true":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if precision == "bf16-mixed" else torch.float16
    return lambda: torch.autocast(device.type, dtype=dtype)


def in_float32(outputs: Any) -> Any:
    """The network's outputs in float32 for the loss: a loss computed from bfloat16 or
    float16 scores loses the precision it needs (CTC's went below zero in bf16-mixed)."""
    if isinstance(outputs, torch.Tensor):
        return outputs.float() if outputs.is_floating_point() else outputs
    if isinstance(outputs, tuple | list):
        return type(outputs)(in_float32(each) for each in outputs)
    return outputs


def grad_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler | None:
    return torch.amp.GradScaler("cuda") if precision == "16-mixed" and \
        device.type == "cuda" else None


def tune_cudnn(device: torch.device, fixed_shapes: bool) -> None:
    """On CUDA, let cuDNN time its algorithms for each convolution's shape once and keep
    the fastest (cudnn.benchmark), where every batch has the same shapes; sequences of
    varying lengths would make it time them again for every new length."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = fixed_shapes


def to_channels_last(model: torch.nn.Module) -> bool:
    """Put the network's 4-D weights (Conv2d's) in channels-last order; whether it has any
    (a network without 2-D convolutions has nothing to gain)."""
    if not any(isinstance(m, torch.nn.Conv2d) for m in model.modules()):
        return False
    model.to(memory_format=torch.channels_last)
    return True


def channels_last_input(tensor: torch.Tensor) -> torch.Tensor:
    """A batch of images (4 dimensions) in channels-last order; anything else as it is."""
    return tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 \
        else tensor
