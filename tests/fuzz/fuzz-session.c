/* fuzz-session.c - the server's per-connection state machine fed a whole
 * byte stream from memory, with a real store (SQLite in memory)
 *
 * Input: one control byte, then what a client sends, with bodies in plain
 * text: the harness enciphers each complete frame's body with the
 * session's key (so the fuzzer can reach past the cipher), and replaces the
 * 16 characters TOKEN_PLACEHOLDR with the token of a login that succeeded
 * on this connection. Bytes after the last complete frame (a header that
 * announces more than follows, 4 GiB included) go in as they are.
 * Users: alice and bob, both with the password "pw".
 *
 * Oracles: everything the server writes is well-formed frames whose bodies
 * the client's parsers accept; the session's memory stays bounded; no
 * critical, no sanitizer report, no leak.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "mimpd-hub.h"
#include "mimpd-session.h"
#include "mimpd-store.h"
#include "fuzz-mimpd.h"

/* The reader's two frames, the output limit plus the largest reply, and
 * the slots' bodies: far below this. */
#define MEMORY_BOUND (16 * 1024 * 1024)

static char *password_hash;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  password_hash = fuzz_mimpd_init ();
  return 0;
}

typedef struct
{
  MimpdSession *session;
  MimpdHub *hub;
  MimpFrameReader *replies;
  guint8 key[MIMP_KEY_SIZE];
  gboolean have_key;
  char token[MIMP_TOKEN_LENGTH + 1];
  guint n_replies;
} Fuzz;

/* Reads and checks what the server wrote. */
static void
drain (Fuzz *f)
{
  const guint8 *out;
  gsize len;

  while ((out = mimpd_session_peek_output (f->session, &len)) != NULL && len > 0)
    {
      mimp_frame_reader_push (f->replies, out, len);
      mimpd_session_consume_output (f->session, len);
    }
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      guint16 id = 0;
      guint8 *body = NULL;
      guint32 blen = 0;
      MimpFrameStatus status = mimp_frame_reader_next (f->replies, &id, &body, &blen, &error);

      FUZZ_ASSERT (status != MIMP_FRAME_ERROR);
      if (status == MIMP_FRAME_NEED_MORE)
        break;
      f->n_replies++;
      if (id == MIMP_PACKET_SCH)
        {
          guint8 key[MIMP_KEY_SIZE];

          FUZZ_ASSERT (mimp_puzzle_solve (body, blen, key, NULL));
          if (f->have_key)
            FUZZ_ASSERT (memcmp (key, f->key, sizeof key) == 0);
          memcpy (f->key, key, sizeof key);
          f->have_key = TRUE;
          continue;
        }
      FUZZ_ASSERT (f->have_key);
      mimp_xor (body, blen, f->key, 0);
      switch (id)
        {
        case MIMP_PACKET_AH:
          {
            g_autofree char *token = NULL;

            FUZZ_ASSERT (blen == MIMP_TOKEN_LENGTH);
            FUZZ_ASSERT (mimp_body_parse_token (body, blen, &token, NULL));
            memcpy (f->token, token, MIMP_TOKEN_LENGTH + 1);
            break;
          }
        case MIMP_PACKET_SM:
          {
            g_autofree char *msg_id = NULL;
            gint64 ts = 0;

            FUZZ_ASSERT (mimp_body_parse_send_reply (body, blen, &msg_id, &ts, NULL));
            /* An ephemeral message has no id: its reply says whether it
             * was delivered. */
            FUZZ_ASSERT ((msg_id != NULL ||
                          g_strstr_len ((const char *) body, blen, "\"delivered\":") != NULL) &&
                         ts > 0);
            break;
          }
        case MIMP_PACKET_GU:
        case MIMP_PACKET_DELIVER: /* pushed: the body of a GU reply */
          {
            g_autoptr (GPtrArray) messages = NULL;
            gboolean more = FALSE;

            FUZZ_ASSERT (mimp_body_parse_get_reply (body, blen, 0, &messages, &more, NULL));
            FUZZ_ASSERT (messages->len <= MIMP_GU_MAX_MESSAGES);
            for (guint i = 0; i < messages->len; i++)
              {
                MimpMessage *m = messages->pdata[i];

                FUZZ_ASSERT ((m->ephemeral || (m->id != NULL && m->seq >= 0)) && m->to != NULL);
              }
            break;
          }
        case MIMP_PACKET_FEATURES:
        case MIMP_PACKET_KEYS:
        case MIMP_PACKET_PUSH:
          {
            /* Extensions: tests/fuzz/fuzz-keys-request.c checks them closely. */
            g_autoptr (JsonNode) root = NULL;

            FUZZ_ASSERT (mimp_json_parse_object (body, blen, &root, NULL) != NULL);
            break;
          }
        case MIMP_PACKET_ERROR:
          {
            g_autofree char *text = NULL;
            int code = 0;

            FUZZ_ASSERT (mimp_body_parse_error (body, blen, &code, &text));
            FUZZ_ASSERT (code >= 400 && code < 600 && text != NULL);
            break;
          }
        default:
          FUZZ_ASSERT (!"the server wrote an unknown packet id");
        }
    }
}

/* Runs the main context until password checks and commits are done; timers
 * (a throttled 401, a held long poll) are not waited for. */
static void
pump (Fuzz *f)
{
  for (guint i = 0; i < 100000 && mimpd_hub_is_busy (f->hub); i++)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  drain (f);
  FUZZ_ASSERT (mimpd_session_memory (f->session) < MEMORY_BOUND);
}

static void
feed (Fuzz *f, const guint8 *data, gsize len, guint split)
{
  if (split == 0 || len < 2)
    mimpd_session_feed (f->session, data, len);
  else if (split == 1)
    for (gsize i = 0; i < len; i++)
      mimpd_session_feed (f->session, data + i, 1);
  else
    {
      /* Through reserve/commit, as the server's socket glue does. */
      gsize pos = 0;

      while (pos < len)
        {
          gsize avail = 0;
          guint8 *room = mimpd_session_reserve (f->session, len - pos, &avail);
          gsize n = MIN (avail, MIN (len - pos, (gsize) (split * 7)));

          FUZZ_ASSERT (avail > 0);
          memcpy (room, data + pos, n);
          mimpd_session_commit_input (f->session, n);
          pos += n;
        }
    }
  pump (f);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const guint32 limits[] = { MIMP_MAX_BODY_SIZE, 64, 300, 4096 };
  g_autoptr (GError) error = NULL;
  MimpdStore *store;
  Fuzz f = { 0 };
  guint8 control;
  gsize pos = 0;

  if (size < 1)
    return 0;
  control = data[0];
  data++;
  size--;

  store = mimpd_store_open (":memory:", FALSE, &error);
  FUZZ_ASSERT (store != NULL);
  FUZZ_ASSERT (mimpd_store_user_add (store, "alice", password_hash, NULL));
  FUZZ_ASSERT (mimpd_store_user_add (store, "bob", password_hash, NULL));
  f.hub = mimpd_hub_new (store, limits[control & 3]);
  f.session = mimpd_session_new (f.hub, "192.0.2.1", NULL, NULL);
  f.replies = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  drain (&f);
  FUZZ_ASSERT (f.have_key);

  while (pos < size && !mimpd_session_should_close (f.session))
    {
      MimpHeader h;
      g_autofree guint8 *frame = NULL;
      gsize flen;

      if (size - pos < MIMP_HEADER_SIZE)
        {
          feed (&f, data + pos, size - pos, (control >> 2) & 3);
          break;
        }
      mimp_header_read (data + pos, &h);
      if (h.length > size - pos - MIMP_HEADER_SIZE)
        {
          feed (&f, data + pos, size - pos, (control >> 2) & 3);
          break;
        }
      flen = MIMP_HEADER_SIZE + h.length;
      frame = g_memdup2 (data + pos, flen);
      pos += flen;
      if (f.token[0] != '\0')
        fuzz_replace_token (frame + MIMP_HEADER_SIZE, h.length, f.token);
      if (mimp_packet_id_is_known (h.id) && h.id != MIMP_PACKET_SCH && h.id != MIMP_PACKET_ERROR)
        mimp_xor (frame + MIMP_HEADER_SIZE, h.length, f.key, 0);
      feed (&f, frame, flen, (control >> 2) & 3);
    }

  /* The connection goes away: as the server does on shutdown, then close. */
  mimpd_session_shutdown (f.session);
  pump (&f);
  mimpd_session_close (f.session);
  mimpd_session_unref (f.session);
  for (guint i = 0; i < 100000 && mimpd_hub_is_busy (f.hub); i++)
    g_main_context_iteration (NULL, TRUE);
  mimpd_hub_free (f.hub);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  mimpd_store_free (store);
  mimp_frame_reader_free (f.replies);
  return 0;
}
