"""The trace model: pure functions over SpanRecord (summaries, trees, content, report data)."""
