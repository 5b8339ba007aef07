/* test-loop-util.h: main-loop helpers for the GTest binaries, so that a test
 * holds on a busy machine and depends on nothing an earlier test left:
 *
 * - test_add_in_own_context() runs a test on a GMainContext of its own,
 *   pushed as the thread's default, and runs what the test left behind
 *   (idle sources of closed links, say) in that context before dropping it.
 *   Assertions that "nothing else was dispatched" then see the test's own
 *   sources only.
 * - test_iterate_until() waits for a condition, never for a time: its time
 *   limit is a safety net for a test that already failed, and generous
 *   enough that a loaded machine never reaches it. test_iterate_until_count()
 *   is the condition most tests wait for: a counter that reached a number.
 *
 * Everything iterates the thread-default context (the one links, pollers
 * and TAP devices attach to). Included once per test binary. */
#pragma once

#include <glib.h>

/* Seconds after which a wait gives up: only a broken test gets there. */
#define TEST_SAFETY_NET_SECONDS 60

typedef gboolean (*TestCond) (gpointer data);

static inline GMainContext *
test_context (void)
{
  return g_main_context_get_thread_default ();
}

/* One iteration of the thread-default context; TRUE if it dispatched. */
static inline gboolean
test_iterate (gboolean may_block)
{
  return g_main_context_iteration (test_context (), may_block);
}

/* Dispatches until @cond holds; FALSE if it never did (the safety net). */
static inline gboolean
test_iterate_until (TestCond cond, gpointer data)
{
  gint64 end = g_get_monotonic_time () + TEST_SAFETY_NET_SECONDS * G_USEC_PER_SEC;

  while (!cond (data) && g_get_monotonic_time () < end)
    test_iterate (FALSE) || (g_usleep (500), TRUE);
  return cond (data);
}

/* Dispatches until the expression @cond holds and fails the test if it
 * never did (the safety net): for a condition that needs no struct and
 * callback of its own. */
#define TEST_WAIT_UNTIL(cond)                                                              \
  G_STMT_START                                                                             \
  {                                                                                        \
    gint64 test_end_ = g_get_monotonic_time () + TEST_SAFETY_NET_SECONDS * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < test_end_)                                 \
      test_iterate (FALSE) || (g_usleep (500), TRUE);                                      \
    g_assert_true (cond);                                                                  \
  }                                                                                        \
  G_STMT_END

typedef struct
{
  const guint *count;
  guint n;
} TestCountReached;

static inline gboolean
test_count_reached (gpointer data)
{
  const TestCountReached *c = data;

  return *c->count >= c->n;
}

/* Dispatches until *@count (frames a callback counted, say) is at least @n;
 * FALSE if it never was (the safety net). */
static inline gboolean
test_iterate_until_count (const guint *count, guint n)
{
  TestCountReached c = { count, n };

  return test_iterate_until (test_count_reached, &c);
}

/* Dispatches for @seconds: for checks that something does NOT happen
 * within a while (a keepalive that must not time out, a frame that must
 * not arrive), never for waiting on something that should. */
static inline void
test_iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    test_iterate (FALSE) || (g_usleep (1000), TRUE);
}

/* Dispatches whatever is ready, until nothing is. */
static inline void
test_drain (void)
{
  while (test_iterate (FALSE))
    ;
}

typedef struct
{
  GTestFunc func;
  GTestDataFunc data_func;
  gconstpointer data;
} TestInOwnContext;

static inline void
test_run_in_own_context (gconstpointer data)
{
  const TestInOwnContext *t = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  if (t->func != NULL)
    t->func ();
  else
    t->data_func (t->data);
  test_drain ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* The registered tests' data, held for the whole run: a test run in a
 * subprocess (g_test_trap_subprocess) exits without GTest freeing it, and
 * the leak checker must not take that for a leak. */
static inline TestInOwnContext *
test_in_own_context_new (void)
{
  static GPtrArray *all;

  if (all == NULL)
    all = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (all, g_new0 (TestInOwnContext, 1));
  return g_ptr_array_index (all, all->len - 1);
}

/* Like g_test_add_func(), on a main context of the test's own. */
static inline void
test_add_in_own_context (const char *path, GTestFunc func)
{
  TestInOwnContext *t = test_in_own_context_new ();

  t->func = func;
  g_test_add_data_func (path, t, test_run_in_own_context);
}

/* Like g_test_add_data_func(), on a main context of the test's own. */
static inline void
test_add_data_in_own_context (const char *path, gconstpointer data, GTestDataFunc func)
{
  TestInOwnContext *t = test_in_own_context_new ();

  t->data_func = func;
  t->data = data;
  g_test_add_data_func (path, t, test_run_in_own_context);
}

/* For g_test_add() fixtures: call from setup and teardown. */
static inline GMainContext *
test_context_push (void)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  return context;
}

static inline void
test_context_pop (GMainContext *context)
{
  test_drain ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}
