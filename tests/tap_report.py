"""TAP output for the project's Python checks (data/icons/check-icons.py,
po/check-translations.py): one line a result, diagnostics as # lines, the plan at the end."""

import sys


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, name, diag=()):
        self.n += 1
        self.failed += 0 if ok else 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
        for line in diag:
            for part in str(line).splitlines() or ['']:
                print('# ' + part)
        sys.stdout.flush()

    def note(self, text):
        for part in text.splitlines():
            print('# ' + part)

    def finish(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0
