/* mimp-packet.h - MIMP frames: the 10-byte header and a streaming frame reader
 *
 * Pure functions over byte buffers: no I/O, and no allocation of an announced
 * length before it has been checked against the limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MIMP_HEADER_SIZE 10
#define MIMP_MAGIC 0xB00B
#define MIMP_PROTOCOL_VERSION 0x0001
#define MIMP_MAX_BODY_SIZE (1024 * 1024)
#define MIMP_DEFAULT_PORT 3290
#define MIMP_DEFAULT_TLS_PORT 3291

typedef enum
{
  MIMP_PACKET_SCH = 0x0AA0,   /* Secure Connection Handshake */
  MIMP_PACKET_AH = 0xA00F,    /* Authentication Handshake */
  MIMP_PACKET_SM = 0x00AF,    /* Send Message */
  MIMP_PACKET_GU = 0x0CCF,    /* Get Unread */
  MIMP_PACKET_ERROR = 0xBEEF, /* Error (server only) */
  /* Extensions (docs/protocols/mimp.md); a plain 1.0 server answers 501. */
  MIMP_PACKET_FEATURES = 0x0FEA, /* which extensions the server offers */
  MIMP_PACKET_KEYS = 0x0E2E,     /* the key directory of private chats */
  MIMP_PACKET_PUSH = 0x0F05,     /* turn push on for this connection */
  MIMP_PACKET_DELIVER = 0x0DE1,  /* server to client, never a reply: pushed messages */
  MIMP_PACKET_ACK = 0x0ACC,      /* client to server, never answered: acknowledgement */
} MimpPacketId;

typedef struct
{
  guint16 magic;
  guint16 version;
  guint16 id;
  guint32 length;
} MimpHeader;

void mimp_header_write (guint8 out[MIMP_HEADER_SIZE], guint16 id, guint32 length);
void mimp_header_read (const guint8 in[MIMP_HEADER_SIZE], MimpHeader *header);
gboolean mimp_header_check (const MimpHeader *header, guint32 max_body, GError **error);
gboolean mimp_packet_id_is_known (guint16 id);
const char *mimp_packet_id_name (guint16 id);

typedef enum
{
  MIMP_FRAME_NEED_MORE,
  MIMP_FRAME_READY,
  MIMP_FRAME_ERROR,
} MimpFrameStatus;

/**
 * MimpFrameReader:
 *
 * Accumulates bytes as they arrive (split at any point) and hands out
 * complete frames. Its buffer grows on demand, only up to a checked length,
 * and is released when empty, so an idle reader costs a few bytes.
 */
typedef struct _MimpFrameReader MimpFrameReader;

MimpFrameReader *mimp_frame_reader_new (guint32 max_body);
void mimp_frame_reader_free (MimpFrameReader *reader);
void mimp_frame_reader_push (MimpFrameReader *reader, const guint8 *data, gsize len);
guint8 *mimp_frame_reader_reserve (MimpFrameReader *reader, gsize want, gsize *available);
void mimp_frame_reader_commit (MimpFrameReader *reader, gsize len);
MimpFrameStatus mimp_frame_reader_next (MimpFrameReader *reader, guint16 *id, guint8 **body,
                                        guint32 *length, GError **error);
void mimp_frame_reader_trim (MimpFrameReader *reader);
gsize mimp_frame_reader_buffered (MimpFrameReader *reader);
gsize mimp_frame_reader_capacity (MimpFrameReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpFrameReader, mimp_frame_reader_free)

G_END_DECLS
