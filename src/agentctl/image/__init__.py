"""Build and push an agent's container image with the builder at hand."""
