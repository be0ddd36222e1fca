package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

var _ registry.TransferStore = (*DB)(nil)

// Rows per multi-row INSERT of an import. Households take 13 values a row and
// members 15, so a statement stays well under SQLite's 32,766 and
// PostgreSQL's 65,535 parameters.
const (
	importHouseholdRows = 400
	importMemberRows    = 800
)

// importBytesPerMember is about what one member of an import takes in the
// database, its share of its household included, indexes and all: the page
// cache of an import is sized by it.
const importBytesPerMember = 512

// VillageCodes returns the codes of the villages under prefix in code order,
// at most limit of them (0: all), so an import checks its villages without a
// query per row.
func (db *DB) VillageCodes(ctx context.Context, prefix string, limit int) ([]string, error) {
	where, args := regionRange("code", prefix)
	q := `SELECT code FROM regions WHERE level = 'village' AND ` + where + ` ORDER BY code`
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// regionRange returns a condition on col selecting the codes that start with
// prefix, written as a range so an index on col serves it on both engines
// (LIKE does not on SQLite's binary collation).
func regionRange(col, prefix string) (string, []any) {
	if prefix == "" {
		return "1 = 1", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{prefix, prefixEnd(prefix)}
}

// prefixEnd returns the least string above every string that starts with p.
// Region codes are ASCII, so raising the last byte is enough.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return p + "\xff"
}

// ImportHouseholds inserts households with their members, setting their IDs,
// and the audit changes, all in one transaction: the whole import lands or
// none of it. IDs are reserved up front and rows go in multi-row statements,
// which is what makes a million households a matter of seconds. progress,
// when not nil, is told how many households are written as it goes.
func (db *DB) ImportHouseholds(ctx context.Context, hs []*registry.Household, changes []audit.Change, progress func(written int)) error {
	persons := 0
	for _, h := range hs {
		persons += len(h.Members)
	}
	return db.inBulkTx(ctx, int64(persons)*importBytesPerMember, func(tx *Tx) error {
		if err := tx.reserveHouseholdIDs(ctx, hs); err != nil {
			return err
		}
		rebuild, err := tx.deferIndexes(ctx, persons)
		if err != nil {
			return err
		}
		if err := tx.insertHouseholds(ctx, hs, progress); err != nil {
			return err
		}
		if err := rebuild(ctx); err != nil {
			return memberConflict(err)
		}
		if progress != nil {
			progress(len(hs))
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// ImportHouseholdStream is ImportHouseholds for households that come one at
// a time, as a file is read: each is written as next returns it, in one
// transaction that commits once next has returned io.EOF and changes, the
// audit entries, are appended. An error from next rolls everything back and
// is returned as it is. expect, the number of members the caller expects,
// sizes the work. It writes into SQLite only; elsewhere, and when a member's
// phone turns out to be registered already, it returns
// registry.ErrOnePass with nothing written, before calling next in the
// first case. An ID number registered already is a conflict, as in
// ImportHouseholds.
func (db *DB) ImportHouseholdStream(ctx context.Context, expect int, next func() (*registry.Household, error),
	changes func() []audit.Change, progress func(written int)) error {
	if db.dialect != SQLite {
		return registry.ErrOnePass
	}
	return db.inBulkTx(ctx, int64(expect)*importBytesPerMember, func(tx *Tx) error {
		last, err := tx.lastHouseholdID(ctx)
		if err != nil {
			return err
		}
		var held int64
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM members`).Scan(&held); err != nil {
			return err
		}
		rebuild, err := tx.deferIndexes(ctx, expect)
		if err != nil {
			return err
		}
		written := 0
		setID := func(h *registry.Household, n int) {
			h.ID = last + int64(n) + 1
			written = n + 1
		}
		if err := tx.insertEach(ctx, next, setID, progress); err != nil {
			return err
		}
		if err := rebuild(ctx); err != nil {
			return memberConflict(err)
		}
		if held > 0 {
			// The unique index refused any ID number registered before;
			// a phone may be shared, but not with an earlier household.
			var shared int
			err := tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM members n WHERE n.household_id > ? AND n.phone_norm IS NOT NULL
				AND EXISTS (SELECT 1 FROM members o WHERE o.phone_norm = n.phone_norm AND o.household_id <= ?) LIMIT 1)`, last, last).Scan(&shared)
			if err != nil {
				return err
			}
			if shared > 0 {
				return fmt.Errorf("%w: a phone is registered already", registry.ErrOnePass)
			}
		}
		if progress != nil {
			progress(written)
		}
		return tx.appendAudit(ctx, changes()...)
	})
}

// insertHouseholds writes hs and their members in multi-row statements. One
// goroutine makes the rows' values while this one runs the statements.
func (tx *Tx) insertHouseholds(ctx context.Context, hs []*registry.Household, progress func(written int)) error {
	n := 0
	return tx.insertEach(ctx, func() (*registry.Household, error) {
		if n == len(hs) {
			return nil, io.EOF
		}
		n++
		return hs[n-1], nil
	}, nil, progress)
}

// insertEach writes the households next returns, until io.EOF, and their
// members in multi-row statements. One goroutine calls next and makes the
// rows' values while this one runs the statements. Each household is given
// its ID by setID, when set, as it is taken; hs otherwise have theirs.
func (tx *Tx) insertEach(ctx context.Context, next func() (*registry.Household, error), setID func(h *registry.Household, n int), progress func(written int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pipe := newBatchPipe(ctx)
	ins := "INSERT"
	if tx.db.dialect == SQLite {
		// With OR FAIL (and no foreign-key counting, see inBulkTx) SQLite
		// needs no statement journal for a multi-row INSERT; a failed
		// statement rolls the whole transaction back anyway.
		ins = "INSERT OR FAIL"
	}
	hi := newRowBatcher(tx, pipe, ins+` INTO households (id, ref, region, status, income_per_person, last_year_income,
		shock_costs, indicators, cadre_name, cadre_phone, persons, created_at, updated_at) VALUES `, 13, importHouseholdRows)
	defer hi.close()
	mi := newRowBatcher(tx, pipe, ins+` INTO members (household_id, region, position, name, sex, birth_date,
		relation, id_sealed, id_hash, phone, phone_norm, disability, health, schooling, medical_insurance) VALUES `, 15, importMemberRows)
	defer mi.close()
	mi.before = hi // members refer to their households
	mi.conflict = memberConflict
	gathered := make(chan error, 1)
	go func() {
		defer close(pipe.full)
		gathered <- gatherHouseholds(next, setID, hi, mi)
	}()
	err := pipe.write(cancel, func(q queuedBatch) {
		if progress != nil && q.b == hi {
			progress(q.done)
		}
	})
	if gerr := <-gathered; err == nil {
		err = gerr
	}
	return err
}

// gatherHouseholds queues the rows of the households next returns and of
// their members.
func gatherHouseholds(next func() (*registry.Household, error), setID func(h *registry.Household, n int), hi, mi *rowBatcher) error {
	var ind []byte
	n := 0
	for ; ; n++ {
		h, err := next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if setID != nil {
			setID(h, n)
		}
		if ind, err = appendIndicators(ind[:0], h.Indicators); err != nil {
			return err
		}
		hi.begin()
		hi.int(h.ID)
		hi.text(h.Ref)
		hi.text(h.Village)
		hi.text(string(h.Status))
		hi.int(h.IncomePerPerson)
		hi.int(h.LastYearIncome)
		hi.int(h.ShockCosts)
		hi.textBytes(ind)
		hi.text(h.Cadre.Name)
		hi.text(h.Cadre.Phone)
		hi.int(int64(len(h.Members)))
		hi.int(micros(h.CreatedAt))
		hi.int(micros(h.UpdatedAt))
		if err := hi.end(n + 1); err != nil {
			return err
		}
		for i := range h.Members {
			m := &h.Members[i]
			mi.begin()
			mi.int(h.ID)
			mi.text(h.Village)
			mi.int(int64(i))
			mi.text(m.Name)
			mi.text(m.Sex)
			mi.text(m.Birth)
			mi.text(m.Relation)
			mi.blob(m.IDSealed)
			idHashKey.queue(mi, m.IDHash)
			mi.text(m.Phone)
			phoneKey.queue(mi, m.PhoneNorm)
			mi.text(m.Disability)
			mi.text(m.Health)
			mi.text(m.Schooling)
			mi.bool(m.MedicalInsurance)
			if err := mi.end(n + 1); err != nil {
				return err
			}
		}
	}
	// Households first: members refer to them.
	if err := hi.flush(n); err != nil {
		return err
	}
	return mi.flush(n)
}

// appendIndicators appends the JSON of a household's indicators to buf,
// byte for byte what encoding/json writes (keys sorted, numbers as it
// formats them), without the reflection and the allocations it takes for
// each of a million households. Anything but plain keys and finite numbers
// goes through encoding/json itself.
func appendIndicators(buf []byte, ind map[string]float64) ([]byte, error) {
	if ind == nil {
		return append(buf, "null"...), nil
	}
	var keys [registry.MaxIndicators]string
	if len(ind) > len(keys) {
		return appendJSON(buf, ind)
	}
	n := 0
	for k, v := range ind {
		if !plainJSONKey(k) || math.IsNaN(v) || math.IsInf(v, 0) {
			return appendJSON(buf, ind)
		}
		keys[n] = k
		n++
	}
	slices.Sort(keys[:n])
	buf = append(buf, '{')
	for i, k := range keys[:n] {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, k...)
		buf = append(buf, '"', ':')
		buf = appendJSONFloat(buf, ind[k])
	}
	return append(buf, '}'), nil
}

func appendJSON(buf []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(buf, b...), err
}

// plainJSONKey says whether k needs no escaping in JSON, nor in the HTML-safe
// form encoding/json writes.
func plainJSONKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSONFloat formats f as encoding/json formats a float64.
func appendJSONFloat(buf []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf
}

// reserveHouseholdIDs gives each household its ID before any is inserted, so
// members can be written without reading IDs back. On SQLite the write
// transaction excludes every other writer, so the IDs after the highest used
// are free; on PostgreSQL they are taken from the table's sequence.
func (tx *Tx) reserveHouseholdIDs(ctx context.Context, hs []*registry.Household) error {
	if len(hs) == 0 {
		return nil
	}
	if tx.db.dialect == Postgres {
		rows, err := tx.query(ctx, `SELECT nextval(pg_get_serial_sequence('households', 'id')) FROM generate_series(1, ?)`, len(hs))
		if err != nil {
			return err
		}
		defer rows.Close()
		i := 0
		for rows.Next() && i < len(hs) {
			if err := rows.Scan(&hs[i].ID); err != nil {
				return err
			}
			i++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if i != len(hs) {
			return fmt.Errorf("reserve household IDs: got %d of %d", i, len(hs))
		}
		return nil
	}
	last, err := tx.lastHouseholdID(ctx)
	if err != nil {
		return err
	}
	for i, h := range hs {
		h.ID = last + int64(i) + 1
	}
	return nil
}

// lastHouseholdID returns the highest household ID SQLite has given out:
// the IDs above it are free while the transaction writes. AUTOINCREMENT
// never reuses an ID, even of a deleted row, so the sequence counts as well
// as the highest ID present.
func (tx *Tx) lastHouseholdID(ctx context.Context) (int64, error) {
	var last int64
	err := tx.queryRow(ctx, `SELECT MAX(COALESCE((SELECT MAX(id) FROM households), 0),
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'households'), 0))`).Scan(&last)
	return last, err
}

// sealedArg is a sealed ID number as a statement argument: a member without
// one has an empty value, never NULL.
func sealedArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func memberConflict(err error) error {
	if tide.ErrorCode(mapError(err)) == tide.ECONFLICT {
		return &tide.Error{Code: tide.ECONFLICT, Field: "members.id_number", Message: "an ID number is already registered"}
	}
	return err
}

// HouseholdShape returns what an export must know before its first row: the
// indicator names used under prefix, and how many households and persons
// there are.
func (db *DB) HouseholdShape(ctx context.Context, prefix string) (registry.ExportShape, error) {
	var sh registry.ExportShape
	where, args := regionRange("region", prefix)
	rows, err := db.query(ctx, `SELECT indicators, persons FROM households WHERE `+where, args...)
	if err != nil {
		return sh, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var last string
	for rows.Next() {
		var ind string
		var persons int
		if err := rows.Scan(&ind, &persons); err != nil {
			return sh, err
		}
		sh.Households++
		sh.Persons += persons
		if ind == last || ind == "{}" {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(ind), &m); err != nil {
			return sh, err
		}
		for k := range m {
			if !seen[k] {
				seen[k] = true
				sh.Indicators = append(sh.Indicators, k)
			}
		}
		last = ind
	}
	return sh, rows.Err()
}

// EachHouseholdIn calls fn for every household under prefix with its members,
// in region then ID order, reading in pages so memory stays flat however many
// there are.
func (db *DB) EachHouseholdIn(ctx context.Context, prefix string, fn func(*registry.Household) error) error {
	where, args := regionRange("region", prefix)
	lastRegion, lastID := "", int64(0)
	for {
		page, err := db.householdPage(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE `+where+
			` AND (region > ? OR (region = ? AND id > ?)) ORDER BY region, id LIMIT 2000`,
			append(args[:len(args):len(args)], lastRegion, lastRegion, lastID)...)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, h := range page {
			if err := fn(h); err != nil {
				return err
			}
		}
		lastRegion, lastID = page[len(page)-1].Village, page[len(page)-1].ID
	}
}
