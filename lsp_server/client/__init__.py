"""The LSP *client* side: drives a real `slm-ls serve` process (demo, replay benchmark).

Like server.py and features/, this package knows LSP; the core does not.
"""
