"""A look inside as files, for the command line: the prediction, the saliency map over the
sample and each chosen node's output as PNGs (matplotlib, no display), and the figures as
JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from engine.inspection.layouts import Layout, as_rows, layout_of
from engine.inspection.saliency import overlay_pairs
from engine.inspection.session import Inspection, Look
from engine.storage import ensure_room, staged_folder, translating

PICTURE_BYTES = 100_000
"""About what one PNG of a look takes at most (a figure of a few inches at 110 dpi: 8 to
30 kB for most, more for a grid of many feature maps)."""

MAPS_SHOWN = 32
"""Feature maps drawn per node: enough to see what the layer picks out."""


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: never look for a display
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def save_prediction(look: Look, path: Path) -> None:
    prediction = look.prediction
    figure = _figure(6, 3)
    axes = figure.subplots()
    if prediction.kind == "classes":
        axes.bar(range(len(prediction.probabilities)), prediction.probabilities,
                 color="#3b7ddd")
        axes.set_xticks(range(len(prediction.labels)), prediction.labels)
        axes.set_ylabel("probability")
        axes.set_ylim(0, 1)
    elif prediction.kind in ("classes_per_step", "string"):
        steps = torch.tensor(prediction.steps).T
        axes.imshow(steps, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                    interpolation="nearest")
        axes.set_yticks(range(len(prediction.labels)), prediction.labels)
        axes.set_xlabel("time step")
    else:
        rows = torch.tensor(prediction.steps)
        if rows.shape[0] == 1:
            axes.bar(range(rows.shape[1]), rows[0].tolist(), color="#3b7ddd")
        else:
            axes.plot(rows.tolist())
            axes.set_xlabel("time step")
    title = f"prediction: {prediction.text}"
    if look.truth is not None:
        title += f"    truth: {look.truth}"
    axes.set_title(title)
    figure.savefig(path)


def save_saliency(look: Look, path: Path) -> None:
    """The sample with the map over it, frame by frame for a clip."""
    pairs = overlay_pairs(look.capture.sample, look.saliency.map)
    figure = _figure(max(3.0, 1.6 * len(pairs)), 3.2)
    for ax, (picture, overlay) in zip(figure.subplots(1, len(pairs), squeeze=False)[0],
                                      pairs, strict=True):
        ax.imshow(picture.numpy(), cmap="gray", aspect="auto", interpolation="nearest")
        ax.imshow(overlay.numpy(), cmap="jet", alpha=0.45, aspect="auto",
                  interpolation="bilinear", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    where = f" of {look.saliency.node}" if look.saliency.node else ""
    figure.suptitle(f"{look.saliency.method}{where}: what {look.saliency.explains} rests on")
    figure.savefig(path)


def save_node(inspection: Inspection, look: Look, node_id: str, path: Path) -> None:
    value = look.capture.outputs[node_id].float()
    layout = layout_of(inspection.graph, inspection.analysis, node_id)
    if layout in ("maps", "clip_maps"):
        maps = value if layout == "maps" else value[value.shape[0] // 2]
        shown = maps[:MAPS_SHOWN]
        columns = min(8, len(shown))
        rows = math.ceil(len(shown) / columns)
        figure = _figure(1.2 * columns, 1.2 * rows + 0.4)
        for index, ax in enumerate(figure.subplots(rows, columns, squeeze=False).flat):
            ax.set_axis_off()
            if index < len(shown):
                ax.imshow(shown[index].numpy(), cmap="viridis", interpolation="nearest")
        frame = "" if layout == "maps" else f", frame {value.shape[0] // 2 + 1}"
        figure.suptitle(f"{node_id}: {min(len(maps), MAPS_SHOWN)} of {len(maps)} feature "
                        f"maps{frame}")
    elif layout in ("over_time", "channels"):
        figure = _figure(7, 3.2)
        axes = figure.subplots()
        image = axes.imshow(as_rows(value, layout).numpy(), aspect="auto", cmap="magma",
                            interpolation="nearest")
        figure.colorbar(image, ax=axes)
        if layout == "over_time":
            axes.set_xlabel("time step")
            axes.set_ylabel("unit")
            axes.set_title(f"{node_id}: output over time (units × steps)")
        else:
            axes.set_xlabel("position")
            axes.set_ylabel("channel")
            axes.set_title(f"{node_id}: channels over positions")
    else:
        figure = _figure(7, 3)
        axes = figure.subplots()
        flat = value.reshape(-1)
        axes.bar(range(len(flat)), flat.tolist(), color="#3b7ddd", width=1.0)
        axes.set_title(f"{node_id}: {len(flat)} values")
    figure.savefig(path)


def figures(inspection: Inspection, look: Look, index: int | None) -> dict[str, Any]:
    """What `inspect` writes to figures.json."""
    prediction = look.prediction
    return {
        "sample": index, "truth": look.truth,
        "weights": None if inspection.weights is None else str(inspection.weights),
        "prediction": {"kind": prediction.kind, "text": prediction.text,
                       "labels": prediction.labels,
                       "probabilities": prediction.probabilities, "best": prediction.best},
        "saliency": {"method": look.saliency.method, "node": look.saliency.node,
                     "explains": look.saliency.explains,
                     "shape": list(look.saliency.map.shape)},
        "nodes": {node_id: _statistics(value, layout_of(inspection.graph, inspection.analysis,
                                                        node_id))
                  for node_id, value in look.capture.outputs.items()},
    }


def _statistics(value: torch.Tensor, layout: Layout) -> dict[str, Any]:
    values = value.float()
    return {"shape": list(value.shape), "layout": layout, "mean": float(values.mean()),
            "std": float(values.std()) if values.numel() > 1 else 0.0,
            "min": float(values.min()), "max": float(values.max()),
            "zero_share": float((values == 0).float().mean())}


def write_look(inspection: Inspection, look: Look, index: int | None, nodes: list[str],
               out_dir: Path) -> list[Path]:
    """The PNGs and figures.json in `out_dir`, all of them or none (drawn in a staging
    folder, moved in when all are there); returns the files written."""
    ensure_room(out_dir.parent, PICTURE_BYTES * (len(nodes) + 3), out_dir)
    names = ["prediction.png", "saliency.png", *(f"node-{n}.png" for n in nodes),
             "figures.json"]
    with staged_folder(out_dir) as stage, translating(out_dir, only_writes=True):
        save_prediction(look, stage / names[0])
        save_saliency(look, stage / names[1])
        for node_id, name in zip(nodes, names[2:], strict=False):
            save_node(inspection, look, node_id, stage / name)
        (stage / names[-1]).write_text(json.dumps(figures(inspection, look, index),
                                                  indent=1))
    return [out_dir / name for name in names]
