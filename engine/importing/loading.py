"""Running the user's Python file and building the class it names.

This executes the user's own code, as `python model.py` would: importing a model is asking
for exactly that (project files, by contrast, are never executed). Every way it can fail
ends in ImportProblem naming the file and, where there is one, the line.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from torch import nn

from engine.catalogue import closest
from engine.importing.problems import ImportProblem

DTYPES = ("float32", "int64", "bool")
_counter = itertools.count()


@dataclass
class LoadedClass:
    module: nn.Module
    """An instance, built with no arguments."""
    input_shape: tuple[int, ...] | None
    """The file's INPUT_SHAPE (no batch dimension), if it declares one."""
    input_dtype: str | None
    """The file's INPUT_DTYPE, if it declares one."""


def init_arguments(text: str | None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """What a class is built with, written as in a call: `32, 1, 37, nh=256`. Only
    literals (numbers, text, True/False/None, tuples, lists and dicts of them): nothing is
    run. Raises ImportProblem saying what is not one."""
    if not text or not text.strip():
        return (), {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise ImportProblem(f"the class's arguments {text!r} are not written as in a call: "
                            "give them as 32, 1, num_layers=2") from None
    if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        raise ImportProblem(f"the class's arguments {text!r} are not written as in a call: "
                            "give them as 32, 1, num_layers=2, without * or **")
    try:
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except ValueError:
        raise ImportProblem(f"the class's arguments {text!r} hold something that is not a "
                            "number, text, True/False/None or a tuple, list or dict of "
                            "them") from None
    return args, kwargs


def load_class(path: Path, class_name: str, shown: str, init: str | None = None
               ) -> LoadedClass:
    """Run the file at `path` and instantiate `class_name` from it, with the arguments
    `init` writes (none by default); `shown` is how messages name the file."""
    args, kwargs = init_arguments(init)
    module = _run_file(path, shown)
    cls = getattr(module, class_name, None)
    if cls is None:
        defined = _module_classes(module)
        guess = closest(class_name, defined)
        hint = (f"; did you mean {guess}?" if guess else
                f"; it defines {', '.join(defined)}" if defined else
                "; it defines no torch.nn.Module class")
        raise ImportProblem(f"{shown}: there is no class {class_name}{hint}")
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        raise ImportProblem(f"{shown}: {class_name} is not a torch.nn.Module class")
    try:
        instance = cls(*args, **kwargs)
    except Exception as error:
        where = _innermost_line(error, path, shown) or shown
        if init and init.strip():
            raise ImportProblem(f"{where}: {class_name}({init.strip()}) failed: "
                                f"{_describe(error)}") from None
        raise ImportProblem(f"{where}: {class_name}() failed: {_describe(error)}; importing "
                            "builds the class with no arguments unless given them (--init "
                            "'32, 1, num_layers=2', the Import dialog's Arguments), or give "
                            "every argument of __init__ a default") from None
    return LoadedClass(instance, _declared_shape(module, shown), _declared_dtype(module, shown))


def _run_file(path: Path, shown: str) -> ModuleType:
    if not path.is_file():
        raise ImportProblem(f"{shown}: no such file" if not path.exists()
                            else f"{shown}: this is not a file")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportProblem(f"{shown}: cannot be read: {error}") from None
    try:
        compile(source, str(path), "exec")
    except SyntaxError as error:
        raise ImportProblem(f"{shown}:{error.lineno}: {error.msg} (the file is not valid "
                            "Python)") from None
    # a private module name, so the user's file never shadows a real module
    name = f"netdesigner_import_{next(_counter)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # as `python model.py` would: its folder comes first for its own imports, and it is in
    # sys.modules while it runs (dataclasses and pickling look it up there)
    sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    # and without leaving a __pycache__ in the user's folder
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        where = _innermost_line(error, path, shown) or shown
        raise ImportProblem(f"{where}: running the file failed: {_describe(error)}") from None
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(path.parent))
        sys.modules.pop(name, None)
    return module


def _module_classes(module: ModuleType) -> list[str]:
    return [name for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, nn.Module)
            and value.__module__ == module.__name__]


def _declared_shape(module: ModuleType, shown: str) -> tuple[int, ...] | None:
    value = getattr(module, "INPUT_SHAPE", None)
    if value is None:
        return None
    problem = shape_problem(value)
    if problem:
        raise ImportProblem(f"{shown}: INPUT_SHAPE {problem}")
    return tuple(value)


def shape_problem(value: Any) -> str | None:
    """Why `value` is not a sample shape (positive sizes, no batch dimension), or None."""
    if (not isinstance(value, Sequence) or isinstance(value, str) or not value
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                       for d in value)):
        return (f"must be a tuple of positive sizes without the batch dimension, such as "
                f"(1, 28, 28), not {value!r}")
    return None


def _declared_dtype(module: ModuleType, shown: str) -> str | None:
    value = getattr(module, "INPUT_DTYPE", None)
    if value is None:
        return None
    text = str(value).removeprefix("torch.")
    if text not in DTYPES:
        raise ImportProblem(f"{shown}: INPUT_DTYPE must be one of {', '.join(DTYPES)}, "
                            f"not {value!r}")
    return text


def _innermost_line(error: BaseException, path: Path, shown: str) -> str | None:
    """'model.py:12' for the deepest frame of the error's traceback inside the user's file."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename) == path]
    return f"{shown}:{frames[-1].lineno}" if frames else None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
