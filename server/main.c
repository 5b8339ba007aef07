/* serval-server: the Serval switch server and its offline administration. */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "serval-cert.h"
#include "serval-http.h"
#include "serval-offline-net.h"
#include "serval-rate.h"
#include "serval-server.h"
#include "serval-server-fair.h"
#include "serval-systemd.h"
#include "serval-tls.h"
#include "serval-util.h"

static char *opt_data_dir;
static char *opt_etcd;
static char *opt_listen;
static char *opt_http;
static char *opt_config;
static char *opt_node;
static char **opt_advertise;
static int opt_keepalive;
#define KEEPALIVE_BUDGET 2000 /* keepalive exchanges a second without --keepalive (docs/design.md) */
static int opt_keepalive_budget;
static int opt_lease;
static int opt_iterations;
static int opt_token_lifetime = -1;
static int opt_token_max_age = -1;
static int opt_max_handshakes = 0;
static int opt_max_failed_logins = 0;
static int opt_login_timeout;
static int opt_message_timeout;
static int opt_max_unauthenticated;
static int opt_http_timeout;
static int opt_http_max_connections;
static gint64 opt_user_rate_limit;
static gboolean opt_admin;
static gboolean opt_version;

static GOptionEntry entries[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir, "Where the database, certificate and key live (required; with --etcd only to run the server)", "DIR" },
  { "etcd", 0, 0, G_OPTION_ARG_STRING, &opt_etcd, "Keep users, VLANs and rights in etcd, shared by every node (the data dir then holds only the certificate and key)", "URL[,URL...]" },
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen, "Address to serve clients on (default: every address, port 7465)", "HOST:PORT" },
  { "http", 0, 0, G_OPTION_ARG_STRING, &opt_http, "Serve /healthz and /metrics on this address", "HOST:PORT" },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, "Read options from this key file ([server] group)", "FILE" },
  { "node", 0, 0, G_OPTION_ARG_STRING, &opt_node, "This node's name (default: the host name)", "NAME" },
  { "advertise", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_advertise, "A server address clients may fail over to (repeatable)", "HOST:PORT" },
  { "lease", 0, 0, G_OPTION_ARG_INT, &opt_lease, "With --etcd: seconds of this node's lease; a node silent that long is gone for the others, its members forgotten and its clients moved (default 10)", "SECONDS" },
  { "keepalive", 0, 0, G_OPTION_ARG_INT, &opt_keepalive, "Seconds between pings; silent clients are dropped after three (default 5)", "SECONDS" },
  { "keepalive-budget", 0, 0, G_OPTION_ARG_INT, &opt_keepalive_budget, "Without --keepalive: keepalive exchanges a second all idle clients make together at most; the interval grows from 5 s up to 60 s as clients come (default 2000)", "N" },
  { "pbkdf2-iterations", 0, 0, G_OPTION_ARG_INT, &opt_iterations, "PBKDF2 iterations for new passwords (default 100000)", "N" },
  { "token-lifetime", 0, 0, G_OPTION_ARG_INT, &opt_token_lifetime, "Seconds a resume token given at login stays valid; 0 issues none and refuses all (default 604800, 7 days)", "SECONDS" },
  { "max-failed-logins", 0, 0, G_OPTION_ARG_INT, &opt_max_failed_logins, "Password logins that failed or are being checked, per address (an IPv6 /64) and per user within a minute, past which further ones are refused or delayed (default 5)", "N" },
  { "max-handshakes-per-address", 0, 0, G_OPTION_ARG_INT, &opt_max_handshakes, "TLS handshakes under way from one address at most; new connections past it are closed at once (default 256)", "N" },
  { "login-timeout", 0, 0, G_OPTION_ARG_INT, &opt_login_timeout, "Seconds a client has to log in once its TLS handshake is done; then its link is closed, whatever it sends (default 30)", "SECONDS" },
  { "message-timeout", 0, 0, G_OPTION_ARG_INT, &opt_message_timeout, "Seconds a client that has not logged in may take to send a message it began (default 10)", "SECONDS" },
  { "max-unauthenticated-per-address", 0, 0, G_OPTION_ARG_INT, &opt_max_unauthenticated, "Connections that have not logged in (TLS handshakes included) from one address, or one IPv6 /64, at most; new ones past it are closed at once (default 64)", "N" },
  { "http-timeout", 0, 0, G_OPTION_ARG_INT, &opt_http_timeout, "With --http: seconds an HTTP connection may take to send a request and get its answer (default 10)", "SECONDS" },
  { "http-max-connections", 0, 0, G_OPTION_ARG_INT, &opt_http_max_connections, "With --http: HTTP connections open at once at most; new ones past it are closed at once (default 16)", "N" },
  { "token-max-age", 0, 0, G_OPTION_ARG_INT, &opt_token_max_age, "Seconds after a password login when the resume tokens that came from it (each use gives a new one) are refused, however recently renewed; 0: no limit (default 7776000, 90 days)", "SECONDS" },
  { "user-rate-limit", 0, 0, G_OPTION_ARG_INT64, &opt_user_rate_limit, "Bytes per second each user may send through the switch, over all its sessions; frames past it are dropped (default: no limit)", "BYTES_PER_S" },
  { "admin", 0, 0, G_OPTION_ARG_NONE, &opt_admin, "With “user add”: make the user an administrator", NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL }
};

static const char summary[] =
    "Commands:\n"
    "  (none)                     run the server\n"
    "  fingerprint                print the SHA-256 fingerprint of the server's public key\n"
    "  user add NAME [--admin]    add a user; the password is read from standard input\n"
    "  user passwd NAME           set a user's password from standard input\n"
    "  user del NAME              delete a user\n"
    "  user list                  list users and the VLANs they may join\n"
    "  user grant NAME VLAN       let a user join a VLAN\n"
    "  user revoke NAME VLAN      take that right away\n"
    "  vlan add NAME              add a VLAN\n"
    "  vlan del NAME              delete a VLAN\n"
    "  vlan list                  list VLANs, with their subnets and IPv6 prefixes\n"
    "  vlan set VLAN --subnet CIDR|none [--prefix6 CIDR|none]   a VLAN's subnet and IPv6 prefix\n"
    "  vlan rule add VLAN allow|deny [proto P] [from USER] [to USER] [port N[-M]] [src CIDR] [dst CIDR]\n"
    "  vlan rule list VLAN        a VLAN's rules, numbered from 1\n"
    "  vlan rule del VLAN N       remove rule N\n"
    "  user grant NAME --bridge | user revoke NAME --bridge   the right to bridge a LAN in\n"
    "  user set NAME --rate-limit RATE   bytes/s the user may send (10M, 500k; none: --user-rate-limit)\n"
    "\n"
    "The offline commands change the store directly. With SQLite, a running\n"
    "server sees them at the next login or join; to change rights of users\n"
    "online now, use servalctl, which also ends the sessions a change affects.\n"
    "With --etcd, every server on the same etcd sees them at once and acts on\n"
    "them as on its own.";

int
serval_offline_fail (const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  fputs ("serval-server: ", stderr);
  vfprintf (stderr, format, ap);
  fputc ('\n', stderr);
  va_end (ap);
  return 1;
}

/* A limit given as an option or in the config file (0: not given, the
 * default stays). */
static gboolean
take_limit (GKeyFile *kf, const char *name, int value, int max, guint *limit, GError **error)
{
  if (value == 0 && kf != NULL)
    value = g_key_file_get_integer (kf, "server", name, NULL);
  if (value < 0 || value > max)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s takes 1 to %d; %d is out of range", name,
                   max, value);
      return FALSE;
    }
  if (value > 0)
    *limit = value;
  return TRUE;
}

/* The limits on logins, on links not logged in and on HTTP connections,
 * from the options or else @kf (nullable). */
static gboolean
load_limits (GKeyFile *kf, ServalServerConfig *config, GError **error)
{
  return take_limit (kf, "max-failed-logins", opt_max_failed_logins, 100000, &config->max_failed_logins, error) &&
         take_limit (kf, "max-handshakes-per-address", opt_max_handshakes, 100000,
                     &config->max_handshakes_per_address, error) &&
         take_limit (kf, "login-timeout", opt_login_timeout, 3600, &config->login_timeout, error) &&
         take_limit (kf, "message-timeout", opt_message_timeout, 3600, &config->message_timeout, error) &&
         take_limit (kf, "max-unauthenticated-per-address", opt_max_unauthenticated, 100000,
                     &config->max_unauthenticated_per_address, error) &&
         take_limit (kf, "http-timeout", opt_http_timeout, 3600, &config->http_timeout, error) &&
         take_limit (kf, "http-max-connections", opt_http_max_connections, 10000, &config->http_max_connections,
                     error);
}

/* Options not given on the command line, from the --config key file;
 * returns the key file for the options read later, or NULL. */
static GKeyFile *
read_key_file (GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, opt_config, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "Cannot read %s: ", opt_config);
      return NULL;
    }
#define STR(key, opt) \
  if (opt == NULL)    \
  opt = g_key_file_get_string (kf, "server", key, NULL)
  STR ("data-dir", opt_data_dir);
  STR ("etcd", opt_etcd);
  STR ("listen", opt_listen);
  STR ("http", opt_http);
  STR ("node", opt_node);
#undef STR
  if (opt_advertise == NULL)
    opt_advertise = g_key_file_get_string_list (kf, "server", "advertise", NULL, NULL);
#define INT(key, opt) \
  if (opt == 0)       \
  opt = g_key_file_get_integer (kf, "server", key, NULL)
  INT ("keepalive", opt_keepalive);
  INT ("keepalive-budget", opt_keepalive_budget);
  INT ("lease", opt_lease);
  INT ("pbkdf2-iterations", opt_iterations);
#undef INT
  /* These two may be 0 in the file: unset is negative. */
#define INT_OR_ZERO(key, opt)                                  \
  if (opt < 0 && g_key_file_has_key (kf, "server", key, NULL)) \
  opt = g_key_file_get_integer (kf, "server", key, NULL)
  INT_OR_ZERO ("token-lifetime", opt_token_lifetime);
  INT_OR_ZERO ("token-max-age", opt_token_max_age);
#undef INT_OR_ZERO
  if (opt_user_rate_limit == 0)
    opt_user_rate_limit = g_key_file_get_int64 (kf, "server", "user-rate-limit", NULL);
  return g_steal_pointer (&kf);
}

static gboolean
load_config (ServalServerConfig *config, GError **error)
{
  g_autoptr(GKeyFile) kf = NULL;

  if (opt_config != NULL && (kf = read_key_file (error)) == NULL)
    return FALSE;

  /* With etcd, the offline commands need no data dir (main() asks for one
   * where the certificate is needed). */
  if (opt_data_dir == NULL && opt_etcd == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "Say where the data lives with --data-dir DIR (for example /var/lib/serval)");
      return FALSE;
    }
  config->data_dir = g_strdup (opt_data_dir);
  config->etcd = g_strdup (opt_etcd);
  config->listen = g_strdup (opt_listen);
  config->node = g_strdup (opt_node);
  config->advertise = g_strdupv (opt_advertise);
  if (opt_keepalive < 0 || opt_keepalive > 3600)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--keepalive takes 1 to 3600 seconds");
      return FALSE;
    }
  if (opt_keepalive > 0)
    config->keepalive = opt_keepalive;
  if (opt_keepalive_budget < 0 || opt_keepalive_budget > 1000000 || (opt_keepalive > 0 && opt_keepalive_budget > 0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--keepalive-budget takes 1 to 1000000 exchanges a second, and not with --keepalive "
                   "(which fixes the interval): give one of them");
      return FALSE;
    }
  if (opt_keepalive == 0)
    config->keepalive_budget = opt_keepalive_budget > 0 ? opt_keepalive_budget : KEEPALIVE_BUDGET;
  if (opt_lease < 0 || opt_lease == 1 || opt_lease > 3600)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--lease takes 2 to 3600 seconds (etcd keeps no lease shorter than about 2 s)");
      return FALSE;
    }
  config->lease = opt_lease;
  if (opt_iterations > 0)
    config->pbkdf2_iterations = opt_iterations;
  if (opt_token_lifetime < -1 || opt_token_lifetime > 366 * 24 * 3600)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--token-lifetime takes 0 to 31622400 seconds (366 days); %d is too long", opt_token_lifetime);
      return FALSE;
    }
  if (opt_token_lifetime >= 0)
    config->token_lifetime = opt_token_lifetime;
  if (opt_token_max_age < -1 || opt_token_max_age > 3650 * 24 * 3600)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--token-max-age takes 0 (no limit) to 315360000 seconds (3650 days); %d is out of range",
                   opt_token_max_age);
      return FALSE;
    }
  if (opt_token_max_age >= 0)
    config->token_max_age = opt_token_max_age;
  return load_limits (kf, config, error);
}

/* Reads NAME's new password and stores it, adding the user if @add. */
static gboolean
set_password (ServalStore *store, const char *name, gboolean add, guint iterations, GError **error)
{
  g_autofree char *prompt = g_strdup_printf ("Password for %s: ", name);
  g_autofree char *pw = serval_read_secret_line (prompt);
  ServalCredentials cred;
  gboolean ok;

  if (pw == NULL || *pw == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Give %s a password on standard input (an empty one is refused)", name);
      return FALSE;
    }
  ok = serval_credentials_make (&cred, (const guint8 *) pw, strlen (pw), iterations, error);
  if (ok)
    {
      ServalStoreWrite w = {
        .kind = add ? SERVAL_STORE_USER_ADD : SERVAL_STORE_USER_SET_CREDENTIALS,
        .user = name,
        .cred = &cred,
        .admin = opt_admin,
      };

      ok = serval_store_write_sync (store, &w, NULL, error);
    }
  serval_credentials_clear (&cred);
  explicit_bzero (pw, strlen (pw));
  return ok;
}

/* One change, waited for: an offline command has no main loop to keep going. */
static gboolean
store_write (ServalStore *store, ServalStoreWriteKind kind, const char *user, const char *vlan, GError **error)
{
  ServalStoreWrite w = { .kind = kind, .user = user, .vlan = vlan };

  return serval_store_write_sync (store, &w, NULL, error);
}

static int
run_admin (ServalServerConfig *config, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  ServalStore *store;
  const char *what = argv[1], *verb = argc > 2 ? argv[2] : "";
  gboolean ok = TRUE;
  int status = 0;

  if (config->data_dir != NULL && config->etcd == NULL && g_mkdir_with_parents (config->data_dir, 0700) != 0)
    return serval_offline_fail ("Cannot create the data directory %s: %s", config->data_dir, g_strerror (errno));
  store = serval_server_open_store (config, &error);
  if (store == NULL)
    return serval_offline_fail ("%s", error->message);

#define NEED(n)                                                                                                                               \
  if (argc != (n))                                                                                                                            \
    {                                                                                                                                         \
      status = serval_offline_fail ("Usage: serval-server --data-dir DIR %s %s%s", what, verb, (n) == 5 ? " NAME VLAN" : (n) == 4 ? " NAME" : \
                                                                                                                                    "");      \
      goto out;                                                                                                                               \
    }
  if ((status = serval_offline_net_run (store, argc, argv)) >= 0)
    goto out;
  status = 0;
  if (g_str_equal (what, "user") && (g_str_equal (verb, "add") || g_str_equal (verb, "passwd")))
    {
      gboolean add = g_str_equal (verb, "add");

      NEED (4);
      if ((ok = set_password (store, argv[3], add, config->pbkdf2_iterations, &error)))
        printf (add ? "Added user %s%s\n" : "Set the password of %s%s\n", argv[3],
                add && opt_admin ? " (administrator)" : "");
    }
  else if (g_str_equal (what, "user") && g_str_equal (verb, "del"))
    {
      NEED (4);
      if ((ok = store_write (store, SERVAL_STORE_USER_DEL, argv[3], NULL, &error)))
        printf ("Deleted user %s\n", argv[3]);
    }
  else if (g_str_equal (what, "user") && g_str_equal (verb, "list"))
    {
      g_autoptr(GPtrArray) users = NULL;

      NEED (3);
      users = serval_store_user_list (store, &error);
      ok = users != NULL;
      for (guint i = 0; ok && i < users->len; i++)
        {
          ServalUser *u = users->pdata[i];
          g_autofree char *vlans = NULL;

          g_ptr_array_add (u->vlans, NULL);
          vlans = g_strjoinv (",", (char **) u->vlans->pdata);
          g_ptr_array_remove_index (u->vlans, u->vlans->len - 1);
          g_autofree char *rate = serval_rate_to_string (u->rate_limit);

          printf ("%s%s\t%s%s%s%s\n", u->name, u->admin ? " (admin)" : "", vlans, u->bridge ? "\tbridge" : "",
                  u->rate_limit > 0 ? "\trate-limit " : "", u->rate_limit > 0 ? rate : "");
        }
    }
  else if (g_str_equal (what, "user") && (g_str_equal (verb, "grant") || g_str_equal (verb, "revoke")))
    {
      NEED (5);
      if (g_str_equal (verb, "grant"))
        {
          if ((ok = store_write (store, SERVAL_STORE_GRANT, argv[3], argv[4], &error)))
            printf ("%s may join %s\n", argv[3], argv[4]);
        }
      else if ((ok = store_write (store, SERVAL_STORE_REVOKE, argv[3], argv[4], &error)))
        printf ("%s may no longer join %s\n", argv[3], argv[4]);
    }
  else if (g_str_equal (what, "vlan") && g_str_equal (verb, "add"))
    {
      NEED (4);
      if ((ok = store_write (store, SERVAL_STORE_VLAN_ADD, NULL, argv[3], &error)))
        printf ("Added VLAN %s\n", argv[3]);
    }
  else if (g_str_equal (what, "vlan") && g_str_equal (verb, "del"))
    {
      NEED (4);
      if ((ok = store_write (store, SERVAL_STORE_VLAN_DEL, NULL, argv[3], &error)))
        printf ("Deleted VLAN %s\n", argv[3]);
    }
  else
    status = serval_offline_fail ("Unknown command “%s %s”: see serval-server --help", what, verb);
#undef NEED

  if (!ok)
    status = serval_offline_fail ("%s", error->message);
out:
  g_object_unref (store);
  return status;
}

static gboolean
shutdown_done_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GMainLoop *loop;
  ServalServer *server;
  gboolean stopping;
} RunState;

static gboolean
signal_cb (gpointer data)
{
  RunState *rs = data;

  if (rs->stopping)
    {
      g_main_loop_quit (rs->loop);
      return G_SOURCE_CONTINUE;
    }
  rs->stopping = TRUE;
  g_message ("Shutting down: telling the clients");
  serval_systemd_stopping ();
  serval_server_shutdown (rs->server, shutdown_done_cb, rs->loop);
  return G_SOURCE_CONTINUE;
}

/* Every client holds one socket: raise the soft open-file limit to the
 * hard one, and say how many clients fit. */
static void
raise_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < rl.rlim_max)
    {
      rlim_t old = rl.rlim_cur;

      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        {
          g_warning ("Cannot raise the open-file limit from %lu to %lu: %s; the server can hold "
                     "about %lu clients",
                     (unsigned long) old, (unsigned long) rl.rlim_max,
                     g_strerror (errno), (unsigned long) (old > 64 ? old - 64 : 0));
          return;
        }
    }
  if (rl.rlim_cur < 4096)
    g_warning ("The open-file limit is %lu: the server can hold only about %lu clients. Raise the "
               "hard limit (LimitNOFILE= in the systemd unit, or “ulimit -Hn 65536” as root "
               "before starting it)",
               (unsigned long) rl.rlim_cur,
               (unsigned long) (rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 0));
  else
    g_message ("Open-file limit %lu: room for about %lu clients", (unsigned long) rl.rlim_cur,
               (unsigned long) (rl.rlim_cur - 64));
}

/* With TZ unset glibc stats /etc/localtime for every log line's time; set
 * to the same file, it reads it once: the times stay local (issue 17). */
static void
zone_read_once (void)
{
  if (g_getenv ("TZ") == NULL)
    g_setenv ("TZ", ":/etc/localtime", FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[COMMAND] — the Serval VLAN switch server");
  g_autoptr(GError) error = NULL;
  ServalServerConfig config;
  g_autoptr(ServalServer) server = NULL;
  ServalHttp *http = NULL;
  RunState rs = { 0 };
  int status;

  zone_read_once ();
  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (ctx, entries, NULL);
  serval_offline_net_add_options (ctx);
  g_option_context_set_description (ctx, summary);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return serval_offline_fail ("%s (see serval-server --help)", error->message);
  if (opt_version)
    {
      printf ("serval-server %s\n", PACKAGE_VERSION);
      return 0;
    }

  serval_server_config_init (&config);
  if (!load_config (&config, &error))
    {
      serval_server_config_clear (&config);
      return serval_offline_fail ("%s", error->message);
    }

  if (config.data_dir == NULL && (argc < 2 || g_str_equal (argv[1], "fingerprint")))
    {
      serval_server_config_clear (&config);
      return serval_offline_fail ("Say where the certificate and key live with --data-dir DIR (for example /var/lib/serval): "
                                  "with --etcd the data dir holds nothing else");
    }
  if (argc >= 2 && g_str_equal (argv[1], "fingerprint"))
    {
      g_autofree char *cert_path = NULL;
      g_autofree char *key_path = NULL;
      g_autoptr(ServalTlsServer) tls = NULL;
      gboolean created = FALSE;

      if (g_mkdir_with_parents (config.data_dir, 0700) != 0)
        return serval_offline_fail ("Cannot create the data directory %s: %s", config.data_dir, g_strerror (errno));
      if (!serval_cert_ensure (config.data_dir, config.node ? config.node : g_get_host_name (),
                               &cert_path, &key_path, &created, &error) ||
          (tls = serval_tls_server_new (cert_path, key_path, NULL, &error)) == NULL)
        return serval_offline_fail ("%s", error->message);
      if (created)
        g_printerr ("serval-server: NEW IDENTITY: there was no certificate or key in %s, so a new "
                    "self-signed certificate was made\n",
                    config.data_dir);
      printf ("%s\n", serval_tls_server_get_fingerprint (tls));
      serval_server_config_clear (&config);
      return 0;
    }
  if (argc >= 2)
    {
      status = run_admin (&config, argc, argv);
      serval_server_config_clear (&config);
      return status;
    }

  raise_fd_limit ();
  /* Password checks run on GLib's worker threads; with an arena per thread
   * the long-lived parts of sessions end up spread over several arenas, and
   * their gaps count in RSS (one arena saved ~0.9 KiB per idle client when
   * TLS handshakes ran on worker threads too; serval-bench idle, 1,000
   * clients). */
  mallopt (M_ARENA_MAX, 1);
  if (opt_user_rate_limit < 0 || opt_user_rate_limit > G_GINT64_CONSTANT (1000000000000))
    return serval_offline_fail ("--user-rate-limit takes 0 (no limit) to 1000000000000 bytes per second; %" G_GINT64_FORMAT
                                " is out of range",
                                opt_user_rate_limit);
  server = serval_server_new (&config, &error);
  serval_server_config_clear (&config);
  if (server != NULL)
    serval_server_set_user_rate_limit (server, opt_user_rate_limit);
  if (server == NULL || !serval_server_start (server, &error))
    return serval_offline_fail ("%s", error->message);
  if (serval_store_user_count (serval_server_get_store (server)) == 0)
    g_message ("There are no users yet: add one with "
               "“serval-server --data-dir %s%s%s user add NAME --admin”",
               opt_data_dir,
               opt_etcd ? " --etcd " : "", opt_etcd ? opt_etcd : "");
  if (opt_http != NULL && (http = serval_http_start (server, opt_http, config.http_timeout, config.http_max_connections, &error)) == NULL)
    return serval_offline_fail ("%s", error->message);

  rs.loop = g_main_loop_new (NULL, FALSE);
  rs.server = server;
  g_unix_signal_add (SIGTERM, signal_cb, &rs);
  g_unix_signal_add (SIGINT, signal_cb, &rs);
  serval_systemd_ready (server);
  g_main_loop_run (rs.loop);
  g_main_loop_unref (rs.loop);
  serval_http_stop (http);
  g_message ("Stopped");
  return 0;
}
