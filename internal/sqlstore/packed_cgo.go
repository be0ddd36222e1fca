//go:build cgo

package sqlstore

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// SQLite's C library is linked by mattn/go-sqlite3; these are its own
// functions, declared weak so that this package builds and links on its own
// and can tell, by a null address, a binary where they are missing.
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
extern int sqlite3_prepare_v2(sqlite3*, const char*, int, sqlite3_stmt**, const char**) __attribute__((weak));
extern int sqlite3_bind_null(sqlite3_stmt*, int) __attribute__((weak));
extern int sqlite3_bind_int64(sqlite3_stmt*, int, long long) __attribute__((weak));
extern int sqlite3_bind_double(sqlite3_stmt*, int, double) __attribute__((weak));
extern int sqlite3_bind_text(sqlite3_stmt*, int, const char*, int, void(*)(void*)) __attribute__((weak));
extern int sqlite3_bind_blob(sqlite3_stmt*, int, const void*, int, void(*)(void*)) __attribute__((weak));
extern int sqlite3_step(sqlite3_stmt*) __attribute__((weak));
extern int sqlite3_reset(sqlite3_stmt*) __attribute__((weak));
extern int sqlite3_clear_bindings(sqlite3_stmt*) __attribute__((weak));
extern int sqlite3_finalize(sqlite3_stmt*) __attribute__((weak));
extern int sqlite3_bind_parameter_count(sqlite3_stmt*) __attribute__((weak));
extern int sqlite3_extended_errcode(sqlite3*) __attribute__((weak));
extern int sqlite3_changes(sqlite3*) __attribute__((weak));
extern const char *sqlite3_errmsg(sqlite3*) __attribute__((weak));

#define TIDE_SQLITE_OK 0
#define TIDE_BAD_PACK (-1)
#define TIDE_SQLITE_DONE 101

static int tide_sqlite_linked(void) {
	return sqlite3_prepare_v2 && sqlite3_bind_null && sqlite3_bind_int64 && sqlite3_bind_double &&
		sqlite3_bind_text && sqlite3_bind_blob && sqlite3_step && sqlite3_reset &&
		sqlite3_clear_bindings && sqlite3_finalize && sqlite3_bind_parameter_count &&
		sqlite3_extended_errcode && sqlite3_errmsg && sqlite3_changes;
}

static int tide_prepare(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st) {
	return sqlite3_prepare_v2(db, sql, n, st, 0);
}

// tide_bind_packed binds n values from *pp, advancing it, to st's
// parameters from first on. It returns TIDE_BAD_PACK when the buffer ends
// or holds an unknown tag before n values are read.
static int tide_bind_packed(sqlite3_stmt *st, int first, int n, const unsigned char **pp, const unsigned char *end) {
	const unsigned char *p = *pp;
	int rc = TIDE_SQLITE_OK;
	for (int i = first; i < first + n && rc == TIDE_SQLITE_OK; i++) {
		if (p >= end) {
			return TIDE_BAD_PACK;
		}
		unsigned char tag = *p++;
		int64_t iv;
		double dv;
		uint32_t len;
		switch (tag) {
		case 0:
			rc = sqlite3_bind_null(st, i);
			break;
		case 1:
		case 2:
			if (end - p < 8) {
				return TIDE_BAD_PACK;
			}
			if (tag == 1) {
				memcpy(&iv, p, 8);
				rc = sqlite3_bind_int64(st, i, iv);
			} else {
				memcpy(&dv, p, 8);
				rc = sqlite3_bind_double(st, i, dv);
			}
			p += 8;
			break;
		case 3:
		case 4:
			if (end - p < 4) {
				return TIDE_BAD_PACK;
			}
			memcpy(&len, p, 4);
			p += 4;
			if ((size_t)(end - p) < len) {
				return TIDE_BAD_PACK;
			}
			// A null pointer would bind NULL; p is never null.
			if (tag == 3) {
				rc = sqlite3_bind_text(st, i, (const char*)p, (int)len, 0);
			} else {
				rc = sqlite3_bind_blob(st, i, p, (int)len, 0);
			}
			p += len;
			break;
		default:
			return TIDE_BAD_PACK;
		}
	}
	*pp = p;
	return rc;
}

// tide_run binds the next rows rows of cols values each to st and runs it
// once, adding the rows it changed to *changed.
static int tide_run(sqlite3 *db, sqlite3_stmt *st, int rows, int cols, const unsigned char **pp, const unsigned char *end, int *changed) {
	int rc = tide_bind_packed(st, 1, rows * cols, pp, end);
	if (rc != TIDE_SQLITE_OK) {
		return rc;
	}
	rc = sqlite3_step(st);
	if (rc == TIDE_SQLITE_DONE) {
		*changed += sqlite3_changes(db);
	}
	sqlite3_reset(st);
	return rc == TIDE_SQLITE_DONE ? TIDE_SQLITE_OK : rc;
}

// tide_exec_packed inserts the rows rows packed in p[0:n] (see packed.go):
// by group rows at a time through many, a statement of group rows, and the
// rest one at a time through one. It counts the rows run in *done and
// those the statements changed in *changed (fewer where an INSERT OR
// IGNORE skipped some), and stops at the first failure, returning its code with the extended code in
// *ext, or TIDE_BAD_PACK for a buffer that does not hold the rows whole.
// Bindings are cleared before it returns: they point into the caller's
// buffer.
static int tide_exec_packed(sqlite3 *db, sqlite3_stmt *many, int group, sqlite3_stmt *one, int cols,
		const unsigned char *p, size_t n, int rows, int *done, int *changed, int *ext) {
	const unsigned char *end = p + n;
	int rc = TIDE_SQLITE_OK;
	*done = 0;
	*changed = 0;
	*ext = 0;
	while (rc == TIDE_SQLITE_OK && *done < rows) {
		int k = (many && rows - *done >= group) ? group : 1;
		rc = tide_run(db, k == 1 ? one : many, k, cols, &p, end, changed);
		if (rc == TIDE_SQLITE_OK) {
			*done += k;
		}
	}
	if (rc == TIDE_SQLITE_OK && p != end) {
		rc = TIDE_BAD_PACK;
	}
	if (rc != TIDE_SQLITE_OK && rc != TIDE_BAD_PACK) {
		*ext = sqlite3_extended_errcode(db);
	}
	if (many) {
		sqlite3_clear_bindings(many);
	}
	sqlite3_clear_bindings(one);
	return rc;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"
)

// packedStmt runs packed rows, a whole batch of them in one call into
// SQLite: through mattn/go-sqlite3 each value would be a call of its own
// from Go into C, and on the goroutine an import waits for, those calls cost
// three times what inserting the rows does. It holds two statements, one of
// group rows and one of a single row for what is left over. It is prepared
// on the driver connection of a transaction and must be closed before that
// connection is used by anyone else.
type packedStmt struct {
	db        *C.sqlite3
	many, one *C.sqlite3_stmt
	group     int
	cols      int
}

// preparePacked prepares one, a statement of one row of cols arguments,
// and many, the same of group rows (none when group is under 2), on the
// driver connection dc (from sql.Conn.Raw). It fails when dc is not the cgo
// driver's connection or SQLite's C library cannot be reached.
func preparePacked(dc any, one, many string, group, cols int) (*packedStmt, error) {
	c, ok := dc.(*sqliteCConn)
	if !ok || C.tide_sqlite_linked() == 0 {
		return nil, errors.New("packed rows need SQLite's C library")
	}
	// mattn/go-sqlite3 keeps the connection's handle in an unexported field.
	f := reflect.ValueOf(c.SQLiteConn).Elem().FieldByName("db")
	if f.Kind() != reflect.Pointer || f.IsNil() {
		return nil, errors.New("packed rows: the SQLite connection has no handle")
	}
	s := &packedStmt{db: (*C.sqlite3)(f.UnsafePointer()), group: group, cols: cols}
	var err error
	if s.one, err = s.prepare(one, cols); err == nil && group > 1 {
		s.many, err = s.prepare(many, group*cols)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *packedStmt) prepare(query string, params int) (*C.sqlite3_stmt, error) {
	cq := C.CString(query)
	defer C.free(unsafe.Pointer(cq))
	var st *C.sqlite3_stmt
	if rc := C.tide_prepare(s.db, cq, C.int(len(query)), &st); rc != 0 {
		return nil, sqlite3Error{code: int(rc), extended: int(C.sqlite3_extended_errcode(s.db)), msg: C.GoString(C.sqlite3_errmsg(s.db))}
	}
	if st == nil {
		return nil, errors.New("packed rows: the statement is empty")
	}
	if n := int(C.sqlite3_bind_parameter_count(st)); n != params {
		C.sqlite3_finalize(st)
		return nil, fmt.Errorf("packed rows: the statement takes %d arguments, not %d", n, params)
	}
	return st, nil
}

// exec writes the rows rows packed in buf and returns how many it wrote; on
// a failure the rows before it stay written, as with a statement per row,
// and the transaction is the caller's to roll back.
func (s *packedStmt) exec(rows int, buf []byte) (int, error) {
	done, _, err := s.execCounting(rows, buf)
	return done, err
}

// execCounting is exec that also returns how many rows the statements
// changed: fewer than it ran where an INSERT OR IGNORE skipped some.
func (s *packedStmt) execCounting(rows int, buf []byte) (done, changed int, err error) {
	if rows == 0 {
		return 0, 0, nil
	}
	if len(buf) == 0 {
		return 0, 0, fmt.Errorf("packed rows: %d rows in no bytes", rows)
	}
	var cdone, cchanged, ext C.int
	rc := C.tide_exec_packed(s.db, s.many, C.int(s.group), s.one, C.int(s.cols),
		(*C.uchar)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), C.int(rows), &cdone, &cchanged, &ext)
	done, changed = int(cdone), int(cchanged)
	switch rc {
	case 0:
		return done, changed, nil
	case C.TIDE_BAD_PACK:
		return done, changed, fmt.Errorf("packed rows: the bytes do not hold %d rows of %d values", rows, s.cols)
	}
	return done, changed, sqlite3Error{code: int(rc), extended: int(ext), msg: C.GoString(C.sqlite3_errmsg(s.db))}
}

func (s *packedStmt) close() {
	for _, st := range []**C.sqlite3_stmt{&s.many, &s.one} {
		if *st != nil {
			C.sqlite3_finalize(*st)
			*st = nil
		}
	}
}

// sqlite3Error is an error of a call made into SQLite's C library directly;
// sqliteConstraint reads it as it reads the driver's own.
type sqlite3Error struct {
	code, extended int
	msg            string
}

func (e sqlite3Error) Error() string { return e.msg }

// packedAvailable says whether this build can run packed rows at all.
const packedAvailable = true

// keptPacked returns the packed statement kept on the driver connection dc
// under name, preparing it with prepare the first time; the connection
// finalizes it as it closes.
func keptPacked(dc any, name string, prepare func() (*packedStmt, error)) (*packedStmt, error) {
	c, ok := dc.(*sqliteCConn)
	if !ok {
		return nil, errors.New("packed rows need a connection of Tide's SQLite driver")
	}
	if st := c.packed[name]; st != nil {
		return st, nil
	}
	st, err := prepare()
	if err != nil {
		return nil, err
	}
	if c.packed == nil {
		c.packed = map[string]*packedStmt{}
	}
	c.packed[name] = st
	return st, nil
}
