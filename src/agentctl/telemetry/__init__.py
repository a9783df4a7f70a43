"""Traces in and out: the OTLP receiver, the SQLite trace store, remote trace sources.

Heavy modules (protobuf, kubernetes) are imported inside the functions that
need them; importing this package is cheap.
"""
