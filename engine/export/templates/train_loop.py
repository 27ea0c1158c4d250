"""The part of the exported train.py that every project shares: processes, the training
loop and saving. NETWORK_CLASS stands for the model class and is replaced by its name; the
settings (EPOCHS, make_optimizer, ...), the data's functions (load_data, feed, DATA_FILE,
EVAL_BATCH), the task's functions (compute_loss, measure, ...) and the safetensors
functions come from the other parts of train.py."""
# ruff: noqa: F821

import argparse
import contextlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import BatchSampler, DistributedSampler, RandomSampler

# ---- copied into train.py from here ----
HERE = Path(__file__).resolve().parent


def pick_device(name: str) -> torch.device:
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def threads_for(setting: str, processes: int) -> int:
    """torch's threads on a CPU: the number given, or for "auto" the cores this
    process may use, shared among the run's processes, less those the load average
    says other work keeps busy (a thread waiting for a busy core spins on its own)."""
    if setting != "auto":
        return max(1, int(setting))
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, cores // processes - math.floor(busy / processes + 0.25))


def native_bfloat16() -> bool:
    """Whether this processor computes bfloat16 natively (AVX512-BF16 or AMX; Linux)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def chosen_precision(precision: str, device: torch.device) -> str:
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    if device.type == "cpu" and BF16_PAYS and native_bfloat16():
        return "bf16-mixed"
    return "32-true"


def mixed_precision(precision: str, device: torch.device) -> tuple[Any, Any]:
    """What the forward pass and the loss run under, and the GradScaler (16-mixed)."""
    precision = chosen_precision(precision, device)
    if precision == "32-true":
        return contextlib.nullcontext, None
    dtype = torch.bfloat16 if precision == "bf16-mixed" else torch.float16
    scaler = torch.amp.GradScaler("cuda") if precision == "16-mixed" else None
    return (lambda: torch.autocast(device.type, dtype=dtype)), scaler


def start_processes(device_name: str) -> tuple[torch.device, int, int]:
    """This process's device and rank, and the number of processes. torchrun sets RANK,
    WORLD_SIZE and LOCAL_RANK; without them this is the only process."""
    device = pick_device(device_name)
    if not all(name in os.environ for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK")):
        return device, 0, 1
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device, dist.get_rank(), dist.get_world_size()


def add_up(totals: dict[str, float], world_size: int,
           device: torch.device) -> dict[str, float]:
    """The sums over all processes."""
    if world_size == 1:
        return totals
    values = torch.tensor(list(totals.values()), dtype=torch.float64, device=device)
    dist.all_reduce(values)
    return dict(zip(totals, values.tolist(), strict=True))


@torch.no_grad()
def evaluate(model: nn.Module, x_val: Any, y_val: torch.Tensor, rank: int,
             world_size: int, device: torch.device,
             prefix: str = "val_") -> dict[str, float]:
    """Loss and metrics over a whole held-out part (validation, or test with prefix
    "test_"): each process takes every world_size-th sample, and the sums are added
    up."""
    model.eval()
    totals = dict.fromkeys(("loss", "samples", *TOTALS), 0.0)
    positions = list(range(rank, len(x_val), world_size))
    chunks = [positions[i:i + EVAL_BATCH] for i in range(0, len(positions), EVAL_BATCH)]
    for inputs, yb in feed(x_val, y_val, chunks, device):
        outputs = model(*inputs)
        totals["loss"] += float(compute_loss(outputs, yb)) * len(yb)
        totals["samples"] += len(yb)
        for name, value in measure(outputs, yb).items():
            totals[name] += value
    totals = add_up(totals, world_size, device)
    loss = totals["loss"] / max(totals["samples"], 1)
    figures = {"val_loss": loss, **summarise(totals)}
    return {prefix + name.removeprefix("val_"): value
            for name, value in figures.items()}


def save_results(out: Path, model: nn.Module, history: list[dict[str, float]],
                 test: dict[str, float] | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_safetensors(model.state_dict(), out / "weights.safetensors")
    temporary = out / ".metrics.json.tmp"
    results: dict[str, Any] = {"history": history}
    if test:
        results["test"] = test
    temporary.write_text(json.dumps(results, indent=1))
    os.replace(temporary, out / "metrics.json")


def channels_last(tensor: torch.Tensor) -> torch.Tensor:
    """Images (4 dimensions) in channels-last order; anything else as it is."""
    return tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 \
        else tensor


def train(args: argparse.Namespace) -> None:
    device, rank, world_size = start_processes(args.device)
    if device.type == "cpu":
        torch.set_num_threads(threads_for(args.threads, world_size))
    torch.manual_seed(SEED)  # Netdesigner's initial weights, the same in every process
    model = NETWORK_CLASS()
    if args.init is not None:
        model.load_state_dict(load_safetensors(args.init))
    model.to(device)
    # the layout GPUs' tensor cores and oneDNN read best, for 2-D convolutions
    images_last = CHANNELS_LAST is True or (CHANNELS_LAST == "auto" and any(
        isinstance(module, nn.Conv2d) for module in model.modules()))
    if images_last:
        model.to(memory_format=torch.channels_last)
    # DistributedDataParallel averages the gradients over the processes
    trained = model if world_size == 1 else DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None)
    data = load_data(args.data, device)
    x, y = data["x"], data["y"]
    x_val, y_val = data["x_val"], data["y_val"]
    if world_size == 1:
        shuffle = torch.Generator().manual_seed(SEED)
        order = RandomSampler(range(len(x)), generator=shuffle)
    else:  # each process takes its own share of every epoch's shuffle
        order = DistributedSampler(range(len(x)), num_replicas=world_size, rank=rank,
                                   seed=SEED)
    # the batch size is per process, as with `netdesigner train --nproc`: a step sees
    # world_size * batch_size samples. A last batch of one sample would break
    # BatchNorm's batch statistics.
    batch_size = args.batch_size
    batches = BatchSampler(order, batch_size, drop_last=len(order) % batch_size == 1)
    steps = min(len(batches), args.max_batches or len(batches))
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer, args.epochs, steps) if args.epochs else None
    autocast, scaler = mixed_precision(PRECISION, device)
    # torch.compile's form of the network when asked (one process)
    forward = torch.compile(trained) if COMPILE and world_size == 1 else trained
    history = []
    if rank == 0:
        print(f"{len(x)} training and {len(x_val)} validation samples, "
              f"{world_size} process(es) on {device}", flush=True)
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        if isinstance(order, DistributedSampler):
            order.set_epoch(epoch)
        model.train()
        # the losses stay on the device until the epoch ends: reading one back
        # after every batch would make a GPU wait for each step
        loss_sum, seen = torch.zeros((), device=device), 0
        for step, (inputs, yb) in enumerate(feed(x, y, batches, device)):
            if step == steps:
                break
            if images_last:
                inputs = tuple(channels_last(tensor) for tensor in inputs)
            with autocast():
                outputs = forward(*inputs)
            # the loss in float32: from bfloat16 scores it loses the precision it needs
            loss = compute_loss(outputs.float(), yb)
            optimizer.zero_grad(set_to_none=True)
            (scaler.scale(loss) if scaler else loss).backward()
            if GRADIENT_CLIP:
                if scaler:
                    scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), GRADIENT_CLIP)
            if scaler:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            if scheduler is not None and SCHEDULE_EVERY_BATCH:
                scheduler.step()
            loss_sum += loss.detach().float() * len(yb)
            seen += len(yb)
        loss_sum = loss_sum.item()
        if not math.isfinite(loss_sum):
            raise SystemExit(f"epoch {epoch}: the loss became {loss_sum}; lower the "
                             "learning rate or set GRADIENT_CLIP")
        if world_size > 1:  # evaluate with the running statistics of process 0
            for buffer in model.buffers():
                dist.broadcast(buffer, 0)
        sums = add_up({"loss": loss_sum, "seen": seen}, world_size, device)
        metrics = evaluate(model, x_val, y_val, rank, world_size, device)
        row = {"epoch": epoch, "train_loss": sums["loss"] / max(sums["seen"], 1),
               **metrics, "lr": optimizer.param_groups[0]["lr"],
               "seconds": time.perf_counter() - started}
        if scheduler is not None and not SCHEDULE_EVERY_BATCH:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(row["val_loss"])
            else:
                scheduler.step()
        history.append(row)
        if rank == 0:
            figures = "  ".join(f"{name} {value:.4g}" for name, value in row.items()
                                if name not in ("epoch", "seconds"))
            print(f"epoch {epoch}/{args.epochs}  {figures}  ({row['seconds']:.1f}s)",
                  flush=True)
            save_results(args.out, model, history)
    if args.epochs == 0:  # only measure the weights given with --init
        metrics = evaluate(model, x_val, y_val, rank, world_size, device)
        if rank == 0:
            print("  ".join(f"{name} {value:.4g}" for name, value in metrics.items()))
    if "x_test" in data:  # the data's own test split, measured once at the end
        metrics = evaluate(model, data["x_test"], data["y_test"], rank, world_size,
                           device, "test_")
        if rank == 0:
            print("  ".join(f"{name} {value:.4g}" for name, value in metrics.items()))
            if history:
                save_results(args.out, model, history, metrics)
    if world_size > 1:
        # all processes leave together: gloo aborts a process whose peer has already
        # torn the connections down (process 0 is still saving while the others finish)
        dist.barrier()
        dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, metavar="N",
                        help=f"epochs to train (default {EPOCHS}; 0 only evaluates)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, metavar="N",
                        help=f"samples per step and process (default {BATCH_SIZE})")
    parser.add_argument("--out", type=Path, default=HERE / "run", metavar="DIR",
                        help="where weights.safetensors and metrics.json go "
                        "(default: run/ beside train.py)")
    parser.add_argument("--data", type=Path, default=HERE / DATA_FILE, metavar="FILE",
                        help=f"the data to train on (default: {DATA_FILE} beside "
                        "train.py)")
    parser.add_argument("--init", "--weights", dest="init", type=Path, metavar="FILE",
                        help="start from these weights (a weights.safetensors)")
    parser.add_argument("--device", default=DEVICE, metavar="D",
                        help="auto, cpu, cuda, cuda:N or mps (default %(default)s)")
    parser.add_argument("--threads", default=str(THREADS), metavar="N",
                        help="torch's threads on a CPU: a number, or auto (default "
                        "%(default)s)")
    parser.add_argument("--max-batches", type=int, metavar="N",
                        help="end each epoch after this many batches, for a quick try")
    train(parser.parse_args())


if __name__ == "__main__":
    main()
