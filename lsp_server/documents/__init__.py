"""Open buffers: text, positions and their tree-sitter trees."""
