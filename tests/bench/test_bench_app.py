"""build-aux/bench-app.py in its tiny configuration (--quick), so the app
benchmarks cannot rot silently. Functional only: it checks that every figure
is there and sane, never how fast anything is (build-aux/bench.sh measures).
Runs inside the headless session (tests/run-headless.sh).

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import subprocess
import sys

build = os.environ["MIMP_BUILD_ROOT"]
src = os.environ["MIMP_SOURCE_ROOT"]
p = subprocess.run(["/usr/bin/python3", os.path.join(src, "build-aux", "bench-app.py"),
                    "--build", build, "--quick"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150)
sys.stderr.write(p.stderr.decode()[-4000:])
assert p.returncode == 0, p.returncode
r = json.loads(p.stdout)
print(json.dumps(r, indent=1))

s = r["start"]
for k in ("app_ms", "floor_ms"):
    assert 0 < s[k] < 30000, (k, s[k])
for k in ("app_rss_kib", "floor_rss_kib"):
    assert 1000 < s[k] < 2000000, (k, s[k])

c = r["chat"]
assert c["stored"] == 2000
assert 0 < c["open_ms"] < 30000, c
assert c["messages_before"] > 0 and c["scrolled"] >= 200, c
assert c["frames"] > 0 and 0 < c["p50_ms"] <= c["p99_ms"] <= c["max_ms"] < 30000, c

c = r["chat_small"]
assert c["messages_before"] == 10 and 0 < c["open_ms"] < 30000, c

for b in (r["burst"], r["burst_quiet"]):
    assert b["received"] == 40, b
    assert 0 < b["stored_s"] <= b["shown_s"] < 60, b
    assert 0 < b["stall_max_ms"] < 60000 and 0 < b["idle_stall_max_ms"], b

# The soak's short run: all received in three accounts' twenty chats, the
# window switched chats, and every figure there (not the targets).
s = r["soak"]
assert s["received"] == s["sent"] == 400 and s["accounts"] == 3 and s["chats"] == 20, s
assert s["switches"] > 0 and 0 < s["receive_s"] < 120, s
for k in ("rss_ready_kib", "rss_warm_kib", "rss_max_kib", "rss_end_kib"):
    assert 1000 < s[k] < 2000000, (k, s)
assert s["rss_ready_kib"] <= s["rss_max_kib"] and s["rss_end_kib"] <= s["rss_max_kib"], s
assert 0 < s["stall_max_ms"] < 60000 and s["stalls_over_50ms"] >= 0, s
print("ok")
