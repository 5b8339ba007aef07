/* test-utils.h: helpers the unit tests share that are plain functions (as
 * libsoup's tests/test-utils.c), built once into a static library that
 * tests/meson.build links every unit test with. Main-loop helpers stay in
 * test-loop-util.h, link helpers in link-test-util.h. */
#pragma once

#include <gio/gio.h>

/* A new, empty directory under the system's temporary folder, named from
 * @tmpl ("serval-store-XXXXXX"); aborts the test if it cannot be made.
 * Free the name with g_free() after test_tmp_dir_remove(). */
char *test_tmp_dir_new (const char *tmpl);

/* Removes @dir and the files in it (not subdirectories); quiet if it is
 * already gone. */
void test_tmp_dir_remove (const char *dir);

/* The path (free it with test_tmp_file_path_free()) of a file @name, not
 * made yet, in a new temporary directory made as test_tmp_dir_new() does:
 * a database file for a test, say. */
char *test_tmp_file_path (const char *tmpl, const char *name);

/* Removes the directory test_tmp_file_path() made for @path, with the files
 * in it, and frees @path. */
void test_tmp_file_path_free (char *path);

/* 127.0.0.1, port 0: the address to bind to for a free loopback port. */
GSocketAddress *test_loopback_any (void);

/* "127.0.0.1:PORT" for a socket address bound on loopback (free it). */
char *test_loopback_address_string (GSocketAddress *bound);

/* A TCP port on 127.0.0.1 that is free when asked (another process may take
 * it before the caller binds it: callers retry). */
guint16 test_free_port (void);

/* Copies file @from to @to with permissions @mode; fails the test on error. */
void test_copy_file (const char *from, const char *to, int mode);
