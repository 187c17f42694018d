/* cryptully-smp.c - SMP in RFC 3526 group 14, Cryptully's flavour
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cryptully"

#include "config.h"

#include <string.h>

#include "cryptully-crypto.h"
#include "cryptully-error.h"
#include "cryptully-smp.h"

/* RFC 3526 group 14 (2048-bit MODP), generator 2. */
static const char group14_hex[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

#define EXPONENT_BYTES 192 /* as the original draws them */

typedef struct gcry_mpi Mpi;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mpi, gcry_mpi_release)

static gcry_mpi_t modulus, order, generator, modulus_minus_2;

struct _CryptullySmp
{
  int next_step; /* 1 or 2: nothing done yet; then the step expected */
  CryptullyRandomFunc random;
  gpointer random_data;
  gcry_mpi_t secret;
  gcry_mpi_t x2, x3;
  gcry_mpi_t peer_g3;
  gcry_mpi_t g2, g3; /* the shared generators: g2a^x2b, g3a^x3b */
  gcry_mpi_t pa, qa, pb, qb;
};

static void
smp_init (void)
{
  static gsize done = 0;

  cryptully_crypto_init ();
  if (g_once_init_enter (&done))
    {
      if (gcry_mpi_scan (&modulus, GCRYMPI_FMT_HEX, group14_hex, 0, NULL) != 0)
        g_error ("cannot read the SMP group");
      order = gcry_mpi_new (0);
      gcry_mpi_sub_ui (order, modulus, 1);
      gcry_mpi_rshift (order, order, 1);
      modulus_minus_2 = gcry_mpi_new (0);
      gcry_mpi_sub_ui (modulus_minus_2, modulus, 2);
      generator = gcry_mpi_set_ui (NULL, 2);
      g_once_init_leave (&done, 1);
    }
}

/* Moves a secret value into libgcrypt's secure memory (wiped on release).
 * libgcrypt refuses that move for a zero, which is no secret anyway. */
static void
keep_secure (gcry_mpi_t value)
{
  if (gcry_mpi_cmp_ui (value, 0) != 0)
    gcry_mpi_set_flag (value, GCRYMPI_FLAG_SECURE);
}

static void
default_random (guint8 *buf, gsize len, gpointer user_data)
{
  gcry_randomize (buf, len, GCRY_STRONG_RANDOM);
}

CryptullySmp *
cryptully_smp_new (const char *answer)
{
  CryptullySmp *smp;
  gsize len = strlen (answer);

  smp_init ();
  smp = g_new0 (CryptullySmp, 1);
  smp->random = default_random;
  /* The answer's bytes as one big-endian number (mapStringToInt). */
  if (len == 0 || gcry_mpi_scan (&smp->secret, GCRYMPI_FMT_USG, answer, len, NULL) != 0)
    smp->secret = gcry_mpi_set_ui (NULL, 0);
  keep_secure (smp->secret);
  return smp;
}

void
cryptully_smp_free (CryptullySmp *smp)
{
  gcry_mpi_t *values[] = { &smp->secret, &smp->x2, &smp->x3, &smp->peer_g3, &smp->g2,
                           &smp->g3,     &smp->pa, &smp->qa, &smp->pb,      &smp->qb };

  if (smp == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    g_clear_pointer (values[i], gcry_mpi_release);
  g_free (smp);
}

void
cryptully_smp_set_random_func (CryptullySmp *smp, CryptullyRandomFunc func, gpointer user_data)
{
  smp->random = func ? func : default_random;
  smp->random_data = user_data;
}

static gcry_mpi_t
random_exponent (CryptullySmp *smp)
{
  guint8 buf[EXPONENT_BYTES];
  gcry_mpi_t value = NULL;

  smp->random (buf, sizeof buf, smp->random_data);
  gcry_mpi_scan (&value, GCRYMPI_FMT_USG, buf, sizeof buf, NULL);
  explicit_bzero (buf, sizeof buf);
  keep_secure (value);
  return value;
}

static gcry_mpi_t
powm (gcry_mpi_t base, gcry_mpi_t exponent)
{
  gcry_mpi_t result = gcry_mpi_new (2048);

  gcry_mpi_powm (result, base, exponent, modulus);
  return result;
}

static gcry_mpi_t
mulm (gcry_mpi_t a, gcry_mpi_t b, gcry_mpi_t m)
{
  gcry_mpi_t result = gcry_mpi_new (2048);

  gcry_mpi_mulm (result, a, b, m);
  return result;
}

static gcry_mpi_t
invm (gcry_mpi_t a)
{
  gcry_mpi_t result = gcry_mpi_new (2048);

  gcry_mpi_invm (result, a, modulus);
  return result;
}

/* (r - x*c) mod q */
static gcry_mpi_t
response (gcry_mpi_t r, gcry_mpi_t x, gcry_mpi_t c)
{
  g_autoptr (Mpi) xc = mulm (x, c, order);
  gcry_mpi_t result = gcry_mpi_new (2048);

  gcry_mpi_subm (result, r, xc, order);
  return result;
}

/* SHA-256 of "<version><decimal(a)>[<decimal(b)>]" as a number. */
static gcry_mpi_t
proof_hash (char version, gcry_mpi_t a, gcry_mpi_t b)
{
  g_autofree char *da = cryptully_mpi_to_decimal (a);
  g_autofree char *db = b ? cryptully_mpi_to_decimal (b) : g_strdup ("");
  g_autofree char *text = g_strdup_printf ("%c%s%s", version, da, db);
  guint8 digest[32];
  gcry_mpi_t value = NULL;

  gcry_md_hash_buffer (GCRY_MD_SHA256, digest, text, strlen (text));
  gcry_mpi_scan (&value, GCRYMPI_FMT_USG, digest, sizeof digest, NULL);
  return value;
}

static gboolean
is_element (gcry_mpi_t value)
{
  return gcry_mpi_cmp_ui (value, 2) >= 0 && gcry_mpi_cmp (value, modulus_minus_2) <= 0;
}

/* packList: per value a 4-byte big-endian length and the magnitude. */
static GBytes *
pack (gcry_mpi_t *values, guint n)
{
  GByteArray *out = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    {
      guint8 *bytes = NULL;
      size_t len = 0;
      guint8 header[4];

      if (gcry_mpi_cmp_ui (values[i], 0) != 0)
        gcry_mpi_aprint (GCRYMPI_FMT_USG, &bytes, &len, values[i]);
      header[0] = (len >> 24) & 0xff;
      header[1] = (len >> 16) & 0xff;
      header[2] = (len >> 8) & 0xff;
      header[3] = len & 0xff;
      g_byte_array_append (out, header, 4);
      if (len > 0)
        g_byte_array_append (out, bytes, (guint) len);
      gcry_free (bytes);
    }
  return g_byte_array_free_to_bytes (out);
}

static void
release_all (gcry_mpi_t *values, guint n)
{
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&values[i], gcry_mpi_release);
}

/* Exactly @n values, each at most CRYPTULLY_SMP_VALUE_MAX bytes. */
static gboolean
unpack (GBytes *bytes, gcry_mpi_t *values, guint n, GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gsize pos = 0;
  guint count = 0;

  memset (values, 0, n * sizeof *values);
  while (pos < len)
    {
      guint32 item;

      if (count == n || len - pos < 4)
        goto bad;
      item = ((guint32) data[pos] << 24) | ((guint32) data[pos + 1] << 16) |
             ((guint32) data[pos + 2] << 8) | data[pos + 3];
      pos += 4;
      if (item > CRYPTULLY_SMP_VALUE_MAX || item > len - pos)
        goto bad;
      if (item == 0)
        values[count] = gcry_mpi_set_ui (NULL, 0);
      else
        gcry_mpi_scan (&values[count], GCRYMPI_FMT_USG, data + pos, item, NULL);
      count++;
      pos += item;
    }
  if (count == n)
    return TRUE;
bad:
  release_all (values, n);
  cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  return FALSE;
}

static void
log_proof (CryptullySmp *smp, char version, gcry_mpi_t x, gcry_mpi_t *c, gcry_mpi_t *d)
{
  g_autoptr (Mpi) r = random_exponent (smp);
  g_autoptr (Mpi) gr = powm (generator, r);

  *c = proof_hash (version, gr, NULL);
  *d = response (r, x, *c);
}

static gboolean
check_log_proof (char version, gcry_mpi_t value, gcry_mpi_t c, gcry_mpi_t d)
{
  g_autoptr (Mpi) gd = powm (generator, d);
  g_autoptr (Mpi) vc = powm (value, c);
  g_autoptr (Mpi) product = mulm (gd, vc, modulus);
  g_autoptr (Mpi) expected = proof_hash (version, product, NULL);

  return gcry_mpi_cmp (expected, c) == 0;
}

static void
coords_proof (CryptullySmp *smp, char version, gcry_mpi_t g2, gcry_mpi_t g3, gcry_mpi_t r,
              gcry_mpi_t *c, gcry_mpi_t *d1, gcry_mpi_t *d2)
{
  g_autoptr (Mpi) r1 = random_exponent (smp);
  g_autoptr (Mpi) r2 = random_exponent (smp);
  g_autoptr (Mpi) t1 = powm (g3, r1);
  g_autoptr (Mpi) gr1 = powm (generator, r1);
  g_autoptr (Mpi) g2r2 = powm (g2, r2);
  g_autoptr (Mpi) t2 = mulm (gr1, g2r2, modulus);

  *c = proof_hash (version, t1, t2);
  *d1 = response (r1, r, *c);
  *d2 = response (r2, smp->secret, *c);
}

static gboolean
check_coords_proof (char version, gcry_mpi_t c, gcry_mpi_t d1, gcry_mpi_t d2, gcry_mpi_t g2,
                    gcry_mpi_t g3, gcry_mpi_t p, gcry_mpi_t q)
{
  g_autoptr (Mpi) g3d1 = powm (g3, d1);
  g_autoptr (Mpi) pc = powm (p, c);
  g_autoptr (Mpi) t1 = mulm (g3d1, pc, modulus);
  g_autoptr (Mpi) gd1 = powm (generator, d1);
  g_autoptr (Mpi) g2d2 = powm (g2, d2);
  g_autoptr (Mpi) qc = powm (q, c);
  g_autoptr (Mpi) t2a = mulm (gd1, g2d2, modulus);
  g_autoptr (Mpi) t2 = mulm (t2a, qc, modulus);
  g_autoptr (Mpi) expected = proof_hash (version, t1, t2);

  return gcry_mpi_cmp (expected, c) == 0;
}

static void
equal_logs_proof (CryptullySmp *smp, char version, gcry_mpi_t qab, gcry_mpi_t x, gcry_mpi_t *c,
                  gcry_mpi_t *d)
{
  g_autoptr (Mpi) r = random_exponent (smp);
  g_autoptr (Mpi) t1 = powm (generator, r);
  g_autoptr (Mpi) t2 = powm (qab, r);

  *c = proof_hash (version, t1, t2);
  *d = response (r, x, *c);
}

static gboolean
check_equal_logs (char version, gcry_mpi_t c, gcry_mpi_t d, gcry_mpi_t g3, gcry_mpi_t qab,
                  gcry_mpi_t r)
{
  g_autoptr (Mpi) gd = powm (generator, d);
  g_autoptr (Mpi) g3c = powm (g3, c);
  g_autoptr (Mpi) t1 = mulm (gd, g3c, modulus);
  g_autoptr (Mpi) qd = powm (qab, d);
  g_autoptr (Mpi) rc = powm (r, c);
  g_autoptr (Mpi) t2 = mulm (qd, rc, modulus);
  g_autoptr (Mpi) expected = proof_hash (version, t1, t2);

  return gcry_mpi_cmp (expected, c) == 0;
}

/* x2 and x3 drawn; g^x2, g^x3 into @values[0..1], their proofs of
 * knowledge (versions @version and @version + 1) into @proofs[0..3]. */
static void
draw_exponents (CryptullySmp *smp, char version, gcry_mpi_t *values, gcry_mpi_t *proofs)
{
  smp->x2 = random_exponent (smp);
  smp->x3 = random_exponent (smp);
  values[0] = powm (generator, smp->x2);
  values[1] = powm (generator, smp->x3);
  log_proof (smp, version, smp->x2, &proofs[0], &proofs[1]);
  log_proof (smp, (char) (version + 1), smp->x3, &proofs[2], &proofs[3]);
}

static gboolean
out_of_order (CryptullySmp *smp, int step, GError **error)
{
  if (smp->next_step == step)
    return FALSE;
  cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  return TRUE;
}

/* Initiator: g2a, g3a, c1, d1, c2, d2 */
GBytes *
cryptully_smp_step1 (CryptullySmp *smp)
{
  gcry_mpi_t out[6];
  GBytes *result;

  g_return_val_if_fail (smp->next_step == 0, NULL);
  draw_exponents (smp, '1', out, &out[2]);
  result = pack (out, 6);
  release_all (out, 6);
  smp->next_step = 3;
  return result;
}

/* Responder: g2b, g3b, pb, qb, c3, d3, c4, d4, c5, d5, d6 */
GBytes *
cryptully_smp_step2 (CryptullySmp *smp, GBytes *smp1, GError **error)
{
  gcry_mpi_t in[6], out[11];
  g_autoptr (Mpi) r = NULL;
  g_autoptr (Mpi) gr = NULL;
  g_autoptr (Mpi) g2secret = NULL;
  GBytes *result;

  if (smp->next_step != 0)
    {
      cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
      return NULL;
    }
  if (!unpack (smp1, in, 6, error))
    return NULL;
  if (!is_element (in[0]) || !is_element (in[1]) || !check_log_proof ('1', in[0], in[2], in[3]) ||
      !check_log_proof ('2', in[1], in[4], in[5]))
    {
      release_all (in, 6);
      cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
      return NULL;
    }
  draw_exponents (smp, '3', out, &out[4]);
  r = random_exponent (smp);
  smp->g2 = powm (in[0], smp->x2);
  smp->g3 = powm (in[1], smp->x3);
  smp->peer_g3 = gcry_mpi_copy (in[1]);
  release_all (in, 6);
  smp->pb = powm (smp->g3, r);
  gr = powm (generator, r);
  g2secret = powm (smp->g2, smp->secret);
  smp->qb = mulm (gr, g2secret, modulus);
  out[2] = gcry_mpi_copy (smp->pb);
  out[3] = gcry_mpi_copy (smp->qb);
  coords_proof (smp, '5', smp->g2, smp->g3, r, &out[8], &out[9], &out[10]);
  result = pack (out, 11);
  release_all (out, 11);
  smp->next_step = 4;
  return result;
}

/* Initiator: pa, qa, ra, c6, d7, d8, c7, d9 */
GBytes *
cryptully_smp_step3 (CryptullySmp *smp, GBytes *smp2, GError **error)
{
  gcry_mpi_t in[11], out[8];
  g_autoptr (Mpi) s = NULL;
  g_autoptr (Mpi) gs = NULL;
  g_autoptr (Mpi) g2secret = NULL;
  g_autoptr (Mpi) inv = NULL;
  g_autoptr (Mpi) qab = NULL;
  GBytes *result;

  if (out_of_order (smp, 3, error) || !unpack (smp2, in, 11, error))
    return NULL;
  if (!is_element (in[0]) || !is_element (in[1]) || !is_element (in[2]) || !is_element (in[3]) ||
      !check_log_proof ('3', in[0], in[4], in[5]) || !check_log_proof ('4', in[1], in[6], in[7]))
    goto bad;
  smp->g2 = powm (in[0], smp->x2);
  smp->g3 = powm (in[1], smp->x3);
  if (!check_coords_proof ('5', in[8], in[9], in[10], smp->g2, smp->g3, in[2], in[3]))
    goto bad;
  smp->peer_g3 = gcry_mpi_copy (in[1]);
  smp->pb = gcry_mpi_copy (in[2]);
  smp->qb = gcry_mpi_copy (in[3]);
  release_all (in, 11);

  s = random_exponent (smp);
  smp->pa = powm (smp->g3, s);
  gs = powm (generator, s);
  g2secret = powm (smp->g2, smp->secret);
  smp->qa = mulm (gs, g2secret, modulus);
  out[0] = gcry_mpi_copy (smp->pa);
  out[1] = gcry_mpi_copy (smp->qa);
  coords_proof (smp, '6', smp->g2, smp->g3, s, &out[3], &out[4], &out[5]);
  inv = invm (smp->qb);
  qab = mulm (smp->qa, inv, modulus);
  out[2] = powm (qab, smp->x3);
  equal_logs_proof (smp, '7', qab, smp->x3, &out[6], &out[7]);
  result = pack (out, 8);
  release_all (out, 8);
  smp->next_step = 5;
  return result;

bad:
  release_all (in, 11);
  smp->next_step = -1;
  cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  return NULL;
}

/* R_ab == Pa / Pb */
static gboolean
matches (CryptullySmp *smp, gcry_mpi_t peer_r)
{
  g_autoptr (Mpi) rab = powm (peer_r, smp->x3);
  g_autoptr (Mpi) inv = invm (smp->pb);
  g_autoptr (Mpi) ratio = mulm (smp->pa, inv, modulus);

  return gcry_mpi_cmp (rab, ratio) == 0;
}

/* Responder: rb, c8, d10 */
GBytes *
cryptully_smp_step4 (CryptullySmp *smp, GBytes *smp3, gboolean *match, GError **error)
{
  gcry_mpi_t in[8], out[3];
  g_autoptr (Mpi) inv = NULL;
  g_autoptr (Mpi) qab = NULL;
  GBytes *result;

  *match = FALSE;
  if (out_of_order (smp, 4, error) || !unpack (smp3, in, 8, error))
    return NULL;
  inv = invm (smp->qb);
  qab = is_element (in[1]) ? mulm (in[1], inv, modulus) : NULL;
  if (qab == NULL || !is_element (in[0]) || !is_element (in[2]) ||
      !check_coords_proof ('6', in[3], in[4], in[5], smp->g2, smp->g3, in[0], in[1]) ||
      !check_equal_logs ('7', in[6], in[7], smp->peer_g3, qab, in[2]))
    {
      release_all (in, 8);
      smp->next_step = -1;
      cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
      return NULL;
    }
  smp->pa = gcry_mpi_copy (in[0]);
  smp->qa = gcry_mpi_copy (in[1]);
  out[0] = powm (qab, smp->x3);
  equal_logs_proof (smp, '8', qab, smp->x3, &out[1], &out[2]);
  *match = matches (smp, in[2]);
  release_all (in, 8);
  result = pack (out, 3);
  release_all (out, 3);
  smp->next_step = 6;
  return result;
}

gboolean
cryptully_smp_step5 (CryptullySmp *smp, GBytes *smp4, gboolean *match, GError **error)
{
  gcry_mpi_t in[3];
  g_autoptr (Mpi) inv = NULL;
  g_autoptr (Mpi) qab = NULL;
  gboolean ok;

  *match = FALSE;
  if (out_of_order (smp, 5, error) || !unpack (smp4, in, 3, error))
    return FALSE;
  inv = invm (smp->qb);
  qab = mulm (smp->qa, inv, modulus);
  ok = is_element (in[0]) && check_equal_logs ('8', in[1], in[2], smp->peer_g3, qab, in[0]);
  if (ok)
    *match = matches (smp, in[0]);
  else
    cryptully_set_error (error, CRYPTULLY_ERROR_SMP_CHECK_FAILED);
  release_all (in, 3);
  smp->next_step = 6;
  return ok;
}
