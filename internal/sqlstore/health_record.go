package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// WriteRecord stores or replaces a record, adds its follow-ups and marks
// the request done, with its audit entry.
func (db *DB) WriteRecord(ctx context.Context, rec *health.Record, fus []*health.FollowUp, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.moveRequest(ctx, rec.RequestID, health.RequestDone, health.RequestAssigned, health.RequestDone); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM consult_records WHERE request_id = ?`, rec.RequestID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO consult_records (request_id, advice, prescription, referral, written_by, written_at) VALUES (?, ?, ?, ?, ?, ?)`,
			rec.RequestID, rec.Advice, rec.Prescription, rec.Referral, rec.WrittenBy, micros(rec.WrittenAt)); err != nil {
			return err
		}
		for _, f := range fus {
			if _, err := tx.exec(ctx, `INSERT INTO consult_followups (id, request_id, clinic_id, task, due, done, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				f.ID, f.RequestID, f.ClinicID, f.Task, f.Due, false, micros(f.CreatedAt)); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, ch)
	})
}

// FindRecord returns a request's record, or ENOTFOUND.
func (db *DB) FindRecord(ctx context.Context, requestID string) (*health.Record, error) {
	var r health.Record
	var at int64
	err := db.queryRow(ctx, `SELECT request_id, advice, prescription, referral, written_by, written_at FROM consult_records WHERE request_id = ?`,
		requestID).Scan(&r.RequestID, &r.Advice, &r.Prescription, &r.Referral, &r.WrittenBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("record")
	}
	r.WrittenAt = fromMicros(at)
	return &r, err
}

const followUpColumns = `id, request_id, clinic_id, task, due, done, created_at`

// FindFollowUps returns follow-ups by due date.
func (db *DB) FindFollowUps(ctx context.Context, f health.FollowUpFilter) ([]*health.FollowUp, error) {
	where, args := "1 = 1", []any{}
	if len(f.ClinicIDs) > 0 {
		where += ` AND clinic_id IN (` + placeholders(len(f.ClinicIDs)) + `)`
		for _, id := range f.ClinicIDs {
			args = append(args, id)
		}
	}
	if f.RequestID != "" {
		where, args = where+` AND request_id = ?`, append(args, f.RequestID)
	}
	if f.DueBy != "" {
		where, args = where+` AND due <= ? AND done = ?`, append(args, f.DueBy, false)
	}
	rows, err := db.query(ctx, `SELECT `+followUpColumns+` FROM consult_followups WHERE `+where+` ORDER BY due, id LIMIT ?`,
		append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*health.FollowUp
	for rows.Next() {
		fu, err := scanFollowUp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, fu)
	}
	return out, rows.Err()
}

func scanFollowUp(sc interface{ Scan(...any) error }) (*health.FollowUp, error) {
	var fu health.FollowUp
	var created int64
	if err := sc.Scan(&fu.ID, &fu.RequestID, &fu.ClinicID, &fu.Task, &fu.Due, &fu.Done, &created); err != nil {
		return nil, err
	}
	fu.CreatedAt = fromMicros(created)
	return &fu, nil
}

// FindFollowUp returns the follow-up with id, or ENOTFOUND.
func (db *DB) FindFollowUp(ctx context.Context, id string) (*health.FollowUp, error) {
	fu, err := scanFollowUp(db.queryRow(ctx, `SELECT `+followUpColumns+` FROM consult_followups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("follow-up")
	}
	return fu, err
}

// CompleteFollowUp marks a follow-up done.
func (db *DB) CompleteFollowUp(ctx context.Context, id string, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE consult_followups SET done = ? WHERE id = ? AND done = ?`, true, id, false)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := tx.mustExist(ctx, tide.NotFound("follow-up"), `SELECT 1 FROM consult_followups WHERE id = ?`, id); err != nil {
				return err
			}
			return &tide.Error{Code: tide.ECONFLICT, Field: "done", Message: "the follow-up is done already"}
		}
		return tx.appendAudit(ctx, ch)
	})
}

// Waiting sums the waits of the requests made in the period that have an
// appointment.
func (db *DB) Waiting(ctx context.Context, f health.ReportFilter) ([]health.WaitingRow, error) {
	// starts_at is in seconds and created_at in microseconds.
	rows, err := db.query(ctx, `SELECT r.urgency, r.specialty, COUNT(*),
		CAST(SUM((c.starts_at * 1000000 - r.created_at) / 60000000) AS BIGINT), MAX((c.starts_at * 1000000 - r.created_at) / 60000000)
		FROM consultations c JOIN consult_requests r ON r.id = c.request_id
		WHERE r.created_at >= ? AND r.created_at < ? AND r.region LIKE ? ESCAPE '\'
		GROUP BY r.urgency, r.specialty ORDER BY r.urgency, r.specialty`, micros(f.From), micros(f.To), likePrefix(f.Prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []health.WaitingRow{}
	for rows.Next() {
		var w health.WaitingRow
		if err := rows.Scan(&w.Urgency, &w.Specialty, &w.Count, &w.SumMinutes, &w.MaxMinutes); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Unmet counts the open requests made before the period's end.
func (db *DB) Unmet(ctx context.Context, f health.ReportFilter) ([]health.UnmetRow, error) {
	rows, err := db.query(ctx, `SELECT prefecture, specialty, COUNT(*) FROM consult_requests
		WHERE state = ? AND created_at < ? AND region LIKE ? ESCAPE '\'
		GROUP BY prefecture, specialty ORDER BY COUNT(*) DESC, prefecture, specialty`,
		string(health.RequestOpen), micros(f.To), likePrefix(f.Prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []health.UnmetRow{}
	for rows.Next() {
		var u health.UnmetRow
		if err := rows.Scan(&u.Prefecture, &u.Specialty, &u.Open); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Booked counts consultations whose slots start in the period, by specialist.
func (db *DB) Booked(ctx context.Context, f health.ReportFilter) (map[string]int, error) {
	rows, err := db.query(ctx, `SELECT specialist_id, COUNT(*) FROM consultations WHERE starts_at >= ? AND starts_at < ? GROUP BY specialist_id`,
		f.From.Unix(), f.To.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
