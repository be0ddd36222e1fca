package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

const schoolColumns = `code, name, region, level, students, teachers, connection, bandwidth, devices, since, account, updated_at`

func scanSchool(sc interface{ Scan(...any) error }) (*connect.School, error) {
	var s connect.School
	var updated int64
	err := sc.Scan(&s.Code, &s.Name, &s.Region, &s.Level, &s.Students, &s.Teachers, &s.Connection, &s.Bandwidth,
		&s.Devices, &s.Since, &s.Account, &updated)
	s.UpdatedAt = fromMicros(updated)
	return &s, err
}

// SaveSchools creates or updates schools by code in one transaction.
func (db *DB) SaveSchools(ctx context.Context, ss []*connect.School, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.rebind(`INSERT INTO schools (`+schoolColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region, level = excluded.level,
			students = excluded.students, teachers = excluded.teachers, connection = excluded.connection,
			bandwidth = excluded.bandwidth, devices = excluded.devices, since = excluded.since,
			account = CASE WHEN excluded.account <> 0 THEN excluded.account ELSE schools.account END,
			updated_at = excluded.updated_at`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		checked := map[string]bool{}
		for _, s := range ss {
			if !checked[s.Region] {
				if err := tx.checkRegion(ctx, "region", s.Region); err != nil {
					return err
				}
				checked[s.Region] = true
			}
			if _, err := stmt.ExecContext(ctx, s.Code, s.Name, s.Region, string(s.Level), s.Students, s.Teachers,
				string(s.Connection), s.Bandwidth, s.Devices, s.Since, s.Account, micros(s.UpdatedAt)); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindSchool returns the school with code, or ENOTFOUND.
func (db *DB) FindSchool(ctx context.Context, code string) (*connect.School, error) {
	s, err := scanSchool(db.queryRow(ctx, `SELECT `+schoolColumns+` FROM schools WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("school")
	}
	return s, err
}

// FindSchools returns a page of schools ordered by region and code, and how
// many match.
func (db *DB) FindSchools(ctx context.Context, f connect.SchoolFilter) ([]*connect.School, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where, args = where+` AND region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	if f.Account != 0 {
		where, args = where+" AND account = ?", append(args, f.Account)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM schools WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+schoolColumns+` FROM schools WHERE `+where+` ORDER BY region, code LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*connect.School
	for rows.Next() {
		s, err := scanSchool(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}
