/* test-e2e.c - two MimpE2e in one process talking through strings:
 * sessions from bundles and in-band, order, replays, tampering, reflection,
 * fragments, padding, gaps, trust, storage key, reopening, crashes (fork
 * and SIGKILL) and the database bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mimp-e2e-worker.h"
#include "mimp-e2e.h"

/* Phrases that must never appear in a database file. */
#define PHRASE_1 "purple elephants dance at midnight"
#define PHRASE_2 "the treasure lies under the old oak"
#define PHRASE_3 "quartz sphinx judges my vow"

typedef struct
{
  char *dir;
  GBytes *key_a;
  GBytes *key_b;
  char *path_a;
  char *path_b;
  MimpE2e *alice;
  MimpE2e *bob;
} Fixture;

static MimpE2e *
open_or_die (const char *path, const char *account, GBytes *key)
{
  g_autoptr (GError) error = NULL;
  MimpE2e *e2e = mimp_e2e_open (path, account, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (e2e);
  return e2e;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("mimp-e2e-XXXXXX", &error);
  g_assert_no_error (error);
  f->key_a = mimp_e2e_new_storage_key ();
  f->key_b = mimp_e2e_new_storage_key ();
  f->path_a = g_build_filename (f->dir, "a", "e2e.db", NULL);
  f->path_b = g_build_filename (f->dir, "b", "e2e.db", NULL);
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  f->bob = open_or_die (f->path_b, "bob@localhost:3290", f->key_b);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path_a);
  g_free (f->path_b);
  g_bytes_unref (f->key_a);
  g_bytes_unref (f->key_b);
}

/* A key-directory fetch entry made of a published bundle: the first
 * one-time prekey (or none), as mimpd hands it out. */
static char *
fetch_entry (MimpE2e *e2e, gboolean with_prekey)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *bundle = mimp_e2e_bundle_to_publish (e2e, 100, &error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonArray *pks;
  JsonNode *pk = NULL;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, bundle, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  pks = json_object_get_array_member (object, "pk");
  if (with_prekey)
    {
      g_assert_cmpuint (json_array_get_length (pks), >, 0);
      pk = json_node_copy (json_array_get_element (pks, 0));
    }
  json_object_remove_member (object, "pk");
  if (pk != NULL)
    json_object_set_member (object, "pk", pk);
  else
    json_object_set_null_member (object, "pk");
  return json_to_string (json_parser_get_root (parser), FALSE);
}

static void
start (MimpE2e *from, const char *peer, MimpE2e *to)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *entry = fetch_entry (to, TRUE);

  g_assert_true (mimp_e2e_start_session (from, peer, entry, &error));
  g_assert_no_error (error);
  g_assert_true (mimp_e2e_has_session (from, peer));
}

static GPtrArray *
encrypt (MimpE2e *e2e, const char *peer, const char *id, const char *text)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *envelopes = mimp_e2e_encrypt (e2e, peer, id, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (envelopes);
  g_assert_cmpuint (envelopes->len, >=, 1);
  for (guint i = 0; i < envelopes->len; i++)
    {
      const char *envelope = g_ptr_array_index (envelopes, i);

      g_assert_true (g_str_has_prefix (envelope, MIMP_E2E_PREFIX));
      g_assert_cmpuint (strlen (envelope), <=, MIMP_E2E_MAX_ENVELOPE);
      if (strlen (text) >= 8)
        g_assert_null (strstr (envelope, text));
    }
  return envelopes;
}

static char *
encrypt_one (MimpE2e *e2e, const char *peer, const char *id, const char *text)
{
  g_autoptr (GPtrArray) envelopes = encrypt (e2e, peer, id, text);

  g_assert_cmpuint (envelopes->len, ==, 1);
  return g_strdup (g_ptr_array_index (envelopes, 0));
}

static MimpE2eResult *
decrypt (MimpE2e *e2e, const char *peer, const char *server_id, const char *text)
{
  g_autoptr (GError) error = NULL;
  MimpE2eResult *result = mimp_e2e_decrypt (e2e, peer, server_id, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  /* The caller stored it. */
  g_assert_true (mimp_e2e_delivered (e2e, server_id, &error));
  g_assert_no_error (error);
  return result;
}

static void
expect_message (MimpE2e *e2e, const char *peer, const char *server_id, const char *envelope,
                const char *text)
{
  g_autoptr (MimpE2eResult) result = decrypt (e2e, peer, server_id, envelope);

  g_assert_cmpint (result->status, ==, MIMP_E2E_MESSAGE);
  g_assert_cmpstr (result->text, ==, text);
  g_assert_cmpint (result->timestamp, >, 0);
}

static void
expect_status (MimpE2e *e2e, const char *peer, const char *server_id, const char *envelope,
               MimpE2eStatus status)
{
  g_autoptr (MimpE2eResult) result = decrypt (e2e, peer, server_id, envelope);

  g_assert_cmpint (result->status, ==, status);
  if (status == MIMP_E2E_UNDECRYPTABLE)
    {
      g_assert_null (result->text);
      g_assert_nonnull (result->reason);
    }
}

/* Delivers @envelope to @to (from @from_name) and returns the result. */
static MimpE2eResult *
deliver (MimpE2e *to, const char *from_name, const char *envelope)
{
  g_assert_nonnull (envelope);
  return decrypt (to, from_name, NULL, envelope);
}

static char *
only_reply (MimpE2eResult *result)
{
  g_assert_cmpuint (result->replies->len, ==, 1);
  return g_strdup (g_ptr_array_index (result->replies, 0));
}

/* Bob fetched Alice's bundle while she was offline; they talk both ways. */
static void
establish (Fixture *f)
{
  g_autofree char *first = NULL;
  g_autofree char *reply = NULL;

  start (f->bob, "alice", f->alice);
  first = encrypt_one (f->bob, "alice", "b-1", "hello alice");
  g_assert_true (g_str_has_prefix (first, "?MIMPE2E:1:P:"));
  expect_message (f->alice, "bob", "srv-1", first, "hello alice");
  g_assert_true (mimp_e2e_has_session (f->alice, "bob"));
  reply = encrypt_one (f->alice, "bob", "a-1", "hello bob");
  g_assert_true (g_str_has_prefix (reply, "?MIMPE2E:1:M:"));
  expect_message (f->bob, "alice", "srv-2", reply, "hello bob");
}

static void
test_bundle_session (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (mimp_e2e_get_trust (f->bob, "alice"), ==, MIMP_E2E_TRUST_NONE);
  g_assert_false (mimp_e2e_has_session (f->bob, "alice"));
  g_assert_null (mimp_e2e_encrypt (f->bob, "alice", "x", "x", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION);

  establish (f);
  g_assert_cmpint (mimp_e2e_get_trust (f->bob, "alice"), ==, MIMP_E2E_TRUST_UNVERIFIED);
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_UNVERIFIED);
  g_assert_cmpuint (mimp_e2e_get_device_id (f->alice), >=, 1);
  g_assert_cmpuint (mimp_e2e_get_device_id (f->alice), <=, G_MAXINT32);
  g_assert_cmpuint (mimp_e2e_get_device_id (f->alice), !=, mimp_e2e_get_device_id (f->bob));

  for (int i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("m-%d", i);
      g_autofree char *sid = g_strdup_printf ("s-%d", i);
      g_autofree char *text = g_strdup_printf ("message number %d", i);
      MimpE2e *from = i % 3 == 0 ? f->alice : f->bob;
      MimpE2e *to = from == f->alice ? f->bob : f->alice;
      const char *peer_of_from = from == f->alice ? "bob" : "alice";
      const char *peer_of_to = from == f->alice ? "alice" : "bob";
      g_autofree char *envelope = encrypt_one (from, peer_of_from, id, text);

      expect_message (to, peer_of_to, sid, envelope, text);
    }

  /* Plain text stays plain. */
  {
    g_autoptr (MimpE2eResult) plain = decrypt (f->alice, "bob", "p-1", "just text");

    g_assert_cmpint (plain->status, ==, MIMP_E2E_PLAIN);
    g_assert_cmpstr (plain->text, ==, "just text");
  }
}

static void
test_bad_bundle (Fixture *f, gconstpointer data)
{
  g_autofree char *entry = fetch_entry (f->alice, TRUE);
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *bad[] = {
    "",
    "not json",
    "[]",
    "{}",
    "{\"device\":1}",
    "{\"device\":0,\"ik\":\"AA==\",\"reg\":1,\"spk\":{\"id\":1,\"key\":\"AA==\",\"sig\":\"AA==\"}}",
    "{\"device\":1,\"ik\":\"!!!\",\"reg\":1,\"spk\":{\"id\":1,\"key\":\"AA==\",\"sig\":\"AA==\"}}",
    "{\"device\":1,\"ik\":7,\"reg\":1,\"spk\":[],\"pk\":null}",
  };
  JsonObject *object, *spk;
  g_autofree char *sig = NULL;
  g_autofree char *tampered = NULL;
  guint8 *raw;
  gsize len;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (mimp_e2e_start_session (f->bob, "alice", bad[i], &error));
      g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_BAD_BUNDLE);
    }

  /* A wrong signature on the signed prekey. */
  g_assert_true (json_parser_load_from_data (parser, entry, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  spk = json_object_get_object_member (object, "spk");
  raw = g_base64_decode (json_object_get_string_member (spk, "sig"), &len);
  raw[10] ^= 0x04;
  sig = g_base64_encode (raw, len);
  g_free (raw);
  json_object_set_string_member (spk, "sig", sig);
  tampered = json_to_string (json_parser_get_root (parser), FALSE);
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (mimp_e2e_start_session (f->bob, "alice", tampered, &error));
    g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_BAD_BUNDLE);
  }
  g_assert_false (mimp_e2e_has_session (f->bob, "alice"));

  /* Our own bundle is not a peer's. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (mimp_e2e_start_session (f->alice, "bob", entry, &error));
    g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_BAD_BUNDLE);
  }

  /* Without a one-time prekey it works too. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *no_pk = fetch_entry (f->alice, FALSE);
    g_autofree char *envelope = NULL;

    g_assert_true (mimp_e2e_start_session (f->bob, "alice", no_pk, &error));
    g_assert_no_error (error);
    envelope = encrypt_one (f->bob, "alice", "np", PHRASE_1);
    expect_message (f->alice, "bob", NULL, envelope, PHRASE_1);
  }
}

static void
test_bundle_publish (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *first = mimp_e2e_bundle_to_publish (f->alice, 100, &error);
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, first, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (object, "device"), ==,
                   mimp_e2e_get_device_id (f->alice));
  g_assert_true (json_object_has_member (object, "ik"));
  g_assert_true (json_object_has_member (object, "reg"));
  g_assert_true (json_object_has_member (json_object_get_object_member (object, "spk"), "sig"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "pk")), ==, 100);

  g_assert_true (mimp_e2e_bundle_published (f->alice, &error));
  g_assert_no_error (error);
  second = mimp_e2e_bundle_to_publish (f->alice, 100, &error);
  g_assert_true (json_parser_load_from_data (parser, second, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "pk")), ==, 0);

  /* The server says 5 are left: new ones are made for the next publish. */
  g_assert_true (mimp_e2e_replenish (f->alice, 5, &error));
  g_assert_no_error (error);
  third = mimp_e2e_bundle_to_publish (f->alice, 100, &error);
  g_assert_true (json_parser_load_from_data (parser, third, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "pk")), ==, 95);
}

static void
test_order_and_gaps (Fixture *f, gconstpointer data)
{
  char *env[6];

  establish (f);
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *id = g_strdup_printf ("o-%d", i);
      g_autofree char *text = g_strdup_printf ("ordered %d", i);

      env[i] = encrypt_one (f->bob, "alice", id, text);
    }
  /* 2 before 0 and 1: two missing so far; 0 and 1 arrive late. */
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "x2", env[2]);

    g_assert_cmpint (r->status, ==, MIMP_E2E_MESSAGE);
    g_assert_cmpstr (r->text, ==, "ordered 2");
    g_assert_cmpuint (r->missing, ==, 2);
  }
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "x0", env[0]);

    g_assert_cmpstr (r->text, ==, "ordered 0");
    g_assert_cmpuint (r->missing, ==, 0);
  }
  expect_message (f->alice, "bob", "x1", env[1], "ordered 1");
  /* 3 never arrives: 4 reports one missing. */
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "x4", env[4]);

    g_assert_cmpstr (r->text, ==, "ordered 4");
    g_assert_cmpuint (r->missing, ==, 1);
  }
  expect_message (f->alice, "bob", "x5", env[5], "ordered 5");
  /* ... until it does, late. */
  expect_message (f->alice, "bob", "x3", env[3], "ordered 3");

  /* Replays: the same server id, another server id, no server id. */
  expect_status (f->alice, "bob", "x5", env[5], MIMP_E2E_DUPLICATE);
  expect_status (f->alice, "bob", "other", env[5], MIMP_E2E_DUPLICATE);
  expect_status (f->alice, "bob", NULL, env[2], MIMP_E2E_DUPLICATE);

  for (int i = 0; i < 6; i++)
    g_free (env[i]);
}

static void
test_tamper (Fixture *f, gconstpointer data)
{
  g_autofree char *envelope = NULL;
  g_autofree char *later = NULL;
  gsize len, prefix = strlen (MIMP_E2E_PREFIX);
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  establish (f);
  envelope = encrypt_one (f->bob, "alice", "t-1", PHRASE_2);
  later = encrypt_one (f->bob, "alice", "t-2", "after the tampering");
  len = strlen (envelope);
  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *copy = g_strdup (envelope);
      const char *pos = strchr (alphabet, copy[i]);
      g_autoptr (MimpE2eResult) result = NULL;

      /* Another character of the same alphabet (or a letter). */
      copy[i] = pos != NULL ? alphabet[(pos - alphabet + 1 + (i % 7)) % 64] : 'x';
      if (copy[i] == envelope[i])
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
      result = decrypt (f->alice, "bob", NULL, copy);
      if (i < prefix)
        g_assert_cmpint (result->status, ==, MIMP_E2E_PLAIN);
      else
        {
          if (result->status != MIMP_E2E_UNDECRYPTABLE)
            g_error ("byte %zu of %zu: status %d", i, len, result->status);
          g_assert_null (result->text);
          g_assert_nonnull (result->reason);
        }
    }
  /* Truncated and extended. */
  {
    g_autofree char *cut = g_strndup (envelope, len - 5);
    g_autofree char *longer = g_strconcat (envelope, "AAAA", NULL);

    expect_status (f->alice, "bob", NULL, cut, MIMP_E2E_UNDECRYPTABLE);
    expect_status (f->alice, "bob", NULL, longer, MIMP_E2E_UNDECRYPTABLE);
    expect_status (f->alice, "bob", NULL, "?MIMPE2E:", MIMP_E2E_UNDECRYPTABLE);
    expect_status (f->alice, "bob", NULL, "?MIMPE2E:1:M:", MIMP_E2E_UNDECRYPTABLE);
    expect_status (f->alice, "bob", NULL, "?MIMPE2E:1:M:é", MIMP_E2E_UNDECRYPTABLE);
  }
  /* The real ones still decrypt. */
  expect_message (f->alice, "bob", NULL, envelope, PHRASE_2);
  expect_message (f->alice, "bob", NULL, later, "after the tampering");
}

static void
test_reflection (Fixture *f, gconstpointer data)
{
  g_autofree char *from_bob = NULL;
  g_autofree char *to_bob = NULL;
  g_autofree char *request = NULL;

  start (f->bob, "alice", f->alice);
  from_bob = encrypt_one (f->bob, "alice", "r-1", "first from bob");
  /* Bob's own prekey message comes back to him "from alice". */
  expect_status (f->bob, "alice", "r", from_bob, MIMP_E2E_UNDECRYPTABLE);
  expect_message (f->alice, "bob", "r1", from_bob, "first from bob");
  to_bob = encrypt_one (f->alice, "bob", "r-2", "reply from alice");
  expect_status (f->alice, "bob", "q", to_bob, MIMP_E2E_UNDECRYPTABLE);
  expect_message (f->bob, "alice", "r2", to_bob, "reply from alice");
  /* A reflected key request is not answered. */
  request = mimp_e2e_key_request (f->alice, "bob", NULL);
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", NULL, request);

    g_assert_cmpint (r->status, ==, MIMP_E2E_UNDECRYPTABLE);
    g_assert_cmpuint (r->replies->len, ==, 0);
  }
}

static void
test_inband (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *request = mimp_e2e_key_request (f->alice, "bob", &error);
  g_autofree char *answer = NULL;
  g_autofree char *first = NULL;
  g_autofree char *reply = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (request, "?MIMPE2E:1:R:"));
  /* A plain client shows a sentence a person can read. */
  g_assert_nonnull (strstr (request, " This is a request to start a private"));
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->bob, "alice", "k1", request);

    g_assert_cmpint (r->status, ==, MIMP_E2E_CONTROL);
    g_assert_cmpuint (r->replies->len, ==, 1);
    answer = g_strdup (g_ptr_array_index (r->replies, 0));
    g_assert_true (g_str_has_prefix (answer, "?MIMPE2E:1:K:"));
  }
  g_assert_false (mimp_e2e_has_session (f->bob, "alice"));
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "k2", answer);

    g_assert_cmpint (r->status, ==, MIMP_E2E_CONTROL);
    g_assert_true (r->session_ready);
  }
  g_assert_true (mimp_e2e_has_session (f->alice, "bob"));
  first = encrypt_one (f->alice, "bob", "i-1", "in-band hello");
  g_assert_true (g_str_has_prefix (first, "?MIMPE2E:1:P:"));
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->bob, "alice", "k3", first);

    g_assert_cmpint (r->status, ==, MIMP_E2E_MESSAGE);
    g_assert_cmpstr (r->text, ==, "in-band hello");
    g_assert_true (r->session_ready);
  }
  reply = encrypt_one (f->bob, "alice", "i-2", "in-band reply");
  expect_message (f->alice, "bob", "k4", reply, "in-band reply");
  /* Replaying the answer is a duplicate; without a server id, an answer
   * that was not asked for (any more). */
  expect_status (f->alice, "bob", "k2", answer, MIMP_E2E_DUPLICATE);
  {
    g_autoptr (MimpE2eResult) again = decrypt (f->alice, "bob", NULL, answer);
    g_autoptr (MimpE2eResult) unasked = decrypt (f->bob, "alice", NULL, answer);

    g_assert_cmpint (again->status, ==, MIMP_E2E_CONTROL);
    g_assert_false (again->session_ready);
    g_assert_cmpint (unasked->status, ==, MIMP_E2E_CONTROL);
    g_assert_false (unasked->session_ready);
  }
  g_assert_true (mimp_e2e_has_session (f->alice, "bob"));
  /* Same message id to two peers: two sets of envelopes. */
  {
    g_autofree char *to_alice = encrypt_one (f->bob, "alice", "same-id", "for alice");
    g_autofree char *answer2 = NULL;
    g_autofree char *request2 = mimp_e2e_key_request (f->bob, "carol", &error);
    g_autoptr (MimpE2e) carol = open_or_die (f->path_a, "carol@localhost:3290", f->key_a);
    g_autofree char *to_carol = NULL;

    {
      g_autoptr (MimpE2eResult) r = decrypt (carol, "bob", NULL, request2);

      answer2 = g_strdup (g_ptr_array_index (r->replies, 0));
    }
    expect_status (f->bob, "carol", NULL, answer2, MIMP_E2E_CONTROL);
    to_carol = encrypt_one (f->bob, "carol", "same-id", "for carol");
    g_assert_cmpstr (to_carol, !=, to_alice);
    expect_message (carol, "bob", NULL, to_carol, "for carol");
    expect_message (f->alice, "bob", NULL, to_alice, "for alice");
  }
}

/* Both ask at once: both answer, both start sessions; whatever each sends
 * first, the other reads, and they go on both ways. */
static void
test_inband_crossed (Fixture *f, gconstpointer data)
{
  g_autofree char *from_alice = mimp_e2e_key_request (f->alice, "bob", NULL);
  g_autofree char *from_bob = mimp_e2e_key_request (f->bob, "alice", NULL);
  g_autofree char *answer_alice = NULL;
  g_autofree char *answer_bob = NULL;

  {
    g_autoptr (MimpE2eResult) r = decrypt (f->bob, "alice", NULL, from_alice);

    answer_bob = only_reply (r);
  }
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", NULL, from_bob);

    answer_alice = only_reply (r);
  }
  expect_status (f->alice, "bob", NULL, answer_bob, MIMP_E2E_CONTROL);
  expect_status (f->bob, "alice", NULL, answer_alice, MIMP_E2E_CONTROL);
  for (int round = 0; round < 3; round++)
    {
      g_autofree char *id_a = g_strdup_printf ("xa-%d", round);
      g_autofree char *id_b = g_strdup_printf ("xb-%d", round);
      g_autofree char *a = encrypt_one (f->alice, "bob", id_a, "from alice, crossed");
      g_autofree char *b = encrypt_one (f->bob, "alice", id_b, "from bob, crossed");

      expect_message (f->bob, "alice", NULL, a, "from alice, crossed");
      expect_message (f->alice, "bob", NULL, b, "from bob, crossed");
    }
}

/* Key requests from many senders (a hostile server can make up names)
 * keep at most 100 in-band one-time prekeys. */
static void
test_inband_flood (Fixture *f, gconstpointer data)
{
  g_autofree char *request = mimp_e2e_key_request (f->bob, "alice", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int count = -1;

  for (int i = 0; i < 120; i++)
    {
      g_autofree char *name = g_strdup_printf ("sender%d", i);
      g_autoptr (MimpE2eResult) r = decrypt (f->alice, name, NULL, request);

      g_assert_cmpint (r->status, ==, MIMP_E2E_CONTROL);
      g_assert_cmpuint (r->replies->len, ==, 1);
    }
  g_assert_cmpint (sqlite3_open_v2 (f->path_a, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM prekeys WHERE published = 2", -1, &stmt, NULL),
      ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpint (count, ==, 100);
}

static void
test_fragments (Fixture *f, gconstpointer data)
{
  GString *big = g_string_new (NULL);
  g_autoptr (GPtrArray) envelopes = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  establish (f);
  while (big->len < 40 * 1024)
    g_string_append_printf (big, "line %zu with \"quotes\", ünïcödé and \\ \t tabs\n", big->len);
  text = g_string_free (big, FALSE);
  envelopes = encrypt (f->bob, "alice", "big-1", text);
  g_assert_cmpuint (envelopes->len, >=, 5);
  g_assert_cmpuint (envelopes->len, <=, 8);
  /* Retried with the same id: the same bytes, no new ratchet step. */
  {
    g_autoptr (GPtrArray) again = encrypt (f->bob, "alice", "big-1", text);

    g_assert_cmpuint (again->len, ==, envelopes->len);
    for (guint i = 0; i < again->len; i++)
      g_assert_cmpstr (g_ptr_array_index (again, i), ==, g_ptr_array_index (envelopes, i));
  }
  /* Backwards: partial until the last (the first) arrives. */
  for (guint i = envelopes->len; i-- > 0;)
    {
      g_autofree char *sid = g_strdup_printf ("f-%u", i);
      g_autoptr (MimpE2eResult) r =
          decrypt (f->alice, "bob", sid, g_ptr_array_index (envelopes, i));

      if (i > 0)
        {
          g_assert_cmpint (r->status, ==, MIMP_E2E_PARTIAL);
          g_assert_cmpstr (r->message_id, ==, "big-1");
          if (i + 1 < envelopes->len)
            {
              /* A fragment again: duplicate. */
              g_autoptr (MimpE2eResult) d =
                  decrypt (f->alice, "bob", NULL, g_ptr_array_index (envelopes, i + 1));

              g_assert_cmpint (d->status, ==, MIMP_E2E_DUPLICATE);
            }
        }
      else
        {
          g_assert_cmpint (r->status, ==, MIMP_E2E_MESSAGE);
          g_assert_cmpstr (r->message_id, ==, "big-1");
          g_assert_true (g_str_equal (r->text, text));
        }
    }
  g_assert_true (mimp_e2e_sent (f->bob, "big-1", &error));
  g_assert_no_error (error);

  /* Too long. */
  {
    g_autofree char *huge = g_strnfill (MIMP_E2E_MAX_TEXT + 1, 'x');
    g_autofree char *controls = g_strnfill (MIMP_E2E_MAX_TEXT, '\x01');

    g_assert_null (mimp_e2e_encrypt (f->bob, "alice", "huge", huge, &error));
    g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG);
    g_clear_error (&error);
    g_assert_null (mimp_e2e_encrypt (f->bob, "alice", "ctl", controls, &error));
    g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_TOO_LONG);
    g_clear_error (&error);
  }
  /* The longest text fits. */
  {
    g_autofree char *longest = g_strnfill (MIMP_E2E_MAX_TEXT, 'y');
    g_autoptr (GPtrArray) many = encrypt (f->bob, "alice", "longest", longest);
    g_autoptr (MimpE2eResult) last = NULL;

    g_assert_cmpuint (many->len, <=, 8);
    for (guint i = 0; i + 1 < many->len; i++)
      expect_status (f->alice, "bob", NULL, g_ptr_array_index (many, i), MIMP_E2E_PARTIAL);
    last = decrypt (f->alice, "bob", NULL, g_ptr_array_index (many, many->len - 1));
    g_assert_cmpint (last->status, ==, MIMP_E2E_MESSAGE);
    g_assert_cmpstr (last->text, ==, longest);
  }
}

static void
test_padding (Fixture *f, gconstpointer data)
{
  g_autofree char *two_hundred = g_strnfill (200, 'z');
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *big = g_strnfill (500, 'q');

  establish (f);
  a = encrypt_one (f->bob, "alice", "p-1", "k");
  b = encrypt_one (f->bob, "alice", "p-2", two_hundred);
  c = encrypt_one (f->bob, "alice", "p-3", big);
  g_assert_cmpuint (strlen (a), ==, strlen (b));
  g_assert_cmpuint (strlen (c), >, strlen (b));
  expect_message (f->alice, "bob", NULL, a, "k");
  expect_message (f->alice, "bob", NULL, b, two_hundred);
  expect_message (f->alice, "bob", NULL, c, big);
}

/* A new Bob (reinstalled: a new identity key) fetched Alice's bundle. */
static MimpE2e *
new_bob (Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, "e2e.db", NULL);
  MimpE2e *bob2 = open_or_die (path, "bob@localhost:3290", f->key_b);

  start (bob2, "alice", f->alice);
  return bob2;
}

static void
test_key_change (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpE2e) bob2 = NULL;
  g_autoptr (MimpE2e) bob3 = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *hello3 = NULL;

  establish (f);
  /* An unverified peer's new key is taken, and reported. */
  bob2 = new_bob (f, "b2");
  hello = encrypt_one (bob2, "alice", "n-1", "new phone, who dis");
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "n1", hello);

    g_assert_cmpint (r->status, ==, MIMP_E2E_MESSAGE);
    g_assert_true (r->key_changed);
  }
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_UNVERIFIED);
  reply = encrypt_one (f->alice, "bob", "n-2", "welcome back");
  expect_message (bob2, "alice", NULL, reply, "welcome back");

  /* Now verified; then another new key: sending pauses. */
  g_assert_true (mimp_e2e_set_verified (f->alice, "bob", TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_VERIFIED);
  bob3 = new_bob (f, "b3");
  hello3 = encrypt_one (bob3, "alice", "n-3", "yet another phone");
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", "n3", hello3);

    g_assert_true (r->key_changed);
  }
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_KEY_CHANGED);
  g_assert_null (mimp_e2e_encrypt (f->alice, "bob", "n-4", "paused", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED);
  g_clear_error (&error);
  g_assert_null (mimp_e2e_encrypt_typing (f->alice, "bob", MIMP_E2E_TYPING_ACTIVE, &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_KEY_CHANGED);
  g_clear_error (&error);

  g_assert_true (mimp_e2e_accept_key_change (f->alice, "bob", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_UNVERIFIED);
  {
    g_autofree char *ok = encrypt_one (f->alice, "bob", "n-5", "accepted");

    expect_message (bob3, "alice", NULL, ok, "accepted");
  }

  /* A start_session with a changed key of a verified peer: KEY_CHANGED. */
  g_assert_true (mimp_e2e_set_verified (f->alice, "bob", TRUE, &error));
  g_assert_no_error (error);
  {
    g_autofree char *entry = fetch_entry (bob2, TRUE);

    g_assert_true (mimp_e2e_start_session (f->alice, "bob", entry, &error));
    g_assert_no_error (error);
    g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_KEY_CHANGED);
  }
}

static void
test_storage_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) wrong = mimp_e2e_new_storage_key ();
  g_autoptr (GBytes) short_key = g_bytes_new ("0123456789", 10);
  MimpE2e *e2e;

  g_clear_object (&f->alice);
  e2e = mimp_e2e_open (f->path_a, "alice@localhost:3290", wrong, &error);
  g_assert_null (e2e);
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY);
  g_clear_error (&error);
  e2e = mimp_e2e_open (f->path_a, "alice@localhost:3290", short_key, &error);
  g_assert_null (e2e);
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_STORAGE_KEY);
  g_clear_error (&error);
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  /* A place where no database can be made. */
  e2e = mimp_e2e_open ("/proc/no/such/dir/e2e.db", "alice@localhost:3290", f->key_a, &error);
  g_assert_null (e2e);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Another account in the same file, with its own key. */
  {
    g_autoptr (MimpE2e) other = open_or_die (f->path_a, "alice@elsewhere:3290", wrong);

    g_assert_cmpuint (mimp_e2e_get_device_id (other), !=, mimp_e2e_get_device_id (f->alice));
  }
  /* File modes. */
  {
    GStatBuf st;
    g_autofree char *dir = g_path_get_dirname (f->path_a);

    g_assert_cmpint (g_stat (f->path_a, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpint (g_stat (dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  }
}

static void
exec_sql (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s", message);
  sqlite3_close (db);
}

/* A database of schema version 1 (the first development snapshot) is
 * migrated: sessions kept, key requests and the outbox work. */
static void
test_migrate_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) unsent = NULL;

  establish (f);
  unsent = encrypt (f->alice, "bob", "unsent", "kept across the migration");
  g_clear_object (&f->alice);
  exec_sql (f->path_a, "ALTER TABLE peers DROP COLUMN requested;"
                       "DROP TABLE pending;"
                       "ALTER TABLE outbox RENAME TO o;"
                       "CREATE TABLE outbox (account TEXT NOT NULL, message_id TEXT NOT NULL,"
                       " idx INTEGER NOT NULL, peer TEXT NOT NULL, envelope TEXT NOT NULL,"
                       " PRIMARY KEY (account, message_id, idx));"
                       "INSERT INTO outbox SELECT * FROM o; DROP TABLE o;"
                       "PRAGMA user_version=1;");
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  g_assert_true (mimp_e2e_has_session (f->alice, "bob"));
  {
    g_autoptr (GPtrArray) again = encrypt (f->alice, "bob", "unsent", "kept across the migration");

    g_assert_cmpstr (g_ptr_array_index (again, 0), ==, g_ptr_array_index (unsent, 0));
    expect_message (f->bob, "alice", "mig-1", g_ptr_array_index (again, 0),
                    "kept across the migration");
  }
  g_free (mimp_e2e_key_request (f->alice, "carol", &error));
  g_assert_no_error (error);

  /* A newer schema is refused. */
  g_clear_object (&f->alice);
  exec_sql (f->path_a, "PRAGMA user_version=99;");
  g_assert_null (mimp_e2e_open (f->path_a, "alice@localhost:3290", f->key_a, &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED);
}

static void
test_shared_file (Fixture *f, gconstpointer data)
{
  g_autoptr (MimpE2e) carol = open_or_die (f->path_a, "carol@localhost:3290", f->key_a);
  g_autofree char *hello = NULL;
  g_autofree char *back = NULL;

  /* Alice and Carol in one file. */
  start (carol, "alice", f->alice);
  hello = encrypt_one (carol, "alice", "c-1", "same file");
  expect_message (f->alice, "carol", NULL, hello, "same file");
  back = encrypt_one (f->alice, "carol", "c-2", "same file back");
  expect_message (carol, "alice", NULL, back, "same file back");
}

static void
reopen_both (Fixture *f)
{
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  f->bob = open_or_die (f->path_b, "bob@localhost:3290", f->key_b);
}

/* --- SMP --- */

/* Alice asks, Bob answers; returns Alice's and Bob's last events. */
static void
smp_run (Fixture *f, const char *question, const char *alice_secret, const char *bob_secret,
         MimpE2eResult **alice_end, MimpE2eResult **bob_end)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *start = mimp_e2e_smp_start (f->alice, "bob", question, alice_secret, &error);
  g_autofree char *answer = NULL;
  g_autofree char *step3 = NULL;
  g_autofree char *step4 = NULL;
  g_autoptr (MimpE2eResult) asked = NULL;
  g_autoptr (MimpE2eResult) waiting = NULL;

  g_assert_no_error (error);
  asked = deliver (f->bob, "alice", start);
  g_assert_cmpint (asked->status, ==, MIMP_E2E_CONTROL);
  g_assert_cmpint (asked->smp_event, ==, MIMP_E2E_SMP_ASKED);
  g_assert_cmpstr (asked->smp_question, ==, question);
  answer = mimp_e2e_smp_answer (f->bob, "alice", bob_secret, &error);
  g_assert_no_error (error);
  waiting = deliver (f->alice, "bob", answer);
  g_assert_cmpint (waiting->smp_event, ==, MIMP_E2E_SMP_WAITING);
  step3 = only_reply (waiting);
  *bob_end = deliver (f->bob, "alice", step3);
  step4 = only_reply (*bob_end);
  *alice_end = deliver (f->alice, "bob", step4);
  g_assert_cmpuint ((*alice_end)->replies->len, ==, 0);
}

static void
test_smp_question (Fixture *f, gconstpointer data)
{
  g_autoptr (MimpE2eResult) alice_end = NULL;
  g_autoptr (MimpE2eResult) bob_end = NULL;

  establish (f);
  smp_run (f, "Where did we meet?", "Paris", "  paris ", &alice_end, &bob_end);
  g_assert_cmpint (alice_end->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
  g_assert_true (alice_end->smp_we_verified);
  g_assert_false (alice_end->smp_they_verified);
  g_assert_cmpint (bob_end->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
  g_assert_false (bob_end->smp_we_verified);
  g_assert_true (bob_end->smp_they_verified);
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_VERIFIED);
  g_assert_cmpint (mimp_e2e_get_trust (f->bob, "alice"), ==, MIMP_E2E_TRUST_UNVERIFIED);
}

static void
test_smp_shared_secret (Fixture *f, gconstpointer data)
{
  g_autoptr (MimpE2eResult) alice_end = NULL;
  g_autoptr (MimpE2eResult) bob_end = NULL;

  establish (f);
  smp_run (f, NULL, "correct horse", "Correct  Horse", &alice_end, &bob_end);
  g_assert_cmpint (alice_end->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
  g_assert_true (alice_end->smp_we_verified);
  g_assert_true (alice_end->smp_they_verified);
  g_assert_true (bob_end->smp_we_verified);
  g_assert_true (bob_end->smp_they_verified);
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_VERIFIED);
  g_assert_cmpint (mimp_e2e_get_trust (f->bob, "alice"), ==, MIMP_E2E_TRUST_VERIFIED);
}

static void
test_smp_wrong_and_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  establish (f);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (MimpE2eResult) alice_end = NULL;
      g_autoptr (MimpE2eResult) bob_end = NULL;

      smp_run (f, "Our cat?", "Tiger", "Felix", &alice_end, &bob_end);
      g_assert_cmpint (alice_end->smp_event, ==, MIMP_E2E_SMP_FAILED);
      g_assert_cmpint (bob_end->smp_event, ==, MIMP_E2E_SMP_FAILED);
      g_assert_false (alice_end->smp_we_verified);
      g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_UNVERIFIED);
    }
  g_assert_null (mimp_e2e_smp_start (f->alice, "bob", "Our cat?", "Tiger", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT);
  g_clear_error (&error);
  /* Bob answered three wrong runs too. */
  g_assert_null (mimp_e2e_smp_start (f->bob, "alice", NULL, "x", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_LIMIT);
}

static void
test_smp_abort_and_state (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *stop = NULL;

  establish (f);
  g_assert_null (mimp_e2e_smp_answer (f->bob, "alice", "x", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE);
  g_clear_error (&error);
  g_assert_null (mimp_e2e_smp_abort (f->bob, "alice", &error));
  g_assert_no_error (error);
  g_assert_null (mimp_e2e_smp_start (f->alice, "carol", NULL, "x", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION);
  g_clear_error (&error);

  start = mimp_e2e_smp_start (f->alice, "bob", "Q?", "A", &error);
  g_assert_no_error (error);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->bob, "alice", start);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_ASKED);
  }
  stop = mimp_e2e_smp_abort (f->alice, "bob", &error);
  g_assert_no_error (error);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->bob, "alice", stop);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_FAILED);
  }
  g_assert_null (mimp_e2e_smp_answer (f->bob, "alice", "A", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_SMP_STATE);
}

/* Both start at once: the lower run id goes on, one side is asked. */
static void
test_smp_crossed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *from_alice = NULL;
  g_autofree char *from_bob = NULL;
  g_autoptr (MimpE2eResult) at_bob = NULL;
  g_autoptr (MimpE2eResult) at_alice = NULL;
  MimpE2e *asked, *asker;
  const char *asked_peer, *asker_peer;
  g_autofree char *answer = NULL;
  g_autofree char *step3 = NULL;
  g_autofree char *step4 = NULL;

  establish (f);
  from_alice = mimp_e2e_smp_start (f->alice, "bob", NULL, "tulip", &error);
  g_assert_no_error (error);
  from_bob = mimp_e2e_smp_start (f->bob, "alice", NULL, "tulip", &error);
  g_assert_no_error (error);
  at_bob = deliver (f->bob, "alice", from_alice);
  at_alice = deliver (f->alice, "bob", from_bob);
  g_assert_true ((at_bob->smp_event == MIMP_E2E_SMP_ASKED) !=
                 (at_alice->smp_event == MIMP_E2E_SMP_ASKED));
  asked = at_bob->smp_event == MIMP_E2E_SMP_ASKED ? f->bob : f->alice;
  asker = asked == f->bob ? f->alice : f->bob;
  asked_peer = asked == f->bob ? "alice" : "bob";
  asker_peer = asked == f->bob ? "bob" : "alice";
  answer = mimp_e2e_smp_answer (asked, asked_peer, "TULIP", &error);
  g_assert_no_error (error);
  {
    g_autoptr (MimpE2eResult) r = deliver (asker, asker_peer, answer);

    step3 = only_reply (r);
  }
  {
    g_autoptr (MimpE2eResult) r = deliver (asked, asked_peer, step3);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
    step4 = only_reply (r);
  }
  {
    g_autoptr (MimpE2eResult) r = deliver (asker, asker_peer, step4);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
  }
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_VERIFIED);
  g_assert_cmpint (mimp_e2e_get_trust (f->bob, "alice"), ==, MIMP_E2E_TRUST_VERIFIED);
}

/* A run survives closing both sides between every step. */
static void
test_smp_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *start = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *step3 = NULL;
  g_autofree char *step4 = NULL;

  establish (f);
  start = mimp_e2e_smp_start (f->alice, "bob", "Colour?", "blue", &error);
  g_assert_no_error (error);
  reopen_both (f);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->bob, "alice", start);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_ASKED);
  }
  reopen_both (f);
  answer = mimp_e2e_smp_answer (f->bob, "alice", "Blue", &error);
  g_assert_no_error (error);
  reopen_both (f);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->alice, "bob", answer);

    step3 = only_reply (r);
  }
  reopen_both (f);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->bob, "alice", step3);

    step4 = only_reply (r);
  }
  reopen_both (f);
  {
    g_autoptr (MimpE2eResult) r = deliver (f->alice, "bob", step4);

    g_assert_cmpint (r->smp_event, ==, MIMP_E2E_SMP_SUCCEEDED);
    g_assert_true (r->smp_we_verified);
  }
  g_assert_cmpint (mimp_e2e_get_trust (f->alice, "bob"), ==, MIMP_E2E_TRUST_VERIFIED);
}

static void
test_safety_number (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_auto (GStrv) groups = NULL;

  g_assert_null (mimp_e2e_safety_number (f->alice, "alice", "bob", &error));
  g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_NO_SESSION);
  g_clear_error (&error);
  establish (f);
  ours = mimp_e2e_safety_number (f->alice, "alice", "bob", &error);
  g_assert_no_error (error);
  theirs = mimp_e2e_safety_number (f->bob, "bob", "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ours, ==, theirs);
  groups = g_strsplit (ours, " ", -1);
  g_assert_cmpuint (g_strv_length (groups), ==, 12);
  for (guint i = 0; i < 12; i++)
    {
      g_assert_cmpuint (strlen (groups[i]), ==, 5);
      for (guint j = 0; j < 5; j++)
        g_assert_true (g_ascii_isdigit (groups[i][j]));
    }
}

static void
test_reopen (Fixture *f, gconstpointer data)
{
  g_autofree char *m1 = NULL;
  g_autofree char *m2 = NULL;

  establish (f);
  m1 = encrypt_one (f->bob, "alice", "re-1", "before closing");
  reopen_both (f);
  g_assert_true (mimp_e2e_has_session (f->alice, "bob"));
  expect_message (f->alice, "bob", NULL, m1, "before closing");
  m2 = encrypt_one (f->alice, "bob", "re-2", "after reopening");
  expect_message (f->bob, "alice", NULL, m2, "after reopening");
}

static void
test_typing_and_resend (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *typing = NULL;
  g_autofree char *m1 = NULL;
  g_autofree char *ask = NULL;
  g_autofree char *again = NULL;

  establish (f);
  typing = mimp_e2e_encrypt_typing (f->bob, "alice", MIMP_E2E_TYPING_IDLE, &error);
  g_assert_no_error (error);
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", NULL, typing);

    g_assert_cmpint (r->status, ==, MIMP_E2E_CONTROL);
    g_assert_true (r->has_typing);
    g_assert_cmpint (r->typing, ==, MIMP_E2E_TYPING_IDLE);
  }
  /* A lost typing message is no gap. */
  g_free (mimp_e2e_encrypt_typing (f->bob, "alice", MIMP_E2E_TYPING_ACTIVE, &error));
  m1 = encrypt_one (f->bob, "alice", "rs-1", PHRASE_3);
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->alice, "bob", NULL, m1);

    g_assert_cmpstr (r->text, ==, PHRASE_3);
    g_assert_cmpuint (r->missing, ==, 0);
  }

  ask = mimp_e2e_request_resend (f->alice, "bob", &error);
  g_assert_no_error (error);
  g_assert_nonnull (ask);
  again = mimp_e2e_request_resend (f->alice, "bob", &error);
  g_assert_no_error (error);
  g_assert_null (again);
  {
    g_autoptr (MimpE2eResult) r = decrypt (f->bob, "alice", NULL, ask);
    gboolean found = FALSE;

    g_assert_cmpint (r->status, ==, MIMP_E2E_CONTROL);
    g_assert_true (r->resend_requested);
    g_assert_nonnull (r->resend_ids);
    for (guint i = 0; i < r->resend_ids->len; i++)
      if (g_str_equal (g_ptr_array_index (r->resend_ids, i), "rs-1"))
        found = TRUE;
    g_assert_true (found);
  }
  {
    g_autofree char *text = mimp_e2e_get_sent_text (f->bob, "alice", "rs-1");
    g_autofree char *none = mimp_e2e_get_sent_text (f->bob, "alice", "nope");

    g_assert_cmpstr (text, ==, PHRASE_3);
    g_assert_null (none);
  }
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

static void
test_no_plaintext_on_disk (Fixture *f, gconstpointer data)
{
  const char *phrases[] = { PHRASE_1, PHRASE_2, PHRASE_3 };
  const char *files[] = { f->path_a, f->path_b };

  establish (f);
  for (gsize i = 0; i < G_N_ELEMENTS (phrases); i++)
    {
      g_autofree char *id = g_strdup_printf ("d-%zu", i);
      g_autofree char *env = encrypt_one (f->bob, "alice", id, phrases[i]);
      g_autofree char *big = g_strjoin (" ", phrases[i], phrases[i], NULL);
      g_autofree char *bid = g_strdup_printf ("db-%zu", i);
      g_autofree char *benv = encrypt_one (f->alice, "bob", bid, big);

      expect_message (f->alice, "bob", NULL, env, phrases[i]);
      /* Bob keeps the fragment-free text in its sent list only sealed. */
      (void) benv;
    }
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  for (gsize j = 0; j < G_N_ELEMENTS (files); j++)
    {
      g_autofree char *wal = g_strconcat (files[j], "-wal", NULL);

      for (gsize i = 0; i < G_N_ELEMENTS (phrases); i++)
        {
          g_assert_false (file_contains (files[j], phrases[i]));
          g_assert_false (file_contains (wal, phrases[i]));
        }
      /* The check can fail: the file is there and readable. */
      g_assert_true (file_contains (files[j], "SQLite format 3"));
    }
}

/* --- crashes --- */

static void
write_all (int fd, const char *text)
{
  gsize len = strlen (text) + 1;

  while (len > 0)
    {
      gssize n = write (fd, text, len);

      if (n <= 0)
        _exit (3);
      text += n;
      len -= (gsize) n;
    }
}

static char *
read_all (int fd)
{
  GString *out = g_string_new (NULL);
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);
  return g_string_free (out, FALSE);
}

static void
wait_killed (pid_t pid)
{
  int status = 0;

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
}

/* A child process opens Alice, decrypts @envelope (server id @server_id),
 * hands the text over (the caller "stores" it), marks it delivered when
 * @deliver, and is killed. Returns the text it handed over. */
static char *
crash_after_decrypt (Fixture *f, const char *server_id, const char *envelope, gboolean deliver)
{
  int fds[2];
  pid_t pid;
  char *text;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      MimpE2e *alice;
      MimpE2eResult *r;

      close (fds[0]);
      alice = mimp_e2e_open (f->path_a, "alice@localhost:3290", f->key_a, NULL);
      if (alice == NULL)
        _exit (1);
      r = mimp_e2e_decrypt (alice, "bob", server_id, envelope, NULL);
      if (r == NULL || r->status != MIMP_E2E_MESSAGE)
        _exit (2);
      write_all (fds[1], r->text);
      if (deliver && !mimp_e2e_delivered (alice, server_id, NULL))
        _exit (5);
      raise (SIGKILL);
      _exit (4);
    }
  close (fds[1]);
  text = read_all (fds[0]);
  close (fds[0]);
  wait_killed (pid);
  return text;
}

static void
test_crash (Fixture *f, gconstpointer data)
{
  g_autofree char *m1 = NULL;
  g_autofree char *m2 = NULL;
  g_autofree char *child_text = NULL;
  g_autofree char *child_envelope = NULL;
  int fds[2];
  pid_t pid;

  establish (f);
  m1 = encrypt_one (f->bob, "alice", "c-1", "survives a crash");
  m2 = encrypt_one (f->bob, "alice", "c-2", "and the next one too");
  g_clear_object (&f->alice);

  /* Killed after decrypting, before marking it delivered. */
  child_text = crash_after_decrypt (f, "crash-1", m1, FALSE);
  g_assert_cmpstr (child_text, ==, "survives a crash");

  /* Redelivered after the restart, before it was marked delivered: the
   * same result again, nothing lost; once delivered, a duplicate; the
   * session goes on. */
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MimpE2eResult) again = mimp_e2e_decrypt (f->alice, "bob", "crash-1", m1, &error);
    g_autoptr (MimpE2eResult) twice = mimp_e2e_decrypt (f->alice, "bob", "crash-1", m1, &error);

    g_assert_no_error (error);
    g_assert_cmpint (again->status, ==, MIMP_E2E_MESSAGE);
    g_assert_cmpstr (again->text, ==, "survives a crash");
    g_assert_cmpstr (again->message_id, ==, "c-1");
    g_assert_cmpint (twice->status, ==, MIMP_E2E_MESSAGE);
    g_assert_cmpstr (twice->text, ==, "survives a crash");
    g_assert_true (mimp_e2e_delivered (f->alice, "crash-1", &error));
    g_assert_no_error (error);
  }
  expect_status (f->alice, "bob", "crash-1", m1, MIMP_E2E_DUPLICATE);
  g_clear_object (&f->alice);

  /* Killed right after marking it delivered: a duplicate after restart. */
  g_free (child_text);
  child_text = crash_after_decrypt (f, "crash-2", m2, TRUE);
  g_assert_cmpstr (child_text, ==, "and the next one too");
  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  expect_status (f->alice, "bob", "crash-2", m2, MIMP_E2E_DUPLICATE);
  {
    g_autofree char *m3 = encrypt_one (f->bob, "alice", "c-3", "the session goes on");

    expect_message (f->alice, "bob", "crash-3", m3, "the session goes on");
  }
  g_clear_object (&f->alice);

  /* The child encrypts and is killed before sending: the retry sends the
   * same bytes, which Bob reads once. */
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      MimpE2e *alice;
      GPtrArray *envelopes;

      close (fds[0]);
      alice = mimp_e2e_open (f->path_a, "alice@localhost:3290", f->key_a, NULL);
      if (alice == NULL)
        _exit (1);
      envelopes = mimp_e2e_encrypt (alice, "bob", "crash-out", "sent after a crash", NULL);
      if (envelopes == NULL || envelopes->len != 1)
        _exit (2);
      write_all (fds[1], g_ptr_array_index (envelopes, 0));
      raise (SIGKILL);
      _exit (4);
    }
  close (fds[1]);
  child_envelope = read_all (fds[0]);
  close (fds[0]);
  wait_killed (pid);

  f->alice = open_or_die (f->path_a, "alice@localhost:3290", f->key_a);
  {
    g_autofree char *retry = encrypt_one (f->alice, "bob", "crash-out", "sent after a crash");
    g_autofree char *next = NULL;

    g_assert_cmpstr (retry, ==, child_envelope);
    expect_message (f->bob, "alice", "o1", retry, "sent after a crash");
    expect_status (f->bob, "alice", "o2", child_envelope, MIMP_E2E_DUPLICATE);
    next = encrypt_one (f->alice, "bob", "crash-next", "still in step");
    expect_message (f->bob, "alice", "o3", next, "still in step");
  }
}

/* --- the worker --- */

typedef struct
{
  GMainLoop *loop;
  GPtrArray *order;
  guint pending;
} WorkerState;

static gpointer
work_encrypt (MimpE2e *e2e, gpointer data, GError **error)
{
  return mimp_e2e_encrypt (e2e, "alice", data, data, error);
}

static gpointer
work_fail (MimpE2e *e2e, gpointer data, GError **error)
{
  g_set_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED, "expected");
  return NULL;
}

static void
work_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  WorkerState *state = user_data;
  g_autoptr (GError) error = NULL;
  GPtrArray *envelopes = mimp_e2e_worker_run_finish (MIMP_E2E_WORKER (source), res, &error);

  if (envelopes == NULL)
    {
      g_assert_error (error, MIMP_E2E_ERROR, MIMP_E2E_ERROR_FAILED);
      g_ptr_array_add (state->order, g_strdup ("failed"));
    }
  else
    {
      g_ptr_array_add (state->order, g_strdup (g_ptr_array_index (envelopes, 0)));
      g_ptr_array_unref (envelopes);
    }
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
test_worker (Fixture *f, gconstpointer data)
{
  g_autoptr (MimpE2eWorker) worker = NULL;
  WorkerState state = { 0 };

  start (f->bob, "alice", f->alice);
  worker = mimp_e2e_worker_new (f->bob);
  state.loop = g_main_loop_new (NULL, FALSE);
  state.order = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < 5; i++)
    {
      state.pending++;
      mimp_e2e_worker_run_async (worker, work_encrypt, g_strdup_printf ("w-%d", i), g_free,
                                 (GDestroyNotify) g_ptr_array_unref, NULL, work_done, &state);
    }
  state.pending++;
  mimp_e2e_worker_run_async (worker, work_fail, NULL, NULL, NULL, NULL, work_done, &state);
  g_main_loop_run (state.loop);
  mimp_e2e_worker_close (worker);
  g_clear_object (&f->bob);

  g_assert_cmpuint (state.order->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (state.order, 5), ==, "failed");
  /* In order: Alice reads them in the order they were made. */
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("w-%d", i);
      g_autoptr (MimpE2eResult) r =
          decrypt (f->alice, "bob", NULL, g_ptr_array_index (state.order, i));

      g_assert_cmpstr (r->text, ==, text);
      g_assert_cmpuint (r->missing, ==, 0);
    }
  g_ptr_array_unref (state.order);
  g_main_loop_unref (state.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/e2e/session/bundle", test_bundle_session);
  ADD ("/e2e/session/bad-bundle", test_bad_bundle);
  ADD ("/e2e/session/publish", test_bundle_publish);
  ADD ("/e2e/session/in-band", test_inband);
  ADD ("/e2e/session/in-band-crossed", test_inband_crossed);
  ADD ("/e2e/session/in-band-flood", test_inband_flood);
  ADD ("/e2e/messages/order-gaps-replay", test_order_and_gaps);
  ADD ("/e2e/messages/tamper", test_tamper);
  ADD ("/e2e/messages/reflection", test_reflection);
  ADD ("/e2e/messages/fragments", test_fragments);
  ADD ("/e2e/messages/padding", test_padding);
  ADD ("/e2e/messages/typing-resend", test_typing_and_resend);
  ADD ("/e2e/trust/key-change", test_key_change);
  ADD ("/e2e/storage/key", test_storage_key);
  ADD ("/e2e/storage/shared-file", test_shared_file);
  ADD ("/e2e/storage/reopen", test_reopen);
  ADD ("/e2e/storage/migrate-v1", test_migrate_v1);
  ADD ("/e2e/storage/crash", test_crash);
  ADD ("/e2e/storage/no-plaintext", test_no_plaintext_on_disk);
  ADD ("/e2e/worker", test_worker);
  ADD ("/e2e/smp/question", test_smp_question);
  ADD ("/e2e/smp/shared-secret", test_smp_shared_secret);
  ADD ("/e2e/smp/wrong-and-limit", test_smp_wrong_and_limit);
  ADD ("/e2e/smp/abort-and-state", test_smp_abort_and_state);
  ADD ("/e2e/smp/crossed", test_smp_crossed);
  ADD ("/e2e/smp/reopen", test_smp_reopen);
  ADD ("/e2e/smp/safety-number", test_safety_number);
#undef ADD
  return g_test_run ();
}
