package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

const needColumns = `id, kind, region, household, title, description, amount, currency, state,
	raised, delivered, delivery_note, delivery_photo, delivery_photo_type, created_by, created_at, updated_at`

func scanNeed(sc interface{ Scan(...any) error }) (*engage.Need, error) {
	var n engage.Need
	var household sql.NullString
	var created, updated int64
	err := sc.Scan(&n.ID, &n.Kind, &n.Region, &household, &n.Title, &n.Description, &n.Amount, &n.Currency, &n.State,
		&n.Raised, &n.Delivered, &n.DeliveryNote, &n.DeliveryPhoto, &n.DeliveryPhotoType, &n.CreatedBy, &created, &updated)
	n.Household, n.CreatedAt, n.UpdatedAt = household.String, fromMicros(created), fromMicros(updated)
	return &n, err
}

// CreateNeed stores a need with its audit entry, after checking its region
// and household.
func (db *DB) CreateNeed(ctx context.Context, n *engage.Need, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "region", n.Region); err != nil {
			return err
		}
		if n.Household != "" {
			if err := tx.checkHousehold(ctx, "household", n.Household, n.Region); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO needs (`+needColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			n.ID, string(n.Kind), n.Region, sql.NullString{String: n.Household, Valid: n.Household != ""}, n.Title, n.Description,
			n.Amount, n.Currency, string(n.State), n.Raised, n.Delivered, n.DeliveryNote, n.DeliveryPhoto, n.DeliveryPhotoType, n.CreatedBy,
			micros(n.CreatedAt), micros(n.UpdatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindNeed returns the need with id, or ENOTFOUND.
func (db *DB) FindNeed(ctx context.Context, id string) (*engage.Need, error) {
	n, err := scanNeed(db.queryRow(ctx, `SELECT `+needColumns+` FROM needs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("need")
	}
	return n, err
}

// FindNeeds returns a page of needs, newest first, and how many match.
func (db *DB) FindNeeds(ctx context.Context, f engage.NeedFilter) ([]*engage.Need, int, error) {
	where, args := "1 = 1", []any{}
	if f.State != "" {
		where, args = where+" AND state = ?", append(args, string(f.State))
	}
	if f.Prefix != "" {
		where, args = where+` AND region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM needs WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+needColumns+` FROM needs WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*engage.Need
	for rows.Next() {
		n, err := scanNeed(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	return out, total, rows.Err()
}

// MoveNeed moves a need with its posting and audit entry in one
// transaction.
func (db *DB) MoveNeed(ctx context.Context, m *engage.NeedMove, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		proof, args := "", []any{string(m.To), m.Delivered, micros(tx.now)}
		if m.Note != "" {
			proof, args = proof+", delivery_note = ?", append(args, m.Note)
		}
		if m.Photo != "" {
			proof, args = proof+", delivery_photo = ?, delivery_photo_type = ?", append(args, m.Photo, m.PhotoType)
		}
		res, err := tx.exec(ctx, `UPDATE needs SET state = ?, delivered = delivered + ?, updated_at = ?`+proof+
			` WHERE id = ? AND state = ?`, append(args, m.ID, string(m.From))...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.mustExist(ctx, tide.NotFound("need"), `SELECT 1 FROM needs WHERE id = ?`, m.ID); err != nil {
				return err
			}
			return &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: "the need is no longer " + string(m.From)}
		}
		if err := tx.post(ctx, m.Posting); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}
