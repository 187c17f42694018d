/* mimp-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "mimp-application.h"

G_BEGIN_DECLS

#define MIMP_TYPE_PREFERENCES_WINDOW (mimp_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (MimpPreferencesWindow, mimp_preferences_window, MIMP, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

MimpPreferencesWindow *mimp_preferences_window_new (MimpApplication *application,
                                                    GtkWindow *parent);
void mimp_preferences_window_show_page (MimpPreferencesWindow *self, const char *name);
GtkWindow *mimp_preferences_window_edit_account (MimpPreferencesWindow *self, MimpAccount *account);
void mimp_preferences_window_set_avatar_from_file (MimpPreferencesWindow *self,
                                                   MimpAccount *account, GFile *file);

G_END_DECLS
