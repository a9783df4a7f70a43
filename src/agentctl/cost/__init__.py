"""FinOps: LLM and compute cost, budgets and estimates (pure: no I/O, no printing)."""
