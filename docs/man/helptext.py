"""What a program's GOption --help lists: its options and the commands of its
"Commands:" part. Shared by the man page check (docs/man/check-man.py) and the
completion check (data/completions/check-completions.py)."""
import os
import re
import subprocess


def help_text(program, option):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    out = subprocess.run([program, option], capture_output=True, text=True, env=env, timeout=30)
    if out.returncode != 0:
        raise RuntimeError("%s %s exited with %d: %s" % (program, option, out.returncode, out.stderr.strip()))
    return out.stdout


def help_options(text):
    """[(short or None, long)] of every option line of a GOption help."""
    found = []
    for line in text.splitlines():
        m = re.match(r"^  (?:(-\w), )?(--[\w-]+)", line)
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def help_commands(text):
    """The commands of the "Commands:" part: the lower-case words (at most two) before
    the arguments of each form; forms on one line are separated by " | ". The part ends
    at the first empty line; header lines ("Administrators:") and "(none)" are skipped."""
    lines = text.splitlines()
    try:
        start = lines.index("Commands:") + 1
    except ValueError:
        return []
    found = []
    for line in lines[start:]:
        line = line.strip()
        if not line:
            break
        if line.endswith(":") or line.startswith("("):
            continue
        forms = re.split(r"\s{2,}", line)[0]
        for form in forms.split(" | "):
            words = []
            for word in form.split():
                if not re.fullmatch(r"[a-z][a-z-]*", word) or len(words) == 2:
                    break
                words.append(word)
            if words and " ".join(words) not in found:
                found.append(" ".join(words))
    return found
