/* serval-member-row.h: a member of a joined VLAN in the main window: who,
 * on which host, its MAC and addresses, and what to do with its first
 * address: copy it, ping it (the answer shown under the row) or open its
 * Windows shares (smb://). */
#pragma once

#include <gtk/gtk.h>

#include "serval-member.h"

G_BEGIN_DECLS

#define SERVAL_TYPE_MEMBER_ROW (serval_member_row_get_type ())
G_DECLARE_FINAL_TYPE (ServalMemberRow, serval_member_row, SERVAL, MEMBER_ROW, GtkBox)

GtkWidget *serval_member_row_new (ServalMember *member);

G_END_DECLS
