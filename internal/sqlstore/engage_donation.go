package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

const donationColumns = `id, need_id, donor_id, amount, currency, provider, state, checkout_url, created_at, updated_at`

func scanDonation(sc interface{ Scan(...any) error }) (*engage.Donation, error) {
	var d engage.Donation
	var created, updated int64
	err := sc.Scan(&d.ID, &d.NeedID, &d.DonorID, &d.Amount, &d.Currency, &d.Provider, &d.State, &d.CheckoutURL, &created, &updated)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, err
}

// CreateDonation stores a donation with its audit entry.
func (db *DB) CreateDonation(ctx context.Context, d *engage.Donation, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO donations (`+donationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.NeedID, d.DonorID, d.Amount, d.Currency, d.Provider, string(d.State), d.CheckoutURL,
			micros(d.CreatedAt), micros(d.UpdatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindDonation returns the donation with id, or ENOTFOUND.
func (db *DB) FindDonation(ctx context.Context, id string) (*engage.Donation, error) {
	d, err := scanDonation(db.queryRow(ctx, `SELECT `+donationColumns+` FROM donations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("donation")
	}
	return d, err
}

// FindDonations returns a page of donations, newest first, and how many
// match. A zero Limit answers them all.
func (db *DB) FindDonations(ctx context.Context, f engage.DonationFilter) ([]*engage.Donation, int, error) {
	where, args := "1 = 1", []any{}
	if f.DonorID != 0 {
		where, args = where+" AND donor_id = ?", append(args, f.DonorID)
	}
	if f.NeedID != "" {
		where, args = where+" AND need_id = ?", append(args, f.NeedID)
	}
	if f.State != "" {
		where, args = where+" AND state = ?", append(args, string(f.State))
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM donations WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = total
	}
	rows, err := db.query(ctx, `SELECT `+donationColumns+` FROM donations WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*engage.Donation
	for rows.Next() {
		d, err := scanDonation(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// FindDonors returns a need's paid donations, newest first, naming the
// donors who show their name; a deleted donor is anonymous.
func (db *DB) FindDonors(ctx context.Context, needID string, limit int) ([]engage.Donor, error) {
	rows, err := db.query(ctx, `SELECT CASE WHEN u.show_name THEN u.display_name ELSE '' END, d.amount, d.currency, d.created_at
		FROM donations d LEFT JOIN users u ON u.id = d.donor_id
		WHERE d.need_id = ? AND d.state = ? ORDER BY d.id DESC LIMIT ?`, needID, string(market.PaymentPaid), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engage.Donor
	for rows.Next() {
		var d engage.Donor
		var name sql.NullString
		var at int64
		if err := rows.Scan(&name, &d.Amount, &d.Currency, &at); err != nil {
			return nil, err
		}
		d.Name, d.At = name.String, fromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SettleDonation moves a donation, its need's raised money and the ledger
// in one transaction.
func (db *DB) SettleDonation(ctx context.Context, s *engage.Settlement, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE donations SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
			string(s.To), micros(tx.now), s.DonationID, string(s.From))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.mustExist(ctx, tide.NotFound("donation"), `SELECT 1 FROM donations WHERE id = ?`, s.DonationID); err != nil {
				return err
			}
			return tide.Errorf(tide.ECONFLICT, "the donation is no longer %s", s.From)
		}
		if s.Accept {
			res, err = tx.exec(ctx, `UPDATE needs SET raised = raised + ?, updated_at = ?,
				state = CASE WHEN raised + ? = amount THEN ? ELSE state END
				WHERE id = ? AND state = ? AND raised + ? <= amount`,
				s.Raise, micros(tx.now), s.Raise, string(engage.NeedFunded), s.NeedID, string(engage.NeedApproved), s.Raise)
		} else if s.Raise != 0 {
			res, err = tx.exec(ctx, `UPDATE needs SET raised = raised + ?, updated_at = ? WHERE id = ?`,
				s.Raise, micros(tx.now), s.NeedID)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.Errorf(tide.ECONFLICT, "the need no longer takes %d", s.Raise)
		}
		if err := tx.post(ctx, s.Posting); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}
