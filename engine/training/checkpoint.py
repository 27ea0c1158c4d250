"""Checkpoints and results on disk: weights as safetensors (never pickle), the optimiser and
run state as plain tensors and numbers that load with `torch.load(weights_only=True)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from engine.atomic import replacing
from engine.training.config import TrainingError

WEIGHTS = "checkpoint.safetensors"
STATE = "checkpoint-state.pt"


def save_weights(model: nn.Module, path: Path) -> None:
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with replacing(path) as temporary:
        save_file(state, str(temporary))


def load_weights(model: nn.Module, path: Path,
                 layer_names: dict[str, str] | None = None) -> None:
    """Load weights saved for this network, or explain why they do not fit it.
    `layer_names` maps other names of its layers (model.py's nesting of blocks) to its own."""
    try:
        state = load_file(str(path))
    except FileNotFoundError:
        raise TrainingError(f"there are no weights at {path}") from None
    except Exception as error:  # safetensors raises its own error types for broken files
        raise TrainingError(f"{path.name} is not a readable weights file ({error})") from None
    expected = model.state_dict()
    if layer_names:
        state = {_renamed(key, layer_names): value for key, value in state.items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"no values for {', '.join(missing[:4])}")
        if unexpected:
            parts.append(f"values for layers the network lacks ({', '.join(unexpected[:4])})")
        for key in wrong[:4]:
            parts.append(f"{key} is {list(state[key].shape)} in the file but "
                         f"{list(expected[key].shape)} in the network")
        raise TrainingError(f"{path.name} was saved for a different network: "
                            + "; ".join(parts))
    model.load_state_dict(state)


def _renamed(key: str, layer_names: dict[str, str]) -> str:
    layer, _, tensor = key.rpartition(".")
    return f"{layer_names[layer]}.{tensor}" if layer in layer_names else key


def save(out_dir: Path, model: nn.Module, optimizer, scheduler, shuffle: torch.Generator,
         epoch: int, history: list[dict[str, Any]], monitor) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    save_weights(model, out_dir / WEIGHTS)
    state = {
        "epoch": epoch,
        "history": history,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "torch_rng": torch.get_rng_state(),
        "shuffle_rng": shuffle.get_state(),
        "monitor": None if monitor is None else {
            "best": monitor.best, "best_epoch": monitor.best_epoch, "waited": monitor.waited,
            "best_state": monitor.best_state},
    }
    with replacing(out_dir / STATE) as temporary:
        torch.save(state, temporary)


def load(out_dir: Path, model: nn.Module, optimizer, scheduler, shuffle: torch.Generator,
         monitor) -> dict[str, Any]:
    if not (out_dir / STATE).exists() or not (out_dir / WEIGHTS).exists():
        raise TrainingError(f"there is no checkpoint to resume in {out_dir}; train without "
                            "--resume first")
    load_weights(model, out_dir / WEIGHTS)
    try:
        state = torch.load(out_dir / STATE, weights_only=True)
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state["scheduler"] is not None:
            scheduler.load_state_dict(state["scheduler"])
    except Exception as error:  # a checkpoint from other settings, or a damaged file
        raise TrainingError(f"the checkpoint in {out_dir} does not fit these settings "
                            f"({error}); train from scratch") from None
    torch.set_rng_state(state["torch_rng"])
    shuffle.set_state(state["shuffle_rng"])
    if monitor is not None and state["monitor"] is not None:
        for key, value in state["monitor"].items():
            setattr(monitor, key, value)
    return state
