"""Pure functions that turn raw model output into what the editor shows."""
