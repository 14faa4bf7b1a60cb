"""Inference engines behind one small protocol (see engines/base.py)."""
