package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// RegionLevel returns the level of the region with code, or ENOTFOUND.
func (db *DB) RegionLevel(ctx context.Context, code string) (string, error) {
	var level string
	err := db.queryRow(ctx, `SELECT level FROM regions WHERE code = ?`, code).Scan(&level)
	if errors.Is(err, sql.ErrNoRows) {
		return "", tide.NotFound("region")
	}
	return level, err
}

// CreateHouseholds inserts households with their members, setting their IDs,
// and the audit changes, in one transaction. It writes as an import does, in
// multi-row statements: a batch of thousands costs a few hundred statements
// rather than one per household and member.
func (db *DB) CreateHouseholds(ctx context.Context, hs []*registry.Household, changes []audit.Change) error {
	return db.ImportHouseholds(ctx, hs, changes, nil)
}

func (tx *Tx) prepareMembers(ctx context.Context) (*sql.Stmt, error) {
	return tx.PrepareContext(ctx, tx.db.rebind(`INSERT INTO members (household_id, region, position, name, sex, birth_date,
		relation, id_sealed, id_hash, phone, phone_norm, disability, health, schooling, medical_insurance)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
}

func insertMembers(ctx context.Context, stmt *sql.Stmt, h *registry.Household) error {
	for i, m := range h.Members {
		hash, err := idHashKey.arg(m.IDHash)
		if err != nil {
			return err
		}
		_, err = stmt.ExecContext(ctx, h.ID, h.Village, i, m.Name, m.Sex, m.Birth, m.Relation, sealedArg(m.IDSealed),
			hash, m.Phone, nullString(m.PhoneNorm), m.Disability, m.Health, m.Schooling, m.MedicalInsurance)
		if err != nil {
			if tide.ErrorCode(mapError(err)) == tide.ECONFLICT {
				return &tide.Error{Code: tide.ECONFLICT, Field: "members.id_number", Message: "an ID number is already registered"}
			}
			return err
		}
	}
	return nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// UpdateHousehold replaces a household's facts and members.
func (db *DB) UpdateHousehold(ctx context.Context, h *registry.Household, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		ind, _ := json.Marshal(h.Indicators)
		res, err := tx.exec(ctx, `UPDATE households SET region = ?, income_per_person = ?, last_year_income = ?,
			shock_costs = ?, indicators = ?, cadre_name = ?, cadre_phone = ?, persons = ?, updated_at = ? WHERE id = ?`,
			h.Village, h.IncomePerPerson, h.LastYearIncome, h.ShockCosts, string(ind), h.Cadre.Name, h.Cadre.Phone,
			len(h.Members), micros(h.UpdatedAt), h.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("household")
		}
		if _, err := tx.exec(ctx, `DELETE FROM members WHERE household_id = ?`, h.ID); err != nil {
			return err
		}
		stmt, err := tx.prepareMembers(ctx)
		if err != nil {
			return err
		}
		defer stmt.Close()
		if err := insertMembers(ctx, stmt, h); err != nil {
			return err
		}
		for _, t := range []string{"status_history", "exits", "assistance", "watches"} {
			if _, err := tx.exec(ctx, `UPDATE `+t+` SET region = ? WHERE household_id = ?`, h.Village, h.ID); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

// householdColumns lists what a household read selects: its row and this
// year's market income, summed from its credits.
func (db *DB) householdColumns() string {
	return `id, ref, region, status, income_per_person, last_year_income, shock_costs, indicators, cadre_name, cadre_phone,
	created_at, updated_at, COALESCE((SELECT SUM(mi.amount) FROM household_market_income mi
	WHERE mi.household_id = households.id AND mi.year = ` + strconv.Itoa(db.Now().Year()) + `), 0)`
}

func scanHousehold(sc interface{ Scan(...any) error }) (*registry.Household, error) {
	var h registry.Household
	var ind string
	var created, updated int64
	if err := sc.Scan(&h.ID, &h.Ref, &h.Village, &h.Status, &h.IncomePerPerson, &h.LastYearIncome, &h.ShockCosts,
		&ind, &h.Cadre.Name, &h.Cadre.Phone, &created, &updated, &h.MarketIncome); err != nil {
		return nil, err
	}
	h.CreatedAt, h.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(ind), &h.Indicators); err != nil {
		return nil, err
	}
	return &h, nil
}

// FindHousehold returns the household with ref and its members, or ENOTFOUND.
func (db *DB) FindHousehold(ctx context.Context, ref string) (*registry.Household, error) {
	h, err := scanHousehold(db.queryRow(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE ref = ?`, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("household")
	} else if err != nil {
		return nil, err
	}
	return h, db.loadMembers(ctx, []*registry.Household{h})
}

// loadMembers fills the members of hs with one query.
func (db *DB) loadMembers(ctx context.Context, hs []*registry.Household) error {
	if len(hs) == 0 {
		return nil
	}
	byID := make(map[int64]*registry.Household, len(hs))
	ph := make([]string, len(hs))
	args := make([]any, len(hs))
	for i, h := range hs {
		byID[h.ID], ph[i], args[i] = h, "?", h.ID
		h.Members = nil
	}
	rows, err := db.query(ctx, `SELECT household_id, name, sex, birth_date, relation, id_sealed, id_hash,
		phone, COALESCE(phone_norm, ''), disability, health, schooling, medical_insurance
		FROM members WHERE household_id IN (`+strings.Join(ph, ",")+`) ORDER BY household_id, position`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var hid int64
		var m registry.Member
		var hash []byte
		if err := rows.Scan(&hid, &m.Name, &m.Sex, &m.Birth, &m.Relation, &m.IDSealed, &hash, &m.Phone,
			&m.PhoneNorm, &m.Disability, &m.Health, &m.Schooling, &m.MedicalInsurance); err != nil {
			return err
		}
		if hash != nil {
			m.IDHash = idHashKey.text(hash)
		}
		byID[hid].Members = append(byID[hid].Members, m)
	}
	return rows.Err()
}

// FindHouseholds returns households matching f, newest first, and the total.
func (db *DB) FindHouseholds(ctx context.Context, f registry.StoreFilter) ([]*registry.Household, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where += ` AND region LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Prefix))
	}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Name != "" {
		where += ` AND id IN (SELECT household_id FROM members WHERE name LIKE ? ESCAPE '\')`
		args = append(args, "%"+likePrefix(f.Name))
	}
	if f.IDHash != "" {
		hash, err := idHashKey.arg(f.IDHash)
		if err != nil {
			return nil, 0, err
		}
		where += " AND id IN (SELECT household_id FROM members WHERE id_hash = ?)"
		args = append(args, hash)
	}
	if f.PhoneNorm != "" {
		where += " AND id IN (SELECT household_id FROM members WHERE phone_norm = ?)"
		args = append(args, f.PhoneNorm)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM households WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE `+where+
		` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	var out []*registry.Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, db.loadMembers(ctx, out)
}

// FindDuplicates returns members whose ID hash or normalised phone is among
// the given ones, with their households.
func (db *DB) FindDuplicates(ctx context.Context, idHashes, phones []string) ([]registry.Duplicate, error) {
	var out []registry.Duplicate
	for _, q := range []struct {
		key  memberKey
		vals []string
	}{{idHashKey, idHashes}, {phoneKey, phones}} {
		for start := 0; start < len(q.vals); start += 500 {
			chunk := q.vals[start:min(start+500, len(q.vals))]
			ph := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
			args, err := q.key.args(chunk)
			if err != nil {
				return nil, err
			}
			rows, err := db.query(ctx, `SELECT m.`+q.key.col+`, h.ref, h.region FROM members m JOIN households h ON h.id = m.household_id
				WHERE m.`+q.key.col+` IN (`+ph+`)`, args...)
			if err != nil {
				return nil, err
			}
			err = scanDuplicates(rows, q.key, &out)
			rows.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// setStatus moves a household inside tx and records the history entry.
func (tx *Tx) setStatus(ctx context.Context, h *registry.Household, sc *registry.StatusChange) error {
	if sc == nil {
		return nil
	}
	if _, err := tx.exec(ctx, `UPDATE households SET status = ?, updated_at = ? WHERE id = ?`, sc.To, micros(sc.At), h.ID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO status_history (household_id, region, from_status, to_status, reason, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, h.ID, h.Village, sc.From, sc.To, sc.Reason, sc.Actor, micros(sc.At))
	return err
}

// SetStatus moves a household with its history entry and audit.
func (db *DB) SetStatus(ctx context.Context, h *registry.Household, sc registry.StatusChange, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.setStatus(ctx, h, &sc); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindHistory returns a household's status changes, oldest first.
func (db *DB) FindHistory(ctx context.Context, householdID int64) ([]registry.StatusChange, error) {
	rows, err := db.query(ctx, `SELECT from_status, to_status, reason, actor, at FROM status_history
		WHERE household_id = ? ORDER BY id`, householdID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.StatusChange
	for rows.Next() {
		var sc registry.StatusChange
		var at int64
		if err := rows.Scan(&sc.From, &sc.To, &sc.Reason, &sc.Actor, &at); err != nil {
			return nil, err
		}
		sc.At = fromMicros(at)
		out = append(out, sc)
	}
	return out, rows.Err()
}

// CountByStatus counts households under prefix by status.
func (db *DB) CountByStatus(ctx context.Context, prefix string) (map[registry.Status]int, error) {
	rows, err := db.query(ctx, `SELECT status, COUNT(*) FROM households WHERE region LIKE ? ESCAPE '\' GROUP BY status`, likePrefix(prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[registry.Status]int{}
	for rows.Next() {
		var s registry.Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// EachHousehold calls fn for every household with its members, in ID order,
// reading in pages so memory stays flat.
func (db *DB) EachHousehold(ctx context.Context, fn func(*registry.Household) error) error {
	var last int64
	for {
		page, err := db.householdPage(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE id > ? ORDER BY id LIMIT 2000`, last)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, h := range page {
			if err := fn(h); err != nil {
				return err
			}
		}
		last = page[len(page)-1].ID
	}
}

// householdPage runs a query for households and loads their members.
func (db *DB) householdPage(ctx context.Context, q string, args ...any) ([]*registry.Household, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var page []*registry.Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		page = append(page, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return page, db.loadMembers(ctx, page)
}
