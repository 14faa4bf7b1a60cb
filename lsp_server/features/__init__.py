"""LSP handlers: convert, call the core, convert back."""
