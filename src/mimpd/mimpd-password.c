/* mimpd-password.c
 *
 * Argon2id through libgcrypt 1.10. Default parameters follow OWASP's
 * recommendation (m = 19 MiB, t = 2, p = 1). MIMPD_ARGON2_TEST_COST=1 in the
 * environment lowers the cost of *new* hashes for the test suite only;
 * verification always uses the parameters stored in the hash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gcrypt.h>

#include "mimp.h"
#include "mimpd-password.h"

#define SALT_SIZE 16
#define TAG_SIZE 32

/* Limits accepted when reading a stored hash, so a corrupt row cannot make
 * the server allocate gigabytes. */
#define MAX_M_COST (1024 * 1024)
#define MAX_T_COST 64
#define MAX_P 16

static unsigned long default_m_cost = 19456;
static unsigned long default_t_cost = 2;
static unsigned long default_p = 1;
static char *dummy_hash;

static char *
b64_encode_unpadded (const guint8 *data, gsize len)
{
  char *s = g_base64_encode (data, len);
  char *eq = strchr (s, '=');

  if (eq != NULL)
    *eq = '\0';
  return s;
}

static guint8 *
b64_decode_unpadded (const char *s, gsize len, gsize *out_len)
{
  g_autofree char *padded = NULL;

  if (len == 0 || len > 512)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_isalnum (s[i]) || s[i] == '+' || s[i] == '/'))
      return NULL;
  padded = g_malloc (len + 4);
  memcpy (padded, s, len);
  while (len % 4 != 0)
    padded[len++] = '=';
  padded[len] = '\0';
  return g_base64_decode (padded, out_len);
}

static gboolean
argon2id (const char *password, const guint8 *salt, gsize salt_len, unsigned long m_cost,
          unsigned long t_cost, unsigned long p, guint8 *out, gsize out_len)
{
  unsigned long params[4] = { out_len, t_cost, m_cost, p };
  gcry_kdf_hd_t hd = NULL;
  gcry_error_t err;

  err = gcry_kdf_open (&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, params, 4, password,
                       strlen (password), salt, salt_len, NULL, 0, NULL, 0);
  if (err)
    {
      g_warning ("Argon2id setup failed: %s", gcry_strerror (err));
      return FALSE;
    }
  err = gcry_kdf_compute (hd, NULL);
  if (!err)
    err = gcry_kdf_final (hd, out_len, out);
  gcry_kdf_close (hd);
  if (err)
    {
      g_warning ("Argon2id failed: %s", gcry_strerror (err));
      return FALSE;
    }
  return TRUE;
}

/**
 * mimpd_password_init:
 *
 * Initialises libgcrypt (once per process) and picks the parameters for new
 * hashes.
 */
gboolean
mimpd_password_init (GError **error)
{
  guint8 salt[SALT_SIZE], tag[TAG_SIZE];
  g_autofree char *salt64 = NULL, *tag64 = NULL;

  if (!gcry_check_version (GCRYPT_VERSION))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libgcrypt is older than %s",
                   GCRYPT_VERSION);
      return FALSE;
    }
  /* No secret lives in gcrypt's secure memory here: the KDF's buffers are
   * its own and freed on close. */
  gcry_control (GCRYCTL_DISABLE_SECMEM, 0);
  gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);

  if (g_strcmp0 (g_getenv ("MIMPD_ARGON2_TEST_COST"), "1") == 0)
    {
      default_m_cost = 64;
      default_t_cost = 1;
    }

  /* What a login for an unknown user is verified against, so it costs the
   * same time as a real one. */
  if (!mimp_random_bytes (salt, sizeof salt, error) || !mimp_random_bytes (tag, sizeof tag, error))
    return FALSE;
  salt64 = b64_encode_unpadded (salt, sizeof salt);
  tag64 = b64_encode_unpadded (tag, sizeof tag);
  g_free (dummy_hash);
  dummy_hash = g_strdup_printf ("$argon2id$v=19$m=%lu,t=%lu,p=%lu$%s$%s", default_m_cost,
                                default_t_cost, default_p, salt64, tag64);
  return TRUE;
}

const char *
mimpd_password_dummy_hash (void)
{
  return dummy_hash;
}

char *
mimpd_password_hash (const char *password, GError **error)
{
  guint8 salt[SALT_SIZE], tag[TAG_SIZE];
  g_autofree char *salt64 = NULL, *tag64 = NULL;

  if (!mimp_random_bytes (salt, sizeof salt, error))
    return NULL;
  if (!argon2id (password, salt, sizeof salt, default_m_cost, default_t_cost, default_p, tag,
                 sizeof tag))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not hash the password");
      return NULL;
    }
  salt64 = b64_encode_unpadded (salt, sizeof salt);
  tag64 = b64_encode_unpadded (tag, sizeof tag);
  mimp_secure_wipe (tag, sizeof tag);
  return g_strdup_printf ("$argon2id$v=19$m=%lu,t=%lu,p=%lu$%s$%s", default_m_cost, default_t_cost,
                          default_p, salt64, tag64);
}

/**
 * mimpd_password_verify:
 *
 * Recomputes the hash with the stored salt and parameters and compares in
 * constant time. Blocking (tens of milliseconds): never call it on the main
 * thread of the server; use mimpd_password_verify_async().
 */
gboolean
mimpd_password_verify (const char *password, const char *encoded)
{
  g_auto (GStrv) parts = NULL;
  unsigned long m = 0, t = 0, p = 0;
  g_autofree guint8 *salt = NULL, *want = NULL;
  gsize salt_len = 0, want_len = 0;
  guint8 got[64];
  gboolean ok;
  char tail;

  if (password == NULL || encoded == NULL)
    return FALSE;
  parts = g_strsplit (encoded, "$", 0);
  /* "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash */
  if (g_strv_length (parts) != 6 || parts[0][0] != '\0' || strcmp (parts[1], "argon2id") != 0 ||
      strcmp (parts[2], "v=19") != 0)
    return FALSE;
  if (sscanf (parts[3], "m=%lu,t=%lu,p=%lu%c", &m, &t, &p, &tail) != 3)
    return FALSE;
  if (m < 8 * p || m > MAX_M_COST || t < 1 || t > MAX_T_COST || p < 1 || p > MAX_P)
    return FALSE;
  salt = b64_decode_unpadded (parts[4], strlen (parts[4]), &salt_len);
  want = b64_decode_unpadded (parts[5], strlen (parts[5]), &want_len);
  if (salt == NULL || salt_len < 8 || want == NULL || want_len < 16 || want_len > sizeof got)
    return FALSE;
  if (!argon2id (password, salt, salt_len, m, t, p, got, want_len))
    return FALSE;
  ok = mimp_constant_time_equal (got, want, want_len);
  mimp_secure_wipe (got, sizeof got);
  return ok;
}

typedef struct
{
  char *password;
  char *encoded;
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  mimp_secure_free_string (data->password);
  g_free (data->encoded);
  g_free (data);
}

static void
verify_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  VerifyData *data = task_data;

  g_task_return_boolean (task, mimpd_password_verify (data->password, data->encoded));
}

void
mimpd_password_verify_async (const char *password, const char *encoded, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  VerifyData *data = g_new0 (VerifyData, 1);

  data->password = g_strdup (password);
  data->encoded = g_strdup (encoded);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimpd_password_verify_async);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);
  g_task_run_in_thread (task, verify_thread);
}

/* Returns whether the password matched; %FALSE without @error on mismatch. */
gboolean
mimpd_password_verify_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
