/* mimp-bench-e2e.c - what private chats cost: encrypting and decrypting a
 * message (libmimpe2e: a ratchet step, padding, one SQLite commit per
 * call), starting a session, a full SMP run, next to a plain baseline
 * measured in the same run (the same message JSON-encoded, enciphered and
 * deciphered with libmimp's stream cipher, and parsed again: what a plain
 * MIMP message costs a client).
 *
 * Prints one JSON object with the figures and the ratios; asserts nothing.
 * A message's wall time is mostly the four fsyncs of its commits (encrypt,
 * sent, decrypt, delivered); its CPU time is printed beside it.
 * The databases live in a temporary directory (TMPDIR), removed at the end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-bench"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mimp-e2e.h"
#include "mimp.h"

static int opt_messages = 10000;
static int opt_size = 100;
static int opt_sessions = 20;
static int opt_smp_runs = 3;

static const GOptionEntry entries[] = {
  { "messages", 'n', 0, G_OPTION_ARG_INT, &opt_messages, "Messages encrypted and decrypted (10000)",
    "N" },
  { "size", 's', 0, G_OPTION_ARG_INT, &opt_size, "Bytes of text per message (100)", "N" },
  { "sessions", 0, 0, G_OPTION_ARG_INT, &opt_sessions, "Sessions started (20)", "N" },
  { "smp-runs", 0, 0, G_OPTION_ARG_INT, &opt_smp_runs, "Full SMP runs (3)", "N" },
  { NULL },
};

static gint64
now_ns (void)
{
  return g_get_monotonic_time () * 1000;
}

static gint64
cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static volatile gsize sink;

/* The plain baseline: JSON-encode, encipher, decipher, parse. */
static double
baseline_ns (const char *text, int count)
{
  guint8 key[MIMP_KEY_SIZE];
  gint64 t0;

  memset (key, 0x5a, sizeof key);
  t0 = now_ns ();
  for (int i = 0; i < count; i++)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *id = g_strdup_printf ("m-%d", i);
      g_autofree char *json = NULL;
      gsize len;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ut");
      json_builder_add_string_value (builder, "bob");
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "ms");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json = json_to_string (root, FALSE);
      len = strlen (json);
      mimp_xor ((guint8 *) json, len, key, 0);
      mimp_xor ((guint8 *) json, len, key, 0);
      if (json_parser_load_from_data (parser, json, (gssize) len, NULL))
        sink += len;
    }
  return (double) (now_ns () - t0) / count;
}

static MimpE2e *
open_account (const char *dir, const char *name, GBytes *key)
{
  g_autofree char *path = g_build_filename (dir, name, "e2e.db", NULL);
  g_autoptr (GError) error = NULL;
  MimpE2e *e2e = mimp_e2e_open (path, name, key, &error);

  if (e2e == NULL)
    g_error ("cannot open a private-chat database: %s", error->message);
  return e2e;
}

/* A fetch entry: the published bundle with its first one-time prekey. */
static char *
fetch_entry (MimpE2e *e2e)
{
  g_autofree char *bundle = mimp_e2e_bundle_to_publish (e2e, 1, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonNode *pk;

  if (bundle == NULL || !json_parser_load_from_data (parser, bundle, -1, NULL))
    g_error ("no bundle");
  object = json_node_get_object (json_parser_get_root (parser));
  pk = json_node_copy (json_array_get_element (json_object_get_array_member (object, "pk"), 0));
  json_object_remove_member (object, "pk");
  json_object_set_member (object, "pk", pk);
  mimp_e2e_bundle_published (e2e, NULL);
  return json_to_string (json_parser_get_root (parser), FALSE);
}

static void
must_decrypt (MimpE2e *e2e, const char *peer, const char *server_id, const char *envelope,
              MimpE2eStatus status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpE2eResult) result = mimp_e2e_decrypt (e2e, peer, server_id, envelope, &error);

  if (result == NULL || result->status != status)
    g_error ("decrypt failed");
  mimp_e2e_delivered (e2e, server_id, NULL);
}

static char *
one_envelope (MimpE2e *e2e, const char *peer, const char *id, const char *text)
{
  g_autoptr (GPtrArray) envelopes = mimp_e2e_encrypt (e2e, peer, id, text, NULL);

  if (envelopes == NULL || envelopes->len != 1)
    g_error ("encrypt failed");
  mimp_e2e_sent (e2e, id, NULL);
  return g_strdup (g_ptr_array_index (envelopes, 0));
}

/* Messages both ways, ten at a time in each direction (so DH ratchet
 * steps are part of it); returns ns per message (encrypt + decrypt). */
static double
messages_ns (MimpE2e *alice, MimpE2e *bob, const char *text, int count, gsize *envelope_len,
             double *cpu)
{
  gint64 t0 = now_ns ();
  gint64 c0 = cpu_ns ();

  for (int i = 0; i < count; i++)
    {
      gboolean from_alice = (i / 10) % 2 == 0;
      g_autofree char *id = g_strdup_printf ("m-%d", i);
      g_autofree char *envelope =
          one_envelope (from_alice ? alice : bob, from_alice ? "bob" : "alice", id, text);

      *envelope_len = strlen (envelope);
      must_decrypt (from_alice ? bob : alice, from_alice ? "alice" : "bob", id, envelope,
                    MIMP_E2E_MESSAGE);
    }
  *cpu = (double) (cpu_ns () - c0) / count;
  return (double) (now_ns () - t0) / count;
}

/* A full SMP run with a shared secret; returns ns per run. */
static double
smp_ns (MimpE2e *alice, MimpE2e *bob, int runs)
{
  gint64 t0 = now_ns ();

  for (int i = 0; i < runs; i++)
    {
      g_autofree char *start = mimp_e2e_smp_start (alice, "bob", NULL, "bench secret", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (MimpE2eResult) asked = NULL;
      g_autoptr (MimpE2eResult) waiting = NULL;
      g_autoptr (MimpE2eResult) bob_end = NULL;
      g_autoptr (MimpE2eResult) alice_end = NULL;
      g_autofree char *answer = NULL;

      if (start == NULL)
        g_error ("smp start failed");
      asked = mimp_e2e_decrypt (bob, "alice", NULL, start, &error);
      answer = mimp_e2e_smp_answer (bob, "alice", "bench secret", &error);
      if (answer == NULL)
        g_error ("smp answer failed");
      waiting = mimp_e2e_decrypt (alice, "bob", NULL, answer, &error);
      if (waiting == NULL || waiting->replies->len != 1)
        g_error ("smp step 3 failed");
      bob_end =
          mimp_e2e_decrypt (bob, "alice", NULL, g_ptr_array_index (waiting->replies, 0), &error);
      if (bob_end == NULL || bob_end->replies->len != 1)
        g_error ("smp step 4 failed");
      alice_end =
          mimp_e2e_decrypt (alice, "bob", NULL, g_ptr_array_index (bob_end->replies, 0), &error);
      if (alice_end == NULL || alice_end->smp_event != MIMP_E2E_SMP_SUCCEEDED)
        g_error ("smp did not match");
    }
  return (double) (now_ns () - t0) / runs;
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

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- private-chat costs");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autoptr (MimpE2e) alice = NULL;
  g_autoptr (MimpE2e) bob = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *first = NULL;
  double base, per_message, per_message_cpu = 0, open_ns, start_ns, smp = 0;
  gsize envelope_len = 0;
  gint64 t0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  opt_messages = CLAMP (opt_messages, 1, 1000000);
  opt_size = CLAMP (opt_size, 1, MIMP_E2E_MAX_TEXT / 8);
  opt_sessions = CLAMP (opt_sessions, 1, 1000);
  opt_smp_runs = CLAMP (opt_smp_runs, 0, 100);

  dir = g_dir_make_tmp ("mimp-bench-e2e-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  key = mimp_e2e_new_storage_key ();
  text = g_strnfill ((gsize) opt_size, 'x');

  base = baseline_ns (text, opt_messages);

  t0 = now_ns ();
  alice = open_account (dir, "alice", key);
  bob = open_account (dir, "bob", key);
  open_ns = (double) (now_ns () - t0) / 2;

  /* Session starts: new peers fetch Alice's bundle and send a first
   * message. */
  t0 = now_ns ();
  for (int i = 0; i < opt_sessions; i++)
    {
      g_autofree char *name = g_strdup_printf ("peer%d", i);
      g_autofree char *peer_entry = fetch_entry (alice);
      g_autoptr (GPtrArray) hello = NULL;

      if (!mimp_e2e_start_session (bob, name, peer_entry, &error))
        g_error ("start_session failed: %s", error->message);
      hello = mimp_e2e_encrypt (bob, name, name, "hello", NULL);
      if (hello == NULL)
        g_error ("encrypt failed");
    }
  start_ns = (double) (now_ns () - t0) / opt_sessions;

  entry = fetch_entry (alice);
  if (!mimp_e2e_start_session (bob, "alice", entry, &error))
    g_error ("start_session failed: %s", error->message);
  first = one_envelope (bob, "alice", "first", "first");
  must_decrypt (alice, "bob", "first", first, MIMP_E2E_MESSAGE);

  per_message = messages_ns (alice, bob, text, opt_messages, &envelope_len, &per_message_cpu);
  if (opt_smp_runs > 0)
    smp = smp_ns (alice, bob, opt_smp_runs);

  g_clear_object (&alice);
  g_clear_object (&bob);
  remove_tree (dir);

  printf ("{\n");
  printf ("  \"messages\": %d, \"text_bytes\": %d, \"envelope_bytes\": %zu,\n", opt_messages,
          opt_size, envelope_len);
  printf ("  \"plain_us_per_message\": %.2f,\n", base / 1000);
  printf ("  \"e2e_us_per_message\": %.2f,\n", per_message / 1000);
  printf ("  \"e2e_vs_plain\": %.1f,\n", per_message / base);
  printf ("  \"e2e_cpu_us_per_message\": %.2f,\n", per_message_cpu / 1000);
  printf ("  \"e2e_cpu_vs_plain\": %.1f,\n", per_message_cpu / base);
  printf ("  \"open_first_use_ms\": %.2f,\n", open_ns / 1e6);
  printf ("  \"session_start_ms\": %.3f,\n", start_ns / 1e6);
  printf ("  \"session_start_vs_message\": %.1f,\n", start_ns / per_message);
  if (opt_smp_runs > 0)
    {
      printf ("  \"smp_run_ms\": %.2f,\n", smp / 1e6);
      printf ("  \"smp_run_vs_message\": %.1f,\n", smp / per_message);
    }
  printf ("  \"note\": \"one SQLite commit (fsync) per call; figures depend on the disk\"\n");
  printf ("}\n");
  return 0;
}
