"""The speed switches of a run, named as Lightning names them: `precision` ("32-true",
"bf16-mixed", "16-mixed") and `compile` (torch.compile of the network, falling back to
eager with a sentence when it cannot be compiled).

bf16-mixed runs the forward pass and the loss under torch.autocast in bfloat16, where a
processor (or GPU) computes bfloat16 natively; elsewhere it would be slower than float32,
so it is refused on a CPU without AVX512-BF16 or AMX. 16-mixed is CUDA's float16 with a
GradScaler, which keeps small gradients from vanishing in float16.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import torch

PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
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


def grad_scaler(precision: str, device: torch.device) -> torch.amp.GradScaler | None:
    return torch.amp.GradScaler("cuda") if precision == "16-mixed" and \
        device.type == "cuda" else None
