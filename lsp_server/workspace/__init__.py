"""The workspace index: every source file of the workspace folders, read in the background."""
