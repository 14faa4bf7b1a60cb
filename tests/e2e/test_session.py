"""The client side that the demo and every benchmark start the server with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A server that writes far more to stderr than a pipe holds (64 KiB) before serving, as
# one at `--log-level debug` does over a session; then the real server with the fake
# engine. The session is run in a process of its own: without the fix it hangs (the
# server blocked on its full pipe, pygls's `stop` waiting for it), and the test kills
# the whole group instead of hanging the suite.
SCRIPT = r"""
import asyncio, sys
from lsp_server.client import session

CHATTY = (
    "import runpy, sys\n"
    "for n in range(4000): sys.stderr.write(f'log line {n} ' + 'x' * 60 + '\\n')\n"
    "sys.stderr.flush()\n"
    "sys.argv = ['fake_server', 'return 1']\n"
    "runpy.run_module('tests.support.fake_server', run_name='__main__')\n"
)
session.serve_command = lambda model: [sys.executable, "-c", CHATTY]

async def main():
    async with session.server_session("test", None) as client:
        stats = await client.protocol.send_request_async("slmls/stats", {})
        print("served", stats is not None)

asyncio.run(main())
"""


def test_a_server_that_logs_much_keeps_serving() -> None:
    """pygls pipes the server's stderr and never reads it: the session drains it, else
    the server blocks on a full pipe and never answers `initialize`."""
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail("the session hung: the server blocked on its stderr")
    assert child.returncode == 0 and b"served True" in out, err.decode()[-2000:]
