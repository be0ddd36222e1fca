package sqlstore

import "context"

// MigrateTo applies the embedded migrations up to version, so a test can
// fill a schema as it was and check what a later migration makes of it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls the migrations back to version.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}
