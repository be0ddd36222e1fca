package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

const regionColumns = `r.code, r.name, r.level, COALESCE(r.parent, ''),
	(SELECT COUNT(*) FROM regions c WHERE c.parent = r.code)`

func scanRegion(sc interface{ Scan(...any) error }) (*region.Region, error) {
	var r region.Region
	err := sc.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.Children)
	return &r, err
}

// FindRegion returns the region with code, or ENOTFOUND.
func (db *DB) FindRegion(ctx context.Context, code string) (*region.Region, error) {
	r, err := scanRegion(db.queryRow(ctx, `SELECT `+regionColumns+` FROM regions r WHERE r.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("region")
	}
	return r, err
}

// FindRegions returns regions matching f ordered by code, and the total.
func (db *DB) FindRegions(ctx context.Context, f region.Filter) ([]*region.Region, int, error) {
	where, args := "1 = 1", []any{}
	if f.Parent != nil && *f.Parent == "" {
		where += " AND r.parent IS NULL"
	} else if f.Parent != nil {
		where += " AND r.parent = ?"
		args = append(args, *f.Parent)
	}
	if f.Prefix != "" {
		where += ` AND r.code LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Prefix))
	}
	if f.Level != "" {
		where += " AND r.level = ?"
		args = append(args, f.Level)
	}
	if f.NameMatch != "" {
		where += ` AND LOWER(r.name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likePrefix(toLower(f.NameMatch)))
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM regions r WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+regionColumns+` FROM regions r WHERE `+where+
		` ORDER BY r.code LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*region.Region
	for rows.Next() {
		r, err := scanRegion(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// CreateRegions inserts regions in order (parents before children) and their
// audit entries, all in one transaction.
func (db *DB) CreateRegions(ctx context.Context, rs []*region.Region, changes []audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.rebind(`INSERT INTO regions (code, name, level, parent, created_at) VALUES (?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rs {
			if _, err := stmt.ExecContext(ctx, r.Code, r.Name, r.Level, sql.NullString{String: r.Parent, Valid: r.Parent != ""}, micros(tx.now)); err != nil {
				if tide.ErrorCode(mapError(err)) == tide.ECONFLICT {
					return &tide.Error{Code: tide.ECONFLICT, Field: "code", Message: "region " + r.Code + " already exists"}
				}
				return err
			}
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// UpdateRegion stores a region's name.
func (db *DB) UpdateRegion(ctx context.Context, r *region.Region, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE regions SET name = ? WHERE code = ?`, r.Name, r.Code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("region")
		}
		return tx.appendAudit(ctx, c)
	})
}

// EachRegion calls fn for every region, parents before children.
func (db *DB) EachRegion(ctx context.Context, fn func(code, parent string) error) error {
	rows, err := db.query(ctx, `SELECT code, COALESCE(parent, '') FROM regions ORDER BY LENGTH(code), code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code, parent string
		if err := rows.Scan(&code, &parent); err != nil {
			return err
		}
		if err := fn(code, parent); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RegionParent returns the parent code of a region, or ENOTFOUND.
func (db *DB) RegionParent(ctx context.Context, code string) (string, error) {
	var parent sql.NullString
	err := db.queryRow(ctx, `SELECT parent FROM regions WHERE code = ?`, code).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) {
		return "", tide.NotFound("region")
	}
	return parent.String, err
}
