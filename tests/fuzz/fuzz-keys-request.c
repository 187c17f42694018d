/* fuzz-keys-request.c - the key directory's requests (KEYS, FEATURES)
 *
 * Input: one control byte, then a request body in plain text.
 * - Always: the pure parsers (mimpd-keys.c). A body they accept obeys the
 *   limits; one they refuse gets a 400 or 413 error.
 * - An accepted publish goes into a real store (SQLite in memory) as
 *   alice's, is fetched back and counted: the fetch reply is JSON that
 *   carries the published identity key, the count is one less when a
 *   one-time prekey was handed out, and a second fetch never hands out the
 *   same one.
 * - With control bit 0: the body goes through a logged-in MimpdSession as
 *   a KEYS frame (bit 1: a FEATURES frame), the 16 characters
 *   TOKEN_PLACEHOLDR replaced with the session's token, followed by a
 *   count; every reply is a well-formed KEYS, FEATURES or Error frame and
 *   the session's memory stays bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "mimp.h"
#include "mimpd-hub.h"
#include "mimpd-keys.h"
#include "mimpd-session.h"
#include "fuzz-mimpd.h"

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

static void
check_bundle (const MimpdKeyBundle *b)
{
  FUZZ_ASSERT (b->device >= 1 && b->device <= G_MAXINT32);
  FUZZ_ASSERT (g_bytes_get_size (b->ik) >= 1 &&
               g_bytes_get_size (b->ik) <= MIMPD_KEYS_MAX_KEY_BYTES);
  FUZZ_ASSERT (g_bytes_get_size (b->spk) >= 1 &&
               g_bytes_get_size (b->spk) <= MIMPD_KEYS_MAX_KEY_BYTES);
  FUZZ_ASSERT (g_bytes_get_size (b->spk_sig) >= 1 &&
               g_bytes_get_size (b->spk_sig) <= MIMPD_KEYS_MAX_SIG_BYTES);
  FUZZ_ASSERT (b->prekeys->len <= MIMPD_KEYS_MAX_PREKEYS_PER_REQUEST);
  for (guint i = 0; i < b->prekeys->len; i++)
    {
      GBytes *key = g_array_index (b->prekeys, MimpdPreKey, i).key;

      FUZZ_ASSERT (g_bytes_get_size (key) >= 1 &&
                   g_bytes_get_size (key) <= MIMPD_KEYS_MAX_KEY_BYTES);
    }
}

/* The one-time prekey id handed out for @device, or -1 for none. */
static gint64
fetch_once (MimpdStore *store, guint32 device, GBytes *ik)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = mimpd_store_keys_fetch (store, "alice", &error);
  g_autoptr (GString) reply = g_string_new (NULL);
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *ik_b64 = NULL;
  gint64 handed = -1;

  FUZZ_ASSERT (devices != NULL);
  mimpd_keys_append_fetch_reply (reply, "alice", devices);
  FUZZ_ASSERT (mimp_json_parse_object ((const guint8 *) reply->str, reply->len, &root, NULL));
  ik_b64 = g_base64_encode (g_bytes_get_data (ik, NULL), g_bytes_get_size (ik));
  FUZZ_ASSERT (strstr (reply->str, ik_b64) != NULL);
  for (guint i = 0; i < devices->len; i++)
    {
      MimpdKeyBundle *b = devices->pdata[i];

      FUZZ_ASSERT (b->prekeys->len <= 1);
      if (b->device == device && b->prekeys->len == 1)
        handed = g_array_index (b->prekeys, MimpdPreKey, 0).id;
    }
  return handed;
}

/* Publish, fetch twice, count: in a real store. */
static void
exercise_store (const MimpdKeyBundle *bundle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = mimpd_store_open (":memory:", FALSE, &error);
  gint64 left = -1, after = -1, first, second;

  FUZZ_ASSERT (store != NULL);
  FUZZ_ASSERT (mimpd_store_user_add (store, "alice", "$hash", NULL));
  FUZZ_ASSERT (mimpd_store_keys_publish (store, "alice", bundle, &left, &error));
  FUZZ_ASSERT (left >= 0 && left <= (gint64) bundle->prekeys->len);
  first = fetch_once (store, bundle->device, bundle->ik);
  FUZZ_ASSERT ((first >= 0) == (left > 0));
  FUZZ_ASSERT (mimpd_store_keys_count (store, "alice", bundle->device, &after, &error));
  FUZZ_ASSERT (after == (left > 0 ? left - 1 : 0));
  second = fetch_once (store, bundle->device, bundle->ik);
  FUZZ_ASSERT (second == -1 || second != first);
}

typedef struct
{
  MimpdSession *session;
  MimpdHub *hub;
  MimpFrameReader *replies;
  guint8 key[MIMP_KEY_SIZE];
  gboolean have_key;
  char token[MIMP_TOKEN_LENGTH + 1];
} Conn;

/* Runs the main context until the login and commits are done, then reads
 * and checks every reply. */
static void
settle (Conn *c)
{
  const guint8 *out;
  gsize len;

  for (guint i = 0; i < 100000 && mimpd_hub_is_busy (c->hub); i++)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  while ((out = mimpd_session_peek_output (c->session, &len)) != NULL && len > 0)
    {
      mimp_frame_reader_push (c->replies, out, len);
      mimpd_session_consume_output (c->session, len);
    }
  FUZZ_ASSERT (mimpd_session_memory (c->session) < MEMORY_BOUND);
  for (;;)
    {
      guint16 id = 0;
      guint8 *body = NULL;
      guint32 blen = 0;
      MimpFrameStatus status = mimp_frame_reader_next (c->replies, &id, &body, &blen, NULL);
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;
      int code = 0;

      FUZZ_ASSERT (status != MIMP_FRAME_ERROR);
      if (status == MIMP_FRAME_NEED_MORE)
        break;
      if (id == MIMP_PACKET_SCH)
        {
          FUZZ_ASSERT (!c->have_key && mimp_puzzle_solve (body, blen, c->key, NULL));
          c->have_key = TRUE;
          continue;
        }
      FUZZ_ASSERT (c->have_key);
      mimp_xor (body, blen, c->key, 0);
      switch (id)
        {
        case MIMP_PACKET_AH:
          FUZZ_ASSERT (blen == MIMP_TOKEN_LENGTH);
          memcpy (c->token, body, MIMP_TOKEN_LENGTH);
          break;
        case MIMP_PACKET_KEYS:
        case MIMP_PACKET_FEATURES:
          FUZZ_ASSERT (mimp_json_parse_object (body, blen, &root, NULL) != NULL);
          break;
        case MIMP_PACKET_ERROR:
          FUZZ_ASSERT (mimp_body_parse_error (body, blen, &code, &text));
          FUZZ_ASSERT (code == 400 || code == 401 || code == 403 || code == 404 || code == 413 ||
                       code == 429);
          break;
        default:
          FUZZ_ASSERT (!"an unexpected reply");
        }
    }
}

static void
send_frame (Conn *c, guint16 id, const guint8 *body, gsize len)
{
  g_autofree guint8 *frame = g_malloc (MIMP_HEADER_SIZE + len);

  mimp_header_write (frame, id, (guint32) len);
  if (len > 0)
    memcpy (frame + MIMP_HEADER_SIZE, body, len);
  mimp_xor (frame + MIMP_HEADER_SIZE, len, c->key, 0);
  mimpd_session_feed (c->session, frame, MIMP_HEADER_SIZE + len);
  settle (c);
}

static void
exercise_session (guint8 control, const guint8 *data, gsize size)
{
  static const char login[] = "{\"uf\":\"alice\",\"up\":\"pw\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = mimpd_store_open (":memory:", FALSE, &error);
  g_autofree guint8 *body = g_memdup2 (data, size);
  g_autofree char *count = NULL;
  Conn c = { 0 };

  FUZZ_ASSERT (store != NULL);
  FUZZ_ASSERT (mimpd_store_user_add (store, "alice", password_hash, NULL));
  FUZZ_ASSERT (mimpd_store_user_add (store, "bob", password_hash, NULL));
  c.hub = mimpd_hub_new (store, MIMP_MAX_BODY_SIZE);
  mimpd_hub_set_rates (c.hub, 3, 3); /* reach the 429s */
  c.session = mimpd_session_new (c.hub, "192.0.2.1", NULL, NULL);
  c.replies = mimp_frame_reader_new (MIMP_MAX_BODY_SIZE);
  settle (&c);
  send_frame (&c, MIMP_PACKET_AH, (const guint8 *) login, strlen (login));
  FUZZ_ASSERT (c.token[0] != '\0');

  fuzz_replace_token (body, size, c.token);
  for (guint i = 0; i < 1u + ((control >> 2) & 3u); i++)
    send_frame (&c, (control & 2) ? MIMP_PACKET_FEATURES : MIMP_PACKET_KEYS, body, size);
  count = g_strdup_printf ("{\"uf\":\"alice\",\"token\":\"%s\",\"op\":\"count\",\"device\":1}",
                           c.token);
  send_frame (&c, MIMP_PACKET_KEYS, (const guint8 *) count, strlen (count));

  mimpd_session_close (c.session);
  mimpd_session_unref (c.session);
  mimpd_hub_free (c.hub);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  mimp_frame_reader_free (c.replies);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  MimpdKeysRequest request = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *token = NULL;
  guint8 control;

  if (size < 1)
    return 0;
  control = data[0];
  data++;
  size--;

  if (mimpd_keys_parse_request (data, size, &request, &error))
    {
      FUZZ_ASSERT (request.from != NULL && request.token != NULL);
      if (request.op == MIMPD_KEYS_OP_PUBLISH)
        {
          check_bundle (request.bundle);
          exercise_store (request.bundle);
        }
      else if (request.op == MIMPD_KEYS_OP_FETCH)
        FUZZ_ASSERT (request.user != NULL);
      else
        FUZZ_ASSERT (request.op == MIMPD_KEYS_OP_COUNT && request.device >= 1 &&
                     request.device <= G_MAXINT32);
      mimpd_keys_request_clear (&request);
    }
  else
    FUZZ_ASSERT (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST) ||
                 g_error_matches (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE));
  g_clear_error (&error);

  if (mimpd_features_parse_request (data, size, &from, &token, &error))
    FUZZ_ASSERT (from != NULL && token != NULL && size <= MIMPD_KEYS_MAX_BODY);
  else
    FUZZ_ASSERT (
        g_error_matches (error, MIMP_ERROR, MIMP_ERROR_BAD_REQUEST) ||
        (g_error_matches (error, MIMP_ERROR, MIMP_ERROR_TOO_LARGE) && size > MIMPD_KEYS_MAX_BODY));
  if (token != NULL)
    mimp_secure_wipe (token, strlen (token));

  if (control & 1)
    exercise_session (control, data, size);
  return 0;
}
