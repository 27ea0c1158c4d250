"""The trainer: one loop for the desktop and the command line.

It reports through events, can be stopped (within one batch, keeping a usable model), paused
and resumed from another thread, survives a failing batch by ending the run with a reason
and the last good weights, and checkpoints every epoch so that a run can be resumed.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.atomic import write_atomically
from engine.data import Dataset
from engine.training import checkpoint
from engine.training.config import EarlyStopping, TrainingConfig, TrainingError
from engine.training.events import BatchEnded, EpochEnded, Event, RunEnded, RunStarted
from engine.training.optimisers import build_optimizer, build_scheduler, steps_per_batch
from engine.training.tasks import Task

Listener = Callable[[Event], None]
EVAL_BATCH = 512


class _BatchFailed(Exception):
    pass


@dataclass
class _Monitor:
    """Early stopping's memory: the best value so far and how long since it improved."""

    settings: EarlyStopping
    best: float | None = None
    best_epoch: int = 0
    waited: int = 0
    best_state: dict[str, torch.Tensor] | None = None

    def lower_is_better(self) -> bool:
        return not self.settings.monitor.endswith("accuracy")

    def improved(self, value: float) -> bool:
        if self.best is None:
            return True
        delta = self.settings.min_delta
        return (value < self.best - delta) if self.lower_is_better() else (
            value > self.best + delta)


class Trainer:
    def __init__(self, model: nn.Module, data: Dataset, config: TrainingConfig, task: Task,
                 device: torch.device | str = "cpu", out_dir: Path | None = None):
        if data.x_val is None:
            raise TrainingError("the trainer needs a validation set; split one off first")
        self.model = model.to(device)
        self.data = data
        self.config = config
        self.task = task
        self.device = torch.device(device)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.history: list[dict[str, Any]] = []
        self.latest: dict[str, Any] = {}
        """The newest epoch's figures, confusion matrix included."""
        self.result: RunEnded | None = None
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()

    # -- control, from any thread ------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def stop(self) -> None:
        self._stop.set()
        self._go.set()

    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    # -- the run -------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    def run(self, resume: bool = False) -> RunEnded:
        config, device = self.config, self.device
        x = self.data.x.to(device)
        y = self.task.targets(self.data.y).to(device)
        count, batch_size = len(x), min(config.batch_size, len(x))
        # a last batch of one sample would break BatchNorm's batch statistics
        batches = count // batch_size + (1 if count % batch_size > 1 else 0)
        optimizer = build_optimizer(config.optimizer, self.model.parameters())
        scheduler = build_scheduler(config.scheduler, optimizer, config.epochs, batches)
        per_batch = steps_per_batch(config.scheduler)
        shuffle = torch.Generator().manual_seed(config.seed)
        torch.manual_seed(config.seed)
        monitor = _Monitor(config.early_stopping) if config.early_stopping else None
        first_epoch = 1
        if resume:
            first_epoch = self._restore(optimizer, scheduler, shuffle, monitor)
        good_state = _snapshot(self.model)
        parameters = sum(p.numel() for p in self.model.parameters())
        self._emit(RunStarted(config.epochs, first_epoch, batches, count,
                              len(self.data.x_val), str(device), parameters))

        ended: RunEnded | None = None
        epoch = first_epoch - 1
        for epoch in range(first_epoch, config.epochs + 1):
            self.model.train()
            order = torch.randperm(count, generator=shuffle).to(device)
            loss_sum, seen, busy = 0.0, 0, 0.0
            started = time.perf_counter()
            for batch in range(batches):
                self._go.wait()
                if self._stop.is_set():
                    break
                begin = time.perf_counter()
                index = order[batch * batch_size:(batch + 1) * batch_size]
                try:
                    value = self._step(x[index], y[index], optimizer)
                except (_BatchFailed, RuntimeError, ValueError, IndexError) as error:
                    self.model.load_state_dict(good_state)
                    ended = self._failed(error, epoch, batch + 1, batches)
                    break
                if scheduler is not None and per_batch:
                    scheduler.step()
                loss_sum += value * len(index)
                seen += len(index)
                busy += time.perf_counter() - begin
                self._emit(BatchEnded(epoch, batch + 1, batches, value, seen / busy,
                                      optimizer.param_groups[0]["lr"]))
            if ended is not None:
                epoch -= 1
                break
            if self._stop.is_set() and seen < count - 1:
                ended = RunEnded("stopped", f"stopped during epoch {epoch} after {seen} of "
                                 f"{count} samples; the model keeps what it learnt so far",
                                 epoch - 1, self._evaluate())
                epoch -= 1
                break
            metrics = self._evaluate()
            row = {"epoch": epoch, "train_loss": loss_sum / max(seen, 1),
                   **{k: v for k, v in metrics.items() if not isinstance(v, list)},
                   "lr": optimizer.param_groups[0]["lr"],
                   "seconds": time.perf_counter() - started}
            if not math.isfinite(row["val_loss"]):
                self.model.load_state_dict(good_state)
                ended = self._failed(_BatchFailed(f"the validation loss is {row['val_loss']}"),
                                     epoch, batches, batches)
                epoch -= 1
                break
            self.history.append(row)
            if scheduler is not None and not per_batch:
                if config.scheduler.type == "ReduceLROnPlateau":
                    scheduler.step(row["val_loss"])
                else:
                    scheduler.step()
            self.latest = {**row, **metrics}
            good_state = _snapshot(self.model)
            stop_early = monitor is not None and self._watch(monitor, row, epoch)
            if self.out_dir is not None:
                checkpoint.save(self.out_dir, self.model, optimizer, scheduler, shuffle,
                                epoch, self.history, monitor)
            self._emit(EpochEnded(epoch, config.epochs, {**row, **metrics}))
            if stop_early:
                ended = self._early_stop(monitor, epoch)
                break
            if self._stop.is_set():
                ended = RunEnded("stopped", f"stopped after epoch {epoch}", epoch, metrics)
                break
        if ended is None:
            ended = RunEnded("completed", f"completed {config.epochs} epochs", epoch,
                             self._last_metrics())
        self.result = ended
        if self.out_dir is not None:
            self.save_results(self.out_dir)
        self._emit(ended)
        return ended

    def _step(self, xb: torch.Tensor, yb: torch.Tensor, optimizer) -> float:
        outputs = self.model(xb)
        loss = self.task.loss(outputs, yb)
        value = loss.item()
        if not math.isfinite(value):
            raise _BatchFailed(f"the loss became {value}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.gradient_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.gradient_clip)
        optimizer.step()
        return value

    def _failed(self, error: Exception, epoch: int, batch: int, batches: int) -> RunEnded:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text:
            advice = "use a smaller batch_size or a smaller network"
        elif isinstance(error, _BatchFailed):
            advice = "lower the learning rate or set gradient_clip (e.g. 1.0)"
        else:
            advice = "check that the data fits the network"
        kept = f"the end of epoch {epoch - 1}" if epoch > 1 else "before training"
        return RunEnded("failed", f"epoch {epoch}, batch {batch} of {batches}: {text}. The "
                        f"weights from {kept} are kept; {advice}.", epoch - 1,
                        self._last_metrics())

    def _last_metrics(self) -> dict[str, Any]:
        return dict(self.latest)

    def _watch(self, monitor: _Monitor, row: dict[str, Any], epoch: int) -> bool:
        name = monitor.settings.monitor
        if name not in row:
            raise TrainingError(f"early_stopping monitors {name!r}, which this run does not "
                                f"measure; choose one of {', '.join(sorted(row))}")
        value = float(row[name])
        if monitor.improved(value):
            monitor.best, monitor.best_epoch, monitor.waited = value, epoch, 0
            if monitor.settings.restore_best:
                monitor.best_state = _snapshot(self.model)
            return False
        monitor.waited += 1
        return monitor.waited >= monitor.settings.patience

    def _early_stop(self, monitor: _Monitor, epoch: int) -> RunEnded:
        name = monitor.settings.monitor
        message = (f"stopped early after epoch {epoch}: {name} has not improved for "
                   f"{monitor.settings.patience} epochs")
        if monitor.best_state is not None:
            self.model.load_state_dict(monitor.best_state)
            message += f"; the weights of epoch {monitor.best_epoch} (best {name} " \
                       f"{monitor.best:.4g}) are kept"
            return RunEnded("early_stopping", message, epoch, self._evaluate())
        return RunEnded("early_stopping", message, epoch, self._last_metrics())

    def _restore(self, optimizer, scheduler, shuffle, monitor) -> int:
        if self.out_dir is None:
            raise TrainingError("resuming needs the run's folder (--out) with its checkpoint")
        state = checkpoint.load(self.out_dir, self.model, optimizer, scheduler, shuffle,
                                monitor)
        self.history = state["history"]
        if state["epoch"] >= self.config.epochs:
            raise TrainingError(f"the checkpoint in {self.out_dir} already has "
                                f"{state['epoch']} epochs of {self.config.epochs}; ask for "
                                "more epochs to go on")
        return state["epoch"] + 1

    @torch.no_grad()
    def _evaluate(self) -> dict[str, Any]:
        """Validation loss and the task's metrics over the whole validation set."""
        self.model.eval()
        x_val, y_val = self.data.x_val, self.task.targets(self.data.y_val)
        totals: dict[str, Any] = {}
        loss_sum = 0.0
        for start in range(0, len(x_val), EVAL_BATCH):
            xb = x_val[start:start + EVAL_BATCH].to(self.device)
            yb = y_val[start:start + EVAL_BATCH].to(self.device)
            outputs = self.model(xb)
            loss_sum += float(self.task.loss(outputs, yb)) * len(xb)
            self.task.accumulate(totals, outputs, yb)
        self.model.train()
        return {"val_loss": loss_sum / max(len(x_val), 1), **self.task.finish(totals)}

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        return torch.cat([self.model(x[i:i + EVAL_BATCH].to(self.device)).cpu()
                          for i in range(0, len(x), EVAL_BATCH)])

    def samples(self, count: int = 24) -> tuple[torch.Tensor, list[str], list[str]]:
        """The first validation samples with the model's prediction and the truth, as text."""
        x = self.data.x_val[:count]
        targets = self.task.targets(self.data.y_val[:count])
        predictions, truths = self.task.describe(self.predict(x), targets, self.data.classes)
        return x, predictions, truths

    def save_results(self, out_dir: Path) -> None:
        """weights.safetensors and metrics.json, as DESIGN.md specifies."""
        out_dir.mkdir(parents=True, exist_ok=True)
        checkpoint.save_weights(self.model, out_dir / "weights.safetensors")
        result = self.result
        data = {
            "history": self.history,
            "result": None if result is None else {
                "reason": result.reason, "message": result.message,
                "epochs_done": result.epochs_done, "metrics": result.metrics},
            "task": {"loss": self.config.loss.type, "metric": self.task.metric,
                     "classes": self.data.classes},
            "device": str(self.device),
        }
        write_atomically(out_dir / "metrics.json", json.dumps(data, indent=1))


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
