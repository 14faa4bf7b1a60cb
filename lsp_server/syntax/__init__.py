"""tree-sitter grammars and what the syntax tree tells about a cursor."""
