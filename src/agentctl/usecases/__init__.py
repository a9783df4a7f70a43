"""Use cases: what a command does, below the command line, one module each.

A use case strings the core together (load, render, gate, estimate, write)
and returns a result; the command parses flags, calls it and prints the
result through a view. Use cases never print, prompt or exit.
"""
