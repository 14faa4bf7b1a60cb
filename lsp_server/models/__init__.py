"""The model catalog, where models live on disk, and how they are fetched."""
