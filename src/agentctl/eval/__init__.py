"""Continuous evaluation: quality metrics from traces and the gates of agent.yaml (pure)."""
