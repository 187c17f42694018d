#!/usr/bin/python3
"""Checks the translations.

check-po.py complete PO...   every message translated, none fuzzy, msgfmt -c clean
check-po.py uptodate SOURCE_ROOT PO...
    builds a fresh template from po/POTFILES.in and reports messages of the
    sources that a translation lacks. New strings appear whenever the app
    grows, so this exits 77 (skipped, with the list) rather than failing;
    run `ninja -C BUILDDIR mimp-update-po` and translate them.
"""
import os
import re
import subprocess
import sys
import tempfile

XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
]


def stats(po):
    r = subprocess.run(['msgfmt', '-c', '--statistics', '-o', os.devnull, po],
                       capture_output=True, text=True)
    out = r.stderr.strip()
    translated = int(m.group(1)) if (m := re.search(r'(\d+) translated', out)) else 0
    fuzzy = int(m.group(1)) if (m := re.search(r'(\d+) fuzzy', out)) else 0
    untranslated = int(m.group(1)) if (m := re.search(r'(\d+) untranslated', out)) else 0
    return r.returncode, out, translated, fuzzy, untranslated


def complete(pos):
    failed = False
    for po in pos:
        rc, out, t, f, u = stats(po)
        print(f'{os.path.basename(po)}: {out}')
        if rc != 0 or f or u or t == 0:
            print(f'FAIL: {po} is not clean and complete')
            failed = True
    return 1 if failed else 0


def uptodate(root, pos):
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        files = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'mimp.pot')
        subprocess.run(['xgettext', '--directory', root, '--output', pot] + XGETTEXT_ARGS + files,
                       check=True)
        missing_any = False
        for po in pos:
            merged = os.path.join(tmp, os.path.basename(po))
            subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot],
                           check=True)
            rc, out, t, f, u = stats(merged)
            if f or u:
                missing_any = True
                print(f'{os.path.basename(po)}: {u + f} message(s) of the sources not translated yet')
            else:
                print(f'{os.path.basename(po)}: up to date ({t} messages)')
    return 77 if missing_any else 0


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == 'complete':
        sys.exit(complete(sys.argv[2:]))
    if sys.argv[1] == 'uptodate':
        sys.exit(uptodate(sys.argv[2], sys.argv[3:]))
    sys.exit(__doc__)
