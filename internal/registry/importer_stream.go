package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"slices"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// ErrOnePass says that an import cannot be written as its file is read: it
// has a bad row, a household whose rows are apart, a value registered
// already, or a store that cannot take it so. Nothing was written; the
// import reads the file again, checking it whole before writing, which
// finds and reports every bad row.
var ErrOnePass = errors.New("registry: the import cannot be written in one pass")

// StreamStore is a store that writes households as a file is read (see
// sqlstore's ImportHouseholdStream): next gives them one at a time until
// io.EOF, all in one transaction, and changes gives the audit entries once
// every household is written. expect is about how many members will come.
// A store that cannot returns ErrOnePass before calling next.
type StreamStore interface {
	ImportHouseholdStream(ctx context.Context, expect int, next func() (*Household, error),
		changes func() []audit.Change, progress func(written int)) error
}

// StageStream is the stage of an import that reads, checks and writes its
// file in one pass.
const StageStream = "stream"

// streamAhead is how many complete households the one-pass import holds
// while their members are checked, before it waits for them.
const streamAhead = 4096

// bytesPerMember is about the fewest bytes a member's row takes in a
// household file; a file's size over it estimates its members.
const bytesPerMember = 100

// importStream imports a file in one pass, writing each household as soon
// as its rows are read and checked, so that reading the file and writing it
// overlap and the households written are not held in memory. It applies the
// same rules as the two-pass import, but the first bad row, a household
// whose rows are not together, or a value already taken ends it with
// ErrOnePass and nothing written; the caller then imports the file the
// two-pass way, which reports every bad row. size is the file's size.
func (s *Service) importStream(ctx context.Context, a *tide.Actor, ss StreamStore, ts TransferStore, r io.Reader, size int64,
	format string, opts ImportOptions, stage func(string)) (ImportReport, error) {
	var rep ImportReport
	villages, err := villageSet(ctx, ts, a.Scope)
	if err != nil {
		return rep, err
	}
	expect := int(min(size/bytesPerMember, 1<<31))
	st := &householdStream{ctx: ctx, s: s, a: a, r: r, format: format, now: s.Now().UTC(), sum: sha256.New(), expect: expect,
		stage: stage, villages: villages, seed: maphash.MakeSeed()}
	defer st.close()
	var progress func(int)
	if opts.Progress != nil {
		progress = func(n int) { opts.Progress(n, 0) }
	}
	changes := func() []audit.Change {
		rep.Households, rep.Persons = len(st.refs), 0
		for _, n := range st.members {
			rep.Persons += n
		}
		rep.SHA256 = hex.EncodeToString(st.sum.Sum(nil))
		return importChanges(a, st.refs, st.members, rep, opts, format, 0)
	}
	if err := ss.ImportHouseholdStream(ctx, expect, st.next, changes, progress); err != nil {
		return ImportReport{}, err
	}
	rep.Written = true
	return rep, nil
}

// householdStream hands out the households of a file as they are read.
type householdStream struct {
	ctx    context.Context
	s      *Service
	a      *tide.Actor
	r      io.Reader
	format string
	now    time.Time
	sum    hash.Hash
	expect int // members, about
	stage  func(string)

	rows      rowReader // nil until the first call of next
	layout    *fileLayout
	closeRows func()
	checks    *memberChecks
	villages  map[string]struct{}
	f         householdFile
	byKey     map[string]*pendingHousehold // the household being read
	eof       bool
	// complete holds the households whose rows are all read, in order,
	// until their members are checked.
	complete []*pendingHousehold
	// Hashes of what is taken, checked for repeats once the file is read:
	// the household keys completed, and phones with the household (by
	// number) that has each. A repeat ends the pass, and so does a second
	// value with one hash: the two-pass import then tells them apart. Kept
	// in lists sorted once at the end, which costs a fraction of a map
	// lookup for each. An ID number twice is left to the store's unique
	// index, which refuses it as the pass ends.
	seed   maphash.Seed
	keys   []uint64
	phones []phoneOf
	// What was handed out: refs and members, for the audit log.
	refs    []string
	members []int
}

// next returns the next household whose rows are read and checked, io.EOF
// after the last, or ErrOnePass.
func (st *householdStream) next() (*Household, error) {
	if st.rows == nil {
		if err := st.open(); err != nil {
			return nil, err
		}
	}
	for {
		if len(st.complete) > 0 {
			p := st.complete[0]
			wait := st.eof || len(st.complete) >= streamAhead
			if st.checks.checked(p.checks, wait) {
				st.complete[0] = nil
				st.complete = st.complete[1:]
				return st.handOut(p)
			}
		}
		if st.eof {
			if st.repeats() {
				return nil, ErrOnePass
			}
			return nil, io.EOF
		}
		if err := st.readRow(); err != nil {
			return nil, err
		}
	}
}

// open starts reading the file, when the store first asks for a household
// (a store that cannot write them so never does).
func (st *householdStream) open() error {
	st.stage(StageStream)
	rows, layout, closeRows, err := openHouseholdRows(io.TeeReader(st.r, st.sum), st.format)
	if err != nil {
		// The two-pass import reports a file that cannot be read.
		return fmt.Errorf("%w: %v", ErrOnePass, err)
	}
	st.rows, st.layout, st.closeRows = rows, layout, closeRows
	st.checks = newMemberChecks(st.s.checkMember(st.now))
	st.byKey = map[string]*pendingHousehold{}
	st.keys, st.phones = make([]uint64, 0, st.expect/3), make([]phoneOf, 0, st.expect/3)
	return nil
}

// readRow reads one row into its household. A row with another household
// than the one before completes that one.
func (st *householdStream) readRow() error {
	line, rec, err := st.rows.next()
	var re *RowError
	switch {
	case err == io.EOF:
		st.eof = true
		if st.f.last == nil {
			return ErrOnePass // no rows: the two-pass import says so
		}
		st.completeLast()
		st.checks.send()
		return nil
	case errors.As(err, &re):
		return ErrOnePass
	case err != nil:
		return err
	}
	if blankRecord(rec) {
		return nil
	}
	if st.f.rowCount++; st.f.rowCount%10_000 == 0 {
		if err := st.ctx.Err(); err != nil {
			return err
		}
	}
	if p := st.f.last; p != nil && p.key != cell(rec, st.layout.key) {
		st.completeLast()
	}
	st.layout.addRow(&st.f, st.byKey, st.checks, line, rec, st.format == FormatXLSX)
	st.f.households = st.f.households[:0] // handed out as they complete
	if len(st.f.bad) > 0 {
		return ErrOnePass
	}
	return nil
}

// completeLast moves the household of the last row read to complete.
func (st *householdStream) completeLast() {
	p := st.f.last
	delete(st.byKey, p.key)
	st.keys = append(st.keys, maphash.String(st.seed, p.key))
	st.complete = append(st.complete, p)
	st.f.last = nil
}

// handOut checks p, whose members are checked, as the two-pass import does,
// and returns its household ready to write.
func (st *householdStream) handOut(p *pendingHousehold) (*Household, error) {
	st.s.checkHousehold(st.a, p, st.villages, st.now)
	h := &p.h
	if _, ok := st.villages[h.Village]; !ok || p.bad {
		return nil, ErrOnePass
	}
	n := len(st.refs)
	for i := range h.Members {
		m := &h.Members[i]
		if m.PhoneNorm != "" {
			st.phones = append(st.phones, phoneOf{maphash.String(st.seed, m.PhoneNorm), n})
		}
	}
	h.Ref, h.Status, h.CreatedAt, h.UpdatedAt = NewRef(), Identified, st.now, st.now
	st.refs = append(st.refs, h.Ref)
	st.members = append(st.members, len(h.Members))
	p.vals, p.valLines, p.lines, p.errs, p.checks = nil, nil, nil, nil, nil
	return h, nil
}

// phoneOf is a phone's hash and the number of a household that has it.
type phoneOf struct {
	hash      uint64
	household int
}

// repeats says whether two households have one key (their rows are apart)
// or one phone, or their hashes say so.
func (st *householdStream) repeats() bool {
	slices.Sort(st.keys)
	for i := 1; i < len(st.keys); i++ {
		if st.keys[i] == st.keys[i-1] {
			return true
		}
	}
	slices.SortFunc(st.phones, func(a, b phoneOf) int {
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.household, b.household))
	})
	for i := 1; i < len(st.phones); i++ {
		if a, b := st.phones[i-1], st.phones[i]; a.hash == b.hash && a.household != b.household {
			return true
		}
	}
	return false
}

func (st *householdStream) close() {
	if st.rows == nil {
		return
	}
	st.checks.send()
	st.checks.wait()
	st.closeRows()
}
