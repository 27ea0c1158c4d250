"""One training step of a single process, as the run's speed switches make it: the forward
pass and the loss under autocast (precision), through torch.compile's form of the network
when asked (falling back to eager with a sentence), images in channels-last order, the
backward pass and the optimizer's step through a GradScaler in 16-mixed, gradients clipped;
and the losses read back from the device when they are needed (engine.training.loss_readback).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from engine.inspection.health import HealthSampler
from engine.training import speed
from engine.training.config import TrainingConfig, TrainingError
from engine.training.events import Event, Noted
from engine.training.loss_readback import LossReadback
from engine.training.tasks import Task


class BatchFailed(Exception):
    """A batch whose loss is not finite: the run ends with the last good weights."""


def first_line(error: BaseException) -> str:
    """What an error says, in one line, for a message of one sentence."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Stepping:
    def __init__(self, model: nn.Module, task: Task, config: TrainingConfig,
                 device: torch.device, health: HealthSampler, emit: Callable[[Event], None],
                 macs_per_sample: int | None = None):
        self.precision, chosen = speed.chosen_precision(config.precision, device,
                                                        macs_per_sample)
        problem = speed.precision_problem(self.precision, device)
        if problem:
            raise TrainingError(problem)
        self.model, self.task, self.config, self.health, self._emit = \
            model, task, config, health, emit
        self.autocast = speed.autocast_for(self.precision, device)
        self.scaler = speed.grad_scaler(self.precision, device)
        self.losses = LossReadback.for_device(device)
        self.notes: list[str] = [chosen] if chosen else []
        """What the run says as it starts (what auto chose, a switch that changes nothing
        here)."""
        self.channels_last = config.channels_last is not False and \
            speed.to_channels_last(model)
        if config.channels_last is True and not self.channels_last:
            self.notes.append("channels_last changes nothing here: the network has no 2-D "
                              "convolution")
        speed.tune_cudnn(device, fixed_shapes=not getattr(model, "takes_lengths", False))
        self._forward: Callable[..., torch.Tensor] = model
        """What the training steps call: the network, or its torch.compile'd form."""
        self._compiling = config.compile

    def inputs(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        """What forward() takes of a batch: the true lengths sequences carry only when the
        network reads them (an Input of variable length); images in channels-last order
        when the run asks for it."""
        inputs = batch if getattr(self.model, "takes_lengths", False) else batch[:1]
        if self.channels_last:
            inputs = tuple(speed.channels_last_input(tensor) for tensor in inputs)
        return inputs

    def step(self, xb: tuple[torch.Tensor, ...], yb: torch.Tensor, optimizer: Any,
             eager: bool = False) -> torch.Tensor:
        """Forward, loss, backward and the optimizer's step; the batch's loss, detached (a
        sampled batch runs `eager`: the health's hooks would make the compiled form
        compile again)."""
        with self.autocast():
            inputs = self.inputs(xb)
            outputs = self.model(*inputs) if eager else self._compiled_forward(*inputs)
        loss = self.task.loss(speed.in_float32(outputs), yb)
        if self.losses.immediate:  # a readback costs nothing here: check before stepping
            value = loss.item()
            if not math.isfinite(value):
                raise BatchFailed(f"the loss became {value}")
        optimizer.zero_grad(set_to_none=True)
        self.backward_and_step(loss, optimizer)
        return loss.detach()

    def read_losses(self) -> tuple[float, float]:
        """The latest batch's loss and the sum of the losses read, each times its samples;
        BatchFailed for one that is not finite."""
        values, counts = self.losses.read()
        bad = next((v for v in values if not math.isfinite(v)), None)
        if bad is not None:
            raise BatchFailed(f"the loss became {bad}")
        return values[-1], sum(v * n for v, n in zip(values, counts, strict=True))

    def _compiled_forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """The forward pass; on the first call with `compile` on, torch.compile's form of
        the network, timed and said, or the network as it is when that cannot be made."""
        if not self._compiling:
            return self._forward(*inputs)
        self._compiling = False
        started = time.perf_counter()
        try:
            compiled = torch.compile(self.model, dynamic=False)
            outputs = compiled(*inputs)
        except Exception as error:  # any backend failure: the run goes on as written
            self._emit(Noted(f"the network could not be compiled ({first_line(error)}); "
                             "it trains as it is (eager)"))
            return self._forward(*inputs)
        self._forward = compiled
        self._emit(Noted(f"compiling the network took {time.perf_counter() - started:.1f} "
                         "s, counted in the first epoch"))
        return outputs

    def backward_and_step(self, loss: torch.Tensor, optimizer: Any) -> None:
        """Gradients, clipped if asked, and the optimizer's step; through the GradScaler
        in 16-mixed."""
        scaler = self.scaler
        (scaler.scale(loss) if scaler is not None else loss).backward()
        self.health.after_backward()
        if self.config.gradient_clip:
            if scaler is not None:
                scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.gradient_clip)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
