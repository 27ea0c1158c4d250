"""Clips read from video files or from folders of frame images, fitted to the [T, C, H,
W] a network's Input takes, as uint8 (0..255).

Fitting, by default: T frame indices sampled evenly over the clip (round(linspace(0, n -
1, T)), numpy's rounding); each frame's shorter side resized to fit HxW and the centre
cropped (aspect kept); grey for C = 1, RGB for C = 3; a clip shorter than T repeats its
last frame. Frame files are ordered by the number in their name ('2.jpg' before
'10.jpg').

Needs numpy, PyAV (`av`, for videos) and Pillow (for frame images). Copied as it is
beside an exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".avi",
        ".mov",
        ".mkv",
        ".webm",
        ".m4v",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".flv",
        ".3gp",
        ".ogv",
    }
)
FRAME_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
SAMPLINGS = ("uniform", "consecutive")
RESIZES = ("crop", "stretch")
SHORT_CLIPS = ("repeat", "refuse")


class ClipError(Exception):
    """A clip that cannot be read as asked; the message says why (the caller names the
    file)."""


@dataclass(frozen=True)
class Fitting:
    """How a clip becomes the Input's [frames, channels, height, width]."""

    frames: int
    channels: int
    height: int
    width: int
    sampling: str = "uniform"
    """'uniform': `frames` indices spread evenly over the clip; 'consecutive': `frames`
    frames `stride` apart from the middle of the clip."""
    stride: int = 1
    resize: str = "crop"
    """'crop': the shorter side fits and the centre is cut out (aspect kept); 'stretch':
    the whole frame squeezed to height x width."""
    short: str = "repeat"
    """A clip with fewer frames than it needs: 'repeat' its last frame, or 'refuse' it.
    """


def hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES and not hidden(path.name)


def is_frame_image(path: Path) -> bool:
    return path.suffix.lower() in FRAME_SUFFIXES and not hidden(path.name)


def is_frame_folder(path: Path) -> bool:
    """A folder that holds frame images (and no folders of its own that hold clips)."""
    try:
        return path.is_dir() and any(
            is_frame_image(Path(e.name)) and e.is_file() for e in _entries(path)
        )
    except OSError:
        return False


def is_clip(path: Path) -> bool:
    try:
        return (is_video(path) and path.is_file()) or is_frame_folder(path)
    except OSError:
        return False


def _entries(folder: Path) -> list:
    import os

    with os.scandir(folder) as found:
        return list(found)


def _frame_number(path: Path) -> tuple[int, int, str]:
    """Order frames by the last number in their name, then by name."""
    numbers = re.findall(r"\d+", path.stem)
    return (0, int(numbers[-1]), path.name) if numbers else (1, 0, path.name)


PICTURE_PREFIXES = ("img", "image", "frame", "rgb")
"""Names that say a file is a picture of the scene, where a folder also holds other
numbered images (optical flow beside the frames, as TSN's extraction writes them)."""


def _series(path: Path) -> str:
    """The name with its numbers taken out: 'img_' for img_00012.jpg."""
    return re.sub(r"\d+", "", path.stem).lower()


def frame_files(folder: Path) -> list[Path]:
    """The folder's frame images in frame order. Where it holds several numbered series
    (img_00001.jpg beside flow_x_00001.jpg), the frames are the series named as
    pictures, else the longest. Numbered frames with a number missing between the first
    and the last are a ClipError: the clip would skip in time."""
    try:
        frames = [
            Path(e.path)
            for e in _entries(folder)
            if e.is_file() and is_frame_image(Path(e.name))
        ]
    except OSError as error:
        raise ClipError(f"cannot be listed ({error.strerror or error})") from None
    if not frames:
        raise ClipError("holds no frame images (.jpg, .png, ...)")
    series: dict[str, list[Path]] = {}
    for frame in frames:
        series.setdefault(_series(frame), []).append(frame)
    if len(series) > 1:
        named = [key for key in series if key.startswith(PICTURE_PREFIXES)]
        frames = series[named[0]] if len(named) == 1 else max(series.values(), key=len)
    frames = sorted(frames, key=_frame_number)
    numbers = [_frame_number(p) for p in frames]
    if all(n[0] == 0 for n in numbers):
        values = [n[1] for n in numbers]
        if len(set(values)) != len(values):
            raise ClipError("has two frame files with the same number")
        missing = sorted(set(range(values[0], values[-1] + 1)) - set(values))
        if missing:
            shown = ", ".join(map(str, missing[:5])) + (
                ", ..." if len(missing) > 5 else ""
            )
            raise ClipError(
                f"has gaps in its frame numbers: {len(missing)} missing "
                f"({shown}) between {values[0]} and {values[-1]}"
            )
    return frames


def frame_indices(count: int, fitting: Fitting) -> tuple[list[int], bool]:
    """Which of a clip's `count` frames fill the Input's frames, and whether the clip
    was short (its last frame repeated)."""
    wanted = fitting.frames
    if count < 1:
        raise ClipError("holds no frames")
    if fitting.sampling == "consecutive":
        span = (wanted - 1) * fitting.stride + 1
        if count >= span:
            start = (count - span) // 2
            return [start + i * fitting.stride for i in range(wanted)], False
        needed = f"{span} frames ({wanted}, {fitting.stride} apart)"
    else:
        if count >= wanted:
            return [int(i) for i in np.rint(np.linspace(0, count - 1, wanted))], False
        needed = f"{wanted} frames"
    if fitting.short == "refuse":
        raise ClipError(
            f"has {count} frame{'s' * (count != 1)}, fewer than the {needed} the "
            'Input takes (the dataset option "short": "repeat" repeats the '
            "last frame)"
        )
    step = fitting.stride if fitting.sampling == "consecutive" else 1
    return [min(i * step, count - 1) for i in range(wanted)], True


# -- fitting one picture
# ---------------------------------------------------------------------


def _fitted_size(width: int, height: int, fitting: Fitting) -> tuple[int, int]:
    """The size to scale a (width, height) picture to before the centre is cut out."""
    if fitting.resize == "stretch":
        return fitting.width, fitting.height
    scale = max(fitting.width / width, fitting.height / height)
    return (
        max(fitting.width, round(width * scale)),
        max(fitting.height, round(height * scale)),
    )


def _centre(pixels: np.ndarray, fitting: Fitting) -> np.ndarray:
    """[h, w, c] or [h, w] cut to the middle height x width, as [C, H, W]."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    top = (pixels.shape[0] - fitting.height) // 2
    left = (pixels.shape[1] - fitting.width) // 2
    cut = pixels[top : top + fitting.height, left : left + fitting.width]
    return np.ascontiguousarray(cut.transpose(2, 0, 1))


def fit_image(image, fitting: Fitting) -> np.ndarray:
    """A Pillow image as [C, H, W] uint8."""
    from PIL import Image, ImageOps

    mode = "L" if fitting.channels == 1 else "RGB"
    image = ImageOps.exif_transpose(image)
    image.draft(mode, (fitting.width, fitting.height))  # JPEG: decode at a smaller size
    image = image.convert(mode)
    size = _fitted_size(image.width, image.height, fitting)
    if image.size != size:
        shrinking = size[0] < image.width
        image = image.resize(
            size, Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
        )
    return _centre(np.asarray(image), fitting)


def _fit_frame(frame, fitting: Fitting) -> np.ndarray:
    """A decoded PyAV frame as [C, H, W] uint8, turned upright as the video says."""
    turns = round(getattr(frame, "rotation", 0) or 0) // 90 % 4
    width, height = (
        (frame.height, frame.width) if turns % 2 else (frame.width, frame.height)
    )
    size = _fitted_size(width, height, fitting)
    if turns % 2:
        size = size[1], size[0]
    shrinking = size[0] < frame.width
    pixels = frame.reformat(
        width=size[0],
        height=size[1],
        format="gray" if fitting.channels == 1 else "rgb24",
        interpolation="AREA" if shrinking else "BILINEAR",
    ).to_ndarray()
    if turns:
        pixels = np.rot90(pixels, turns)
    return _centre(pixels, fitting)


# -- videos
# ----------------------------------------------------------------------------------


def _open_video(path: Path, threads: int = 1):
    import av

    try:
        container = av.open(str(path))
    except (
        Exception
    ) as error:  # PyAV raises many kinds (InvalidDataError, OSError, ...)
        raise ClipError(f"cannot be opened as a video ({_reason(error)})") from None
    if not container.streams.video:
        container.close()
        raise ClipError("holds no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO" if threads != 1 else "SLICE"
    stream.codec_context.thread_count = threads
    return container, stream


def _reason(error: BaseException) -> str:
    # PyAV's errors carry FFmpeg's own words in strerror; str() adds a code and the path
    text = (
        str(getattr(error, "strerror", None) or error).strip() or type(error).__name__
    )
    return text.splitlines()[0][:200]


def _counted_frames(path: Path) -> int:
    """Frames counted by reading the packets (the container does not say how many it
    holds, as .mkv and .webm often do not)."""
    container, stream = _open_video(path)
    with container:
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except Exception as error:
            raise ClipError(f"cannot be read ({_reason(error)})") from None


def count_frames(path: Path) -> int:
    """How many frames a clip holds: a video's own count where its container keeps one,
    else its packets counted; a frame folder's frame files."""
    if path.is_dir():
        return len(frame_files(path))
    container, stream = _open_video(path)
    with container:
        declared = stream.frames
    return declared if declared > 0 else _counted_frames(path)


def _decoded(container, stream) -> Iterator:
    try:
        yield from container.decode(stream)
    except Exception as error:  # a damaged packet stream
        raise ClipError(f"stops decoding ({_reason(error)})") from None


SEEK_GAP = 120
"""Frames before a wanted one beyond which seeking to the keyframe before it is cheaper
than decoding every frame on the way (long videos)."""


class _CannotSeek(Exception):
    """The video has no frame rate or frame times to seek by: decode from the start."""


def _numbered_from(container, stream, first: int) -> Iterator[tuple[int, object]]:
    """(frame number, frame) from about frame `first` on: by seeking to the keyframe
    before it and numbering frames by their time at the stream's rate, when it lies
    SEEK_GAP frames or more into the video; else every frame from the start."""
    if first < SEEK_GAP:
        yield from enumerate(_decoded(container, stream))
        return
    rate = stream.average_rate or stream.guessed_rate
    base, start = stream.time_base, stream.start_time or 0
    if not rate or base is None:
        raise _CannotSeek
    try:
        container.seek(
            start + int(first / rate / base),
            stream=stream,
            backward=True,
            any_frame=False,
        )
    except Exception:
        raise _CannotSeek from None
    for frame in _decoded(container, stream):
        if frame.pts is None:
            raise _CannotSeek
        yield round(float((frame.pts - start) * base * rate)), frame


def _seeked_frames(
    path: Path, indices: list[int], fitting: Fitting
) -> dict[int, np.ndarray]:
    """The fitted frames at `indices`, each reached by seeking (see _numbered_from)."""
    found: dict[int, np.ndarray] = {}
    container, stream = _open_video(path)
    with container:
        for index in sorted(set(indices)):
            for number, frame in _numbered_from(container, stream, index):
                if number >= index:  # the frame at its time, or the first after it
                    found[index] = _fit_frame(frame, fitting)
                    break
            else:
                raise _CannotSeek
    return found


def _video_frames(
    path: Path, indices: list[int], fitting: Fitting, opened: tuple | None = None
) -> dict[int, np.ndarray]:
    """The fitted frames at `indices` (frame numbers in decoding order), from the video
    `opened` already or opened here."""
    wanted = set(indices)
    last = max(wanted)
    found: dict[int, np.ndarray] = {}
    container, stream = opened or _open_video(path)
    with container:
        number = -1
        for number, frame in enumerate(_decoded(container, stream)):
            if number in wanted:
                found[number] = _fit_frame(frame, fitting)
            if number >= last:
                break
    if len(found) < len(wanted):
        raise _EndedEarly(number + 1)
    return found


class _EndedEarly(Exception):
    def __init__(self, frames: int):
        self.frames = frames


def read_clip(path: Path, fitting: Fitting) -> tuple[np.ndarray, bool]:
    """One clip, [T, C, H, W] uint8, and whether it was short (last frame repeated)."""
    if path.is_dir():
        files = frame_files(path)
        indices, short = frame_indices(len(files), fitting)
        pictures = {
            i: _read_frame_file(files[i], fitting) for i in sorted(set(indices))
        }
        return np.stack([pictures[i] for i in indices]), short
    container, stream = _open_video(path)
    count = stream.frames  # read once where the container keeps the count
    if count <= 0:
        container.close()
        count, opened = _counted_frames(path), None
    else:
        opened = (container, stream)
    indices, short = frame_indices(count, fitting)
    gaps = np.diff(sorted(set(indices)))
    if len(gaps) and gaps.min() >= SEEK_GAP:
        if opened is not None:
            opened[0].close()
        try:  # a long video: seek to each frame rather than decode the whole of it
            frames = _seeked_frames(path, indices, fitting)
            return np.stack([frames[i] for i in indices]), short
        except _CannotSeek:
            opened = None
    try:
        frames = _video_frames(path, indices, fitting, opened)
    except _EndedEarly as ended:  # the container promised more frames than it holds
        if ended.frames == 0:
            raise ClipError("holds no frames that decode") from None
        indices, short = frame_indices(ended.frames, fitting)
        frames = _video_frames(path, indices, fitting)
    return np.stack([frames[i] for i in indices]), short


def _read_frame_file(path: Path, fitting: Fitting) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return fit_image(image, fitting)
    except Exception as error:  # Pillow raises many kinds on damaged files
        raise ClipError(
            f"frame {path.name} cannot be read ({_reason(error)})"
        ) from None


# -- long videos cut into consecutive clips
# ------------------------------------------------


def cut_count(frames: int, fitting: Fitting) -> int:
    """How many consecutive clips of `fitting.frames` frames (`stride` apart) a video of
    `frames` frames gives; the last one may be partial."""
    span = fitting.frames * fitting.stride
    return max(1, -(-frames // span))


def cut_frames(clip: int, fitting: Fitting, frames: int) -> list[int]:
    """The frame numbers the `clip`-th cut takes; past the end the last repeats."""
    start = clip * fitting.frames * fitting.stride
    return [min(start + i * fitting.stride, frames - 1) for i in range(fitting.frames)]


def cut_steps(clip: int, fitting: Fitting, frames: int) -> int:
    """How many of the `clip`-th cut's steps are real frames (the rest repeat)."""
    start = clip * fitting.frames * fitting.stride
    return min(fitting.frames, -(-(frames - start) // fitting.stride))


def read_cuts(
    path: Path, fitting: Fitting, frames: int, clips: list[int] | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """The consecutive clips of a video (or frame folder) of `frames` frames, in order,
    each [T, C, H, W] uint8; only those in `clips` when given. The video is decoded
    once, from the start, keeping only the frames the clips take."""
    total = cut_count(frames, fitting)
    chosen = sorted(set(range(total) if clips is None else clips))
    if not chosen:
        return
    if chosen[-1] >= total:
        raise ClipError(
            f"gives {total} clips of {fitting.frames} frames, not {chosen[-1] + 1}"
        )
    needs = {clip: cut_frames(clip, fitting, frames) for clip in chosen}
    if path.is_dir():
        files = frame_files(path)
        if len(files) < frames:
            raise ClipError(f"holds {len(files)} frames, not the {frames} expected")
        for clip in chosen:
            yield (
                clip,
                np.stack([_read_frame_file(files[i], fitting) for i in needs[clip]]),
            )
        return
    done: set[int] = set()
    try:
        for clip, values in _cuts_from(
            path, fitting, frames, chosen, needs, min(needs[chosen[0]])
        ):
            done.add(clip)
            yield clip, values
    except _CannotSeek:  # numbered by decoding every frame from the start instead
        yield from _cuts_from(
            path, fitting, frames, [c for c in chosen if c not in done], needs, 0
        )


def _cuts_from(
    path: Path,
    fitting: Fitting,
    frames: int,
    chosen: list[int],
    needs: dict[int, list[int]],
    first: int,
) -> Iterator[tuple[int, np.ndarray]]:
    wanted = {i for frames_of in needs.values() for i in frames_of}
    kept: dict[int, np.ndarray] = {}
    queue = list(chosen)
    container, stream = _open_video(path)
    with container:
        number = -1
        for number, frame in _numbered_from(container, stream, first):
            if number in wanted:
                kept[number] = _fit_frame(frame, fitting)
            while queue and max(needs[queue[0]]) <= number:
                clip = queue.pop(0)
                if any(i not in kept for i in needs[clip]):
                    raise _CannotSeek  # times that skip a frame number
                yield clip, np.stack([kept[i] for i in needs[clip]])
                still = {i for c in queue for i in needs[c]}
                kept = {i: v for i, v in kept.items() if i in still}
            if not queue:
                return
    raise ClipError(
        f"ended after {number + 1} frames, but its container and labels "
        f"promise {frames}"
    )


# -- what a clip is, for showing before training
# ------------------------------------------


@dataclass(frozen=True)
class ClipFacts:
    width: int
    height: int
    frames: int
    channels: int
    """1 for a greyscale clip, else 3."""
    fps: float | None
    """None for a frame folder."""

    @property
    def seconds(self) -> float | None:
        return self.frames / self.fps if self.fps else None


def _looks_grey(rgb: np.ndarray) -> bool:
    """Red, green and blue the same everywhere, give or take compression's error."""
    values = rgb.astype(np.int16)
    return bool(
        np.abs(values[..., 0] - values[..., 1]).max() <= 6
        and np.abs(values[..., 1] - values[..., 2]).max() <= 6
    )


GREY_FORMATS = ("gray", "gray8", "gray16le", "gray16be", "gray10le", "gray12le", "ya8")


def clip_facts(path: Path) -> ClipFacts:
    if path.is_dir():
        files = frame_files(path)
        from PIL import Image

        try:
            with Image.open(files[0]) as image:
                grey = image.mode in ("1", "L", "LA", "I", "I;16", "F") or _looks_grey(
                    np.asarray(image.convert("RGB"))
                )
                return ClipFacts(
                    image.width, image.height, len(files), 1 if grey else 3, None
                )
        except Exception as error:
            raise ClipError(
                f"frame {files[0].name} cannot be read ({_reason(error)})"
            ) from None
    container, stream = _open_video(path)
    with container:
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        grey = (context.pix_fmt or "") in GREY_FORMATS
        if (
            not grey
        ):  # colour formats often carry grey pictures: look at the first frame
            first = next(iter(_decoded(container, stream)), None)
            grey = first is not None and _looks_grey(first.to_ndarray(format="rgb24"))
        facts = ClipFacts(
            context.width,
            context.height,
            stream.frames,
            1 if grey else 3,
            float(rate) if rate else None,
        )
    if facts.frames <= 0:
        facts = ClipFacts(
            facts.width, facts.height, _counted_frames(path), facts.channels, facts.fps
        )
    return facts
