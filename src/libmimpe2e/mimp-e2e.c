/* mimp-e2e.c - private chats: identity and keys, sessions (libomemo-c,
 * session version 3: libsignal's wire format), the in-band envelope,
 * fragments, padding, trust and durability (see mimp-e2e.h and
 * docs/private-chats.md).
 *
 * Every call that changes state runs in one SQLite transaction, the
 * libomemo-c stores included, and commits before it returns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <gcrypt.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include <curve.h>
#include <key_helper.h>
#include <protocol.h>
#include <ratchet.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>

#include "mimp-e2e-private.h"
#include "mimp-e2e-run.h"
#include "mimp-e2e-smp.h"
#include "mimp-e2e.h"

/* clang-format would put spaces around the hyphens, and the macro
 * registers the name as written. */
// clang-format off
G_DEFINE_QUARK (mimp-e2e-error-quark, mimp_e2e_error)
// clang-format on

struct _MimpE2e
{
  GObject parent_instance;

  MimpE2eStore store;
  signal_context *ctx;
  signal_protocol_store_context *store_ctx;
  guint32 device_id;
  GBytes *own_public;
  GArray *pending_published; /* guint32 prekey ids of the last bundle_to_publish */
};

G_DEFINE_FINAL_TYPE (MimpE2e, mimp_e2e, G_TYPE_OBJECT)

/* One device per account for now: sessions are kept under this device id
 * whatever the peer's real device id is (docs/private-chats.md). */
#define PEER_DEVICE 1
#define SESSION_VERSION 3
#define INITIAL_PREKEYS 100
#define MIN_PREKEYS 20
#define MAX_PREKEY_ID 0xFFFFFF
#define FRAGMENT_MAX 8192
#define FRAGMENT_BODY 7600
#define MAX_FRAGMENTS 8
#define PAD_BLOCK 256
/* Short texts (up to about 400 bytes) all look the same. */
#define PAD_MIN 512
#define KEEP_SENT 50
#define MAX_PENDING_GROUPS 32
#define MAX_INBAND_PREKEYS 100
#define DAY_SECONDS (24 * 3600)
#define SPK_ROTATE_SECONDS (30 * DAY_SECONDS)

static const char request_sentence[] =
    "This is a request to start a private (end-to-end encrypted) chat from Mimp. "
    "Your app cannot read private chats; please answer in plain text.";

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

char *
mimp_e2e_base64url_encode (const guint8 *data, gsize len)
{
  char *text = g_base64_encode (data, len);
  char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

/* Strict: only the alphabet of @url (base64url without padding) or standard
 * base64 with padding; NULL otherwise. */
static guint8 *
base64_decode_strict (const char *text, gsize text_len, gboolean url, gsize *out_len)
{
  g_autofree char *copy = NULL;
  gsize i, pad = 0;
  guint8 *out;

  if (text_len == 0)
    return NULL;
  if (url ? text_len % 4 == 1 : text_len % 4 != 0)
    return NULL;
  copy = g_malloc (text_len + 4);
  for (i = 0; i < text_len; i++)
    {
      char c = text[i];

      if (g_ascii_isalnum (c))
        copy[i] = c;
      else if (url && c == '-')
        copy[i] = '+';
      else if (url && c == '_')
        copy[i] = '/';
      else if (!url && (c == '+' || c == '/'))
        copy[i] = c;
      else if (!url && c == '=' && i >= text_len - 2)
        {
          copy[i] = c;
          pad++;
        }
      else
        return NULL;
    }
  if (!url && pad == 1 && text[text_len - 1] != '=')
    return NULL;
  if (url)
    while (i % 4 != 0)
      copy[i++] = '=';
  copy[i] = '\0';
  out = g_base64_decode (copy, out_len);
  if (*out_len == 0)
    {
      g_free (out);
      return NULL;
    }
  /* One encoding per byte string: unused bits must be zero. */
  {
    g_autofree char *again = g_base64_encode (out, *out_len);

    if (strncmp (again, copy, strlen (again)) != 0)
      {
        g_free (out);
        return NULL;
      }
  }
  return out;
}

static char *
sha256_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

static char *
public_key_b64 (ec_public_key *key)
{
  signal_buffer *buffer = NULL;
  char *text;

  if (ec_public_key_serialize (&buffer, key) < 0)
    return NULL;
  text = g_base64_encode (signal_buffer_data (buffer), signal_buffer_len (buffer));
  signal_buffer_free (buffer);
  return text;
}

static void
set_library_error (GError **error, const char *what, int code)
{
  g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "%s failed (libomemo-c error %d)",
               what, code);
}

void
mimp_e2e_result_free (MimpE2eResult *result)
{
  if (result == NULL)
    return;
  g_free (result->text);
  g_free (result->message_id);
  g_clear_pointer (&result->resend_ids, g_ptr_array_unref);
  g_free (result->smp_question);
  g_clear_pointer (&result->replies, g_ptr_array_unref);
  g_free (result->reason);
  g_free (result);
}

static MimpE2eResult *
result_new (MimpE2eStatus status)
{
  MimpE2eResult *result = g_new0 (MimpE2eResult, 1);

  result->status = status;
  result->replies = g_ptr_array_new_with_free_func (g_free);
  return result;
}

static MimpE2eResult *
result_undecryptable (const char *reason)
{
  MimpE2eResult *result = result_new (MIMP_E2E_UNDECRYPTABLE);

  result->reason = g_strdup (reason);
  return result;
}

/* ------------------------------------------------------------------ */
/* object                                                              */

static void
mimp_e2e_finalize (GObject *object)
{
  MimpE2e *self = MIMP_E2E (object);

  mimp_e2e_store_rollback (&self->store);
  if (self->store_ctx != NULL)
    signal_protocol_store_context_destroy (self->store_ctx);
  if (self->ctx != NULL)
    signal_context_destroy (self->ctx);
  mimp_e2e_store_close (&self->store);
  g_clear_pointer (&self->own_public, g_bytes_unref);
  g_clear_pointer (&self->pending_published, g_array_unref);

  G_OBJECT_CLASS (mimp_e2e_parent_class)->finalize (object);
}

static void
mimp_e2e_class_init (MimpE2eClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimp_e2e_finalize;
}

static void
mimp_e2e_init (MimpE2e *self)
{
  self->pending_published = g_array_new (FALSE, FALSE, sizeof (guint32));
}

GBytes *
mimp_e2e_new_storage_key (void)
{
  guint8 key[32];

  mimp_e2e_gcrypt_init ();
  gcry_randomize (key, sizeof key, GCRY_STRONG_RANDOM);
  return g_bytes_new (key, sizeof key);
}

guint32
mimp_e2e_get_device_id (MimpE2e *self)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), 0);
  return self->device_id;
}

MimpE2eStore *
mimp_e2e_get_store (MimpE2e *self)
{
  return &self->store;
}

GBytes *
mimp_e2e_get_own_key (MimpE2e *self)
{
  return self->own_public;
}

static guint32
next_id (MimpE2e *self, const char *counter, GError **error)
{
  gint64 id = mimp_e2e_store_get_int (&self->store, counter, 1);

  if (id < 1 || id > MAX_PREKEY_ID)
    id = 1;
  if (!mimp_e2e_store_set_int (&self->store, counter, id >= MAX_PREKEY_ID ? 1 : id + 1, error))
    return 0;
  return (guint32) id;
}

static gboolean
make_prekeys (MimpE2e *self, guint count, gint published, guint32 *first_id, GError **error)
{
  for (guint i = 0; i < count; i++)
    {
      ec_key_pair *pair = NULL;
      session_pre_key *prekey = NULL;
      signal_buffer *buffer = NULL;
      guint32 id = next_id (self, "next_prekey_id", error);
      sqlite3_stmt *stmt;
      g_autofree char *row = NULL;
      g_autoptr (GBytes) sealed = NULL;
      int rc;

      if (id == 0)
        return FALSE;
      rc = curve_generate_key_pair (self->ctx, &pair);
      if (rc >= 0)
        rc = session_pre_key_create (&prekey, id, pair);
      if (rc >= 0)
        rc = session_pre_key_serialize (&buffer, prekey);
      SIGNAL_UNREF (pair);
      SIGNAL_UNREF (prekey);
      if (rc < 0)
        {
          set_library_error (error, "Making a prekey", rc);
          return FALSE;
        }
      row = g_strdup_printf ("%u", id);
      sealed = mimp_e2e_store_seal (&self->store, "prekeys", row, signal_buffer_data (buffer),
                                    signal_buffer_len (buffer));
      signal_buffer_bzero_free (buffer);
      stmt = mimp_e2e_store_prepare (&self->store,
                                     "INSERT OR REPLACE INTO prekeys (account, id, record,"
                                     " published) VALUES (?1, ?2, ?3, ?4)",
                                     error);
      if (stmt == NULL || sealed == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 2, id);
      sqlite3_bind_blob (stmt, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                         SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, published);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          mimp_e2e_store_set_error (&self->store, error);
          return FALSE;
        }
      if (first_id != NULL && i == 0)
        *first_id = id;
    }
  return TRUE;
}

static gboolean
make_signed_prekey (MimpE2e *self, GError **error)
{
  ratchet_identity_key_pair *identity = NULL;
  session_signed_pre_key *spk = NULL;
  guint32 id;
  int rc;

  rc = signal_protocol_identity_get_key_pair (self->store_ctx, &identity);
  if (rc < 0)
    {
      set_library_error (error, "Loading the identity key", rc);
      return FALSE;
    }
  id = next_id (self, "next_signed_prekey_id", error);
  if (id == 0)
    {
      SIGNAL_UNREF (identity);
      return FALSE;
    }
  rc = signal_protocol_key_helper_generate_signed_pre_key (
      &spk, identity, id, (guint64) (g_get_real_time () / 1000), self->ctx);
  SIGNAL_UNREF (identity);
  if (rc >= 0)
    rc = signal_protocol_signed_pre_key_store_key (self->store_ctx, spk);
  SIGNAL_UNREF (spk);
  if (rc < 0)
    {
      set_library_error (error, "Making the signed prekey", rc);
      return FALSE;
    }
  return mimp_e2e_store_set_int (&self->store, "signed_prekey_id", id, error) &&
         mimp_e2e_store_set_int (&self->store, "signed_prekey_time", now_seconds (), error);
}

static gboolean
create_identity (MimpE2e *self, GError **error)
{
  ratchet_identity_key_pair *pair = NULL;
  signal_buffer *pub = NULL, *priv = NULL;
  guint32 registration_id = 0, device_id = 0;
  static const char canary[] = "mimp-e2e canary";
  int rc;

  rc = signal_protocol_key_helper_generate_identity_key_pair (&pair, self->ctx);
  if (rc >= 0)
    rc = ec_public_key_serialize (&pub, ratchet_identity_key_pair_get_public (pair));
  if (rc >= 0)
    rc = ec_private_key_serialize (&priv, ratchet_identity_key_pair_get_private (pair));
  if (rc >= 0)
    rc = signal_protocol_key_helper_generate_registration_id (&registration_id, 0, self->ctx);
  SIGNAL_UNREF (pair);
  if (rc < 0)
    {
      signal_buffer_free (pub);
      signal_buffer_bzero_free (priv);
      set_library_error (error, "Making the identity key", rc);
      return FALSE;
    }
  while (device_id == 0)
    {
      gcry_randomize (&device_id, sizeof device_id, GCRY_STRONG_RANDOM);
      device_id &= 0x7FFFFFFF;
    }
  if (!mimp_e2e_store_set_meta (&self->store, "identity_public", signal_buffer_data (pub),
                                signal_buffer_len (pub), FALSE, error) ||
      !mimp_e2e_store_set_meta (&self->store, "identity_private", signal_buffer_data (priv),
                                signal_buffer_len (priv), TRUE, error) ||
      !mimp_e2e_store_set_int (&self->store, "registration_id", registration_id, error) ||
      !mimp_e2e_store_set_int (&self->store, "device_id", device_id, error) ||
      !mimp_e2e_store_set_meta (&self->store, "canary", canary, sizeof canary, TRUE, error))
    {
      signal_buffer_free (pub);
      signal_buffer_bzero_free (priv);
      return FALSE;
    }
  signal_buffer_free (pub);
  signal_buffer_bzero_free (priv);
  return make_signed_prekey (self, error) && make_prekeys (self, INITIAL_PREKEYS, 0, NULL, error);
}

/* Drops what is old: reflection hashes after a week, seen ids after 60
 * days, undelivered results after a week, failed SMP runs after a day. */
static void
prune (MimpE2e *self)
{
  static const struct
  {
    const char *sql;
    gint64 age;
  } rules[] = {
    { "DELETE FROM own WHERE account = ?1 AND ts < ?2", 7 * DAY_SECONDS },
    { "DELETE FROM seen WHERE account = ?1 AND ts < ?2", 60 * DAY_SECONDS },
    { "DELETE FROM pending WHERE account = ?1 AND ts < ?2", 7 * DAY_SECONDS },
    { "DELETE FROM smp_failures WHERE account = ?1 AND ts < ?2", DAY_SECONDS },
  };
  gint64 now = now_seconds ();

  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      sqlite3_stmt *stmt = mimp_e2e_store_prepare (&self->store, rules[i].sql, NULL);

      if (stmt == NULL)
        continue;
      sqlite3_bind_int64 (stmt, 2, now - rules[i].age);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
}

MimpE2e *
mimp_e2e_open (const char *path, const char *account, GBytes *storage_key, GError **error)
{
  g_autoptr (MimpE2e) self = NULL;
  signal_crypto_provider provider;
  gboolean found = FALSE;
  g_autoptr (GBytes) canary = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (path != NULL && account != NULL && storage_key != NULL, NULL);

  if (g_bytes_get_size (storage_key) != 32)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY,
                   "The storage key must be 32 bytes");
      return NULL;
    }
  mimp_e2e_gcrypt_init ();
  mimp_e2e_smp_init ();
  self = g_object_new (MIMP_TYPE_E2E, NULL);
  self->store.account = g_strdup (account);
  memcpy (self->store.key, g_bytes_get_data (storage_key, NULL), 32);
  self->store.db = mimp_e2e_store_open_db (path, error);
  if (self->store.db == NULL)
    return NULL;

  if (signal_context_create (&self->ctx, self) < 0)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot start libomemo-c");
      return NULL;
    }
  mimp_e2e_provider_fill (&provider);
  provider.user_data = self;
  signal_context_set_crypto_provider (self->ctx, &provider);
  if (signal_protocol_store_context_create (&self->store_ctx, self->ctx) < 0)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot start libomemo-c");
      return NULL;
    }
  mimp_e2e_store_attach (&self->store, self->store_ctx);

  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  canary = mimp_e2e_store_get_meta (&self->store, "canary", TRUE, &found, &local_error);
  if (found && canary == NULL)
    {
      mimp_e2e_store_rollback (&self->store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!found && !create_identity (self, error))
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  prune (self);
  if (!mimp_e2e_store_commit (&self->store, error))
    return NULL;

  self->own_public =
      mimp_e2e_store_get_meta (&self->store, "identity_public", FALSE, &found, error);
  if (self->own_public == NULL)
    return NULL;
  self->store.own_public = g_bytes_get_data (self->own_public, &self->store.own_public_len);
  self->device_id = (guint32) mimp_e2e_store_get_int (&self->store, "device_id", 0);
  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------ */
/* bundles                                                             */

static gboolean
add_signed_prekey (MimpE2e *self, JsonBuilder *builder, GError **error)
{
  guint32 id = (guint32) mimp_e2e_store_get_int (&self->store, "signed_prekey_id", 0);
  session_signed_pre_key *spk = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sig = NULL;
  int rc;

  rc = signal_protocol_signed_pre_key_load_key (self->store_ctx, &spk, id);
  if (rc < 0)
    {
      set_library_error (error, "Loading the signed prekey", rc);
      return FALSE;
    }
  key = public_key_b64 (ec_key_pair_get_public (session_signed_pre_key_get_key_pair (spk)));
  sig = g_base64_encode (session_signed_pre_key_get_signature (spk),
                         session_signed_pre_key_get_signature_len (spk));
  SIGNAL_UNREF (spk);
  json_builder_set_member_name (builder, "spk");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, key);
  json_builder_set_member_name (builder, "sig");
  json_builder_add_string_value (builder, sig);
  json_builder_end_object (builder);
  return TRUE;
}

static gboolean
add_prekey (MimpE2e *self, JsonBuilder *builder, guint32 id, GError **error)
{
  session_pre_key *prekey = NULL;
  g_autofree char *key = NULL;
  int rc = signal_protocol_pre_key_load_key (self->store_ctx, &prekey, id);

  if (rc < 0)
    {
      set_library_error (error, "Loading a prekey", rc);
      return FALSE;
    }
  key = public_key_b64 (ec_key_pair_get_public (session_pre_key_get_key_pair (prekey)));
  SIGNAL_UNREF (prekey);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, key);
  json_builder_end_object (builder);
  return TRUE;
}

static void
add_identity_members (MimpE2e *self, JsonBuilder *builder)
{
  g_autofree char *ik = g_base64_encode (g_bytes_get_data (self->own_public, NULL),
                                         g_bytes_get_size (self->own_public));

  json_builder_set_member_name (builder, "device");
  json_builder_add_int_value (builder, self->device_id);
  json_builder_set_member_name (builder, "ik");
  json_builder_add_string_value (builder, ik);
  json_builder_set_member_name (builder, "reg");
  json_builder_add_int_value (builder, mimp_e2e_store_get_int (&self->store, "registration_id", 0));
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

char *
mimp_e2e_bundle_to_publish (MimpE2e *self, guint max_prekeys, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  sqlite3_stmt *stmt;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);

  json_builder_begin_object (builder);
  add_identity_members (self, builder);
  if (!add_signed_prekey (self, builder, error))
    return NULL;
  stmt = mimp_e2e_store_prepare (&self->store,
                                 "SELECT id FROM prekeys WHERE account = ?1 AND published = 0"
                                 " ORDER BY id LIMIT ?2",
                                 error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 2, (int) MIN (max_prekeys, 1000));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guint32 id = (guint32) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  json_builder_set_member_name (builder, "pk");
  json_builder_begin_array (builder);
  for (guint i = 0; i < ids->len; i++)
    if (!add_prekey (self, builder, g_array_index (ids, guint32, i), error))
      return NULL;
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  g_array_set_size (self->pending_published, 0);
  g_array_append_vals (self->pending_published, ids->data, ids->len);
  return builder_to_string (builder);
}

gboolean
mimp_e2e_bundle_published (MimpE2e *self, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  if (!mimp_e2e_store_begin (&self->store, error))
    return FALSE;
  for (guint i = 0; i < self->pending_published->len; i++)
    {
      sqlite3_stmt *stmt = mimp_e2e_store_prepare (
          &self->store, "UPDATE prekeys SET published = 1 WHERE account = ?1 AND id = ?2", error);

      if (stmt != NULL)
        sqlite3_bind_int64 (stmt, 2, g_array_index (self->pending_published, guint32, i));
      if (stmt == NULL || !mimp_e2e_store_step_done (&self->store, stmt, error))
        {
          mimp_e2e_store_rollback (&self->store);
          return FALSE;
        }
    }
  if (!mimp_e2e_store_commit (&self->store, error))
    return FALSE;
  g_array_set_size (self->pending_published, 0);
  return TRUE;
}

gboolean
mimp_e2e_replenish (MimpE2e *self, guint left, GError **error)
{
  gint64 spk_time;
  sqlite3_stmt *stmt;
  gint64 unpublished = 0;

  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  if (!mimp_e2e_store_begin (&self->store, error))
    return FALSE;
  stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT count(*) FROM prekeys WHERE account = ?1 AND published = 0", error);
  if (stmt == NULL)
    goto fail;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    unpublished = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (left + unpublished < MIN_PREKEYS &&
      !make_prekeys (self, INITIAL_PREKEYS - left - (guint) unpublished, 0, NULL, error))
    goto fail;

  spk_time = mimp_e2e_store_get_int (&self->store, "signed_prekey_time", 0);
  if (now_seconds () - spk_time > SPK_ROTATE_SECONDS)
    {
      if (!make_signed_prekey (self, error))
        goto fail;
      /* Old signed prekeys stay 30 days more for messages on their way. */
      stmt = mimp_e2e_store_prepare (
          &self->store, "DELETE FROM signed_prekeys WHERE account = ?1 AND created < ?2", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 2, now_seconds () - 2 * SPK_ROTATE_SECONDS);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
  return mimp_e2e_store_commit (&self->store, error);

fail:
  mimp_e2e_store_rollback (&self->store);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* sessions                                                            */

static const signal_protocol_address *
peer_address (const char *peer, signal_protocol_address *address)
{
  address->name = peer;
  address->name_len = strlen (peer);
  address->device_id = PEER_DEVICE;
  return address;
}

gboolean
mimp_e2e_has_session (MimpE2e *self, const char *peer)
{
  signal_protocol_address address;

  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);
  return signal_protocol_session_contains_session (self->store_ctx,
                                                   peer_address (peer, &address)) == 1;
}

/* Reading received or stored JSON: a member of exactly the type asked
 * for, or nothing. */
gboolean
mimp_e2e_json_get_int (JsonObject *object, const char *name, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= min && *out <= max;
}

const char *
mimp_e2e_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
json_get_object (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

JsonNode *
mimp_e2e_json_parse_object (const char *text, gssize len)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, text, len, NULL))
    return NULL;
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* A public key from standard base64 (at most 64 bytes decoded). */
static ec_public_key *
decode_key_member (MimpE2e *self, JsonObject *object, const char *name)
{
  const char *text = mimp_e2e_json_get_string (object, name);
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  ec_public_key *key = NULL;

  if (text == NULL)
    return NULL;
  data = base64_decode_strict (text, strlen (text), FALSE, &len);
  if (data == NULL || len > 64)
    return NULL;
  if (curve_decode_point (&key, data, len, self->ctx) < 0)
    return NULL;
  return key;
}

static gboolean
bad_bundle (GError **error, const char *why)
{
  g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_BAD_BUNDLE, "Bad key bundle: %s", why);
  return FALSE;
}

/* Inside a transaction: builds a session with @peer from a bundle. */
static gboolean
process_bundle (MimpE2e *self, const char *peer, const char *bundle_json, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object, *spk_object, *pk_object = NULL;
  JsonNode *pk_node;
  gint64 device, reg, spk_id, pk_id = 0;
  ec_public_key *ik = NULL, *spk = NULL, *pk = NULL;
  const char *sig_text;
  g_autofree guint8 *sig = NULL;
  gsize sig_len = 0;
  signal_buffer *spk_serialized = NULL;
  session_pre_key_bundle *bundle = NULL;
  session_builder *builder = NULL;
  signal_protocol_address address;
  gboolean ok = FALSE;
  int rc;

  root = mimp_e2e_json_parse_object (bundle_json, (gssize) len);
  if (root == NULL)
    return bad_bundle (error, "not a JSON object");
  object = json_node_get_object (root);
  spk_object = json_get_object (object, "spk");
  if (!mimp_e2e_json_get_int (object, "device", 1, G_MAXINT32, &device) ||
      !mimp_e2e_json_get_int (object, "reg", 0, G_MAXUINT32, &reg) || spk_object == NULL ||
      !mimp_e2e_json_get_int (spk_object, "id", 0, G_MAXUINT32, &spk_id))
    return bad_bundle (error, "a member is missing or out of range");
  pk_node = json_object_get_member (object, "pk");
  if (pk_node != NULL && JSON_NODE_HOLDS_OBJECT (pk_node))
    {
      pk_object = json_node_get_object (pk_node);
      if (!mimp_e2e_json_get_int (pk_object, "id", 0, G_MAXUINT32, &pk_id))
        return bad_bundle (error, "a prekey id is missing or out of range");
    }
  else if (pk_node != NULL && !JSON_NODE_HOLDS_NULL (pk_node))
    return bad_bundle (error, "the one-time prekey is not an object");

  sig_text = mimp_e2e_json_get_string (spk_object, "sig");
  if (sig_text != NULL)
    sig = base64_decode_strict (sig_text, strlen (sig_text), FALSE, &sig_len);
  if (sig == NULL || sig_len > 128)
    {
      bad_bundle (error, "bad signature encoding");
      goto out;
    }
  ik = decode_key_member (self, object, "ik");
  spk = decode_key_member (self, spk_object, "key");
  if (pk_object != NULL)
    pk = decode_key_member (self, pk_object, "key");
  if (ik == NULL || spk == NULL || (pk_object != NULL && pk == NULL))
    {
      bad_bundle (error, "a key does not decode");
      goto out;
    }
  {
    signal_buffer *ik_buffer = NULL;
    gboolean own;

    if (ec_public_key_serialize (&ik_buffer, ik) < 0)
      {
        bad_bundle (error, "a key does not decode");
        goto out;
      }
    own = signal_buffer_len (ik_buffer) == g_bytes_get_size (self->own_public) &&
          memcmp (signal_buffer_data (ik_buffer), g_bytes_get_data (self->own_public, NULL),
                  signal_buffer_len (ik_buffer)) == 0;
    signal_buffer_free (ik_buffer);
    if (own)
      {
        bad_bundle (error, "it is our own key");
        goto out;
      }
  }
  if (ec_public_key_serialize (&spk_serialized, spk) < 0 ||
      curve_verify_signature (ik, signal_buffer_data (spk_serialized),
                              signal_buffer_len (spk_serialized), sig, sig_len) != 1)
    {
      bad_bundle (error, "the signature of the signed prekey is wrong");
      goto out;
    }
  rc = session_pre_key_bundle_create (&bundle, (guint32) reg, PEER_DEVICE, (guint32) pk_id, pk,
                                      (guint32) spk_id, spk, sig, sig_len, ik);
  if (rc >= 0)
    rc = session_builder_create (&builder, self->store_ctx, peer_address (peer, &address),
                                 self->ctx);
  if (rc >= 0)
    {
      session_builder_set_version (builder, SESSION_VERSION);
      rc = session_builder_process_pre_key_bundle (builder, bundle);
    }
  if (rc < 0)
    {
      if (rc == SG_ERR_INVALID_KEY || rc == SG_ERR_UNTRUSTED_IDENTITY)
        bad_bundle (error, "libomemo-c refused it");
      else
        set_library_error (error, "Starting a session", rc);
      goto out;
    }
  ok = TRUE;

out:
  if (builder != NULL)
    session_builder_free (builder);
  SIGNAL_UNREF (bundle);
  signal_buffer_free (spk_serialized);
  SIGNAL_UNREF (ik);
  SIGNAL_UNREF (spk);
  SIGNAL_UNREF (pk);
  return ok;
}

gboolean
mimp_e2e_start_session (MimpE2e *self, const char *peer, const char *bundle_json, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);

  if (bundle_json == NULL || strlen (bundle_json) > 16384)
    return bad_bundle (error, "missing or too long");
  if (!mimp_e2e_store_begin (&self->store, error))
    return FALSE;
  self->store.key_changed = FALSE;
  if (!process_bundle (self, peer, bundle_json, strlen (bundle_json), error))
    {
      mimp_e2e_store_rollback (&self->store);
      return FALSE;
    }
  return mimp_e2e_store_commit (&self->store, error);
}

/* ------------------------------------------------------------------ */
/* trust                                                               */

MimpE2eTrust
mimp_e2e_get_trust (MimpE2e *self, const char *peer)
{
  MimpE2eIdentity identity;
  MimpE2eTrust trust;

  g_return_val_if_fail (MIMP_IS_E2E (self), MIMP_E2E_TRUST_NONE);

  if (!mimp_e2e_store_get_identity (&self->store, peer, &identity, NULL))
    return MIMP_E2E_TRUST_NONE;
  if (identity.key == NULL)
    trust = MIMP_E2E_TRUST_NONE;
  else if (identity.verified_key == NULL)
    trust = MIMP_E2E_TRUST_UNVERIFIED;
  else if (g_bytes_equal (identity.key, identity.verified_key))
    trust = MIMP_E2E_TRUST_VERIFIED;
  else
    trust = MIMP_E2E_TRUST_KEY_CHANGED;
  mimp_e2e_identity_clear (&identity);
  return trust;
}

gboolean
mimp_e2e_accept_key_change (MimpE2e *self, const char *peer, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  if (!mimp_e2e_store_begin (&self->store, error))
    return FALSE;
  if (mimp_e2e_get_trust (self, peer) == MIMP_E2E_TRUST_KEY_CHANGED &&
      !mimp_e2e_store_set_verified_key (&self->store, peer, NULL, error))
    {
      mimp_e2e_store_rollback (&self->store);
      return FALSE;
    }
  return mimp_e2e_store_commit (&self->store, error);
}

/* Inside a transaction. */
gboolean
mimp_e2e_set_verified_locked (MimpE2e *self, const char *peer, gboolean verified, GError **error)
{
  MimpE2eIdentity identity;
  gboolean ok;

  if (!mimp_e2e_store_get_identity (&self->store, peer, &identity, error))
    return FALSE;
  if (identity.key == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                   "The peer's key is not known yet");
      mimp_e2e_identity_clear (&identity);
      return FALSE;
    }
  ok = mimp_e2e_store_set_verified_key (&self->store, peer, verified ? identity.key : NULL, error);
  mimp_e2e_identity_clear (&identity);
  return ok;
}

gboolean
mimp_e2e_set_verified (MimpE2e *self, const char *peer, gboolean verified, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  if (!mimp_e2e_store_begin (&self->store, error))
    return FALSE;
  if (!mimp_e2e_set_verified_locked (self, peer, verified, error))
    {
      mimp_e2e_store_rollback (&self->store);
      return FALSE;
    }
  return mimp_e2e_store_commit (&self->store, error);
}

/* ------------------------------------------------------------------ */
/* encrypting                                                          */

static gboolean
remember_own (MimpE2e *self, const char *envelope, GError **error)
{
  g_autofree char *hash = sha256_hex (envelope);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "INSERT OR IGNORE INTO own (account, hash, ts) VALUES (?1, ?2, ?3)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now_seconds ());
  return mimp_e2e_store_step_done (&self->store, stmt, error);
}

static gboolean
is_own (MimpE2e *self, const char *envelope)
{
  g_autofree char *hash = sha256_hex (envelope);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT 1 FROM own WHERE account = ?1 AND hash = ?2", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

/* Pads @json (an object) with a "pad" member to a multiple of 256 bytes,
 * at least PAD_MIN. */
static char *
pad_inner (const char *json)
{
  gsize len = strlen (json);
  gsize base = len - 1 + strlen (",\"pad\":\"\"}");
  gsize target = MAX ((base + PAD_BLOCK - 1) / PAD_BLOCK * PAD_BLOCK, PAD_MIN);
  GString *out = g_string_sized_new (target + 1);

  g_string_append_len (out, json, (gssize) len - 1);
  g_string_append (out, ",\"pad\":\"");
  for (gsize i = base; i < target; i++)
    g_string_append_c (out, '0');
  g_string_append (out, "\"}");
  return g_string_free (out, FALSE);
}

/* Inside a transaction: one envelope of @padded (@len bytes) for @peer. */
static char *
encrypt_padded (MimpE2e *self, const char *peer, char *padded, gsize len, GError **error)
{
  session_cipher *cipher = NULL;
  ciphertext_message *message = NULL;
  signal_protocol_address address;
  signal_buffer *serialized;
  g_autofree char *payload = NULL;
  char *envelope = NULL;
  int rc;

  rc = session_cipher_create (&cipher, self->store_ctx, peer_address (peer, &address), self->ctx);
  if (rc >= 0)
    {
      session_cipher_set_version (cipher, SESSION_VERSION);
      rc = session_cipher_encrypt (cipher, (const guint8 *) padded, len, &message);
    }
  if (rc < 0)
    {
      if (rc == SG_ERR_NO_SESSION)
        g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                     "No private session with this contact yet");
      else
        set_library_error (error, "Encrypting", rc);
      goto out;
    }
  serialized = ciphertext_message_get_serialized (message);
  payload =
      mimp_e2e_base64url_encode (signal_buffer_data (serialized), signal_buffer_len (serialized));
  envelope = g_strdup_printf (
      "%s1:%c:%s", MIMP_E2E_PREFIX,
      ciphertext_message_get_type (message) == CIPHERTEXT_PREKEY_TYPE ? 'P' : 'M', payload);
  if (strlen (envelope) > MIMP_E2E_MAX_ENVELOPE)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG, "The message is too long");
      g_clear_pointer (&envelope, g_free);
      goto out;
    }
  if (!remember_own (self, envelope, error))
    g_clear_pointer (&envelope, g_free);

out:
  SIGNAL_UNREF (message);
  if (cipher != NULL)
    session_cipher_free (cipher);
  explicit_bzero (padded, len);
  return envelope;
}

/* Inside a transaction: one envelope of the JSON object @inner for @peer. */
static char *
encrypt_inner (MimpE2e *self, const char *peer, const char *inner, GError **error)
{
  g_autofree char *padded = pad_inner (inner);

  return encrypt_padded (self, peer, padded, strlen (padded), error);
}

char *
mimp_e2e_encrypt_raw (MimpE2e *self, const char *peer, const char *inner, gsize len, GError **error)
{
  gsize padded_len = MAX ((len + PAD_BLOCK - 1) / PAD_BLOCK * PAD_BLOCK, PAD_BLOCK);
  g_autofree char *padded = g_malloc (padded_len);
  char *envelope;

  memset (padded, ' ', padded_len);
  memcpy (padded, inner, len);
  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  envelope = encrypt_padded (self, peer, padded, padded_len, error);
  if (envelope == NULL)
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  if (!mimp_e2e_store_commit (&self->store, error))
    g_clear_pointer (&envelope, g_free);
  return envelope;
}

static gboolean
check_can_send (MimpE2e *self, const char *peer, GError **error)
{
  if (mimp_e2e_get_trust (self, peer) == MIMP_E2E_TRUST_KEY_CHANGED)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED,
                   "The contact's key changed since it was verified");
      return FALSE;
    }
  if (!mimp_e2e_has_session (self, peer))
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION,
                   "No private session with this contact yet");
      return FALSE;
    }
  return TRUE;
}

/* The peer's counters, as literal statements so that the store's cache
 * prepares each once (send_seq and recv_seq change with every message). */
#define PEER_COLUMN(name)                                                                          \
  {                                                                                                \
    name, "SELECT " name " FROM peers WHERE account = ?1 AND peer = ?2",                           \
        "UPDATE peers SET " name " = ?3 WHERE account = ?1 AND peer = ?2"                          \
  }

static const struct
{
  const char *column;
  const char *select;
  const char *update;
} peer_columns[] = {
  PEER_COLUMN ("send_seq"),  PEER_COLUMN ("recv_seq"),  PEER_COLUMN ("resend_asked"),
  PEER_COLUMN ("requested"), PEER_COLUMN ("inband_pk"),
};

#undef PEER_COLUMN

static guint
peer_column (const char *column)
{
  for (guint i = 0; i < G_N_ELEMENTS (peer_columns); i++)
    if (g_str_equal (peer_columns[i].column, column))
      return i;
  g_assert_not_reached ();
}

/* The peer's counters; creates the row. */
static gboolean
peer_get (MimpE2e *self, const char *peer, const char *column, gint64 *value, GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "INSERT OR IGNORE INTO peers (account, peer) VALUES (?1, ?2)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_step (stmt);
  sqlite3_reset (stmt);
  stmt = mimp_e2e_store_prepare (&self->store, peer_columns[peer_column (column)].select, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  if (rc != SQLITE_ROW)
    mimp_e2e_store_set_error (&self->store, error);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

static gboolean
peer_set (MimpE2e *self, const char *peer, const char *column, gint64 value, GError **error)
{
  sqlite3_stmt *stmt =
      mimp_e2e_store_prepare (&self->store, peer_columns[peer_column (column)].update, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, value);
  return mimp_e2e_store_step_done (&self->store, stmt, error);
}

/* Runs @sql (?1 the account) with ?2 = @first, ?3 = @second unless NULL,
 * ?4 = @number (parameters the statement lacks are ignored). */
static gboolean
exec_bound (MimpE2e *self, const char *sql, const char *first, const char *second, gint64 number,
            GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (&self->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, first, -1, SQLITE_STATIC);
  if (second != NULL)
    sqlite3_bind_text (stmt, 3, second, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, number);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      mimp_e2e_store_set_error (&self->store, error);
      return FALSE;
    }
  return TRUE;
}

static char *
new_control_id (void)
{
  return g_uuid_string_random ();
}

/* The inner JSON (without padding). */
static char *
inner_json (const char *kind, const char *id, gint64 seq, guint frag_i, guint frag_n,
            const char *body, gsize body_len)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *body_copy = g_strndup (body, body_len);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_string_value (builder, kind);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  if (seq > 0)
    {
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, seq);
    }
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  if (frag_n > 1)
    {
      json_builder_set_member_name (builder, "frag");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, frag_i);
      json_builder_add_int_value (builder, frag_n);
      json_builder_end_array (builder);
    }
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, body_copy);
  json_builder_end_object (builder);
  return builder_to_string (builder);
}

/* Inside a transaction: one control message of kind @kind with the next seq. */
char *
mimp_e2e_encrypt_control (MimpE2e *self, const char *peer, const char *kind, const char *body,
                          gboolean with_seq, GError **error)
{
  g_autofree char *id = new_control_id ();
  g_autofree char *inner = NULL;
  gint64 seq = 0;

  if (with_seq)
    {
      if (!peer_get (self, peer, "send_seq", &seq, error) ||
          !peer_set (self, peer, "send_seq", seq + 1, error))
        return NULL;
      seq++;
    }
  inner = inner_json (kind, id, seq, 0, 1, body, strlen (body));
  return encrypt_inner (self, peer, inner, error);
}

/* Splits @text into fragments whose JSON-escaped form is at most
 * FRAGMENT_BODY bytes, at UTF-8 character boundaries. */
static GPtrArray *
split_text (const char *text)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  const char *start = text, *p = text;
  gsize escaped = 0;

  while (*p != '\0')
    {
      const char *next = g_utf8_next_char (p);
      guchar c = (guchar) *p;
      gsize cost = (gsize) (next - p);

      if (c == '"' || c == '\\')
        cost = 2;
      else if (c < 0x20 || c == 0x7f)
        cost = 6;
      if (escaped + cost > FRAGMENT_BODY)
        {
          g_ptr_array_add (parts, g_strndup (start, (gsize) (p - start)));
          start = p;
          escaped = 0;
        }
      escaped += cost;
      p = next;
    }
  if (p > start || parts->len == 0)
    g_ptr_array_add (parts, g_strndup (start, (gsize) (p - start)));
  return parts;
}

static GPtrArray *
outbox_lookup (MimpE2e *self, const char *peer, const char *message_id, GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (&self->store,
                                               "SELECT envelope FROM outbox WHERE account = ?1"
                                               " AND message_id = ?2 AND peer = ?3 ORDER BY idx",
                                               error);
  GPtrArray *envelopes;

  if (stmt == NULL)
    return NULL;
  envelopes = g_ptr_array_new_with_free_func (g_free);
  sqlite3_bind_text (stmt, 2, message_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, peer, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (envelopes, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return envelopes;
}

static gboolean
keep_sent (MimpE2e *self, const char *peer, const char *message_id, const char *text,
           GError **error)
{
  g_autofree char *row = g_strdup_printf ("%s:%s", peer, message_id);
  g_autoptr (GBytes) sealed = mimp_e2e_store_seal (&self->store, "sent", row, text, strlen (text));
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (&self->store,
                                               "INSERT OR REPLACE INTO sent (account, peer, "
                                               "message_id, text, ts) VALUES (?1, ?2, ?3, ?4, ?5)",
                                               error);
  int rc;

  if (stmt == NULL || sealed == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, message_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (!mimp_e2e_store_step_done (&self->store, stmt, error))
    return FALSE;
  stmt = mimp_e2e_store_prepare (
      &self->store,
      "DELETE FROM sent WHERE account = ?1 AND peer = ?2 AND message_id NOT IN"
      " (SELECT message_id FROM sent WHERE account = ?1 AND peer = ?2 ORDER BY ts DESC LIMIT ?3)",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, KEEP_SENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

GPtrArray *
mimp_e2e_encrypt (MimpE2e *self, const char *peer, const char *message_id, const char *text,
                  GError **error)
{
  g_autoptr (GPtrArray) envelopes = NULL;
  g_autoptr (GPtrArray) parts = NULL;
  gint64 seq = 0;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (peer != NULL && message_id != NULL && text != NULL, NULL);

  envelopes = outbox_lookup (self, peer, message_id, error);
  if (envelopes == NULL)
    return NULL;
  if (envelopes->len > 0)
    return g_steal_pointer (&envelopes);

  if (strlen (text) > MIMP_E2E_MAX_TEXT || strlen (message_id) > 128 ||
      !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG,
                   "The message is too long for a private chat");
      return NULL;
    }
  parts = split_text (text);
  if (parts->len > MAX_FRAGMENTS)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG,
                   "The message is too long for a private chat");
      return NULL;
    }
  if (!check_can_send (self, peer, error))
    return NULL;

  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  if (!peer_get (self, peer, "send_seq", &seq, error) ||
      !peer_set (self, peer, "send_seq", seq + 1, error))
    goto fail;
  seq++;
  for (guint i = 0; i < parts->len; i++)
    {
      const char *part = g_ptr_array_index (parts, i);
      g_autofree char *inner =
          inner_json ("text", message_id, seq, i, parts->len, part, strlen (part));
      char *envelope;
      sqlite3_stmt *stmt;
      int rc;

      envelope = encrypt_inner (self, peer, inner, error);
      explicit_bzero (inner, strlen (inner));
      if (envelope == NULL)
        goto fail;
      g_ptr_array_add (envelopes, envelope);
      stmt = mimp_e2e_store_prepare (&self->store,
                                     "INSERT INTO outbox (account, message_id, idx, peer,"
                                     " envelope) VALUES (?1, ?2, ?3, ?4, ?5)",
                                     error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 2, message_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, (int) i);
      sqlite3_bind_text (stmt, 4, peer, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, envelope, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          mimp_e2e_store_set_error (&self->store, error);
          goto fail;
        }
    }
  if (!keep_sent (self, peer, message_id, text, error))
    goto fail;
  if (!mimp_e2e_store_commit (&self->store, error))
    return NULL;
  return g_steal_pointer (&envelopes);

fail:
  mimp_e2e_store_rollback (&self->store);
  return NULL;
}

char *
mimp_e2e_encrypt_typing (MimpE2e *self, const char *peer, MimpE2eTyping typing, GError **error)
{
  const char *body;
  char *envelope;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);

  switch (typing)
    {
    case MIMP_E2E_TYPING_ACTIVE:
      body = "active";
      break;
    case MIMP_E2E_TYPING_IDLE:
      body = "idle";
      break;
    case MIMP_E2E_TYPING_CLEARED:
    default:
      body = "cleared";
      break;
    }
  if (!check_can_send (self, peer, error))
    return NULL;
  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  envelope = mimp_e2e_encrypt_control (self, peer, "typing", body, FALSE, error);
  if (envelope == NULL)
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  if (!mimp_e2e_store_commit (&self->store, error))
    g_clear_pointer (&envelope, g_free);
  return envelope;
}

gboolean
mimp_e2e_sent (MimpE2e *self, const char *message_id, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  return exec_bound (self, "DELETE FROM outbox WHERE account = ?1 AND message_id = ?2", message_id,
                     NULL, 0, error);
}

char *
mimp_e2e_request_resend (MimpE2e *self, const char *peer, GError **error)
{
  gint64 asked = 0;
  gint64 now = now_seconds ();
  char *envelope = NULL;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);

  if (!check_can_send (self, peer, error))
    return NULL;
  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  if (!peer_get (self, peer, "resend_asked", &asked, error))
    goto fail;
  if (asked > now - 60 && asked <= now)
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  if (!peer_set (self, peer, "resend_asked", now, error))
    goto fail;
  envelope = mimp_e2e_encrypt_control (self, peer, "resend", "", TRUE, error);
  if (envelope == NULL)
    goto fail;
  if (!mimp_e2e_store_commit (&self->store, error))
    g_clear_pointer (&envelope, g_free);
  return envelope;

fail:
  mimp_e2e_store_rollback (&self->store);
  return NULL;
}

char *
mimp_e2e_get_sent_text (MimpE2e *self, const char *peer, const char *message_id)
{
  g_autofree char *row = g_strdup_printf ("%s:%s", peer, message_id);
  sqlite3_stmt *stmt;
  char *text = NULL;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);

  stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT text FROM sent WHERE account = ?1 AND peer = ?2 AND message_id = ?3",
      NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, message_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (GBytes) plain = mimp_e2e_store_unseal (
          &self->store, "sent", row, sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      if (plain != NULL)
        text = g_strndup (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
    }
  sqlite3_reset (stmt);
  return text;
}

/* ------------------------------------------------------------------ */
/* in-band key exchange                                                */

char *
mimp_e2e_key_request (MimpE2e *self, const char *peer, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *json = NULL;
  g_autofree char *payload = NULL;
  gint64 requested = 0;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "v");
  json_builder_add_int_value (builder, 1);
  add_identity_members (self, builder);
  json_builder_end_object (builder);
  json = builder_to_string (builder);
  payload = mimp_e2e_base64url_encode ((const guint8 *) json, strlen (json));

  /* Only an answer to a request of ours starts a session. */
  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  if (!peer_get (self, peer, "requested", &requested, error) ||
      !peer_set (self, peer, "requested", now_seconds (), error))
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  if (!mimp_e2e_store_commit (&self->store, error))
    return NULL;
  return g_strdup_printf ("%s1:R:%s %s", MIMP_E2E_PREFIX, payload, request_sentence);
}

/* Inside a transaction: the key answer (K) for @peer, with one one-time
 * prekey kept for in-band use (never published; reused while unused). */
static char *
key_answer (MimpE2e *self, const char *peer, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *json = NULL;
  g_autofree char *payload = NULL;
  gint64 pk_id = 0;
  guint32 new_id = 0;

  if (!peer_get (self, peer, "inband_pk", &pk_id, error))
    return NULL;
  if (pk_id <= 0 || signal_protocol_pre_key_contains_key (self->store_ctx, (guint32) pk_id) != 1)
    {
      /* Requests from many senders make at most MAX_INBAND_PREKEYS. */
      if (!make_prekeys (self, 1, 2, &new_id, error) ||
          !peer_set (self, peer, "inband_pk", new_id, error) ||
          !exec_bound (self,
                       "DELETE FROM prekeys WHERE account = ?1 AND published = 2 AND id NOT IN"
                       " (SELECT id FROM prekeys WHERE account = ?1 AND published = 2"
                       " ORDER BY rowid DESC LIMIT ?4)",
                       NULL, NULL, MAX_INBAND_PREKEYS, error))
        return NULL;
      pk_id = new_id;
    }
  json_builder_begin_object (builder);
  add_identity_members (self, builder);
  if (!add_signed_prekey (self, builder, error))
    return NULL;
  json_builder_set_member_name (builder, "pk");
  if (!add_prekey (self, builder, (guint32) pk_id, error))
    return NULL;
  json_builder_end_object (builder);
  json = builder_to_string (builder);
  payload = mimp_e2e_base64url_encode ((const guint8 *) json, strlen (json));
  return g_strdup_printf ("%s1:K:%s", MIMP_E2E_PREFIX, payload);
}

/* ------------------------------------------------------------------ */
/* decrypting                                                          */

static gboolean
seen_check (MimpE2e *self, const char *peer, const char *id)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT 1 FROM seen WHERE account = ?1 AND peer = ?2 AND id = ?3", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return found;
}

static gboolean
seen_add (MimpE2e *self, const char *peer, const char *id, GError **error)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "INSERT OR IGNORE INTO seen (account, peer, id, ts) VALUES (?1, ?2, ?3, ?4)",
      error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now_seconds ());
  return mimp_e2e_store_step_done (&self->store, stmt, error);
}

/* Drops held fragment groups older than a day or beyond MAX_PENDING_GROUPS;
 * returns how many groups were dropped (they count as missing). */
static guint
drop_stale_fragments (MimpE2e *self, const char *peer)
{
  sqlite3_stmt *stmt;
  guint dropped = 0;
  gint64 now = now_seconds ();
  int changes;

  stmt = mimp_e2e_store_prepare (
      &self->store,
      "SELECT count(DISTINCT msg_id) FROM fragments WHERE account = ?1 AND peer = ?2 AND ts < ?4",
      NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now - DAY_SECONDS);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    dropped = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (!exec_bound (self,
                   "DELETE FROM fragments WHERE account = ?1 AND peer = ?2 AND msg_id IN"
                   " (SELECT msg_id FROM fragments WHERE account = ?1 AND peer = ?2"
                   " GROUP BY msg_id HAVING max(ts) < ?4)",
                   peer, NULL, now - DAY_SECONDS, NULL))
    return 0;
  /* Too many groups: the oldest go. */
  changes = 0;
  stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT count(DISTINCT msg_id) FROM fragments WHERE account = ?1 AND peer = ?2",
      NULL);
  if (stmt == NULL)
    return dropped;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    changes = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (changes >= MAX_PENDING_GROUPS)
    {
      gint64 extra = changes - MAX_PENDING_GROUPS + 1;

      if (exec_bound (self,
                      "DELETE FROM fragments WHERE account = ?1 AND peer = ?2 AND msg_id IN"
                      " (SELECT msg_id FROM fragments WHERE account = ?1 AND peer = ?2"
                      " GROUP BY msg_id ORDER BY min(ts) LIMIT ?4)",
                      peer, NULL, extra, NULL))
        dropped += (guint) extra;
    }
  return dropped;
}

/* Inside a transaction: holds fragment @index of @n; when all are there,
 * returns the whole text. */
static gboolean
hold_fragment (MimpE2e *self, const char *peer, const char *msg_id, guint index, guint n,
               const char *body, char **text, gboolean *duplicate, GError **error)
{
  g_autofree char *row = g_strdup_printf ("%s:%s:%u", peer, msg_id, index);
  g_autoptr (GBytes) sealed =
      mimp_e2e_store_seal (&self->store, "fragments", row, body, strlen (body));
  sqlite3_stmt *stmt;
  guint count = 0;

  *text = NULL;
  *duplicate = FALSE;
  if (sealed == NULL)
    {
      g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "Cannot seal a fragment");
      return FALSE;
    }
  stmt = mimp_e2e_store_prepare (&self->store,
                                 "INSERT OR IGNORE INTO fragments (account, peer, msg_id, idx, n,"
                                 " body, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, msg_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, (int) index);
  sqlite3_bind_int (stmt, 5, (int) n);
  sqlite3_bind_blob (stmt, 6, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, now_seconds ());
  if (!mimp_e2e_store_step_done (&self->store, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->store.db) == 0)
    {
      *duplicate = TRUE;
      return TRUE;
    }

  stmt = mimp_e2e_store_prepare (&self->store,
                                 "SELECT idx, n, body FROM fragments WHERE account = ?1 AND"
                                 " peer = ?2 AND msg_id = ?3 ORDER BY idx",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, msg_id, -1, SQLITE_STATIC);
  {
    GString *whole = g_string_new (NULL);
    gboolean consistent = TRUE;

    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        guint idx = (guint) sqlite3_column_int (stmt, 0);
        g_autofree char *frag_row = g_strdup_printf ("%s:%s:%u", peer, msg_id, idx);
        g_autoptr (GBytes) plain = NULL;

        if ((guint) sqlite3_column_int (stmt, 1) != n || idx != count)
          consistent = FALSE;
        plain =
            mimp_e2e_store_unseal (&self->store, "fragments", frag_row,
                                   sqlite3_column_blob (stmt, 2), sqlite3_column_bytes (stmt, 2));
        if (plain == NULL)
          consistent = FALSE;
        else
          g_string_append_len (whole, g_bytes_get_data (plain, NULL),
                               (gssize) g_bytes_get_size (plain));
        count++;
      }
    sqlite3_reset (stmt);
    if (consistent && count == n)
      *text = g_string_free (whole, FALSE);
    else
      {
        explicit_bzero (whole->str, whole->len);
        g_string_free (whole, TRUE);
      }
  }
  if (*text != NULL &&
      !exec_bound (self, "DELETE FROM fragments WHERE account = ?1 AND peer = ?2 AND msg_id = ?3",
                   peer, msg_id, 0, error))
    {
      g_clear_pointer (text, g_free);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
recent_sent_ids (MimpE2e *self, const char *peer)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store,
      "SELECT message_id FROM sent WHERE account = ?1 AND peer = ?2 AND ts > ?3 ORDER BY ts", NULL);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_text (stmt, 2, peer, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () - (gint64) DAY_SECONDS * G_USEC_PER_SEC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return ids;
}

/* Inside a transaction: what the inner plaintext says. Returns NULL with
 * @error on a database error. */
static MimpE2eResult *
handle_inner (MimpE2e *self, const char *peer, const guint8 *plain, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  const char *kind, *id, *body;
  gint64 seq = 0, ts = 0;
  g_autofree char *seen_id = NULL;
  MimpE2eResult *result = NULL;
  guint missing = 0;
  JsonNode *frag_node;
  gint64 frag_i = 0, frag_n = 1;

  if (len == 0 || len > FRAGMENT_MAX || len % PAD_BLOCK != 0 ||
      !g_utf8_validate ((const char *) plain, (gssize) len, NULL))
    return result_undecryptable ("The inner message is malformed");
  root = mimp_e2e_json_parse_object ((const char *) plain, (gssize) len);
  if (root == NULL)
    return result_undecryptable ("The inner message is not JSON");
  object = json_node_get_object (root);
  kind = mimp_e2e_json_get_string (object, "t");
  id = mimp_e2e_json_get_string (object, "id");
  body = mimp_e2e_json_get_string (object, "body");
  if (kind == NULL || id == NULL || body == NULL || strlen (id) == 0 || strlen (id) > 128 ||
      (json_object_has_member (object, "seq") &&
       !mimp_e2e_json_get_int (object, "seq", 1, G_MAXINT64, &seq)) ||
      !mimp_e2e_json_get_int (object, "ts", 0, G_MAXINT64, &ts))
    return result_undecryptable ("The inner message lacks a member");
  frag_node = json_object_get_member (object, "frag");
  if (frag_node != NULL)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (frag_node) ? json_node_get_array (frag_node) : NULL;
      JsonNode *a, *b;

      if (array == NULL || json_array_get_length (array) != 2)
        return result_undecryptable ("The inner message has a bad fragment number");
      a = json_array_get_element (array, 0);
      b = json_array_get_element (array, 1);
      if (!JSON_NODE_HOLDS_VALUE (a) || json_node_get_value_type (a) != G_TYPE_INT64 ||
          !JSON_NODE_HOLDS_VALUE (b) || json_node_get_value_type (b) != G_TYPE_INT64)
        return result_undecryptable ("The inner message has a bad fragment number");
      frag_i = json_node_get_int (a);
      frag_n = json_node_get_int (b);
      if (frag_n < 1 || frag_n > MAX_FRAGMENTS || frag_i < 0 || frag_i >= frag_n)
        return result_undecryptable ("The inner message has a bad fragment number");
    }

  seen_id = g_strdup_printf ("i:%s", id);
  if (seen_check (self, peer, seen_id))
    return result_new (MIMP_E2E_DUPLICATE);

  /* Gaps in the peer's sequence. */
  if (seq > 0)
    {
      gint64 last = 0;

      if (!peer_get (self, peer, "recv_seq", &last, error))
        return NULL;
      if (seq > last)
        {
          missing = (guint) MIN (seq - last - 1, (gint64) G_MAXUINT);
          if (!peer_set (self, peer, "recv_seq", seq, error))
            return NULL;
        }
    }

  if (g_str_equal (kind, "text"))
    {
      if (frag_n > 1)
        {
          g_autofree char *text = NULL;
          gboolean duplicate = FALSE;

          missing += drop_stale_fragments (self, peer);
          if (!hold_fragment (self, peer, id, (guint) frag_i, (guint) frag_n, body, &text,
                              &duplicate, error))
            return NULL;
          if (duplicate)
            return result_new (MIMP_E2E_DUPLICATE);
          if (text == NULL)
            {
              result = result_new (MIMP_E2E_PARTIAL);
              result->message_id = g_strdup (id);
              result->missing = missing;
              return result;
            }
          result = result_new (MIMP_E2E_MESSAGE);
          result->text = g_steal_pointer (&text);
        }
      else
        {
          result = result_new (MIMP_E2E_MESSAGE);
          result->text = g_strdup (body);
        }
      result->message_id = g_strdup (id);
      result->timestamp = ts;
    }
  else if (g_str_equal (kind, "typing"))
    {
      result = result_new (MIMP_E2E_CONTROL);
      result->has_typing = TRUE;
      if (g_str_equal (body, "active"))
        result->typing = MIMP_E2E_TYPING_ACTIVE;
      else if (g_str_equal (body, "idle"))
        result->typing = MIMP_E2E_TYPING_IDLE;
      else
        result->typing = MIMP_E2E_TYPING_CLEARED;
    }
  else if (g_str_equal (kind, "resend"))
    {
      result = result_new (MIMP_E2E_CONTROL);
      result->resend_requested = TRUE;
      result->resend_ids = recent_sent_ids (self, peer);
    }
  else if (g_str_equal (kind, "smp"))
    {
      result = result_new (MIMP_E2E_CONTROL);
      if (!mimp_e2e_smp_receive (self, peer, body, result, error))
        {
          mimp_e2e_result_free (result);
          return NULL;
        }
    }
  else
    /* "hello" and kinds of later versions: nothing to show. */
    result = result_new (MIMP_E2E_CONTROL);

  result->missing = missing;
  /* Typing states come often and matter only for a moment: libomemo-c's
   * own replay check is enough for them. */
  if (!result->has_typing && !seen_add (self, peer, seen_id, error))
    {
      mimp_e2e_result_free (result);
      return NULL;
    }
  return result;
}

static MimpE2eResult *
undecryptable_for (int rc)
{
  switch (rc)
    {
    case SG_ERR_DUPLICATE_MESSAGE:
      return result_new (MIMP_E2E_DUPLICATE);
    case SG_ERR_INVALID_MAC:
      return result_undecryptable ("The message was changed on its way or is forged");
    case SG_ERR_NO_SESSION:
      return result_undecryptable ("There is no private session for this message");
    case SG_ERR_UNTRUSTED_IDENTITY:
      return result_undecryptable ("The message comes from an untrusted key");
    case SG_ERR_INVALID_KEY_ID:
      return result_undecryptable ("The message uses a key that is gone");
    case SG_ERR_INVALID_MESSAGE:
    default:
      return result_undecryptable ("The message cannot be read");
    }
}

/* Inside a transaction: a P or M payload. */
static MimpE2eResult *
decrypt_signal (MimpE2e *self, const char *peer, gboolean prekey, const guint8 *data, gsize len,
                GError **error)
{
  session_cipher *cipher = NULL;
  pre_key_signal_message *pre_message = NULL;
  signal_message *message = NULL;
  signal_buffer *plain = NULL;
  signal_protocol_address address;
  MimpE2eResult *result = NULL;
  gboolean had_session = mimp_e2e_has_session (self, peer);
  int rc;

  if (prekey)
    rc = pre_key_signal_message_deserialize (&pre_message, data, len, self->ctx);
  else
    rc = signal_message_deserialize (&message, data, len, self->ctx);
  if (rc < 0)
    return result_undecryptable ("The message does not parse");
  if (prekey)
    {
      signal_buffer *ik = NULL;
      gboolean own = FALSE;

      if (ec_public_key_serialize (&ik, pre_key_signal_message_get_identity_key (pre_message)) >= 0)
        own = signal_buffer_len (ik) == g_bytes_get_size (self->own_public) &&
              memcmp (signal_buffer_data (ik), g_bytes_get_data (self->own_public, NULL),
                      signal_buffer_len (ik)) == 0;
      signal_buffer_free (ik);
      if (own || pre_key_signal_message_get_message_version (pre_message) != SESSION_VERSION)
        {
          SIGNAL_UNREF (pre_message);
          return result_undecryptable (own ? "Our own message came back" : "Unknown version");
        }
    }
  else if (signal_message_get_message_version (message) != SESSION_VERSION)
    {
      SIGNAL_UNREF (message);
      return result_undecryptable ("Unknown version");
    }

  self->store.key_changed = FALSE;
  self->store.reflection = FALSE;
  if (!mimp_e2e_store_exec (&self->store, "SAVEPOINT signal", error))
    goto out;
  rc = session_cipher_create (&cipher, self->store_ctx, peer_address (peer, &address), self->ctx);
  if (rc >= 0)
    {
      session_cipher_set_version (cipher, SESSION_VERSION);
      if (prekey)
        rc = session_cipher_decrypt_pre_key_signal_message (cipher, pre_message, NULL, &plain);
      else
        rc = session_cipher_decrypt_signal_message (cipher, message, NULL, &plain);
    }
  if (rc < 0)
    {
      mimp_e2e_store_exec (&self->store, "ROLLBACK TO signal", NULL);
      mimp_e2e_store_exec (&self->store, "RELEASE signal", NULL);
      if (self->store.reflection)
        result = result_undecryptable ("Our own message came back");
      else
        result = undecryptable_for (rc);
      goto out;
    }
  if (!mimp_e2e_store_exec (&self->store, "RELEASE signal", error))
    goto out;
  result = handle_inner (self, peer, signal_buffer_data (plain), signal_buffer_len (plain), error);
  if (result != NULL)
    {
      result->key_changed = self->store.key_changed;
      if (!had_session)
        result->session_ready = TRUE;
    }

out:
  if (plain != NULL)
    signal_buffer_bzero_free (plain);
  if (cipher != NULL)
    session_cipher_free (cipher);
  SIGNAL_UNREF (pre_message);
  SIGNAL_UNREF (message);
  return result;
}

/* Inside a transaction. */
static MimpE2eResult *
decrypt_request (MimpE2e *self, const char *peer, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  const char *ik;
  g_autofree char *own_ik = NULL;
  MimpE2eResult *result;
  char *answer;

  root = mimp_e2e_json_parse_object ((const char *) data, (gssize) len);
  if (root == NULL)
    return result_undecryptable ("The key request is malformed");
  object = json_node_get_object (root);
  ik = mimp_e2e_json_get_string (object, "ik");
  own_ik = g_base64_encode (g_bytes_get_data (self->own_public, NULL),
                            g_bytes_get_size (self->own_public));
  if (ik == NULL)
    return result_undecryptable ("The key request is malformed");
  if (g_str_equal (ik, own_ik))
    return result_undecryptable ("Our own message came back");
  answer = key_answer (self, peer, error);
  if (answer == NULL)
    return NULL;
  result = result_new (MIMP_E2E_CONTROL);
  g_ptr_array_add (result->replies, answer);
  return result;
}

/* Inside a transaction. */
static MimpE2eResult *
decrypt_answer (MimpE2e *self, const char *peer, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  MimpE2eResult *result;
  gint64 requested = 0;

  /* An answer nobody asked for (or a second one, or a replayed one) is
   * not taken; nothing to show either. */
  if (!peer_get (self, peer, "requested", &requested, error))
    return NULL;
  if (requested <= 0 || requested < now_seconds () - 30 * DAY_SECONDS)
    return result_new (MIMP_E2E_CONTROL);
  if (!mimp_e2e_store_exec (&self->store, "SAVEPOINT answer", error))
    return NULL;
  self->store.key_changed = FALSE;
  if (!process_bundle (self, peer, (const char *) data, len, &local_error))
    {
      mimp_e2e_store_exec (&self->store, "ROLLBACK TO answer", NULL);
      mimp_e2e_store_exec (&self->store, "RELEASE answer", NULL);
      if (g_error_matches (local_error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_BAD_BUNDLE))
        return result_undecryptable ("The key answer is not valid");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!mimp_e2e_store_exec (&self->store, "RELEASE answer", error) ||
      !peer_set (self, peer, "requested", 0, error))
    return NULL;
  result = result_new (MIMP_E2E_CONTROL);
  result->session_ready = TRUE;
  result->key_changed = self->store.key_changed;
  return result;
}

/* --- kept results (until mimp_e2e_delivered) --- */

static void
add_string_member (JsonBuilder *builder, const char *name, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int_member (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_strings_member (JsonBuilder *builder, const char *name, GPtrArray *strings)
{
  if (strings == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

static char *
result_to_json (const MimpE2eResult *result)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int_member (builder, "status", result->status);
  add_string_member (builder, "text", result->text);
  add_string_member (builder, "message_id", result->message_id);
  add_int_member (builder, "timestamp", result->timestamp);
  add_int_member (builder, "missing", result->missing);
  add_int_member (builder, "session_ready", result->session_ready);
  add_int_member (builder, "resend_requested", result->resend_requested);
  add_strings_member (builder, "resend_ids", result->resend_ids);
  add_int_member (builder, "has_typing", result->has_typing);
  add_int_member (builder, "typing", result->typing);
  add_int_member (builder, "smp_event", result->smp_event);
  add_string_member (builder, "smp_question", result->smp_question);
  add_int_member (builder, "smp_we_verified", result->smp_we_verified);
  add_int_member (builder, "smp_they_verified", result->smp_they_verified);
  add_strings_member (builder, "replies", result->replies);
  add_string_member (builder, "reason", result->reason);
  add_int_member (builder, "key_changed", result->key_changed);
  json_builder_end_object (builder);
  return builder_to_string (builder);
}

static GPtrArray *
strings_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  GPtrArray *strings;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_ptr_array_add (strings, g_strdup (json_node_get_string (element)));
    }
  return strings;
}

static gint64
int_member (JsonObject *object, const char *name)
{
  gint64 value = 0;

  if (!mimp_e2e_json_get_int (object, name, G_MININT64, G_MAXINT64, &value))
    return 0;
  return value;
}

static MimpE2eResult *
result_from_json (const char *json, gsize len)
{
  g_autoptr (JsonNode) root = mimp_e2e_json_parse_object (json, (gssize) len);
  JsonObject *object;
  MimpE2eResult *result;
  GPtrArray *replies;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  result = result_new ((MimpE2eStatus) int_member (object, "status"));
  result->text = g_strdup (mimp_e2e_json_get_string (object, "text"));
  result->message_id = g_strdup (mimp_e2e_json_get_string (object, "message_id"));
  result->timestamp = int_member (object, "timestamp");
  result->missing = (guint) int_member (object, "missing");
  result->session_ready = int_member (object, "session_ready") != 0;
  result->resend_requested = int_member (object, "resend_requested") != 0;
  result->resend_ids = strings_member (object, "resend_ids");
  result->has_typing = int_member (object, "has_typing") != 0;
  result->typing = (MimpE2eTyping) int_member (object, "typing");
  result->smp_event = (MimpE2eSmpEvent) int_member (object, "smp_event");
  result->smp_question = g_strdup (mimp_e2e_json_get_string (object, "smp_question"));
  result->smp_we_verified = int_member (object, "smp_we_verified") != 0;
  result->smp_they_verified = int_member (object, "smp_they_verified") != 0;
  replies = strings_member (object, "replies");
  if (replies != NULL)
    {
      g_ptr_array_unref (result->replies);
      result->replies = replies;
    }
  result->reason = g_strdup (mimp_e2e_json_get_string (object, "reason"));
  result->key_changed = int_member (object, "key_changed") != 0;
  return result;
}

/* The kept result of @server_id, or NULL. */
static MimpE2eResult *
pending_lookup (MimpE2e *self, const char *server_id)
{
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store, "SELECT result FROM pending WHERE account = ?1 AND server_id = ?2", NULL);
  MimpE2eResult *result = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 2, server_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (GBytes) plain =
          mimp_e2e_store_unseal (&self->store, "pending", server_id, sqlite3_column_blob (stmt, 0),
                                 sqlite3_column_bytes (stmt, 0));

      if (plain != NULL)
        {
          gsize len;
          const char *json = g_bytes_get_data (plain, &len);

          result = result_from_json (json, len);
          explicit_bzero ((char *) json, len);
        }
    }
  sqlite3_reset (stmt);
  return result;
}

static gboolean
pending_keep (MimpE2e *self, const char *server_id, const MimpE2eResult *result, GError **error)
{
  g_autofree char *json = result_to_json (result);
  g_autoptr (GBytes) sealed =
      mimp_e2e_store_seal (&self->store, "pending", server_id, json, strlen (json));
  sqlite3_stmt *stmt = mimp_e2e_store_prepare (
      &self->store,
      "INSERT OR REPLACE INTO pending (account, server_id, result, ts) VALUES (?1, ?2, ?3, ?4)",
      error);

  explicit_bzero (json, strlen (json));
  if (stmt == NULL || sealed == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 2, server_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed),
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now_seconds ());
  return mimp_e2e_store_step_done (&self->store, stmt, error);
}

gboolean
mimp_e2e_delivered (MimpE2e *self, const char *server_id, GError **error)
{
  g_return_val_if_fail (MIMP_IS_E2E (self), FALSE);

  if (server_id == NULL)
    return TRUE;
  return exec_bound (self, "DELETE FROM pending WHERE account = ?1 AND server_id = ?2", server_id,
                     NULL, 0, error);
}

MimpE2eResult *
mimp_e2e_decrypt (MimpE2e *self, const char *peer, const char *server_id, const char *text,
                  GError **error)
{
  g_autofree char *server_seen = NULL;
  g_autofree guint8 *payload = NULL;
  gsize payload_len = 0;
  const char *p, *end;
  char kind;
  MimpE2eResult *result = NULL;

  g_return_val_if_fail (MIMP_IS_E2E (self), NULL);
  g_return_val_if_fail (peer != NULL && text != NULL, NULL);

  if (!g_str_has_prefix (text, MIMP_E2E_PREFIX))
    {
      result = result_new (MIMP_E2E_PLAIN);
      result->text = g_strdup (text);
      return result;
    }

  /* ?MIMPE2E:1:<kind>:<payload>[ sentence] */
  p = text + strlen (MIMP_E2E_PREFIX);
  if (strlen (text) > MIMP_E2E_MAX_ENVELOPE)
    return result_undecryptable ("The envelope is too long");
  if (p[0] != '1' || p[1] != ':' || p[2] == '\0' || p[3] != ':')
    return result_undecryptable ("The envelope has an unknown version or form");
  kind = p[2];
  p += 4;
  end = kind == 'R' ? strchr (p, ' ') : NULL;
  if (end == NULL)
    end = p + strlen (p);
  payload = base64_decode_strict (p, (gsize) (end - p), TRUE, &payload_len);
  if (payload == NULL)
    return result_undecryptable ("The envelope does not decode");

  if (!mimp_e2e_store_begin (&self->store, error))
    return NULL;
  if (server_id != NULL)
    {
      /* Redelivered before the caller stored it: the same result again. */
      result = pending_lookup (self, server_id);
      if (result != NULL)
        {
          mimp_e2e_store_rollback (&self->store);
          return result;
        }
      server_seen = g_strdup_printf ("s:%s", server_id);
      if (seen_check (self, peer, server_seen))
        {
          mimp_e2e_store_rollback (&self->store);
          return result_new (MIMP_E2E_DUPLICATE);
        }
    }
  if (is_own (self, text))
    result = result_undecryptable ("Our own message came back");
  else
    switch (kind)
      {
      case 'P':
      case 'M':
        result = decrypt_signal (self, peer, kind == 'P', payload, payload_len, error);
        break;
      case 'R':
        result = decrypt_request (self, peer, payload, payload_len, error);
        break;
      case 'K':
        result = decrypt_answer (self, peer, payload, payload_len, error);
        break;
      default:
        result = result_undecryptable ("The envelope has an unknown kind");
        break;
      }
  if (result == NULL)
    {
      mimp_e2e_store_rollback (&self->store);
      return NULL;
    }
  if (server_seen != NULL &&
      (!seen_add (self, peer, server_seen, error) ||
       (result->status != MIMP_E2E_DUPLICATE && !pending_keep (self, server_id, result, error))))
    {
      mimp_e2e_store_rollback (&self->store);
      mimp_e2e_result_free (result);
      return NULL;
    }
  if (!mimp_e2e_store_commit (&self->store, error))
    {
      mimp_e2e_result_free (result);
      return NULL;
    }
  return result;
}
