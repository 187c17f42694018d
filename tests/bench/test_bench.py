#!/usr/bin/python3
"""mimp-bench against a real mimpd, tiny: 4 clients for about a second.

Checks that the tool connects, logs in, sends, receives and reports sane,
non-zero counts (every acknowledged message delivered, no errors), and that
the relay baseline and the codec micro-benchmarks run. Not a timed test.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import MimpdServer, random_password  # noqa: E402

CLIENTS = 4


def bench_binary():
    return os.environ["MIMP_BENCH"]


def run_bench(*args):
    p = subprocess.run([bench_binary(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=40)
    assert p.returncode == 0, "mimp-bench %s failed: %s" % (args, p.stderr.decode())
    return json.loads(p.stdout.decode())


def check_load(r, server_pid_given=True):
    print(json.dumps(r, sort_keys=True))
    assert r["clients"] == CLIENTS, r
    assert r["sent"] > 0 and r["delivered"] > 0, r
    assert r["errors"] == 0, r
    assert r["undelivered"] == 0, r
    assert r["sent_total"] >= r["sent"], r
    assert 0 < r["sm_p50_us"] <= r["sm_p99_us"] <= r["sm_max_us"] + 1, r
    assert 0 < r["e2e_p50_us"] <= r["e2e_p99_us"] <= r["e2e_max_us"] + 1, r
    if server_pid_given:
        assert r["server_rss_end_kib"] > 0, r
        assert r["server_cpu_s"] >= 0, r


def main():
    password = random_password()
    users = {"bench%d" % i: password for i in range(CLIENTS)}
    users.update({"idle%d" % i: password for i in range(2)})
    with tempfile.TemporaryDirectory(prefix="mimp-bench-test-") as tmp:
        pwfile = os.path.join(tmp, "password")
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (password + "\n").encode())
        os.close(fd)

        server = MimpdServer(users=users)
        server.start()
        try:
            common = ["--port", str(server.port), "--server-pid", str(server.pid),
                      "--password-file", pwfile, "--clients", str(CLIENTS),
                      "--warmup", "0.2", "--duration", "0.8"]
            check_load(run_bench(*common))
            r = run_bench(*common, "--rate", "200", "--idle", "6", "--idle-users", "2")
            check_load(r)
            assert r["idle"] == 6, r
            r = run_bench(*common, "--rate", "200", "--receive", "poll", "--poll-interval", "1")
            check_load(r)
            assert r["receive"] == "poll", r
        finally:
            status = server.stop()
        assert status == 0, "mimpd exited with %s: %s" % (status, server.read_stderr())

    echo = subprocess.Popen([bench_binary(), "--echo-server"], stdout=subprocess.PIPE)
    try:
        line = echo.stdout.readline().decode()
        assert line.startswith("mimp-bench: listening on 127.0.0.1:"), line
        port = line.strip().rsplit(":", 1)[1]
        r = run_bench("--proto", "echo", "--port", port, "--clients", str(CLIENTS),
                      "--warmup", "0.2", "--duration", "0.5")
        check_load(r, server_pid_given=False)
    finally:
        echo.terminate()
        echo.wait(timeout=10)

    r = run_bench("--codec", "--codec-seconds", "0.02")
    print(json.dumps(r, sort_keys=True))
    assert r["codec_1mib_xor_mb_s"] > 0 and r["codec_small_xor_ns"] > 0, r
    assert r["json_parse_sm_ns"] > 0, r

    # The store alone: every message read once, after its commit, and
    # acknowledged ones never again.
    r = run_bench("--store", "--codec-seconds", "0.3", "--store-group", "20")
    print(json.dumps(r, sort_keys=True))
    s = r["store"]
    assert s["rounds"] > 0 and s["messages"] == 20 * s["rounds"], s
    assert s["delivered"] == s["messages"], s
    assert s["cpu_us_per_msg"] > 0 and s["wall_us_per_msg"] > 0, s
    p = subprocess.run([bench_binary(), "--store", "--store-sync", "fast"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 2 and b"--store-sync" in p.stderr, p
    print("ok")


if __name__ == "__main__":
    main()
