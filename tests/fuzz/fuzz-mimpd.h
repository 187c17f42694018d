/* fuzz-mimpd.h - what the targets that drive mimpd's code share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "mimp.h"
#include "mimpd-password.h"
#include "fuzz-common.h"

/* In an input, stands for the token of the login that succeeded. */
#define FUZZ_TOKEN_PLACEHOLDER "TOKEN_PLACEHOLDR"

/* For LLVMFuzzerInitialize(): criticals become fatal, Argon2id runs at the
 * test cost. Returns: the hash of the password "pw". */
static inline char *
fuzz_mimpd_init (void)
{
  g_autoptr (GError) error = NULL;
  char *hash = NULL;

  g_setenv ("MIMPD_ARGON2_TEST_COST", "1", TRUE);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  if (!mimpd_password_init (&error) || !(hash = mimpd_password_hash ("pw", &error)))
    g_error ("%s", error->message);
  return hash;
}

/* Replaces each FUZZ_TOKEN_PLACEHOLDER in @data with @token. */
static inline void
fuzz_replace_token (guint8 *data, gsize len, const char *token)
{
  guint8 *p = data;
  guint8 *hit;

  while (len >= MIMP_TOKEN_LENGTH &&
         (hit = memmem (p, len, FUZZ_TOKEN_PLACEHOLDER, MIMP_TOKEN_LENGTH)) != NULL)
    {
      memcpy (hit, token, MIMP_TOKEN_LENGTH);
      len -= (gsize) (hit - p) + MIMP_TOKEN_LENGTH;
      p = hit + MIMP_TOKEN_LENGTH;
    }
}
