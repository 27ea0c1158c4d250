"""The property inspector, edited the way a person edits it: typing, arrows, clicks, Enter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox

from engine.analysis import NodeReport, Problem
from engine.catalogue import CATALOGUE, TensorInfo, spec_for
from engine.graph import Edge, Node
from widgets.inspector import EMPTY_MESSAGE, PropertyInspector


@pytest.fixture
def inspector(qtbot) -> PropertyInspector:
    widget = PropertyInspector()
    qtbot.addWidget(widget)
    widget.resize(280, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def edits(inspector) -> list[tuple[str, dict]]:
    received: list[tuple[str, dict]] = []
    inspector.params_edited.connect(lambda node_id, params: received.append((node_id, params)))
    return received


def type_into(editor, text: str) -> None:
    """Focus, select what is there, type `text` and press Enter, as a person would."""
    target = editor.lineEdit() if isinstance(editor, QComboBox) else editor
    editor.setFocus()
    QTest.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(target, Qt.Key.Key_Backspace)
    QTest.keyClicks(target, text)
    QTest.keyClick(target, Qt.Key.Key_Return)


def conv(params: dict | None = None) -> Node:
    return Node("conv", "Conv2d", {"padding": "same"} if params is None else params)


# the form


def test_empty_state_asks_for_a_selection(inspector):
    inspector.show_node(None)
    message = inspector.findChild(QLabel, "empty_message")
    assert message.isVisible()
    assert message.text() == EMPTY_MESSAGE
    assert inspector.node_id() is None


@pytest.mark.parametrize("layer_type", sorted(CATALOGUE))
def test_every_layer_gets_an_editor_per_parameter_showing_valid_defaults(inspector,
                                                                         layer_type):
    inspector.show_node(Node("n", layer_type))
    spec = spec_for(layer_type)
    for param in spec.params:
        editor = inspector.editor(param.name)
        assert editor is not None and editor.isVisible(), param.name
        assert param.help in editor.toolTip()
        assert inspector.error_text(param.name) == ""
    assert inspector.id_editor().text() == "n"


def test_editor_kinds_follow_the_parameter_kinds(inspector):
    inspector.show_node(conv())
    assert isinstance(inspector.editor("out_channels"), QSpinBox)
    assert isinstance(inspector.editor("bias"), QCheckBox)
    assert isinstance(inspector.editor("padding_mode"), QComboBox)
    assert isinstance(inspector.editor("kernel_size"), QLineEdit)
    padding = inspector.editor("padding")  # a size with keywords: typed, or picked
    assert isinstance(padding, QComboBox) and padding.isEditable()
    assert padding.lineEdit().text() == "same"
    assert inspector.editor("out_channels").value() == 16


# editing each kind of parameter


def test_typing_an_integer_emits_the_complete_params(inspector, edits):
    inspector.show_node(conv())
    type_into(inspector.editor("out_channels"), "64")
    assert edits == [("conv", {"padding": "same", "out_channels": 64})]


def test_arrow_keys_step_an_integer_within_its_range(inspector, edits):
    inspector.show_node(conv({"out_channels": 2}))
    spin = inspector.editor("out_channels")
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_Down)
    assert edits == [("conv", {"out_channels": 1})]
    QTest.keyClick(spin, Qt.Key.Key_Down)  # 1 is the minimum: no further
    assert spin.value() == 1
    assert len(edits) == 1


def test_an_integer_out_of_range_is_shown_invalid_and_not_applied(inspector, edits):
    inspector.show_node(conv())
    spin = inspector.editor("out_channels")
    type_into(spin, "0")
    assert edits == []
    assert "out_channels must be an integer ≥ 1, not 0" in inspector.error_text("out_channels")
    assert spin.property("invalid") is True
    type_into(spin, "8")  # fixing it clears the mark
    assert edits == [("conv", {"padding": "same", "out_channels": 8})]
    assert inspector.error_text("out_channels") == ""
    assert spin.property("invalid") is False


def test_an_optional_integer_takes_none(inspector, edits):
    inspector.show_node(Node("embed", "Embedding", {}))
    spin = inspector.editor("padding_idx")
    assert spin.text() == "none"
    type_into(spin, "0")
    type_into(spin, "none")
    assert edits == [("embed", {"padding_idx": 0}), ("embed", {"padding_idx": None})]


def test_a_float_accepts_scientific_notation(inspector, edits):
    inspector.show_node(Node("bn", "BatchNorm2d", {"momentum": 0.2}))
    type_into(inspector.editor("eps"), "1e-3")
    assert edits == [("bn", {"momentum": 0.2, "eps": 0.001})]
    assert inspector.editor("eps").text() == "0.001"


@pytest.mark.parametrize(("text", "message"), [
    ("1.5", "momentum must be a number from 0 up to 1, not 1.5"),
    ("fast", "momentum must be a number from 0 up to 1, not 'fast'"),
])
def test_an_invalid_float_is_shown_and_not_applied(inspector, edits, text, message):
    inspector.show_node(Node("bn", "BatchNorm2d"))
    type_into(inspector.editor("momentum"), text)
    assert edits == []
    assert inspector.error_text("momentum") == message
    assert inspector.editor("momentum").property("invalid") is True


def test_a_checkbox_toggles_a_bool(inspector, edits, qtbot):
    inspector.show_node(conv())
    box = inspector.editor("bias")
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    assert edits == [("conv", {"padding": "same", "bias": False})]
    box.setFocus()
    QTest.keyClick(box, Qt.Key.Key_Space)
    assert edits[-1] == ("conv", {"padding": "same", "bias": True})


def test_a_combo_box_picks_a_choice(inspector, edits):
    inspector.show_node(conv())
    combo = inspector.editor("padding_mode")
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert edits == [("conv", {"padding": "same", "padding_mode": "reflect"})]


@pytest.mark.parametrize(("text", "value"), [
    ("5", 5), ("5, 3", [5, 3]), ("[5, 5]", [5, 5]), ("(1 3)", [1, 3]),
])
def test_a_size_takes_one_number_or_one_per_dimension(inspector, edits, text, value):
    inspector.show_node(conv())
    type_into(inspector.editor("kernel_size"), text)
    assert edits == [("conv", {"padding": "same", "kernel_size": value})]


@pytest.mark.parametrize(("text", "value"), [("valid", "valid"), ("SAME", "same"),
                                             ("2, 1", [2, 1])])
def test_a_size_with_keywords_takes_them_typed(inspector, edits, text, value):
    inspector.show_node(conv({"padding": 1}))
    type_into(inspector.editor("padding"), text)
    assert edits == [("conv", {"padding": value})]


def test_a_size_keyword_can_be_picked_from_its_list(inspector, edits):
    inspector.show_node(conv({}))
    combo = inspector.editor("padding")
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)  # the list holds 'same' and 'valid'
    assert edits and edits[-1][1]["padding"] in ("same", "valid")


def test_an_optional_size_takes_none(inspector, edits):
    inspector.show_node(Node("pool", "MaxPool2d", {"stride": 1}))
    type_into(inspector.editor("stride"), "none")
    assert edits == [("pool", {"stride": None})]


@pytest.mark.parametrize(("text", "message"), [
    ("3, x", "kernel_size must be a positive integer or a list of 2 of them, not '3, x'"),
    ("3, 3, 3", "kernel_size must be a positive integer or a list of 2 of them, not [3, 3, 3]"),
    ("0", "kernel_size must be a positive integer or a list of 2 of them, not 0"),
    ("", "kernel_size must be a positive integer or a list of 2 of them, not ''"),
])
def test_an_invalid_size_is_shown_and_not_applied(inspector, edits, text, message):
    inspector.show_node(conv())
    editor = inspector.editor("kernel_size")
    type_into(editor, text)
    assert edits == []
    assert inspector.error_text("kernel_size") == message
    assert editor.property("invalid") is True
    assert editor.text() == text  # left as typed, to be corrected


def test_an_int_list_takes_comma_separated_numbers(inspector, edits):
    inspector.show_node(Node("input", "Input"))
    editor = inspector.editor("shape")
    assert editor.text() == "1, 28, 28"
    type_into(editor, "3, 32,32")
    type_into(editor, "[1 28 28]")
    assert edits == [("input", {"shape": [3, 32, 32]}), ("input", {"shape": [1, 28, 28]})]
    assert editor.text() == "1, 28, 28"


def test_an_int_list_may_hold_one_minus_one_where_allowed(inspector, edits):
    inspector.show_node(Node("r", "Reshape"))
    type_into(inspector.editor("shape"), "-1, 4")
    assert edits == [("r", {"shape": [-1, 4]})]
    type_into(inspector.editor("shape"), "-1, -1")
    assert "at most one -1" in inspector.error_text("shape")
    assert len(edits) == 1


def test_an_unchanged_value_emits_nothing(inspector, edits):
    inspector.show_node(conv())
    type_into(inspector.editor("out_channels"), "16")
    type_into(inspector.editor("padding"), "same")
    assert edits == []


def test_edits_build_on_each_other_before_the_node_is_shown_again(inspector, edits):
    inspector.show_node(conv({}))
    type_into(inspector.editor("out_channels"), "32")
    type_into(inspector.editor("kernel_size"), "5")
    assert edits[-1] == ("conv", {"out_channels": 32, "kernel_size": 5})


def test_read_only_blocks_edits(inspector, edits):
    inspector.show_node(conv())
    inspector.set_read_only(True)
    assert inspector.is_read_only()
    type_into(inspector.editor("out_channels"), "64")
    type_into(inspector.editor("kernel_size"), "5")
    assert edits == []
    assert inspector.editor("out_channels").isReadOnly()
    assert not inspector.editor("bias").isEnabled()
    inspector.set_read_only(False)
    type_into(inspector.editor("kernel_size"), "5")
    assert edits == [("conv", {"padding": "same", "kernel_size": 5})]


# renaming


def test_rename_emits_old_and_new_id(inspector, qtbot):
    inspector.show_node(conv())
    with qtbot.waitSignal(inspector.rename_requested) as signal:
        type_into(inspector.id_editor(), "features")
    assert signal.args == ["conv", "features"]
    assert inspector.rename_error_text() == ""


@pytest.mark.parametrize(("new_id", "reason"), [
    ("2conv", "use letters, digits and _ only"),
    ("my layer", "use letters, digits and _ only"),
    ("class", "reserved word"),
    ("", "a layer needs a name"),
])
def test_an_invalid_id_shows_why(inspector, qtbot, new_id, reason):
    inspector.show_node(conv())
    with qtbot.assertNotEmitted(inspector.rename_requested):
        type_into(inspector.id_editor(), new_id)
    assert reason in inspector.rename_error_text()
    assert inspector.id_editor().property("invalid") is True


def test_a_taken_id_shows_the_applications_reason(inspector, qtbot):
    inspector.set_rename_check(
        lambda new_id: f"a node named '{new_id}' already exists" if new_id == "fc" else None)
    inspector.show_node(conv())
    with qtbot.assertNotEmitted(inspector.rename_requested):
        type_into(inspector.id_editor(), "fc")
    assert "a node named 'fc' already exists" in inspector.rename_error_text()
    with qtbot.waitSignal(inspector.rename_requested):
        type_into(inspector.id_editor(), "fc2")
    assert inspector.rename_error_text() == ""


def test_the_renamed_node_is_updated_in_place(inspector, qtbot):
    inspector.show_node(conv())
    id_edit = inspector.id_editor()
    spin = inspector.editor("out_channels")
    inspector.rename_requested.connect(
        lambda old, new: inspector.show_node(Node(new, "Conv2d", {"padding": "same"})))
    type_into(id_edit, "features")
    assert inspector.node_id() == "features"
    assert inspector.id_editor() is id_edit and inspector.editor("out_channels") is spin


# re-showing the node after an edit


def test_reshowing_the_same_node_keeps_the_editor_and_its_focus(inspector, qtbot):
    inspector.activateWindow()
    inspector.show_node(conv())
    spin = inspector.editor("out_channels")
    # the application applies each edit and shows the node again, as the designer does
    inspector.params_edited.connect(
        lambda node_id, params: inspector.show_node(Node(node_id, "Conv2d", params)))
    type_into(spin, "48")
    qtbot.waitUntil(spin.hasFocus)
    assert inspector.editor("out_channels") is spin
    assert spin.value() == 48
    QTest.keyClick(spin, Qt.Key.Key_Up)  # still the editor in use
    assert spin.value() == 49 and spin.hasFocus()


def test_reshowing_keeps_an_invalid_entry_being_typed(inspector, qtbot):
    inspector.activateWindow()
    inspector.show_node(conv())
    editor = inspector.editor("kernel_size")
    type_into(editor, "3, x")
    qtbot.waitUntil(editor.hasFocus)
    inspector.show_node(conv(), NodeReport(spec_for("Conv2d"), None))  # e.g. new analysis
    assert editor.text() == "3, x"
    assert inspector.error_text("kernel_size")


def test_a_changed_value_from_outside_is_shown(inspector):
    inspector.show_node(conv())
    kernel = inspector.editor("kernel_size")
    inspector.show_node(conv({"kernel_size": [5, 3], "padding": "same"}))  # an undo, say
    assert kernel.text() == "5, 3"


def test_another_node_gets_a_new_form_and_half_typed_text_goes_nowhere(inspector, edits):
    inspector.show_node(conv())
    spin = inspector.editor("out_channels")
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(spin, "99")  # no Enter
    inspector.show_node(Node("conv_b", "Conv2d"))
    assert inspector.editor("out_channels") is not spin
    assert inspector.editor("out_channels").value() == 16
    assert edits == []


# what the inspector tells about the node


def test_shows_shapes_parameter_count_problems_and_help(inspector):
    report = NodeReport(spec_for("Conv2d"), None, inputs=[TensorInfo((1, 28, 28))],
                        output=TensorInfo((32, 28, 28)), param_count=12345)
    problem = Problem("warning", "node 'conv' (Conv2d)", "feeds nothing; connect it",
                      node="conv")
    inspector.show_node(conv(), report, [problem])
    info = inspector.info_text()
    assert "Input: [1, 28, 28]" in info
    assert "Output: [32, 28, 28]" in info
    assert "Parameters: 12,345" in info
    assert "warning: feeds nothing; connect it" in info
    assert inspector.findChild(QLabel, "output_shape").text() == "[32, 28, 28]"
    assert spec_for("Conv2d").help in inspector.findChild(QLabel, "help_text").text()


def test_a_layer_applied_to_each_frame_of_a_clip_says_so(inspector):
    report = NodeReport(spec_for("Conv2d"), None, inputs=[TensorInfo((12, 1, 16, 16))],
                        output=TensorInfo((12, 16, 16, 16)), param_count=160, frames=12)
    inspector.show_node(conv(), report, [])
    info = inspector.info_text()
    assert "Output: [12, 16, 16, 16]" in info
    assert "Per frame: applied to each of the 12 frames of the clip, with the same " \
        "weights." in info


def test_shows_every_input_of_a_merge_and_an_unknown_output(inspector):
    report = NodeReport(spec_for("Add"), None,
                        inputs=[TensorInfo((16, 8, 8)), TensorInfo((16, 4, 4))])
    problem = Problem("error", "node 'add' (Add)", "inputs differ", node="add")
    edge_problem = Problem("error", "edge x → add", "there is no node 'x'",
                           edge=Edge("x", "add"), node="add")
    inspector.show_node(Node("add", "Add"), report, [problem, edge_problem])
    info = inspector.info_text()
    assert "Inputs: 0: [16, 8, 8]; 1: [16, 4, 4]" in info
    assert "Output: unknown" in info
    assert "error: inputs differ" in info and "there is no node 'x'" in info


def test_without_a_report_shapes_are_left_blank(inspector):
    inspector.show_node(conv())
    assert "Output: —" in inspector.info_text()


def test_a_node_of_an_unknown_type_still_shows(inspector):
    inspector.show_node(Node("odd", "Conv4d", {"x": 1}))
    assert inspector.node_id() == "odd"
    assert inspector.editor("x") is None
    assert inspector.findChild(QLabel, "raw_x").text() == "1"


def test_invalid_stored_values_are_flagged_when_shown(inspector):
    inspector.show_node(conv({"out_channels": "abc", "kernel_size": [3, 3, 3]}))
    assert "out_channels must be an integer ≥ 1, not 'abc'" in inspector.error_text(
        "out_channels")
    assert "not [3, 3, 3]" in inspector.error_text("kernel_size")
    assert inspector.editor("kernel_size").text() == "3, 3, 3"
    assert inspector.error_text("stride") == ""


# operation nodes


def test_an_operations_call_and_arguments_are_typed_as_text_and_json(inspector, edits):
    inspector.show_node(Node("op", "Operation", {}))
    type_into(inspector.editor("call"), "torch.chunk")
    type_into(inspector.editor("args"), '[{"input": 0}, 2]')
    type_into(inspector.editor("kwargs"), '{"dim": 1}')
    assert [params for _, params in edits][-1]["kwargs"] == {"dim": 1}
    assert edits[0][1]["call"] == "torch.chunk"
    assert edits[1][1]["args"] == [{"input": 0}, 2]
    assert inspector.editor("args").text() == '[{"input": 0}, 2]'


@pytest.mark.parametrize(("field", "text", "words"), [
    ("call", "os.system", "'os.system' is not an operation Netdesigner runs"),
    ("args", "[{input: 0}]", "args is not JSON"),
    ("args", '[{"lambda": 0}]', "is not an argument"),
    ("kwargs", '{"not a name": 1}', "must name each argument by a Python identifier"),
])
def test_an_operation_that_cannot_be_stored_is_shown_invalid(inspector, edits, field, text,
                                                             words):
    inspector.show_node(Node("op", "Operation", {}))
    type_into(inspector.editor(field), text)
    assert edits == []
    assert words in inspector.error_text(field)
