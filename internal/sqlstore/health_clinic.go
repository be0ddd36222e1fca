package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// CreateClinic stores a clinic and its staff with its audit entry.
func (db *DB) CreateClinic(ctx context.Context, c *health.Clinic, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "region", c.Region); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO clinics (id, name, level, region, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, c.Name, string(c.Level), c.Region, micros(c.CreatedAt)); err != nil {
			return err
		}
		for i, id := range c.Staff {
			if err := tx.mustExist(ctx, tide.Invalid(fmt.Sprintf("staff[%d]", i), "user %d does not exist", id),
				`SELECT 1 FROM users WHERE id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO clinic_staff (clinic_id, user_id) VALUES (?, ?)`, c.ID, id); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, ch)
	})
}

// FindClinic returns the clinic with id and its staff, or ENOTFOUND.
func (db *DB) FindClinic(ctx context.Context, id string) (*health.Clinic, error) {
	list, _, err := db.findClinics(ctx, `id = ?`, []any{id}, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tide.NotFound("clinic")
	}
	return list[0], nil
}

// FindClinics returns a page of clinics by name.
func (db *DB) FindClinics(ctx context.Context, f health.ClinicFilter) ([]*health.Clinic, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where, args = where+` AND region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	if f.Staff != 0 {
		where, args = where+` AND id IN (SELECT clinic_id FROM clinic_staff WHERE user_id = ?)`, append(args, f.Staff)
	}
	return db.findClinics(ctx, where, args, f.Offset, f.Limit)
}

func (db *DB) findClinics(ctx context.Context, where string, args []any, offset, limit int) ([]*health.Clinic, int, error) {
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM clinics WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT id, name, level, region, created_at FROM clinics WHERE `+where+
		` ORDER BY name, id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*health.Clinic
	byID := map[string]*health.Clinic{}
	for rows.Next() {
		var c health.Clinic
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Level, &c.Region, &created); err != nil {
			return nil, 0, err
		}
		c.CreatedAt, c.Staff = fromMicros(created), []int64{}
		out, byID[c.ID] = append(out, &c), &c
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, total, err
	}
	ids := make([]any, 0, len(out))
	for _, c := range out {
		ids = append(ids, c.ID)
	}
	srows, err := db.query(ctx, `SELECT clinic_id, user_id FROM clinic_staff WHERE clinic_id IN (`+placeholders(len(ids))+`) ORDER BY user_id`, ids...)
	if err != nil {
		return nil, 0, err
	}
	defer srows.Close()
	for srows.Next() {
		var id string
		var user int64
		if err := srows.Scan(&id, &user); err != nil {
			return nil, 0, err
		}
		byID[id].Staff = append(byID[id].Staff, user)
	}
	return out, total, srows.Err()
}

const specialistColumns = `id, user_id, name, hospital, region, specialties, languages, hours, created_at`

func scanSpecialist(sc interface{ Scan(...any) error }) (*health.Specialist, error) {
	var sp health.Specialist
	var specialties, languages, hours string
	var created int64
	if err := sc.Scan(&sp.ID, &sp.UserID, &sp.Name, &sp.Hospital, &sp.Region, &specialties, &languages, &hours, &created); err != nil {
		return nil, err
	}
	sp.CreatedAt = fromMicros(created)
	for _, x := range []struct {
		s string
		v any
	}{{specialties, &sp.Specialties}, {languages, &sp.Languages}, {hours, &sp.Hours}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, fmt.Errorf("specialist %s: %w", sp.ID, err)
		}
	}
	return &sp, nil
}

func specialistArgs(sp *health.Specialist) (specialties, languages, hours string) {
	a, _ := json.Marshal(sp.Specialties)
	b, _ := json.Marshal(sp.Languages)
	h := sp.Hours
	if h == nil {
		h = []health.Hours{}
	}
	c, _ := json.Marshal(h)
	return string(a), string(b), string(c)
}

// CreateSpecialist stores a specialist with its audit entry.
func (db *DB) CreateSpecialist(ctx context.Context, sp *health.Specialist, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, tide.Invalid("user_id", "user %d does not exist", sp.UserID), `SELECT 1 FROM users WHERE id = ?`, sp.UserID); err != nil {
			return err
		}
		if err := tx.checkRegion(ctx, "region", sp.Region); err != nil {
			return err
		}
		a, b, c := specialistArgs(sp)
		_, err := tx.exec(ctx, `INSERT INTO specialists (`+specialistColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sp.ID, sp.UserID, sp.Name, sp.Hospital, sp.Region, a, b, c, micros(sp.CreatedAt))
		if tide.ErrorCode(mapError(err)) == tide.ECONFLICT {
			return &tide.Error{Code: tide.ECONFLICT, Field: "user_id", Message: "this account is a specialist already"}
		} else if err != nil {
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// UpdateSpecialist replaces a specialist's specialties, languages and hours.
func (db *DB) UpdateSpecialist(ctx context.Context, sp *health.Specialist, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		a, b, c := specialistArgs(sp)
		res, err := tx.exec(ctx, `UPDATE specialists SET specialties = ?, languages = ?, hours = ? WHERE id = ?`, a, b, c, sp.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("specialist")
		}
		return tx.appendAudit(ctx, ch)
	})
}

// FindSpecialist returns the specialist with id, or ENOTFOUND.
func (db *DB) FindSpecialist(ctx context.Context, id string) (*health.Specialist, error) {
	sp, err := scanSpecialist(db.queryRow(ctx, `SELECT `+specialistColumns+` FROM specialists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("specialist")
	}
	return sp, err
}

// FindSpecialistByUser returns the specialist of an account, or ENOTFOUND.
func (db *DB) FindSpecialistByUser(ctx context.Context, userID int64) (*health.Specialist, error) {
	sp, err := scanSpecialist(db.queryRow(ctx, `SELECT `+specialistColumns+` FROM specialists WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("specialist")
	}
	return sp, err
}

// FindSpecialists returns a page of specialists by name.
func (db *DB) FindSpecialists(ctx context.Context, f health.SpecialistFilter) ([]*health.Specialist, int, error) {
	where, args := "1 = 1", []any{}
	if f.Specialty != "" {
		where, args = where+` AND specialties LIKE ?`, append(args, `%"`+f.Specialty+`"%`)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM specialists WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+specialistColumns+` FROM specialists WHERE `+where+` ORDER BY name, id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*health.Specialist
	for rows.Next() {
		sp, err := scanSpecialist(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sp)
	}
	return out, total, rows.Err()
}
