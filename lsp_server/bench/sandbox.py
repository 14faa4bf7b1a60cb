"""Run a task's tests against a completed program — model output, so untrusted code —
in a sandbox (docs/reliability.md says what it guarantees):

- bubblewrap: new PID, network, IPC and UTS namespaces (no network at all) — and a
  user namespace when not started by root —
  the file system read-only and reduced to what Python needs (no /etc, no home, no
  model cache), a private temporary directory as the only writable place, a scrubbed
  environment, a new session, and death with its parent;
- when started by root, the program runs as `nobody`, so that the process limit holds;
- limits for the whole task, not only per process or per file: at most
  MAX_PROCESSES processes of MEMORY_MB / MAX_PROCESSES address space each (so the
  task's memory is at most MEMORY_MB), and the only writable places are two tmpfs
  of SCRATCH_BYTES each (no host path is writable; the program is bound read-only);
- rlimits on CPU time, file size and open files;
- a timeout, after which the sandbox (its whole PID namespace) is killed;
- inside, an audit hook refuses sockets too.

Where bubblewrap is missing, nothing is run: `SandboxUnavailable` says how to get it.
Never `exec` in process.
"""

from __future__ import annotations

import os
import shutil
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
NOBODY = 65534
MAX_PROCESSES = 4  # HumanEval programs need one; a child or two is allowed
MEMORY_MB = 1024  # the whole task's address space, shared by its processes
MAX_OPEN_FILES = 64
MAX_FILE_BYTES = 16 << 20
SCRATCH_BYTES = 32 << 20  # each of /tmp and /work (tmpfs: host memory, bounded)


class SandboxUnavailable(RuntimeError):
    """This machine cannot run untrusted code safely (no bubblewrap)."""


@dataclass(frozen=True)
class Outcome:
    passed: bool
    status: str  # passed | failed | timeout
    detail: str = ""


def bubblewrap() -> str:
    """The bwrap binary, or SandboxUnavailable with the way to install it."""
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxUnavailable(
            "pass@1 runs model output as code and needs the bubblewrap sandbox: "
            "install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
            "bubblewrap) — scripts/setup.sh does when run as root"
        )
    return found


def _interpreter() -> Path:
    """The base Python (not the virtual environment: the program needs the standard
    library only)."""
    return Path(sys.base_prefix) / "bin" / Path(os.path.realpath(sys.executable)).name


def sandbox_command(program: Path) -> list[str]:
    """bubblewrap's command line running the `program` file (bound read-only as
    /work/task.py; /work and /tmp are small private tmpfs, nothing of the host is
    writable)."""
    python = _interpreter()
    root = os.geteuid() == 0
    # Unprivileged, bubblewrap needs a user namespace; root runs the program as
    # `nobody` instead (in a user namespace that uid would not exist).
    namespaces = (
        ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if root
        else ["--unshare-all"]
    )
    command = [
        bubblewrap(),
        *namespaces,
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/work",
        "--setenv", "TMPDIR", "/work",
        "--setenv", "PYTHONHASHSEED", "0",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--ro-bind", sys.base_prefix, sys.base_prefix,
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/work",
        "--ro-bind", str(program), "/work/task.py",
        "--chdir", "/work",
        "--",
    ]  # fmt: skip
    if root:  # root ignores the process limit: run as nobody
        command += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return [*command, str(python), "-I", "-B", "task.py"]


def _limits(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    os.setsid()
    for limit, value in (
        (resource.RLIMIT_AS, memory_bytes // MAX_PROCESSES),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, MAX_FILE_BYTES),
        (resource.RLIMIT_NOFILE, MAX_OPEN_FILES),
        (resource.RLIMIT_NPROC, MAX_PROCESSES),
    ):
        resource.setrlimit(limit, (value, value))


def run_program(source: str, timeout: float = 10.0, memory_mb: int = MEMORY_MB) -> Outcome:
    """Execute `source` (the program followed by its tests) in the sandbox; its
    processes share `memory_mb` of address space."""
    with tempfile.TemporaryDirectory(prefix="slm-bench-") as tmp:
        program = Path(tmp) / "task.py"
        program.write_text(GUARD + source, encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.chmod(program, 0o644)  # readable by `nobody`
        process = subprocess.Popen(
            sandbox_command(program),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            preexec_fn=lambda: _limits(memory_mb << 20, int(timeout) + 1),
        )
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # bwrap: its PID namespace dies too
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
