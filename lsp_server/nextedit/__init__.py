"""Next edit: the change that should follow the person's last edit, away from the cursor."""
