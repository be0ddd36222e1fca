package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"

	"github.com/pressly/goose/v3"
)

// sealedBytesVersion is the migration that keeps sealed ID numbers as their
// bytes rather than as base64 text. SQLite has no base64 function, so on
// SQLite it is written in Go; PostgreSQL's is the SQL file of that version.
const sealedBytesVersion = 12

// sqliteGoMigrations are the migrations of SQLite written in Go.
func sqliteGoMigrations() []*goose.Migration {
	return []*goose.Migration{goose.NewGoMigration(sealedBytesVersion,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return resealColumn(ctx, tx, "BLOB NOT NULL DEFAULT X''", func(v any) (any, error) {
				s, _ := v.(string)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				return base64.RawStdEncoding.DecodeString(s)
			})
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return resealColumn(ctx, tx, "TEXT NOT NULL DEFAULT ''", func(v any) (any, error) {
				b, _ := v.([]byte)
				if s, ok := v.(string); ok {
					b = []byte(s)
				}
				return base64.RawStdEncoding.EncodeToString(b), nil
			})
		}})}
}

// resealColumn replaces members.id_sealed by a column of type typ holding
// each value as convert makes it.
func resealColumn(ctx context.Context, tx *sql.Tx, typ string, convert func(any) (any, error)) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE members ADD COLUMN id_sealed_new `+typ); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, id_sealed FROM members WHERE length(id_sealed) > 0`)
	if err != nil {
		return err
	}
	type sealed struct {
		id int64
		v  any
	}
	var all []sealed
	for rows.Next() {
		var s sealed
		if err := rows.Scan(&s.id, &s.v); err != nil {
			rows.Close()
			return err
		}
		all = append(all, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range all {
		v, err := convert(s.v)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET id_sealed_new = ? WHERE id = ?`, v, s.id); err != nil {
			return err
		}
	}
	for _, q := range []string{`ALTER TABLE members DROP COLUMN id_sealed`, `ALTER TABLE members RENAME COLUMN id_sealed_new TO id_sealed`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
