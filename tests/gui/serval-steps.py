#!/usr/bin/python3
"""Serval-specific steps for the GUI test (test-gui-serval.sh), on the guitest harness.

Each step is a command that prints why and exits 1 when what it checks is not so:

    serval-steps.py login SERVER USER PASSWORD   fills the login window and clicks Log In
    serval-steps.py wait-label PREFIX [TIMEOUT]  a showing label whose text starts with PREFIX
    serval-steps.py no-label PREFIX [TIMEOUT]    waits until no showing label starts with PREFIX
    serval-steps.py set-switch NAME on|off       clicks the switch NAME until it is so
    serval-steps.py wait-switch NAME on|off      waits until the switch NAME is so
    serval-steps.py press NAME                   presses the push button NAME
    serval-steps.py show-page NAME               activates the stack switcher's button NAME
    serval-steps.py wait-cells TABLE TEXT...     a table (by name) shows cells with each TEXT
    serval-steps.py tray-item NAME on|off        the tray menu's check item NAME is so
    serval-steps.py close-window TITLE           clicks the header bar's close button of a window
    serval-steps.py label-once PREFIX WORD       the label starting with PREFIX says WORD once only
    serval-steps.py wait-label-has TEXT [TIMEOUT] a showing label that contains TEXT
    serval-steps.py right-of ROLE NAME ROLE NAME the first node is right of the second
    serval-steps.py not-focused ROLE NAME        the node does not have the keyboard focus
    serval-steps.py has-name ROLE NAME           a showing node of ROLE is called NAME
    serval-steps.py select-cell TABLE TEXT       selects the row of the cell TEXT in TABLE
    serval-steps.py checked-cell TABLE ROW NAME on|off  in TABLE's row of the cell ROW, a cell
                                                 called NAME is checked (on) or not (off)
    serval-steps.py notification-has SUMMARY TEXT  the last notification SUMMARY says TEXT
    serval-steps.py menu-check NAME on|off       sets the primary menu's check item NAME so
    serval-steps.py menu-state NAME on|off       the primary menu's check item NAME is so
    serval-steps.py press-starting PREFIX [--check-only]  presses the push button whose
                                                 name starts so (or only checks it is there)
    serval-steps.py clipboard TEXT [TIMEOUT]     the clipboard holds TEXT (read through GTK)
    serval-steps.py no-window SECONDS            no window of the app shows, for SECONDS
    serval-steps.py choose-item NAME ITEM [N]    chooses ITEM in the combo box NAME (with an
                                                 entry); with N, it must be item N (from 0)
    serval-steps.py clear-text NAME              empties the text field NAME
    serval-steps.py toggle-cell TABLE ROW NAME   toggles, through its AT-SPI action, the cell
                                                 called NAME in TABLE's row of the cell ROW
    serval-steps.py no-cell TABLE TEXT [TIMEOUT] waits until TABLE has no cell TEXT
    serval-steps.py label-with PREFIX TEXT [TIMEOUT]  a showing label that starts with PREFIX
                                                 and contains TEXT
    serval-steps.py list-rows LIST MIN [MAX]  the list box LIST has from MIN to MAX (MIN) rows
    serval-steps.py list-has LIST PREFIX     a row of the list box LIST has a label starting
                                             with PREFIX, on screen or scrolled out of sight
    serval-steps.py absent-user LIST PREFIX N  prints the last user PREFIX00000..PREFIX(N-1) no row
                                             of the list box LIST shows ("USER on HOST")
    serval-steps.py button-shows NAME        a visible push button NAME (maybe scrolled away)
    serval-steps.py press-visible NAME       presses it through its action
    serval-steps.py button-gone NAME         waits until no push button NAME is visible
(A TABLE is a tree view by its accessible name: a "tree table", or a "table" for a list.)
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guitest as gt  # noqa: E402

APP = "serval"


def labels(app):
    import pyatspi
    found = []

    def walk(node, depth=0):
        if depth > 40:
            return
        try:
            role = node.getRole()
            showing = node.getState().contains(pyatspi.STATE_SHOWING)
        except Exception:
            return
        if not showing and role != pyatspi.ROLE_APPLICATION:
            return
        if role == pyatspi.ROLE_LABEL:
            found.append(node.name or "")
        for i in range(node.childCount):
            try:
                walk(node.getChildAtIndex(i), depth + 1)
            except Exception:
                pass
    walk(app)
    return found


def label_starting(app, prefix):
    return [t for t in labels(app) if t.startswith(prefix)]


def find_table(app, name):
    """A tree view by name: GTK 3 makes one of a list (no child rows) a "table", of a
    tree a "tree table"."""
    return gt.wait_for(lambda: (app.findChildren(
        lambda n: n.roleName in ("tree table", "table") and n.name == name and n.showing) or [None])[0],
        "a table %r" % name, 20)


def row_cells(table, text):
    """The cells of the row of table whose cell is called text, or None."""
    t = table.queryTable()
    for c in table.findChildren(lambda n: n.roleName == "table cell" and n.name == text):
        row = t.getRowAtIndex(c.getIndexInParent())
        return [t.getAccessibleAt(row, col) for col in range(t.nColumns)]
    return None


def switch_state(node):
    import pyatspi
    return node.getState().contains(pyatspi.STATE_CHECKED)


def list_box(app, name):
    return gt.wait_for(lambda: app.findChildren(
        lambda n: n.roleName == "list box" and n.name == name and n.showing),
        "a list box %r" % name, 20)[0]


def visible_buttons(app, name):
    """The visible push buttons called name, on screen or scrolled out of sight: GTK 3 says
    "showing" only of widgets in the part of a scrolled window on screen, and a button under
    hundreds of rows is not."""
    import pyatspi
    return app.findChildren(lambda n: n.roleName == "push button" and n.name == name
                            and n.getState().contains(pyatspi.STATE_VISIBLE), showingOnly=False)


def big_list_step(app, cmd, args):
    """The steps of lists too long to show at once (test-gui-big-vlan.sh)."""
    import pyatspi
    if cmd == "list-rows":
        node, lo = list_box(app, args[0]), int(args[1])
        hi = int(args[2]) if len(args) > 2 else lo
        seen = []
        try:
            gt.wait_for(lambda: seen.append(node.childCount) or lo <= seen[-1] <= hi,
                        "%d to %d rows in %r" % (lo, hi, args[0]), 30)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; it has %d" % (exc, seen[-1] if seen else -1))
    elif cmd == "list-has":
        node = list_box(app, args[0])
        gt.wait_for(lambda: node.findChildren(
            lambda n: n.roleName == "label" and (n.name or "").startswith(args[1]), showingOnly=False),
            "a label starting with %r in %r" % (args[1], args[0]), 30)
    elif cmd == "absent-user":
        node = list_box(app, args[0])
        shown = {(n.name or "").split(" ")[0] for n in node.findChildren(
            lambda n: n.roleName == "label" and " on " in (n.name or ""), showingOnly=False)}
        absent = [u for u in ("%s%05d" % (args[1], i) for i in range(int(args[2]))) if u not in shown]
        if not absent:
            raise gt.GuiError("every user %s00000.. shows in %r" % (args[1], args[0]))
        print(absent[-1])
    elif cmd == "button-shows":
        gt.wait_for(lambda: visible_buttons(app, args[0]), "a visible push button %r" % args[0], 30)
    elif cmd == "press-visible":
        hits = gt.wait_for(lambda: [b for b in visible_buttons(app, args[0])
                                    if b.getState().contains(pyatspi.STATE_SENSITIVE)],
                           "a visible, sensitive push button %r" % args[0], 30)
        gt.act(hits[0])
    elif cmd == "button-gone":
        gt.wait_for(lambda: not visible_buttons(app, args[0]), "no visible push button %r" % args[0], 30)
    else:
        return False
    return True


def menu_item(app, name):
    """Opens the main window's primary menu (a GtkMenu) and returns its item NAME. The
    menu button is clicked with the pointer, as a user does: a menu popped up through the
    AT-SPI action has no trigger event, and GTK warns. (The main window is the only one
    showing then, so the click cannot land on another.)"""
    menu = gt.find(app, "toggle button", "Menu")
    if not switch_state(menu):
        menu.click()

    def item():
        hits = app.findChildren(lambda n: n.name == name and n.showing
                                and n.roleName in ("check menu item", "menu item"))
        return hits[0] if hits else None
    return gt.wait_for(item, "the menu item %r" % name)


def close_menu(app):
    menu = gt.find(app, "toggle button", "Menu")
    if switch_state(menu):
        subprocess.run(["xdotool", "key", "Escape"], check=True)
    gt.wait_for(lambda: not switch_state(menu), "the primary menu to close")


def read_clipboard():
    import gi
    gi.require_version("Gtk", "3.0")
    from gi.repository import Gdk, Gtk
    Gtk.init_check([])
    return Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).wait_for_text()


def main(argv):
    cmd, args = argv[0], argv[1:]
    app = gt.app(APP)
    if cmd == "login":
        server, user, password = args
        for role, name, text in (("text", "Server", server), ("text", "User name", user),
                                 ("password text", "Password", password)):
            node = gt.find(app, role, name)
            # Keys go to the focused widget: on a busy machine the login window
            # may not have the focus yet when it shows, and typed keys were lost.
            node.grabFocus()
            gt.wait_for(lambda: node.focused, "%r to have the keyboard focus" % name)
            node.text = ""
            node.typeText(text)
            gt.wait_for(lambda: role == "password text" or node.text == text,
                        "%r to hold %r" % (name, text))
        gt.find(app, "push button", "Log In").click()
    elif cmd == "wait-label":
        timeout = float(args[1]) if len(args) > 1 else gt.DEFAULT_TIMEOUT
        try:
            print(gt.wait_for(lambda: label_starting(app, args[0]),
                              "a label starting with %r" % args[0], timeout)[0])
        except gt.GuiError as exc:
            raise gt.GuiError("%s; labels showing: %r" % (exc, labels(app)))
    elif cmd == "no-label":
        timeout = float(args[1]) if len(args) > 1 else gt.DEFAULT_TIMEOUT
        try:
            gt.wait_for(lambda: not label_starting(app, args[0]),
                        "no label starting with %r" % args[0], timeout)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; labels showing: %r" % (exc, labels(app)))
    elif cmd == "set-switch":
        want = args[1] == "on"
        node = gt.find(app, "toggle button", args[0])
        if switch_state(node) != want:
            gt.act(node)
        gt.wait_for(lambda: switch_state(node) == want, "switch %r %s" % (args[0], args[1]), 20)
    elif cmd == "wait-switch":
        want = args[1] == "on"
        node = gt.find(app, "toggle button", args[0])
        gt.wait_for(lambda: switch_state(node) == want, "switch %r %s" % (args[0], args[1]), 20)
    elif cmd == "press":
        gt.act(gt.find(app, "push button", args[0]))
    elif cmd == "press-in":
        gt.act(gt.find(gt.find(app, "frame", args[0]), "push button", args[1]))
    elif cmd == "selected-row":
        # The table's selected row has a cell named args[1].
        table = find_table(app, args[0])
        sel = table.querySelection()
        names = [sel.getSelectedChild(i).name for i in range(sel.nSelectedChildren)]
        if args[1] not in names:
            raise gt.GuiError("the selected row of %r is not %r's: its cells are %r" % (args[0], args[1], names))
    elif cmd == "show-page":
        import pyatspi
        node = gt.find(app, "radio button", args[0])
        gt.act(node)
        gt.wait_for(lambda: node.getState().contains(pyatspi.STATE_CHECKED), "page %r" % args[0], 20)
    elif cmd == "wait-cells":
        table = find_table(app, args[0])

        def cells():
            names = [c.name for c in table.findChildren(lambda n: n.roleName == "table cell")]
            return all(t in names for t in args[1:]) and names
        try:
            gt.wait_for(cells, "cells %r in %r" % (args[1:], args[0]), 20)
        except gt.GuiError as exc:
            names = [c.name for c in table.findChildren(lambda n: n.roleName == "table cell")]
            raise gt.GuiError("%s; cells: %r" % (exc, names))
    elif cmd == "tray-item":
        want = args[1] == "on"
        node = gt.find(app, "check menu item", args[0])
        gt.wait_for(lambda: switch_state(node) == want, "tray item %r %s" % (args[0], args[1]))
    elif cmd == "close-window":
        frame = gt.find(app, "frame", args[0])
        gt.act(gt.find(frame, "push button", "Close"))
        gt.wait_for(lambda: not [f for f in app.findChildren(
            lambda n: n.roleName == "frame" and n.name == args[0] and n.showing, recursive=False)],
            "window %r to close" % args[0])
    elif cmd == "label-with":
        timeout = float(args[2]) if len(args) > 2 else gt.DEFAULT_TIMEOUT
        try:
            gt.wait_for(lambda: [t for t in label_starting(app, args[0]) if args[1] in t],
                        "a label starting with %r with %r" % (args[0], args[1]), timeout)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; labels showing: %r" % (exc, labels(app)))
    elif cmd == "label-once":
        hits = gt.wait_for(lambda: label_starting(app, args[0]), "a label starting with %r" % args[0])
        if hits[0].count(args[1]) != 1:
            raise gt.GuiError("%r says %r %d times" % (hits[0], args[1], hits[0].count(args[1])))
    elif cmd == "wait-label-has":
        timeout = float(args[1]) if len(args) > 1 else gt.DEFAULT_TIMEOUT
        try:
            gt.wait_for(lambda: [t for t in labels(app) if args[0] in t],
                        "a label containing %r" % args[0], timeout)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; labels showing: %r" % (exc, labels(app)))
    elif cmd == "right-of":
        import pyatspi
        a, b = gt.find(app, args[0], args[1]), gt.find(app, args[2], args[3])
        xa = a.queryComponent().getExtents(pyatspi.DESKTOP_COORDS).x
        xb = b.queryComponent().getExtents(pyatspi.DESKTOP_COORDS).x
        if xa <= xb:
            raise gt.GuiError("%r is at x=%d, not right of %r at x=%d" % (args[1], xa, args[3], xb))
    elif cmd == "not-focused":
        import pyatspi
        node = gt.find(app, args[0], args[1])
        time.sleep(0.5)
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            raise gt.GuiError("%r has the keyboard focus" % args[1])
    elif cmd == "has-name":
        gt.find(app, args[0], args[1])
    elif cmd == "select-cell":
        table = find_table(app, args[0])
        cells = gt.wait_for(lambda: [c for c in table.findChildren(
            lambda n: n.roleName == "table cell" and n.name == args[1])], "cell %r" % args[1], 20)
        cells[0].click()
        gt.wait_for(lambda: table.querySelection().nSelectedChildren > 0, "a selected row")
    elif cmd == "checked-cell":
        import pyatspi
        # GTK 3 makes a tree view of a list (no child rows) a "table", of a tree a "tree table".
        table = gt.find(app, "table", args[0])
        name, want = args[2], args[3] == "on"
        cells = gt.wait_for(lambda: row_cells(table, args[1]), "a cell %r in %r" % (args[1], args[0]), 20)
        named = [c for c in cells if c is not None and c.name == name]
        if not named:
            raise gt.GuiError("the row of %r has no cell called %r: %r"
                              % (args[1], name, [(c.roleName, c.name) for c in cells if c is not None]))
        states = named[0].getState()
        if not states.contains(pyatspi.STATE_CHECKABLE):
            raise gt.GuiError("the cell %r of %r is not checkable" % (name, args[1]))
        if states.contains(pyatspi.STATE_CHECKED) != want:
            raise gt.GuiError("the cell %r of %r is %s" % (name, args[1], "unchecked" if want else "checked"))
    elif cmd == "toggle-cell":
        table = find_table(app, args[0])
        cells = gt.wait_for(lambda: row_cells(table, args[1]), "a cell %r in %r" % (args[1], args[0]), 20)
        named = [c for c in cells if c is not None and c.name == args[2]]
        if not named:
            raise gt.GuiError("the row of %r has no cell called %r" % (args[1], args[2]))
        gt.act(named[0])
    elif cmd == "no-cell":
        table = find_table(app, args[0])
        timeout = float(args[2]) if len(args) > 2 else gt.DEFAULT_TIMEOUT
        gt.wait_for(lambda: not table.findChildren(lambda n: n.roleName == "table cell" and n.name == args[1]),
                    "no cell %r in %r" % (args[1], args[0]), timeout)
    elif cmd == "notification-has":
        calls = [n for n in gt.notifications() if n["summary"] == args[0]]
        if not calls or args[1] not in calls[-1]["body"]:
            raise gt.GuiError("the last %r notification does not say %r: %r"
                              % (args[0], args[1], calls[-1]["body"] if calls else None))
    elif cmd in ("menu-check", "menu-state"):
        want = args[1] == "on"
        node = menu_item(app, args[0])
        if node.roleName != "check menu item":
            close_menu(app)
            raise gt.GuiError("%r is a %r, not a check menu item" % (args[0], node.roleName))
        if cmd == "menu-check" and switch_state(node) != want:
            gt.act(node)
            # The menu closes on a click: open it again to read the new state.
            gt.wait_for(lambda: not switch_state(gt.find(app, "toggle button", "Menu")),
                        "the primary menu to close")
            gt.wait_for(lambda: switch_state(menu_item(app, args[0])) == want,
                        "menu item %r %s" % (args[0], args[1]))
        elif switch_state(node) != want:
            close_menu(app)
            raise gt.GuiError("the menu item %r is not %s" % (args[0], args[1]))
        close_menu(app)
    elif cmd == "press-starting":
        hits = gt.wait_for(lambda: app.findChildren(
            lambda n: n.roleName == "push button" and (n.name or "").startswith(args[0])
            and n.showing), "a push button starting with %r" % args[0])
        if args[1:] != ["--check-only"]:
            gt.act(hits[0])
    elif cmd == "clipboard":
        timeout = float(args[1]) if len(args) > 1 else gt.DEFAULT_TIMEOUT
        seen = []

        def holds():
            seen.append(read_clipboard())
            return seen[-1] == args[0]
        try:
            gt.wait_for(holds, "the clipboard to hold %r" % args[0], timeout)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; it holds %r" % (exc, seen[-1] if seen else None))
    elif cmd == "no-window":
        end = time.monotonic() + float(args[0])
        while time.monotonic() < end:
            shown = [f.name for f in app.findChildren(
                lambda n: n.roleName in ("frame", "dialog", "alert") and n.showing, recursive=False)]
            if shown:
                raise gt.GuiError("windows show: %r" % shown)
            time.sleep(0.2)
    elif cmd == "choose-item":
        # GTK 3 does not show a combo box's menu to AT-SPI until it has popped up once,
        # so items are chosen through the combo box's selection, by position, and read
        # back from its entry.
        combo = gt.find(app, "combo box", args[0])
        entry = gt.find(combo, "text", None)
        seen = []
        for i in range(int(args[2]) + 1 if len(args) > 2 else 10):
            combo.querySelection().selectChild(i)
            time.sleep(0.3)
            seen.append(entry.text)
            if entry.text == args[1]:
                break
        if seen[-1] != args[1] or (len(args) > 2 and len(seen) != int(args[2]) + 1):
            raise gt.GuiError("%r is not item %s of %r: the items are %r"
                              % (args[1], args[2] if len(args) > 2 else "-", args[0], seen))
    elif big_list_step(app, cmd, args):
        pass
    elif cmd == "clear-text":
        node = gt.find(app, "text", args[0])
        node.text = ""
        gt.wait_for(lambda: node.text == "", "%r to be empty" % args[0])
    else:
        return gt.unknown_step(__doc__)
    return 0


if __name__ == "__main__":
    gt.run_steps(main, "serval-steps")
