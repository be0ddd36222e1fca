package sqlstore

import (
	"context"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// MigrateTo applies the embedded migrations up to version, so a test can
// fill a schema as it was and check what a later migration makes of it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if db.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db.db, sub)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
