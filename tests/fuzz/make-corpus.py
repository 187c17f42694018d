#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into corpus/TARGET/.

Run it again after changing it; the files are small and committed.
    /usr/bin/python3 tests/fuzz/make-corpus.py
"""
import hashlib
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SCH, AH, SM, GU, ERR = 0x0AA0, 0xA00F, 0x00AF, 0x0CCF, 0xBEEF
FEATURES, KEYS = 0x0FEA, 0x0E2E
PUSH, DELIVER, ACK = 0x0F05, 0x0DE1, 0x0ACC
TOKEN = b'TOKEN_PLACEHOLDR'


def frame(pid, body=b'', magic=0xB00B, version=1, length=None):
    if isinstance(body, str):
        body = body.encode()
    n = len(body) if length is None else length
    return struct.pack('<HHHI', magic, version, pid, n) + body


def puzzle(start=3, offset=7):
    p = bytearray((i * 37 + 11) % 256 for i in range(256))
    p[0] = start
    p[255] = offset
    return bytes(p)


def js(obj):
    return json.dumps(obj, separators=(',', ':')).encode()


def write(target, items):
    d = os.path.join(HERE, 'corpus', target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in items:
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)


login = js({'uf': 'alice', 'up': 'pw'})
send = js({'uf': 'alice', 'ut': 'bob', 'ms': 'hello', 'token': TOKEN.decode()})
send_id = js({'uf': 'alice', 'ut': 'bob', 'ms': 'hi', 'token': TOKEN.decode(), 'id': 'c-1'})
send_self = js({'uf': 'alice', 'ut': 'alice', 'ms': 'me', 'token': TOKEN.decode()})
get = js({'uf': 'alice', 'token': TOKEN.decode()})
get_ack = js({'uf': 'alice', 'token': TOKEN.decode(), 'ack': 0})
get_wait = js({'uf': 'alice', 'token': TOKEN.decode(), 'ack': 0, 'wait': 5})
deep = b'[' * 40 + b']' * 40
deep_obj = b'{"uf":' + b'{"a":' * 40 + b'1' + b'}' * 40 + b'}'
bad_utf8 = b'{"uf":"al\xffice","up":"pw"}'
nul = b'{"uf":"alice","up":"pw\\u0000x"}'
wrong_types = js({'uf': 1, 'up': ['pw']})

requests = [login, send, send_id, get, get_ack, get_wait, deep, deep_obj, bad_utf8, nul,
            wrong_types, b'', b'{}', b'null', b'"str"', b'[1,2]', b'{"uf":"a"',
            js({'uf': 'a', 'token': 't', 'ack': 1e300, 'wait': -5}),
            js({'uf': 'a', 'token': 't', 'ack': 12.5}),
            js({'uf': 'a', 'ut': 'b', 'ms': 'x' * 16385, 'token': 't'}),
            js({'uf': 'a', 'ut': 'b', 'ms': 'x', 'token': 't', 'id': ''}),
            b'{"uf":"\\ud800","up":"\\udfff"}', b'{"uf":"a","uf":"b","up":"c"}']
write('body-request', requests)

replies = [b'AbCdEfGhIjKlMnOp', js({'token': 'AbCdEfGhIjKlMnOp'}), b'{AbCdEfGhIjKlMnO',
           js({'id': 'x', 'ts': 1763769600000}), b'', b'[]',
           js({'messages': [{'id': 'm1', 'seq': 1, 'uf': 'bob', 'ut': 'alice', 'ms': 'hi',
                             'ts': 1763769600000}], 'more': True}),
           js([{'uf': 'bob', 'ms': 'x'}]), js({'messages': None}), js({'messages': 5}),
           js({'messages': [{'uf': 'bob', 'ms': 'a\u00e9\u4e2d\U0001F600\n\t"\\'}]}),
           js({'code': 401, 'error': 'Wrong'}), js({'code': 1e3}), js({'code': 429}),
           js({'messages': [{'uf': 'b', 'ms': 'x', 'seq': -4, 'ts': 1.5}]}), deep, deep_obj,
           b'{"messages":[{"uf":"b","ms":"\xc3\x28"}]}']
write('body-reply', replies)

write('puzzle', [puzzle(), puzzle(0, 0), puzzle(1, 11), puzzle(255, 0), puzzle(24, 10),
                 puzzle()[:255], puzzle() + b'x', b'', bytes(96), bytes(200)])

streams = [frame(SCH), frame(AH, login), frame(SM, send) + frame(GU, get),
           frame(0x1234, b'xyz'), frame(ERR, b'{}'), frame(AH, b'', magic=0xB00C),
           frame(AH, b'', version=2), frame(AH, b'', length=0xFFFFFFFF),
           frame(SM, b'', length=(1 << 20) + 1), frame(GU)]
write('frame-reader', [bytes([c]) + s for c, s in zip(range(len(streams)), streams)])

sessions = [
    frame(AH, login) + frame(SM, send) + frame(SM, send_id) + frame(SM, send_id) +
    frame(SM, send_self) + frame(GU, get),
    frame(AH, login) + frame(SM, send_self) + frame(GU, get_ack) +
    frame(GU, js({'uf': 'alice', 'token': TOKEN.decode(), 'ack': 1})),
    frame(AH, login) + frame(GU, get_wait) + frame(SM, send_self) + frame(GU, get),
    frame(SCH) + frame(AH, login) + frame(SCH) + frame(AH, login),
    frame(GU, get) + frame(SM, send) + frame(AH, js({'uf': 'alice', 'up': 'wrong'})) +
    frame(AH, js({'uf': 'nobody', 'up': 'pw'})),
    frame(AH, js({'uf': 'alice', 'up': 'x'})) + frame(AH, js({'uf': 'alice', 'up': 'y'})) +
    frame(AH, login),
    frame(AH, login) + frame(SM, js({'uf': 'bob', 'ut': 'alice', 'ms': 'x',
                                     'token': TOKEN.decode()})) +
    frame(SM, js({'uf': 'alice', 'ut': 'carol', 'ms': 'x', 'token': TOKEN.decode()})) +
    frame(SM, js({'uf': 'alice', 'ut': 'bob', 'ms': 'x', 'token': 'AAAAAAAAAAAAAAAA'})),
    frame(AH, deep) + frame(AH, bad_utf8) + frame(AH, nul) + frame(AH, wrong_types),
    frame(0x1234, b'?') + frame(ERR, b'{}') + frame(AH, login),
    frame(AH, login)[:13],
    frame(AH, b'', length=0xFFFFFFFF),
    frame(AH, login) + frame(SM, b'', length=(1 << 20) + 1),
    frame(AH, login) + frame(SM, js({'uf': 'alice', 'ut': 'bob', 'ms': 'y' * 16385,
                                     'token': TOKEN.decode()})),
]
# Extensions: FEATURES, the key directory, an ephemeral message.
ext = {'uf': 'alice', 'token': TOKEN.decode()}
ephemeral = js({'uf': 'alice', 'ut': 'bob', 'ms': '?MIMPTYPING:1:active', 'token': TOKEN.decode(),
                'ephemeral': True})
pk32 = 'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE='
sessions += [
    frame(AH, login) + frame(FEATURES, js(ext)) +
    frame(KEYS, js(dict(ext, op='publish', bundle={
        'device': 1, 'ik': pk32, 'reg': 1, 'spk': {'id': 1, 'key': pk32, 'sig': pk32},
        'pk': [{'id': 1, 'key': pk32}]}))) +
    frame(KEYS, js(dict(ext, op='fetch', user='alice'))) +
    frame(KEYS, js(dict(ext, op='count', device=1))),
    frame(AH, login) + frame(FEATURES, js(ext)) + frame(GU, get_wait) + frame(SM, ephemeral) +
    frame(GU, get_ack),
    frame(KEYS, js(ext)) + frame(FEATURES, js(ext)) + frame(AH, login) + frame(KEYS, b'{}') +
    frame(KEYS, deep_obj) + frame(SM, ephemeral),
    # Push: PUSH, messages to oneself pushed, ACKs (a bad one closes), a
    # DELIVER sent by the client.
    frame(AH, login) + frame(PUSH, js(dict(ext, ack=0))) + frame(SM, send_self) +
    frame(ACK, js(dict(ext, ack=1))) + frame(SM, ephemeral) + frame(GU, get_ack) +
    frame(ACK, js(ext)),
    frame(ACK, js(dict(ext, ack=1))) + frame(AH, login) + frame(DELIVER, b'{}') +
    frame(ACK, js(dict(ext, ack=1))),
    frame(AH, login) + frame(PUSH, b'{') + frame(PUSH, js(ext)) + frame(PUSH, js(ext)) +
    frame(ACK, b'', length=(1 << 20) + 1),
]
write('session', [bytes([c % 16]) + s for c, s in enumerate(sessions)])

token = b'AbCdEfGhIjKlMnOp'
sm_reply = js({'id': 'srv1', 'ts': 1763769600000})
gu_reply = js({'messages': [{'id': 'm1', 'seq': 1, 'uf': 'bob', 'ut': 'alice', 'ms': 'hi',
                             'ts': 1763769600000}], 'more': False})
servers = [
    (0x00, frame(SCH, puzzle()) + frame(AH, token) + frame(GU, gu_reply) * 8),
    (0xFF, frame(SCH, puzzle()) + frame(AH, js({'token': 'tok'})) + frame(SM, sm_reply) * 8),
    (0x55, frame(SCH, puzzle()) + frame(AH, token) + frame(SM) + frame(GU, b'[]') +
     frame(SM, b'junk') + frame(GU, js([{'uf': 'b', 'ms': 'x'}])) + frame(ERR, js({'code': 500}))),
    (0x0F, frame(SCH, puzzle()) + frame(ERR, js({'code': 401, 'error': 'no'}))),
    (0x00, frame(SCH, puzzle()) + frame(SCH, puzzle()) + frame(AH, token) + frame(SCH, puzzle())),
    (0x00, frame(SCH, puzzle(200, 10))),
    (0x00, frame(ERR, js({'code': 503}))),
    (0x00, b'HTTP/1.1 400 Bad Request\r\n\r\n'),
    (0x00, frame(SCH, puzzle()) + frame(AH, token) + frame(GU, b'', length=0xFFFFFFFF)),
    (0x03, frame(SCH, puzzle()) + frame(AH, token) + frame(GU, b'{"messages":[{"uf":1}]}')),
    (0x00, frame(SCH, puzzle()) + frame(AH, token) + frame(SM, sm_reply)),
    (0x00, frame(SCH, puzzle()) + frame(AH, b'short')),
]
write('connection', [bytes([c]) + s for c, s in servers])

# The key directory (fuzz-keys-request.c): a control byte (bit 0: also
# through a session; bit 1: as FEATURES; bits 2-3: repeats), then a body.
b64_32 = 'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE='
b64_64 = 'QkJC' * 21 + 'Qg=='
tok = TOKEN.decode()


def bundle(device=1, pks=((1, b64_32), (2, b64_32)), **changes):
    b = {'device': device, 'ik': b64_32, 'reg': 7,
         'spk': {'id': 1, 'key': b64_32, 'sig': b64_64},
         'pk': [{'id': i, 'key': k} for i, k in pks]}
    b.update(changes)
    return b


def keys(op, **fields):
    return js(dict({'uf': 'alice', 'token': tok, 'op': op}, **fields))


keys_bodies = [
    keys('publish', bundle=bundle()),
    keys('publish', bundle=bundle(pks=())),
    keys('publish', bundle=bundle(pks=[(i, b64_32) for i in range(100)])),
    keys('publish', bundle=bundle(pks=[(i, b64_32) for i in range(101)])),
    keys('publish', bundle=bundle(pks=((5, b64_32), (5, 'QQ==')))),
    keys('publish', bundle=bundle(device=2147483647, reg=4294967295)),
    keys('publish', bundle=bundle(device=0)),
    keys('publish', bundle=bundle(ik='QUJD\n')),
    keys('publish', bundle=bundle(ik='QUI=', spk={'id': 1, 'key': 'QQ==', 'sig': '=QQ='})),
    keys('publish', bundle=bundle(ik='A' * 90)),
    keys('publish', bundle=bundle(pk=None)),
    keys('publish', bundle=bundle(pk=[[1]])),
    keys('publish', bundle='x'),
    keys('fetch', user='alice'), keys('fetch', user='bob'), keys('fetch', user='NOBODY'),
    keys('fetch', user=''), keys('fetch', user=5),
    keys('count', device=1), keys('count', device=0), keys('count', device=1.0),
    keys('count', device=1e300), keys('drop'),
    js({'uf': 'alice', 'token': tok}), js({'uf': 'bob', 'token': tok, 'op': 'count', 'device': 1}),
    js({'uf': 'alice', 'token': 'AAAAAAAAAAAAAAAA', 'op': 'fetch', 'user': 'bob'}),
    b'', b'{}', b'[]', deep, deep_obj, bad_utf8, nul,
    b'{"uf":"alice","token":"' + TOKEN + b'","op":"publish","bundle":' + b'{"a":' * 30 + b'1' +
    b'}' * 31,
]
write('keys-request', [bytes([c % 16]) + b for c, b in enumerate(keys_bodies)])
