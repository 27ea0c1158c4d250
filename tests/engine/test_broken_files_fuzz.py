"""No file, however broken, makes the loader or the validator raise anything but a clean
ProjectError; the CLI answers every such file with exit 1 and a message."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis import analyse
from engine.cli import main
from engine.project import ProjectError, parse_project

ROOT = Path(__file__).parents[2]
SOURCES = [p.read_text() for p in sorted((ROOT / "projects").glob("*.ndproj"))]
SOURCES += [p.read_text() for p in sorted((ROOT / "tests/engine/architectures")
                                          .glob("*.ndproj"))][:4]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70) | st.integers() | st.floats(
        allow_nan=False, allow_infinity=False) | st.text(max_size=8)
    | st.sampled_from(["same", "valid", "Conv2d", "LSTM", "Add", "Input", "int64", "c1"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "type", "params", "shape", "kernel_size", "source", "target",
                         "target_port", "dim", "x"]) | st.text(max_size=5), inner,
        max_size=4),
    max_leaves=12)


def paths_of(value, prefix=()):
    """Every location inside a JSON document, as a tuple of keys and indices."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_of(item, (*prefix, index))


@st.composite
def mutated_documents(draw):
    document = json.loads(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 4))):
        locations = [p for p in paths_of(document) if p]
        if not locations:
            break
        where = draw(st.sampled_from(locations))
        parent = document
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[where[-1]] = draw(json_values)
        elif action == "delete":
            del parent[where[-1]]
        elif isinstance(parent, list):
            parent.append(parent[where[-1]])
    return json.dumps(document)


def load_and_check(text: str) -> None:
    try:
        project = parse_project(text)
    except ProjectError as error:
        assert error.problems and all(p.strip() for p in error.problems)
        return
    analysis = analyse(project.graph, project.training)
    for problem in analysis.problems:
        assert problem.message and problem.where


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_projects_load_cleanly_or_fail_with_a_message(text):
    load_and_check(text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SOURCES), st.data())
def test_truncated_and_corrupted_text_fails_with_a_message(source, data):
    cut = data.draw(st.integers(0, len(source)))
    noise = data.draw(st.text(max_size=3))
    load_and_check(source[:cut] + noise + source[cut + len(noise):])


@settings(max_examples=60, deadline=None)
@given(mutated_documents())
def test_the_validate_command_never_shows_a_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "broken.ndproj"
    path.write_text(text)
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    assert code in (0, 1)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert "internal error" not in err.getvalue()
    if code == 1:
        assert (out.getvalue() + err.getvalue()).strip()


# -- hostile values: ids nn.Module owns, sizes no machine holds, data that lies -----------

HOSTILE_IDS = ["code", "__class__", "__dict__", "__init__", "input_ids", "output_ids",
               "training", "forward", "_modules", "self", "torch", "x" * 300]
SIZE_PARAMS = ["out_features", "out_channels", "hidden_size", "embedding_dim", "n"]
_DATA_FOLDER: list[Path] = []


def hostile_data_folder() -> Path:
    """Data files that lie or never end, made once for every example."""
    if not _DATA_FOLDER:
        import tempfile

        from tests.engine import hostile_files

        folder = Path(tempfile.mkdtemp())
        for build in (hostile_files.fifo(".csv"), hostile_files.endless(".npz"),
                      hostile_files.lying_npz, hostile_files.pickled_member,
                      hostile_files.class_id_beyond_int64):
            build(folder)
        _DATA_FOLDER.append(folder)
    return _DATA_FOLDER[0]


@st.composite
def hostile_documents(draw):
    document = json.loads(draw(st.sampled_from(SOURCES)))
    nodes = document["graph"]["nodes"]
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(nodes))
        action = draw(st.sampled_from(["id", "size", "shape", "data"]))
        if action == "id":
            old, new = node["id"], draw(st.sampled_from(HOSTILE_IDS))
            node["id"] = new
            for edge in document["graph"]["edges"]:
                for end in ("source", "target"):
                    if edge[end] == old:
                        edge[end] = new
        elif action == "size":
            node.setdefault("params", {})[draw(st.sampled_from(SIZE_PARAMS))] = draw(
                st.integers(10**6, 10**15))
        elif action == "shape" and node["type"] == "Input":
            shape = node["params"]["shape"]
            shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(10**4, 10**9))
        elif action == "data" and document.get("training"):
            document["training"]["dataset"] = draw(st.sampled_from([
                {"path": str(hostile_data_folder() / "pipe.csv"), "target": "label"},
                {"path": str(hostile_data_folder() / "zero.npz")},
                {"path": str(hostile_data_folder() / "lying.npz")},
                {"path": str(hostile_data_folder() / "pickled.npz")},
                {"path": str(hostile_data_folder() / "big.csv"), "target": "label"},
                {"path": "p" * 5000},
            ]))
    return json.dumps(document)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_documents())
def test_hostile_values_are_refused_by_compile_and_training_preparation(text):
    """Past loading and validation: building the network and preparing a run refuse
    cleanly too (TrainingError or CompileError), and never allocate what does not fit."""
    import engine.capacity
    from engine.analysis import CompileError
    from engine.compiler import compile_graph
    from engine.training import TrainingError, plan_run

    real = engine.capacity.available_memory
    engine.capacity.available_memory = lambda: 256 * 1024**2
    try:
        try:
            project = parse_project(text)
        except ProjectError:
            return
        try:
            compile_graph(project.graph)
        except CompileError as error:
            assert error.problems and all(str(p) for p in error.problems)
        if project.training is not None:
            try:
                plan_run(project, epochs=1)
            except TrainingError as error:
                assert str(error).strip()
    finally:
        engine.capacity.available_memory = real
