/* mimpd-lock.c
 *
 * The lock is an flock(2) on DATABASE.lock, a file of its own beside the
 * database: SQLite takes POSIX (fcntl) locks on the database and its WAL
 * files, and closing any descriptor of a file drops every fcntl lock the
 * process holds on it, so the lock must not be taken on the database.
 * flock and fcntl locks are independent on Linux. (A command asks SQLite
 * for the database's name through a connection of its own, opened and
 * closed before the store opens the database: see sqlite_name().)
 *
 * A server holds an exclusive lock for its whole life; a `mimpd user`
 * command (list included: a newer mimpd migrates the schema when it opens
 * the database) a shared one while it runs. So two servers never share a
 * database, `mimpd user` commands may run side by side, and neither kind
 * runs beside a server: a server keeps state from the database in memory
 * (the index of sent ids, sessions of logged-in users), and the operator
 * should not be told "done" for a change that a running server may not see.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimpd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <gio/gio.h>
#include <sqlite3.h>

#include "mimpd-lock.h"

/* A server restarted while the old one is still exiting, or started while
 * a `mimpd user` command runs, waits this long for the lock. */
#define SERVE_WAIT_TRIES 50
#define SERVE_WAIT_US (100 * 1000)

/* One name for every spelling (relative, symlink) of one database: the
 * path with its symbolic links resolved. A database that does not exist
 * yet has its directory resolved. */
static char *
canonical_path (const char *database)
{
  char resolved[PATH_MAX];
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;

  if (realpath (database, resolved) != NULL)
    return g_strdup (resolved);
  dir = g_path_get_dirname (database);
  base = g_path_get_basename (database);
  if (realpath (dir, resolved) != NULL)
    return g_build_filename (resolved, base, NULL);
  return g_canonicalize_filename (database, NULL);
}

/* SQLite's absolute name of @database, which it may be given as a URI
 * ("file:..."), relatively or through a symbolic link; %NULL when it does
 * not exist. Only before this process opens the database: closing this
 * connection closes a descriptor of the file, which would drop every POSIX
 * lock that SQLite holds on it for the process. Opening read-only reads
 * nothing and takes no lock. */
static char *
sqlite_name (const char *database)
{
  sqlite3 *db = NULL;
  char *name = NULL;

  if (sqlite3_open_v2 (database, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK)
    name = g_strdup (sqlite3_db_filename (db, "main"));
  sqlite3_close (db);
  return name;
}

/**
 * mimpd_lock_database:
 * @database: the database's file; "" for a database in memory (no lock).
 *   The server passes SQLite's name of the database it has open; a
 *   command, before opening it, the name it was given.
 *
 * Takes the lock of @database for the life of the process (or until the
 * returned descriptor is closed).
 *
 * Returns: the descriptor that holds the lock (-2 for a database in
 *   memory), or -1 with @error set
 */
int
mimpd_lock_database (const char *database, MimpdLockMode mode, GError **error)
{
  g_autofree char *resolved = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *path = NULL;
  int operation = (mode == MIMPD_LOCK_SERVE ? LOCK_EX : LOCK_SH) | LOCK_NB;
  int fd;

  if (mode == MIMPD_LOCK_ADMIN && (resolved = sqlite_name (database)) != NULL)
    database = resolved;
  if (database[0] == '\0')
    return -2;
  canonical = canonical_path (database);
  path = g_strconcat (canonical, ".lock", NULL);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  for (guint i = 0; flock (fd, operation) != 0; i++)
    {
      int saved = errno;

      if (saved == EINTR)
        continue;
      if (saved == EWOULDBLOCK && mode == MIMPD_LOCK_SERVE && i < SERVE_WAIT_TRIES)
        {
          g_usleep (SERVE_WAIT_US);
          continue;
        }
      close (fd);
      if (saved != EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot lock %s: %s", path,
                     g_strerror (saved));
      else if (mode == MIMPD_LOCK_SERVE)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     "another mimpd is serving %s, or a \"mimpd user\" command is changing it "
                     "(%s is locked)",
                     canonical, path);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     "a running mimpd is serving %s (it holds %s): stop the server first "
                     "(systemctl stop mimpd), run the command again, then start the server",
                     canonical, path);
      return -1;
    }
  return fd;
}
