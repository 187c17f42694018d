/* test-smp.c - the Socialist Millionaire Protocol (libotr's engine) with
 * bound secrets, answer normalisation, saved runs, hostile step messages,
 * and safety numbers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gcrypt.h>
#include <glib.h>

#include "mimp-e2e-smp.h"

/* A made-up identity key: the 0x05 type byte and 32 bytes first, first+1… */
static GBytes *
make_key (guint8 first)
{
  guint8 key[33] = { 0x05 };

  for (guint i = 1; i < sizeof key; i++)
    key[i] = first + i - 1;
  return g_bytes_new (key, sizeof key);
}

static GBytes *
make_run_id (void)
{
  guint8 id[16];

  gcry_randomize (id, sizeof id, GCRY_STRONG_RANDOM);
  return g_bytes_new (id, sizeof id);
}

static GBytes *
bind (GBytes *initiator_key, GBytes *responder_key, GBytes *run_id, const char *answer)
{
  GBytes *bound = mimp_e2e_smp_bind_secret (initiator_key, responder_key, run_id, answer);

  g_assert_nonnull (bound);
  g_assert_cmpuint (g_bytes_get_size (bound), ==, 32);
  return bound;
}

/* Cryptully's way: the answer alone, bound to nothing. */
static GBytes *
unbound (const char *answer)
{
  g_autofree char *normalized = mimp_e2e_smp_normalize (answer);
  guint8 digest[32];

  gcry_md_hash_buffer (GCRY_MD_SHA256, digest, normalized, strlen (normalized));
  return g_bytes_new (digest, sizeof digest);
}

/* Replaces *smp by what its saved bytes load into, and checks that saving
 * the loaded run gives the same bytes. */
static void
reload (MimpE2eSmp **smp)
{
  g_autoptr (GBytes) saved = mimp_e2e_smp_save (*smp);
  g_autoptr (GBytes) again = NULL;
  MimpE2eSmp *loaded;

  g_assert_nonnull (saved);
  loaded = mimp_e2e_smp_load (saved);
  g_assert_nonnull (loaded);
  again = mimp_e2e_smp_save (loaded);
  g_assert_true (g_bytes_equal (saved, again));
  mimp_e2e_smp_free (*smp);
  *smp = loaded;
}

typedef struct
{
  GBytes *msg[4]; /* steps 1 to 4 as sent */
  MimpE2eSmpStep initiator, responder;
} Run;

static void
run_clear (Run *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->msg); i++)
    g_clear_pointer (&run->msg[i], g_bytes_unref);
}

/* A whole run between an initiator and a responder, each with the secret it
 * bound; with reload, both are saved and loaded again after every step. */
static void
run_smp (GBytes *initiator_secret, GBytes *responder_secret, gboolean with_reload, Run *run)
{
  g_autoptr (MimpE2eSmp) initiator = mimp_e2e_smp_new ();
  g_autoptr (MimpE2eSmp) responder = mimp_e2e_smp_new ();
  GBytes *none = NULL;

  memset (run, 0, sizeof *run);

  if (with_reload)
    reload (&initiator);
  run->msg[0] = mimp_e2e_smp_initiate (initiator, initiator_secret);
  g_assert_nonnull (run->msg[0]);
  if (with_reload)
    reload (&initiator);

  g_assert_cmpint (mimp_e2e_smp_receive_start (responder, run->msg[0]), ==,
                   MIMP_E2E_SMP_STEP_CONTINUE);
  if (with_reload)
    reload (&responder);
  run->msg[1] = mimp_e2e_smp_respond (responder, responder_secret);
  g_assert_nonnull (run->msg[1]);
  if (with_reload)
    reload (&responder);

  g_assert_cmpint (mimp_e2e_smp_step (initiator, run->msg[1], &run->msg[2]), ==,
                   MIMP_E2E_SMP_STEP_CONTINUE);
  g_assert_nonnull (run->msg[2]);
  if (with_reload)
    reload (&initiator);

  run->responder = mimp_e2e_smp_step (responder, run->msg[2], &run->msg[3]);
  g_assert_nonnull (run->msg[3]);
  if (with_reload)
    reload (&responder);

  run->initiator = mimp_e2e_smp_step (initiator, run->msg[3], &none);
  g_assert_null (none);
  if (with_reload)
    reload (&initiator);

  for (guint i = 0; i < G_N_ELEMENTS (run->msg); i++)
    g_assert_cmpuint (g_bytes_get_size (run->msg[i]), <, 4096);
}

/* A run between Alice and Bob with what each typed. */
static void
assert_run (const char *asked, const char *answered, gboolean with_reload, MimpE2eSmpStep expected)
{
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) run_id = make_run_id ();
  g_autoptr (GBytes) asked_bound = bind (alice, bob, run_id, asked);
  g_autoptr (GBytes) answered_bound = bind (alice, bob, run_id, answered);
  Run run;

  run_smp (asked_bound, answered_bound, with_reload, &run);
  g_assert_cmpint (run.initiator, ==, expected);
  g_assert_cmpint (run.responder, ==, expected);
  run_clear (&run);
}

static void
test_match (void)
{
  assert_run ("Paris", "  paris ", FALSE, MIMP_E2E_SMP_STEP_MATCH);
}

static void
test_no_match (void)
{
  assert_run ("Paris", "London", FALSE, MIMP_E2E_SMP_STEP_NO_MATCH);
}

/* Mallory sits between Alice and Bob: each has a session with her, believing
 * it is with the other, so each sees one of her keys as the peer's. She
 * relays the SMP messages unchanged from one session to the other (she does
 * not know the answer, so she cannot answer either side herself). Both type
 * the same answer. */
static void
test_man_in_the_middle (void)
{
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) mallory_to_alice = make_key (101); /* Alice takes it for Bob's */
  g_autoptr (GBytes) mallory_to_bob = make_key (151);   /* Bob takes it for Alice's */
  g_autoptr (GBytes) run_id = make_run_id ();
  g_autoptr (GBytes) alice_bound = bind (alice, mallory_to_alice, run_id, "Paris");
  g_autoptr (GBytes) bob_bound = bind (mallory_to_bob, bob, run_id, "Paris");
  g_autoptr (GBytes) alice_unbound = unbound ("Paris");
  g_autoptr (GBytes) bob_unbound = unbound ("Paris");
  Run run;

  /* Bound as OTR v3 binds it: the relay is detected. */
  run_smp (alice_bound, bob_bound, FALSE, &run);
  g_assert_cmpint (run.initiator, ==, MIMP_E2E_SMP_STEP_NO_MATCH);
  g_assert_cmpint (run.responder, ==, MIMP_E2E_SMP_STEP_NO_MATCH);
  run_clear (&run);

  /* The same relay against the answer alone (Cryptully): it passes. So the
   * binding, not the protocol, is what catches Mallory. */
  run_smp (alice_unbound, bob_unbound, FALSE, &run);
  g_assert_cmpint (run.initiator, ==, MIMP_E2E_SMP_STEP_MATCH);
  g_assert_cmpint (run.responder, ==, MIMP_E2E_SMP_STEP_MATCH);
  run_clear (&run);
}

static void
assert_normalized (const char *answer, const char *expected)
{
  g_autofree char *normalized = mimp_e2e_smp_normalize (answer);

  g_assert_cmpstr (normalized, ==, expected);
}

static void
test_normalize (void)
{
  assert_normalized ("  Paris ", "paris");
  assert_normalized ("PARIS", "paris");
  assert_normalized ("paris", "paris");
  assert_normalized ("Pa ris", "pa ris");
  assert_normalized ("New \t\n  York", "new york");
  /* é composed (U+00E9) and decomposed (e U+0301) */
  assert_normalized ("Caf\xc3\xa9", "caf\xc3\xa9");
  assert_normalized ("Cafe\xcc\x81", "caf\xc3\xa9");
  /* accents still count */
  assert_normalized ("Dubl\xc3\xadn", "dubl\xc3\xadn");
  /* case folding, not lower-casing: ß is ss */
  assert_normalized ("Stra\xc3\x9f"
                     "e",
                     "strasse");
  assert_normalized ("STRASSE", "strasse");
  /* NFKC: full-width letters (U+FF30 …), the ﬁ ligature, no-break space and
   * ideographic space */
  assert_normalized ("\xef\xbc\xb0\xef\xbd\x81\xef\xbd\x92\xef\xbd\x89\xef\xbd\x93", "paris");
  assert_normalized ("\xef\xac\x81sh", "fish");
  assert_normalized ("\xc2\xa0New\xc2\xa0York\xe3\x80\x80", "new york");
  /* folding decomposes ǰ (U+01F0): composed again */
  assert_normalized ("\xc7\xb0", "\xc7\xb0");
  assert_normalized ("   ", "");
  assert_normalized ("", "");
  g_assert_null (mimp_e2e_smp_normalize ("Par\xffis"));
  g_assert_null (mimp_e2e_smp_normalize ("\xc3"));
}

static char *
to_hex (GBytes *bytes)
{
  GString *hex = g_string_new (NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  return g_string_free (hex, FALSE);
}

static void
test_bind (void)
{
  static const guint8 zero_to_15[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) run_id = g_bytes_new_static (zero_to_15, sizeof zero_to_15);
  g_autoptr (GBytes) other_run = make_run_id ();
  g_autoptr (GBytes) short_run = g_bytes_new_static (zero_to_15, 15);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) ab = g_bytes_new_static ("ab", 2);
  g_autoptr (GBytes) c = g_bytes_new_static ("c", 1);
  g_autoptr (GBytes) a = g_bytes_new_static ("a", 1);
  g_autoptr (GBytes) bc = g_bytes_new_static ("bc", 2);
  g_autoptr (GBytes) paris = bind (alice, bob, run_id, "Paris");
  g_autoptr (GBytes) paris2 = bind (alice, bob, run_id, "  PARIS ");
  g_autoptr (GBytes) pa_ris = bind (alice, bob, run_id, "Pa ris");
  g_autoptr (GBytes) swapped = bind (bob, alice, run_id, "Paris");
  g_autoptr (GBytes) other = bind (alice, bob, other_run, "Paris");
  g_autoptr (GBytes) composed = bind (alice, bob, run_id, "caf\xc3\xa9");
  g_autoptr (GBytes) decomposed = bind (alice, bob, run_id, "cafe\xcc\x81");
  g_autoptr (GBytes) split1 = bind (ab, c, run_id, "Paris");
  g_autoptr (GBytes) split2 = bind (a, bc, run_id, "Paris");
  g_autofree char *hex = NULL;

  /* Pinned: SHA-256 of "Mimp SMP v1" || be32(33) || alice || be32(33) ||
   * bob || 00 01 … 0f || "paris", computed once with Python's hashlib:
   *   ka = bytes([5]) + bytes(range(1, 33)); kb = bytes([5]) + bytes(range(33, 65))
   *   d = b"Mimp SMP v1" + struct.pack(">I", 33) + ka + struct.pack(">I", 33) + kb
   *       + bytes(range(16)) + b"paris"
   *   hashlib.sha256(d).hexdigest() */
  hex = to_hex (paris);
  g_assert_cmpstr (hex, ==, "aef22ffd3987e7a63b7636580362e6eae3ffa507a3a34e76cec49db8af496d31");

  g_assert_true (g_bytes_equal (paris, paris2));
  g_assert_true (g_bytes_equal (composed, decomposed));
  g_assert_false (g_bytes_equal (paris, pa_ris));
  g_assert_false (g_bytes_equal (paris, swapped));
  g_assert_false (g_bytes_equal (paris, other));
  /* length prefixes: "ab" + "c" is not "a" + "bc" */
  g_assert_false (g_bytes_equal (split1, split2));

  g_assert_null (mimp_e2e_smp_bind_secret (alice, bob, short_run, "Paris"));
  g_assert_null (mimp_e2e_smp_bind_secret (empty, bob, run_id, "Paris"));
  g_assert_null (mimp_e2e_smp_bind_secret (alice, empty, run_id, "Paris"));
  g_assert_null (mimp_e2e_smp_bind_secret (alice, bob, run_id, " \t "));
  g_assert_null (mimp_e2e_smp_bind_secret (alice, bob, run_id, "Par\xffis"));
}

/* Both sides saved and loaded again after every step. */
static void
test_save_load (void)
{
  assert_run ("Paris", "PARIS", TRUE, MIMP_E2E_SMP_STEP_MATCH);
  assert_run ("Paris", "Lyon", TRUE, MIMP_E2E_SMP_STEP_NO_MATCH);
}

/* A genuine run, with each side's state saved just before it receives. */
typedef struct
{
  GBytes *msg[4];
  GBytes *responder_new;   /* receives msg[0] with receive_start */
  GBytes *initiator_wait2; /* receives msg[1] */
  GBytes *responder_asked; /* answers, receives nothing */
  GBytes *responder_wait3; /* receives msg[2] */
  GBytes *initiator_wait4; /* receives msg[3] */
  GBytes *initiator_done;  /* finished */
  GBytes *responder_done;
} Transcript;

static void
transcript_make (Transcript *t)
{
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) run_id = make_run_id ();
  g_autoptr (GBytes) secret = bind (alice, bob, run_id, "Paris");
  g_autoptr (MimpE2eSmp) initiator = mimp_e2e_smp_new ();
  g_autoptr (MimpE2eSmp) responder = mimp_e2e_smp_new ();
  GBytes *none = NULL;

  t->responder_new = mimp_e2e_smp_save (responder);
  t->msg[0] = mimp_e2e_smp_initiate (initiator, secret);
  t->initiator_wait2 = mimp_e2e_smp_save (initiator);
  g_assert_cmpint (mimp_e2e_smp_receive_start (responder, t->msg[0]), ==,
                   MIMP_E2E_SMP_STEP_CONTINUE);
  t->responder_asked = mimp_e2e_smp_save (responder);
  t->msg[1] = mimp_e2e_smp_respond (responder, secret);
  t->responder_wait3 = mimp_e2e_smp_save (responder);
  g_assert_cmpint (mimp_e2e_smp_step (initiator, t->msg[1], &t->msg[2]), ==,
                   MIMP_E2E_SMP_STEP_CONTINUE);
  t->initiator_wait4 = mimp_e2e_smp_save (initiator);
  g_assert_cmpint (mimp_e2e_smp_step (responder, t->msg[2], &t->msg[3]), ==,
                   MIMP_E2E_SMP_STEP_MATCH);
  t->responder_done = mimp_e2e_smp_save (responder);
  g_assert_cmpint (mimp_e2e_smp_step (initiator, t->msg[3], &none), ==, MIMP_E2E_SMP_STEP_MATCH);
  t->initiator_done = mimp_e2e_smp_save (initiator);
}

static void
transcript_clear (Transcript *t)
{
  for (guint i = 0; i < G_N_ELEMENTS (t->msg); i++)
    g_clear_pointer (&t->msg[i], g_bytes_unref);
  g_clear_pointer (&t->responder_new, g_bytes_unref);
  g_clear_pointer (&t->initiator_wait2, g_bytes_unref);
  g_clear_pointer (&t->responder_asked, g_bytes_unref);
  g_clear_pointer (&t->responder_wait3, g_bytes_unref);
  g_clear_pointer (&t->initiator_wait4, g_bytes_unref);
  g_clear_pointer (&t->initiator_done, g_bytes_unref);
  g_clear_pointer (&t->responder_done, g_bytes_unref);
}

/* Feeds message to a fresh copy of the saved state, as the receiver of that
 * state would (receive_start for a new run, step otherwise). */
static MimpE2eSmpStep
feed (GBytes *state, GBytes *message, gboolean is_start)
{
  g_autoptr (MimpE2eSmp) smp = mimp_e2e_smp_load (state);
  g_autoptr (GBytes) out = NULL;
  MimpE2eSmpStep result;

  g_assert_nonnull (smp);
  if (is_start)
    return mimp_e2e_smp_receive_start (smp, message);
  result = mimp_e2e_smp_step (smp, message, &out);
  if (result == MIMP_E2E_SMP_STEP_ERROR)
    g_assert_null (out);
  return result;
}

static void
assert_refused (GBytes *state, GBytes *message, gboolean is_start)
{
  g_assert_cmpint (feed (state, message, is_start), ==, MIMP_E2E_SMP_STEP_ERROR);
}

static GBytes *
bytes_with (const guint8 *data, gsize len)
{
  return g_bytes_new (data, len);
}

/* A serialised MPI array as libotr reads it: a 4-byte count, then each
 * number as a 4-byte length and its bytes. */
static GBytes *
mpi_array (guint count, gsize value_len, guint8 fill, gboolean random)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 be[4];

  be[0] = count >> 24, be[1] = count >> 16, be[2] = count >> 8, be[3] = count;
  g_byte_array_append (out, be, 4);
  for (guint i = 0; i < count; i++)
    {
      be[0] = value_len >> 24, be[1] = value_len >> 16, be[2] = value_len >> 8, be[3] = value_len;
      g_byte_array_append (out, be, 4);
      g_byte_array_set_size (out, out->len + value_len);
      if (random)
        gcry_randomize (out->data + out->len - value_len, value_len, GCRY_WEAK_RANDOM);
      else
        memset (out->data + out->len - value_len, fill, value_len);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_hostile_messages (void)
{
  Transcript t = { 0 };
  /* receiver state, the genuine message it expects, whether it is step 1,
   * and how many numbers that message holds */
  struct
  {
    GBytes *state;
    guint msg;
    gboolean is_start;
    guint count;
  } receivers[4];
  guint n_flips = g_test_thorough () ? 400 : 24;

  transcript_make (&t);
  receivers[0].state = t.responder_new, receivers[0].msg = 0, receivers[0].is_start = TRUE;
  receivers[1].state = t.initiator_wait2, receivers[1].msg = 1, receivers[1].is_start = FALSE;
  receivers[2].state = t.responder_wait3, receivers[2].msg = 2, receivers[2].is_start = FALSE;
  receivers[3].state = t.initiator_wait4, receivers[3].msg = 3, receivers[3].is_start = FALSE;
  receivers[0].count = 6, receivers[1].count = 11, receivers[2].count = 8, receivers[3].count = 3;

  for (guint r = 0; r < G_N_ELEMENTS (receivers); r++)
    {
      GBytes *state = receivers[r].state;
      gboolean is_start = receivers[r].is_start;
      GBytes *genuine = t.msg[receivers[r].msg];
      gsize len;
      const guint8 *data = g_bytes_get_data (genuine, &len);
      g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
      g_autoptr (GBytes) huge = NULL;
      g_autoptr (GBytes) longer = NULL;

      g_test_message ("receiver of step %u (%" G_GSIZE_FORMAT " bytes)", receivers[r].msg + 1, len);

      /* the genuine message still works on a fresh copy */
      g_assert_cmpint (feed (state, genuine, is_start), !=, MIMP_E2E_SMP_STEP_ERROR);

      /* every truncation */
      for (gsize cut = 0; cut < len; cut++)
        {
          g_autoptr (GBytes) truncated = bytes_with (data, cut);

          assert_refused (state, truncated, is_start);
        }

      /* every other step's message, including replays of earlier ones */
      for (guint other = 0; other < G_N_ELEMENTS (t.msg); other++)
        if (other != receivers[r].msg)
          assert_refused (state, t.msg[other], is_start);

      /* single bit flips at random places, and the first 64 bits (the count
       * and the first length) */
      for (guint i = 0; i < n_flips + 64; i++)
        {
          g_autofree guint8 *copy = g_memdup2 (data, len);
          g_autoptr (GBytes) flipped = NULL;
          gsize bit = i < 64 ? i : (gsize) g_test_rand_int_range (0, (gint32) len * 8);

          copy[bit / 8] ^= 1 << (bit % 8);
          flipped = bytes_with (copy, len);
          assert_refused (state, flipped, is_start);
        }

      /* empty, too long, and a byte appended to the genuine message is
       * ignored by libotr's parser (it reads the numbers it expects) but
       * must not crash */
      assert_refused (state, empty, is_start);
      huge = mpi_array (receivers[r].count, 500, 0x7f, FALSE);
      assert_refused (state, huge, is_start);
      {
        g_autofree guint8 *copy = g_malloc (len + 1);

        memcpy (copy, data, len);
        copy[len] = 0;
        longer = bytes_with (copy, len + 1);
        (void) feed (state, longer, is_start);
      }

      /* well-formed arrays whose numbers are out of range or random: the
       * group-element and exponent checks, then the proofs, refuse them */
      {
        g_autoptr (GBytes) zeros = mpi_array (receivers[r].count, 0, 0, FALSE);
        g_autoptr (GBytes) ones = mpi_array (receivers[r].count, 1, 1, FALSE);
        g_autoptr (GBytes) too_big = mpi_array (receivers[r].count, 192, 0xff, FALSE);
        g_autoptr (GBytes) wrong_count = mpi_array (receivers[r].count + 1, 192, 0x42, FALSE);
        g_autoptr (GBytes) fewer = mpi_array (receivers[r].count - 1, 192, 0x42, FALSE);

        assert_refused (state, zeros, is_start);
        assert_refused (state, ones, is_start);
        assert_refused (state, too_big, is_start);
        assert_refused (state, wrong_count, is_start);
        assert_refused (state, fewer, is_start);
        for (guint i = 0; i < 8; i++)
          {
            g_autoptr (GBytes) random = mpi_array (receivers[r].count, 191, 0, TRUE);

            assert_refused (state, random, is_start);
          }
      }

      /* a length field that claims 4 GiB */
      {
        g_autofree guint8 *copy = g_memdup2 (data, len);
        g_autoptr (GBytes) liar = NULL;

        memset (copy + 4, 0xff, 4);
        liar = bytes_with (copy, len);
        assert_refused (state, liar, is_start);
      }

      /* plain garbage of many lengths */
      for (guint i = 0; i < 32; i++)
        {
          gsize glen = 1 + (gsize) g_test_rand_int_range (0, 2500);
          g_autofree guint8 *garbage = g_malloc (glen);
          g_autoptr (GBytes) bytes = NULL;

          gcry_randomize (garbage, glen, GCRY_WEAK_RANDOM);
          bytes = bytes_with (garbage, glen);
          assert_refused (state, bytes, is_start);
        }
    }

  /* finished runs refuse replays of the last messages */
  assert_refused (t.initiator_done, t.msg[3], FALSE);
  assert_refused (t.responder_done, t.msg[2], FALSE);
  /* a responder that holds step 1 refuses step 1 again and later steps */
  assert_refused (t.responder_asked, t.msg[0], TRUE);
  assert_refused (t.responder_asked, t.msg[2], FALSE);

  transcript_clear (&t);
}

/* After bad input, the run is over: the genuine message is refused too. */
static void
test_error_aborts (void)
{
  Transcript t = { 0 };
  g_autoptr (MimpE2eSmp) smp = NULL;
  g_autoptr (MimpE2eSmp) again = NULL;
  g_autoptr (GBytes) garbage = g_bytes_new_static ("garbage", 7);
  g_autoptr (GBytes) saved = NULL;
  g_autoptr (GBytes) out = NULL;

  transcript_make (&t);
  smp = mimp_e2e_smp_load (t.responder_wait3);
  g_assert_cmpint (mimp_e2e_smp_step (smp, garbage, &out), ==, MIMP_E2E_SMP_STEP_ERROR);
  g_assert_null (out);
  g_assert_cmpint (mimp_e2e_smp_step (smp, t.msg[2], &out), ==, MIMP_E2E_SMP_STEP_ERROR);
  g_assert_null (out);

  /* and stays over once saved and loaded */
  saved = mimp_e2e_smp_save (smp);
  again = mimp_e2e_smp_load (saved);
  g_assert_nonnull (again);
  g_assert_cmpint (mimp_e2e_smp_step (again, t.msg[2], &out), ==, MIMP_E2E_SMP_STEP_ERROR);
  g_assert_null (out);
  transcript_clear (&t);
}

static void
test_out_of_order (void)
{
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) run_id = make_run_id ();
  g_autoptr (GBytes) secret = bind (alice, bob, run_id, "Paris");
  g_autoptr (MimpE2eSmp) initiator = mimp_e2e_smp_new ();
  g_autoptr (MimpE2eSmp) responder = mimp_e2e_smp_new ();
  g_autoptr (MimpE2eSmp) fresh = mimp_e2e_smp_new ();
  g_autoptr (GBytes) msg1 = NULL;
  g_autoptr (GBytes) out = NULL;

  /* answering before step 1 arrived */
  g_assert_null (mimp_e2e_smp_respond (responder, secret));
  msg1 = mimp_e2e_smp_initiate (initiator, secret);
  g_assert_nonnull (msg1);
  /* starting twice */
  g_assert_null (mimp_e2e_smp_initiate (initiator, secret));
  /* a later step to a run that has not started */
  g_assert_cmpint (mimp_e2e_smp_step (fresh, msg1, &out), ==, MIMP_E2E_SMP_STEP_ERROR);
  g_assert_null (out);
  /* an initiator given step 1 (its own, reflected) */
  g_assert_cmpint (mimp_e2e_smp_receive_start (initiator, msg1), ==, MIMP_E2E_SMP_STEP_ERROR);

  g_assert_cmpint (mimp_e2e_smp_receive_start (responder, msg1), ==, MIMP_E2E_SMP_STEP_CONTINUE);
  /* a responder cannot start its own run on the same state */
  g_assert_null (mimp_e2e_smp_initiate (responder, secret));
}

static GBytes *
set_byte (GBytes *bytes, gsize at, guint8 value)
{
  gsize len;
  guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), &len);

  g_assert_cmpuint (at, <, len);
  copy[at] = value;
  return g_bytes_new_take (copy, len);
}

static void
test_load_bad (void)
{
  Transcript t = { 0 };
  GBytes *states[7];
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);

  transcript_make (&t);
  states[0] = t.responder_new, states[1] = t.initiator_wait2, states[2] = t.responder_asked;
  states[3] = t.responder_wait3, states[4] = t.initiator_wait4, states[5] = t.initiator_done;
  states[6] = t.responder_done;

  g_assert_null (mimp_e2e_smp_load (empty));

  for (guint s = 0; s < G_N_ELEMENTS (states); s++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (states[s], &len);
      g_autofree guint8 *longer = g_malloc0 (len + 1);
      g_autoptr (GBytes) trailing = NULL;
      g_autoptr (MimpE2eSmp) good = mimp_e2e_smp_load (states[s]);

      g_assert_nonnull (good);

      for (gsize cut = 0; cut < len; cut++)
        {
          g_autoptr (GBytes) truncated = bytes_with (data, cut);

          g_assert_null (mimp_e2e_smp_load (truncated));
        }
      memcpy (longer, data, len);
      trailing = bytes_with (longer, len + 1);
      g_assert_null (mimp_e2e_smp_load (trailing));

      /* header fields: magic, version, phase, next expected, question flag,
       * result */
      {
        struct
        {
          gsize at;
          guint8 value;
        } bad[] = {
          { 0, 'X' }, { 3, 'Q' }, { 4, 0 }, { 4, 2 }, { 5, 7 },
          { 5, 255 }, { 6, 5 },   { 7, 2 }, { 8, 4 },
        };

        for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
          {
            g_autoptr (GBytes) mutated = set_byte (states[s], bad[i].at, bad[i].value);

            g_assert_null (mimp_e2e_smp_load (mutated));
          }
      }

      /* every header byte set to every value: only the genuine one and
       * consistent others load, nothing crashes */
      for (gsize at = 4; at < 9; at++)
        for (guint v = 0; v < 256; v++)
          {
            g_autoptr (GBytes) mutated = set_byte (states[s], at, v);
            g_autoptr (MimpE2eSmp) loaded = mimp_e2e_smp_load (mutated);

            if (v == data[at])
              g_assert_nonnull (loaded);
          }
    }

  /* a running state: a secret longer than 32 bytes, a number longer than
   * 192, a generator other than 2 */
  {
    gsize len;
    const guint8 *data = g_bytes_get_data (t.initiator_wait2, &len);
    g_autoptr (GBytes) long_secret = set_byte (t.initiator_wait2, 10, data[10] + 1);
    g_autoptr (GBytes) long_number = NULL;
    g_autoptr (GBytes) wrong_generator = NULL;
    gsize pos;

    /* secret: 32 bytes as saved before step 3 */
    g_assert_cmpuint (data[9], ==, 0);
    g_assert_cmpuint (data[10], ==, 32);
    g_assert_null (mimp_e2e_smp_load (long_secret));
    /* x2: claim 193 bytes */
    pos = 9 + 2 + 32;
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);

      copy[pos] = 0;
      copy[pos + 1] = 193;
      long_number = bytes_with (copy, len);
      g_assert_null (mimp_e2e_smp_load (long_number));
    }
    /* g1 comes after x2 and x3: find it and make it 3 */
    for (guint i = 0; i < 2; i++)
      pos += 2 + ((data[pos] << 8) | data[pos + 1]);
    g_assert_cmpuint ((data[pos] << 8) | data[pos + 1], ==, 1);
    g_assert_cmpuint (data[pos + 2], ==, 2);
    wrong_generator = set_byte (t.initiator_wait2, pos + 2, 3);
    g_assert_null (mimp_e2e_smp_load (wrong_generator));
  }

  /* random bytes mutated anywhere: load may refuse or accept (the numbers
   * are not checked against each other); an accepted state given the
   * genuine next message must not crash */
  for (guint i = 0; i < 64; i++)
    {
      GBytes *state = i % 2 ? t.responder_wait3 : t.initiator_wait2;
      GBytes *next = i % 2 ? t.msg[2] : t.msg[1];
      gsize len = g_bytes_get_size (state);
      gsize at = (gsize) g_test_rand_int_range (0, (gint32) len);
      g_autoptr (GBytes) mutated = set_byte (state, at, g_test_rand_int_range (0, 256));
      g_autoptr (MimpE2eSmp) loaded = mimp_e2e_smp_load (mutated);
      g_autoptr (GBytes) out = NULL;

      if (loaded != NULL)
        (void) mimp_e2e_smp_step (loaded, next, &out);
    }

  transcript_clear (&t);
}

/* libsignal-protocol-c 2.3.3's tests/test_fingerprint.c: two identities,
 * 5200 iterations, DISPLAYABLE_FINGERPRINT. */
static const guint8 signal_alice[] = {
  0x05, 0x06, 0x86, 0x3b, 0xc6, 0x6d, 0x02, 0xb4, 0x0d, 0x27, 0xb8,
  0xd4, 0x9c, 0xa7, 0xc0, 0x9e, 0x92, 0x39, 0x23, 0x6f, 0x9d, 0x7d,
  0x25, 0xd6, 0xfc, 0xca, 0x5c, 0xe1, 0x3c, 0x70, 0x64, 0xd8, 0x68,
};
static const guint8 signal_bob[] = {
  0x05, 0xf7, 0x81, 0xb6, 0xfb, 0x32, 0xfe, 0xd9, 0xba, 0x1c, 0xf2,
  0xde, 0x97, 0x8d, 0x4d, 0x5d, 0xa2, 0x8d, 0xc3, 0x40, 0x46, 0xae,
  0x81, 0x44, 0x02, 0xb5, 0xc0, 0xdb, 0xd9, 0x6f, 0xda, 0x90, 0x7b,
};

static void
test_safety_number (void)
{
  g_autoptr (GBytes) salice = g_bytes_new_static (signal_alice, sizeof signal_alice);
  g_autoptr (GBytes) sbob = g_bytes_new_static (signal_bob, sizeof signal_bob);
  g_autoptr (GBytes) alice = make_key (1);
  g_autoptr (GBytes) bob = make_key (33);
  g_autoptr (GBytes) bob_changed = make_key (34);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autofree char *signal =
      mimp_e2e_smp_safety_number ("+14152222222", salice, "+14153333333", sbob);
  g_autofree char *ours = mimp_e2e_smp_safety_number ("alice", alice, "bob", bob);
  g_autofree char *theirs = mimp_e2e_smp_safety_number ("bob", bob, "alice", alice);
  g_autofree char *ours_again = mimp_e2e_smp_safety_number ("alice", alice, "bob", bob);
  g_autofree char *key_changed = mimp_e2e_smp_safety_number ("alice", alice, "bob", bob_changed);
  g_autofree char *name_changed = mimp_e2e_smp_safety_number ("alice", alice, "bobby", bob);
  g_auto (GStrv) groups = NULL;
  g_autofree char *signal_digits = NULL;

  /* an independent implementation's vector: the scheme is libsignal's */
  g_assert_nonnull (signal);
  groups = g_strsplit (signal, " ", -1);
  g_assert_cmpuint (g_strv_length (groups), ==, 12);
  signal_digits = g_strjoinv (NULL, groups);
  g_assert_cmpstr (signal_digits, ==,
                   "300354477692869396892869876765458257569162576843440918079131");

  /* Pinned Mimp vector, computed once with Python's hashlib:
   *   def party(name, key):
   *       h = sha512(b"\0\0" + key + name.encode() + key).digest()
   *       for _ in range(5199): h = sha512(h + key).digest()
   *       return "".join("%05d" % (int.from_bytes(h[i:i+5], "big") % 100000)
   *                      for i in range(0, 30, 5))
   *   the lower of party("alice", ka) and party("bob", kb) first, in groups
   *   of 5, with ka = bytes([5]) + bytes(range(1, 33)) and
   *   kb = bytes([5]) + bytes(range(33, 65)). The same script gives the
   *   libsignal vector above. */
  g_assert_cmpstr (ours, ==,
                   "04597 42225 55858 19959 02503 74470 49927 08569 64618 69425 84386 23683");

  g_assert_true (g_regex_match_simple ("^[0-9]{5}( [0-9]{5}){11}$", ours, 0, 0));
  g_assert_cmpstr (ours, ==, theirs);
  g_assert_cmpstr (ours, ==, ours_again);
  g_assert_cmpstr (ours, !=, key_changed);
  g_assert_cmpstr (ours, !=, name_changed);
  /* the unchanged party's half stays */
  g_assert_true (strstr (key_changed, "04597 42225 55858 19959 02503 74470") != NULL ||
                 strstr (key_changed, "49927 08569 64618 69425 84386 23683") != NULL);

  g_assert_null (mimp_e2e_smp_safety_number ("alice", empty, "bob", bob));
  g_assert_null (mimp_e2e_smp_safety_number ("alice", alice, "bob", empty));
}

int
main (int argc, char *argv[])
{
  /* What the app does before any private-chat code runs. */
  if (!gcry_check_version (GCRYPT_VERSION))
    g_error ("libgcrypt is older than the headers");
  gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
  mimp_e2e_smp_init ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smp/match", test_match);
  g_test_add_func ("/smp/no-match", test_no_match);
  g_test_add_func ("/smp/man-in-the-middle", test_man_in_the_middle);
  g_test_add_func ("/smp/normalize", test_normalize);
  g_test_add_func ("/smp/bind", test_bind);
  g_test_add_func ("/smp/save-load", test_save_load);
  g_test_add_func ("/smp/hostile-messages", test_hostile_messages);
  g_test_add_func ("/smp/error-aborts", test_error_aborts);
  g_test_add_func ("/smp/out-of-order", test_out_of_order);
  g_test_add_func ("/smp/load-bad", test_load_bad);
  g_test_add_func ("/smp/safety-number", test_safety_number);

  return g_test_run ();
}
