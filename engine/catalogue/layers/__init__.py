"""The layer specs, one module per palette category."""
