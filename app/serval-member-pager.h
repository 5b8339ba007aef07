/* serval-member-pager.h: what the main window shows of a joined VLAN's members (issue 17).
 *
 * In a VLAN of up to 500 members the engine's model holds them all, and the
 * pager shows that model as it is. In a bigger one the model holds the
 * server's first page and whoever joined since: serval_member_pager_show_more()
 * adds the next page from the server after it, and a search asks the server
 * for the members whose user or host name holds the text, page by page too.
 * The rows of the pages fetched, and of a search, follow the member events the
 * engine receives (serval_client_vlan_connect_member_changes()): a member who
 * left goes, a changed one changes in place, one who joined shows in the
 * engine's model (or last among a search's matches, all fetched, that it
 * matches), and the counts follow.
 */
#pragma once

#include "serval-client.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_MEMBER_PAGER (serval_member_pager_get_type ())
G_DECLARE_FINAL_TYPE (ServalMemberPager, serval_member_pager, SERVAL, MEMBER_PAGER, GObject)

/* The search entry shows past this many members. */
#define SERVAL_MEMBER_PAGER_SEARCH_FROM 20

ServalMemberPager *serval_member_pager_new (ServalClientVlan *vlan);
/* (element-type ServalMember): what to show: the VLAN's model and the pages
 * fetched after it, or the matches of the search. Another model after a
 * search starts or ends: "changed" says so. */
GListModel *serval_member_pager_get_model (ServalMemberPager *self);
/* @text: (nullable) empty or %NULL ends the search */
void serval_member_pager_set_search (ServalMemberPager *self, const char *text);
/* Fetches the next page (of the VLAN, or of the search's matches). */
void serval_member_pager_show_more (ServalMemberPager *self);
/* (nullable): "Showing 500 of 601 members", the search's count, or why the
 * last page could not be read; %NULL when every member shows */
char *serval_member_pager_dup_summary (ServalMemberPager *self);
/* Whether the server has more members (or matches) than show. */
gboolean serval_member_pager_get_has_more (ServalMemberPager *self);
/* Whether the VLAN is big enough for a search entry (or a search is on). */
gboolean serval_member_pager_get_searchable (ServalMemberPager *self);
/* Whether a page is being fetched. */
gboolean serval_member_pager_get_busy (ServalMemberPager *self);

/**
 * serval_member_pager_follow:
 * @rows: (element-type ServalMember): members shown beyond the engine's model
 * @changes: (element-type ServalMemberChange): a VLAN's member changes
 * @search: (nullable): %NULL: @rows are pages of the VLAN (a member of them
 *   who joins again goes, as the engine's model shows him); else @rows are
 *   this search's matches
 * @append_joined: with @search, whether a joiner who matches goes last in
 *   @rows (every match is fetched)
 * @matching: (out) (optional): added to: members who joined minus those who
 *   left, of those @search matches
 *
 * Applies @changes to @rows: members who left go, changed ones change in place.
 * Returns: how many rows went of members who left
 */
guint serval_member_pager_follow (GListStore *rows, GPtrArray *changes, const char *search, gboolean append_joined,
                                  int *matching);

G_END_DECLS
