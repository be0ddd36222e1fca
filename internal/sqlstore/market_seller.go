package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// mustExist returns missing when no row matches q. Stores check references
// this way before an insert, because a foreign-key error cannot say which
// reference failed.
func (tx *Tx) mustExist(ctx context.Context, missing error, q string, args ...any) error {
	var one int
	err := tx.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return missing
	}
	return err
}

func (tx *Tx) checkRegion(ctx context.Context, field, code string) error {
	return tx.mustExist(ctx, tide.Invalid(field, "region %s does not exist", code), `SELECT 1 FROM regions WHERE code = ?`, code)
}

// checkHousehold checks that a household exists and lies in region.
func (tx *Tx) checkHousehold(ctx context.Context, field, ref, region string) error {
	var at string
	err := tx.queryRow(ctx, `SELECT region FROM households WHERE ref = ?`, ref).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tide.Invalid(field, "household %s does not exist", ref)
	case err != nil:
		return err
	case !strings.HasPrefix(at, region):
		return tide.Invalid(field, "household %s is not in the seller's region %s", ref, region)
	}
	return nil
}

// CreateSeller stores a seller and its members with its audit entry.
func (db *DB) CreateSeller(ctx context.Context, s *market.Seller, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "region", s.Region); err != nil {
			return err
		}
		if s.Household != "" {
			if err := tx.checkHousehold(ctx, "household", s.Household, s.Region); err != nil {
				return err
			}
		}
		for i, m := range s.Members {
			if err := tx.checkHousehold(ctx, fmt.Sprintf("members[%d].household", i), m.Household, s.Region); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO sellers (id, name, kind, region, household, user_id, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Name, string(s.Kind), s.Region, nullString(s.Household),
			sql.NullInt64{Int64: s.UserID, Valid: s.UserID != 0}, string(s.Status), micros(s.CreatedAt)); err != nil {
			return err
		}
		for i, m := range s.Members {
			if _, err := tx.exec(ctx, `INSERT INTO seller_members (seller_id, household, share, position) VALUES (?, ?, ?, ?)`,
				s.ID, m.Household, m.Share, i); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

const sellerColumns = `id, name, kind, region, household, user_id, status, created_at`

func scanSeller(sc interface{ Scan(...any) error }) (*market.Seller, error) {
	var s market.Seller
	var household sql.NullString
	var user sql.NullInt64
	var created int64
	err := sc.Scan(&s.ID, &s.Name, &s.Kind, &s.Region, &household, &user, &s.Status, &created)
	s.Household, s.UserID, s.CreatedAt = household.String, user.Int64, fromMicros(created)
	return &s, err
}

// FindSeller returns the seller with id and its members, or ENOTFOUND.
func (db *DB) FindSeller(ctx context.Context, id string) (*market.Seller, error) {
	s, err := scanSeller(db.queryRow(ctx, `SELECT `+sellerColumns+` FROM sellers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("seller")
	} else if err != nil {
		return nil, err
	}
	return s, db.loadSellerMembers(ctx, []*market.Seller{s})
}

func (db *DB) loadSellerMembers(ctx context.Context, ss []*market.Seller) error {
	if len(ss) == 0 {
		return nil
	}
	byID := make(map[string]*market.Seller, len(ss))
	args := make([]any, len(ss))
	for i, s := range ss {
		byID[s.ID], args[i] = s, s.ID
	}
	rows, err := db.query(ctx, `SELECT seller_id, household, share FROM seller_members WHERE seller_id IN (`+
		placeholders(len(ss))+`) ORDER BY seller_id, position`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m market.Member
		if err := rows.Scan(&id, &m.Household, &m.Share); err != nil {
			return err
		}
		byID[id].Members = append(byID[id].Members, m)
	}
	return rows.Err()
}

// FindSellers returns the sellers matching f, newest first, and the total.
func (db *DB) FindSellers(ctx context.Context, f market.SellerFilter) ([]*market.Seller, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where, args = where+` AND region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	if f.Status != "" {
		where, args = where+" AND status = ?", append(args, string(f.Status))
	}
	if f.UserID != 0 {
		where, args = where+" AND user_id = ?", append(args, f.UserID)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM sellers WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+sellerColumns+` FROM sellers WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, tide.ClampLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*market.Seller
	for rows.Next() {
		s, err := scanSeller(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, db.loadSellerMembers(ctx, out)
}

// SetSellerStatus moves a seller from one status to another with its audit
// entry.
func (db *DB) SetSellerStatus(ctx context.Context, id string, from, to market.SellerStatus, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE sellers SET status = ? WHERE id = ? AND status = ?`, string(to), id, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.Errorf(tide.ECONFLICT, "the seller is no longer %s", from)
		}
		return tx.appendAudit(ctx, c)
	})
}
