/* mimpd-sent-index.h - find a sender's client id without a B-tree on disk
 *
 * The idempotency records ("sender sent client id X, it became message Y")
 * are kept for days and looked up on every SM that carries an id. Their keys
 * are random, so an index on disk dirties one page per send; instead the
 * table is appended in rowid order (no index) and this in-memory table maps a
 * seeded 64-bit hash of (sender, client id) to candidate rowids. A hit is
 * only a candidate: the store reads the row and compares the real pair.
 *
 * Open addressing with linear probing, 8 bytes a slot (32 bits of the hash,
 * the rowid as an offset from a base), between three eighths and three
 * quarters full: 11 to 21 bytes per record. The store bounds the records
 * (1,000,000 by default, so at most 16 MiB, 24 MiB while it doubles).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MimpdSentIndex MimpdSentIndex;

MimpdSentIndex *mimpd_sent_index_new (void);
void mimpd_sent_index_free (MimpdSentIndex *index);
guint64 mimpd_sent_index_hash (MimpdSentIndex *index, const char *sender, const char *client_id);
void mimpd_sent_index_add (MimpdSentIndex *index, guint64 hash, gint64 rowid);
void mimpd_sent_index_remove (MimpdSentIndex *index, guint64 hash, gint64 rowid);
gint64 mimpd_sent_index_next (MimpdSentIndex *index, guint64 hash, gsize *cursor);
void mimpd_sent_index_drop_before (MimpdSentIndex *index, gint64 rowid);
gsize mimpd_sent_index_size (MimpdSentIndex *index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimpdSentIndex, mimpd_sent_index_free)

G_END_DECLS
