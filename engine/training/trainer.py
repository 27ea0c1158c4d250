"""The trainer: one loop for the desktop and the command line.

It reports through events, can be stopped (within one batch, keeping a usable model), paused
and resumed from another thread, survives a failing batch by ending the run with a reason
and the last good weights, and checkpoints every epoch so that a run can be resumed.
In a process group (torchrun, `train --nproc`) it trains with DistributedDataParallel on
its shard of the data: see engine.training.distributed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.data import DataError, Dataset
from engine.data.feeding import EVAL_BATCH, Feeders, eval_batch, first_samples
from engine.data.report import DataReport
from engine.inspection.health import DEFAULT_EVERY, HealthSampler, health_problems
from engine.storage import StorageError, clean_stale, ensure_room, write_atomically
from engine.training import checkpoint, distributed, speed
from engine.training.allocator import keep_large_blocks
from engine.training.config import TrainingConfig, TrainingError
from engine.training.early_stopping import Monitor, snapshot
from engine.training.events import (
    BatchEnded,
    EpochEnded,
    Event,
    HealthSampled,
    Noted,
    RunEnded,
    RunStarted,
    SamplesDecoded,
)
from engine.training.optimisers import build_optimizer, build_scheduler, steps_per_batch
from engine.training.resuming import apply_changes
from engine.training.runs import METRICS_FILE, WEIGHTS_FILE, RunLock, has_results
from engine.training.stepping import BatchFailed, Stepping, first_line
from engine.training.tasks import Task
from engine.training.threads import (
    AUTO,
    THREADS_LOOK_EVERY_S,
    MachineWatch,
    choose_threads,
)
from engine.training.workload import Workload

Listener = Callable[[Event], None]


class _ForwardFailed(Exception):
    """A forward pass failed on one of the processes of a distributed run; all of them
    agreed to end the run."""


@dataclass
class _RunState:
    """What the epochs of one run share."""

    x: Any
    y: torch.Tensor
    shard: Any
    used: int
    """Samples per epoch (a last batch of one is left out)."""
    batches: int
    batch_size: int
    scale: int
    optimizer: torch.optim.Optimizer
    forward: nn.Module
    recoverable: tuple[type[BaseException], ...]
    scheduler: Any
    per_batch: bool
    shuffle: torch.Generator
    monitor: Monitor | None
    good_state: dict[str, torch.Tensor]
    """The weights of the end of the last good epoch."""


class Trainer:
    def __init__(self, model: nn.Module, data: Dataset, config: TrainingConfig, task: Task,
                 device: torch.device | str = "cpu", out_dir: Path | None = None,
                 health_every: int = DEFAULT_EVERY, settings: dict[str, Any] | None = None,
                 cores_shared_by: int = 1, workload: Workload | None = None):
        if data.x_val is None:
            raise TrainingError("the trainer needs a validation set; split one off first")
        self.model = model.to(device)
        self.data = data
        self.config = config
        self.task = task
        self.device = torch.device(device)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.settings = dict(settings or checkpoint.settings_of(config, len(data.x)))
        """Kept with every checkpoint: what a resumed run keeps or checks."""
        self.history: list[dict[str, Any]] = []
        self.latest: dict[str, Any] = {}
        """The newest epoch's figures, confusion matrix included."""
        self.result: RunEnded | None = None
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()
        self._group = distributed.current_group()
        """The process group when this is one of several processes (DDP), else None."""
        self._lead = self._group is None or self._group.rank == 0
        """Whether this process writes checkpoints and results."""
        self.distributed_summary: dict[str, Any] | None = None
        """After a distributed run: world size, batch sizes, every rank's weights digest."""
        self.health = HealthSampler(self.model, health_every)
        """The layers' health, sampled every `health_every` batches (0: never)."""
        self._feeders = Feeders()
        self._data_failure = False
        self.report = DataReport(data)
        """How the data's files were read: decoding progress, what could not be read."""
        self.workload = workload or Workload()
        """What the analysis knew of the network (how to compute it fastest)."""
        self.stepping = Stepping(self.model, task, config, self.device, self.health,
                                 self._emit, self.workload.bf16_macs)
        """How each batch is computed and stepped: the speed switches, the loss readback."""
        self._share = int(os.environ.get("LOCAL_WORLD_SIZE", "1")) \
            if self._group is not None else max(1, cores_shared_by)
        """The processes on this machine among which the cores are shared: those of this
        run, or the trials a sweep runs at once."""
        launcher_split = self._share > 1 and "OMP_NUM_THREADS" in os.environ and \
            config.threads == AUTO
        self._sets_threads = self.device.type == "cpu" and not launcher_split
        """Whether this run chooses torch's threads (on a CPU, unless the launcher split
        the cores among its processes already)."""
        self._machine = MachineWatch() if self._sets_threads and config.threads == AUTO \
            else None
        """How busy the machine is apart from this run, for 'auto' threads."""
        self.threads = torch.get_num_threads()
        """The threads the latest stretch of training computed with."""
        self._looked = time.monotonic()

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
        """Train; in a distributed run every process calls this, each on its shard of the
        data with `batch_size` samples per step (see engine.training.distributed). The run's
        folder is locked for its duration; a full or read-only folder is a TrainingError
        naming it, before the first batch or (when the disk fills during the run) with the
        last checkpoint kept."""
        fresh = self.out_dir is not None and (not self.out_dir.exists()
                                              or not any(self.out_dir.iterdir()))
        lock = self._claim(fresh)
        try:
            return self._run(resume)
        except StorageError as error:
            if self.out_dir is not None and checkpoint.read_manifest(self.out_dir) is None:
                if fresh and lock is not None:
                    lock.release()
                    lock = None
                    self._remove_empty_run()
                raise TrainingError(f"{error}; nothing of the run could be saved") from None
            raise TrainingError(f"{error}. The run's last checkpoint is kept: resume it "
                                "once there is room") from None
        finally:
            if lock is not None:
                lock.release()

    def _remove_empty_run(self) -> None:
        """The folder of a run that could save nothing goes, with whatever half of a file
        it holds."""
        shutil.rmtree(self.out_dir, ignore_errors=True)

    def _run(self, resume: bool) -> RunEnded:
        config, device, group = self.config, self.device, self._group
        keep_large_blocks()
        x = self.data.x if self.data.on_demand else self.data.x.to(device)
        y = self.task.targets(self.data.y).to(device)
        count = len(x)
        shard = None if group is None else distributed.sampler(count, group, config.seed)
        local_count = count if shard is None else len(shard)
        scale = 1 if group is None else group.size
        batch_size = min(config.batch_size, local_count)
        # a last batch of one sample would break BatchNorm's batch statistics
        batches = local_count // batch_size + (1 if local_count % batch_size > 1 else 0)
        used = min(local_count, batches * batch_size)
        self._feeders = Feeders(1 if group is None else group.size)
        self.report = DataReport(self.data)
        optimizer = build_optimizer(config.optimizer, self.model.parameters())
        forward = self.model if group is None else distributed.wrap(self.model, device)
        # one process failing alone cannot be agreed on after the fact: let it end the run
        recoverable = (BatchFailed, RuntimeError, ValueError, IndexError) if group is None \
            else (BatchFailed, _ForwardFailed)
        scheduler = build_scheduler(config.scheduler, optimizer, config.epochs, batches)
        per_batch = steps_per_batch(config.scheduler)
        shuffle = torch.Generator().manual_seed(config.seed)
        torch.manual_seed(config.seed)
        monitor = Monitor(config.early_stopping) if config.early_stopping else None
        first_epoch = 1
        if resume:
            first_epoch = self._restore(optimizer, scheduler, shuffle, monitor)
        good_state = snapshot(self.model)
        parameters = sum(p.numel() for p in self.model.parameters())
        where = str(device) if group is None else distributed.describe(group, device,
                                                                      config.batch_size)
        self._emit(RunStarted(config.epochs, first_epoch, batches, count,
                              len(self.data.x_val), where, parameters))
        for note in self.stepping.notes:
            self._emit(Noted(note))

        run = _RunState(x, y, shard, used, batches, batch_size, scale, optimizer, forward,
                        recoverable, scheduler, per_batch, shuffle, monitor, good_state)
        try:
            ended = self._epochs(first_epoch, run)
        finally:
            self._feeders.close()
        self.result = ended
        if group is not None:
            self.distributed_summary = distributed.summary(self.model, group, config.batch_size)
        if self.out_dir is not None and self._lead:
            self.save_results(self.out_dir)
        self._emit(ended)
        return ended

    def _claim(self, fresh: bool) -> RunLock | None:
        """Lock the run's folder for this process and check it has room for what the run
        writes (checkpoint, optimiser state, results), before any training. A `fresh`
        folder (new or empty) is removed again when the run cannot start."""
        if self.out_dir is None or not self._lead:
            return None
        lock = RunLock(self.out_dir)
        lock.acquire()
        clean_stale(self.out_dir)  # what a killed run of this folder left half-written
        try:
            ensure_room(self.out_dir, self._bytes_to_write(), self.out_dir)
        except StorageError as error:
            lock.release()
            if fresh:  # the run leaves nothing behind
                self._remove_empty_run()
            raise TrainingError(str(error)) from None
        return lock

    def _bytes_to_write(self) -> int:
        weights = sum(t.numel() * t.element_size() for t in self.model.state_dict().values())
        copies = 4 + (1 if self.config.early_stopping else 0)  # checkpoint, Adam's two, result
        return weights * copies + 100_000  # state, metrics, curves

    def _epochs(self, first_epoch: int, run: _RunState) -> RunEnded:
        config, device, group = self.config, self.device, self._group
        x, y, shard, used, batches = run.x, run.y, run.shard, run.used, run.batches
        batch_size, scale, optimizer, scheduler = (run.batch_size, run.scale, run.optimizer,
                                                   run.scheduler)
        count = len(x)
        ended: RunEnded | None = None
        epoch = first_epoch - 1
        for epoch in range(first_epoch, config.epochs + 1):
            self.model.train()
            self._choose_threads()
            if shard is None:
                order = torch.randperm(count, generator=run.shuffle).to(device)
            else:
                order = distributed.epoch_order(shard, epoch, device)
            loss_sum, seen, busy, halted = 0.0, 0, 0.0, False
            started = time.perf_counter()
            begin = time.perf_counter()
            feed = self._feeders.batches(x, order[:used], batch_size, device)
            for batch in range(batches):
                if not self._go.is_set():  # paused: the wait is not training time
                    self._go.wait()
                    begin = time.perf_counter()
                if group is None and self._stop.is_set():
                    halted = True
                    break
                try:
                    xb, index = next(feed, (None, None))
                except DataError as error:
                    ended = self._data_failed(error, epoch, batch + 1, batches,
                                               run.good_state)
                    break
                if xb is None:
                    break
                self._report_decoding()
                if self._machine is not None and \
                        time.monotonic() - self._looked >= THREADS_LOOK_EVERY_S:
                    self._choose_threads()  # the machine got busier, or quieter
                if group is None and len(index) < 2 < used:
                    continue  # unreadable samples left one: BatchNorm needs two
                sampled = self.health.begin((epoch - 1) * batches + batch)
                value = None
                try:
                    if group is None:
                        # a sampled batch runs the network as it is: the health's hooks
                        # would make torch.compile's form compile again
                        self.stepping.losses.add(
                            self.stepping.step(xb, y[index], optimizer, eager=sampled),
                            len(index))
                    else:
                        shared, halted = self._shared_step(run.forward, xb, y[index],
                                                           optimizer)
                        self.stepping.losses.add(shared, len(index))
                    if self.stepping.losses.due(end_of_epoch=batch + 1 == batches or halted):
                        value, weighted = self.stepping.read_losses()
                        loss_sum += weighted * scale
                except run.recoverable as error:
                    self.health.cancel()
                    self.model.load_state_dict(run.good_state)
                    ended = self._failed(error, epoch, batch + 1, batches)
                    break
                if scheduler is not None and run.per_batch:
                    scheduler.step()
                seen += len(index) * scale
                busy += time.perf_counter() - begin
                if value is not None:  # on a GPU, only the batches whose loss was read
                    self._emit(BatchEnded(epoch, batch + 1, batches, value, seen / busy,
                                          optimizer.param_groups[0]["lr"]))
                if sampled:
                    self._emit_health(epoch)
                if halted:  # a process was asked to stop: all stop after this same batch
                    break
                begin = time.perf_counter()
            feed.close()
            if ended is None and self.stepping.losses.pending:  # stopped between two readbacks
                try:
                    loss_sum += self.stepping.read_losses()[1] * scale
                except BatchFailed as error:
                    self.model.load_state_dict(run.good_state)
                    ended = self._failed(error, epoch, batches, batches)
            if ended is None and seen == 0 and not halted and self.data.on_demand:
                ended = self._data_failed(DataError(
                    "none of the training samples could be read: " + self.report.summary()),
                    epoch, batches, batches, run.good_state)
            if ended is not None:
                epoch -= 1
                break
            if halted and seen < (used - 1) * scale:
                ended = RunEnded("stopped", f"stopped during epoch {epoch} after {seen} of "
                                 f"{count} samples; the model keeps what it learnt so far",
                                 epoch - 1, self._evaluate_or_keep())
                epoch -= 1
                break
            try:
                metrics = self._evaluate()
            except DataError as error:
                ended = self._data_failed(error, epoch, batches, batches, run.good_state)
                epoch -= 1
                break
            self._report_decoding(final=True)
            row = {"epoch": epoch, "train_loss": loss_sum / max(seen, 1),
                   **{k: v for k, v in metrics.items() if not isinstance(v, list)},
                   "lr": optimizer.param_groups[0]["lr"],
                   "seconds": time.perf_counter() - started, "threads": self.threads}
            if not math.isfinite(row["val_loss"]):
                self.model.load_state_dict(run.good_state)
                ended = self._failed(BatchFailed(f"the validation loss is {row['val_loss']}"),
                                     epoch, batches, batches)
                epoch -= 1
                break
            self.history.append(row)
            if scheduler is not None and not run.per_batch:
                if config.scheduler.type == "ReduceLROnPlateau":
                    scheduler.step(row["val_loss"])
                else:
                    scheduler.step()
            self.latest = {**row, **metrics}
            run.good_state = snapshot(self.model)
            monitor = run.monitor
            stop_early = monitor is not None and monitor.watch(row, epoch, self.model)
            if self.out_dir is not None and self._lead:
                checkpoint.save(self.out_dir, self.model, optimizer, scheduler, run.shuffle,
                                epoch, self.history, monitor, self.settings)
            self._emit(EpochEnded(epoch, config.epochs, {**row, **metrics}))
            if stop_early:
                ended = self._early_stop(monitor, epoch)
                break
            if self._stop_requested():
                ended = RunEnded("stopped", f"stopped after epoch {epoch}", epoch, metrics)
                break
        if ended is None:
            epochs = f"{config.epochs} epoch{'s' * (config.epochs != 1)}"
            ended = RunEnded("completed", f"completed {epochs}", epoch, self._last_metrics())
        return self._with_test_and_data(ended)

    def _choose_threads(self) -> None:
        """On a CPU, the threads for what comes next: the project's number, or as many as
        the cores other work leaves free (engine.training.threads)."""
        self._looked = time.monotonic()
        if not self._sets_threads:
            return
        self.threads = choose_threads(self.config.threads, self._machine, self._share)
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def _with_test_and_data(self, ended: RunEnded) -> RunEnded:
        """The run's end with the test split's figures (when the data has one and the run
        trained) and what could not be read of the data."""
        metrics = dict(ended.metrics)
        message = ended.message
        if self.data.x_test is not None and ended.epochs_done > 0 and ended.reason != "failed":
            try:
                metrics.update(self._measure(self.data.x_test, self.data.y_test, "test_"))
            except DataError as error:
                message += f"; the test split could not be read ({error})"
        said = self.report.summary() if not self._data_failure else ""
        if said:
            message = message.rstrip(".") + "; " + said
        if metrics == ended.metrics and message == ended.message:
            return ended
        return replace(ended, message=message, metrics=metrics)

    def _data_failed(self, error: DataError, epoch: int, batch: int, batches: int,
                     good_state: dict[str, torch.Tensor]) -> RunEnded:
        self._data_failure = True  # the message lists what could not be read
        self.health.cancel()
        self.model.load_state_dict(good_state)
        kept = f"the end of epoch {epoch - 1}" if epoch > 1 else "before training"
        return RunEnded("failed", f"epoch {epoch}, batch {batch} of {batches}: {error}. The "
                        f"weights from {kept} are kept.", epoch - 1, self._last_metrics())

    def _evaluate_or_keep(self) -> dict[str, Any]:
        try:
            return self._evaluate()
        except DataError:
            return self._last_metrics()

    def _report_decoding(self, final: bool = False) -> None:
        progress = self.report.decoding(final)
        if progress is not None:
            self._emit(SamplesDecoded(*progress))

    def _emit_health(self, epoch: int) -> None:
        health = self.health.health
        if health.steps:
            self._emit(HealthSampled(epoch, health.steps[-1], self.health.last,
                                     health_problems(health)))

    def _shared_step(self, forward: nn.Module, xb: tuple[torch.Tensor, ...],
                     yb: torch.Tensor, optimizer) -> tuple[float, bool]:
        """One step of every process together: the loss over all their samples, and
        whether any of them was asked to stop (then all stop after this step)."""
        size = len(xb[0])
        problem = "" if size else "every sample of a batch could not be read"
        try:
            if problem:
                raise ValueError(problem)
            with self.stepping.autocast():
                outputs = forward(*self.stepping.inputs(xb))
            loss = self.task.loss(speed.in_float32(outputs), yb)
            local_sum = loss.detach() * size
        except (RuntimeError, ValueError, IndexError) as error:
            loss, local_sum, problem = None, torch.zeros((), device=self.device), \
                first_line(error)
        total, stop, failed = distributed.agree_on_batch(local_sum, self._stop.is_set(),
                                                         bool(problem))
        if failed:
            raise _ForwardFailed(distributed.first_message(problem))
        value = total / (size * self._group.size)
        if not math.isfinite(value):
            raise BatchFailed(f"the loss became {value}")
        optimizer.zero_grad(set_to_none=True)
        self.stepping.backward_and_step(loss, optimizer)  # DDP averages the gradients
        return value, stop

    def _stop_requested(self) -> bool:
        if self._group is None:
            return self._stop.is_set()
        return distributed.any_process(self._stop.is_set(), self.device)

    def _failed(self, error: Exception, epoch: int, batch: int, batches: int) -> RunEnded:
        text = first_line(error)
        if isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in text:
            advice = "use a smaller batch_size or a smaller network"
        elif isinstance(error, BatchFailed):
            advice = "lower the learning rate or set gradient_clip (e.g. 1.0)"
        else:
            advice = "check that the data fits the network"
        kept = f"the end of epoch {epoch - 1}" if epoch > 1 else "before training"
        return RunEnded("failed", f"epoch {epoch}, batch {batch} of {batches}: {text}. The "
                        f"weights from {kept} are kept; {advice}.", epoch - 1,
                        self._last_metrics())

    def _last_metrics(self) -> dict[str, Any]:
        return dict(self.latest)

    def _early_stop(self, monitor: Monitor, epoch: int) -> RunEnded:
        message, restored = monitor.stop(epoch, self.model)
        return RunEnded("early_stopping", message, epoch,
                        self._evaluate() if restored else self._last_metrics())

    def _restore(self, optimizer, scheduler, shuffle, monitor) -> int:
        if self.out_dir is None:
            raise TrainingError("resuming needs the run's folder (--out) with its checkpoint")
        state = checkpoint.load(self.out_dir, self.model, optimizer, scheduler, shuffle,
                                monitor)
        if state["settings"]:
            apply_changes(optimizer, scheduler, state["settings"], self.config)
            self.settings = {**state["settings"], "epochs": self.config.epochs}
        self.history = state["history"]
        if state["epoch"] >= self.config.epochs:
            if has_results(self.out_dir):
                raise TrainingError(f"the run in {self.out_dir} already has "
                                    f"{state['epoch']} epochs of {self.config.epochs}; ask "
                                    "for more epochs to go on")
            # killed while saving its results: finish it, without training
            last = self.history[-1] if self.history else {}
            self.latest = {**last, **self._evaluate()}
        return state["epoch"] + 1

    def _evaluate(self) -> dict[str, Any]:
        """Validation loss and the task's metrics over the whole validation set."""
        return self._measure(self.data.x_val, self.data.y_val, "val_")

    @torch.no_grad()
    def _measure(self, x_part, y_part: torch.Tensor, prefix: str) -> dict[str, Any]:
        """Loss and the task's metrics over a held-out part of the data, named with
        `prefix` ('val_', 'test_')."""
        self.model.eval()
        targets = self.task.targets(y_part)
        positions = torch.arange(len(x_part))
        if self._group is not None:  # each process validates its share, the sums are added
            distributed.share_buffers(self.model)
            positions = positions[distributed.validation_rows(len(x_part), self._group)]
        totals: dict[str, Any] = {}
        loss_sum, count = 0.0, 0
        for xb, index in self._feeders.batches(
                x_part, positions,
                eval_batch(x_part, self.config.batch_size, self.workload.largest_output_bytes,
                           on_cpu=self.device.type == "cpu"), self.device):
            yb = targets[index].to(self.device)
            with self.stepping.autocast():
                outputs = speed.in_float32(self.model(*self.stepping.inputs(xb)))
            loss_sum += float(self.task.loss(outputs, yb)) * len(yb)
            count += len(yb)
            self.task.accumulate(totals, outputs, yb)
        self.model.train()
        if self._group is not None:
            loss_sum, count, totals = distributed.add_up(loss_sum, count, totals)
        metrics = {"loss": loss_sum / max(count, 1), **{
            key.removeprefix("val_"): value for key, value in self.task.finish(totals).items()}}
        return {(key if key == "confusion_matrix" else prefix + key): value
                for key, value in metrics.items()}

    @torch.no_grad()
    def predict(self, x: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
        """The outputs for samples `x` (and their true lengths, when given)."""
        self.model.eval()
        inputs = self.stepping.inputs((x, *more))
        return torch.cat([self.model(*(part[i:i + EVAL_BATCH].to(self.device)
                                       for part in inputs)).cpu()
                          for i in range(0, len(x), EVAL_BATCH)])

    def sample_values(self, count: int = 24) -> tuple[torch.Tensor, torch.Tensor,
                                                       torch.Tensor]:
        """The first validation samples, the model's outputs for them and their targets
        (samples in files that cannot be read are passed over)."""
        inputs, positions = first_samples(self.data.x_val, count)
        return inputs[0], self.predict(*inputs), self.task.targets(
            self.data.y_val[positions])

    def samples(self, count: int = 24) -> tuple[torch.Tensor, list[str], list[str]]:
        """The first validation samples with the model's prediction and the truth, as text."""
        x, outputs, targets = self.sample_values(count)
        predictions, truths = self.task.describe(outputs, targets, self.data.classes)
        return x, predictions, truths

    def save_results(self, out_dir: Path) -> None:
        """weights.safetensors and metrics.json, as DESIGN.md specifies."""
        out_dir.mkdir(parents=True, exist_ok=True)
        checkpoint.save_weights(self.model, out_dir / WEIGHTS_FILE)
        checkpoint.write_point(WEIGHTS_FILE)
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
        if self.data.kind == "strings" and all(len(c) == 1 for c in self.data.classes):
            # label id i is the alphabet's i-th character (0 is CTC's blank)
            data["alphabet"] = "".join(self.data.classes)
        if self.health.health.steps:
            data["health"] = self.health.health.to_json()
        if self.report.to_json():
            data["data"] = self.report.to_json()
        if self.distributed_summary is not None:
            data["distributed"] = self.distributed_summary
        write_atomically(out_dir / METRICS_FILE, json.dumps(data, indent=1))
