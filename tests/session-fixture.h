/* session-fixture.h: what the in-process session tests share (test-session,
 * test-session-events, test-attacks): a data directory with the test
 * certificate and a store, a real ServalServer on a free loopback port, the
 * results of the client's asynchronous calls, and waiting on the test's own
 * main context. Built once into a static library (tests/meson.build). */
#pragma once

#include "serval-client.h"
#include "serval-link.h"
#include "serval-message.h"
#include "serval-server.h"
#include "serval-store.h"

/* PBKDF2 iterations for the test users: these tests check sessions, not hashing. */
#define SESSION_TEST_ITERATIONS 1000

/* Iterates @context until @cond holds; fails the test (naming @cond_text)
 * if it still does not after @seconds: a safety net, never a measurement. */
#define SESSION_WAIT_UNTIL(context, seconds, cond, cond_text)                            \
  G_STMT_START                                                                           \
  {                                                                                      \
    gboolean timed_out_ = FALSE;                                                         \
    GSource *safety_ = session_safety_net_new ((context), (seconds), &timed_out_);       \
                                                                                         \
    while (!(cond) && !timed_out_)                                                       \
      g_main_context_iteration ((context), TRUE);                                        \
    session_safety_net_free (safety_);                                                   \
    if (!(cond))                                                                         \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,                  \
                           "still false after " G_STRINGIFY (seconds) " s: " cond_text); \
  }                                                                                      \
  G_STMT_END

/* A source on @context that sets *@timed_out after @seconds. */
GSource *session_safety_net_new (GMainContext *context, guint seconds, gboolean *timed_out);

/* Destroys and frees what session_safety_net_new() made. */
void session_safety_net_free (GSource *safety);

/* What an asynchronous call of the client ended with. */
typedef struct
{
  gboolean done;   /* the callback ran */
  guint *count;    /* (nullable) a counter several results share, one up per callback */
  gboolean ok;     /* what _finish returned (for a VLAN or a list: not %NULL) */
  GError *error;   /* (owned) */
  gpointer object; /* (owned) a joined ServalClientVlan, or a GListModel of members */
} SessionResult;

/* Callbacks of serval_client_connect_async(), _join_async() (and
 * _join_frames_async()) and _list_members_async(), on a SessionResult. */
void session_connect_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void session_join_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void session_members_cb (GObject *source, GAsyncResult *result, gpointer user_data);

typedef gboolean (*SessionFinishFunc) (ServalClient *client, GAsyncResult *result, GError **error);

/* A request answered by a plain _finish (leave, the admin requests). */
typedef struct
{
  SessionResult r;
  SessionFinishFunc finish;
} SessionRequest;

/* The callback of such a request: @user_data is its SessionRequest. */
void session_request_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* A raw link to a server, as a client older than every capability speaks
 * it: its Hello says none. */
typedef struct
{
  GMainContext *context; /* where it waits */
  ServalLink *link;
  ServalResponse resp; /* the last response */
  gboolean got;        /* a response came since the last request */
  guint joined;        /* single memberJoined events */
  guint changes;       /* coalesced member events (an old client must get none) */
} SessionOldClient;

/* Connects @c to the server at @address, pinning @fingerprint, waiting on
 * @context; it has said its Hello: the caller logs in. */
void session_old_client_open (SessionOldClient *c, GMainContext *context, const char *address,
                              const char *fingerprint);

/* The same with @hello (taken) for the Hello: a client of some capabilities. */
void session_old_client_open_hello (SessionOldClient *c, GMainContext *context, const char *address,
                                    const char *fingerprint, Message_t *hello);

/* Sends @request (taken) and waits for the response: (transfer none) it. */
ServalResponse *session_old_client_ask (SessionOldClient *c, Message_t *request);

/* Closes the link and frees what @c holds. */
void session_old_client_close (SessionOldClient *c);

/* Whether @members (of ServalMember) holds a member of @user on @host;
 * %NULL for either matches any. */
gboolean session_members_have (GListModel *members, const char *user, const char *host);

/* Adds @name to @store with @password, hashed with @iterations PBKDF2
 * iterations. */
void session_add_user (ServalStore *store, const char *name, const char *password, gboolean admin,
                       guint iterations);

/* Adds the users @names (%NULL-terminated) to @store, each with the
 * password "NAME-pw" and SESSION_TEST_ITERATIONS; administrators if @admin.
 * Unless @vlan is %NULL, makes that VLAN (a new one) and lets them all join it. */
void session_add_users (ServalStore *store, const char *const *names, gboolean admin, const char *vlan);

/* A new data directory (named from @tmpl, returned in @dir) holding the
 * test certificate and key, as a server's; (transfer full) its SQLite
 * store, empty, whose path is returned in @db if @db is not %NULL. */
ServalStore *session_data_dir_new (const char *tmpl, char **dir, char **db);

/* @config for a server of the data directory @dir named @node, with the
 * test users' iterations; clear it with serval_server_config_clear(). */
void session_config_init (ServalServerConfig *config, const char *dir, const char *node);

/* A started server of @config (whose listen address is set): %NULL if that
 * address is in use; any other error fails the test. */
ServalServer *session_server_try_start (const ServalServerConfig *config);

/* A started server of @config on a free port of its own, "127.0.0.1:PORT"
 * in @address (freed first). The server cannot say which port it bound, so
 * the port is found first; another program may take it in between: then
 * another. */
ServalServer *session_server_start_new (ServalServerConfig *config, char **address);

/* What every session test's fixture starts with. */
typedef struct
{
  GMainContext *context; /* the test's own, the thread's default while it runs */
  char *fingerprint;     /* of the test certificate, which every server shows */
  GPtrArray *clients;    /* (element-type ServalClient) disconnected in teardown */
} SessionBase;

/* Pushes a context of the test's own and fills @b. */
void session_base_init (SessionBase *b);

/* Disconnects every client of @b and drops them: the first step of a
 * teardown, before the servers go. */
void session_base_clear_clients (SessionBase *b);

/* Frees what is left of @b and pops its context (test_context_pop():
 * what the test left behind runs first): the last step of a teardown. */
void session_base_clear (SessionBase *b);
