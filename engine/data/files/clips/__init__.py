"""Video clips in files, for gesture recognition (a label per clip) and video labelling (a
label per frame): class folders of videos or of frame folders, train/validation/test split
folders, videos with a file of per-frame labels beside them or a CSV of segments, and
manifest CSVs (engine.data.standalone.layout). Indexed (index), fitted to the network's
Input [T, C, H, W] as the options say (options), decoded on demand (decoder, with
engine.data.standalone.clip_reading) through the cache of decoded samples (loading), and
previewed before any training (preview)."""

from engine.data.files.clips.loading import load_clips

__all__ = ["load_clips"]
