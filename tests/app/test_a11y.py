"""The app through the accessibility bus, as a screen reader user meets it.

Runs inside the headless session (tests/run-headless.sh), which starts
the AT-SPI bus on demand (org.a11y.Bus); the app is the real `mimp`
binary with its accessibility on (run-headless.sh sets NO_AT_BRIDGE for
the other tests). Everything here is read through AT-SPI (libatspi
through gi) and done with synthesized key presses only: no clicks.

- every control on screen has a name and a role, and no name is a GTK
  type name (what GTK 4.8 falls back to);
- first run: add an account (a real mimpd on loopback) by keyboard;
- start a chat with Ctrl+N, send a message with Return, start a second
  one, go back to the first from the chat list (F6, arrows, Return), open
  Preferences with Ctrl+, and close it with Escape;
- a message that arrives in the open chat is announced: GTK 4.8 has no
  announcements, so the chat view sets the text of a status label, and
  the test checks the event AT-SPI really emits for it.

SPDX-License-Identifier: GPL-3.0-or-later
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gi  # noqa: E402

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402

from mimpdtest import MimpdServer, random_password  # noqa: E402

KEY = {"Tab": 0xFF09, "Return": 0xFF0D, "Escape": 0xFF1B, "Down": 0xFF54, "Up": 0xFF52,
       "F6": 0xFFC3, "n": 0x6E, "comma": 0x2C, "space": 0x20, "Home": 0xFF50}
CONTROL = 1 << 2
SHIFT = 1 << 0
# Controls a person operates: each needs a name.
CONTROL_ROLES = {"push button", "toggle button", "check box", "radio button", "combo box",
                 "text", "password text", "entry", "list", "list item", "menu item",
                 "spin button", "slider", "switch", "page tab", "link", "tree", "table"}
TYPE_NAME = re.compile(r"^(Gtk|Adw|Mimp)[A-Z]\w*$")
# GTK 4.8 names a button with a mnemonic "_Label Label" unless it is given
# an accessible label.
MNEMONIC = re.compile(r"(^|\s)_\w")


def log(*args):
    print("#", *args, flush=True)


def pump():
    """Lets AT-SPI's events in (they come through the main context)."""
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass


def wait_for(what, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pump()
        try:
            value = condition()
        except GLib.Error:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def states(obj):
    return obj.get_state_set()


def children(obj):
    for i in range(obj.get_child_count()):
        child = obj.get_child_at_index(i)
        if child is not None:
            yield child


def walk(obj):
    """obj and everything under it (GTK 4.8 sets no SHOWING state below the
    window, and VISIBLE also on what a hidden stack page holds)."""
    yield obj
    for child in children(obj):
        yield from walk(child)


def find(root, role=None, name=None, pred=None):
    for obj in walk(root):
        try:
            if role is not None and obj.get_role_name() != role:
                continue
            if name is not None and obj.get_name() != name:
                continue
            if pred is not None and not pred(obj):
                continue
            return obj
        except GLib.Error:
            continue
    return None


def wait_for_opt(condition, timeout):
    try:
        return wait_for("", condition, timeout)
    except AssertionError:
        return None


def focused(root):
    return find(root, pred=lambda o: states(o).contains(Atspi.StateType.FOCUSED))


def describe(obj):
    if obj is None:
        return "nothing"
    try:
        return f"[{obj.get_role_name()}] {obj.get_name()!r}"
    except GLib.Error:
        return "[gone]"


def key(name, modifiers=0):
    if modifiers:
        Atspi.generate_keyboard_event(modifiers, None, Atspi.KeySynthType.LOCKMODIFIERS)
    Atspi.generate_keyboard_event(KEY[name], None, Atspi.KeySynthType.SYM)
    if modifiers:
        Atspi.generate_keyboard_event(modifiers, None, Atspi.KeySynthType.UNLOCKMODIFIERS)
    time.sleep(0.15)


def type_text(text):
    Atspi.generate_keyboard_event(0, text, Atspi.KeySynthType.STRING)
    time.sleep(0.2)


def text_of(obj):
    # GTK 4.8: read the whole text by its length (testing.md).
    return Atspi.Text.get_text(obj, 0, Atspi.Text.get_character_count(obj))


def focus_window(title):
    """What a window manager does when a window opens: give it the
    keyboard. There is none here, so the test does (XSetInputFocus through
    xdotool; nothing is clicked)."""
    subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--limit", "1", "--name", f"^{title}$",
                    "windowfocus"], check=True, timeout=20,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)


def tab_to(root, what, pred, max_tabs=40, backwards=False):
    """Presses Tab (Shift+Tab) until the focused control under root
    satisfies pred."""
    for _ in range(max_tabs):
        f = focused(root)
        if os.environ.get("A11Y_DEBUG"):
            log("tab:", [describe(o) for o in walk(root)
                         if states(o).contains(Atspi.StateType.FOCUSED)])
        if f is not None and pred(f):
            return f
        key("Tab", SHIFT if backwards else 0)
    raise AssertionError(f"Tab never reached {what}; focus is on {describe(focused(root))}")


def audit(root, where):
    """Every visible control under root: a role, and a name that is
    neither empty, nor a type name, nor spelled with its mnemonic."""
    problems = []
    for obj in walk(root):
        try:
            role = obj.get_role_name()
            name = obj.get_name() or ""
            visible = states(obj).contains(Atspi.StateType.VISIBLE)
        except GLib.Error:
            continue
        if not visible or role not in CONTROL_ROLES or role == "list item":
            continue
        if not name.strip():
            problems.append(f"{where}: {role} without a name (in {describe(obj.get_parent())})")
        elif TYPE_NAME.match(name):
            problems.append(f"{where}: {role} named by its type {name!r}")
        elif MNEMONIC.search(name):
            problems.append(f"{where}: {role} named with its mnemonic {name!r}")
    return problems


def start_app(env):
    app_env = dict(env)
    app_env.pop("NO_AT_BRIDGE", None)
    app_env.pop("GTK_A11Y", None)
    err = open(os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "mimp.err"), "w")
    proc = subprocess.Popen([os.environ["MIMP_APP"]], env=app_env, stdout=subprocess.DEVNULL,
                            stderr=err)

    def app_object():
        desktop = Atspi.get_desktop(0)
        for child in children(desktop):
            if child.get_process_id() == proc.pid:
                return child
        return None

    try:
        return proc, wait_for("the app on the accessibility bus", app_object, 30)
    except AssertionError:
        err.close()
        log("mimp exit status:", proc.poll())
        with open(err.name) as f:
            sys.stderr.write(f.read()[-3000:])
        raise


def main():
    failures = []
    alice_pw, bob_pw = random_password(), random_password()
    # xvfb-run starts Xvfb without -noreset: whenever its last client goes
    # (at-spi-bus-launcher and gnome-keyring-daemon connect only briefly)
    # the server resets, and a client connecting then fails ("cannot open
    # display"). One connection held for the whole test prevents that.
    keeper = subprocess.Popen(["xprop", "-root", "-spy"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        run_all(failures, alice_pw, bob_pw)
    finally:
        keeper.terminate()
        keeper.wait()
    for f in failures:
        log("FAIL", f)
    if failures:
        sys.exit(1)
    log("ok")


def run_all(failures, alice_pw, bob_pw):
    with MimpdServer(users={"alice": alice_pw, "bob": bob_pw, "carol": random_password()}) as server:
        subprocess.run(["/bin/sh", "-c",
                        "printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null"],
                       check=True)
        proc, app = start_app(os.environ)
        try:
            run(app, server, alice_pw, bob_pw, failures)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def showing_chat(window, peer):
    """The chat view shows @peer's chat: its composer says "Message peer"
    (and perhaps more)."""
    return find(window, pred=lambda o: o.get_role_name() == "label"
                and re.match(rf"Message {re.escape(peer)}\b", o.get_name() or ""))


def start_chat(app, peer, failures):
    """Ctrl+N, the peer's name, Return: the chat opens with the composer
    focused."""
    window = find(app, role="frame", name="Mimp")
    key("n", CONTROL)
    dialog = wait_for("the New Chat dialog", lambda: find(app, role="dialog", name="New Chat"))
    focus_window("New Chat")
    failures += audit(dialog, "New Chat")
    type_text(peer)
    key("Return")
    wait_for("the New Chat dialog to close", lambda: find(app, role="dialog", name="New Chat") is None)
    focus_window("Mimp")
    return wait_for("the composer focused",
                    lambda: (lambda f: f if f is not None and f.get_role_name() == "text"
                             and f.get_name() == "Message" else None)(focused(window)))


def run(app, server, alice_pw, bob_pw, failures):
    window = wait_for("the main window", lambda: find(app, role="frame", name="Mimp"))
    time.sleep(1)
    failures += audit(app, "first run")

    # First run: Tab to "Add Account" in the chat list, and add alice.
    focus_window("Mimp")
    tab_to(window, "Add Account", lambda o: o.get_name() == "Add Account")
    key("space")
    dialog = wait_for("the Add Account dialog", lambda: find(app, role="frame", name="Add Account"))
    focus_window("Add Account")
    failures += audit(dialog, "Add Account")
    # The rows' text fields report no FOCUSED state on GTK 4.8 (libadwaita
    # 1.2's entry rows): Tab from the account type, and check what each
    # field got through AT-SPI.
    tab_to(dialog, "Account Type", lambda o: o.get_name() == "Account Type")
    fields = {}
    for label, value in (("Server", f"127.0.0.1:{server.port}"), ("User Name", "alice"),
                         ("Password", alice_pw)):
        key("Tab")
        type_text(value)
        fields[label] = find(dialog, role="text" if label != "Password" else None,
                             pred=lambda o, label=label: (o.get_name() or "").startswith(label)
                             and o.get_role_name() in ("text", "password text"))
    if text_of(fields["Server"]) != f"127.0.0.1:{server.port}":
        failures.append(f"Add Account: the server field reads {text_of(fields['Server'])!r}")
    if text_of(fields["User Name"]) != "alice":
        failures.append(f"Add Account: the user field reads {text_of(fields['User Name'])!r}")
    tab_to(dialog, "Add", lambda o: o.get_name() == "Add", backwards=True)
    key("space")
    wait_for("the account to be added", lambda: find(app, role="frame", name="Add Account") is None,
             30)
    focus_window("Mimp")
    log("account added")

    # A new chat (Ctrl+N) with bob; the composer has the focus: send.
    start_chat(app, "bob", failures)
    type_text("hello bob")
    key("Return")
    wait_for("the message in the list",
             lambda: find(window, pred=lambda o: o.get_role_name() == "label"
                          and o.get_name() == "hello bob"))
    log("sent")

    # bob answers: the open chat announces it.
    events = []

    def on_event(event):
        try:
            events.append((event.type, event.source.get_role_name(), event.source.get_name()))
        except GLib.Error:
            pass

    listener = Atspi.EventListener.new(on_event)
    listener.register("object:property-change:accessible-name")
    listener.register("object:text-changed")
    env = dict(os.environ, MIMP_PASSWORD=bob_pw)
    subprocess.run([os.environ["MIMP_CLI"], "-s", f"127.0.0.1:{server.port}", "-u", "bob", "send",
                    "alice", "are you there?"], env=env, check=True, stdout=subprocess.DEVNULL,
                   timeout=30)
    wait_for("the announcement",
             lambda: any(role == "status bar" and name == "bob: are you there?"
                         for _, role, name in events), 20)
    log("announced:", [e for e in events if e[1] == "status bar"])

    # A second chat, with carol; then back to bob's from the chat list:
    # F6 moves between the regions, the arrows through the list.
    start_chat(app, "carol", failures)
    wait_for("carol's chat", lambda: showing_chat(window, "carol"))
    def to_chat_list():
        for _ in range(4):
            key("F6")
            f = focused(window)
            if f is not None and f.get_role_name() == "list item":
                # Named after the chat (GTK 4.8 leaves list rows unnamed).
                if not re.match(r"(bob|carol)\b", f.get_name() or ""):
                    failures.append(f"chat list: a chat's row is named {f.get_name()!r}")
                return True
        return False

    for downs in range(4):
        if not to_chat_list():
            failures.append(f"F6 never reached the chat list; focus is on "
                            f"{describe(focused(window))}")
            break
        key("Home")
        for _ in range(downs):
            key("Down")
        key("Return")
        if wait_for_opt(lambda: showing_chat(window, "bob"), 2):
            break
    wait_for("bob's chat again", lambda: showing_chat(window, "bob"))
    log("switched chats")

    # Preferences by keyboard, and back.
    key("comma", CONTROL)
    prefs = wait_for("Preferences", lambda: find(app, role="frame", name="Preferences"))
    focus_window("Preferences")
    failures += audit(prefs, "Preferences")
    key("Escape")
    wait_for("Preferences closed", lambda: find(app, role="frame", name="Preferences") is None)
    focus_window("Mimp")
    log("preferences")
    failures += audit(app, "main window")


if __name__ == "__main__":
    main()
