#!/usr/bin/python3
"""Checks build-aux/flatpak/io.github.mimp.Mimp.json: valid JSON, the fields
the project decided on, the narrowest finish-args (no holes for notifications
or secrets: those go through portals), every downloaded source pinned by a
sha256, tests disabled in the build; then, when flatpak-builder is installed,
`flatpak-builder --show-manifest` must accept it without any warning.

Usage: check-flatpak-manifest.py MANIFEST APP_ID
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ALLOWED_FINISH_ARGS = {
    '--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri',
}
REQUIRED_FINISH_ARGS = ALLOWED_FINISH_ARGS


def main(path, app_id):
    problems = []
    with open(path, encoding='utf-8') as f:
        m = json.load(f)

    def need(cond, msg):
        if not cond:
            problems.append(msg)

    need(m.get('id') == app_id, f'id must be {app_id}')
    need(m.get('runtime') == 'org.gnome.Platform', 'runtime must be org.gnome.Platform')
    need(m.get('sdk') == 'org.gnome.Sdk', 'sdk must be org.gnome.Sdk')
    need(re.fullmatch(r'\d{2,}', str(m.get('runtime-version', ''))) is not None,
         'runtime-version must be a stable GNOME release such as "48"')
    need(m.get('command') == 'mimp', 'command must be mimp')
    args = m.get('finish-args', [])
    extra = [a for a in args if a not in ALLOWED_FINISH_ARGS]
    need(not extra, f'finish-args wider than needed: {extra} (notifications and secrets use portals)')
    need(REQUIRED_FINISH_ARGS <= set(args), f'finish-args lack {sorted(REQUIRED_FINISH_ARGS - set(args))}')

    modules = m.get('modules', [])
    need(modules, 'no modules')
    names = [mod.get('name') for mod in modules if isinstance(mod, dict)]
    need('libnotify' not in names,
         'libnotify is not used: the app talks to the notification portal itself')
    for mod in modules:
        if not isinstance(mod, dict):
            problems.append('modules must be inline objects')
            continue
        for src in mod.get('sources', []):
            if src.get('type') in ('archive', 'file'):
                need(str(src.get('url', '')).startswith('https://'),
                     f'{mod["name"]}: source url must be https')
                need(re.fullmatch(r'[0-9a-f]{64}', src.get('sha256', '')) is not None,
                     f'{mod["name"]}: source needs a sha256')
            if src.get('type') == 'git':
                need('commit' in src or 'tag' in src, f'{mod["name"]}: git source must be pinned')
    if modules and isinstance(modules[-1], dict):
        app = modules[-1]
        need(app.get('name') == 'mimp', 'the last module must be the app, mimp')
        need(app.get('buildsystem') == 'meson', 'the app builds with meson')
        need('-Dtests=false' in app.get('config-opts', []), 'the app must be built with -Dtests=false')
        need(any(s.get('type') == 'dir' for s in app.get('sources', [])),
             'the app builds from this source tree (a dir source)')

    if shutil.which('flatpak-builder'):
        # flatpak-builder leaves a .flatpak-builder directory in its working
        # directory: give it a throw-away one.
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(['flatpak-builder', '--show-manifest', os.path.abspath(path)],
                               capture_output=True, text=True, cwd=tmp)
        need(r.returncode == 0, f'flatpak-builder --show-manifest failed: {r.stderr.strip()}')
        need(not r.stderr.strip(), f'flatpak-builder --show-manifest warned: {r.stderr.strip()}')
        print('flatpak-builder --show-manifest: checked')
    else:
        print('flatpak-builder not installed: --show-manifest not run')

    for p in problems:
        print('FAIL:', p)
    print(f'{len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
