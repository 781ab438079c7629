"""One module per LLM role: its prompt text next to its pydantic response model."""
