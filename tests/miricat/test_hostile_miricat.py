"""mimp-cli --protocol miricat against broken servers in both dialects
(miricat_server.py --hostile MODE): garbage, a huge packet or line, invalid
JSON, JSON nested too deep, a truncated handshake, the DH values 0, 1, p-1,
p and bad hex, the other dialect's packets, and a server that stalls in the
handshake. Each time mimp-cli exits 3 with one clear line, in bounded time
and memory.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from miricattest import MiricatServer, cli_argv, cli_env  # noqa: E402
from mimpdtest import run_tests  # noqa: E402

TIMEOUT = 3
MAX_RSS_KB = 96 * 1024

EXPECTED = {
    "garbage": "neither JSON nor base64",
    "huge": "over the size limit",
    "invalid-json": "invalid JSON",
    "deep": "invalid JSON",
    "truncated": "closed the connection",
    "dh-zero": "unsafe key exchange value",
    "dh-one": "unsafe key exchange value",
    "dh-pminus1": "unsafe key exchange value",
    "dh-p": "unsafe key exchange value",
    "dh-badhex": "not hexadecimal",
    "stall": "did not complete the login in time",
}


def run_against(dialect, mode, expected):
    with MiricatServer(dialect, {"alice": "pw"}, "--hostile", mode) as srv:
        start = time.monotonic()
        proc = subprocess.Popen(cli_argv(srv, "alice", "--timeout", str(TIMEOUT), "listen"),
                                env=cli_env("pw"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=TIMEOUT + 10)
        finally:
            proc.kill()
        elapsed = time.monotonic() - start
    assert proc.returncode == 3, (mode, proc.returncode, err)
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mimp-cli: "), (mode, err)
    if expected:
        assert expected in lines[0], (mode, lines[0])
    assert out == b"", (mode, out)
    assert elapsed < TIMEOUT + 5, (mode, elapsed)
    print("  %s %s: %s" % (dialect, mode, lines[0]), flush=True)
    return lines[0]


def max_rss_of_children():
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def hostile(dialect):
    for mode, expected in EXPECTED.items():
        run_against(dialect, mode, expected)
    # The other dialect's handshake: a protocol error, or (javacat reading a
    # Yemu packet, which has no newline) the login timeout.
    line = run_against(dialect, "wrong-type", None)
    assert "timeout" in line or "time" in line or "dialect" in line or "type" in line, line
    # No mimp-cli (nor the Python servers) grew past the bound.
    assert max_rss_of_children() < MAX_RSS_KB, max_rss_of_children()


def test_hostile_yemu():
    hostile("yemu")


def test_hostile_javacat():
    hostile("javacat")


run_tests([test_hostile_yemu, test_hostile_javacat])
