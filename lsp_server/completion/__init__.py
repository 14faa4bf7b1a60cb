"""The completion pipeline: snapshot -> context -> prompt -> engine -> post-process."""
