"""Pieces more than one benchmark uses."""
