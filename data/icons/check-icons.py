#!/usr/bin/env python3
# Checks Serval's icons, as TAP. For every SVG given:
#  - it is well-formed SVG with a viewBox, and embeds no raster image, text, script or
#    outside reference (an icon must draw the same everywhere, with no font or network);
#  - an app icon (scalable/apps) is drawn on the 128x128 canvas of GNOME app icons;
#  - a symbolic icon (*-symbolic.svg) is 16x16 and GTK 3 can recolour it: GTK replaces the
#    fill of path, rect and circle elements with the theme's colour, so every shape must be
#    one of those, filled with #2e3436, with no stroke (a stroke would keep its colour on a
#    dark panel) and no other colour anywhere.
# Then the tray's status icons must differ from one another.
#
# Usage: check-icons.py ICON.svg...

import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
XLINK = '{http://www.w3.org/1999/xlink}'
SYMBOLIC_COLOUR = '#2e3436'
SYMBOLIC_SHAPES = {'path', 'rect', 'circle'}
SYMBOLIC_OTHER = {'svg', 'g', 'defs', 'clipPath', 'title', 'desc', 'metadata'}
FORBIDDEN = {'image', 'text', 'script', 'foreignObject', 'use', 'style', 'font'}
COLOUR_PROPS = ('fill', 'stroke', 'stop-color', 'color', 'flood-color', 'lighting-color')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, name, diag=()):
        self.n += 1
        self.failed += 0 if ok else 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
        for line in diag:
            print('# ' + line)

    def finish(self):
        print('1..%d' % self.n)
        return 1 if self.failed else 0


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


def main(paths):
    tap = Tap()
    print('TAP version 13')
    if not paths:
        tap.result(False, 'icons to check were given', ['usage: check-icons.py ICON.svg...'])
        return tap.finish()
    drawings = {}
    for path in paths:
        problems, _ = check(path)
        shown = os.path.relpath(path)
        tap.result(not problems, '%s is a clean icon' % shown,
                   ['%s: %s' % (shown, p) for p in problems])
        with open(path, 'rb') as f:
            body = re.sub(rb'<!--.*?-->', b'', f.read(), flags=re.S)
        drawings[path] = hashlib.sha256(body).hexdigest()

    status = sorted(p for p in paths if '/status/' in p.replace(os.sep, '/'))
    same = []
    for i, a in enumerate(status):
        for b in status[i + 1:]:
            if drawings[a] == drawings[b]:
                same.append('%s and %s draw the same thing' % (os.path.basename(a),
                                                               os.path.basename(b)))
    tap.result(len(status) >= 3 and not same,
               'the %d status icons differ from one another' % len(status),
               same + ([] if len(status) >= 3 else
                       ['expected offline, connecting and online status icons']))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
