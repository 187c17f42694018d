/* mimp-cli-protocol.h - what mimp-cli hands to each protocol's verbs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * mimp-cli parses the command line, reads the message text and then runs
 * the chosen protocol's `run` function.  A protocol lives in a file of its
 * own (mimp-cli-PROTOCOL.c) and joins the table in mimp-cli.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses a script can rely on (also in mimp-cli(1) and the README). */
enum
{
  EXIT_OK = 0,
  EXIT_FAILURE_OTHER = 1,
  EXIT_USAGE = 2,
  EXIT_CONNECT = 3, /* unreachable, timeout, not a server of that protocol, TLS or certificate */
  EXIT_AUTH = 4,    /* wrong user name or password, nickname taken, too many attempts */
  EXIT_REFUSED = 5, /* the message was refused (no such user, peer offline, too long, ...) */
  EXIT_NOT_PRIVATE = 6, /* --e2e: not sent, since it could not go end-to-end encrypted (keys not
                           exchanged in time, the peer's key changed) */
};

typedef struct
{
  const char *command; /* "send", "listen", or with --e2e "safety-number", "verify", "trust" */
  const char *server;  /* --server as given, or NULL for the default */
  const char *user;    /* --user as given */
  const char *to;      /* send: the recipient as given; safety-number, verify, trust: the peer */
  const char *text;    /* send: non-empty UTF-8 text, from argv or standard input */
  const char *const *texts;       /* send: every message, NULL-terminated (MIMP --stdin-lines: one
                                     per line of standard input; else text alone) */
  const char *dialect;            /* --dialect as given, or NULL */
  gboolean json;                  /* listen --json */
  gint64 count;                   /* listen --count, 0 for no limit */
  int timeout;                    /* --timeout in seconds, > 0 */
  gboolean use_tls;               /* --tls */
  const char *accept_certificate; /* --accept-certificate, or NULL */
  /* Reads the password as mimp-cli does for every protocol (MIMP_PASSWORD,
   * --password-file or a prompt); free it with mimp_secure_free_string (). */
  char *(*get_password) (GError **error);
  gboolean e2e;          /* --e2e: private chats (MIMP only) */
  const char *state_dir; /* --state, or NULL for the default */
  const char *question;  /* verify --question, or NULL for a shared secret */
  gboolean echo;         /* listen --e2e --echo: answer each message with its text */
  /* verify: reads the secret (MIMP_SMP_SECRET, standard input or a prompt);
   * free it with mimp_secure_free_string (). */
  char *(*get_smp_secret) (GError **error);
} MimpCliRequest;

typedef struct
{
  const char *name;     /* the value of --protocol */
  guint16 default_port; /* used when --server has no port */
  gsize max_text;       /* longest text `send` accepts, in bytes */
  int (*run) (const MimpCliRequest *request);
  const char *summary; /* one line for --help's protocol list, or NULL */
} MimpCliProtocol;

/* Helpers shared by the protocols. */
int mimp_cli_die (int status, const char *format, ...) G_GNUC_PRINTF (2, 3);
gboolean mimp_cli_parse_server (const char *server, guint16 default_port, char **host,
                                guint16 *port);
char *mimp_cli_escape_line (const char *text);
/* Writes one line to standard output and flushes it; FALSE (errno set) when
 * that failed, so the caller must not acknowledge what it did not print. */
gboolean mimp_cli_print_line (const char *line);

G_END_DECLS
