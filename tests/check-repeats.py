#!/usr/bin/env python3
"""check-repeats.py SOURCEDIR: no six lines of code stand twice, to the letter, in the
project's C, shell and Python files (app/ engine/ server/ tests/ tools/); and no six lines
of one shape that hold a branch or a loop stand twice in the C of app/ engine/ server/.
A block written twice is logic kept twice: the next fix lands in one copy only. Share it
instead (a helper, a fixture, a table), as docs/design.md ("One piece of code per piece of
logic") says.

What is compared: lines with their white space folded; blank lines, comments, #include
and import lines, and lines of lone punctuation ("}", ");") are passed over. A line's
shape is its tokens with names, strings and numbers each made one placeholder (C's
keywords stay). Runs of one shape with no if, for, while or switch are tables and
declarations (two option tables, the _async/_finish declarations of a GObject API): the
boilerplate the design note lists. So is a run most of whose lines have shapes found in
COMMON files or more (a GObject finalize, a property switch, g_clear_pointer()s).

--self-test checks that the check finds a block written twice, and passes one written
once; and that it finds a branch written twice with other names, and passes an idiom found
in COMMON files. TAP output."""
import pathlib
import re
import subprocess
import sys
import tempfile

RUN = 6
COMMON = 4
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[A-Za-z_]\w*|\d[\w.]*|\S')
KEYWORDS = frozenset("if else for while do switch case default return break continue goto sizeof static const "
                     "struct enum union typedef".split())
LOGIC = re.compile(r"\b(if|for|while|switch)\b")
ROOMS = ("app", "engine", "server", "tests", "tools")
ENDINGS = (".c", ".h", ".sh", ".py")
PUNCTUATION = re.compile(r"^[{}()\[\];,]*$")
SKIP = re.compile(r"^(#\s*include\b|import\b|from \S+ import\b|//|/\*|\*|#(?!\s*(if|define|else|endif)))")


def code_lines(path):
    """(line number, folded text) of each line that counts."""
    out = []
    in_comment = False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return out
    for number, line in enumerate(text.splitlines(), 1):
        folded = " ".join(line.split())
        if in_comment:
            if "*/" in folded:
                in_comment = False
            continue
        if folded.startswith("/*") and "*/" not in folded:
            in_comment = True
            continue
        if not folded or PUNCTUATION.match(folded) or SKIP.match(folded):
            continue
        out.append((number, folded))
    return out


def files(top):
    try:
        listed = subprocess.run(["git", "-C", str(top), "ls-files", *ROOMS], capture_output=True, text=True,
                                check=True).stdout.split()
        paths = [top / p for p in listed]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for room in ROOMS for p in (top / room).rglob("*") if p.is_file()]
    return sorted(p for p in paths if p.suffix in ENDINGS and "fuzz/corpus" not in str(p))


def runs(sources):
    """Runs of windows whose keys stand twice. @sources: (file, lines, keys), keys[i] the
    key of the RUN lines from lines[i], or None to pass them over. Returns (file a, first,
    last, file b, first, last) with line numbers."""
    seen = {}
    found = []
    for rel, lines, keys in sources:
        last_hit = None
        for i, key in enumerate(keys):
            if key is None:
                continue
            other = seen.get(key)
            if other is None:
                seen[key] = (rel, i, lines)
                continue
            orel, oi, olines = other
            if orel == rel and i - oi < RUN:
                continue  # the same lines, overlapping themselves
            # Extend the last reported run when this window continues it.
            if last_hit is not None and last_hit[3] == orel and last_hit[5] == oi - 1 and last_hit[2] == i - 1:
                last_hit[2] = i
                last_hit[5] = oi
                continue
            last_hit = [rel, i, i, orel, oi, oi, lines, olines]
            found.append(last_hit)
    return [(rel, lines[i][0], lines[j + RUN - 1][0], orel, olines[oi][0], olines[oj + RUN - 1][0])
            for rel, i, j, orel, oi, oj, lines, olines in found]


def windows(lines, key):
    """key(first) for each window of RUN lines."""
    return [key(i) for i in range(len(lines) - RUN + 1)]


def repeats(top):
    """Runs of RUN or more lines found twice, to the letter."""
    sources = []
    for path in files(top):
        lines = code_lines(path)
        sources.append((str(path.relative_to(top)), lines,
                        windows(lines, lambda i: "\n".join(text for _, text in lines[i:i + RUN]))))
    return runs(sources)


def shape(line):
    """@line with each name, string and number made one placeholder."""
    out = []
    for token in TOKEN.findall(line):
        if token[0] in "\"'":
            out.append("S")
        elif token[0].isdigit():
            out.append("N")
        elif token[0].isalpha() or token[0] == "_":
            out.append(token if token in KEYWORDS else "I")
        else:
            out.append(token)
    return " ".join(out)


def shape_repeats(top):
    """Runs of RUN or more lines of one shape, holding a branch or a loop, found twice in
    the C of app/ engine/ server/ and not boilerplate."""
    shaped = []
    files_with = {}
    for path in files(top):
        rel = str(path.relative_to(top))
        if path.suffix == ".c" and rel.startswith(("app/", "engine/", "server/")):
            lines = code_lines(path)
            shapes = [shape(text) for _, text in lines]
            shaped.append((rel, lines, shapes))
            for s in set(shapes):
                files_with[s] = files_with.get(s, 0) + 1

    def key(shapes, i):
        window = shapes[i:i + RUN]
        if not any(LOGIC.search(s) for s in window):
            return None  # a table or declarations (a string's "if" is no branch: shapes have no strings)
        if 2 * sum(1 for s in window if files_with[s] >= COMMON) >= RUN:
            return None  # mostly idioms found all over
        return "\n".join(window)

    return runs([(rel, lines, windows(lines, lambda i: key(shapes, i))) for rel, lines, shapes in shaped])


def self_test():
    block = "\n".join("value_%d = compute (%d);" % (i, i) for i in range(RUN))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        top = pathlib.Path(tmp)
        (top / "engine").mkdir()
        (top / "engine" / "a.c").write_text("int a;\n" + block + "\n")
        (top / "engine" / "b.c").write_text("/* a comment */\nint b;\n\n" + block.replace(" (", "  (") + "\n}\n")
        (top / "engine" / "c.c").write_text(block.replace("compute", "other") + "\n")
        hits = repeats(top)
        if [(h[0], h[3]) for h in hits] != [("engine/b.c", "engine/a.c")]:
            print("not ok 1 - the self-test finds the block written twice, once: %r" % hits)
            ok = False
        else:
            print("ok 1 - the self-test finds the block written twice, and not the one written once")
    logic = "\n".join(["int", "f%s (int a)" , "{", "  if (a > %d)", "    return g%s (a, \"x\");", "  a = h%s (a);",
                        "  return a * 2;", "}"])
    idiom = "\n".join(["  g_clear_pointer (&self->a, g_free);", "  g_clear_pointer (&self->b, g_free);",
                        "  if (self->c != NULL)", "    g_clear_object (&self->c);", "  g_free (self);",
                        "  return;"])
    with tempfile.TemporaryDirectory() as tmp:
        top = pathlib.Path(tmp)
        (top / "server").mkdir()
        (top / "server" / "a.c").write_text(logic % ("one", 1, "one", "one") + "\n")
        (top / "server" / "b.c").write_text("int b;\n" + logic % ("two", 7, "two", "two") + "\n")
        (top / "server" / "c.c").write_text(logic.replace("if", "while") % ("x", 1, "x", "x") + "\n")
        for name in "defg":
            (top / "server" / (name + ".c")).write_text("void\nfree_%s (void *self)\n{\n%s\n}\n" % (name, idiom))
        hits = shape_repeats(top)
        if [(h[0], h[3]) for h in hits] != [("server/b.c", "server/a.c")]:
            print("not ok 2 - the self-test finds the branch written twice with other names, once: %r" % hits)
            ok = False
        else:
            print("ok 2 - the self-test finds the branch written twice with other names, not the idiom"
                  " in four files")
    print("1..2")
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    top = pathlib.Path(sys.argv[1]).resolve()
    hits = repeats(top)
    for a, a1, a2, b, b1, b2 in hits:
        print("# %s:%d-%d stands again at %s:%d-%d" % (a, a1, a2, b, b1, b2))
    if hits:
        print("not ok 1 - no six lines of code stand twice (%d repeated blocks above)" % len(hits))
    else:
        print("ok 1 - no six lines of code stand twice in %d files" % len(files(top)))
    shaped = shape_repeats(top)
    for a, a1, a2, b, b1, b2 in shaped:
        print("# %s:%d-%d has the shape of %s:%d-%d, a branch or a loop among them" % (a, a1, a2, b, b1, b2))
    if shaped:
        print("not ok 2 - no six lines of one shape with a branch or a loop stand twice in app/ engine/ server/"
              " (%d above)" % len(shaped))
    else:
        print("ok 2 - no six lines of one shape with a branch or a loop stand twice in app/ engine/ server/")
    print("1..2")
    return 1 if hits or shaped else 0


if __name__ == "__main__":
    sys.exit(main())
