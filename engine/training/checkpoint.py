"""A run's checkpoint, written as one unit: the weights and the trainer's state (optimiser,
scheduler, random generators, history, early stopping) go to files named by their epoch,
then `checkpoint.json` names them with their SHA-256 and the settings the run started
with, written last and atomically. A reader follows the manifest, so it sees the previous
checkpoint or the new one, never a mix; files no manifest names are removed after it is
written (or, after a kill, at the next save)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.storage import ensure_room, write_atomically
from engine.training.config import TrainingConfig, TrainingError
from engine.training.weights_file import (
    DamagedWeights,
    load_state,
    load_weights,
    save_weights,
    weights_bytes,
    weights_from_bytes,
)

MANIFEST = "checkpoint.json"
LEGACY_WEIGHTS = "checkpoint.safetensors"
LEGACY_STATE = "checkpoint-state.pt"

__all__ = ["MANIFEST", "load", "load_weights", "read_manifest", "save", "save_weights",
           "settings_of"]


def write_point(name: str) -> None:
    """Called between the writes of a checkpoint; tests replace it to kill the process
    exactly there."""


def settings_of(config: TrainingConfig, samples: int) -> dict[str, Any]:
    """What a resumed run must keep or check: the optimiser and scheduler it trained with,
    the split of its data (validation_split and seed over `samples` samples)."""
    return {"optimizer": asdict(config.optimizer),
            "scheduler": None if config.scheduler is None else asdict(config.scheduler),
            "validation_split": config.validation_split, "seed": config.seed,
            "epochs": config.epochs, "samples": samples}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save(out_dir: Path, model: nn.Module, optimizer, scheduler, shuffle: torch.Generator,
         epoch: int, history: list[dict[str, Any]], monitor,
         settings: dict[str, Any] | None = None) -> None:
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
    buffer = io.BytesIO()
    torch.save(state, buffer)
    # the manifest's SHA-256 covers both files: the weights need no checksum of their own
    files = {f"checkpoint-{epoch}.safetensors": weights_bytes(model.state_dict(),
                                                              checksum=False),
             f"checkpoint-{epoch}-state.pt": buffer.getvalue()}
    ensure_room(out_dir, sum(len(data) for data in files.values()), out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write_atomically(out_dir / name, data)
        write_point(name)
    manifest = {"epoch": epoch, "weights": next(iter(files)), "state": list(files)[1],
                "sha256": {name: _sha256(data) for name, data in files.items()},
                "settings": settings or {}}
    write_atomically(out_dir / MANIFEST, json.dumps(manifest, indent=1))
    write_point(MANIFEST)
    _remove_unnamed(out_dir, set(files))


def _remove_unnamed(out_dir: Path, named: set[str]) -> None:
    for path in [*out_dir.glob("checkpoint-*.safetensors"), *out_dir.glob("checkpoint-*.pt"),
                 out_dir / LEGACY_WEIGHTS, out_dir / LEGACY_STATE]:
        if path.name not in named:
            path.unlink(missing_ok=True)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The checkpoint's manifest, or None when the run has none (or it is unreadable)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("epoch"), int) or \
            not isinstance(manifest.get("sha256"), dict):
        return None
    return manifest


def _verified(out_dir: Path, name: str, manifest: dict[str, Any]) -> bytes:
    path = out_dir / name
    try:
        data = path.read_bytes()
    except OSError:
        raise TrainingError(f"the checkpoint in {out_dir} is incomplete: {name} is missing; "
                            "train from scratch") from None
    if _sha256(data) != manifest["sha256"].get(name):
        raise DamagedWeights(f"the checkpoint in {out_dir} is damaged: {name} does not match "
                             "its checksum; train from scratch")
    return data


def load(out_dir: Path, model: nn.Module, optimizer, scheduler, shuffle: torch.Generator,
         monitor) -> dict[str, Any]:
    """Restore the checkpoint into `model`, `optimizer`, ...; returns the trainer's state
    (with `settings`, the run's settings, {} for a checkpoint from before they were
    kept)."""
    manifest = read_manifest(out_dir)
    if manifest is not None:
        weights = _verified(out_dir, str(manifest.get("weights")), manifest)
        state_bytes = _verified(out_dir, str(manifest.get("state")), manifest)
        path = out_dir / str(manifest["weights"])
        load_state(model, weights_from_bytes(weights, path), path)
        settings = manifest.get("settings") or {}
    elif (out_dir / LEGACY_STATE).exists() and (out_dir / LEGACY_WEIGHTS).exists():
        load_weights(model, out_dir / LEGACY_WEIGHTS)
        state_bytes, settings = (out_dir / LEGACY_STATE).read_bytes(), {}
    else:
        raise TrainingError(f"there is no checkpoint to resume in {out_dir}; train without "
                            "--resume first")
    try:
        state = torch.load(io.BytesIO(state_bytes), weights_only=True)
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
    return {**state, "settings": settings}
