"""The parts of bench/busy_machine.py: one epoch in a process of its own, and the busy
loops that keep cores taken."""
