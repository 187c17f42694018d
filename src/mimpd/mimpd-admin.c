/* mimpd-admin.c - add, remove and list users, set passwords
 *
 * A password comes from standard input (one line, its newline stripped) or
 * from --password-file, never from the command line. Every failure is one
 * line on standard error and a non-zero exit status.
 *
 * Every command is refused while a server runs on the database
 * (mimpd-lock.c): the operator stops it, changes users, and starts it
 * again. "user list" too: opening the database may migrate its schema (a
 * newer mimpd), which must not happen under a running server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mimp.h"
#include "mimpd-admin.h"
#include "mimpd-lock.h"
#include "mimpd-password.h"
#include "mimpd-store.h"

static int fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("mimpd: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  return 1;
}

/* One line, without its line ending; %NULL on error (already reported). */
static char *
read_password (const char *password_file)
{
  FILE *in = stdin;
  GString *line = g_string_sized_new (64);
  int c;

  if (password_file != NULL && !(in = fopen (password_file, "re")))
    {
      fail ("cannot read %s: %s", password_file, g_strerror (errno));
      g_string_free (line, TRUE);
      return NULL;
    }
  while ((c = fgetc (in)) != EOF && c != '\n')
    {
      if (line->len > MIMP_PASSWORD_MAX + 1)
        continue; /* too long anyway; keep reading the line, not storing it */
      g_string_append_c (line, (char) c);
    }
  if (in != stdin)
    fclose (in);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static char *
hash_new_password (const char *password_file)
{
  g_autoptr (GError) error = NULL;
  char *password = read_password (password_file);
  char *hash;

  if (password == NULL)
    return NULL;
  if (!mimp_password_check (password, &error))
    {
      fail ("%s", password[0] == '\0' ? "the password is empty" : error->message);
      mimp_secure_free_string (password);
      return NULL;
    }
  hash = mimpd_password_hash (password, &error);
  mimp_secure_free_string (password);
  if (hash == NULL)
    fail ("%s", error->message);
  return hash;
}

int
mimpd_admin_run (const char *database, const char *password_file, char **args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MimpdStore) store = NULL;
  g_autofree char *name = NULL;
  g_autofree char *hash = NULL;
  guint n = g_strv_length (args);
  const char *command = n > 0 ? args[0] : NULL;

  if (command == NULL)
    return fail ("missing command: user add|remove|passwd|list");
  if (strcmp (command, "list") == 0 ? n != 1 : n != 2)
    return fail ("usage: mimpd user add|remove|passwd NAME, or mimpd user list");
  if (strcmp (command, "add") != 0 && strcmp (command, "remove") != 0 &&
      strcmp (command, "passwd") != 0 && strcmp (command, "list") != 0)
    return fail ("unknown command \"user %s\"", command);

  if (n == 2 && !mimp_user_name_normalize (args[1], &name, &error))
    return fail ("invalid user name: %s", error->message);

  /* Before the password is read: refused at once beside a server. Held
   * until the process exits. */
  if (mimpd_lock_database (database, MIMPD_LOCK_ADMIN, &error) == -1)
    return fail ("%s", error->message);

  /* Read and hash the password before touching the database. */
  if (strcmp (command, "add") == 0 || strcmp (command, "passwd") == 0)
    if (!(hash = hash_new_password (password_file)))
      return 1;

  store = mimpd_store_open (database, TRUE, &error);
  if (store == NULL)
    return fail ("%s", error->message);

  if (strcmp (command, "add") == 0)
    {
      if (!mimpd_store_user_add (store, name, hash, &error))
        return fail ("%s", error->message);
    }
  else if (strcmp (command, "passwd") == 0)
    {
      if (!mimpd_store_user_set_hash (store, name, hash, &error))
        return fail ("%s", error->message);
    }
  else if (strcmp (command, "remove") == 0)
    {
      if (!mimpd_store_user_remove (store, name, &error))
        return fail ("%s", error->message);
    }
  else
    {
      g_autoptr (GPtrArray) names = mimpd_store_user_list (store, &error);

      if (names == NULL)
        return fail ("%s", error->message);
      for (guint i = 0; i < names->len; i++)
        printf ("%s\n", (const char *) g_ptr_array_index (names, i));
      if (fflush (stdout) != 0)
        return fail ("cannot write the list");
    }
  return 0;
}
