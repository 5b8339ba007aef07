#!/usr/bin/env python3
"""check-symbols.py SOURCEDIR BUILDDIR: every function that app/, engine/ or server/ exports is
called from another file. A global function nobody else calls is dead code, or should
be static (the compiler's -Wunused then watches it). GObject's *_get_type functions,
which G_DECLARE_* macros call from headers, and the generated GResource accessor are
exempt, as are the free functions that G_DEFINE_AUTOPTR_CLEANUP_FUNC names in a header
(g_autoptr() calls them). Reads the symbol tables of the build's object files with nm(1);
TAP output."""
import collections
import pathlib
import re
import subprocess
import sys

ROOMS = ("app", "engine", "server")
EXEMPT_SUFFIXES = ("_get_type",)
EXEMPT = {"main", "serval_get_resource", "serval_register_resource", "serval_unregister_resource"}


def symbols(obj):
    out = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "T":
            yield "def", parts[2]
        elif len(parts) == 2 and parts[0] == "U":
            yield "use", parts[1]


def room_of(obj, build):
    """The source folder an object file was compiled from, or None for generated code."""
    name = obj.name
    if "meson-generated" in name or "asn1" in str(obj.relative_to(build)):
        return None
    for part in obj.relative_to(build).parts:
        base = part.split(".p")[0] if part.endswith(".p") else part
        if base in ROOMS:
            return base
    return None


def autoptr_cleanups(source):
    found = set()
    for room in ROOMS:
        for header in (source / room).rglob("*.h"):
            found.update(re.findall(r"G_DEFINE_AUTOPTR_CLEANUP_FUNC\s*\(\s*\w+\s*,\s*(\w+)\s*\)",
                                    header.read_text()))
    return found


def main():
    if len(sys.argv) != 3:
        print("usage: check-symbols.py SOURCEDIR BUILDDIR", file=sys.stderr)
        return 2
    source = pathlib.Path(sys.argv[1]).resolve()
    build = pathlib.Path(sys.argv[2]).resolve()
    exempt = EXEMPT | autoptr_cleanups(source)
    objs = sorted(build.rglob("*.o"))
    if not objs:
        print("1..1\nnot ok 1 - no object files under %s: build first" % build)
        return 1
    defined = collections.defaultdict(set)
    used = collections.defaultdict(set)
    for obj in objs:
        for kind, sym in symbols(obj):
            (defined if kind == "def" else used)[sym].add(obj)
    # The same source may be compiled into several targets (a test links a
    # file of the server's): compare by source name, not by object file.
    src = lambda o: o.name.split(".c.o")[0]
    dead = []
    for sym, where in sorted(defined.items()):
        ours = [o for o in where if room_of(o, build)]
        if not ours or sym in exempt or sym.endswith(EXEMPT_SUFFIXES):
            continue
        home = {src(o) for o in ours}
        if not any(src(o) not in home for o in used.get(sym, ())):
            dead.append((sym, sorted(home)))
    print("1..1")
    if dead:
        print("not ok 1 - %d exported functions that no other file calls:" % len(dead))
        for sym, home in dead:
            print("#   %s (%s): delete it, or make it static if its own file uses it" % (sym, ", ".join(home)))
        return 1
    print("ok 1 - every exported function of %s is called from another file" % "/, ".join(ROOMS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
