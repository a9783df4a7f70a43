"""agentctl: the golden path for running AI agents on Kubernetes."""

__version__ = "0.1.0"
