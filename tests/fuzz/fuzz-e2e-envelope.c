/* fuzz-e2e-envelope.c - received private-chat texts (mimp-e2e.h)
 *
 * Alice and Bob have a session (set up once, in a temporary directory).
 * Input: one byte choosing how the rest is used, then the rest:
 *   0: the text Alice receives from Bob, as it is;
 *   1-4: an envelope of kind M, P, R or K around the rest (base64url);
 *   5: an inner plaintext (any bytes) that Bob really encrypts for Alice,
 *      so the inner parser, fragments and control messages are reached;
 *   6: a key-directory entry for start_session.
 * Oracles: decrypt() never fails (no database error) and its result is
 * coherent: text only for PLAIN and MESSAGE, valid UTF-8, a reason for
 * UNDECRYPTABLE; a bad bundle is BAD_BUNDLE.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "fuzz-common.h"
#include "mimp-e2e-run.h"
#include "mimp-e2e.h"

static MimpE2e *alice;
static MimpE2e *bob;
static MimpE2e *carol;

static void
set_up (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimp-fuzz-e2e-XXXXXX", NULL);
  g_autofree char *path = NULL;
  g_autoptr (GBytes) key = mimp_e2e_new_storage_key ();
  g_autofree char *request = NULL;
  g_autoptr (MimpE2eResult) answer = NULL;
  g_autoptr (MimpE2eResult) session = NULL;
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (MimpE2eResult) result = NULL;

  FUZZ_ASSERT (dir != NULL);
  path = g_build_filename (dir, "e2e.db", NULL);
  alice = mimp_e2e_open (path, "alice", key, NULL);
  bob = mimp_e2e_open (path, "bob", key, NULL);
  carol = mimp_e2e_open (path, "carol", key, NULL);
  FUZZ_ASSERT (alice != NULL && bob != NULL && carol != NULL);
  /* Bob asks Alice in-band, starts from her answer, says hello. */
  request = mimp_e2e_key_request (bob, "alice", NULL);
  answer = mimp_e2e_decrypt (alice, "bob", NULL, request, NULL);
  FUZZ_ASSERT (answer != NULL && answer->replies->len == 1);
  session = mimp_e2e_decrypt (bob, "alice", NULL, g_ptr_array_index (answer->replies, 0), NULL);
  FUZZ_ASSERT (session != NULL && session->session_ready);
  first = mimp_e2e_encrypt (bob, "alice", "hello", "hello", NULL);
  FUZZ_ASSERT (first != NULL);
  result = mimp_e2e_decrypt (alice, "bob", NULL, g_ptr_array_index (first, 0), NULL);
  FUZZ_ASSERT (result != NULL && result->status == MIMP_E2E_MESSAGE);
  /* The database stays in the temporary directory: removed by the OS. */
  g_unlink (path);
}

static void
check_result (MimpE2eResult *result)
{
  FUZZ_ASSERT (result != NULL);
  switch (result->status)
    {
    case MIMP_E2E_PLAIN:
    case MIMP_E2E_MESSAGE:
      FUZZ_ASSERT (result->text != NULL);
      FUZZ_ASSERT (result->status == MIMP_E2E_PLAIN || g_utf8_validate (result->text, -1, NULL));
      break;
    case MIMP_E2E_UNDECRYPTABLE:
      FUZZ_ASSERT (result->text == NULL && result->reason != NULL);
      break;
    case MIMP_E2E_PARTIAL:
    case MIMP_E2E_CONTROL:
    case MIMP_E2E_DUPLICATE:
    default:
      FUZZ_ASSERT (result->text == NULL);
      break;
    }
  FUZZ_ASSERT (result->replies != NULL);
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const char kinds[] = "MPRK";
  g_autofree char *text = NULL;
  g_autoptr (MimpE2eResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (alice == NULL)
    set_up ();
  if (size < 1 || size > 65536)
    return 0;

  switch (data[0] % 7)
    {
    case 0:
      text = g_strndup ((const char *) data + 1, size - 1);
      break;
    case 1:
    case 2:
    case 3:
    case 4:
      {
        g_autofree char *payload = mimp_e2e_base64url_encode (data + 1, size - 1);

        text = g_strdup_printf ("?MIMPE2E:1:%c:%s", kinds[data[0] % 7 - 1], payload);
        break;
      }
    case 5:
      text = mimp_e2e_encrypt_raw (bob, "alice", (const char *) data + 1, size - 1, &error);
      FUZZ_ASSERT (text != NULL || size - 1 > 16384);
      if (text == NULL)
        return 0;
      break;
    case 6:
    default:
      {
        g_autofree char *bundle = g_strndup ((const char *) data + 1, size - 1);

        if (!mimp_e2e_start_session (carol, "alice", bundle, &error))
          FUZZ_ASSERT (error->domain == MIMP_E2E_ERROR && error->code == MIMP_E2E_ERROR_BAD_BUNDLE);
        return 0;
      }
    }
  result = mimp_e2e_decrypt (alice, "bob", NULL, text, &error);
  FUZZ_ASSERT (error == NULL);
  check_result (result);
  return 0;
}
