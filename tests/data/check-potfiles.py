#!/usr/bin/python3
"""Fails when a file under src/ with translatable strings is missing from
po/POTFILES.in, or when POTFILES.in names a file that does not exist.

Usage: check-potfiles.py SOURCE_ROOT
"""
import os
import re
import sys

# _( C_( N_( NC_( with or without a space before the parenthesis (GNU style),
# the g_d*gettext family and ngettext, and translatable strings in .ui files.
C_MARKERS = re.compile(r'(?<![\w])(?:_|C_|N_|NC_|Q_)\s*\(|ngettext|\bg_dgettext\b|\bg_dpgettext2?\b|\bg_dcgettext\b')
UI_MARKERS = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SOURCE_EXT = ('.c', '.h', '.ui', '.blp', '.py', '.js', '.vala')


def main(root):
    potfiles_in = os.path.join(root, 'po', 'POTFILES.in')
    listed = []
    with open(potfiles_in, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)

    problems = []
    for path in listed:
        if not os.path.isfile(os.path.join(root, path)):
            problems.append(f'po/POTFILES.in lists {path}, which does not exist')

    found = []
    src = os.path.join(root, 'src')
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SOURCE_EXT):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            with open(full, encoding='utf-8', errors='replace') as f:
                text = f.read()
            marker = UI_MARKERS if name.endswith(('.ui', '.blp')) else C_MARKERS
            # .blp (Blueprint) marks strings with _("...") like C.
            if name.endswith('.blp'):
                marker = C_MARKERS
            if marker.search(text):
                found.append(rel)
                if rel not in listed:
                    problems.append(f'{rel} has translatable strings but is not in po/POTFILES.in')

    print(f'{len(found)} source files with translatable strings, {len(listed)} entries in POTFILES.in')
    for p in problems:
        print('FAIL:', p)
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
