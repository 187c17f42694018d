"""Starts tests/miricat/miricat_server.py for a test and runs mimp-cli
against it. Passwords go through a users file and the environment, never
a command line.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import json
import os
import secrets
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "miricat_server.py")
CLI = os.environ.get("MIMP_CLI")


def random_password():
    return secrets.token_urlsafe(12)


class MiricatServer:
    def __init__(self, dialect, users=None, *args):
        self.dialect = dialect
        self.dir = tempfile.TemporaryDirectory()
        path = os.path.join(self.dir.name, "users.json")
        with open(path, "w") as f:
            json.dump(users or {}, f)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", SERVER, "--dialect", dialect, "--users", path] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORTS "):
            self.proc.kill()
            raise RuntimeError("the test server did not start: %r %r"
                               % (line, self.proc.stderr.read()))
        _, tcp, http = line.split()
        self.port, self.http_port = int(tcp), int(http)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def cli_argv(server, user, *args, dialect=None):
    argv = [CLI, "--protocol", "miricat", "--server", "127.0.0.1:%d" % server.port,
            "--user", user]
    if dialect or server.dialect != "yemu":
        argv += ["--dialect", dialect or server.dialect]
    return argv + list(args)


def cli_env(password):
    env = dict(os.environ)
    env.pop("MIMP_PASSWORD", None)
    if password is not None:
        env["MIMP_PASSWORD"] = password
    return env
