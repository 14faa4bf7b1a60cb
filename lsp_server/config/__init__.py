"""The typed settings tree and its validation."""
