#!/usr/bin/env python3
"""check-repeats.py SOURCEDIR: no six lines of code stand twice, to the letter, in the
project's C, shell and Python files (app/ engine/ server/ tests/ tools/). A block written
twice is logic kept twice: the next fix lands in one copy only. Share it instead (a
helper, a fixture, a table), as docs/design.md ("One piece of code per piece of logic")
says.

What is compared: lines with their white space folded; blank lines, comments, #include
and import lines, and lines of lone punctuation ("}", ");") are passed over. Lines of the
same shape with other names (two option tables, the _async/_finish declarations of a
GObject API) are not repeats here: they are the boilerplate the design note lists.

--self-test checks that the check finds a block written twice, and passes one written
once. TAP output."""
import pathlib
import re
import subprocess
import sys
import tempfile

RUN = 6
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


def repeats(top):
    """Runs of RUN or more lines found twice: (file a, first, last, file b, first, last)."""
    seen = {}
    found = []
    for path in files(top):
        lines = code_lines(path)
        rel = str(path.relative_to(top))
        last_hit = None
        for i in range(len(lines) - RUN + 1):
            key = "\n".join(text for _, text in lines[i:i + RUN])
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
    out = []
    for rel, i, j, orel, oi, oj, lines, olines in found:
        out.append((rel, lines[i][0], lines[j + RUN - 1][0], orel, olines[oi][0], olines[oj + RUN - 1][0]))
    return out


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
    print("1..1")
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
    print("1..1")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
