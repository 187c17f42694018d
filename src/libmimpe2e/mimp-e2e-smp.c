/* mimp-e2e-smp.c - the Socialist Millionaire Protocol through libotr's
 * exported engine (sm.h), the secret bound to both identity keys and the
 * run, answer normalisation, and safety numbers.
 *
 * The cryptography is libotr's (the five SMP steps, in the 1536-bit group of
 * RFC 3526) and libgcrypt's (SHA-256, SHA-512). This file only orders the
 * steps, checks sizes, and keeps a run's state as bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-e2e"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <libotr/sm.h>

#include "mimp-e2e-smp.h"

/* What otrl_sm_step1/2b take: libotr hashes with SHA-256 too. */
#define SMP_SECRET_LEN SM_DIGEST_SIZE
#define SMP_RUN_ID_LEN 16
/* The biggest genuine message (step 2: 11 numbers of at most 192 bytes and
 * their lengths) is about 1,700 bytes; anything much larger is refused
 * before libotr parses it, which also keeps the length in an int. */
#define SMP_MAX_MESSAGE 4096
/* A number of the 1536-bit group, or an exponent below its order. */
#define SMP_MPI_MAX_BYTES 192

#define SAFETY_ITERATIONS 5200 /* as libsignal's fingerprint generator */
#define SAFETY_PARTY_DIGITS 30

/* Where a run is. OtrlSMState's nextExpected alone cannot tell "nothing yet"
 * from "the responder holds step 1 until the user answers" (libotr keeps
 * that in its message layer), so the phase is kept beside it. */
typedef enum
{
  PHASE_NEW,             /* no message yet */
  PHASE_INITIATOR_WAIT2, /* sent step 1, waits for step 2 */
  PHASE_RESPONDER_ASKED, /* got step 1, waits for the user's answer */
  PHASE_RESPONDER_WAIT3, /* sent step 2, waits for step 3 */
  PHASE_INITIATOR_WAIT4, /* sent step 3, waits for step 4 */
  PHASE_DONE,            /* finished: sm_prog_state says how */
  PHASE_FAILED,          /* aborted on bad input */
  N_PHASES
} Phase;

struct _MimpE2eSmp
{
  OtrlSMState state;
  Phase phase;
};

void
mimp_e2e_smp_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      /* otrl_init() would install libgcrypt allocation handlers for the
       * whole process; otrl_sm_init() only sets up the group's numbers. */
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        g_critical ("libgcrypt must be initialised before mimp_e2e_smp_init()");
      otrl_sm_init ();
      g_once_init_leave (&done, 1);
    }
}

/* Bytes that held a secret are zeroed before they go back to the allocator. */
typedef struct
{
  gsize len;
  guint8 data[];
} WipedBuffer;

static void
wiped_buffer_free (gpointer data)
{
  WipedBuffer *buffer = data;

  explicit_bzero (buffer->data, buffer->len);
  g_free (buffer);
}

static GBytes *
wiped_bytes_new (const guint8 *data, gsize len)
{
  WipedBuffer *buffer = g_malloc (sizeof (WipedBuffer) + len);

  buffer->len = len;
  if (len > 0)
    memcpy (buffer->data, data, len);
  return g_bytes_new_with_free_func (buffer->data, len, wiped_buffer_free, buffer);
}

static void
wipe_string (char *string)
{
  if (string != NULL)
    {
      explicit_bzero (string, strlen (string));
      g_free (string);
    }
}

/* NFKC rather than NFC: an answer is typed, perhaps on another keyboard or
 * input method, and compared blindly. NFKC also equates what looks the same
 * but is encoded as a compatibility character: full-width letters and digits
 * (Ｐａｒｉｓ, common from CJK input methods), ligatures (ﬁ), superscripts
 * (m²), the no-break space. Unicode's own caseless matching for identifiers
 * (toNFKC_Casefold) does the same. What it merges was never a distinction a
 * person means in an answer, so nothing useful is lost.
 *
 * Order: NFKC, case fold, NFKC again (folding can leave text unnormalised:
 * ǰ, U+01F0, folds to j + U+030C), then trim and collapse white space (normalising
 * never makes or removes white space next to other characters). */
char *
mimp_e2e_smp_normalize (const char *answer)
{
  g_autoptr (GString) out = NULL;
  char *composed = NULL;
  char *folded = NULL;
  char *result = NULL;
  gboolean space = FALSE;

  g_return_val_if_fail (answer != NULL, NULL);

  if (!g_utf8_validate (answer, -1, NULL))
    return NULL;

  composed = g_utf8_normalize (answer, -1, G_NORMALIZE_NFKC);
  if (composed == NULL)
    return NULL;
  folded = g_utf8_casefold (composed, -1);
  wipe_string (composed);
  composed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFKC);
  wipe_string (folded);
  if (composed == NULL)
    return NULL;

  out = g_string_sized_new (strlen (composed) + 1);
  for (const char *p = composed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }
  wipe_string (composed);

  result = g_strndup (out->str, out->len);
  explicit_bzero (out->str, out->allocated_len);
  return result;
}

static void
md_write_length (gcry_md_hd_t md, gsize len)
{
  guint8 be[4] = { (len >> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff };

  gcry_md_write (md, be, sizeof be);
}

/* As libotr's init_respond_smp binds the secret for OTR v3 (a version byte,
 * the initiator's and the responder's fingerprints, the session id, the
 * secret; SHA-256), with identity keys in place of fingerprints and a random
 * run id in place of the session id. Everything before the secret has a
 * fixed or prefixed length, so no two inputs hash the same bytes. */
GBytes *
mimp_e2e_smp_bind_secret (GBytes *initiator_key, GBytes *responder_key, GBytes *run_id,
                          const char *secret)
{
  static const char label[] = "Mimp SMP v1";
  gcry_md_hd_t md = NULL;
  char *normalized = NULL;
  GBytes *bound = NULL;
  const guint8 *idata, *rdata;
  gsize ilen, rlen;

  g_return_val_if_fail (initiator_key != NULL, NULL);
  g_return_val_if_fail (responder_key != NULL, NULL);
  g_return_val_if_fail (run_id != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  idata = g_bytes_get_data (initiator_key, &ilen);
  rdata = g_bytes_get_data (responder_key, &rlen);
  if (ilen == 0 || rlen == 0 || ilen > G_MAXUINT32 || rlen > G_MAXUINT32 ||
      g_bytes_get_size (run_id) != SMP_RUN_ID_LEN)
    return NULL;

  normalized = mimp_e2e_smp_normalize (secret);
  if (normalized == NULL || *normalized == '\0')
    {
      wipe_string (normalized);
      return NULL;
    }

  if (gcry_md_open (&md, GCRY_MD_SHA256, GCRY_MD_FLAG_SECURE) != 0)
    {
      wipe_string (normalized);
      return NULL;
    }
  gcry_md_write (md, label, strlen (label));
  md_write_length (md, ilen);
  gcry_md_write (md, idata, ilen);
  md_write_length (md, rlen);
  gcry_md_write (md, rdata, rlen);
  gcry_md_write (md, g_bytes_get_data (run_id, NULL), SMP_RUN_ID_LEN);
  gcry_md_write (md, normalized, strlen (normalized));
  bound = wiped_bytes_new (gcry_md_read (md, 0), SMP_SECRET_LEN);
  gcry_md_close (md);
  wipe_string (normalized);
  return bound;
}

MimpE2eSmp *
mimp_e2e_smp_new (void)
{
  MimpE2eSmp *smp = g_new0 (MimpE2eSmp, 1);

  mimp_e2e_smp_init ();
  otrl_sm_state_new (&smp->state);
  smp->phase = PHASE_NEW;
  return smp;
}

void
mimp_e2e_smp_free (MimpE2eSmp *smp)
{
  if (smp == NULL)
    return;
  otrl_sm_state_free (&smp->state);
  g_free (smp);
}

/* libotr's output is malloc()ed. */
static GBytes *
take_output (unsigned char *output, int len)
{
  GBytes *bytes = g_bytes_new (output, len);

  free (output);
  return bytes;
}

/* The bound secret is needed up to the step that proves Q (step 2 for the
 * responder, step 3 for the initiator); it is not kept after. */
static void
forget_secret (MimpE2eSmp *smp)
{
  if (smp->state.secret != NULL)
    gcry_mpi_set_ui (smp->state.secret, 0);
}

/* A finished run keeps only its result. */
static void
finish (MimpE2eSmp *smp, Phase phase, OtrlSMProgState result)
{
  otrl_sm_state_free (&smp->state);
  smp->state.sm_prog_state = result;
  smp->phase = phase;
}

static MimpE2eSmpStep
abort_run (MimpE2eSmp *smp)
{
  if (smp->phase != PHASE_DONE)
    finish (smp, PHASE_FAILED, OTRL_SMP_PROG_CHEATED);
  return MIMP_E2E_SMP_STEP_ERROR;
}

static gboolean
message_fits (GBytes *message, const unsigned char **data, int *len)
{
  gsize size;

  *data = g_bytes_get_data (message, &size);
  if (size == 0 || size > SMP_MAX_MESSAGE)
    return FALSE;
  *len = (int) size;
  return TRUE;
}

typedef gcry_error_t (*SecretStep) (OtrlSMState *state, const unsigned char *secret, int secretlen,
                                    unsigned char **output, int *outputlen);

/* Step 1 (initiator) or 2 (responder): the step that takes the secret. */
static GBytes *
send_secret (MimpE2eSmp *smp, GBytes *bound_secret, SecretStep step, Phase next,
             NextExpectedSMP expected)
{
  const unsigned char *secret = g_bytes_get_data (bound_secret, NULL);
  unsigned char *output = NULL;
  int len = 0;
  gcry_error_t err;

  err = step (&smp->state, secret, SMP_SECRET_LEN, &output, &len);
  if (err != 0 || output == NULL)
    {
      free (output);
      abort_run (smp);
      return NULL;
    }
  smp->phase = next;
  smp->state.nextExpected = expected;
  return take_output (output, len);
}

GBytes *
mimp_e2e_smp_initiate (MimpE2eSmp *smp, GBytes *bound_secret)
{
  g_return_val_if_fail (smp != NULL, NULL);
  g_return_val_if_fail (bound_secret != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (bound_secret) == SMP_SECRET_LEN, NULL);

  if (smp->phase != PHASE_NEW)
    return NULL;
  return send_secret (smp, bound_secret, otrl_sm_step1, PHASE_INITIATOR_WAIT2, OTRL_SMP_EXPECT2);
}

MimpE2eSmpStep
mimp_e2e_smp_receive_start (MimpE2eSmp *smp, GBytes *message)
{
  const unsigned char *data;
  int len;

  g_return_val_if_fail (smp != NULL, MIMP_E2E_SMP_STEP_ERROR);
  g_return_val_if_fail (message != NULL, MIMP_E2E_SMP_STEP_ERROR);

  if (smp->phase != PHASE_NEW || !message_fits (message, &data, &len))
    return abort_run (smp);

  if (otrl_sm_step2a (&smp->state, data, len, 0) != 0 ||
      smp->state.sm_prog_state == OTRL_SMP_PROG_CHEATED)
    return abort_run (smp);

  smp->phase = PHASE_RESPONDER_ASKED;
  smp->state.nextExpected = OTRL_SMP_EXPECT1;
  return MIMP_E2E_SMP_STEP_CONTINUE;
}

GBytes *
mimp_e2e_smp_respond (MimpE2eSmp *smp, GBytes *bound_secret)
{
  GBytes *message;

  g_return_val_if_fail (smp != NULL, NULL);
  g_return_val_if_fail (bound_secret != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (bound_secret) == SMP_SECRET_LEN, NULL);

  if (smp->phase != PHASE_RESPONDER_ASKED)
    return NULL;
  message =
      send_secret (smp, bound_secret, otrl_sm_step2b, PHASE_RESPONDER_WAIT3, OTRL_SMP_EXPECT3);
  /* The responder's last use of it; the initiator's is step 3. */
  forget_secret (smp);
  return message;
}

/* Steps 4 and 5 end the run. libotr returns GPG_ERR_INV_VALUE both for
 * secrets that differ and for a proof that fails: sm_prog_state tells them
 * apart. */
static MimpE2eSmpStep
finish_with_result (MimpE2eSmp *smp, gcry_error_t err)
{
  if (err == 0 && smp->state.sm_prog_state == OTRL_SMP_PROG_SUCCEEDED)
    {
      finish (smp, PHASE_DONE, OTRL_SMP_PROG_SUCCEEDED);
      return MIMP_E2E_SMP_STEP_MATCH;
    }
  if (smp->state.sm_prog_state == OTRL_SMP_PROG_FAILED)
    {
      finish (smp, PHASE_DONE, OTRL_SMP_PROG_FAILED);
      return MIMP_E2E_SMP_STEP_NO_MATCH;
    }
  return abort_run (smp);
}

MimpE2eSmpStep
mimp_e2e_smp_step (MimpE2eSmp *smp, GBytes *message, GBytes **out)
{
  const unsigned char *data;
  unsigned char *output = NULL;
  int len, outlen = 0;
  gcry_error_t err;
  MimpE2eSmpStep result;

  g_return_val_if_fail (out != NULL, MIMP_E2E_SMP_STEP_ERROR);
  *out = NULL;
  g_return_val_if_fail (smp != NULL, MIMP_E2E_SMP_STEP_ERROR);
  g_return_val_if_fail (message != NULL, MIMP_E2E_SMP_STEP_ERROR);

  if (!message_fits (message, &data, &len))
    return abort_run (smp);

  switch (smp->phase)
    {
    case PHASE_INITIATOR_WAIT2:
      err = otrl_sm_step3 (&smp->state, data, len, &output, &outlen);
      if (err != 0 || smp->state.sm_prog_state != OTRL_SMP_PROG_OK || output == NULL)
        break;
      forget_secret (smp);
      smp->phase = PHASE_INITIATOR_WAIT4;
      smp->state.nextExpected = OTRL_SMP_EXPECT4;
      *out = take_output (output, outlen);
      return MIMP_E2E_SMP_STEP_CONTINUE;

    case PHASE_RESPONDER_WAIT3:
      /* Either result answers with step 4, so that the initiator learns it
       * too. */
      err = otrl_sm_step4 (&smp->state, data, len, &output, &outlen);
      result = output != NULL ? finish_with_result (smp, err) : abort_run (smp);
      if (result != MIMP_E2E_SMP_STEP_ERROR)
        *out = take_output (g_steal_pointer (&output), outlen);
      free (output);
      return result;

    case PHASE_INITIATOR_WAIT4:
      return finish_with_result (smp, otrl_sm_step5 (&smp->state, data, len));

    case PHASE_NEW:
    case PHASE_RESPONDER_ASKED:
    case PHASE_DONE:
    case PHASE_FAILED:
    case N_PHASES:
    default:
      break;
    }

  free (output);
  return abort_run (smp);
}

/* Saved state, version 1, all integers big-endian:
 *   "MSMP" 1 phase nextExpected received_question sm_prog_state+2
 *   then, in a running phase, the 11 numbers below, each a 2-byte length
 *   and that many bytes (unsigned, as gcry_mpi_print's GCRYMPI_FMT_USG);
 *   in NEW, DONE and FAILED none. Nothing may follow. */
#define SAVE_MAGIC "MSMP"
#define SAVE_VERSION 1
#define SAVE_HEADER_LEN 9
#define SAVE_N_MPIS 11

static gcry_mpi_t *
state_mpi (OtrlSMState *state, guint i)
{
  gcry_mpi_t *fields[SAVE_N_MPIS] = {
    &state->secret, &state->x2, &state->x3, &state->g1,  &state->g2,  &state->g3,
    &state->g3o,    &state->p,  &state->q,  &state->pab, &state->qab,
  };

  return fields[i];
}

static gboolean
phase_is_running (Phase phase)
{
  return phase == PHASE_INITIATOR_WAIT2 || phase == PHASE_RESPONDER_ASKED ||
         phase == PHASE_RESPONDER_WAIT3 || phase == PHASE_INITIATOR_WAIT4;
}

static NextExpectedSMP
phase_next_expected (Phase phase)
{
  switch (phase)
    {
    case PHASE_INITIATOR_WAIT2:
      return OTRL_SMP_EXPECT2;
    case PHASE_RESPONDER_WAIT3:
      return OTRL_SMP_EXPECT3;
    case PHASE_INITIATOR_WAIT4:
      return OTRL_SMP_EXPECT4;
    case PHASE_NEW:
    case PHASE_RESPONDER_ASKED:
    case PHASE_DONE:
    case PHASE_FAILED:
    case N_PHASES:
    default:
      return OTRL_SMP_EXPECT1;
    }
}

static gboolean
phase_allows_result (Phase phase, int result)
{
  switch (phase)
    {
    case PHASE_DONE:
      return result == OTRL_SMP_PROG_SUCCEEDED || result == OTRL_SMP_PROG_FAILED;
    case PHASE_FAILED:
      return result == OTRL_SMP_PROG_CHEATED;
    case PHASE_NEW:
    case PHASE_INITIATOR_WAIT2:
    case PHASE_RESPONDER_ASKED:
    case PHASE_RESPONDER_WAIT3:
    case PHASE_INITIATOR_WAIT4:
      return result == OTRL_SMP_PROG_OK;
    case N_PHASES:
    default:
      return FALSE;
    }
}

/* The state holds the run's secrets (the bound secret until it has been
 * used, the exponents x2 and x3): the bytes are wiped when freed, and the
 * caller stores them only sealed, as the rest of the private-chat state. */
GBytes *
mimp_e2e_smp_save (MimpE2eSmp *smp)
{
  g_autoptr (GByteArray) out = NULL;
  guint8 header[SAVE_HEADER_LEN] = { 'M', 'S', 'M', 'P', SAVE_VERSION };
  GBytes *saved;

  g_return_val_if_fail (smp != NULL, NULL);

  out = g_byte_array_sized_new (SAVE_HEADER_LEN + SAVE_N_MPIS * (2 + SMP_MPI_MAX_BYTES));
  header[5] = smp->phase;
  header[6] = smp->state.nextExpected;
  header[7] = smp->state.received_question ? 1 : 0;
  header[8] = smp->state.sm_prog_state + 2;
  g_byte_array_append (out, header, sizeof header);

  for (guint i = 0; phase_is_running (smp->phase) && i < SAVE_N_MPIS; i++)
    {
      gcry_mpi_t mpi = *state_mpi (&smp->state, i);
      size_t n = 0;
      guint8 be[2];

      if (mpi == NULL || gcry_mpi_print (GCRYMPI_FMT_USG, NULL, 0, &n, mpi) != 0 ||
          n > SMP_MPI_MAX_BYTES)
        {
          explicit_bzero (out->data, out->len);
          return NULL;
        }
      be[0] = n >> 8;
      be[1] = n & 0xff;
      g_byte_array_append (out, be, sizeof be);
      g_byte_array_set_size (out, out->len + n);
      if (n > 0 && gcry_mpi_print (GCRYMPI_FMT_USG, out->data + out->len - n, n, NULL, mpi) != 0)
        {
          explicit_bzero (out->data, out->len);
          return NULL;
        }
    }

  saved = wiped_bytes_new (out->data, out->len);
  explicit_bzero (out->data, out->len);
  return saved;
}

MimpE2eSmp *
mimp_e2e_smp_load (GBytes *saved)
{
  g_autoptr (MimpE2eSmp) smp = NULL;
  const guint8 *data;
  gsize len, pos = SAVE_HEADER_LEN;
  int result;

  g_return_val_if_fail (saved != NULL, NULL);

  data = g_bytes_get_data (saved, &len);
  if (len < SAVE_HEADER_LEN || memcmp (data, SAVE_MAGIC, 4) != 0 || data[4] != SAVE_VERSION ||
      data[5] >= N_PHASES || data[6] != phase_next_expected (data[5]) || data[7] > 1)
    return NULL;
  result = (int) data[8] - 2;
  if (!phase_allows_result (data[5], result))
    return NULL;

  smp = mimp_e2e_smp_new ();
  smp->phase = data[5];
  smp->state.nextExpected = data[6];
  smp->state.received_question = data[7];
  smp->state.sm_prog_state = result;

  for (guint i = 0; phase_is_running (smp->phase) && i < SAVE_N_MPIS; i++)
    {
      gcry_mpi_t *field = state_mpi (&smp->state, i);
      gsize n;

      if (len - pos < 2)
        return NULL;
      n = (data[pos] << 8) | data[pos + 1];
      pos += 2;
      if (n > SMP_MPI_MAX_BYTES || (i == 0 && n > SMP_SECRET_LEN) || len - pos < n)
        return NULL;
      if (i == 0)
        *field = gcry_mpi_snew (SMP_SECRET_LEN * 8);
      else
        *field = gcry_mpi_new (n * 8);
      if (n > 0)
        {
          gcry_mpi_t value = NULL;

          if (gcry_mpi_scan (&value, GCRYMPI_FMT_USG, data + pos, n, NULL) != 0)
            return NULL;
          gcry_mpi_set (*field, value);
          gcry_mpi_release (value);
        }
      else
        {
          gcry_mpi_set_ui (*field, 0);
        }
      pos += n;
    }
  if (pos != len)
    return NULL;

  /* A running state's generator is libotr's, 2: otherwise the numbers are
   * not from this group. */
  if (phase_is_running (smp->phase) && gcry_mpi_cmp_ui (smp->state.g1, 2) != 0)
    return NULL;

  return g_steal_pointer (&smp);
}

/* libsignal's displayable fingerprint (fingerprint.c, version 0): SHA-512
 * over 0x00 0x00, the key, the name and the key, then 5,199 times over the
 * previous hash and the key; the first 30 bytes as six 5-byte big-endian
 * numbers, each modulo 100000 as 5 digits. */
static void
party_digits (const char *name, GBytes *key, char digits[SAFETY_PARTY_DIGITS + 1])
{
  static const guint8 version[2] = { 0, 0 };
  guint8 hash[64];
  gcry_md_hd_t md = NULL;
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  if (gcry_md_open (&md, GCRY_MD_SHA512, 0) != 0)
    g_error ("libgcrypt has no SHA-512");
  gcry_md_write (md, version, sizeof version);
  gcry_md_write (md, key_data, key_len);
  gcry_md_write (md, name, strlen (name));
  for (guint i = 0; i < SAFETY_ITERATIONS; i++)
    {
      if (i > 0)
        {
          gcry_md_reset (md);
          gcry_md_write (md, hash, sizeof hash);
        }
      gcry_md_write (md, key_data, key_len);
      memcpy (hash, gcry_md_read (md, 0), sizeof hash);
    }
  gcry_md_close (md);

  for (guint i = 0; i < SAFETY_PARTY_DIGITS; i += 5)
    {
      guint64 chunk = ((guint64) hash[i] << 32) | ((guint64) hash[i + 1] << 24) |
                      ((guint64) hash[i + 2] << 16) | ((guint64) hash[i + 3] << 8) | hash[i + 4];

      g_snprintf (digits + i, 6, "%05u", (guint) (chunk % 100000));
    }
}

char *
mimp_e2e_smp_safety_number (const char *own_name, GBytes *own_key, const char *peer_name,
                            GBytes *peer_key)
{
  char own[SAFETY_PARTY_DIGITS + 1], peer[SAFETY_PARTY_DIGITS + 1];
  char both[2 * SAFETY_PARTY_DIGITS + 1];
  GString *out;

  g_return_val_if_fail (own_name != NULL, NULL);
  g_return_val_if_fail (own_key != NULL, NULL);
  g_return_val_if_fail (peer_name != NULL, NULL);
  g_return_val_if_fail (peer_key != NULL, NULL);

  if (g_bytes_get_size (own_key) == 0 || g_bytes_get_size (peer_key) == 0)
    return NULL;

  party_digits (own_name, own_key, own);
  party_digits (peer_name, peer_key, peer);
  /* Equal lengths of digits: strcmp is numeric order, as libsignal's. */
  if (strcmp (own, peer) <= 0)
    g_snprintf (both, sizeof both, "%s%s", own, peer);
  else
    g_snprintf (both, sizeof both, "%s%s", peer, own);

  out = g_string_sized_new (72);
  for (guint i = 0; i < 2 * SAFETY_PARTY_DIGITS; i += 5)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_len (out, both + i, 5);
    }
  return g_string_free (out, FALSE);
}
