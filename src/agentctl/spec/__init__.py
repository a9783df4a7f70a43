"""The agent.yaml / platform.yaml contract: models and loading with file:line errors.

Importing this package is cheap; ``agentctl.spec.loader`` pulls in Pydantic.
"""
