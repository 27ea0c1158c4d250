"""The layer palette, driven with real key and mouse events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine.catalogue import CATALOGUE, CATEGORIES, by_category
from widgets.palette import LAYER_MIME, LayerPalette, layer_mime_data


@pytest.fixture
def palette(qtbot) -> LayerPalette:
    widget = LayerPalette()
    qtbot.addWidget(widget)
    widget.resize(280, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def matching(text: str) -> list[str]:
    """The oracle: layers whose name or help holds every word of `text`, any case."""
    words = text.casefold().split()
    return [spec.name for specs in by_category().values() for spec in specs
            if all(word in f"{spec.name}\n{spec.help}".casefold() for word in words)]


def row_centre(palette: LayerPalette, layer_type: str) -> QPoint:
    tree = palette.tree()
    item = palette.layer_item(layer_type)
    tree.scrollToItem(item)
    return tree.visualItemRect(item).center()


def double_click(widget, pos) -> None:
    """What a person's double-click delivers: press, release, double-click, release
    (QTest.mouseDClick alone sends only the double-click event)."""
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=pos)


def shown_categories(palette: LayerPalette) -> list[str]:
    tree = palette.tree()
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())
            if not tree.topLevelItem(i).isHidden()]


EVERY_ENTRY = [*CATALOGUE, *(f"{spec.name}:{preset.name}" for spec in CATALOGUE.values()
                            for preset in spec.presets)]
"""Each layer kind, and each preset the palette offers beside it (Operation's chunk, ...)."""


def test_lists_the_catalogue_by_category_in_palette_order(palette):
    tree = palette.tree()
    groups = by_category()
    assert shown_categories(palette) == [c for c in CATEGORIES if groups[c]]
    for index in range(tree.topLevelItemCount()):
        category = tree.topLevelItem(index)
        children = [category.child(i).text(0) for i in range(category.childCount())]
        assert children == [name for spec in groups[category.text(0)]
                            for name in (spec.name, *(p.name for p in spec.presets))]
        assert category.isExpanded()
    assert sorted(palette.visible_layers()) == sorted(EVERY_ENTRY)


def test_typing_filters_by_name_case_insensitively_and_hides_empty_categories(palette, qtbot):
    qtbot.keyClicks(palette.search_box(), "CONV2D")
    assert palette.visible_layers() == ["Conv2d"]
    assert shown_categories(palette) == ["Convolution"]


def test_typing_matches_the_help_text_too(palette, qtbot):
    qtbot.keyClicks(palette.search_box(), "Token")
    assert palette.visible_layers() == matching("token")
    assert {"Input", "Embedding"} <= set(palette.visible_layers())
    qtbot.keyClicks(palette.search_box(), " zzz")
    assert palette.visible_layers() == []
    assert not palette.tree().isVisible()


def test_every_word_must_match(palette, qtbot):
    qtbot.keyClicks(palette.search_box(), "pool 2d max")
    assert palette.visible_layers() == matching("pool 2d max")
    assert "MaxPool2d" in palette.visible_layers()
    assert "AvgPool2d" not in palette.visible_layers()


def test_escape_clears_the_search(palette, qtbot):
    search = palette.search_box()
    qtbot.keyClicks(search, "lstm")
    assert len(palette.visible_layers()) < len(CATALOGUE)
    QTest.keyClick(search, Qt.Key.Key_Escape)
    assert search.text() == ""
    assert sorted(palette.visible_layers()) == sorted(EVERY_ENTRY)
    assert shown_categories(palette) == [c for c in CATEGORIES if by_category()[c]]


def test_down_arrow_moves_into_the_list_and_enter_activates(palette, qtbot):
    search = palette.search_box()
    search.setFocus()
    qtbot.keyClicks(search, "lstm")
    QTest.keyClick(search, Qt.Key.Key_Down)
    tree = palette.tree()
    qtbot.waitUntil(tree.hasFocus)
    assert tree.currentItem().text(0) == "LSTM"  # the name match before help matches
    with qtbot.waitSignal(palette.layer_activated) as signal:
        QTest.keyClick(tree, Qt.Key.Key_Return)
    assert signal.args == ["LSTM"]


def test_up_on_the_first_row_goes_back_to_the_search_box(palette, qtbot):
    search = palette.search_box()
    search.setFocus()
    QTest.keyClick(search, Qt.Key.Key_Down)
    tree = palette.tree()
    qtbot.waitUntil(tree.hasFocus)
    QTest.keyClick(tree, Qt.Key.Key_Up)  # Input -> the Input category row
    QTest.keyClick(tree, Qt.Key.Key_Up)
    qtbot.waitUntil(search.hasFocus)


def test_enter_in_the_search_box_adds_the_best_match(palette, qtbot):
    search = palette.search_box()
    qtbot.keyClicks(search, "gru")
    with qtbot.waitSignal(palette.layer_activated) as signal:
        QTest.keyClick(search, Qt.Key.Key_Return)
    assert signal.args == ["GRU"]


def test_double_click_on_a_layer_emits_its_type(palette, qtbot):
    viewport = palette.tree().viewport()
    with qtbot.waitSignal(palette.layer_activated) as signal:
        double_click(viewport, row_centre(palette, "Conv2d"))
    assert signal.args == ["Conv2d"]


def test_single_click_and_category_rows_emit_nothing(palette, qtbot):
    tree = palette.tree()
    viewport = tree.viewport()
    category = tree.topLevelItem(1)
    with qtbot.assertNotEmitted(palette.layer_activated):
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton,
                         pos=row_centre(palette, "Linear"))
        double_click(viewport, tree.visualItemRect(category).center())
        tree.setCurrentItem(category)
        QTest.keyClick(tree, Qt.Key.Key_Return)


def test_dragging_a_layer_carries_its_type_name(palette):
    assert LAYER_MIME == "application/x-netdesigner-layer"
    tree = palette.tree()
    item = palette.layer_item("LSTM")
    assert item.flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert not tree.topLevelItem(0).flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert LAYER_MIME in tree.mimeTypes()

    mime = tree.mimeData([item])  # what QAbstractItemView.startDrag puts in the QDrag
    assert mime.hasFormat(LAYER_MIME)
    assert bytes(mime.data(LAYER_MIME)).decode("utf-8") == "LSTM"
    assert mime.text() == "LSTM"
    assert tree.mimeData([tree.topLevelItem(0)]) is None
    assert bytes(layer_mime_data("Conv1d").data(LAYER_MIME)) == b"Conv1d"


def test_tooltips_give_the_help_and_the_parameters(palette):
    tip = palette.layer_item("Conv2d").toolTip(0)
    spec = CATALOGUE["Conv2d"]
    assert spec.help.split(":")[0] in tip
    for param in spec.params:
        assert param.name in tip
    assert "No parameters" in palette.layer_item("ReLU").toolTip(0)


def test_an_operation_preset_is_found_by_what_it_does_and_carries_its_name(palette, qtbot):
    qtbot.keyClicks(palette.search_box(), "matrix product")
    assert palette.visible_layers() == ["Operation:matmul"]
    assert shown_categories(palette) == ["Operations"]
    with qtbot.waitSignal(palette.layer_activated) as activated:
        QTest.keyClick(palette.search_box(), Qt.Key.Key_Return)
    assert activated.args == ["Operation:matmul"]
