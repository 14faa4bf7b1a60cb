"""Run a task's tests against a completed program: a subprocess per task, in a
temporary directory, with a timeout, memory and CPU limits, and no network.

Never `exec` in process: model output is untrusted code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Runs first in the child: an audit hook (which Python code cannot remove)
# refuses sockets, so a completion cannot reach the network.
GUARD = """import sys
def _no_network(event, args):
    if event.startswith("socket."):
        raise PermissionError("network access is disabled in the benchmark sandbox")
sys.addaudithook(_no_network)
del _no_network
"""


@dataclass(frozen=True)
class Outcome:
    passed: bool
    status: str  # passed | failed | timeout
    detail: str = ""


def _limits(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 24, 1 << 24))


def run_program(source: str, timeout: float = 10.0, memory_mb: int = 1024) -> Outcome:
    """Execute `source` (the program followed by its tests) in a sandboxed subprocess."""
    with tempfile.TemporaryDirectory(prefix="slm-bench-") as tmp:
        script = Path(tmp) / "task.py"
        script.write_text(GUARD + source, encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(script)],
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"},
            preexec_fn=lambda: _limits(memory_mb << 20, int(timeout) + 1),
        )
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return Outcome(False, "timeout")
    if process.returncode == 0:
        return Outcome(True, "passed")
    return Outcome(False, "failed", err.decode("utf-8", "replace")[-300:])


def check_program(
    prefix: str, completion: str, suffix: str, test: str, entry_point: str, timeout: float = 10.0
) -> Outcome:
    """HumanEval-style check: the completed program, its `check`, called on the entry point."""
    program = f"{prefix}{completion}{suffix}\n\n{test}\n\ncheck({entry_point})\n"
    return run_program(program, timeout)
