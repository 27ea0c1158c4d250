"""A clip dataset's options (the dataset entry beside its path) and the fitting the
network's Input asks for, each checked with a sentence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError
from engine.data.files.file_options import choice, whole
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
}
"""The options of clips; engine.data.files.file_options.COMMON holds those every kind
takes."""

DEFAULT_FRAMES, DEFAULT_SIDE = 16, 64
"""The Input suggested for clips when the network's does not fit them."""


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
                   sampling=choice(options, "sampling", clip_reading.SAMPLINGS, name),
                   stride=whole(options, "stride", 1, name, 1, 10_000),
                   resize=choice(options, "resize", clip_reading.RESIZES, name),
                   short=choice(options, "short", clip_reading.SHORT_CLIPS, name))


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
