"""A clip dataset's options (the dataset entry beside its path) and the fitting the
network's Input asks for, each checked with a sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError
from engine.data.samples import BadSamples
from engine.data.standalone import clip_reading
from engine.data.standalone.clip_reading import ClipError, Fitting
from engine.data.standalone.layout import Layout

OPTIONS = {
    "sampling": "'uniform' (frames spread evenly over the clip, the default) or "
                "'consecutive' (frames `stride` apart from the middle of the clip)",
    "stride": "frames between two sampled frames, for 'consecutive' sampling and for videos "
              "cut into clips (default 1)",
    "resize": "'crop' (the shorter side fits and the centre is cut out, the default) or "
              "'stretch' (the whole frame squeezed to the Input's size)",
    "short": "a clip with fewer frames than the Input takes: 'repeat' its last frame (the "
             "default) or 'refuse' it (skipped and listed)",
    "strict": "true: stop the run at the first clip that cannot be read (default false: "
              "skip it, count it and list it at the end)",
    "max_bad": "stop the run when more than this share of the clips cannot be read "
               "(default 0.1)",
    "workers": "processes that decode clips (default: as many as the cores allow)",
    "cache": "false: decode every epoch instead of keeping decoded clips in NAME.cache/ "
             "(default true)",
}

DEFAULT_FRAMES, DEFAULT_SIDE = 16, 64
"""The Input suggested for clips when the network's does not fit them."""


def _choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], name: str) -> str:
    value = options.get(key, allowed[0])
    if value not in allowed:
        raise DataError(f"{name}: the dataset option \"{key}\" is {value!r}; expected "
                        + " or ".join(repr(a) for a in allowed))
    return value


def _whole(options: Mapping[str, Any], key: str, default: int, name: str, low: int,
           high: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(f"{name}: the dataset option \"{key}\" must be a whole number from "
                        f"{low} to {high}, not {value!r}")
    return value


def flag(options: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise DataError(f"{name}: the dataset option \"{key}\" must be true or false, not "
                        f"{value!r}")
    return value


def check_options(options: Mapping[str, Any], name: str) -> None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise DataError(f"{name}: unknown dataset option(s) {', '.join(unknown)}; clips take "
                        + ", ".join(OPTIONS))


def bad_policy(options: Mapping[str, Any], name: str) -> BadSamples:
    limit = options.get("max_bad", 0.1)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 <= limit <= 1:
        raise DataError(f"{name}: the dataset option \"max_bad\" must be a share from 0 to 1, "
                        f"not {limit!r}")
    return BadSamples(flag(options, "strict", False, name), float(limit))


def workers_option(options: Mapping[str, Any], name: str) -> int | None:
    if options.get("workers") is None:
        return None
    return _whole(options, "workers", 0, name, 0, 64)


def fitting_for(sample: TensorInfo | None, options: Mapping[str, Any], name: str,
                suggest: Any) -> Fitting:
    """The fitting the network's Input asks for; a DataError suggesting an Input that
    fits when it is not [frames, 1 or 3 channels, height, width] of float32."""
    shape = tuple(sample.shape) if sample is not None else ()
    if (len(shape) != 4 or shape[1] not in (1, 3) or min(shape) < 1
            or (sample is not None and sample.dtype != "float32")):
        suggested = suggest()
        given = f"the network's Input is {sample}" if sample is not None else \
            "no Input shape was given"
        fits = ("; set the Input to [" + ", ".join(map(str, suggested)) + "]"
                if suggested else "")
        raise DataError(f"{name} holds video clips, which need an Input of [frames, "
                        f"channels, height, width] (1 channel for grey, 3 for colour), "
                        f"float32, but {given}{fits}", suggested)
    frames, channels, height, width = (int(size) for size in shape)
    return Fitting(frames, channels, height, width,
                   sampling=_choice(options, "sampling", clip_reading.SAMPLINGS, name),
                   stride=_whole(options, "stride", 1, name, 1, 10_000),
                   resize=_choice(options, "resize", clip_reading.RESIZES, name),
                   short=_choice(options, "short", clip_reading.SHORT_CLIPS, name))


def suggested_input(layout: Layout) -> list[int] | None:
    """An Input that fits the first readable clip: up to 16 frames, its colour, up to
    64 × 64."""
    for source in layout.sources:
        if source.problem:
            continue
        try:
            facts = clip_reading.clip_facts(source.path)
        except ClipError:
            continue
        frames = DEFAULT_FRAMES if layout.per_frame else max(1, min(DEFAULT_FRAMES,
                                                                    facts.frames))
        side = max(1, min(DEFAULT_SIDE, facts.width, facts.height))
        return [frames, facts.channels, side, side]
    return None
