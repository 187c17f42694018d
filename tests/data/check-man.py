#!/usr/bin/python3
"""Checks a man page: groff renders it without a warning, and every long
option the program's --help prints is documented in it.

Usage: check-man.py PAGE [PROGRAM]
"""
import re
import shutil
import subprocess
import sys


def main(page, program=None):
    problems = []
    if shutil.which('groff'):
        r = subprocess.run(['groff', '-man', '-ww', '-z', '-Tutf8', page], capture_output=True, text=True)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(f'groff: {r.stderr.strip()}')
    else:
        print('groff not installed: rendering not checked')
    text = open(page, encoding='utf-8').read().replace('\\-', '-')
    if program:
        r = subprocess.run([program, '--help'], capture_output=True, text=True)
        options = set(re.findall(r'^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)', r.stdout, re.M))
        options = {o for o in options if not o.startswith('--help')}
        if not options:
            problems.append(f'{program} --help printed no options')
        for opt in sorted(options):
            if opt not in text:
                problems.append(f'{opt} (from {program} --help) is not documented in {page}')
        print(f'{len(options)} options of {program} checked')
    for p in problems:
        print('FAIL:', p)
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
