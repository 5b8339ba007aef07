/* serval-server-members.c: member events for big VLANs (issue 17).
 *
 * A client whose Hello said memberPages gets a VLAN's member changes
 * coalesced: each session collects them per VLAN and sends them as one
 * memberChanges event, at once if nothing went to it in the last second,
 * else when that second is over (one timer per session at most). Changes
 * to the same member within the window collapse: joined then left is none,
 * left then joined is an update. So a thousand members joining in one
 * second cost each member one or two messages, not a thousand. Older
 * clients get one event per change, as before, but those of a tenth of a
 * second leave together: in a reconnect storm a member of a VLAN of 50 is
 * told of dozens of returns within a second, and one write (one TLS record,
 * one system call) for each cost the server more than the returns
 * themselves.
 */
#include "config.h"

#include "serval-server-private.h"

#include <string.h>

/* The least time between two coalesced events to one session. */
#define MEMBER_EVENT_INTERVAL_US G_USEC_PER_SEC
/* The least time between two writes of single events to an older client. */
#define SINGLE_EVENT_INTERVAL_US (G_USEC_PER_SEC / 10)

/* One member event for older clients, built once for all its recipients
 * (a GRcBox). */
typedef struct
{
  guint32 tag;
  Message_t *msg;
} SingleEvent;

/* One member's change waiting to go. */
typedef struct
{
  ServalEventKind kind;
  ServalMember *member;
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
  GSource *timer;    /* flushes when the second since last_sent is over */
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
pending_change_free (PendingChange *change)
{
  g_object_unref (change->member);
  g_free (change);
}

static void
pending_vlan_free (PendingVlan *pv)
{
  g_free (pv->vlan);
  g_hash_table_unref (pv->changes);
  g_free (pv);
}

void
serval_session_member_events_free (Session *s)
{
  SessionMemberEvents *ev = s->member_events;

  if (ev == NULL)
    return;
  serval_clear_source (&ev->timer);
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

/* What a member is known by: serval_member_same()'s user, host and MAC. */
static char *
member_key (ServalMember *member)
{
  return g_strdup_printf ("%s\n%s\n%s", serval_member_get_user (member), serval_member_get_host (member),
                          serval_member_get_mac (member));
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
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) serval_member_change_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, pv->changes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (pending, value);
  g_ptr_array_sort (pending, compare_seq);
  for (guint i = 0; i < pending->len; i++)
    {
      PendingChange *p = pending->pdata[i];

      g_ptr_array_add (changes, serval_member_change_new (p->kind, g_object_ref (p->member)));
      if (changes->len == SERVAL_MEMBER_PAGE_MAX || i + 1 == pending->len)
        {
          Message_t *msg = serval_event_build_member_changes (pv->vlan, changes);

          if (!s->services)
            serval_message_strip_services (msg);
          serval_link_send_take (s->link, msg);
          g_ptr_array_set_size (changes, 0);
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
  g_autoptr(GHashTable) vlans = ev->vlans;
  g_autoptr(GPtrArray) single = ev->single;
  GHashTableIter iter;
  PendingVlan *pv;
  gboolean sent = FALSE;

  ev->vlans = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_vlan_free);
  ev->single = g_ptr_array_new_with_free_func ((GDestroyNotify) single_event_unref);
  serval_session_ref (s);
  for (guint i = 0; i < single->len && !s->closed; i++)
    sent |= serval_link_send (s->link, ((SingleEvent *) single->pdata[i])->msg, NULL);
  g_hash_table_iter_init (&iter, vlans);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pv))
    if (!s->closed && g_hash_table_size (pv->changes) > 0)
      {
        send_vlan (s, pv);
        sent = TRUE;
      }
  if (sent)
    ev->last_sent = g_get_monotonic_time ();
  serval_session_unref (s);
}

static gboolean
timer_cb (gpointer data)
{
  Session *s = data;

  g_clear_pointer (&s->member_events->timer, g_source_unref);
  flush (s);
  return G_SOURCE_REMOVE;
}

/* Adds @kind of @member to what waits for @s in VLAN @tag, collapsed with
 * what waits there for the same member already. */
static void
collect (SessionMemberEvents *ev, guint32 tag, const char *vlan, ServalMember *member, ServalEventKind kind)
{
  PendingVlan *pv = g_hash_table_lookup (ev->vlans, GUINT_TO_POINTER (tag));
  g_autofree char *key = member_key (member);
  PendingChange *was;
  PendingChange *change;

  if (pv == NULL)
    {
      pv = g_new0 (PendingVlan, 1);
      pv->vlan = g_strdup (vlan);
      pv->changes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pending_change_free);
      g_hash_table_insert (ev->vlans, GUINT_TO_POINTER (tag), pv);
    }
  was = g_hash_table_lookup (pv->changes, key);
  if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_JOINED && kind == SERVAL_EVENT_MEMBER_LEFT)
    {
      g_hash_table_remove (pv->changes, key); /* came and went: the client never knew it */
      return;
    }
  if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_JOINED)
    kind = SERVAL_EVENT_MEMBER_JOINED; /* and changed since: still new to the client */
  else if (was != NULL && was->kind == SERVAL_EVENT_MEMBER_LEFT && kind == SERVAL_EVENT_MEMBER_JOINED)
    kind = SERVAL_EVENT_MEMBER_UPDATED; /* went and came back: the client knows it */
  change = g_new0 (PendingChange, 1);
  change->kind = kind;
  change->member = g_object_ref (member);
  change->seq = was != NULL ? was->seq : ev->seq++;
  g_hash_table_replace (pv->changes, g_steal_pointer (&key), change);
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

/* What waits for @s goes now, or when its window (a second, a tenth for
 * an older client) since the last write is over. */
static void
schedule (Session *s)
{
  SessionMemberEvents *ev = s->member_events;
  gint64 interval = s->member_pages ? MEMBER_EVENT_INTERVAL_US : SINGLE_EVENT_INTERVAL_US;
  gint64 now = g_get_monotonic_time ();

  if (ev->timer != NULL)
    return;
  if (ev->last_sent == 0 || now - ev->last_sent >= interval)
    {
      flush (s);
      return;
    }
  ev->timer = g_timeout_source_new ((ev->last_sent + interval - now + 999) / 1000);
  g_source_set_callback (ev->timer, timer_cb, s, NULL);
  g_source_attach (ev->timer, s->server->context);
}

void
serval_server_tell_members (GPtrArray *sessions, Session *except, guint32 tag, const char *vlan,
                            ServalMember *member, ServalEventKind kind)
{
  SingleEvent *single = NULL;

  for (guint i = 0; i < sessions->len; i++)
    {
      Session *other = sessions->pdata[i];

      if (other == except || other->closed)
        continue;
      if (other->member_pages)
        collect (member_events (other), tag, vlan, member, kind);
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
}
