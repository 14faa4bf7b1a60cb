"""The benchmark's sandbox holds against the escapes a model's output could try."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from lsp_server.bench.sandbox import MAX_PROCESSES, MEMORY_MB, run_program, sandbox_command


@pytest.fixture
def listener() -> tuple[int, list[bytes]]:
    """A loopback TCP listener on the host, recording what reaches it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[bytes] = []

    def accept() -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            seen.append(connection.recv(100))
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    return int(server.getsockname()[1]), seen


CTYPES_CONNECT = """
import ctypes, ctypes.util, struct, socket as _s
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
fd = libc.socket(2, 1, 0)
address = struct.pack("!HH4s8x", 2, {port}, bytes([127, 0, 0, 1]))
address = struct.pack("=H", 2) + address[2:]
result = libc.connect(fd, address, len(address))
libc.write(fd, b"escaped", 7)
print("connect", result, ctypes.get_errno())
"""


def test_no_network_through_ctypes_or_a_child_process(listener: tuple[int, list[bytes]]) -> None:
    port, seen = listener
    run_program(CTYPES_CONNECT.format(port=port))
    child = (
        "import os\n"
        f"os.system('python3 -c \"import socket; socket.create_connection((\\\\'127.0.0.1\\\\', "
        f"{port})).send(b\\\\'escaped\\\\')\"')\n"
    )
    run_program(child)
    time.sleep(0.5)
    assert seen == []


def test_no_files_of_the_machine_are_read_or_written(tmp_path: Path) -> None:
    for attempt in (
        "open('/etc/passwd').read()",
        "import os; os.listdir(str(__import__('pathlib').Path.home() / '.cache'))",
        "import os; os.listdir('/root')",
        f"open({str(tmp_path / 'outside')!r}, 'w').write('x')",
        "open('/usr/escaped', 'w').write('x')",
    ):
        outcome = run_program(attempt + "\n")
        assert outcome.status == "failed", attempt
    assert not (tmp_path / "outside").exists()
    # The private directory is writable.
    assert run_program("open('scratch.txt', 'w').write('fine')\n").passed


def test_a_fork_bomb_is_contained() -> None:
    started = time.monotonic()
    outcome = run_program("import os\nwhile True:\n    os.fork()\n", timeout=5)
    assert not outcome.passed and time.monotonic() - started < 20


def test_no_process_outlives_the_sandbox() -> None:
    marker = uuid.uuid4().hex
    survivor = (
        "import subprocess\n"
        "subprocess.Popen(['setsid', 'python3', '-c',\n"
        f"    'import time; time.sleep(30)  # {marker}'])\n"
    )
    assert run_program(survivor).passed
    time.sleep(1)
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    assert found.stdout.strip() == ""


def test_the_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLM_SECRET_TOKEN", "hunter2")
    outcome = run_program("import os\nassert 'SLM_SECRET_TOKEN' not in os.environ\n")
    assert outcome.passed
    command = sandbox_command(Path("/tmp/x/task.py"))
    assert "--clearenv" in command and "--die-with-parent" in command


def test_scratch_space_is_bounded_for_the_whole_task() -> None:
    """Issue 15, item 7: 100 x 15 MB files in /tmp took 1.5 GB of host memory, and
    files in the working directory landed on the host disk."""
    for where in ("/tmp", "/work"):
        fill = (
            "import os\n"
            "for i in range(100):\n"
            f"    with open(os.path.join({where!r}, f'f{{i}}'), 'wb') as f:\n"
            "        f.write(b'x' * (15 << 20))\n"
        )
        outcome = run_program(fill, timeout=20)
        assert outcome.status == "failed" and "No space left" in outcome.detail, outcome


def test_processes_share_one_memory_budget() -> None:
    """Issue 15, item 7: 6 forks x 700 MB reached 2.8 GB: now at most MAX_PROCESSES
    processes of MEMORY_MB / MAX_PROCESSES each."""
    hog = (
        "import os, sys, time\n"
        "held = 0\n"
        "for _ in range(6):\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        break\n"
        "    if pid == 0:\n"
        "        try:\n"
        "            block = bytearray(200 << 20)\n"
        "        except MemoryError:\n"
        "            os._exit(1)\n"
        "        time.sleep(2)\n"
        "        os._exit(0)\n"
        "    held += 1\n"
        "ok = sum(os.waitstatus_to_exitcode(os.wait()[1]) == 0 for _ in range(held))\n"
        "big = True\n"
        "try:\n"
        "    bytearray(700 << 20)\n"
        "except MemoryError:\n"
        "    big = False\n"
        "sys.exit(f'children {ok} big {big}')\n"
    )
    outcome = run_program(hog, timeout=20)
    children = int(outcome.detail.split("children ")[1].split()[0])
    assert children <= MAX_PROCESSES - 1 and "big False" in outcome.detail, outcome
    assert children * 200 <= MEMORY_MB
