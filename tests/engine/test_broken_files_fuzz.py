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
