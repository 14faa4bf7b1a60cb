"""What the model sees around the cursor: prefix and suffix windows."""
