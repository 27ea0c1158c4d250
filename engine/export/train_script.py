"""train.py: trains the exported model.py with the project's settings, on one process or
under torchrun, with nothing but torch and numpy.

It is put together from real Python files in templates/: the part every project shares
(train_loop.py), the loss and metrics of the project's task (task_*.py) and a safetensors
reader and writer (safetensors_io.py), below a header written here from the settings.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Iterable
from importlib import resources

from engine.export.source_format import LINE_LIMIT, call, docstring_text, literal
from engine.export.templates import MARKER
from engine.training.config import Choice, TrainingConfig
from engine.training.optimisers import takes_fused
from engine.training.run import RunPlan
from engine.training.speed import BF16_WORTHWHILE_MACS, bf16_work

TASK_TEMPLATES = {"CrossEntropyLoss": "task_classification", "BCEWithLogitsLoss": "task_binary",
                  "MSELoss": "task_regression", "L1Loss": "task_regression",
                  "CTCLoss": "task_ctc"}
SHARED_TEMPLATES = ("safetensors_io", "train_loop")
ARRAYS_TEMPLATE = "data_arrays"
"""The data part for data in memory (data.npz); data in files names its own
(a decoder's export_template)."""
DATA_TEMPLATES = (ARRAYS_TEMPLATE, "data_clips", "data_sounds", "data_dna", "data_lines",
                  "data_sequences")
FILES_TEMPLATE = "data_files"
"""What the data parts of files share (their parts, their batches), beside any of them."""
MODEL_CLASS_TOKEN = "NETWORK_CLASS"


def _template(name: str) -> tuple[list[ast.stmt], str]:
    """A template's import statements and the text below its marker."""
    text = resources.files("engine.export.templates").joinpath(f"{name}.py").read_text(
        encoding="utf-8")
    head, marker, body = text.partition(MARKER + "\n")
    if not marker:
        raise RuntimeError(f"templates/{name}.py has no marker line")
    imports = [s for s in ast.parse(head).body if isinstance(s, (ast.Import, ast.ImportFrom))]
    return imports, body.strip("\n")


def _member_order(name: str) -> tuple[int, str]:
    """isort's order inside `from x import ...`: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def import_block(statements: list[ast.stmt], first_party: dict[str, list[str]],
                 local: frozenset[str] = frozenset()) -> str:
    """One sorted import block, as ruff's isort writes it: standard library, third party,
    then this folder's own modules (`first_party`, and the `local` modules the statements
    import); `import x` before `from x import y` in each."""
    straight: set[tuple[str, str | None]] = set()
    members: dict[str, set[str]] = {}
    for statement in statements:
        if isinstance(statement, ast.Import):
            straight.update((a.name, a.asname) for a in statement.names)
        elif statement.module != "__future__":
            assert statement.module is not None
            members.setdefault(statement.module, set()).update(
                a.name if a.asname is None else f"{a.name} as {a.asname}"
                for a in statement.names)

    def section(module: str) -> int:
        if module in local:
            return 2
        return 0 if module.split(".")[0] in sys.stdlib_module_names else 1

    blocks: list[list[str]] = [[], [], []]
    for module, alias in sorted(straight, key=lambda m: m[0].lower()):
        blocks[section(module)].append(f"import {module}" + (f" as {alias}" if alias else ""))
    for module in sorted(members, key=str.lower):
        blocks[section(module)].append(_from_import(module, members[module]))
    for module, names in sorted(first_party.items()):
        blocks[2].append(_from_import(module, names))
    blocks[2].sort(key=lambda line: line.split()[1].lower())
    return "\n\n".join("\n".join(block) for block in blocks if block)


def _from_import(module: str, names: Iterable[str]) -> str:
    """`from module import a, b`, or one name a line in parentheses when that is too long,
    as ruff's isort writes it."""
    ordered = sorted(names, key=_member_order)
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= LINE_LIMIT:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in ordered) + ")"


def _choice_call(function: str, first: str, choice: Choice, extra: dict[str, str],
                 indent: str) -> str:
    arguments = [first, *(f"{k}={literal(v)}" for k, v in choice.args.items()
                          if k not in extra)]
    arguments += [f"{k}={v}" for k, v in extra.items()]
    return call(function, arguments, indent, "return ")


def _optimizer(config: TrainingConfig) -> list[str]:
    """make_optimizer(), with torch's fused step where the trainer takes it
    (engine/training/optimisers.py): the same arithmetic, in one pass per tensor."""
    choice = config.optimizer
    function = f"torch.optim.{choice.type}"
    lines = ["def make_optimizer(parameters) -> torch.optim.Optimizer:"]
    if not takes_fused(choice):
        return [*lines, _choice_call(function, "parameters", choice, {}, "    ")]
    return [*lines,
            '    """torch\'s fused step (the same arithmetic in one pass over each tensor) '
            'where\n    the device has it."""',
            "    parameters = list(parameters)",
            "    try:",
            _choice_call(function, "parameters", choice, {"fused": "True"}, "        "),
            "    except (RuntimeError, ValueError):  # a device without the fused kernels",
            _choice_call(function, "parameters", choice, {}, "        ")]


def _scheduler(config: TrainingConfig) -> list[str]:
    """make_scheduler(), filling in what Netdesigner's trainer fills in
    (engine/training/optimisers.py), from the epochs and batches of this run."""
    lines = ["def make_scheduler(optimizer: torch.optim.Optimizer, epochs: int,",
             "                   batches_per_epoch: int):"]
    choice = config.scheduler
    if choice is None:
        return [*lines, '    """The project keeps the learning rate constant."""',
                "    return None"]
    extra: dict[str, str] = {}
    if choice.type == "OneCycleLR":
        extra = {"max_lr": literal(choice.args.get("max_lr", config.lr)),
                 "epochs": "epochs", "steps_per_epoch": "batches_per_epoch"}
    elif choice.type == "CosineAnnealingLR" and "T_max" not in choice.args:
        extra = {"T_max": "epochs"}
    elif choice.type == "StepLR" and "step_size" not in choice.args:
        extra = {"step_size": "max(1, epochs // 3)"}
    function = f"torch.optim.lr_scheduler.{choice.type}"
    return [*lines, _choice_call(function, "optimizer", choice, extra, "    ")]


def _loss(config: TrainingConfig) -> str:
    loss = config.loss
    arguments = [f"{k}={literal(v)}" for k, v in loss.args.items()]
    if loss.type == "CTCLoss":
        # an impossible alignment (a string too long for the output) must not poison training
        arguments.append("zero_infinity=True")
    return call(f"nn.{loss.type}", arguments, "", "LOSS = ")


def _settings(config: TrainingConfig, macs_per_sample: int = 0) -> list[str]:
    every_batch = config.scheduler is not None and config.scheduler.type == "OneCycleLR"
    return [
        "# The project's training settings",
        f"EPOCHS = {config.epochs}",
        f"BATCH_SIZE = {config.batch_size}",
        f"SEED = {config.seed}",
        f"GRADIENT_CLIP = {literal(config.gradient_clip)}",
        f"DEVICE = {literal(config.device)}",
        f"THREADS = {literal(config.threads)}",
        '"""torch\'s threads on a CPU: a number, or "auto" (the cores left free)."""',
        f"PRECISION = {literal(config.precision)}",
        '"""32-true, bf16-mixed (autocast to bfloat16), 16-mixed (float16, CUDA) or auto:',
        "bf16-mixed on a GPU with bfloat16, and on a processor that computes it natively",
        "where the network has the work for it (BF16_PAYS); 16-mixed on other GPUs; else",
        '32-true."""',
        f"BF16_PAYS = {macs_per_sample >= BF16_WORTHWHILE_MACS}",
        f"COMPILE = {config.compile}",
        f"CHANNELS_LAST = {literal(config.channels_last)}",
        '"""Convolutions over images in channels-last memory order: True, False or "auto" '
        '(on\nwherever the network has 2-D convolutions)."""',
        _loss(config),
        f"SCHEDULE_EVERY_BATCH = {every_batch}",
        '"""OneCycleLR moves every batch, the other schedules every epoch."""',
        "", "",
        *_optimizer(config),
        "", "",
        *_scheduler(config),
    ]


def _docstring(plan: RunPlan, class_name: str) -> str:
    config, dataset = plan.config, plan.dataset
    assert dataset.x_val is not None
    methods = [config.loss.type, config.optimizer.type]
    if config.scheduler is not None:
        methods.append(config.scheduler.type)
    test = f" and {len(dataset.x_test)} test" if dataset.x_test is not None else ""
    counts = (f"{docstring_text(dataset.name)}: {len(dataset.x)} training, "
              f"{len(dataset.x_val)} validation{test} samples, split as the project splits "
              "them")
    if dataset.on_demand:
        needs = dataset.x.index.decoder.export_needs
        where = (f"the files data.json lists ({counts}), decoded as Netdesigner decodes "
                 f"them. Needs torch, numpy and {needs}.")
    else:
        where = f"data.npz ({counts}). Needs nothing but torch and numpy."
    summary = (f"Train {class_name} (model.py) with the settings of the Netdesigner project "
               f'"{docstring_text(plan.project.name)}": {", ".join(methods)}, on {where}')
    if config.early_stopping is not None:
        summary += " The project's early_stopping is not applied here: every epoch runs."
    lines = [
        *textwrap.wrap('"""' + summary, LINE_LIMIT),
        "",
        "    python train.py                              train with the settings below",
        "    python train.py --epochs 3 --out run1        results in run1/",
        "    python train.py --init weights.safetensors   go on from trained weights",
        "    python train.py --init weights.safetensors --epochs 0   only evaluate them",
        "    torchrun --nproc_per_node=4 train.py         4 processes (GPUs, or CPUs)",
        "",
        "Writes OUT/weights.safetensors, under the names Netdesigner uses, and",
        "OUT/metrics.json after every epoch.",
    ]
    return "\n".join(lines) + '\n"""'


def reserved_names() -> set[str]:
    """The names train.py defines or imports, which the model class must not take."""
    names = {"INPUT_DTYPE"}
    statements: list[ast.stmt] = []
    for template in (*SHARED_TEMPLATES, *TASK_TEMPLATES.values(), *DATA_TEMPLATES,
                     FILES_TEMPLATE):
        imports, body = _template(template)
        statements += imports + ast.parse(body).body
    dummy = TrainingConfig(dataset={}, loss=Choice("MSELoss"))
    statements += ast.parse("\n".join(_settings(dummy))).body
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in statement.names)
        elif isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return names


STANDALONE = "engine.data.standalone."
"""Templates import these modules from the package; train.py imports the copies beside it."""


def _beside(statement: ast.stmt) -> ast.stmt:
    if isinstance(statement, ast.ImportFrom) and (statement.module or "").startswith(
            STANDALONE):
        return ast.ImportFrom(statement.module.removeprefix(STANDALONE), statement.names,
                              statement.level)
    return statement


def _is_standalone(module: str) -> bool:
    return resources.files("engine.data.standalone").joinpath(f"{module}.py").is_file()


def data_template(plan: RunPlan) -> str:
    """The part of train.py that reads the project's data."""
    if plan.dataset.on_demand:
        return plan.dataset.x.index.decoder.export_template
    return ARRAYS_TEMPLATE


def train_source(plan: RunPlan, class_name: str) -> str:
    """The text of train.py for the project `plan` was made from."""
    data = data_template(plan)
    pieces = [_template(TASK_TEMPLATES[plan.config.loss.type]), _template(data),
              *([_template(FILES_TEMPLATE)] if data != ARRAYS_TEMPLATE else []),
              *(_template(name) for name in SHARED_TEMPLATES)]
    imports = [_beside(statement) for piece in pieces for statement in piece[0]]
    bodies = [body for _, body in pieces]
    bodies[-1] = re.sub(rf"\b{MODEL_CLASS_TOKEN}\b", class_name, bodies[-1])
    local = frozenset(statement.module for statement in imports
                      if isinstance(statement, ast.ImportFrom) and statement.module
                      and "." not in statement.module and statement.module != "__future__"
                      and statement.module not in sys.stdlib_module_names
                      and _is_standalone(statement.module))
    uses_dtype = any(re.search(r"\bINPUT_DTYPE\b", body) for body in bodies)
    head = _docstring(plan, class_name) + "\n\n" + import_block(
        imports, {"model": ["INPUT_DTYPE", class_name] if uses_dtype else [class_name]},
        local)
    settings = "\n".join(_settings(plan.config, bf16_work(plan.analysis.nodes)))
    if _hands_on_time_first(plan):
        bodies.insert(1, TIME_FIRST_TASK)
    return head + "\n\n" + "\n\n\n".join([settings, *bodies]) + "\n"


TIME_FIRST_TASK = '''# the network hands its output on time-first ([steps, batch, ...]: TimeFirst),
# as the code it came from did: the loss and the figures read it batch-first
loss_of_batch_first, measure_batch_first = compute_loss, measure


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return loss_of_batch_first(outputs.transpose(0, 1), targets)


def measure(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    return measure_batch_first(outputs.transpose(0, 1), targets)'''


def _hands_on_time_first(plan: RunPlan) -> bool:
    spec = plan.analysis.nodes[plan.analysis.outputs[0]].spec
    return spec is not None and spec.ends_network
