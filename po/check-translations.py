#!/usr/bin/env python3
# Checks Serval's translations, as TAP:
#  - every file that po/POTFILES.in names exists, and is named once;
#  - every .c, .h or .ui file in app/, engine/ or data/ui/ (and every desktop, metainfo or polkit
#    template in data/) that has translatable strings is named in po/POTFILES.in;
#  - the template (.pot) builds from those files, with xgettext called as meson's
#    i18n.gettext(preset: 'glib') calls it;
#  - each catalogue in po/LINGUAS, merged with that template in a temporary directory,
#    passes msgfmt --check and is 100% translated (no untranslated or fuzzy message);
#    es and gl must be there;
#  - a translated semicolon list (the desktop file's Keywords) still ends in a semicolon.
# Nothing in the source tree is written to.
#
# Usage: check-translations.py [--srcdir TOP] [--podir PODIR]
#   TOP defaults to the directory above this script, PODIR to TOP/po.

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from tap_report import Tap  # noqa: E402

REQUIRED_LANGUAGES = ['es', 'gl']
PACKAGE = 'serval'

# The glib preset of meson's i18n module (mesonbuild/modules/i18n.py), plus the -k_ that
# meson's pot generator adds. Keep in step with it.
XGETTEXT_ARGS = [
    '--package-name=' + PACKAGE,
    '-k_',
    '--from-code=UTF-8',
    '--add-comments',
    '--keyword=_',
    '--keyword=N_',
    '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]

ITS_HINT = ('metainfo.its comes with appstream, polkit.its with polkitd, in '
            '/usr/share/gettext/its')

TOOLS = {
    'xgettext': 'gettext',
    'msgmerge': 'gettext',
    'msgfmt': 'gettext',
}


def language_args(path):
    """The xgettext language for a file, by its extension (as xgettext would guess it)."""
    name = path[:-3] if path.endswith('.in') else path
    if name.endswith(('.c', '.h')):
        return ['--language=C']
    if name.endswith('.ui'):
        return ['--language=Glade']          # GtkBuilder, through gettext's ITS rules
    if name.endswith('.desktop'):
        return ['--language=Desktop']
    # AppStream metainfo, polkit policies and other XML: ITS rules found by the
    # root element (metainfo.its comes with the appstream package).
    return []


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


# --- A small PO reader: enough to name untranslated and fuzzy messages. ---

_ESCAPES = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', 'r': '\r', 'a': '\a', 'b': '\b',
            'f': '\f', 'v': '\v'}


def _unquote(s):
    s = s.strip()
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ValueError('not a quoted string: %r' % s)
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(1)), s[1:-1])


def read_po(path):
    """Returns a list of dicts: ctxt, id, id_plural, strs (list), fuzzy, obsolete."""
    entries = []
    cur = None
    field = None

    def flush():
        nonlocal cur
        if cur is not None and cur['id'] is not None:
            entries.append(cur)
        cur = None

    def new():
        return {'ctxt': None, 'id': None, 'id_plural': None, 'strs': {}, 'fuzzy': False,
                'obsolete': False}

    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            obsolete = False
            if line.startswith('#~'):
                obsolete = True
                line = line[2:].lstrip()
                if line.startswith('|'):
                    continue
            elif line.startswith('#'):
                if cur is not None and cur['id'] is not None and field is not None \
                        and field[0] == 'str':
                    flush()
                if line.startswith('#,'):
                    if cur is None:
                        cur = new()
                    if 'fuzzy' in [x.strip() for x in line[2:].split(',')]:
                        cur['fuzzy'] = True
                field = None
                continue
            if not line.strip():
                flush()
                field = None
                continue
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
            if m:
                key, index, value = m.group(1), m.group(2), _unquote(m.group(3))
                if key in ('msgctxt', 'msgid') and cur is not None and cur['id'] is not None:
                    flush()
                if cur is None:
                    cur = new()
                cur['obsolete'] = cur['obsolete'] or obsolete
                if key == 'msgctxt':
                    cur['ctxt'] = value
                    field = ('ctxt',)
                elif key == 'msgid':
                    cur['id'] = value
                    field = ('id',)
                elif key == 'msgid_plural':
                    cur['id_plural'] = value
                    field = ('id_plural',)
                else:
                    i = int(index) if index is not None else 0
                    cur['strs'][i] = value
                    field = ('str', i)
            elif line.lstrip().startswith('"') and field is not None:
                value = _unquote(line)
                if field[0] == 'str':
                    cur['strs'][field[1]] += value
                else:
                    cur[field[0]] += value
            else:
                raise ValueError('%s: cannot read line %r' % (path, raw.rstrip('\n')))
    flush()
    return [e for e in entries if e['id'] != '' or e['ctxt'] is not None]  # drop the header


def describe(e):
    text = e['id'].replace('\n', '\\n')
    if len(text) > 70:
        text = text[:67] + '...'
    if e['ctxt'] is not None:
        return '"%s" (context "%s")' % (text, e['ctxt'])
    return '"%s"' % text


# --- The checks ---

def read_list(path):
    names = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                names.append(line)
    return names


def candidate_files(top):
    """Files that may carry translatable strings and so belong in POTFILES.in."""
    found = []

    def walk(sub, keep):
        base = os.path.join(top, sub)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, name), top)
                if keep(name):
                    found.append(rel)

    walk('app', lambda n: n.endswith(('.c', '.h', '.ui')))
    walk('engine', lambda n: n.endswith(('.c', '.h')))
    walk(os.path.join('data', 'ui'), lambda n: n.endswith('.ui'))
    walk('data', lambda n: n.endswith(('.desktop.in', '.metainfo.xml.in', '.policy.in')))
    for name in sorted(os.listdir(top)):
        if name.endswith('.desktop.in'):
            found.append(name)
    return sorted(set(found))


def extract(top, files, out):
    """Builds the template OUT from FILES (relative to TOP). Returns (ok, messages)."""
    first = True
    for rel in files:
        cmd = (['xgettext'] + XGETTEXT_ARGS + language_args(rel) + ['-o', out]
               + ([] if first else ['--join-existing']) + [rel])
        rc, _, err = run(cmd, cwd=top)
        err = '\n'.join(l for l in err.splitlines() if 'fallback ITS rule file' not in l)
        if rc != 0:
            return False, ['xgettext failed on %s (exit %d):' % (rel, rc), err.strip()]
        if os.path.exists(out):
            first = False
    if first:
        return False, ['xgettext found no translatable string in any of: ' + ' '.join(files)]
    return True, []


def has_strings(top, rel, tmp):
    out = os.path.join(tmp, 'one.pot')
    if os.path.exists(out):
        os.unlink(out)
    rc, _, err = run(['xgettext'] + XGETTEXT_ARGS + language_args(rel) + ['-o', out, rel],
                     cwd=top)
    if rc != 0:
        return None, err.strip()
    return os.path.exists(out) and len(read_po(out)) > 0, ''


def check_language(tap, lang, podir, pot, tmp):
    po = os.path.join(podir, lang + '.po')
    if not os.path.isfile(po):
        tap.result(False, '%s: %s exists' % (lang, os.path.relpath(po)),
                   ['po/LINGUAS names %s but there is no catalogue: make it with '
                    '"meson compile -C BUILD serval-update-po" (see po/README.md)' % lang])
        return
    merged = os.path.join(tmp, lang + '.po')
    rc, _, err = run(['msgmerge', '--quiet', '-o', merged, po, pot])
    if rc != 0:
        tap.result(False, '%s: merges with the template' % lang,
                   ['msgmerge failed (exit %d):' % rc, err.strip()])
        return
    rc, _, err = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged])
    stats = err.strip().splitlines()[-1] if err.strip() else ''
    tap.result(rc == 0, '%s: msgfmt --check passes' % lang,
               [] if rc == 0 else ['msgfmt --check failed (exit %d):' % rc,
                                   re.sub(re.escape(merged) + r':(\d+):',
                                          'po/%s.po, merged with the template, line \\1:' % lang,
                                          err.strip())])

    counts = {'translated': 0, 'fuzzy': 0, 'untranslated': 0}
    for number, kind in re.findall(r'(\d+) (translated|fuzzy|untranslated)', stats):
        counts[kind] = int(number)
    entries = [e for e in read_po(merged) if not e['obsolete']]
    untranslated = [e for e in entries
                    if not e['fuzzy'] and any(s == '' for s in e['strs'].values())]
    fuzzy = [e for e in entries if e['fuzzy']]
    total = counts['translated'] + counts['fuzzy'] + counts['untranslated']
    complete = (total > 0 and counts['fuzzy'] == 0
                and counts['untranslated'] == 0 and not untranslated and not fuzzy
                and total == len(entries))
    diag = ['msgfmt --statistics: ' + stats]
    if not complete:
        if untranslated:
            diag.append('%d untranslated in po/%s.po:' % (len(untranslated), lang))
            diag += ['  ' + describe(e) for e in untranslated]
        if fuzzy:
            diag.append('%d fuzzy (check the translation, then remove the "fuzzy" flag) in '
                        'po/%s.po:' % (len(fuzzy), lang))
            diag += ['  ' + describe(e) for e in fuzzy]
        if total != len(entries):
            diag.append('msgfmt counted %d messages, the catalogue has %d'
                        % (total, len(entries)))
        diag.append('Update the catalogue with "meson compile -C BUILD serval-update-po", '
                    'translate these messages, and run this test again.')
    tap.result(complete, '%s: 100%% translated (%d of %d messages)'
               % (lang, counts['translated'], total), diag if not complete else [diag[0]])

    bad = []
    for e in entries:
        if ';' in e['id'].rstrip(';') and e['id'].endswith(';') and not e['fuzzy']:
            for s in e['strs'].values():
                if s and (not s.endswith(';') or ';;' in s):
                    bad.append('  %s -> "%s"' % (describe(e), s))
    tap.result(not bad, '%s: semicolon lists end in a semicolon and have no empty item' % lang,
               ['A list such as the desktop file\'s Keywords must keep its form:'] + bad
               if bad else [])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--srcdir', default=os.path.dirname(here))
    ap.add_argument('--podir', default=None)
    args = ap.parse_args()
    top = os.path.abspath(args.srcdir)
    podir = os.path.abspath(args.podir or os.path.join(top, 'po'))
    tap = Tap()
    print('TAP version 13')

    missing_tools = [t for t in TOOLS if shutil.which(t) is None]
    tap.result(not missing_tools, 'gettext tools are installed',
               ['%s was not found: install the Debian package %s' % (t, TOOLS[t])
                for t in missing_tools])
    if missing_tools:
        return tap.finish()

    potfiles_in = os.path.join(podir, 'POTFILES.in')
    linguas = os.path.join(podir, 'LINGUAS')
    for path in (potfiles_in, linguas):
        if not os.path.isfile(path):
            tap.result(False, '%s exists' % os.path.relpath(path, top),
                       ['Without it meson cannot build or update the catalogues.'])
            return tap.finish()

    listed = read_list(potfiles_in)
    seen = set()
    present = []
    for rel in listed:
        if rel in seen:
            tap.result(False, 'POTFILES.in names %s once' % rel,
                       ['Remove the second line naming %s.' % rel])
            continue
        seen.add(rel)
        exists = os.path.isfile(os.path.join(top, rel))
        tap.result(exists, 'POTFILES.in: %s exists' % rel,
                   [] if exists else ['po/POTFILES.in names %s, which does not exist: write it, '
                                      'or remove its line from po/POTFILES.in' % rel])
        if exists:
            present.append(rel)

    with tempfile.TemporaryDirectory(prefix='serval-i18n-') as tmp:
        unlisted = []
        errors = []
        for rel in candidate_files(top):
            if rel in seen:
                continue
            found, err = has_strings(top, rel, tmp)
            if found is None:
                errors.append('xgettext cannot read %s: %s' % (rel, err))
            elif found:
                unlisted.append(rel)
        diag = ['%s has translatable strings: add it to po/POTFILES.in' % rel
                for rel in unlisted] + errors
        tap.result(not diag, 'every file with translatable strings is in POTFILES.in', diag)

        # A template (desktop, metainfo, polkit) always has strings; none means xgettext
        # lacks the ITS rules for it and would drop its strings from the catalogues quietly.
        empty = []
        for rel in present:
            if rel.endswith('.in'):
                found, err = has_strings(top, rel, tmp)
                if not found:
                    empty.append('xgettext finds no translatable string in %s%s: are its gettext '
                                 'ITS rules installed? (%s)' % (rel, ' (%s)' % err if err else '',
                                                                ITS_HINT))
        tap.result(not empty, 'xgettext reads every template in POTFILES.in', empty)

        pot = os.path.join(tmp, PACKAGE + '.pot')
        ok, diag = extract(top, present, pot)
        n = len(read_po(pot)) if ok else 0
        tap.result(ok, 'the template builds from POTFILES.in (%d messages from %d files)'
                   % (n, len(present)), diag)
        if not ok:
            return tap.finish()

        langs = read_list(linguas)
        langs = [w for line in langs for w in line.split()]
        for lang in REQUIRED_LANGUAGES:
            tap.result(lang in langs, 'po/LINGUAS names %s' % lang,
                       [] if lang in langs else
                       ['Serval ships %s: add it to po/LINGUAS' % ', '.join(REQUIRED_LANGUAGES)])
        for lang in langs:
            check_language(tap, lang, podir, pot, tmp)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
