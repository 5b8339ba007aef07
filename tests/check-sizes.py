#!/usr/bin/env python3
"""check-sizes.py SOURCEDIR: no C file in app/, engine/ or server/ is longer than 800 lines,
and no function longer than 100 (from its opening brace to its closing one). A file past
that is asking to be split by concern (docs/design.md); a function past it, into named
steps. TAP output, one line per limit."""
import pathlib
import re
import sys

ROOMS = ("app", "engine", "server")
MAX_FILE = 800
MAX_FUNCTION = 100


def functions(text):
    """(name, length) of every function definition: GNU style puts the name at the start
    of the line before the opening brace, which is alone in column 0."""
    lines = text.split("\n")
    start = name = None
    for i, line in enumerate(lines):
        if start is None and line == "{" and i > 0:
            m = re.match(r"^\s*(\w+)\s*\(", lines[i - 1]) or re.search(r"(\w+)\s*\(", lines[i - 1])
            start, name = i, (m.group(1) if m else lines[i - 1].strip())
        elif start is not None and line == "}":
            yield name, i - start + 1
            start = None


def main():
    if len(sys.argv) != 2:
        print("usage: check-sizes.py SOURCEDIR", file=sys.stderr)
        return 2
    top = pathlib.Path(sys.argv[1])
    files = sorted(p for room in ROOMS for p in (top / room).rglob("*.c"))
    long_files, long_functions = [], []
    for path in files:
        text = path.read_text()
        rel = path.relative_to(top)
        n = text.count("\n")
        if n > MAX_FILE:
            long_files.append("%s: %d lines" % (rel, n))
        for name, length in functions(text):
            if length > MAX_FUNCTION:
                long_functions.append("%s: %s(), %d lines" % (rel, name, length))
    print("1..2")
    for i, (what, found, limit) in enumerate(((("files of %s/" % "/, ".join(ROOMS)), long_files, MAX_FILE),
                                               ("functions", long_functions, MAX_FUNCTION)), 1):
        if found:
            print("not ok %d - %s over %d lines: split them by concern" % (i, what, limit))
            for f in found:
                print("#   " + f)
        else:
            print("ok %d - no %s over %d lines (%d files)" % (i, what, limit, len(files)))
    return 1 if long_files or long_functions else 0


if __name__ == "__main__":
    sys.exit(main())
