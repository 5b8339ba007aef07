#!/usr/bin/env python3
"""check-completions.py SOURCEDIR SERVALCTL SERVAL-SERVER

The bash and zsh completions of data/completions/, tried as a user would meet them:
  - bash: each file sourced in a non-interactive bash, COMP_WORDS/COMP_CWORD/COMP_LINE
    set for a line as bash splits it (at "=" and ":" too, COMP_WORDBREAKS) and as it
    would without those breaks, and COMPREPLY compared with what is expected;
  - zsh: each file run by "zsh -n", then lines typed with Tab into an interactive zsh in
    a pseudo-terminal (zsh-complete.zsh) and the listing read back;
  - both: every option and command that the programs' --help lists is offered;
  - live: a serval-server of the test's own on 127.0.0.1 (no privileges needed) with two
    VLANs and two users, so that VLAN and user names come from the server (servalctl) and
    from the store (serval-server), and nothing, quickly, when the server is not there.
TAP output; each failure names the line typed, what was expected and what came."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man"))
from helptext import help_commands, help_options, help_text  # noqa: E402

BREAKS = "=:"


def bash_split(line, breaks):
    """COMP_WORDS and COMP_CWORD for LINE (the cursor at its end), as bash makes them
    with the characters BREAKS in COMP_WORDBREAKS."""
    words = []
    for word in line.split():
        parts = re.findall("[%s]+|[^%s]+" % (re.escape(breaks), re.escape(breaks)), word) if breaks else [word]
        words.extend(parts)
    if line.endswith(" "):
        words.append("")
    return words, len(words) - 1


class Bash:
    def __init__(self, srcdir):
        self.dir = os.path.join(srcdir, "data", "completions")

    def complete(self, line, breaks):
        prog = line.split()[0]
        name = os.path.basename(prog)
        func = {"servalctl": "_servalctl", "serval-server": "_serval_server"}[name]
        words, cword = bash_split(line, breaks)
        script = ('source "$1"; COMP_LINE=$2; COMP_POINT=${#2}; COMP_CWORD=$3; shift 3; COMP_WORDS=("$@"); '
                  '%s; printf "%%s\\n" "${COMPREPLY[@]}"' % func)
        out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                              os.path.join(self.dir, name), line, str(cword)] + words,
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0 or out.stderr:
            return None, out.stderr.strip() or "exit %d" % out.returncode
        # bash puts the reply in place of its current word: what was before it stays
        return [r for r in out.stdout.split("\n") if r], words[-1]


def joined_word(line):
    return "" if line.endswith(" ") else line.split()[-1]


class Results:
    def __init__(self):
        self.n = 0
        self.failed = False

    def report(self, what, problems):
        self.n += 1
        if problems:
            self.failed = True
            print("not ok %d - %s" % (self.n, what))
            for p in problems:
                print("#   " + p)
        else:
            print("ok %d - %s" % (self.n, what))


def bash_case(bash, line, equals=None, includes=()):
    """Problems of LINE in both splittings: the replies, with the part of the typed word
    before bash's current word put back, must be EQUALS (a set) or include INCLUDES."""
    problems = []
    for breaks in (BREAKS, ""):
        replies, cur = bash.complete(line, breaks)
        if replies is None:
            problems.append("[%s] bash failed: %s" % (line, cur))
            continue
        word = joined_word(line)
        prefix = word[: len(word) - len(cur)] if cur else word
        got = {prefix + r for r in replies}
        how = "split at %s" % " ".join(BREAKS) if breaks else "split at spaces only"
        if equals is not None and got != set(equals):
            problems.append("[%s] (%s) offered %s: missing %s, not expected %s"
                            % (line, how, sorted(got), sorted(set(equals) - got), sorted(got - set(equals))))
        missing = [w for w in includes if w not in got]
        if missing:
            problems.append("[%s] (%s) does not offer %s (offered %s)" % (line, how, missing, sorted(got)))
    return problems


def help_words(program):
    text = help_text(program, "--help")
    longs = [long for _, long in help_options(text)]
    cmds = help_commands(text)
    firsts = sorted({c.split()[0] for c in cmds})
    verbs = {}
    for c in cmds:
        parts = c.split()
        if len(parts) == 2:
            verbs.setdefault(parts[0], []).append(parts[1])
    return longs, firsts, verbs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A serval-server with users admin and bob, VLANs lan and red, on 127.0.0.1."""

    def __init__(self, program, tmp):
        self.data = os.path.join(tmp, "data")
        self.pwfile = os.path.join(tmp, "admin-password")
        with open(self.pwfile, "w") as f:
            f.write("admin-password\n")
        base = [program, "--data-dir", self.data, "--pbkdf2-iterations", "1000"]
        for args, stdin in ((["user", "add", "admin", "--admin"], "admin-password\n"),
                            (["user", "add", "bob"], "bob-password\n"),
                            (["vlan", "add", "lan"], ""), (["vlan", "add", "red"], ""),
                            (["user", "grant", "admin", "lan"], "")):
            subprocess.run(base + args, input=stdin, capture_output=True, text=True, check=True, timeout=30)
        self.fingerprint = subprocess.run(base + ["fingerprint"], capture_output=True, text=True,
                                          check=True, timeout=30).stdout.strip()
        self.port = free_port()
        self.log = open(os.path.join(tmp, "server.log"), "w+")
        self.proc = subprocess.Popen(base + ["--listen", "127.0.0.1:%d" % self.port],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        self.log.seek(0)
        raise RuntimeError("serval-server did not start: " + self.log.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def zsh_run(srcdir, lines, env):
    script = os.path.join(srcdir, "data", "completions", "zsh-complete.zsh")
    out = subprocess.run(["zsh", "-f", script, os.path.join(srcdir, "data", "completions")] + lines,
                         capture_output=True, text=True, env=env, timeout=60 + 10 * len(lines))
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", out.stdout)
    # Backspaces (zsh moving over what it shows, or taking back an auto-removable
    # slash once the next key comes) part words like blanks.
    text = text.replace("\x08", " ")
    shown = re.split(r"^=== \d+\n", text, flags=re.M)[1:]
    if out.returncode != 0 or len(shown) != len(lines):
        raise RuntimeError("zsh-complete.zsh failed (exit %d): %s %s" % (out.returncode, out.stderr, text[-500:]))
    return shown


def zsh_problems(lines, shown, includes, excludes):
    problems = []
    for line, screen, inc, exc in zip(lines, shown, includes, excludes):
        # what zsh showed after the typed line: the listing, or the word it completed
        after = screen.split(line, 1)[1] if line in screen else screen
        # and the word it completed in place: a token that extends the line's last word
        last = line.split()[-1] if line.strip() and not line.endswith(" ") else None
        tokens = set(re.split(r"[\s@]+", after))
        if last is not None:
            tokens |= {t for t in re.split(r"\s+", screen) if t.startswith(last) and t != last}
        missing = [w for w in inc if w not in tokens]
        extra = [w for w in exc if w in tokens]
        if missing:
            problems.append("[%s] zsh does not offer %s; the terminal showed: %r" % (line, missing, screen.strip()))
        if extra:
            problems.append("[%s] zsh offers %s, which it should not" % (line, extra))
    return problems


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    srcdir, servalctl, server_prog = (os.path.abspath(a) for a in argv)
    results = Results()
    print("1..11")
    bash = Bash(srcdir)
    ctl_longs, ctl_cmds, ctl_verbs = help_words(servalctl)
    srv_longs, srv_cmds, srv_verbs = help_words(server_prog)
    sc, ss = "servalctl", "serval-server"

    # 1-3: what --help lists
    problems = bash_case(bash, sc + " ", equals=ctl_cmds) + bash_case(bash, ss + " ", equals=srv_cmds)
    for cmd, verbs in sorted(ctl_verbs.items()):
        problems += bash_case(bash, "%s -s vpn.example.org:7465 %s " % (sc, cmd), equals=verbs)
    for cmd, verbs in sorted(srv_verbs.items()):
        problems += bash_case(bash, "%s --data-dir=/nonexistent %s " % (ss, cmd), equals=verbs)
    results.report("bash: the commands and verbs of both --help are offered, and only those", problems)
    problems = bash_case(bash, sc + " --", equals=ctl_longs) + bash_case(bash, ss + " --", equals=srv_longs)
    problems += bash_case(bash, sc + " -s h:7465 up --", includes=["--vlan", "--tap", "--mtu", "--bridge"])
    results.report("bash: every long option of both --help is offered after --", problems)
    problems = bash_case(bash, sc + " --ser", equals=["--server"])
    problems += bash_case(bash, sc + " --server=vpn.example.org:7465 --pass", equals=["--password-file"])
    problems += bash_case(bash, ss + " --token-", equals=["--token-lifetime", "--token-max-age"])
    problems += bash_case(bash, sc + " -s h user grant bob ", equals=[])
    results.report("bash: options by prefix, after values with = and :", problems)

    with tempfile.TemporaryDirectory(prefix="serval-completions-") as tmp:
        os.makedirs(os.path.join(tmp, "dirs", "data-one"))
        open(os.path.join(tmp, "dirs", "data-file"), "w").close()
        d = os.path.join(tmp, "dirs", "data")
        problems = bash_case(bash, "%s --data-dir=%s" % (ss, d), equals=["--data-dir=" + d + "-one"])
        problems += bash_case(bash, "%s -d %s" % (ss, d), equals=[d + "-one"])
        problems += bash_case(bash, "%s -p %s" % (sc, d), equals=[d + "-one", d + "-file"])
        results.report("bash: directories for --data-dir, files for --password-file", problems)

        server = Server(server_prog, tmp)
        try:
            conn = "-s 127.0.0.1:%d -u admin -p %s -f %s" % (server.port, server.pwfile, server.fingerprint)
            conn_eq = "--server=127.0.0.1:%d --user=admin --password-file=%s --fingerprint=%s" % (
                server.port, server.pwfile, server.fingerprint)
            vlans, users = ["lan", "red"], ["admin", "bob"]
            problems = bash_case(bash, "%s %s members " % (servalctl, conn), equals=vlans)
            problems += bash_case(bash, "%s %s up --vlan " % (servalctl, conn_eq), equals=vlans)
            problems += bash_case(bash, "%s %s up --vlan=r" % (servalctl, conn_eq), equals=["--vlan=red"])
            problems += bash_case(bash, "%s %s user grant " % (servalctl, conn), equals=users)
            problems += bash_case(bash, "%s %s user kick bob " % (servalctl, conn_eq), equals=vlans)
            problems += bash_case(bash, "%s %s vlan del l" % (servalctl, conn), equals=["lan"])
            results.report("bash: VLAN and user names from the server", problems)

            started = time.monotonic()
            problems = bash_case(bash, "%s -s 127.0.0.1:%d -p %s members " % (servalctl, free_port(), server.pwfile),
                                 equals=[])
            problems += bash_case(bash, "%s -s 127.0.0.1:%d -u admin members " % (servalctl, server.port), equals=[])
            problems += bash_case(bash, "%s %s members " % (servalctl, conn.replace(server.pwfile, "/nonexistent")),
                                  equals=[])
            if time.monotonic() - started > 15:
                problems.append("these took %.1f s" % (time.monotonic() - started))
            results.report("bash: nothing, quickly, with no server, no --password-file or an unreadable one",
                           problems)

            missing_dir = os.path.join(tmp, "not-made")
            problems = bash_case(bash, "%s --data-dir %s user grant bob " % (server_prog, server.data), equals=vlans)
            problems += bash_case(bash, "%s -d %s user passwd " % (server_prog, server.data), equals=users)
            problems += bash_case(bash, "%s --data-dir=%s vlan del " % (server_prog, server.data), equals=vlans)
            problems += bash_case(bash, "%s --data-dir %s user del " % (server_prog, missing_dir), equals=[])
            if os.path.exists(missing_dir):
                problems.append("completing with --data-dir %s made that directory" % missing_dir)
            results.report("bash: user and VLAN names from serval-server's store, and no data dir made",
                           problems)

            # zsh
            zsh_files = [os.path.join(srcdir, "data", "completions", f) for f in ("_servalctl", "_serval-server")]
            if shutil.which("zsh") is None:
                for what in ("syntax", "options and commands named", "listings", "names from the server"):
                    results.report("zsh: %s" % what, ["zsh was not found: install the Debian package zsh"])
                return 1
            problems = []
            for f in zsh_files:
                out = subprocess.run(["zsh", "-n", f], capture_output=True, text=True)
                if out.returncode != 0:
                    problems.append("zsh -n %s: %s" % (f, out.stderr.strip()))
            results.report("zsh: zsh -n accepts both files", problems)

            problems = []
            for f, longs, cmds, verbs in ((zsh_files[0], ctl_longs, ctl_cmds, ctl_verbs),
                                          (zsh_files[1], srv_longs, srv_cmds, srv_verbs)):
                text = open(f).read()
                for word in longs + cmds + [v for vs in verbs.values() for v in vs]:
                    if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(word), text):
                        problems.append("%s does not name %s" % (os.path.basename(f), word))
            results.report("zsh: every option and command of both --help is named in the files", problems)

            env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(servalctl), os.path.dirname(server_prog),
                                                         os.environ.get("PATH", "")]))
            cases = [  # line, offered, not offered
                (sc + " ", ctl_cmds, []),
                (sc + " -s h:7465 user ", ctl_verbs["user"], []),
                (sc + " -", ctl_longs, []),
                (ss + " user ", srv_verbs["user"], []),
                (ss + " -", srv_longs, []),
                (ss + " --data-dir %s" % d, [d + "-one/"], [d + "-file"]),
            ]
            lines = [c[0] for c in cases]
            problems = zsh_problems(lines, zsh_run(srcdir, lines, env), [c[1] for c in cases], [c[2] for c in cases])
            results.report("zsh: commands, verbs, options and directories offered at Tab", problems)

            cases = [
                ("%s %s members " % (sc, conn), vlans, []),
                ("%s %s user grant " % (sc, conn_eq), users, []),
                ("%s %s user grant bob " % (sc, conn), vlans, []),
                ("%s -s 127.0.0.1:%d -u admin members " % (sc, server.port), [], vlans),
                ("%s --data-dir %s user grant bob " % (ss, server.data), vlans, []),
            ]
            lines = [c[0] for c in cases]
            problems = zsh_problems(lines, zsh_run(srcdir, lines, env), [c[1] for c in cases], [c[2] for c in cases])
            results.report("zsh: VLAN and user names from the server and the store", problems)
        finally:
            server.stop()
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
