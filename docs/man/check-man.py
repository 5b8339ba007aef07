#!/usr/bin/env python3
"""check-man.py --page PAGE.scd PROGRAM HELP-OPTION [--page ...]

For each man page source and the program it describes:
  - every option PROGRAM HELP-OPTION lists (-s, --server, ...) has an entry in the page
    (a line starting "*-s*, *--server*..."), and every option entry of the page's OPTIONS
    section is one the program lists;
  - every command of the "Commands:" part of the help ("up", "user grant", ...) has an
    entry in the COMMANDS section (a line starting "*user grant*"), and back;
  - the page has the sections a page of this project has;
  - scdoc turns it into roff without error, with every font change closed, and groff
    finds nothing to warn about in that roff (when groff is installed).
TAP output, four lines per page; the failures name what is missing and where."""
import os
import re
import shutil
import subprocess
import sys

from helptext import help_commands, help_options, help_text

SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "ENVIRONMENT",
            "EXIT STATUS", "EXAMPLES", "SEE ALSO")


def sections(source):
    """{section name: [its lines]} of an scdoc source."""
    out, name = {}, None
    for line in source.splitlines():
        m = re.match(r"^# (.+)$", line)
        if m:
            name = m.group(1).strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def entries(lines):
    """The entry lines of a definition list: not indented, starting with bold text."""
    return [l for l in lines if l.startswith("*")]


def check_options(page, source, opts):
    all_entries = entries(source.splitlines())
    problems = []
    for short, long in opts:
        pat = re.escape("*%s*" % long) + r"(?=[=, ]|$)"
        if not any(re.search(pat, e) for e in all_entries):
            problems.append("%s has no entry for %s (a line starting \"*%s*\")" % (page, long, long))
        elif short and not any(("*%s*, *%s*" % (short, long)) in e for e in all_entries):
            problems.append("%s does not give %s as the short form of %s (\"*%s*, *%s*\")"
                            % (page, short, long, short, long))
    listed = {long for _, long in opts}
    for e in entries(sections(source).get("OPTIONS", [])):
        for long in re.findall(r"\*(--[\w-]+)\*", e):
            if long not in listed:
                problems.append("%s documents %s, which the program's help does not list" % (page, long))
    return problems


def check_commands(page, source, cmds):
    problems = []
    command_entries = entries(sections(source).get("COMMANDS", []))
    for cmd in cmds:
        if not any(e.startswith("*%s*" % cmd) for e in command_entries):
            problems.append("%s has no entry for the command \"%s\" in COMMANDS (a line starting \"*%s*\")"
                            % (page, cmd, cmd))
    for e in command_entries:
        m = re.match(r"^\*([a-z][a-z -]*)\*", e)
        if m and m.group(1) not in cmds:
            problems.append("%s documents the command \"%s\", which the program's help does not list"
                            % (page, m.group(1)))
    return problems


def check_sections(page, source, cmds):
    have = sections(source)
    want = list(SECTIONS) + (["COMMANDS"] if cmds else [])
    problems = ["%s has no section \"# %s\"" % (page, s) for s in want if s not in have]
    name, section = os.path.basename(page).split(".")[:2]
    first = source.splitlines()[0] if source else ""
    if first != "%s(%s)" % (name, section):
        problems.append("%s must start with the line \"%s(%s)\", not \"%s\"" % (page, name, section, first))
    return problems


def check_roff(page, source):
    if shutil.which("scdoc") is None:
        return ["scdoc was not found: install the Debian package scdoc"]
    out = subprocess.run(["scdoc"], input=source, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        return ["scdoc cannot turn %s into roff: %s" % (page, out.stderr.strip())]
    roff = out.stdout
    problems = []
    opened, closed = len(re.findall(r"\\f[BI]", roff)), len(re.findall(r"\\fR", roff))
    if opened != closed:
        problems.append("%s: %d bold or underlined spans opened, %d closed: a * or _ is unmatched"
                        % (page, opened, closed))
    if shutil.which("groff") is None:
        # No silent skip: the test fails and says what to install.
        problems.append("groff was not found: install the Debian package groff-base to lint the roff of %s" % page)
        return problems
    g = subprocess.run(["groff", "-man", "-ww", "-z"], input=roff, capture_output=True, text=True, timeout=30)
    if g.returncode != 0 or g.stderr.strip():
        problems.append("groff warns about the roff of %s: %s" % (page, g.stderr.strip()))
    return problems


def main(argv):
    groups = []
    while argv:
        if argv[0] != "--page" or len(argv) < 4:
            print(__doc__, file=sys.stderr)
            return 2
        groups.append(tuple(argv[1:4]))
        argv = argv[4:]
    print("1..%d" % (4 * len(groups)))
    n, failed = 0, False
    for page, program, option in groups:
        name = os.path.basename(page)
        source = open(page, encoding="utf-8").read()
        try:
            text = help_text(program, option)
            opts, cmds = help_options(text), help_commands(text)
            if not opts:
                raise RuntimeError("found no options in %s %s" % (program, option))
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            text, opts, cmds = None, [], []
            error = str(e)
        checks = (("options of %s %s" % (os.path.basename(program), option),
                   lambda: check_options(name, source, opts)),
                  ("commands of %s %s" % (os.path.basename(program), option),
                   lambda: check_commands(name, source, cmds)),
                  ("sections", lambda: check_sections(name, source, cmds)),
                  ("scdoc turns it into clean roff", lambda: check_roff(name, source)))
        for i, (what, check) in enumerate(checks):
            n += 1
            problems = check() if text is not None or i >= 2 else [error]
            if problems:
                failed = True
                print("not ok %d - %s: %s" % (n, name, what))
                for p in problems:
                    print("#   " + p)
            else:
                count = {0: " (%d)" % len(opts), 1: " (%d)" % len(cmds)}.get(i, "")
                print("ok %d - %s: %s%s" % (n, name, what, count))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
