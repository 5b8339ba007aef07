#!/usr/bin/python3
"""Steps for the translation test (test-gui-i18n.sh), on the guitest harness.

The app runs in a language (LANGUAGE, with SERVAL_LOCALEDIR pointing at the built
catalogues); steps name widgets by their English msgid and find them by its translation,
so a test reads as the English one does. Each prints why and exits 1 on failure:

    i18n-steps.py login SERVER USER PASSWORD   fills the login window, presses Log In
    i18n-steps.py press MSGID [ARG...]         presses the push button called so (ARGs
                                               fill the msgid's %s)
    i18n-steps.py click ROLE MSGID [ARG...]    clicks a node with the pointer
    i18n-steps.py wait-node ROLE MSGID [ARG...]  waits until a showing node is called so
    i18n-steps.py set-switch MSGID ARG         switches the toggle button on
    i18n-steps.py show-page MSGID [gtk]        activates the stack switcher's button (a
                                               msgid of GTK's catalogue with "gtk")
    i18n-steps.py select-cell TABLE-MSGID TEXT selects the row of cell TEXT in a table
    i18n-steps.py close-window ROLE [TITLE-MSGID]  the Close button of a frame or dialog
                                               (GTK's own: its name is GTK's translation)
    i18n-steps.py tr MSGID [ARG...]            prints the translation as a widget shows it
    i18n-steps.py wait-label MSGID             a showing label starts as its translation does
    i18n-steps.py wait-text TEXT               a showing label starts with TEXT
    i18n-steps.py wait-notifications N         waits until more than N notifications showed
    i18n-steps.py collect WHERE                adds every accessible name, description and
                                               text of the app to GUI_OUT/i18n-LANG.tsv
    i18n-steps.py selftest LANG                the checker flags known English, passes po/LANG.po
    i18n-steps.py check LANG SINCE EXCLUDE...  checks what was collected (and the
                                               notifications after the first SINCE): no
                                               English; EXCLUDE are user data (names, hosts,
                                               addresses) left out
"""

import gettext
import importlib.util
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import guitest as gt  # noqa: E402

APP = "serval"
TOP = os.path.dirname(os.path.dirname(HERE))
LANG = os.environ.get("LANGUAGE", "").split(":")[0]

# English words that a Spanish or Galician string has no business containing. A word the
# language's own catalogue uses (Galician "no") is dropped from the list for that language,
# unless its English has it too (a command: "ip link delete").
ENGLISH_WORDS = """the and to of is are was not no yes with for from this that your you
please connect connected connecting disconnect disconnected server error cannot could
failed wrong password user name login log in out join leave member members address
network about quit close cancel help settings refresh menu add delete remove kick grant
revoke users online offline reconnecting reconnected waiting trust certificate keyring
remember start when by on at it its has have be will been connection state new show
copy open shares since host addresses administrator administration why dismiss computer
all or can may there here what which again now only already exists named too many
first lost longer than another newer must should does did try wait ask right his her
their""".split()


def _translation():
    localedir = os.environ.get("SERVAL_LOCALEDIR")
    if not localedir or not LANG:
        raise gt.GuiError("SERVAL_LOCALEDIR and LANGUAGE must be set (test-gui-i18n.sh sets them)")
    return gettext.translation("serval", localedir=localedir, languages=[LANG])


def tr(msgid, *args):
    """The translation of msgid as a widget shows it: the mnemonic underscore removed,
    %s filled with args."""
    text = _translation().gettext(msgid)
    if "_" in msgid:
        text = re.sub(r"_(?=\w)", "", text, count=1)
    return text % args if args else text


def tr_gtk(msgid):
    """GTK's own translation (its header bar's Close, the About dialog's Credits)."""
    return gettext.translation("gtk30", localedir="/usr/share/locale", languages=[LANG],
                               fallback=True).gettext(msgid)


# --- collecting -------------------------------------------------------------------------

def walk(app):
    """(where, kind, string) for every non-empty name, description and text of every node
    under app, showing or not (a hidden page of a stack is text the user reaches)."""
    import pyatspi
    found = []
    seen = set()

    def visit(node, path, depth):
        if depth > 60 or len(seen) > 20000:
            return
        try:
            key = hash(node)
            role = node.getRoleName()
            name, desc = node.name or "", node.description or ""
            count = node.childCount
            states = node.getState()
        except Exception:
            return
        if key in seen:
            return
        seen.add(key)
        here = "%s/%s" % (path, role) if path else role
        if name:
            found.append((here, "name", name))
        if desc:
            found.append((here, "description", desc))
        try:
            text = node.queryText()
            value = text.getText(0, -1)
            editable = states.contains(pyatspi.STATE_EDITABLE)
            if value and value != name and not editable and role != "password text":
                found.append((here, "text", value))
        except Exception:
            pass
        # A tree view's cells are its rows' data: walk them, but not thousands.
        for i in range(min(count, 500)):
            try:
                visit(node.getChildAtIndex(i), here, depth + 1)
            except Exception:
                pass
    visit(app, "", 0)
    return found


def collect(where):
    app = gt.app(APP)
    rows = walk(app)
    path = os.path.join(os.environ["GUI_OUT"], "i18n-%s.tsv" % LANG)
    with open(path, "a", encoding="utf-8") as f:
        for node, kind, text in rows:
            f.write("%s\t%s\t%s\t%s\n" % (where, node, kind, text.replace("\\", "\\\\")
                                          .replace("\n", "\\n").replace("\t", "\\t")))
    print("%d strings in %s" % (len(rows), where))


# --- checking ---------------------------------------------------------------------------

def read_po(lang):
    spec = importlib.util.spec_from_file_location(
        "check_translations", os.path.join(TOP, "po", "check-translations.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return [e for e in mod.read_po(os.path.join(TOP, "po", lang + ".po"))
            if not e["obsolete"] and not e["fuzzy"]]


def shown_forms(msgid):
    """What a widget shows for msgid: as is, without its mnemonic underscore, without
    Pango markup."""
    forms = {msgid, re.sub(r"_(?=\w)", "", msgid, count=1), re.sub(r"<[^>]+>", "", msgid)}
    return {f for f in forms if f}


def pattern(form):
    """A regex for a msgid: %s, %d... match anything."""
    parts = re.split(r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?(?:l|ll|z|h)?[sdiuxXfgc]", form)
    return ".+?".join(re.escape(p) for p in parts), parts


def words(text):
    """Lower-case words; a hyphenated command name (serval-server) is one word."""
    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())


class Catalogue:
    def __init__(self, lang):
        self.exact, self.contains = [], []
        own = set()
        for e in read_po(lang):
            for s in e["strs"].values():
                # a word of the translation that is not in the English ("ip link delete")
                own.update(set(words(s)) - set(words(e["id"])))
            if all(s == e["id"] for s in e["strs"].values()):
                continue   # the same in both languages ("VLAN", "Serval", "MAC")
            # An untranslated message (msgstr "") shows its English: it is checked too.
            for form in shown_forms(e["id"]):
                rx, parts = pattern(form)
                literal = " ".join(parts)
                if len(re.findall(r"[A-Za-z]", literal)) < 3:
                    continue   # "%s (%s)": nothing English to see
                self.exact.append((re.compile(r"\A(?:%s)\Z" % rx, re.S), e["id"]))
                # "contains": the longest literal piece of 3 or more words
                for p in parts:
                    if len(words(p)) >= 3:
                        self.contains.append((p.strip(), e["id"]))
        self.english = [w for w in ENGLISH_WORDS if w not in own]

    def problems(self, text, stripped):
        """Why text is English (stripped: text without the test's user data)."""
        why = []
        for rx, msgid in self.exact:
            if rx.match(text):
                why.append("is the English msgid %r" % msgid)
                break
        if not why:
            for piece, msgid in self.contains:
                if piece in text:
                    why.append("contains %r, English of the msgid %r" % (piece, msgid))
                    break
        if not why:
            hits = sorted(set(words(stripped)) & set(self.english))
            if hits:
                why.append("has the English word(s) %s" % ", ".join(hits))
        return why


def gtk_catalogue(lang):
    """GTK's own msgids whose translation differs, for an exact match: GTK's strings in
    the app (the About dialog, file choosers, stock labels) come from it."""
    out = {}
    path = "/usr/share/locale/%s/LC_MESSAGES/gtk30.mo" % lang
    if os.path.exists(path):
        with open(path, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
        for k, v in cat.items():
            if isinstance(k, str) and k and v and k != v:
                msgid = k.split("\x04", 1)[-1]
                if len(re.findall(r"[A-Za-z]", msgid)) >= 3:
                    out[re.sub(r"_(?=\w)", "", msgid, count=1)] = v
    return out


def check(lang, since, exclude):
    cat = Catalogue(lang)
    gtk = gtk_catalogue(lang)
    path = os.path.join(os.environ["GUI_OUT"], "i18n-%s.tsv" % lang)
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            where, node, kind, text = line.rstrip("\n").split("\t", 3)
            text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)
            rows.append((where, node, kind, text))
    notes = gt.notifications()[since:]
    for n in notes:
        for kind in ("summary", "body"):
            if n[kind]:
                rows.append(("notification", n["app"], kind, n[kind]))
    # User data: whole strings or words that are names, hosts or addresses of the test.
    data_rx = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(
        re.escape(x) for x in sorted(exclude, key=len, reverse=True))) if exclude else None
    bad, checked, seen = [], 0, set()
    for where, node, kind, text in rows:
        if text in seen:
            continue
        seen.add(text)
        stripped = data_rx.sub(" ", text) if data_rx else text
        if not words(stripped):
            continue   # only user data, numbers or symbols
        checked += 1
        why = cat.problems(text, stripped)
        if not why and text in gtk:
            why = ["is GTK's English (gtk30 has %r)" % gtk[text]]
        if why:
            bad.append("%s (%s %s in %s): %r %s" % (lang, node, kind, where, text, "; ".join(why)))
    print("%s: %d distinct strings checked (%d collected, %d notifications), %d English"
          % (lang, checked, len(rows), len(notes), len(bad)))
    for b in bad:
        print("  " + b)
    if bad:
        raise gt.GuiError("%d string(s) the app shows in %s are English" % (len(bad), lang))
    if checked < 20:
        raise gt.GuiError("only %d strings were checked: the walk saw too little" % checked)


def selftest(lang):
    """The checker on known strings: it must flag each English one and pass the others."""
    cat = Catalogue(lang)
    # (the desktop file's Keywords keep the English words on purpose)
    good = [s for e in read_po(lang) for s in e["strs"].values()
            if s and s != e["id"] and "%" not in s and not e["id"].endswith(";")][:200]
    english = ["Connection state",                             # a msgid
               "Online as alice on 10.234.1.1:7465",           # a msgid with its %s filled
               "Note: Wrong password for alice on x, or no such user. Try again",  # a piece
               "Please connect to the server first",           # not in the catalogue
               "A VLAN named “lan” exists already"]            # the server's English
    missed = [t for t in english if not cat.problems(t, t)]
    wrong = ["%r: %s" % (t, cat.problems(t, t)) for t in good if cat.problems(t, t)]
    print("%s: the checker flags %d of %d English strings and passes %d of %d translations"
          % (lang, len(english) - len(missed), len(english), len(good) - len(wrong), len(good)))
    if missed or wrong or len(good) < 50:
        raise gt.GuiError("missed %r; flagged translations: %s" % (missed, "; ".join(wrong)))


# --- steps ------------------------------------------------------------------------------

def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "check":
        check(args[0], int(args[1]), args[2:])
        return 0
    if cmd == "selftest":
        selftest(args[0])
        return 0
    if cmd == "tr":
        print(tr(args[0], *args[1:]))
        return 0
    app = gt.app(APP)
    if cmd == "login":
        server, user, password = args
        for role, name, text in (("text", "Server", server), ("text", "User name", user),
                                 ("password text", "Password", password)):
            # Through AT-SPI's editable text rather than key events: a window that has
            # just been mapped may not have the keyboard focus yet (no window manager).
            node = gt.find(app, role, tr(name))
            node.text = text
            gt.wait_for(lambda: len(node.text or "") == len(text) if role == "password text"
                        else node.text == text, "%r to hold %r" % (name, text))
        gt.find(app, "push button", tr("_Log In")).click()
    elif cmd == "press":
        gt.act(gt.find(app, "push button", tr(args[0], *args[1:])))
    elif cmd == "click":
        gt.find(app, args[0], tr(args[1], *args[2:])).click()
    elif cmd == "wait-node":
        gt.find(app, args[0], tr(args[1], *args[2:]), 20)
    elif cmd == "set-switch":
        import pyatspi
        node = gt.find(app, "toggle button", tr(args[0], *args[1:]))
        if not node.getState().contains(pyatspi.STATE_CHECKED):
            gt.act(node)
        gt.wait_for(lambda: node.getState().contains(pyatspi.STATE_CHECKED), "the switch on", 20)
    elif cmd == "show-page":
        import pyatspi
        # the About dialog's Credits and License are toggle buttons, a stack switcher's radio
        node = (gt.find(app, "radio button", tr(args[0])) if args[1:] != ["gtk"]
                else gt.find(app, "toggle button", tr_gtk(args[0])))
        gt.act(node)
        gt.wait_for(lambda: node.getState().contains(pyatspi.STATE_CHECKED), "page %r" % args[0], 20)
    elif cmd == "select-cell":
        # GTK 3 makes a tree view of a list a "table", of a tree a "tree table".
        table = gt.wait_for(lambda: (app.findChildren(
            lambda n: n.roleName in ("tree table", "table") and n.name == tr(args[0]) and n.showing)
            or [None])[0], "a table %r" % tr(args[0]), 20)
        cells = gt.wait_for(lambda: [c for c in table.findChildren(
            lambda n: n.roleName == "table cell" and n.name == args[1])], "cell %r" % args[1], 20)
        cells[0].click()
        gt.wait_for(lambda: table.querySelection().nSelectedChildren > 0, "a selected row")
    elif cmd == "close-window":
        frame = gt.find(app, args[0], tr(args[1]) if len(args) > 1 else None)
        buttons = [b for b in frame.findChildren(lambda n: n.roleName == "push button" and n.showing)
                   if b.name == tr_gtk("Close")]
        if not buttons:
            raise gt.GuiError("no Close button in %s: %r" % (frame, [b.name for b in frame.findChildren(
                lambda n: n.roleName == "push button")]))
        name = frame.name
        gt.act(buttons[0])

        def gone():
            try:
                return not frame.showing
            except Exception:   # destroyed: its object left the bus
                return True
        gt.wait_for(gone, "%r to close" % name)
    elif cmd in ("wait-label", "wait-text"):
        # wait-label MSGID: a showing label starts with its translation up to the first %;
        # wait-text TEXT: with TEXT as it is (user data)
        prefix = tr(args[0]).split("%")[0] if cmd == "wait-label" else args[0]
        if not prefix:
            raise gt.GuiError("%r starts with a %%: nothing to wait for" % args[0])
        spec = importlib.util.spec_from_file_location("serval_steps", os.path.join(HERE, "serval-steps.py"))
        steps = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(steps)
        try:
            gt.wait_for(lambda: steps.label_starting(app, prefix), "a label starting with %r" % prefix, 20)
        except gt.GuiError as exc:
            raise gt.GuiError("%s; labels showing: %r" % (exc, steps.labels(app)))
    elif cmd == "wait-notifications":
        gt.wait_for(lambda: len([n for n in gt.notifications() if n["shown"]]) > int(args[0]),
                    "a new notification", 20)
    elif cmd == "collect":
        time.sleep(0.3)   # let a window that was just shown fill in
        collect(args[0])
    else:
        return gt.unknown_step(__doc__)
    return 0


if __name__ == "__main__":
    gt.run_steps(main, "i18n-steps")
