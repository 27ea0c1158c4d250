"""Netdesigner's engine: everything that is not a window. Never imports Qt."""
