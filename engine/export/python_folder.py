"""`export --format python`: a folder with model.py, train.py, the data (data.npz, or
data.json and the module that decodes the files it lists) and the trained weights, written
whole or not at all."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from safetensors.torch import save

from engine.export import ExportError
from engine.export.block_classes import nested_state, written_as_classes
from engine.export.dataset_file import write_dataset
from engine.export.prepare import PreparedNetwork
from engine.export.python_code import model_source
from engine.export.train_script import reserved_names, train_source
from engine.export.writing import exported_folder
from engine.training.config import TrainingError
from engine.training.run import RunPlan, plan_run

MODEL_NAMES = {"torch", "nn", "F", "INPUT_SHAPE", "INPUT_DTYPE", "INPUT_SHAPES",
               "INPUT_DTYPES", "OUTPUT_SHAPE", "OUTPUT_SHAPES"}


@dataclass
class PythonExport:
    folder: Path
    files: list[str]
    plan: RunPlan | None
    """None when the project has no training settings: model.py only."""


def exported_class_name(prepared: PreparedNetwork) -> str:
    """The project's class name, unless train.py or model.py uses that name already."""
    name = prepared.class_name
    return f"{name}Network" if name in reserved_names() | MODEL_NAMES else name


def export_python(prepared: PreparedNetwork, folder: Path) -> PythonExport:
    """Write the folder, or raise ExportError and leave it as it was when the network or
    its training cannot be exported."""
    class_name = exported_class_name(prepared)
    model = model_source(prepared, class_name)
    plan = None
    if prepared.project.training is not None:
        try:
            plan = plan_run(prepared.project)
        except TrainingError as error:
            raise ExportError(["cannot write train.py: " + line
                               for line in str(error).splitlines()]) from None
    with exported_folder(folder, _size(prepared, plan)) as stage:
        (stage / "model.py").write_text(model, encoding="utf-8")
        if plan is not None:
            (stage / "train.py").write_text(train_source(plan, class_name), encoding="utf-8")
            write_dataset(plan.dataset, stage, prepared.network.takes_lengths)
        if prepared.weights is not None and written_as_classes(prepared.project.graph):
            # model.py nests the layers of blocks, and its state dict names them so
            state = {k: v.contiguous() for k, v in prepared.network.state_dict().items()}
            (stage / "weights.safetensors").write_bytes(
                save(nested_state(state, prepared.project.graph)))
        elif prepared.weights is not None:
            shutil.copyfile(prepared.weights, stage / "weights.safetensors")
        files = sorted(path.name for path in stage.iterdir())
    return PythonExport(folder, files, plan)


def _size(prepared: PreparedNetwork, plan: RunPlan | None) -> int:
    """About what the folder takes: the weights, the data's arrays and the code."""
    weights = sum(t.numel() * t.element_size() for t in prepared.network.state_dict().values())
    data = 0
    if plan is not None:
        parts = (plan.dataset.x, plan.dataset.y, plan.dataset.x_val, plan.dataset.y_val,
                 plan.dataset.x_test, plan.dataset.y_test)
        data = sum(part.numel() * part.element_size() for part in parts
                   if hasattr(part, "element_size"))
    return weights + data + 60_000
