//go:build !cgo

package sqlstore

import "errors"

// packedStmt runs packed rows in builds with cgo only (packed_cgo.go);
// without it, rows are run through the driver one statement at a time.
type packedStmt struct{}

func preparePacked(any, string, string, int, int) (*packedStmt, error) {
	return nil, errors.New("packed rows need SQLite's C library")
}

func (s *packedStmt) exec(int, []byte) (int, error) {
	return 0, errors.New("packed rows need SQLite's C library")
}

func (s *packedStmt) execCounting(int, []byte) (int, int, error) {
	return 0, 0, errors.New("packed rows need SQLite's C library")
}

func (s *packedStmt) close() {}

// packedAvailable says whether this build can run packed rows at all.
const packedAvailable = false

func keptPacked(any, string, func() (*packedStmt, error)) (*packedStmt, error) {
	return nil, errors.New("packed rows need SQLite's C library")
}
