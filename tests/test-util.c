/* test-util.c: the one-shot timer of engine/serval-util.c, by which clients,
 * peers, the etcd store and serval-bench retry after a backoff. */
#include "config.h"

#include "serval-util.h"

typedef struct
{
  GSource *slot;
  guint fired;
  guint rearm; /* how many more times the callback arms the timer again */
  gboolean slot_was_clear;
} Timer;

static void
timer_fired (gpointer data)
{
  Timer *t = data;

  t->fired++;
  t->slot_was_clear = t->slot == NULL;
  if (t->rearm > 0)
    {
      t->rearm--;
      serval_timeout_once (&t->slot, NULL, 0, timer_fired, t);
    }
}

/* Iterates @context until @t fired @count times in all. */
static void
run_until_fired (GMainContext *context, Timer *t, guint count)
{
  while (t->fired < count)
    g_main_context_iteration (context, TRUE);
}

/* The slot holds the source until it fires, and is clear when the callback runs. */
static void
test_fires_once (void)
{
  Timer t = { 0 };

  serval_timeout_once (&t.slot, NULL, 0, timer_fired, &t);
  g_assert_nonnull (t.slot);
  run_until_fired (NULL, &t, 1);
  g_assert_true (t.slot_was_clear);
  g_assert_null (t.slot);
  /* Nothing left to fire. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (t.fired, ==, 1);
}

/* The callback may arm the same slot again. */
static void
test_rearm_from_callback (void)
{
  Timer t = { .rearm = 2 };

  serval_timeout_once (&t.slot, NULL, 0, timer_fired, &t);
  run_until_fired (NULL, &t, 3);
  g_assert_true (t.slot_was_clear);
  g_assert_null (t.slot);
  g_assert_cmpuint (t.rearm, ==, 0);
}

/* serval_clear_source() stops a timer that is due. */
static void
test_cleared_never_fires (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Timer t = { 0 };

  serval_timeout_once (&t.slot, context, 0, timer_fired, &t);
  serval_clear_source (&t.slot);
  g_assert_null (t.slot);
  g_assert_false (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (t.fired, ==, 0);
}

/* It fires on the context it was given, not on the global default. */
static void
test_own_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Timer t = { 0 };

  serval_timeout_once (&t.slot, context, 0, timer_fired, &t);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (t.fired, ==, 0);
  run_until_fired (context, &t, 1);
  g_assert_null (t.slot);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/util/timeout-once/fires-once", test_fires_once);
  g_test_add_func ("/util/timeout-once/rearm-from-callback", test_rearm_from_callback);
  g_test_add_func ("/util/timeout-once/cleared-never-fires", test_cleared_never_fires);
  g_test_add_func ("/util/timeout-once/own-context", test_own_context);
  return g_test_run ();
}
