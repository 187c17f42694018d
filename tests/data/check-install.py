#!/usr/bin/python3
"""Installs the build into a temporary DESTDIR and checks that everything a
distribution expects is there and that what the data files point at resolves.

Usage: check-install.py MESON BUILDDIR APP_ID
"""
import configparser
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = []
notes = []


def fail(msg):
    failures.append(msg)
    print('FAIL:', msg)


def ok(msg):
    print('ok:', msg)


def introspect(meson, builddir, what):
    out = subprocess.run(meson + ['introspect', builddir, what], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def read_desktop(path, group):
    cp = configparser.RawConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path, encoding='utf-8')
    return cp[group]


def main(meson_cmd, builddir, app_id):
    meson = meson_cmd.split()
    options = {o['name']: o['value'] for o in introspect(meson, builddir, '--buildoptions')}
    prefix = options['prefix']
    dirs = {k: os.path.join(prefix, options[k]) for k in ('bindir', 'datadir', 'mandir', 'localedir')}
    targets = introspect(meson, builddir, '--targets')
    app_target = any(t['name'] == 'mimp' and t['type'] == 'executable' for t in targets)

    tmp = tempfile.mkdtemp(prefix='mimp-install-')
    try:
        r = subprocess.run(meson + ['install', '-C', builddir, '--destdir', tmp, '--no-rebuild',
                                    '--quiet'], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout[-3000:], r.stderr[-3000:])
            fail('meson install failed')
            return 1

        def d(path):
            return tmp + path

        def exists(path, what):
            if os.path.isfile(d(path)):
                ok(f'{what}: {path}')
                return True
            fail(f'{what} missing: {path}')
            return False

        def executable(path, what):
            if os.path.isfile(d(path)) and os.access(d(path), os.X_OK):
                ok(f'{what} resolves: {path}')
            else:
                fail(f'{what} does not resolve to an installed executable: {path}')

        datadir, bindir, mandir, localedir = (dirs[k] for k in ('datadir', 'bindir', 'mandir', 'localedir'))

        # Server side: always installed.
        exists(f'{bindir}/mimpd', 'server')
        exists(f'{bindir}/mimp-cli', 'terminal client')
        exists(f'{mandir}/man8/mimpd.8', 'man page')
        exists(f'{mandir}/man1/mimp-cli.1', 'man page')
        units = glob.glob(d(prefix) + '/lib/systemd/system/mimpd.service') + \
            glob.glob(d('/lib/systemd/system/mimpd.service'))
        if units:
            unit = units[0]
            ok(f'systemd unit: {unit[len(tmp):]}')
            exec_start = [l.split('=', 1)[1].split()[0] for l in open(unit, encoding='utf-8')
                          if l.startswith('ExecStart=')]
            if exec_start:
                executable(exec_start[0], 'mimpd.service ExecStart')
            else:
                fail('mimpd.service has no ExecStart')
        else:
            fail('systemd unit mimpd.service not installed under the prefix')
        for kind in ('sysusers.d', 'tmpfiles.d'):
            if glob.glob(d(prefix) + f'/lib/{kind}/mimpd.conf'):
                ok(f'{kind}/mimpd.conf')
            else:
                fail(f'{kind}/mimpd.conf not installed')

        # Desktop side: installed with the app.
        desktop = f'{datadir}/applications/{app_id}.desktop'
        if not app_target:
            if os.path.exists(d(desktop)):
                fail('the desktop entry is installed but the build has no mimp executable')
            notes.append('the app (mimp) is not built in this configuration: desktop checks skipped')
        else:
            exists(f'{bindir}/mimp', 'app')
            exists(f'{mandir}/man1/mimp.1', 'man page')
            if exists(desktop, 'desktop entry'):
                entry = read_desktop(d(desktop), 'Desktop Entry')
                executable(f'{bindir}/' + entry['Exec'].split()[0], 'desktop Exec')
                icon = entry['Icon']
                icons = glob.glob(d(f'{datadir}/icons/hicolor/*/apps/{icon}.svg')) + \
                    glob.glob(d(f'{datadir}/icons/hicolor/*/apps/{icon}.png'))
                if icons:
                    ok(f'desktop Icon resolves: {icons[0][len(tmp):]}')
                else:
                    fail(f'desktop Icon {icon} has no installed icon in hicolor')
                if entry.get('DBusActivatable') != 'true':
                    fail('desktop entry is not DBusActivatable')
            exists(f'{datadir}/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg', 'symbolic icon')
            service = f'{datadir}/dbus-1/services/{app_id}.service'
            if exists(service, 'D-Bus service'):
                entry = read_desktop(d(service), 'D-BUS Service')
                if entry['Name'] != app_id:
                    fail(f'D-Bus service Name is {entry["Name"]}, not {app_id}')
                executable(entry['Exec'].split()[0], 'D-Bus service Exec')
            autostart = f'{datadir}/mimp/autostart/{app_id}.desktop'
            if exists(autostart, 'autostart entry'):
                entry = read_desktop(d(autostart), 'Desktop Entry')
                executable(f'{bindir}/' + entry['Exec'].split()[0], 'autostart Exec')
            metainfo = f'{datadir}/metainfo/{app_id}.metainfo.xml'
            if exists(metainfo, 'AppStream metainfo'):
                text = open(d(metainfo), encoding='utf-8').read()
                if f'<launchable type="desktop-id">{app_id}.desktop</launchable>' not in text:
                    fail('metainfo launchable does not name the installed desktop entry')
            exists(f'{datadir}/help/C/mimp/index.page', 'help')
            exists(f'{datadir}/glib-2.0/schemas/{app_id}.gschema.xml', 'GSettings schema')
            linguas = open(os.path.join(os.path.dirname(__file__), '..', '..', 'po', 'LINGUAS'),
                           encoding='utf-8').read().split()
            for lang in linguas:
                exists(f'{localedir}/{lang}/LC_MESSAGES/mimp.mo', f'{lang} translation')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for n in notes:
        print('note:', n)
    print(f'{len(failures)} problem(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
