package sqlstore

import (
	"context"
	"database/sql"

	"github.com/tide-project/tide/internal/audit"
)

// appendAudit adds entries for changes to the chain inside tx. The chain head
// row is locked first, so concurrent writers queue and the chain stays linear.
func (tx *Tx) appendAudit(ctx context.Context, changes ...audit.Change) error {
	if len(changes) == 0 {
		return nil
	}
	lock := ""
	if tx.db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var prev string
	if err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock).Scan(&seq, &prev); err != nil {
		return err
	}
	// Entries go in multi-row statements: a batch write of thousands of
	// households appends thousands of entries, and one statement per entry
	// would cost more than the write itself.
	ins := newBulkInsert(tx, `INSERT INTO audit_log
		(seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES `, 10, "")
	defer ins.close()
	args := make([]any, 0, min(len(changes), auditRows)*10)
	n := 0
	for _, c := range changes {
		seq++
		e, err := audit.NewEntry(c, seq, tx.now, prev)
		if err != nil {
			return err
		}
		args = append(args, e.Seq, micros(e.At), e.Actor, e.Action, e.Entity, e.EntityID,
			nullText(e.Before), nullText(e.After), e.PrevHash, e.Hash)
		prev = e.Hash
		if n++; n == auditRows {
			if err := ins.exec(ctx, n, args); err != nil {
				return err
			}
			n, args = 0, args[:0]
		}
	}
	if n > 0 {
		if err := ins.exec(ctx, n, args); err != nil {
			return err
		}
	}
	_, err := tx.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, prev)
	return err
}

// auditRows is how many entries one INSERT of appendAudit carries.
const auditRows = 100

func nullText(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}

// Audit records a change that has no row of its own (a login, an export).
func (db *DB) Audit(ctx context.Context, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, c) })
}

const auditColumns = `seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash`

func scanEntry(sc interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	var before, after sql.NullString
	err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.PrevHash, &e.Hash)
	e.At = fromMicros(at)
	if before.Valid {
		e.Before = []byte(before.String)
	}
	if after.Valid {
		e.After = []byte(after.String)
	}
	return e, err
}

// EachAuditEntry calls fn for every entry in sequence order.
func (db *DB) EachAuditEntry(ctx context.Context, fn func(audit.Entry) bool) error {
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return rows.Err()
}

// FindAuditEntries returns entries newest first.
func (db *DB) FindAuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, int, error) {
	where, args := "1 = 1", []any{}
	if f.Entity != "" {
		where += " AND entity = ?"
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		where += " AND entity_id = ?"
		args = append(args, f.EntityID)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+where+
		` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}
