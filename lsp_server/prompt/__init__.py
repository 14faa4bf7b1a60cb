"""FIM prompt formats per model family and the token-id prompt builder."""
