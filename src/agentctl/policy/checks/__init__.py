"""Built-in checks, one module per area; each registers itself with ``registry.check``."""
