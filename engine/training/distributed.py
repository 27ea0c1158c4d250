"""Training on several processes with PyTorch's DistributedDataParallel (DDP).

    netdesigner train FILE --nproc N                               # N processes here
    torchrun --standalone --nproc-per-node N -m engine train FILE  # the same, by hand

`--nproc N` starts the workers with PyTorch's own launcher, the elastic agent behind
torchrun (`torch.distributed.launcher.api.elastic_launch`, a standalone c10d rendezvous
on a free port of this machine). Each worker is `python -m engine train FILE ...` with
RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in its environment; the train
command sees them and joins the process group itself, so torchrun, or any launcher that
sets those variables, runs the same command on one machine or several.

- Backend: gloo on the CPU; nccl on CUDA, one GPU per process (cuda:LOCAL_RANK), so
  `--device cuda` (or auto) rather than `cuda:N`. On the CPU each process gets an equal
  share of the cores unless OMP_NUM_THREADS says otherwise.
- `batch_size` is per process, PyTorch's convention: one optimiser step averages the
  gradients of N × batch_size samples. The learning rate is not scaled; raise it yourself
  if the larger batch should learn as much per epoch.
- Every process starts from the same weights (the project's seed, and DDP broadcasts
  rank 0's), trains on its own shard of the training set (DistributedSampler, reshuffled
  each epoch with set_epoch) and validates its share of the validation set. Losses and
  metric sums are reduced across processes, so all of them log the same figures and take
  the same decisions: early stopping, a NaN loss or a failing batch, Ctrl+C (the launcher
  passes it on; every process stops after the same batch).
- Only rank 0 prints and writes files: checkpoints, weights.safetensors (the same keys
  as a single-process run), metrics.json and curves.png. metrics.json gains
  "distributed": world size, backend, batch sizes, the SHA-256 of every rank's final
  weights (`weights_digest` says how it is computed) and "ranks_agree".
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data.distributed import DistributedSampler

from engine.training.config import TrainingError

# -- launching ---------------------------------------------------------------------------


def launched() -> bool:
    """Whether a launcher (torchrun, --nproc) started this process as one of several."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def is_lead() -> bool:
    """Whether this process reports: rank 0, or the only process."""
    return not launched() or int(os.environ["RANK"]) == 0


def device_kind(requested: str) -> str:
    """'cpu' or 'cuda': where the processes of a distributed run train, or why they cannot."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested not in ("cpu", "cuda"):
        if requested.startswith("cuda:"):
            raise TrainingError(f"with several processes each one takes the GPU of its local "
                                f"rank (cuda:0, cuda:1, ...); use --device cuda, not "
                                f"{requested}")
        raise TrainingError(f"distributed training runs on the CPU or on CUDA GPUs, not on "
                            f"{requested!r}; use --device cpu or cuda")
    if requested == "cuda" and not torch.cuda.is_available():
        raise TrainingError("device 'cuda' is not available here; use --device cpu")
    return requested


def check_launch(processes: int, requested: str) -> None:
    """Refuse, before starting anything, a number of processes this machine cannot run."""
    if not dist.is_available():
        raise TrainingError("this build of PyTorch has no torch.distributed; train with "
                            "one process")
    if device_kind(requested) == "cuda":
        gpus = torch.cuda.device_count()
        if processes > gpus:
            raise TrainingError(f"{processes} processes on CUDA need {processes} GPUs but "
                                f"this machine has {gpus}; use --nproc {gpus} or --device cpu")
        return
    cores = os.cpu_count() or 1
    if processes > cores:
        raise TrainingError(f"{processes} processes would share {cores} CPU cores; use "
                            f"--nproc {cores} at most")


def launch(processes: int, worker_args: Sequence[str]) -> int:
    """Run `python -m engine *worker_args` on `processes` workers with PyTorch's elastic
    launcher, as torchrun --standalone does; the exit status is the workers'. Raises
    KeyboardInterrupt after Ctrl+C, once the workers have stopped and saved."""
    from torch.distributed.elastic.multiprocessing import DefaultLogsSpecs, SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    with tempfile.TemporaryDirectory(prefix="netdesigner-ddp-") as logs, _launcher_contained():
        config = LaunchConfig(
            min_nodes=1, max_nodes=1, nproc_per_node=processes,
            run_id=f"netdesigner-{uuid.uuid4().hex[:12]}",
            rdzv_backend="c10d", rdzv_endpoint="localhost:0",
            # a failing run fails the same way again: never restart it
            max_restarts=0, logs_specs=DefaultLogsSpecs(log_dir=logs))
        try:
            elastic_launch(config, sys.executable)("-m", "engine", *worker_args)
        except ChildFailedError as failure:
            codes = {rank: f.exitcode for rank, f in failure.failures.items()}
            code = codes.get(0, codes[min(codes)])
            return code if code > 0 else 1  # a worker ended by a signal
        except SignalException:
            raise KeyboardInterrupt from None
    return 0


@contextmanager
def _launcher_contained() -> Iterator[None]:
    """Keep the agent's side effects to the launch. Its log lines (rendezvous, a worker
    that failed, shutting down) would only repeat what the workers say, and the signal
    handlers it installs (SIGINT raising its SignalException) are never put back."""
    elastic = logging.getLogger("torch.distributed.elastic")
    silencer = logging.NullHandler()
    propagate = elastic.propagate
    elastic.addHandler(silencer)
    elastic.propagate = False
    handled = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
               if hasattr(signal, name)]
    handlers = {number: signal.getsignal(number) for number in handled}
    try:
        yield
    finally:
        elastic.removeHandler(silencer)
        elastic.propagate = propagate
        for number, handler in handlers.items():
            if handler is not None:  # None: a handler set outside Python, left alone
                signal.signal(number, handler)


# -- a worker ----------------------------------------------------------------------------


def worker_device(requested: str) -> torch.device:
    """This worker's device: the CPU, or the GPU of its local rank."""
    if device_kind(requested) == "cpu":
        return torch.device("cpu")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if local_rank >= torch.cuda.device_count():
        raise TrainingError(f"process {local_rank} on this machine has no GPU of its own "
                            f"({torch.cuda.device_count()} here); start fewer processes")
    return torch.device("cuda", local_rank)


@contextmanager
def process_group(device: torch.device) -> Iterator[None]:
    """Join the process group the launcher described in the environment; leave it when
    every process is done, so that none is ended while rank 0 still writes its results."""
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"]))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    elif "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_processes))
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend, device_id=device if device.type == "cuda" else None)
    try:
        yield
        # the launcher ends every worker as soon as one exits with an error
        dist.barrier()
    finally:
        dist.destroy_process_group()


def end_worker(status: int) -> NoReturn:
    """Exit a worker that has left its process group, without the interpreter's clean-up.
    gloo's threads can abort that clean-up ("terminate called without an active
    exception", exit by SIGABRT: seen once in a CI run of the 2-process test), which the
    launcher reports as a failed run although every result was already written."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


# -- what the trainer does differently -----------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The trainer's view of the process group it is part of."""

    rank: int
    size: int
    backend: str


def current_group() -> Group | None:
    """The process group this process has joined, or None for an ordinary run."""
    if not (dist.is_available() and dist.is_initialized()):
        return None
    return Group(dist.get_rank(), dist.get_world_size(), str(dist.get_backend()))


def describe(group: Group, device: torch.device, batch_size: int) -> str:
    return (f"{device.type} × {group.size} processes (DistributedDataParallel over "
            f"{group.backend}, batch_size {batch_size} per process)")


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """The model for training steps; `model` itself keeps its parameter names (no
    'module.' prefix) for checkpoints, weights and evaluation."""
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None)


def sampler(samples: int, group: Group, seed: int) -> DistributedSampler:
    """Each process's shard of the training set; shards are padded to one length so that
    every process takes the same number of steps."""
    return DistributedSampler(range(samples), num_replicas=group.size, rank=group.rank,
                              shuffle=True, seed=seed)


def epoch_order(shard: DistributedSampler, epoch: int, device: torch.device) -> torch.Tensor:
    shard.set_epoch(epoch)
    return torch.tensor(list(shard), device=device)


def agree_on_batch(loss_sum: torch.Tensor, stop: bool,
                   failed: bool) -> tuple[float, bool, bool]:
    """One all_reduce per batch, before backward: the loss summed over every process's
    samples, and whether any process was asked to stop or could not compute its loss.
    All of them then go on, stop or fail together instead of waiting on each other."""
    flags = torch.tensor([float(stop), float(failed)], dtype=torch.float64,
                         device=loss_sum.device)
    figures = torch.cat([loss_sum.detach().to(torch.float64).reshape(1), flags])
    dist.all_reduce(figures)
    total, stops, failures = figures.tolist()
    return total, stops > 0, failures > 0


def any_process(flag: bool, device: torch.device) -> bool:
    value = torch.tensor([float(flag)], device=device)
    dist.all_reduce(value)
    return bool(value.item() > 0)


def first_message(message: str) -> str:
    """The first process's message when one or more processes failed."""
    messages: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(messages, message)
    return next((m for m in messages if m), "a batch failed on another process")


def share_buffers(model: nn.Module) -> None:
    """Rank 0's buffers (BatchNorm's running statistics) everywhere, as DDP does before
    each forward pass: every process updated its own during the last step."""
    for buffer in model.buffers():
        dist.broadcast(buffer, src=0)


def validation_rows(count: int, group: Group) -> slice:
    return slice(count * group.rank // group.size, count * (group.rank + 1) // group.size)


def add_up(loss_sum: float, count: int,
           totals: dict[str, Any]) -> tuple[float, int, dict[str, Any]]:
    """The validation sums of every process added up (the tasks' totals are sums), in
    rank order, so every process finishes with the same figures."""
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, (loss_sum, count, totals))
    merged: dict[str, Any] = {}
    for _, _, part in gathered:
        for key, value in part.items():
            merged[key] = merged[key] + value if key in merged else value
    return (sum(part[0] for part in gathered), sum(part[1] for part in gathered), merged)


def weights_digest(state: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 over the names (sorted) and raw bytes of a state dict's tensors."""
    digest = hashlib.sha256()
    for name in sorted(state):
        value = state[name].detach().cpu().contiguous().reshape(-1)
        digest.update(name.encode())
        digest.update(value.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def summary(model: nn.Module, group: Group, batch_size: int) -> dict[str, Any]:
    """What metrics.json records of a distributed run, with every rank's weights digest."""
    digests: list[Any] = [None] * group.size
    dist.all_gather_object(digests, weights_digest(model.state_dict()))
    return {"world_size": group.size, "backend": group.backend,
            "batch_size_per_process": batch_size,
            "global_batch_size": batch_size * group.size,
            "weights_sha256": digests, "ranks_agree": len(set(digests)) == 1}
