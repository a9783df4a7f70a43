"""Fakes of external services over their real protocols, served on 127.0.0.1."""
