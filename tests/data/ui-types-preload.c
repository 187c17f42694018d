/* ui-types-preload.c: preloaded into gtk4-builder-tool by validate-ui.sh.
 *
 * gtk4-builder-tool knows only GTK's own types. This module links libadwaita
 * (and the app's own widgets when src/app provides them as a library), and
 * registers, before the tool starts, every type named in MIMP_UI_TYPES by
 * calling its get_type function, found the way GtkBuilder finds it
 * (AdwLeaflet -> adw_leaflet_get_type). It also registers the app's
 * GResource when the app provides mimp_app_resources_ensure(), so that
 * composite templates of child widgets load.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>

#include <glib-object.h>

typedef GType (*GetTypeFunc) (void);
typedef void (*RegisterFunc) (void);

static char *
type_name_mangle (const char *name)
{
  GString *symbol = g_string_new (NULL);
  const char *p;

  for (p = name; *p != '\0'; p++)
    {
      gboolean split = FALSE;

      if (p != name && isupper ((unsigned char) *p))
        split = islower ((unsigned char) p[-1]) ||
                (isupper ((unsigned char) p[-1]) && islower ((unsigned char) p[1]));
      if (split)
        g_string_append_c (symbol, '_');
      g_string_append_c (symbol, (char) tolower ((unsigned char) *p));
    }
  g_string_append (symbol, "_get_type");
  return g_string_free (symbol, FALSE);
}

static void register_ui_types (void) __attribute__ ((constructor));

static void
register_ui_types (void)
{
  const char *names = g_getenv ("MIMP_UI_TYPES");
  RegisterFunc register_resource;
  char **list;
  guint i;

  /* The generated mimp_register_resource () is internal to the library:
   * its public entry point registers it. */
  register_resource = (RegisterFunc) dlsym (RTLD_DEFAULT, "mimp_app_resources_ensure");
  if (register_resource != NULL)
    register_resource ();

  if (names == NULL)
    return;
  list = g_strsplit (names, " ", -1);
  for (i = 0; list[i] != NULL; i++)
    {
      char *symbol;
      GetTypeFunc get_type;

      if (*list[i] == '\0')
        continue;
      symbol = type_name_mangle (list[i]);
      get_type = (GetTypeFunc) dlsym (RTLD_DEFAULT, symbol);
      if (get_type != NULL)
        get_type ();
      g_free (symbol);
    }
  g_strfreev (list);
}
