"""Every test's servers and runtimes run the default model by name, whatever this
machine's measured profile would choose (model "auto" is tested on its own, with a
cache folder of its own: tests/e2e/test_auto.py, tests/unit/test_auto_choice.py)."""

from __future__ import annotations

import os

os.environ["SLM_LS_MODEL"] = "qwen2.5-coder-0.5b"
