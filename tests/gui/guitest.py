#!/usr/bin/python3
"""The python side of Serval's GUI test harness (see README.md in this folder).

Run it with Debian's /usr/bin/python3 (dogtail and pyatspi are Debian packages, not in a
virtualenv), inside a session started by lib-gui.sh (gui_start): DISPLAY, XAUTHORITY,
DBUS_SESSION_BUS_ADDRESS and GUI_OUT must be set, which gui_exec and gui_py do.

As a module, for a dogtail driver:

    import guitest as gt
    app = gt.app("smoke-app.py")
    gt.find(app, "text", "Name").typeText("Ada")
    gt.wait_for(lambda: gt.find(app, "label", None).text == "Hello, Ada", "the greeting")
    gt.click_tray_icon("Smoke")
    item = gt.find(app, "menu item", "Quit Smoke")
    gt.screenshot_node(item.parent, "/tmp/menu.png")

As a command, for bash (each prints a reason and exits 1 on failure):

    guitest.py session-ready [TIMEOUT]         waits for an XEmbed tray and the AT-SPI registry
    guitest.py tray-icons                      X Y W H NAME (class ...), one a docked icon
    guitest.py wait-tray-icon NAME [TIMEOUT]   waits until that icon is docked
    guitest.py click-tray NAME [BUTTON]        clicks the icon with xdotool; NAME is the
                                               plug's title or WM_CLASS, or #N for the Nth
    guitest.py wait-app APP [TIMEOUT]          waits until APP is on the AT-SPI bus
    guitest.py dump APP                        prints APP's accessible tree
    guitest.py click APP ROLE NAME             clicks a node (dogtail click)
    guitest.py type APP ROLE NAME TEXT         types TEXT into a node, checks it arrived
    guitest.py wait-node APP ROLE NAME [TIMEOUT]  waits until a showing node exists
    guitest.py wait-text APP ROLE NAME TEXT [TIMEOUT]  waits until the node's text is TEXT
    guitest.py screenshot-window TITLE FILE    PNG of one top-level X window, by title
    guitest.py screenshot-root FILE            PNG of the whole screen
    guitest.py screenshot-node APP ROLE NAME FILE  PNG of the screen area of one node
    guitest.py image-check FILE [MIN_COLOURS]  fails if the PNG is blank (too few colours)
    guitest.py notifications                   SUMMARY<TAB>BODY<TAB>SHOWN, one a line
    guitest.py count-notifications             how many Notify calls were recorded so far
    guitest.py wait-notification SUMMARY [TIMEOUT [SINCE]]  waits until the daemon
                                               answered one, skipping the first SINCE calls

A NAME of "-" means any name.
"""

import ctypes
import ctypes.util
import os
import re
import subprocess
import sys
import time

DEFAULT_TIMEOUT = float(os.environ.get("GUI_TIMEOUT", "15"))
# A wait's limit is what a quiet machine needs at most; it gives up only after this
# many times that (as tests/e2e/lib.sh does), so a busy machine fails no check.
WAIT_SCALE = float(os.environ.get("SERVAL_TEST_WAIT_SCALE", "3"))


class GuiError(AssertionError):
    pass


def wait_for(predicate, what, timeout=DEFAULT_TIMEOUT, interval=0.1):
    """Calls predicate until it returns something true; returns that, or raises GuiError."""
    timeout *= WAIT_SCALE
    end = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # AT-SPI raises while widgets come and go
            last_exc = exc
        if time.monotonic() > end:
            why = " (last error: %s)" % last_exc if last_exc else ""
            raise GuiError("timed out after %gs waiting for %s%s" % (timeout, what, why))
        time.sleep(interval)


def _run(argv, **kw):
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout
    except FileNotFoundError:
        raise GuiError("cannot run %s: it is not installed (see tests/gui/README.md for "
                       "the packages)" % argv[0])
    except subprocess.CalledProcessError as exc:
        raise GuiError("%s failed (%d): %s" % (" ".join(argv), exc.returncode,
                                                exc.stderr.strip()))


# --- X11 --------------------------------------------------------------------------------

def tray_owner():
    """The window that owns _NET_SYSTEM_TRAY_S0 on screen 0, or 0 if there is no tray."""
    xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetSelectionOwner.restype = ctypes.c_ulong
    xlib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = xlib.XOpenDisplay(None)
    if not dpy:
        raise GuiError("cannot open the X display %r" % os.environ.get("DISPLAY"))
    try:
        atom = xlib.XInternAtom(dpy, b"_NET_SYSTEM_TRAY_S0", 0)
        return xlib.XGetSelectionOwner(dpy, atom)
    finally:
        xlib.XCloseDisplay(dpy)


_WIN_RE = re.compile(r'^(\s*)(0x[0-9a-f]+) (?:"(.*)"|\(has no name\)): \((.*)\)\s+'
                     r'(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)')


def _window_tree():
    """(depth, id, name, class, w, h, abs_x, abs_y) for every window under the root."""
    rows = []
    for line in _run(["xwininfo", "-root", "-tree"]).splitlines():
        m = _WIN_RE.match(line)
        if m:
            indent, wid, name, cls, w, h, x, y = m.groups()
            rows.append((len(indent), int(wid, 16), name or "", cls, int(w), int(h),
                         int(x), int(y)))
    return rows


def tray_icons():
    """Docked icons as (x, y, w, h, name, classes): the windows embedded in the tray's
    panel. name is the plug's title (gtk_status_icon_set_title, else the program name);
    classes its WM_CLASS strings (gtk_status_icon_set_name; AppIndicator's id)."""
    rows = _window_tree()
    icons = []
    for i, (depth, _wid, name, cls, *_rest) in enumerate(rows):
        if name == "panel" and '"trayer"' in cls:
            # The panel's children are trayer's sockets; their children are the plugs.
            for d2, _w2, n2, c2, w, h, x, y in rows[i + 1:]:
                if d2 <= depth:
                    break
                if d2 == depth + 6 and w > 1 and h > 1:
                    icons.append((x, y, w, h, n2, re.findall(r'"([^"]*)"', c2)))
    return icons


def find_tray_icon(name):
    """The docked icon whose title or WM_CLASS is name, or "#N" for the Nth (from 1)."""
    icons = tray_icons()
    if name.startswith("#"):
        n = int(name[1:])
        return icons[n - 1] if 0 < n <= len(icons) else None
    hits = [i for i in icons if i[4] == name or name in i[5]]
    return hits[0] if hits else None


def click_tray_icon(name, button=1):
    """Clicks the middle of a docked icon (see find_tray_icon) with xdotool."""
    icon = wait_for(lambda: find_tray_icon(name),
                    "a tray icon %r (docked: %r)" % (name, tray_icons()))
    x, y, w, h = icon[:4]
    _run(["xdotool", "mousemove", "--sync", str(x + w // 2), str(y + h // 2),
          "click", str(button)])
    return icon


def window_id(title, timeout=DEFAULT_TIMEOUT):
    """The X id (hex) of the visible top-level window whose title is exactly title. Only
    children of the root count: a docked status icon's plug often has the same title."""
    pattern = "^%s$" % re.escape(title)

    def search():
        visible = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", pattern],
                                 capture_output=True, text=True).stdout.split()
        rows = _window_tree()
        top = min(r[0] for r in rows)
        toplevel = {r[1] for r in rows if r[0] == top}
        hits = [int(v) for v in visible if int(v) in toplevel]
        return "0x%x" % hits[-1] if hits else None
    return wait_for(search, "a visible top-level window titled %r" % title, timeout)


def _stable_capture(source, path, extra=(), tries=10):
    """Captures until two captures in a row are the same picture, so that a window that
    was just mapped, raised or changed has finished repainting (no sleeps)."""
    previous = None
    for _ in range(tries):
        _run(["import", "-window", source, *extra, "-strip",
              "-define", "png:exclude-chunks=date,time", path])
        with open(path, "rb") as f:
            data = f.read()
        if data == previous:
            return path
        previous = data
        time.sleep(0.05)
    # Something keeps moving (a spinner): the last picture is still a true one.
    print("guitest: the picture of %s kept changing over %d captures; kept the last"
          % (source, tries), file=sys.stderr)
    return path


def screenshot_window(title, path):
    """PNG of one window, raised first: with no window manager windows overlap at 0,0."""
    wid = window_id(title)
    _run(["xdotool", "windowraise", wid])
    return _stable_capture(wid, path)


def screenshot_root(path):
    return _stable_capture("root", path)


def screenshot_area(x, y, w, h, path):
    return _stable_capture("root", path, ["-crop", "%dx%d+%d+%d" % (w, h, x, y), "+repage"])


def screenshot_node(node, path, margin=4):
    """PNG of the screen area a node covers (for popups: a menu has no window title)."""
    import pyatspi
    ext = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    if ext.width <= 0 or ext.height <= 0:
        raise GuiError("%s has no area on screen (%r)" % (node, ext))
    return screenshot_area(max(ext.x - margin, 0), max(ext.y - margin, 0),
                           ext.width + 2 * margin, ext.height + 2 * margin, path)


def image_colours(path):
    return int(_run(["identify", "-format", "%k", path]).strip())


def check_image(path, min_colours=8):
    """Fails if the PNG is missing or (nearly) one colour: a blank screenshot."""
    if not os.path.exists(path):
        raise GuiError("no screenshot at %s" % path)
    n = image_colours(path)
    if n < min_colours:
        raise GuiError("%s looks blank: %d colour(s), want at least %d" % (path, n, min_colours))
    return n


# --- notifications ----------------------------------------------------------------------

def _monitor_log():
    out = os.environ.get("GUI_OUT")
    if not out:
        raise GuiError("GUI_OUT is not set: run through gui_exec/gui_py from lib-gui.sh")
    return os.path.join(out, "notifications.log")


_HEAD_RE = re.compile(r"^(method call|method return|error|signal) .*?sender=(\S+) -> "
                      r"destination=(\S+) serial=(\d+)(?: reply_serial=(\d+))?(.*)$")
_STR_RE = re.compile(r'^   string "(.*)"$')


def notifications(path=None):
    """Notify calls recorded by dbus-monitor: dicts with app, summary, body and shown (the
    id the daemon answered with, or None if it has not answered or answered an error)."""
    with open(path or _monitor_log(), encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    calls, replies = [], {}
    i = 0
    while i < len(lines):
        m = _HEAD_RE.match(lines[i])
        i += 1
        if not m:
            continue
        kind, sender, _dest, serial, reply_serial, rest = m.groups()
        body = []
        while i < len(lines) and lines[i].startswith(" "):
            body.append(lines[i])
            i += 1
        if kind == "method call" and "member=Notify" in rest:
            strings = [s.group(1) for s in map(_STR_RE.match, body) if s]
            # app_name, (uint32 replaces_id), app_icon, summary, body, ...
            if len(strings) >= 4:
                calls.append({"sender": sender, "serial": serial, "app": strings[0],
                              "summary": strings[2], "body": strings[3], "shown": None})
        elif kind == "method return" and reply_serial:
            ids = [b.split()[-1] for b in body if b.strip().startswith("uint32 ")]
            replies[(_dest, reply_serial)] = ids[0] if ids else None
    for c in calls:
        c["shown"] = replies.get((c["sender"], c["serial"]))
    return calls


def wait_notification(summary, timeout=DEFAULT_TIMEOUT, since=0):
    """Waits until a notification with this summary was sent and the daemon answered it
    with an id; since skips that many earlier Notify calls. Returns the notification."""
    def seen():
        hits = [n for n in notifications()[since:] if n["summary"] == summary and n["shown"]]
        return hits[0] if hits else None
    try:
        return wait_for(seen, "a notification with summary %r" % summary, timeout)
    except GuiError as exc:
        got = ["%r (shown: %s)" % (n["summary"], n["shown"]) for n in notifications()]
        raise GuiError("%s; recorded: %s" % (exc, ", ".join(got) or "none"))


# --- AT-SPI / dogtail -------------------------------------------------------------------

def _dogtail():
    from dogtail.config import config
    # dogtail writes under /tmp/dogtail-$LOGNAME unless told otherwise; keep it in GUI_OUT.
    # Its step log ("Clicking on [push button | Greet]") goes to stdout, into checks.log.
    scratch = os.path.join(os.environ.get("GUI_OUT", "/tmp"), "dogtail", "")
    config.scratchDir = scratch
    config.dataDir = os.path.join(scratch, "data", "")
    config.logDir = os.path.join(scratch, "logs", "")
    config.logDebugToFile = False
    config.logDebugToStdOut = True
    config.searchShowingOnly = True
    # Our own waits replace dogtail's long retry loops and fixed delays.
    config.searchCutoffCount = 1
    config.defaultDelay = 0.1
    config.actionDelay = 0.2
    config.typingDelay = 0.02
    from dogtail import tree
    return tree


def a11y_ready():
    import pyatspi
    desktop = pyatspi.Registry.getDesktop(0)
    return desktop is not None and desktop.childCount >= 0


def app(name, timeout=DEFAULT_TIMEOUT):
    """The application called name on the AT-SPI bus (its program name, g_get_prgname)."""
    tree = _dogtail()

    def look():
        return [a for a in tree.root.applications() if a.name == name]
    try:
        return wait_for(look, "application %r on the AT-SPI bus" % name, timeout)[0]
    except GuiError as exc:
        names = [a.name for a in tree.root.applications()]
        raise GuiError("%s; applications seen: %r (is accessibility on and NO_AT_BRIDGE "
                       "unset? see tests/gui/README.md)" % (exc, names))


def find(parent, role, name=None, timeout=DEFAULT_TIMEOUT):
    """The first showing descendant with this role (and name, if not None)."""
    _dogtail()
    from dogtail import predicate
    pred = predicate.GenericPredicate(name=name if name not in (None, "-") else "",
                                      roleName=role)
    return wait_for(lambda: parent.findChild(pred, retry=False, requireResult=False,
                                             showingOnly=True),
                    "a showing %r named %r in %s" % (role, name, parent.name), timeout)


def type_text(node, text, timeout=DEFAULT_TIMEOUT):
    """Types text into node with dogtail (real key events to the focused window), then
    waits until the node shows it: keys sent before the focus arrived would be lost."""
    before = node.text or ""
    node.grabFocus()
    wait_for(lambda: node.focused, "the keyboard focus in %s %r" % (node.roleName, node.name), timeout)
    node.typeText(text)
    if node.roleName == "password text":   # shows bullets, not the text
        wait_for(lambda: len(node.text or "") >= len(before) + len(text),
                 "%d more characters in the password field" % len(text), timeout)
    else:
        wait_for(lambda: text in (node.text or ""), "%r in %s %r (it has %r)"
                 % (text, node.roleName, node.name, node.text), timeout)
    return node


def act(node):
    """Activates a node through its AT-SPI action, as an assistive technology would (no
    pointer: with no window manager, windows overlap at 0,0 and a click may land on
    another one)."""
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    for want in ("toggle", "click", "activate", "press"):
        if want in names:
            action.doAction(names.index(want))
            return
    raise GuiError("%s has no action to press (actions: %r)" % (node, names))


def unknown_step(usage):
    """For a steps script's main(): prints its usage; returns the exit status of a step
    it does not know (2)."""
    print(usage)
    return 2


def run_steps(main, name):
    """The entry of a steps script: runs main(argv) and exits with its status; a failed
    step prints NAME, the step and its reason, and exits 1."""
    try:
        sys.exit(main(sys.argv[1:]))
    except GuiError as exc:
        print("%s %s: %s" % (name, " ".join(sys.argv[1:2]), exc), file=sys.stderr)
        sys.exit(1)


def _cli(argv):
    cmd, args = (argv[0], argv[1:]) if argv else ("", [])
    if cmd in ("help", "-h", "--help"):
        print(__doc__)
    elif cmd == "session-ready":
        timeout = float(args[0]) if args else DEFAULT_TIMEOUT
        wait_for(tray_owner, "an XEmbed tray owning _NET_SYSTEM_TRAY_S0", timeout)
        wait_for(a11y_ready, "the AT-SPI registry", timeout)
    elif cmd == "tray-icons":
        for x, y, w, h, name, classes in tray_icons():
            print("%d %d %d %d %s (class %s)" % (x, y, w, h, name, " ".join(classes)))
    elif cmd == "wait-tray-icon":
        wait_for(lambda: find_tray_icon(args[0]), "a tray icon %r" % args[0],
                 float(args[1]) if len(args) > 1 else DEFAULT_TIMEOUT)
    elif cmd == "click-tray":
        click_tray_icon(args[0], int(args[1]) if len(args) > 1 else 1)
    elif cmd == "wait-app":
        app(args[0], float(args[1]) if len(args) > 1 else DEFAULT_TIMEOUT)
    elif cmd == "dump":
        app(args[0]).dump()
    elif cmd == "click":
        find(app(args[0]), args[1], args[2]).click()
    elif cmd == "type":
        type_text(find(app(args[0]), args[1], args[2]), args[3])
    elif cmd == "wait-node":
        find(app(args[0]), args[1], args[2], float(args[3]) if len(args) > 3 else DEFAULT_TIMEOUT)
    elif cmd == "wait-text":
        a, timeout = app(args[0]), float(args[4]) if len(args) > 4 else DEFAULT_TIMEOUT
        node = find(a, args[1], args[2], timeout)
        try:
            wait_for(lambda: node.text == args[3], "text %r" % args[3], timeout)
        except GuiError as exc:
            raise GuiError("%s in %s %r; it is %r" % (exc, args[1], args[2], node.text))
    elif cmd == "screenshot-window":
        screenshot_window(args[0], args[1])
    elif cmd == "screenshot-root":
        screenshot_root(args[0])
    elif cmd == "screenshot-node":
        screenshot_node(find(app(args[0]), args[1], args[2]), args[3])
    elif cmd == "image-check":
        print(check_image(args[0], int(args[1]) if len(args) > 1 else 8))
    elif cmd == "notifications":
        for n in notifications():
            print("%s\t%s\t%s" % (n["summary"], n["body"], n["shown"]))
    elif cmd == "count-notifications":
        print(len(notifications()))
    elif cmd == "wait-notification":
        wait_notification(args[0], float(args[1]) if len(args) > 1 else DEFAULT_TIMEOUT,
                          int(args[2]) if len(args) > 2 else 0)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(_cli(sys.argv[1:]))
    except GuiError as exc:
        print("guitest %s: %s" % (" ".join(sys.argv[1:2]), exc), file=sys.stderr)
        sys.exit(1)
    except IndexError:
        print("guitest: missing arguments for %r\n%s" % (sys.argv[1:2], __doc__), file=sys.stderr)
        sys.exit(2)
