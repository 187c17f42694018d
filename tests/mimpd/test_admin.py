"""`mimpd user ...`: add, remove, passwd, list; duplicates, bad names,
empty passwords; passwords only from stdin or a file, never argv.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from mimpdtest import (AH, MimpdServer, RawClient, mimpd_binary, random_password,  # noqa: E402
                       run_tests)

srv = None


def admin(*args, password=None):
    p = srv.admin(*args, password=password, check=False)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def one_line_error(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mimpd: "), err


def test_add_list_remove():
    pw = random_password()
    assert admin("user", "add", "Zed", password=pw)[0] == 0
    assert admin("user", "add", "amy", password=random_password())[0] == 0
    rc, out, _ = admin("user", "list")
    assert rc == 0 and out.splitlines() == ["amy", "zed"], out
    rc, _, err = admin("user", "add", "zed", password=random_password())
    assert rc != 0 and "user zed already exists" in err
    one_line_error(err)
    assert admin("user", "remove", "AMY")[0] == 0
    rc, _, err = admin("user", "remove", "amy")
    assert rc != 0
    one_line_error(err)
    assert admin("user", "list")[1].splitlines() == ["zed"]
    # The hash is Argon2id with its parameters, never the password.
    db = sqlite3.connect(srv.database)
    (hashed,) = db.execute("SELECT hash FROM users WHERE name = 'zed'").fetchone()
    db.close()
    assert hashed.startswith("$argon2id$v=19$m=") and pw not in hashed


def test_bad_input():
    for name in ["", "bad name", "a" * 33, "semi;colon", "ünï"]:
        rc, _, err = admin("user", "add", name, password=random_password())
        assert rc != 0, name
        one_line_error(err)
    rc, _, err = admin("user", "add", "empty", password="")
    assert rc != 0 and "empty" in err
    one_line_error(err)
    rc, _, err = admin("user", "add", "nopw")  # stdin empty
    assert rc != 0
    one_line_error(err)
    # A password on the command line is refused, not used.
    rc, _, err = admin("user", "add", "argv", "secret-in-argv")
    assert rc != 0
    one_line_error(err)
    rc, _, err = admin("user", "frobnicate", "x")
    assert rc != 0
    one_line_error(err)
    rc, _, err = admin("bogus")
    assert rc != 0
    one_line_error(err)
    assert "argv" not in admin("user", "list")[1].split()
    rc, out, _ = admin("--help")
    assert rc == 0 and "0.0.0.0" in out and "user add" in out


def test_password_file_and_passwd():
    pw = random_password()
    path = os.path.join(srv.tmpdir, "pw")
    with open(path, "w") as f:
        f.write(pw + "\r\n")
    os.chmod(path, 0o600)
    p = srv.admin("--password-file", path, "user", "add", "filer", check=False)
    assert p.returncode == 0, p.stderr
    os.unlink(path)
    srv.users["filer"] = pw
    srv.start()
    try:
        c = RawClient(srv.port)
        c.login("filer", pw)
        c.close()
    finally:
        assert srv.stop() == 0
    # The password changed and the user removed while the server is stopped,
    # as an operator does: a new login sees the change.
    new = random_password()
    assert admin("user", "passwd", "filer", password=new)[0] == 0
    rc, _, err = admin("user", "passwd", "ghost", password=new)
    assert rc != 0
    one_line_error(err)
    srv.start()
    try:
        c = RawClient(srv.port)
        c.send(AH, {"uf": "filer", "up": pw})
        c.expect_error(401)
        c.login("filer", new)
        c.close()
    finally:
        assert srv.stop() == 0
    assert admin("user", "remove", "filer")[0] == 0
    del srv.users["filer"]
    srv.start()
    try:
        c = RawClient(srv.port)
        c.send(AH, {"uf": "filer", "up": new})
        c.expect_error(401)
        c.close()
    finally:
        assert srv.stop() == 0


def test_real_argon2_cost():
    # Without the test knob the hash uses the real parameters.
    env = dict(srv.env)
    env.pop("MIMPD_ARGON2_TEST_COST", None)
    import subprocess
    p = subprocess.run([os.environ["MIMPD"], "--database", srv.database, "user", "add", "real"],
                       input=(random_password() + "\n").encode(), env=env,
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    db = sqlite3.connect(srv.database)
    (hashed,) = db.execute("SELECT hash FROM users WHERE name = 'real'").fetchone()
    db.close()
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), hashed


def test_default_database_location():
    env = dict(srv.env)
    env["XDG_DATA_HOME"] = os.path.join(srv.tmpdir, "xdg")
    p = subprocess.run([os.environ["MIMPD"], "user", "add", "dflt"],
                       input=(random_password() + "\n").encode(), env=env,
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    d = os.path.join(env["XDG_DATA_HOME"], "mimpd")
    assert os.path.exists(os.path.join(d, "mimpd.db"))
    assert os.stat(d).st_mode & 0o777 == 0o700


def test_one_server_per_database():
    """A second server on the same database refuses, saying why."""
    first = MimpdServer(tmpdir=srv.tmpdir).start()
    try:
        p = subprocess.run([mimpd_binary(), "--database", srv.database, "--port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=srv.env,
                           timeout=30)
        err = p.stderr.decode()
        assert p.returncode != 0 and "another mimpd is serving" in err, (p.returncode, err)
        one_line_error(err)
    finally:
        first.stop()


def test_no_changes_beside_a_server():
    """`mimpd user ...` refuse while a server runs on the database, naming it
    and what to do, and change nothing. Stopped, the same commands work."""
    pw = random_password()
    assert admin("user", "add", "keeper", password=pw)[0] == 0
    before = admin("user", "list")[1]
    first = MimpdServer(tmpdir=srv.tmpdir).start()
    link = os.path.join(srv.tmpdir, "link.db")
    os.symlink(srv.database, link)
    try:
        for args in (["user", "add", "newbie"], ["user", "passwd", "keeper"],
                     ["user", "remove", "keeper"], ["user", "list"]):
            for database in (srv.database, link, os.path.relpath(srv.database),
                             "file:" + srv.database):
                p = subprocess.run([mimpd_binary(), "--database", database, *args],
                                   input=(random_password() + "\n").encode(),
                                   capture_output=True, env=srv.env, timeout=30)
                err = p.stderr.decode()
                assert p.returncode != 0, (args, database)
                one_line_error(err)
                assert "running mimpd is serving " + os.path.realpath(srv.database) in err, err
                assert "stop the server" in err, err
        # Nothing changed: the old password still logs in.
        c = RawClient(first.port)
        c.login("keeper", pw)
        c.close()
    finally:
        assert first.stop() == 0
        os.unlink(link)
    rc, out, _ = admin("user", "list")
    assert rc == 0 and out == before, out
    assert admin("user", "remove", "keeper")[0] == 0
    # A server starting while commands run waits for them; commands run side
    # by side (shared lock), as the benchmark's do.
    procs = [subprocess.Popen([mimpd_binary(), "--database", srv.database, "user", "add",
                               "side%d" % i], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=srv.env) for i in range(4)]
    for p in procs:
        p.stdin.write((random_password() + "\n").encode())
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read()
        p.stderr.close()
    assert {"side0", "side1", "side2", "side3"} <= set(admin("user", "list")[1].split())


def main():
    global srv
    srv = MimpdServer()
    try:
        run_tests([test_add_list_remove, test_bad_input, test_password_file_and_passwd,
                   test_real_argon2_cost, test_default_database_location,
                   test_one_server_per_database, test_no_changes_beside_a_server])
    finally:
        import shutil
        shutil.rmtree(srv.tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
