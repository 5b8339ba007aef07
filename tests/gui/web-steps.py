#!/usr/bin/python3
"""Steps of the GUI test of announced web pages (test-gui-web.sh), on the guitest harness
and serval-steps.py's helpers. Each prints why and exits 1 when what it checks is not so:

    web-steps.py web-button WHO URL        a showing "Open Web Page of WHO on …" button whose
                                           tooltip and accessible description are URL
    web-steps.py no-web-button WHO         WHO's row shows (its Copy Address button) and
                                           has no showing Open Web Page button
    web-steps.py announce on PORT https|http PATH | announce off
                                           sets the dialog of the primary menu's
                                           "Announce My Web Page…" so and saves it
    web-steps.py set-check NAME on|off     sets the check box NAME so (test-gui-hidden.sh)
    web-steps.py no-window-now             no window of the app shows now (a frame, dialog
                                           or alert; the tray's menu is none of them)
"""

import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import guitest as gt  # noqa: E402

_spec = importlib.util.spec_from_file_location("serval_steps", os.path.join(here, "serval-steps.py"))
steps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(steps)

APP = "serval"


def buttons(app, prefix):
    return app.findChildren(lambda n: n.roleName == "push button" and (n.name or "").startswith(prefix)
                            and n.showing)


def web_button(app, who, url):
    prefix = "Open Web Page of %s on " % who
    seen = []

    def right():
        hits = buttons(app, prefix)
        seen[:] = [(b.name, b.description) for b in hits]
        return hits and hits[0].description == url and hits[0].sensitive
    try:
        gt.wait_for(right, "a sensitive button %r… described as %r" % (prefix, url), 20)
    except gt.GuiError as exc:
        raise gt.GuiError("%s; buttons seen (name, description): %r" % (exc, seen))


def no_web_button(app, who):
    gt.wait_for(lambda: buttons(app, "Copy Address of %s on " % who), "%s's row" % who, 20)
    shown = [b.name for b in buttons(app, "Open Web Page of %s on " % who)]
    if shown:
        raise gt.GuiError("%s announces no web page, yet the row shows %r" % (who, shown))


def the_dialog(app):
    return (app.findChildren(lambda n: n.roleName == "dialog" and n.name == "Announce Your Web Page"
                             and n.showing, recursive=False) or [None])[0]


def announce(app, args):
    gt.act(steps.menu_item(app, "Announce My Web Page…"))
    dialog = gt.wait_for(lambda: the_dialog(app), "the dialog Announce Your Web Page")
    on = gt.find(dialog, "check box", "Announce my web page on port")
    if steps.switch_state(on) != (args[0] == "on"):
        gt.act(on)
    gt.wait_for(lambda: steps.switch_state(on) == (args[0] == "on"), "the check box to be %s" % args[0])
    if args[0] == "on":
        port, scheme, path = args[1:]
        gt.find(dialog, "spin button", "Port").queryValue().currentValue = float(port)
        https = gt.find(dialog, "check box", "Over HTTPS")
        if steps.switch_state(https) != (scheme == "https"):
            gt.act(https)
        entry = gt.find(dialog, "text", "Path")
        entry.queryEditableText().setTextContents(path)
        gt.wait_for(lambda: entry.text == path, "the path %r" % path)
    gt.act(gt.find(dialog, "push button", "Save"))
    # (Asked of the app, not of the dialog's node: a destroyed widget's accessible only
    # makes GTK complain.)
    gt.wait_for(lambda: the_dialog(app) is None, "the dialog to close")


def main(argv):
    cmd, args = argv[0], argv[1:]
    app = gt.app(APP)
    if cmd == "web-button":
        web_button(app, args[0], args[1])
    elif cmd == "no-web-button":
        no_web_button(app, args[0])
    elif cmd == "announce":
        announce(app, args)
    elif cmd == "set-check":
        box = gt.find(app, "check box", args[0])
        if steps.switch_state(box) != (args[1] == "on"):
            gt.act(box)
        gt.wait_for(lambda: steps.switch_state(box) == (args[1] == "on"), "%r %s" % (args[0], args[1]))
    elif cmd == "no-window-now":
        shown = [f.name for f in app.findChildren(
            lambda n: n.roleName in ("frame", "dialog", "alert") and n.showing, recursive=False)]
        if shown:
            raise gt.GuiError("windows show: %r" % shown)
    else:
        raise gt.GuiError("unknown step %r" % cmd)


if __name__ == "__main__":
    gt.run_steps(main, "web-steps.py")
