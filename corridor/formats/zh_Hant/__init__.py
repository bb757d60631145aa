"""Traditional Chinese number formats."""
