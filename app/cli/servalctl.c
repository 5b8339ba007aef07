/* servalctl: Serval from the command line, on the same engine as the app. */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "serval-address.h"
#include "serval-client.h"
#include "serval-rate.h"
#include "serval-tap.h"
#include "serval-util.h"
#include "servalctl-config.h"

static char *opt_server;
static char *opt_user;
static char *opt_password_file;
static char *opt_fingerprint;
static char **opt_vlans;
static char **opt_taps;
static char *opt_bridge;
static char *opt_announce_web;
static char *announce_web; /* opt_announce_web's canonical form */
static int opt_mtu = 1500;
static gboolean opt_admin;
static gboolean opt_version;

static GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server, "The Serval server (port " G_STRINGIFY (SERVAL_DEFAULT_PORT) " if not given)", "HOST[:PORT]" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &opt_user, "Your user name (default: $USER)", "NAME" },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &opt_password_file, "Read your password from the first line of FILE (default: ask)", "FILE" },
    { "fingerprint", 'f', 0, G_OPTION_ARG_STRING, &opt_fingerprint, "The server's certificate fingerprint, as “serval-server fingerprint” prints it", "HEX" },
    { "vlan", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_vlans, "With “up”: a VLAN to join (repeatable)", "NAME" },
    { "tap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_taps, "With “up”: the TAP device for the VLAN in the same place (default sv-VLAN)", "DEV" },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &opt_mtu, "With “up”: the TAP devices' MTU (default 1500)", "BYTES" },
    { "bridge", 0, 0, G_OPTION_ARG_STRING, &opt_bridge, "With “up” and one --vlan: bridge the VLAN's TAP device with IFACE, a bridge or an Ethernet interface (made into the bridge svbr-IFACE)", "IFACE" },
    { "announce-web", 0, 0, G_OPTION_ARG_STRING, &opt_announce_web, "With “up”: announce your web page on PORT (http, or https with “https:”) to the other members", "[https:]PORT[/PATH]" },
    { "admin", 0, 0, G_OPTION_ARG_NONE, &opt_admin, "With “user add”: make the user an administrator", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
    { NULL }
};

static const char summary[] =
    "Commands:\n"
    "  up --vlan NAME [--vlan NAME…]   join VLANs with one TAP device each; stays in the foreground\n"
    "  up --vlan NAME --bridge IFACE   the same, and bridge the VLAN's TAP device with IFACE\n"
    "  up --vlan NAME --announce-web [https:]PORT[/PATH]   the same, announcing your web page\n"
    "  members VLAN                    list a VLAN's members, one a line: user host MAC node addresses\n"
    "                                  [web SERVICE], SERVICE as “http:8080” or “https:8443/PATH”\n"
    "  vlans | vlan list               list VLANs, whether you may join them, their members, subnets\n"
    "  nodes                           list the live server nodes, one a line: name addresses members since\n"
    "Administrators:\n"
    "  vlan add NAME | vlan del NAME\n"
    "  user add NAME [--admin]         the new user's password is read from standard input\n"
    "  user del NAME\n"
    "  user grant NAME VLAN | user revoke NAME VLAN | user kick NAME VLAN\n"
    "  users | user list               list users, the VLANs they may join and their rights\n"
    "  vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]   a VLAN's subnet and IPv6 prefix\n"
    "  vlan rule add VLAN allow|deny [proto tcp|udp|icmp|icmp6|0xETHERTYPE] [from USER] [to USER] [port N[-M]]\n"
    "  vlan rule list VLAN | vlan rule del VLAN N   a VLAN's rules, numbered from 1\n"
    "  user grant NAME --bridge | user revoke NAME --bridge   the right to bridge a LAN in\n"
    "  user set NAME --rate-limit RATE  bytes/s the user may send (10M, 500k; none: the server's default)";

typedef struct
{
  GMainLoop *loop;
  ServalClient *client;
  int status;
  int argc;
  char **argv;
  guint pending;
  GPtrArray *taps;
  guint members_offset; /* members: the members printed so far, pages of 500 */
} Ctl;

void
servalctl_say_error (const char *format, ...)
{
  va_list ap;
  g_autofree char *text = NULL;
  g_autofree char *safe = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* Messages carry what the server and other members said. */
  safe = serval_escape_text (text);
  fprintf (stderr, "servalctl: %s\n", safe);
}

/* @strv's strings escaped (serval_escape_text()) and joined with commas. */
static char *
escape_join (const char *const *strv)
{
  g_autoptr(GPtrArray) escaped = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (escaped, serval_escape_text (strv[i]));
  g_ptr_array_add (escaped, NULL);
  return g_strjoinv (",", (char **) escaped->pdata);
}

static void
finish (Ctl *ctl, int status)
{
  ctl->status = status;
  g_main_loop_quit (ctl->loop);
}

/* TRUE, after saying why and ending with status 1, if @error says a call
 * failed. */
static gboolean
failed (Ctl *ctl, const GError *error)
{
  if (error == NULL)
    return FALSE;
  servalctl_say_error ("%s", error->message);
  finish (ctl, 1);
  return TRUE;
}

static char *
read_password (void)
{
  g_autofree char *contents = NULL;
  g_autofree char *prompt = NULL;
  g_autoptr(GError) error = NULL;

  if (opt_password_file != NULL)
    {
      if (!g_file_get_contents (opt_password_file, &contents, NULL, &error))
        {
          servalctl_say_error ("Cannot read the password file: %s", error->message);
          return NULL;
        }
      contents[strcspn (contents, "\r\n")] = '\0';
      return g_steal_pointer (&contents);
    }
  prompt = g_strdup_printf ("Password for %s on %s: ", opt_user, opt_server);
  contents = serval_read_secret_line (prompt);
  return contents != NULL ? g_steal_pointer (&contents) : g_strdup ("");
}

/* --- up -------------------------------------------------------------------- */

static void
members_changed_cb (GListModel *members, guint pos, guint removed, guint added, gpointer user_data)
{
  ServalClientVlan *vlan = user_data;

  guint n = g_list_model_get_n_items (members);
  g_autofree char *name = serval_escape_text (serval_client_vlan_get_name (vlan));

  printf (g_dngettext (GETTEXT_PACKAGE, "VLAN %s now has %u member\n", "VLAN %s now has %u members\n", n),
          name, n);
  fflush (stdout);
}

/* --bridge: after the join, so that the LAN meets a VLAN that is there. */
static void
join_bridge (Ctl *ctl, ServalTap *tap)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bridge = serval_tap_join_bridge (tap, opt_bridge, &error);

  if (failed (ctl, error))
    return;
  printf ("%s is in the bridge %s with %s\n", serval_tap_get_name (tap), bridge, opt_bridge);
  fflush (stdout);
}

/* The address the server leased in a VLAN with a subnet. */
static void
print_leased_address (ServalTap *tap, ServalClientVlan *vlan)
{
  const char *address = serval_client_vlan_get_address (vlan);
  const char *prefix6 = serval_client_vlan_get_prefix6 (vlan);

  if (address != NULL)
    {
      g_autofree char *safe = serval_escape_text (address);

      printf ("%s address: %s (leased by the server)\n", serval_tap_get_name (tap), safe);
    }
  if (prefix6 != NULL)
    {
      g_autofree char *safe = serval_escape_text (prefix6);

      printf ("%s IPv6 prefix: %s\n", serval_tap_get_name (tap), safe);
    }
}

static void
joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  ServalClientVlan *vlan = serval_client_join_finish (SERVAL_CLIENT (source), result, &error);
  ServalTap *tap;
  g_autofree char *mac = NULL;
  guint8 raw[6];

  if (vlan == NULL)
    {
      servalctl_say_error ("Cannot join: %s", error->message);
      finish (ctl, 1);
      return;
    }
  tap = serval_client_vlan_get_tap (vlan);
  serval_tap_get_mac (tap, raw);
  mac = serval_mac_to_string (raw);
  printf ("%s up: VLAN %s, MAC %s, %u member(s)\n", serval_tap_get_name (tap),
          serval_client_vlan_get_name (vlan), mac,
          g_list_model_get_n_items (serval_client_vlan_get_members (vlan)));
  print_leased_address (tap, vlan);
  fflush (stdout);
  g_signal_connect_object (serval_client_vlan_get_members (vlan), "items-changed",
                           G_CALLBACK (members_changed_cb), vlan, 0);
  g_object_unref (vlan);
  if (opt_bridge != NULL)
    join_bridge (ctl, tap);
}

static void
state_cb (ServalClient *client, GParamSpec *pspec, gpointer user_data)
{
  switch (serval_client_get_state (client))
    {
    case SERVAL_CLIENT_STATE_ONLINE:
      if (serval_client_get_node (client) != NULL)
        printf ("Online: connected to %s as %s (node %s)\n", serval_client_get_current_server (client),
                serval_client_get_user (client), serval_client_get_node (client));
      else
        printf ("Online: connected to %s as %s\n", serval_client_get_current_server (client),
                serval_client_get_user (client));
      break;
    case SERVAL_CLIENT_STATE_CONNECTING:
      {
        const char *why = serval_client_get_last_error (client);
        g_autofree char *safe = serval_escape_text (why != NULL ? why : "no reason given");

        printf ("Connection to %s lost (%s); reconnecting\n", serval_client_get_current_server (client), safe);
      }
      break;
    case SERVAL_CLIENT_STATE_DISCONNECTED:
    default:
      printf ("Disconnected from %s\n", serval_client_get_server (client));
      break;
    }
  fflush (stdout);
}

static void
vlan_removed_cb (ServalClient *client, ServalClientVlan *vlan, const char *reason, gpointer user_data)
{
  Ctl *ctl = user_data;

  servalctl_say_error ("Out of VLAN %s: %s", serval_client_vlan_get_name (vlan), reason);
  if (g_list_model_get_n_items (serval_client_get_vlans (client)) == 0)
    finish (ctl, 1);
}

static void
connection_failed_cb (ServalClient *client, GError *error, gpointer user_data)
{
  failed (user_data, error);
}

static void
start_up (Ctl *ctl)
{
  guint n = g_strv_length (opt_vlans);

  if (opt_taps != NULL && g_strv_length (opt_taps) != n)
    {
      servalctl_say_error ("Give one --tap for every --vlan, in the same order");
      finish (ctl, 2);
      return;
    }
  if (announce_web != NULL)
    serval_client_set_services (ctl->client, (const char *const[]){ announce_web, NULL });
  ctl->taps = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = opt_taps ? g_strdup (opt_taps[i]) : g_strdup_printf ("sv-%s", opt_vlans[i]);
      ServalTap *tap;
      guint8 mac[6];

      if (strlen (name) > 15)
        name[15] = '\0';
      serval_tap_stable_mac (opt_user, opt_vlans[i], mac);
      tap = serval_tap_new_with_mac (name, opt_mtu, mac, &error);
      if (failed (ctl, error))
        return;
      g_ptr_array_add (ctl->taps, tap);
      serval_client_join_async (ctl->client, opt_vlans[i], tap, NULL, NULL, NULL, joined_cb, ctl);
    }
  g_signal_connect (ctl->client, "notify::state", G_CALLBACK (state_cb), ctl);
  g_signal_connect (ctl->client, "vlan-removed", G_CALLBACK (vlan_removed_cb), ctl);
  g_signal_connect (ctl->client, "connection-failed", G_CALLBACK (connection_failed_cb), ctl);
}

/* --- one-shot commands ----------------------------------------------------- */

#define MEMBERS_PAGE 500

/* "\tweb https:8443/admin" when @m announces a web page (as the server
 * checked it: printable ASCII), else "". */
static char *
web_column (ServalMember *m)
{
  const char *const *services = serval_member_get_services (m);
  g_autofree char *safe = services[0] != NULL ? serval_escape_text (services[0]) : NULL;

  return safe != NULL ? g_strconcat ("\tweb ", safe, NULL) : g_strdup ("");
}

static void
members_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  guint total = 0;
  g_autoptr(GListModel) members =
                 serval_client_list_member_page_finish (SERVAL_CLIENT (source), result, &total, &error);
  guint n;

  if (failed (ctl, error))
    return;
  n = g_list_model_get_n_items (members);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ServalMember) m = g_list_model_get_item (members, i);
      g_autofree char *addrs = escape_join (serval_member_get_addresses (m));
      g_autoptr(GDateTime) since = g_date_time_new_from_unix_local (serval_member_get_since (m));
      g_autofree char *when = g_date_time_format (since, "%F %T");
      /* What members say of themselves reaches an administrator's
       * terminal: no escape sequence, and no tab or line end to forge a
       * field or a line. */
      g_autofree char *user = serval_escape_text (serval_member_get_user (m));
      g_autofree char *host = serval_escape_text (serval_member_get_host (m));
      g_autofree char *node = serval_escape_text (serval_member_get_node (m));
      g_autofree char *web = web_column (m);

      printf ("%s\t%s\t%s\t%s\t%s\t%s%s\n", user, host, serval_member_get_mac (m), node, when, addrs, web);
    }
  /* A big VLAN comes in pages: the next, until the server's total. */
  ctl->members_offset += n;
  if (n > 0 && ctl->members_offset < total)
    {
      serval_client_list_member_page_async (ctl->client, ctl->argv[2], ctl->members_offset, MEMBERS_PAGE, NULL, NULL,
                                            members_done_cb, ctl);
      return;
    }
  finish (ctl, 0);
}

static void
vlans_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vlans = serval_client_list_vlans_finish (SERVAL_CLIENT (source), result, &error);

  if (failed (ctl, error))
    return;
  for (guint i = 0; i < vlans->len; i++)
    {
      ServalVlanInfo *v = vlans->pdata[i];
      g_autofree char *name = serval_escape_text (v->name);
      g_autofree char *config = servalctl_config_describe_vlan (v);

      printf ("%s\t%s\t%u member(s)%s\n", name, v->allowed ? "may join" : "no right", v->members, config);
    }
  finish (ctl, 0);
}

static void
users_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = serval_client_list_users_finish (SERVAL_CLIENT (source), result, &error);

  if (failed (ctl, error))
    return;
  for (guint i = 0; i < users->len; i++)
    {
      ServalUserInfo *u = users->pdata[i];
      g_autofree char *vlans = escape_join ((const char *const *) u->vlans);
      g_autofree char *name = serval_escape_text (u->name);

      g_autofree char *rate = serval_rate_to_string (u->rate_limit);

      printf ("%s%s\t%s%s%s%s\n", name, u->admin ? " (admin)" : "", vlans, u->bridge ? "\tbridge" : "",
              u->rate_limit > 0 ? "\trate-limit " : "", u->rate_limit > 0 ? rate : "");
    }
  finish (ctl, 0);
}

/* A server older than listNodes cannot read it and closes the link; one that
 * reads it but does not know it says so (SERVAL_CLIENT_ERROR_UNSUPPORTED). */
static void
nodes_failed (Ctl *ctl, ServalClient *client, const GError *error)
{
  const char *server = serval_client_get_server (client);

  if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_UNSUPPORTED))
    servalctl_say_error ("%s does not list nodes: it is a single server or older than this servalctl; "
                         "update it to see its nodes",
                         server);
  else if (g_error_matches (error, SERVAL_CLIENT_ERROR, SERVAL_CLIENT_ERROR_DISCONNECTED))
    servalctl_say_error ("%s closed the connection when asked for its nodes: it is most likely a single "
                         "server older than this servalctl, which cannot read the request (update it); "
                         "if it is not, its log says why (%s)",
                         server, error->message);
  else
    servalctl_say_error ("%s", error->message);
  finish (ctl, 1);
}

static void
nodes_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nodes = serval_client_list_nodes_finish (SERVAL_CLIENT (source), result, &error);

  if (nodes == NULL)
    {
      nodes_failed (ctl, SERVAL_CLIENT (source), error);
      return;
    }
  for (guint i = 0; i < nodes->len; i++)
    {
      ServalNodeEntry *n = nodes->pdata[i];
      g_autofree char *addrs = escape_join ((const char *const *) n->advertise);
      g_autoptr(GDateTime) since = g_date_time_new_from_unix_local (n->since);
      g_autofree char *when = g_date_time_format (since, "%F %T");
      g_autofree char *name = serval_escape_text (n->name);

      printf ("%s%s\t%s\t%u member(s)\t%s\n", name, n->current ? " (this node)" : "", addrs,
              n->members, when);
    }
  finish (ctl, 0);
}

static gboolean
usage (Ctl *ctl, int n, const char *form)
{
  if (ctl->argc == n)
    return TRUE;
  servalctl_say_error ("Usage: servalctl [OPTIONS] %s", form);
  finish (ctl, 2);
  return FALSE;
}

static void
command_done (int status, gpointer data)
{
  finish (data, status);
}

/* The user data of servalctl_command_done_cb() for the change @ctl's
 * command asks, which @call_finish ends. */
static gpointer
change (Ctl *ctl, ServalctlFinish call_finish)
{
  return servalctl_command_new (ctl->argv, command_done, ctl, call_finish);
}

static void
run_command (Ctl *ctl)
{
  char **argv = ctl->argv;
  const char *cmd = argv[1];
  const char *verb = ctl->argc > 2 ? argv[2] : "";

  if (servalctl_config_run (ctl->client, ctl->argc, argv, command_done, ctl))
    return;
  if (g_str_equal (cmd, "up"))
    {
      if (usage (ctl, 2, "up --vlan NAME [--vlan NAME…]"))
        start_up (ctl);
    }
  else if (g_str_equal (cmd, "members"))
    {
      if (usage (ctl, 3, "members VLAN"))
        serval_client_list_member_page_async (ctl->client, argv[2], 0, MEMBERS_PAGE, NULL, NULL, members_done_cb, ctl);
    }
  else if (g_str_equal (cmd, "vlans") || (g_str_equal (cmd, "vlan") && g_str_equal (verb, "list")))
    {
      if (usage (ctl, g_str_equal (cmd, "vlans") ? 2 : 3, "vlans"))
        serval_client_list_vlans_async (ctl->client, NULL, vlans_done_cb, ctl);
    }
  else if (g_str_equal (cmd, "nodes"))
    {
      if (usage (ctl, 2, "nodes"))
        serval_client_list_nodes_async (ctl->client, NULL, nodes_done_cb, ctl);
    }
  else if (g_str_equal (cmd, "users") || (g_str_equal (cmd, "user") && g_str_equal (verb, "list")))
    {
      if (usage (ctl, g_str_equal (cmd, "users") ? 2 : 3, "users"))
        serval_client_list_users_async (ctl->client, NULL, users_done_cb, ctl);
    }
  else if (g_str_equal (cmd, "vlan") && (g_str_equal (verb, "add") || g_str_equal (verb, "del")))
    {
      if (!usage (ctl, 4, "vlan add|del NAME"))
        return;
      if (g_str_equal (verb, "add"))
        serval_client_vlan_add_async (ctl->client, argv[3], NULL, servalctl_command_done_cb,
                                      change (ctl, serval_client_vlan_add_finish));
      else
        serval_client_vlan_delete_async (ctl->client, argv[3], NULL, servalctl_command_done_cb,
                                         change (ctl, serval_client_vlan_delete_finish));
    }
  else if (g_str_equal (cmd, "user") && g_str_equal (verb, "add"))
    {
      g_autofree char *pw = NULL;

      if (!usage (ctl, 4, "user add NAME [--admin]  (password on standard input)"))
        return;
      pw = serval_read_secret_line ("Password for the new user: ");
      if (pw == NULL || pw[0] == '\0')
        {
          servalctl_say_error ("Give the new user's password on standard input (an empty one is refused)");
          finish (ctl, 2);
          return;
        }
      serval_client_user_add_async (ctl->client, argv[3], pw, opt_admin, NULL, servalctl_command_done_cb,
                                    change (ctl, serval_client_user_add_finish));
      explicit_bzero (pw, strlen (pw));
    }
  else if (g_str_equal (cmd, "user") && g_str_equal (verb, "del"))
    {
      if (usage (ctl, 4, "user del NAME"))
        serval_client_user_delete_async (ctl->client, argv[3], NULL, servalctl_command_done_cb,
                                         change (ctl, serval_client_user_delete_finish));
    }
  else if (g_str_equal (cmd, "user") &&
           (g_str_equal (verb, "grant") || g_str_equal (verb, "revoke") || g_str_equal (verb, "kick")))
    {
      if (!usage (ctl, 5, "user grant|revoke|kick NAME VLAN"))
        return;
      if (g_str_equal (verb, "grant"))
        serval_client_grant_async (ctl->client, argv[3], argv[4], NULL, servalctl_command_done_cb,
                                   change (ctl, serval_client_grant_finish));
      else if (g_str_equal (verb, "revoke"))
        serval_client_revoke_async (ctl->client, argv[3], argv[4], NULL, servalctl_command_done_cb,
                                    change (ctl, serval_client_revoke_finish));
      else
        serval_client_kick_async (ctl->client, argv[3], argv[4], NULL, servalctl_command_done_cb,
                                  change (ctl, serval_client_kick_finish));
    }
  else
    {
      g_autofree char *what = g_strjoinv (" ", argv + 1);

      servalctl_say_error ("Unknown command “%s”: see servalctl --help", what);
      finish (ctl, 2);
    }
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctl *ctl = user_data;
  g_autoptr(GError) error = NULL;

  serval_client_connect_finish (SERVAL_CLIENT (source), result, &error);
  if (failed (ctl, error))
    return;
  run_command (ctl);
}

/* The engine's informational messages (logged in, reconnecting, rejoined)
 * belong on the console of a long-running “up”, not in a one-shot command's
 * output. Warnings and errors always show. */
static void
engine_log_cb (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  gboolean show = GPOINTER_TO_INT (user_data);

  if (show)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%T");
      g_autofree char *safe = serval_escape_text (message);

      printf ("%s %s\n", stamp, safe);
      fflush (stdout);
    }
}

/* FALSE, having said why, if --announce-web is not with “up” or not a web page. */
static gboolean
check_announce_web (const char *cmd)
{
  g_autoptr(GError) error = NULL;

  if (opt_announce_web == NULL)
    return TRUE;
  if (!g_str_equal (cmd, "up"))
    {
      servalctl_say_error ("--announce-web goes with “up”: servalctl up --vlan NAME --announce-web [https:]PORT[/PATH]");
      return FALSE;
    }
  if ((announce_web = serval_service_parse (opt_announce_web, &error)) == NULL)
    servalctl_say_error ("--announce-web %s: %s", opt_announce_web, error->message);
  return announce_web != NULL;
}

static gboolean
signal_cb (gpointer data)
{
  Ctl *ctl = data;

  finish (ctl, ctl->status);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) octx = g_option_context_new ("COMMAND — join Serval VLANs and manage a Serval server");
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  Ctl ctl = { 0 };

  setlocale (LC_ALL, "");
  /* The engine's messages are translated (servalctl's own are not, yet). */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_option_context_add_main_entries (octx, entries, NULL);
  servalctl_config_add_options (octx);
  servalctl_config_take_bridge_flag (&argc, argv);
  g_option_context_set_description (octx, summary);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      servalctl_say_error ("%s (see servalctl --help)", error->message);
      return 2;
    }
  if (opt_version)
    {
      printf ("servalctl %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Before the server is asked anything: a LAN is bridged into one VLAN. */
  if (opt_bridge != NULL && (argc < 2 || !g_str_equal (argv[1], "up")))
    {
      servalctl_say_error ("--bridge goes with “up”: servalctl up --vlan NAME --bridge IFACE");
      return 2;
    }
  if (opt_bridge != NULL && (opt_vlans == NULL || g_strv_length (opt_vlans) != 1))
    {
      servalctl_say_error ("--bridge %s needs exactly one --vlan, the VLAN to bridge %s into (%u given): "
                           "run one servalctl up per bridged VLAN",
                           opt_bridge, opt_bridge, opt_vlans != NULL ? g_strv_length (opt_vlans) : 0);
      return 2;
    }
  if (argc < 2)
    {
      servalctl_say_error ("Say what to do: up, members, vlans, … (see servalctl --help)");
      return 2;
    }
  if (!check_announce_web (argv[1]))
    return 2;
  if (opt_server == NULL)
    {
      servalctl_say_error ("Say which server with --server HOST[:PORT]");
      return 2;
    }
  if (!serval_address_parse (opt_server, NULL, NULL, &error))
    {
      servalctl_say_error ("%s", error->message);
      return 2;
    }
  if (opt_user == NULL)
    opt_user = g_strdup (g_get_user_name ());
  if (g_str_equal (argv[1], "up") && opt_vlans == NULL)
    {
      servalctl_say_error ("Say which VLANs to join with --vlan NAME");
      return 2;
    }
  if ((password = read_password ()) == NULL)
    return 1;

  g_log_set_handler ("serval-engine", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, engine_log_cb,
                     GINT_TO_POINTER (g_str_equal (argv[1], "up")));
  ctl.loop = g_main_loop_new (NULL, FALSE);
  ctl.argc = argc;
  ctl.argv = argv;
  ctl.client = serval_client_new (opt_server, opt_user, password, opt_fingerprint);
  g_unix_signal_add (SIGTERM, signal_cb, &ctl);
  g_unix_signal_add (SIGINT, signal_cb, &ctl);
  serval_client_connect_async (ctl.client, NULL, connected_cb, &ctl);
  g_main_loop_run (ctl.loop);

  serval_client_disconnect (ctl.client);
  g_clear_object (&ctl.client);
  g_clear_pointer (&ctl.taps, g_ptr_array_unref);
  g_main_loop_unref (ctl.loop);
  return ctl.status;
}
