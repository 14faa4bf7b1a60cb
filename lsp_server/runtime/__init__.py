"""What owns the models: the engine worker, one slot per engine (the completion model,
the chat model) and the chat runner. Every feature reaches a model through here."""
