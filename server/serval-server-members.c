/* serval-server-members.c: member events for big VLANs (issue 17).
 *
 * A client whose Hello said memberPages gets a VLAN's member changes
 * coalesced: each session collects them per VLAN and sends them as one
 * memberChanges event, at once if nothing went to it in the last second,
 * else when that second is over. Changes
 * to the same member within the window collapse: joined then left is none,
 * left then joined is an update. So a thousand members joining in one
 * second cost each member one or two messages, not a thousand. Older
 * clients get one event per change, as before, in the same windows: what
 * came within the second leaves in one write. In a reconnect storm a member
 * of a VLAN of 50 is told of dozens of returns a second, and one write (one
 * TLS record, one system call) for each was the largest part of the
 * server's CPU per return.
 */
#include "config.h"

#include "serval-server-private.h"

#include <string.h>

/* The least time between two coalesced events to one session. */
#define MEMBER_EVENT_INTERVAL_US G_USEC_PER_SEC

/* The sessions whose events wait for their window to end, one set and one
 * timer per server (its member_waiting):
 * a timer per session would be one more GSource that every iteration of
 * the main loop walks, thousands of them in a reconnect storm. Made when a
 * session first waits, gone when none does. */
typedef struct _ServalMemberWaiting
{
  GHashTable *sessions; /* Session -> itself, not held: a session leaves it as it goes */
  GSource *timer;       /* every tick while any waits */
} Waiting;

#define WAITING_TICK_MS 50

/* One member event for older clients, built once for all its recipients
 * (a GRcBox). */
typedef struct
{
  guint32 tag;
  Message_t *msg;
} SingleEvent;

/* One member's change as told to every session of its VLAN, made once for
 * all (a GRcBox): what it is known by, and its DER for clients that read
 * memberChanges, made when a session first sends it, per kind (a session
 * may have collapsed it into another) and with or without services. */
typedef struct
{
  ServalMember *member;
  char *key;  /* "user\nhost\nmac": serval_member_same()'s user, host and MAC */
  guint hash; /* of key, made once: a session's table looks it up for each change */
  GBytes *der[3][2];
} SharedChange;

/* One member's change waiting to go to one session. */
typedef struct
{
  ServalEventKind kind;
  SharedChange *shared;
  guint64 seq; /* when it came first, for the order it goes in */
} PendingChange;

/* The changes waiting for one session in one VLAN. */
typedef struct
{
  char *vlan;
  GHashTable *changes; /* "user\nhost\nmac" -> PendingChange */
} PendingVlan;

struct _SessionMemberEvents
{
  GHashTable *vlans; /* tag -> PendingVlan */
  GPtrArray *single; /* SingleEvent, in order: an older client's */
  gint64 last_sent;  /* monotonic time of the last coalesced event, 0 if none */
  gboolean waiting;  /* in its server's Waiting: goes when its window is over */
  guint64 seq;
};

static void
single_event_clear (SingleEvent *event)
{
  serval_message_free (event->msg);
}

static void
single_event_unref (SingleEvent *event)
{
  g_rc_box_release_full (event, (GDestroyNotify) single_event_clear);
}

static void
shared_change_clear (SharedChange *shared)
{
  g_object_unref (shared->member);
  g_free (shared->key);
  for (guint k = 0; k < G_N_ELEMENTS (shared->der); k++)
    for (guint with = 0; with < 2; with++)
      g_clear_pointer (&shared->der[k][with], g_bytes_unref);
}

static void
shared_change_unref (SharedChange *shared)
{
  g_rc_box_release_full (shared, (GDestroyNotify) shared_change_clear);
}

static SharedChange *
shared_change_new (ServalMember *member)
{
  SharedChange *shared = g_rc_box_new0 (SharedChange);

  shared->member = g_object_ref (member);
  shared->key = g_strdup_printf ("%s\n%s\n%s", serval_member_get_user (member), serval_member_get_host (member),
                                 serval_member_get_mac (member));
  shared->hash = g_str_hash (shared->key);
  return shared;
}

/* A session's pending changes are keyed by their SharedChange: one member's
 * changes, which may come in different SharedChanges, are one key. */
static guint
shared_change_hash (gconstpointer shared)
{
  return ((const SharedChange *) shared)->hash;
}

static gboolean
shared_change_equal (gconstpointer a, gconstpointer b)
{
  const SharedChange *x = a, *y = b;

  return x == y || (x->hash == y->hash && strcmp (x->key, y->key) == 0);
}

/* The DER of @shared as a change of @kind, with services if @services. */
static GBytes *
shared_change_der (SharedChange *shared, ServalEventKind kind, gboolean services)
{
  guint k = kind == SERVAL_EVENT_MEMBER_JOINED ? 0 : kind == SERVAL_EVENT_MEMBER_LEFT ? 1 :
                                                                                        2;
  GBytes **der = &shared->der[k][services ? 1 : 0];

  if (*der == NULL)
    *der = serval_member_change_encode (kind, shared->member, services);
  return *der;
}

static void
pending_change_free (PendingChange *change)
{
  shared_change_unref (change->shared);
  g_free (change);
}

static void
pending_vlan_free (PendingVlan *pv)
{
  g_free (pv->vlan);
  g_hash_table_unref (pv->changes);
  g_free (pv);
}

static void
waiting_free (ServalServer *server)
{
  Waiting *w = g_steal_pointer (&server->member_waiting);

  serval_clear_source (&w->timer);
  g_hash_table_unref (w->sessions);
  g_free (w);
}

/* @s leaves its server's Waiting, which goes with its last session. */
static void
waiting_remove (Session *s)
{
  Waiting *w = s->server->member_waiting;

  s->member_events->waiting = FALSE;
  if (w == NULL || !g_hash_table_remove (w->sessions, s) || g_hash_table_size (w->sessions) > 0)
    return;
  waiting_free (s->server);
}

/* The server is being freed: sessions still held elsewhere stop waiting,
 * and the timer, which holds the server, goes. */
void
serval_server_members_stop (ServalServer *server)
{
  Waiting *w = server->member_waiting;
  GHashTableIter iter;
  Session *s;

  if (w == NULL)
    return;
  g_hash_table_iter_init (&iter, w->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &s, NULL))
    s->member_events->waiting = FALSE;
  waiting_free (server);
}

void
serval_session_member_events_free (Session *s)
{
  SessionMemberEvents *ev = s->member_events;

  if (ev == NULL)
    return;
  if (ev->waiting)
    waiting_remove (s);
  g_hash_table_unref (ev->vlans);
  g_ptr_array_unref (ev->single);
  g_free (ev);
  s->member_events = NULL;
}

void
serval_session_member_events_drop (Session *s, guint32 tag)
{
  GPtrArray *single;

  if (s->member_events == NULL)
    return;
  g_hash_table_remove (s->member_events->vlans, GUINT_TO_POINTER (tag));
  single = s->member_events->single;
  for (guint i = single->len; i-- > 0;)
    if (((SingleEvent *) single->pdata[i])->tag == tag)
      g_ptr_array_remove_index (single, i);
}

static gint
compare_seq (gconstpointer a, gconstpointer b)
{
  const PendingChange *x = *(PendingChange *const *) a;
  const PendingChange *y = *(PendingChange *const *) b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sends @pv's changes to @s, in the order they came, 500 an event at most. */
static void
send_vlan (Session *s, PendingVlan *pv)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_sized_new (g_hash_table_size (pv->changes));
  g_autoptr(GPtrArray) ders = g_ptr_array_sized_new (MIN (g_hash_table_size (pv->changes), SERVAL_MEMBER_PAGE_MAX));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, pv->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (pending, value);
  g_ptr_array_sort (pending, compare_seq);
  for (guint i = 0; i < pending->len; i++)
    {
      PendingChange *p = pending->pdata[i];
      GBytes *der = shared_change_der (p->shared, p->kind, s->services);

      if (der != NULL) /* (else said in the log) */
        g_ptr_array_add (ders, der);
      if (ders->len > 0 && (ders->len == SERVAL_MEMBER_PAGE_MAX || i + 1 == pending->len))
        {
          ServalFanout f = { .vlan = pv->vlan, .changes = (GBytes **) ders->pdata, .n = ders->len };

          serval_session_send_fanout (s, &f);
          g_ptr_array_set_size (ders, 0);
        }
    }
}

/* Sends what waits for @s. A send can close its link, which leaves its
 * VLANs (serval_session_member_events_drop()) and drops the server's
 * reference: the table is taken first, and @s held. */
static void
flush (Session *s)
{
  SessionMemberEvents *ev = s->member_events;
  g_autoptr(GHashTable) vlans = NULL;
  g_autoptr(GPtrArray) single = NULL;
  GHashTableIter iter;
  PendingVlan *pv;
  gboolean sent = FALSE;

  /* Only what holds something is taken (a client reads one kind): no
   * allocation for the other. */
  if (g_hash_table_size (ev->vlans) > 0)
    {
      vlans = ev->vlans;
      ev->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_vlan_free);
    }
  if (ev->single->len > 0)
    {
      single = ev->single;
      ev->single = g_ptr_array_new_with_free_func ((GDestroyNotify) single_event_unref);
    }
  serval_session_ref (s);
  for (guint i = 0; single != NULL && i < single->len && !s->closed; i++)
    sent |= serval_link_send (s->link, ((SingleEvent *) single->pdata[i])->msg, NULL);
  if (vlans != NULL)
    g_hash_table_iter_init (&iter, vlans);
  while (vlans != NULL && g_hash_table_iter_next (&iter, NULL, (gpointer *) &pv))
    if (!s->closed && g_hash_table_size (pv->changes) > 0)
      {
        send_vlan (s, pv);
        sent = TRUE;
      }
  if (sent)
    ev->last_sent = g_get_monotonic_time ();
  serval_session_unref (s);
}

/* Adds @kind of @member to what waits for @s in VLAN @tag, collapsed with
 * what waits there for the same member already. */
static void
collect (SessionMemberEvents *ev, guint32 tag, const char *vlan, SharedChange *shared, ServalEventKind kind)
{
  PendingVlan *pv = g_hash_table_lookup (ev->vlans, GUINT_TO_POINTER (tag));
  PendingChange *was;
  PendingChange *change;

  if (pv == NULL)
    {
      pv = g_new0 (PendingVlan, 1);
      pv->vlan = g_strdup (vlan);
      /* Keyed by the change's SharedChange, which the value holds. */
      pv->changes = g_hash_table_new_full (shared_change_hash, shared_change_equal, NULL,
                                           (GDestroyNotify) pending_change_free);
      g_hash_table_insert (ev->vlans, GUINT_TO_POINTER (tag), pv);
    }
  was = g_hash_table_lookup (pv->changes, shared);
  if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_JOINED && kind == SERVAL_EVENT_MEMBER_LEFT)
    {
      g_hash_table_remove (pv->changes, shared); /* came and went: the client never knew it */
      return;
    }
  if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_JOINED)
    kind = SERVAL_EVENT_MEMBER_JOINED; /* and changed since: still new to the client */
  else if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_LEFT && kind == SERVAL_EVENT_MEMBER_JOINED)
    kind = SERVAL_EVENT_MEMBER_UPDATED; /* went and came back: the client knows it */
  change = g_new0 (PendingChange, 1);
  change->kind = kind;
  change->shared = g_rc_box_acquire (shared);
  change->seq = was != NULL ? was->seq : ev->seq++;
  g_hash_table_replace (pv->changes, shared, change); /* (the old value, and its key, go) */
}

static SessionMemberEvents *
member_events (Session *s)
{
  if (s->member_events == NULL)
    {
      s->member_events = g_new0 (SessionMemberEvents, 1);
      s->member_events->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_vlan_free);
      s->member_events->single = g_ptr_array_new_with_free_func ((GDestroyNotify) single_event_unref);
    }
  return s->member_events;
}

/* Whether the window since the last write to @s is over. */
static gboolean
window_over (Session *s, gint64 now)
{
  gint64 last = s->member_events->last_sent;

  return last == 0 || now - last >= MEMBER_EVENT_INTERVAL_US;
}

/* Sends what waits for the sessions whose window is over. */
static gboolean
waiting_tick_cb (gpointer data)
{
  ServalServer *server = data;
  Waiting *w = server->member_waiting;
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_session_unref);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Session *s;

  if (w == NULL)
    return G_SOURCE_REMOVE;
  g_hash_table_iter_init (&iter, w->sessions);
  while (g_hash_table_iter_next (&iter, (gpointer *) &s, NULL))
    if (window_over (s, now))
      g_ptr_array_add (due, serval_session_ref (s));
  /* (The last to leave takes Waiting and this timer with it.) */
  for (guint i = 0; i < due->len; i++)
    {
      s = due->pdata[i];
      if (s->member_events->waiting)
        waiting_remove (s);
      flush (s);
    }
  return G_SOURCE_CONTINUE;
}

static void
waiting_add (Session *s)
{
  Waiting *w = s->server->member_waiting;

  if (w == NULL)
    {
      w = g_new0 (Waiting, 1);
      w->sessions = g_hash_table_new (NULL, NULL);
      w->timer = g_timeout_source_new (WAITING_TICK_MS);
      g_source_set_callback (w->timer, waiting_tick_cb, s->server, NULL);
      g_source_attach (w->timer, s->server->context);
      s->server->member_waiting = w;
    }
  g_hash_table_add (w->sessions, s);
  s->member_events->waiting = TRUE;
}

/* What waits for @s goes now, or when the second since its last write is
 * over. */
static void
schedule (Session *s)
{
  if (s->member_events->waiting)
    return;
  if (window_over (s, g_get_monotonic_time ()))
    flush (s);
  else
    waiting_add (s);
}

void
serval_server_tell_members (GPtrArray *sessions, Session *except, guint32 tag, const char *vlan,
                            ServalMember *member, ServalEventKind kind)
{
  SingleEvent *single = NULL;
  SharedChange *shared = NULL;

  for (guint i = 0; i < sessions->len; i++)
    {
      Session *other = sessions->pdata[i];

      if (other == except || other->closed)
        continue;
      if (other->member_pages)
        {
          if (shared == NULL)
            shared = shared_change_new (member);
          collect (member_events (other), tag, vlan, shared, kind);
        }
      else
        {
          /* A client before memberPages: one event per change, as it reads. */
          if (single == NULL)
            {
              single = g_rc_box_new0 (SingleEvent);
              single->tag = tag;
              single->msg = serval_event_build_member (kind, vlan, member);
              serval_message_strip_services (single->msg); /* (it came later still) */
            }
          g_ptr_array_add (member_events (other)->single, g_rc_box_acquire (single));
        }
      schedule (other);
    }
  g_clear_pointer (&single, single_event_unref);
  g_clear_pointer (&shared, shared_change_unref);
}
