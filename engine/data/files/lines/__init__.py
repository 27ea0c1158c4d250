"""Images of text lines with their transcripts (a folder holding labels.csv,
`file_name,text`, or that CSV itself), for CTC: the alphabet is taken from the data,
transcripts become label strings, and each image is fitted to the Input's [C, H, W]
(engine.data.standalone.line_reading), decoded on demand through the cache."""

from engine.data.files.lines.loading import load_lines

__all__ = ["load_lines"]
