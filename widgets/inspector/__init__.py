"""The property inspector: a form generated from the selected node's layer spec.

One editor per parameter, each checked by the parameter's own `check` when committed: a
value the spec accepts is sent to the application as the node's new params, one it refuses
is marked invalid with the spec's message and goes nowhere. Below the form: the node's
shapes, parameter count, problems and the layer's help.

    inspector = PropertyInspector()
    inspector.params_edited.connect(...)      # the application sets the params, then:
    inspector.show_node(node, report, problems)

Modules: inspector (the form), editors (one per parameter kind), parsing (typed text to
values), info (tensors, problems, about), style (labels and the invalid look).
"""

from widgets.inspector.inspector import EMPTY_MESSAGE, PropertyInspector, RenameCheck
from widgets.inspector.parsing import parse_float, parse_int_list, parse_size

__all__ = [
    "EMPTY_MESSAGE",
    "PropertyInspector",
    "RenameCheck",
    "parse_float",
    "parse_int_list",
    "parse_size",
]
