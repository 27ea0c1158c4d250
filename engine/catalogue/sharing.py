"""Layers that use another layer's weights (`shares`): one module called in several places,
as code calls self.conv at every step of a loop. The layer it names must hold weights of its
own, be of the same kind with the same settings, and get inputs that give its weights the
same shapes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.catalogue.spec import SHARES


def renamed(params: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """`params` with the layer they share weights with renamed as `names` says (a rename, or
    a paste that copies that layer too)."""
    owner = params.get(SHARES)
    return {**params, SHARES: names[owner]} if owner in names else params


def sharing_problems(reports: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(node id, why it cannot use the weights it names) for each such node, given the
    analysis's node reports (spec, params, inputs)."""
    for node_id, report in reports.items():
        if report.params is None or not report.params.get(SHARES):
            continue
        owner_id = report.params[SHARES]
        owner = reports.get(owner_id)
        if owner_id == node_id:
            yield node_id, "shares its own weights; leave shares empty"
        elif owner is None:
            yield node_id, (f"shares the weights of '{owner_id}', which is not in the "
                            "network; name another layer or leave shares empty")
        elif owner.spec is not report.spec:
            kind = owner.spec.name if owner.spec else "layer of an unknown kind"
            yield node_id, (f"shares the weights of '{owner_id}', which is {_a(kind)}, "
                            f"not {_a(report.spec.name)}")
        elif owner.params is None:
            continue  # its own problem is reported
        elif owner.params.get(SHARES):
            yield node_id, (f"shares the weights of '{owner_id}', which uses another "
                            f"layer's; name '{owner.params[SHARES]}' instead")
        else:
            yield from _settings_differ(node_id, report, owner_id, owner)


def _settings_differ(node_id: str, report: Any, owner_id: str,
                     owner: Any) -> Iterator[tuple[str, str]]:
    differ = [name for name in report.params
              if name != SHARES and report.params[name] != owner.params.get(name)]
    if differ:
        yield node_id, (f"shares the weights of '{owner_id}' but its {differ[0]} is "
                        f"{report.params[differ[0]]!r} where that one's is "
                        f"{owner.params.get(differ[0])!r}; a shared layer is one module, "
                        "with one setting of each")
        return
    if not report.inputs or not owner.inputs or report.output is None:
        return
    mine = _weight_shapes(report)
    theirs = _weight_shapes(owner)
    if mine != theirs:
        yield node_id, (f"shares the weights of '{owner_id}', but its input "
                        f"{report.inputs[0]} would give them other shapes than "
                        f"'{owner_id}''s input {owner.inputs[0]} does")


def _weight_shapes(report: Any) -> dict[str, tuple[int, ...]]:
    own = {name: value for name, value in report.params.items() if name != SHARES}
    module = report.spec.module(own, report.inputs)
    if module is None or not hasattr(module, "state_dict"):
        return {}
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def _a(kind: str) -> str:
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"
