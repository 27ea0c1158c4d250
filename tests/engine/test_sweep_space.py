"""What a sweep may vary, as the project file stores it: checked against the catalogue's
limits and the training settings' before any trial runs, and the project it makes at a
point."""

from __future__ import annotations

import pytest

from engine.blocks import Block
from engine.project import dumps_project, load_project, parse_project, save_project
from engine.sweeps import SweepError, read_sweep, suggested_range
from engine.sweeps.points import grid, invalid_space_problem, project_at
from engine.sweeps.results import TrialRow, best_row, pareto_rows, smallest_within
from engine.sweeps.work import prepare
from tests.engine.sweep_helpers import swept_project


def test_the_search_space_round_trips_through_save_and_load(tmp_path):
    project = swept_project(tmp_path, objectives=["metric", "macs"], sampler="random",
                            trials=7)
    loaded = load_project(tmp_path / "tiny.ndproj")
    assert loaded == project
    assert loaded.sweep["vary"][1] == {"training": "lr", "low": 0.001, "high": 0.1,
                                       "log": True}
    text = dumps_project(loaded)
    assert '"version": 3' in text and '"sweep": {' in text
    assert parse_project(text) == loaded


def test_a_project_without_a_sweep_is_still_written_as_format_2(tmp_path):
    project = swept_project(tmp_path)
    project.sweep = None
    assert '"version": 2' in dumps_project(project)
    save_project(project, tmp_path / "plain.ndproj")
    assert load_project(tmp_path / "plain.ndproj").sweep is None


def test_a_sweep_that_is_not_an_object_is_a_sentence_on_load():
    text = ('{"format": "netdesigner.project", "version": 3, "graph": {"nodes": [], '
            '"edges": []}, "sweep": [1, 2]}')
    with pytest.raises(Exception, match="\"sweep\" must be an object"):
        parse_project(text)


@pytest.mark.parametrize(("entry", "sentence"), [
    ({"node": "gone", "param": "out_features", "low": 4, "high": 8},
     "no layer 'gone'"),
    ({"node": "n1", "param": "width", "low": 4, "high": 8}, "has no parameter 'width'"),
    ({"node": "n1", "param": "out_features", "low": 0, "high": 8},
     "out_features must be an integer"),
    ({"node": "n3", "param": "p", "low": 0.1, "high": 1.5}, "p must be a number"),
    ({"node": "n1", "param": "out_features", "low": 8, "high": 4}, "must be below"),
    ({"training": "weight_decay", "low": 0, "high": 0.1, "log": True},
     "must start above 0"),
    ({"training": "lr", "low": 0, "high": 0.1}, "lr must be a number from 1e-08"),
    ({"training": "momentum", "low": 0.1, "high": 0.9}, "cannot vary"),
    ({"training": "optimizer", "low": 1, "high": 2}, "takes a list of \"choices\""),
    ({"training": "optimizer", "choices": ["Adam", "Adamm"]}, "must be one of"),
    ({"node": "n1", "param": "out_features", "low": 4.5, "high": 8}, "must be an integer"),
    ({"block": "stage", "low": 1, "high": 3}, "no block 'stage'"),
    ({"node": "n1", "block": "b", "param": "x"}, "exactly one of"),
])
def test_what_cannot_vary_is_a_sentence_naming_it(tmp_path, entry, sentence):
    project = swept_project(tmp_path, vary=[entry])
    with pytest.raises(SweepError) as caught:
        read_sweep(project.sweep, project.graph)
    assert any(sentence in problem for problem in caught.value.problems), \
        caught.value.problems


@pytest.mark.parametrize(("settings", "sentence"), [
    ({"objectives": ["macs"]}, "\"objectives\" must be"),
    ({"sampler": "bayes"}, "\"sampler\" must be one of tpe, random, grid"),
    ({"pruner": "sometimes"}, "\"pruner\" must be one of"),
    ({"trials": -1}, "number of trials"),
    ({"study": "../escape"}, "a study's name"),
    ({"timeout": 0}, "time budget"),
])
def test_bad_sweep_settings_are_sentences(tmp_path, settings, sentence):
    project = swept_project(tmp_path, **settings)
    with pytest.raises(SweepError, match=sentence):
        read_sweep(project.sweep, project.graph)


def test_the_same_parameter_twice_is_refused(tmp_path):
    entry = {"training": "lr", "low": 0.001, "high": 0.1}
    project = swept_project(tmp_path, vary=[entry, entry])
    with pytest.raises(SweepError, match="varies lr more than once"):
        read_sweep(project.sweep, project.graph)


def test_a_space_whose_every_point_is_invalid_is_refused_with_the_analysis_reason(tmp_path):
    # a Conv1d kernel longer than any input it can get: no point of the range fits
    project = swept_project(tmp_path, vary=[
        {"node": "n0", "param": "shape", "choices": [[4], [3]]},
        {"node": "n1", "param": "out_features", "low": 4, "high": 8}])
    project.graph.nodes["n1"].type = "Conv1d"
    project.graph.nodes["n1"].params = {"out_channels": 4, "kernel_size": 9}
    project.sweep["vary"][1] = {"node": "n1", "param": "kernel_size", "low": 9, "high": 12}
    with pytest.raises(SweepError) as caught:
        prepare(project)
    message = str(caught.value)
    assert "every point of the search space tried" in message
    assert "n1.kernel_size=" in message


def test_a_space_with_some_invalid_points_is_accepted(tmp_path):
    project = swept_project(tmp_path)
    assert invalid_space_problem(project, read_sweep(project.sweep, project.graph).varied) \
        is None


def test_a_point_sets_layer_block_and_training_values(tmp_path):
    project = swept_project(tmp_path, vary=[
        {"node": "n1", "param": "out_features", "low": 4, "high": 32},
        {"node": "n3", "param": "p", "low": 0.0, "high": 0.5},
        {"block": "stage", "low": 1, "high": 3},
        {"training": "lr", "low": 0.001, "high": 0.1, "log": True},
        {"training": "optimizer", "choices": ["SGD", "AdamW"]},
        {"training": "batch_size", "choices": [8, 32]}])
    project.graph.blocks["stage"] = Block("stage", ["n1", "n2"])
    sweep = read_sweep(project.sweep, project.graph)
    point = project_at(project, sweep.varied, {
        "n1.out_features": 24, "n3.p": 0.25, "stage.repeat": 3, "lr": 0.02,
        "optimizer": "SGD", "batch_size": 8})
    assert point.graph.nodes["n1"].params["out_features"] == 24
    assert point.graph.nodes["n3"].params["p"] == 0.25
    assert point.graph.blocks["stage"].repeat == 3
    assert point.training["optimizer"] == {"type": "SGD", "lr": 0.02}
    assert point.training["batch_size"] == 8
    # the project itself is untouched
    assert project.graph.nodes["n1"].params["out_features"] == 16
    assert project.graph.blocks["stage"].repeat == 1
    assert project.training["optimizer"] == {"type": "Adam", "lr": 0.01}


def test_ranges_are_prefilled_from_the_catalogue_and_the_current_value(tmp_path):
    project = swept_project(tmp_path)
    graph, training = project.graph, project.training
    assert suggested_range(graph, training, "node", "n1", "out_features") == {
        "node": "n1", "param": "out_features", "low": 8, "high": 32, "log": True}
    assert suggested_range(graph, training, "node", "n3", "p") == {
        "node": "n3", "param": "p", "low": 0.0, "high": 0.5}
    assert suggested_range(graph, training, "training", "lr", "lr") == {
        "training": "lr", "low": 0.001, "high": 0.1, "log": True}
    assert suggested_range(graph, training, "training", "optimizer", "optimizer")[
        "choices"] == ["SGD", "Adam", "AdamW", "RMSprop"]
    # every prefilled range is one the sweep accepts
    for where, owner, param in [("node", "n1", "out_features"), ("node", "n3", "p"),
                                ("training", "lr", "lr"),
                                ("training", "batch_size", "batch_size"),
                                ("training", "epochs", "epochs")]:
        entry = suggested_range(graph, training, where, owner, param)
        read_sweep({"vary": [entry]}, graph)


def test_a_grid_enumerates_steps_choices_and_spaced_floats(tmp_path):
    project = swept_project(tmp_path, vary=[
        {"node": "n1", "param": "out_features", "low": 4, "high": 16, "step": 4},
        {"training": "lr", "low": 0.001, "high": 0.1, "log": True},
        {"training": "optimizer", "choices": ["SGD", "Adam"]}])
    space = grid(read_sweep(project.sweep, project.graph).varied)
    assert space["n1.out_features"] == [4, 8, 12, 16]
    assert space["lr"] == pytest.approx([0.001, 0.00316, 0.01, 0.0316, 0.1], rel=1e-2)
    assert space["optimizer"] == ["SGD", "Adam"]


def test_a_grid_too_large_to_try_is_refused(tmp_path):
    project = swept_project(tmp_path, vary=[
        {"node": "n1", "param": "out_features", "low": 1, "high": 4096},
        {"training": "batch_size", "low": 1, "high": 64}])
    with pytest.raises(SweepError, match="the grid has 262,144 points"):
        grid(read_sweep(project.sweep, project.graph).varied)


def _row(number, metric, cost, state="complete"):
    return TrialRow(number, state, {}, metric, cost, macs=int(cost))


def test_the_pareto_front_keeps_what_nothing_beats_on_both():
    rows = [_row(0, 0.90, 1000), _row(1, 0.95, 4000), _row(2, 0.89, 3000),
            _row(3, 0.945, 1500), _row(4, 0.99, 9000, "pruned")]
    assert [r.number for r in pareto_rows(rows, maximize=True)] == [0, 3, 1]
    assert best_row(rows, maximize=True).number == 1
    assert smallest_within(rows, maximize=True).number == 3
    # for a metric to minimise (mean absolute error) the front turns round
    assert [r.number for r in pareto_rows(rows, maximize=False)] == [0, 2]


def test_each_choice_of_objectives_has_a_study_of_its_own_by_default(tmp_path):
    project = swept_project(tmp_path)
    assert read_sweep(project.sweep, project.graph).study == "sweep"
    for cost in ("macs", "parameters"):
        sweep = read_sweep({**project.sweep, "objectives": ["metric", cost]}, project.graph)
        assert sweep.study == f"sweep-{cost}" and sweep.objectives == ["metric", cost]
    named = read_sweep({**project.sweep, "objectives": ["metric", "macs"], "study": "mine"},
                       project.graph)
    assert named.study == "mine"
