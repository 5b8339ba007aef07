/* test-async.h: waiting for the result of a GIO asynchronous call in a
 * test, as GLib's and libsoup's own tests do, instead of a struct and a
 * callback of its own for every _async function:
 *
 *   g_autoptr(GAsyncResult) result = NULL;
 *
 *   serval_cluster_start_async (c, NULL, test_async_result_cb, &result);
 *   ok = serval_cluster_start_finish (c, test_async_wait (&result), &error);
 *
 * The wait iterates the thread-default context (test-loop-util.h), the one
 * the call attached to: a test on a context of its own keeps waiting there.
 * Included once per test binary. */
#pragma once

#include <gio/gio.h>

#include "test-loop-util.h"

/* A GAsyncReadyCallback: keeps a reference to @result in the GAsyncResult
 * pointer @data (which is NULL before: one call per pointer). */
static inline void
test_async_result_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GAsyncResult **out = data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static inline gboolean
test_async_result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Dispatches until the call given test_async_result_cb() and @result has
 * ended: (transfer none) its result, for the call's _finish function (@result
 * keeps the reference). Fails the test if it never ends (the safety net). */
static inline GAsyncResult *
test_async_wait (GAsyncResult **result)
{
  g_assert_true (test_iterate_until (test_async_result_ready, result));
  return *result;
}

/* A GAsyncReadyCallback for many calls at once: adds a reference to each
 * result to the GPtrArray @data (made with g_object_unref() to free them). */
static inline void
test_async_results_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_ptr_array_add (data, g_object_ref (result));
}

/* Dispatches until @results holds @n results of test_async_results_cb().
 * Each call's _finish takes its own source object:
 * g_async_result_get_source_object(). */
static inline void
test_async_wait_all (GPtrArray *results, guint n)
{
  g_assert_true (test_iterate_until_count (&results->len, n));
}
