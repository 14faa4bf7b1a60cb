"""The default that fits the machine: its measured speed, each model's predicted cost,
and the configuration `model: "auto"` chooses (docs/tuning.md)."""
