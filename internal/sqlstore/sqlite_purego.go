//go:build !cgo

package sqlstore

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDriver is the driver name SQLite databases open with: without cgo,
// modernc.org/sqlite, SQLite translated to Go, so the binary builds
// anywhere. Builds with cgo use SQLite's C library (sqlite_cgo.go).
const sqliteDriver = "sqlite"

// sqliteDSN is the data source name of the database file at path: modernc
// runs each _pragma on every new connection; _txlock makes every
// transaction take the write lock as it begins.
func sqliteDSN(path string) string {
	var b strings.Builder
	b.WriteString("file:" + path + "?_txlock=immediate")
	for _, p := range sqlitePragmas {
		b.WriteString("&_pragma=" + p)
	}
	return b.String()
}

// sqliteConstraint says which constraint, if any, err broke.
func sqliteConstraint(err error) constraint {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return noConstraint
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return uniqueConstraint
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return foreignKeyConstraint
	}
	return noConstraint
}

// sqliteBusy says whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// sqliteOpensBusy says whether a connection opens while another process
// holds the database in rollback-journal mode for a bulk write. Here the
// driver sets the pragmas and a busy one fails the connection, so no bulk
// write leaves WAL mode in this build.
const sqliteOpensBusy = false
