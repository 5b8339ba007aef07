#!/usr/bin/env python3
# Checks Serval's icons, as TAP. For every SVG given:
#  - it is well-formed SVG with a viewBox, and embeds no raster image, text, script or
#    outside reference (an icon must draw the same everywhere, with no font or network);
#  - an app icon (scalable/apps) is drawn on the 128x128 canvas of GNOME app icons;
#  - a symbolic icon (*-symbolic.svg) is 16x16 and GTK 3 can recolour it: GTK replaces the
#    fill of path, rect and circle elements with the theme's colour, so every shape must be
#    one of those, filled with #2e3436, with no stroke (a stroke would keep its colour on a
#    dark panel) and no other colour anywhere.
#  - "<svg" comes within the first 256 bytes: GTK loads a symbolic icon from memory and
#    finds its format by content sniffing, which looks no further (a long comment before
#    <svg> made GTK fail with "Unrecognized image file format").
# Then GTK 3 itself, through Debian's python3-gi, loads every icon at 16 px, symbolic ones
# recoloured in red; every drawn pixel must come out red. And at 16 px the tray's status
# icons must differ from one another in at least MIN_DIFFERENT_PIXELS pixels.
#
# Usage: check-icons.py ICON.svg...
#        check-icons.py --gtk-render ICON.svg...   (the GTK part alone, as JSON; internal)

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests'))
from tap_report import Tap  # noqa: E402

SVG = '{http://www.w3.org/2000/svg}'
XLINK = '{http://www.w3.org/1999/xlink}'
SYMBOLIC_COLOUR = '#2e3436'
SYMBOLIC_SHAPES = {'path', 'rect', 'circle'}
SYMBOLIC_OTHER = {'svg', 'g', 'defs', 'clipPath', 'title', 'desc', 'metadata'}
FORBIDDEN = {'image', 'text', 'script', 'foreignObject', 'use', 'style', 'font'}
COLOUR_PROPS = ('fill', 'stroke', 'stop-color', 'color', 'flood-color', 'lighting-color')
SNIFF_BYTES = 256
# Of the 256 pixels of a 16 px icon, how many must differ between two status icons.
MIN_DIFFERENT_PIXELS = 40
# GTK for Python is a Debian package (python3-gi, gir1.2-gtk-3.0): not in a venv's python.
GTK_PYTHON = os.environ.get('SERVAL_GTK_PYTHON', '/usr/bin/python3')


def local(tag):
    return tag.split('}', 1)[1] if tag.startswith('{') else tag


def properties(el):
    """Presentation attributes and style="" declarations of one element."""
    props = {k: v.strip() for k, v in el.attrib.items() if '}' not in k}
    for decl in el.attrib.get('style', '').split(';'):
        if ':' in decl:
            k, v = decl.split(':', 1)
            props[k.strip()] = v.strip()
    return props


def number(value):
    m = re.match(r'\s*([0-9.]+)\s*(px)?\s*$', value or '')
    return float(m.group(1)) if m else None


def check(path):
    problems = []
    try:
        with open(path, 'rb') as f:
            if b'<svg' not in f.read(SNIFF_BYTES):
                problems.append('"<svg" is not within its first %d bytes, so GTK cannot tell '
                                'that it is an SVG: move comments inside <svg>' % SNIFF_BYTES)
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return ['cannot read it as XML: %s' % e], None
    if root.tag != SVG + 'svg':
        return ['its root element is %s, not an SVG <svg>' % root.tag], None
    box = root.get('viewBox', '').replace(',', ' ').split()
    if len(box) != 4:
        problems.append('it has no viewBox')
        size = None
    else:
        size = (float(box[2]), float(box[3]))
    width, height = number(root.get('width')), number(root.get('height'))

    symbolic = os.path.basename(path).endswith('-symbolic.svg')
    if symbolic:
        want = (16.0, 16.0)
    elif '/scalable/apps/' in path.replace(os.sep, '/'):
        want = (128.0, 128.0)
    else:
        want = None
    if want and (size != want or (width, height) != want):
        problems.append('it is %sx%s with viewBox %s; it must be %gx%g'
                        % (root.get('width'), root.get('height'), root.get('viewBox'), *want))

    for el in root.iter():
        name = local(el.tag)
        if name in FORBIDDEN:
            problems.append('it has a <%s> element: draw with shapes only' % name)
        for k, v in el.attrib.items():
            if k in ('href', XLINK + 'href') and not v.startswith('#'):
                problems.append('it refers to %s outside the file' % v)
            if 'url(' in v and not re.fullmatch(r'url\(#[^)]+\)', v.strip()):
                problems.append('attribute %s refers outside the file: %s' % (local(k), v))
        props = properties(el)
        if symbolic:
            if name not in SYMBOLIC_SHAPES | SYMBOLIC_OTHER:
                problems.append('<%s> is not a path, rect or circle: GTK would not recolour it'
                                % name)
            if props.get('stroke', 'none') != 'none' or 'stroke-width' in props:
                problems.append('<%s> has a stroke: GTK 3 recolours fills only; draw the '
                                'line as a filled shape' % name)
            in_clip = any(el in clip.iter() for clip in root.iter(SVG + 'clipPath'))
            if name in SYMBOLIC_SHAPES and not in_clip:
                fill = props.get('fill')
                if fill is None or fill.lower() != SYMBOLIC_COLOUR:
                    problems.append('<%s> is filled with %s: symbolic icons use %s only'
                                    % (name, fill, SYMBOLIC_COLOUR))
            for prop in COLOUR_PROPS:
                v = props.get(prop)
                if v and v.lower() not in ('none', SYMBOLIC_COLOUR) and prop != 'fill':
                    problems.append('%s="%s" on <%s>: symbolic icons use %s only'
                                    % (prop, v, name, SYMBOLIC_COLOUR))
    shapes = [el for el in root.iter() if local(el.tag) in ('path', 'rect', 'circle', 'ellipse',
                                                            'polygon', 'polyline', 'line')]
    if not shapes:
        problems.append('it draws nothing')
    return problems, root


def gtk_render(paths):
    """Loads each icon with GTK 3 at 16 px; prints JSON: path -> result."""
    import gi
    gi.require_version('Gdk', '3.0')
    gi.require_version('Gtk', '3.0')
    from gi.repository import Gdk, Gio, Gtk
    red = Gdk.RGBA()
    red.parse('#ff0000')
    theme = Gtk.IconTheme.new()
    out = {}
    for path in paths:
        info = theme.lookup_by_gicon(Gio.FileIcon.new(Gio.File.new_for_path(path)), 16,
                                     Gtk.IconLookupFlags.FORCE_SIZE)
        try:
            if path.endswith('-symbolic.svg'):
                pixbuf, recoloured = info.load_symbolic(red, None, None, None)
            else:
                pixbuf, recoloured = info.load_icon(), False
        except Exception as e:  # GLib.Error
            out[path] = {'error': str(e)}
            continue
        n, stride = pixbuf.get_n_channels(), pixbuf.get_rowstride()
        data = pixbuf.get_pixels()
        alpha, off_colour = [], 0
        for y in range(pixbuf.get_height()):
            for x in range(pixbuf.get_width()):
                px = data[y * stride + x * n: y * stride + x * n + n]
                a = px[3] if n == 4 else 255
                alpha.append(a)
                if a >= 64 and not (px[0] >= 200 and px[1] <= 60 and px[2] <= 60):
                    off_colour += 1
        out[path] = {'size': [pixbuf.get_width(), pixbuf.get_height()],
                     'recoloured': bool(recoloured), 'alpha': alpha,
                     'off_colour': off_colour}
    print(json.dumps(out))
    return 0


def gtk_results(paths):
    """Runs gtk_render under a python that has GTK 3. Returns (results, error)."""
    try:
        p = subprocess.run([GTK_PYTHON, os.path.abspath(__file__), '--gtk-render'] + paths,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
    except OSError as e:
        return None, '%s cannot run (%s): apt-get install python3' % (GTK_PYTHON, e)
    if p.returncode != 0:
        return None, ('loading the icons with GTK 3 under %s failed (if gi or Gtk is missing: '
                      'apt-get install python3-gi gir1.2-gtk-3.0):\n%s'
                      % (GTK_PYTHON, p.stderr.strip()))
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def main(paths):
    tap = Tap()
    print('TAP version 13')
    if not paths:
        tap.result(False, 'icons to check were given', ['usage: check-icons.py ICON.svg...'])
        return tap.finish()
    paths = [os.path.abspath(p) for p in paths]
    for path in paths:
        problems, _ = check(path)
        shown = os.path.relpath(path)
        tap.result(not problems, '%s is a clean icon' % shown,
                   ['%s: %s' % (shown, p) for p in problems])

    results, error = gtk_results(paths)
    if error:
        tap.result(False, 'GTK 3 loads the icons', error.splitlines())
        return tap.finish()
    for path in paths:
        r = results[path]
        shown = os.path.relpath(path)
        symbolic = path.endswith('-symbolic.svg')
        diag = []
        if 'error' in r:
            diag.append('GTK cannot load it: %s' % r['error'])
        else:
            if r['size'] != [16, 16]:
                diag.append('GTK made it %dx%d, not 16x16' % tuple(r['size']))
            if sum(1 for a in r['alpha'] if a >= 64) < 16:
                diag.append('at 16 px it shows almost nothing')
            if symbolic and not r['recoloured']:
                diag.append('GTK did not treat it as symbolic')
            if symbolic and r['off_colour']:
                diag.append('%d pixels kept their own colour when GTK recoloured it red: '
                            'every shape must be filled with %s, with no stroke'
                            % (r['off_colour'], SYMBOLIC_COLOUR))
        tap.result(not diag, 'GTK 3 loads %s at 16 px%s'
                   % (shown, ' and recolours it' if symbolic else ''),
                   ['%s: %s' % (shown, d) for d in diag])

    status = sorted(p for p in paths if '/status/' in p.replace(os.sep, '/'))
    diag = []
    if len(status) < 3:
        diag.append('expected offline, connecting and online status icons, got %d' % len(status))
    for i, a in enumerate(status):
        for b in status[i + 1:]:
            ra, rb = results[a], results[b]
            if 'alpha' not in ra or 'alpha' not in rb:
                continue
            differ = sum(1 for x, y in zip(ra['alpha'], rb['alpha']) if abs(x - y) >= 96)
            diag.append('%s vs %s: %d of 256 pixels differ' % (os.path.basename(a),
                                                               os.path.basename(b), differ))
            if differ < MIN_DIFFERENT_PIXELS:
                diag.append('  too alike at 16 px (fewer than %d): make them easier to tell '
                            'apart' % MIN_DIFFERENT_PIXELS)
    alike = len(status) < 3 or any(d.startswith('  too alike') for d in diag)
    tap.result(not alike, 'the %d status icons are easy to tell apart at 16 px' % len(status),
               diag)
    return tap.finish()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--gtk-render']:
        sys.exit(gtk_render(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
