/* mimp-account-banner.c
 *
 * Shown only while the account has a problem, with the reason in words
 * and the one action that helps: Reconnect (win.reconnect), Enter Password
 * (win.enter-password) or Review (win.review-certificate), each with the
 * account id as parameter.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimp-account-banner"

#include "config.h"

#include <glib/gi18n.h>

#include "mimp-account-banner.h"

struct _MimpAccountBanner
{
  GtkWidget parent_instance;

  MimpAccount *account;
  GtkWidget *box;
  GtkLabel *label;
  GtkButton *button;
  guint countdown_id;
  gboolean show_account;
};

G_DEFINE_FINAL_TYPE (MimpAccountBanner, mimp_account_banner, GTK_TYPE_WIDGET)

static void update (MimpAccountBanner *self);

static gboolean
tick (gpointer data)
{
  update (data);
  return G_SOURCE_CONTINUE;
}

static void
update (MimpAccountBanner *self)
{
  MimpAccountStatus status = mimp_account_get_status (self->account);
  const char *reason = mimp_account_get_status_message (self->account);
  g_autofree char *name = mimp_account_dup_display_name (self->account);
  g_autofree char *text = NULL;
  g_autofree char *what = NULL;
  const char *action = NULL;
  const char *button = NULL;

  switch (status)
    {
    case MIMP_ACCOUNT_STATUS_WAITING:
      {
        gint64 left = (mimp_account_get_retry_time (self->account) - g_get_monotonic_time ()) /
                      G_USEC_PER_SEC;
        if (left > 0)
          /* Translators: an account is offline; %s is the reason */
          what =
              g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Offline: %s Retrying in %d second.",
                                            "Offline: %s Retrying in %d seconds.", (gulong) left),
                               reason ? reason : "", (int) left);
        else
          what = g_strdup_printf (_ ("Offline: %s Retrying…"), reason ? reason : "");
        action = "win.reconnect";
        button = _ ("_Reconnect");
        if (self->countdown_id == 0)
          self->countdown_id = g_timeout_add_seconds (1, tick, self);
      }
      break;
    case MIMP_ACCOUNT_STATUS_OFFLINE:
      if (reason != NULL)
        {
          what = g_strdup_printf (_ ("Offline: %s"), reason);
          action = "win.reconnect";
          button = _ ("_Reconnect");
        }
      break;
    case MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD:
      what = g_strdup (reason ? reason : _ ("A password is needed."));
      action = "win.enter-password";
      button = _ ("_Enter Password");
      break;
    case MIMP_ACCOUNT_STATUS_NEEDS_CERTIFICATE:
      what = g_strdup (reason ? reason : _ ("The server’s certificate is not trusted."));
      action = "win.review-certificate";
      button = _ ("_Review");
      break;
    case MIMP_ACCOUNT_STATUS_DISABLED:
    case MIMP_ACCOUNT_STATUS_CONNECTING:
    case MIMP_ACCOUNT_STATUS_ONLINE:
    default:
      break;
    }

  if (status != MIMP_ACCOUNT_STATUS_WAITING)
    g_clear_handle_id (&self->countdown_id, g_source_remove);

  gtk_widget_set_visible (GTK_WIDGET (self), what != NULL);
  if (what == NULL)
    return;

  text = self->show_account ? g_strdup_printf ("%s: %s", name, what) : g_steal_pointer (&what);
  gtk_label_set_text (self->label, text);
  gtk_button_set_label (self->button, button);
  /* The target first: a name without its target makes GTK warn that the
   * action cannot be activated. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->button), "s",
                                    mimp_account_get_id (self->account));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), action);
  if (status == MIMP_ACCOUNT_STATUS_NEEDS_PASSWORD ||
      status == MIMP_ACCOUNT_STATUS_NEEDS_CERTIFICATE)
    gtk_widget_add_css_class (self->box, "error");
  else
    gtk_widget_remove_css_class (self->box, "error");
}

static void
mimp_account_banner_dispose (GObject *object)
{
  MimpAccountBanner *self = (MimpAccountBanner *) object;

  g_clear_handle_id (&self->countdown_id, g_source_remove);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (mimp_account_banner_parent_class)->dispose (object);
}

static void
mimp_account_banner_class_init (MimpAccountBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimp_account_banner_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mimp_account_banner_init (MimpAccountBanner *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (self->box, "account-banner");
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_xalign (self->label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "caption");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->label));

  self->button = GTK_BUTTON (gtk_button_new ());
  gtk_button_set_use_underline (self->button, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->button));
}

GtkWidget *
mimp_account_banner_new (MimpAccount *account, gboolean show_account)
{
  MimpAccountBanner *self = g_object_new (MIMP_TYPE_ACCOUNT_BANNER, NULL);

  self->account = g_object_ref (account);
  self->show_account = show_account;
  g_signal_connect_swapped (account, "notify::status", G_CALLBACK (update), self);
  g_signal_connect_swapped (account, "notify::status-message", G_CALLBACK (update), self);
  g_signal_connect_swapped (account, "notify::retry-time", G_CALLBACK (update), self);
  update (self);
  return GTK_WIDGET (self);
}

MimpAccount *
mimp_account_banner_get_account (MimpAccountBanner *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_BANNER (self), NULL);
  return self->account;
}

const char *
mimp_account_banner_get_text (MimpAccountBanner *self)
{
  g_return_val_if_fail (MIMP_IS_ACCOUNT_BANNER (self), NULL);
  return gtk_label_get_text (self->label);
}
