/* cryptully-test-child.c - the test relay and scripted peers as child
 * processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cryptully-test-child.h"
#include "mimp-test.h"

static void
read_line_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  char *line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);

  if (line == NULL)
    return;
  g_ptr_array_add (child->lines, line);
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, child);
}

Child *
child_spawn (const char *script, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "cryptully", script, NULL);
  const char *python = g_getenv ("PYTHON");
  Child *child = g_new0 (Child, 1);

  g_ptr_array_add (argv, (gpointer) (python ? python : "/usr/bin/python3"));
  g_ptr_array_add (argv, path);
  for (; args && *args; args++)
    g_ptr_array_add (argv, (gpointer) *args);
  g_ptr_array_add (argv, NULL);
  child->proc =
      g_subprocess_newv ((const char *const *) argv->pdata,
                         G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->proc));
  child->lines = g_ptr_array_new_with_free_func (g_free);
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, child);
  return child;
}

void
child_stop (Child *child)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (child->proc), NULL, NULL);
  g_subprocess_wait (child->proc, NULL, NULL);
  g_clear_object (&child->out);
  g_clear_object (&child->proc);
  g_ptr_array_unref (child->lines);
  g_free (child);
}

void
child_send (Child *child, const char *json)
{
  g_autofree char *line = g_strconcat (json, "\n", NULL);

  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (child->proc), line,
                                            strlen (line), NULL, NULL, NULL));
}

typedef struct
{
  Child *child;
  const char *needle;
  const char *found;
} LineWait;

static gboolean
line_seen (gpointer data)
{
  LineWait *wait = data;

  for (; wait->child->next < wait->child->lines->len; wait->child->next++)
    {
      const char *line = wait->child->lines->pdata[wait->child->next];

      if (strstr (line, wait->needle))
        {
          wait->found = line;
          wait->child->next++;
          return TRUE;
        }
    }
  return FALSE;
}

/* The next line containing @needle (earlier lines are passed over). */
const char *
child_expect (Child *child, const char *needle)
{
  LineWait wait = { child, needle, NULL };

  if (!test_wait_until (line_seen, &wait, WAIT_S))
    g_error ("no line with %s from the child", needle);
  return wait.found;
}

/* Whether any line since the last expectation contains @needle. */
gboolean
child_saw (Child *child, const char *needle)
{
  for (guint i = child->next; i < child->lines->len; i++)
    if (strstr (child->lines->pdata[i], needle))
      return TRUE;
  return FALSE;
}
