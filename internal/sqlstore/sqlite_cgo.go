//go:build cgo

package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the driver name SQLite databases open with. A binary
// built with cgo links SQLite's own C library through mattn/go-sqlite3,
// which writes and indexes a bulk import in about two thirds of the time
// of the pure-Go translation; sqlite_purego.go serves builds without cgo.
const sqliteDriver = "tide-sqlite3"

func init() {
	sql.Register(sqliteDriver, sqliteCDriver{&sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		for _, p := range sqlitePragmas {
			if p == walPragma {
				if err := setWAL(c); err != nil {
					return err
				}
				continue
			}
			if _, err := c.Exec("PRAGMA "+p, nil); err != nil {
				return err
			}
		}
		return nil
	}}})
}

// sqliteOpensBusy says that a connection opens while another process holds
// the database in rollback-journal mode for a bulk write: it does not wait
// to put the database in WAL mode (setWAL).
const sqliteOpensBusy = true

// setWAL puts the database in WAL mode without waiting. While a process
// that works alone holds it in rollback-journal mode for a bulk write (see
// rollbackJournal), the switch is busy: the connection opens as it is, and
// that process puts the database back in WAL mode when it is done.
func setWAL(c *sqlite3.SQLiteConn) error {
	exec := func(q string) error {
		_, err := c.Exec(q, nil)
		return err
	}
	err := withoutWaiting(exec, func() error { return exec("PRAGMA " + walPragma) })
	if err != nil && !sqliteBusy(err) {
		return err
	}
	return nil
}

// sqliteCDriver is mattn/go-sqlite3's driver, its connections wrapped in
// sqliteCConn.
type sqliteCDriver struct{ *sqlite3.SQLiteDriver }

func (d sqliteCDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.SQLiteDriver.Open(dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(*sqlite3.SQLiteConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("the SQLite driver opened a %T", c)
	}
	return &sqliteCConn{SQLiteConn: sc}, nil
}

// sqliteCConn is a connection of mattn/go-sqlite3, every method its own,
// that also keeps statements of packed rows prepared on it (packed_cgo.go)
// by name, and finalizes them as it closes.
type sqliteCConn struct {
	*sqlite3.SQLiteConn
	packed map[string]*packedStmt
}

func (c *sqliteCConn) Close() error {
	for _, st := range c.packed {
		st.close()
	}
	c.packed = nil
	return c.SQLiteConn.Close()
}

// sqliteDSN is the data source name of the database file at path. The
// connection hook sets sqlitePragmas, since mattn's DSN knows some of them
// only; _txlock makes every transaction take the write lock as it begins.
func sqliteDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?_txlock=immediate"
}

// sqliteCodes returns the result code and extended code of an error from
// SQLite: the driver's own, or one of a call made into the C library
// directly (packed_cgo.go).
func sqliteCodes(err error) (code sqlite3.ErrNo, extended sqlite3.ErrNoExtended, ok bool) {
	var se sqlite3.Error
	var pe sqlite3Error
	switch {
	case errors.As(err, &se):
		return se.Code, se.ExtendedCode, true
	case errors.As(err, &pe):
		return sqlite3.ErrNo(pe.code & 0xff), sqlite3.ErrNoExtended(pe.extended), true
	}
	return 0, 0, false
}

// sqliteConstraint says which constraint, if any, err broke.
func sqliteConstraint(err error) constraint {
	_, extended, ok := sqliteCodes(err)
	if !ok {
		return noConstraint
	}
	switch extended {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return uniqueConstraint
	case sqlite3.ErrConstraintForeignKey:
		return foreignKeyConstraint
	}
	return noConstraint
}

// sqliteBusy says whether err is SQLite's "database is locked".
func sqliteBusy(err error) bool {
	code, _, ok := sqliteCodes(err)
	return ok && code == sqlite3.ErrBusy
}
