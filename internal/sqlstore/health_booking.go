package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/tide"
)

// Bookings returns the places taken in each slot starting in [from, to).
func (db *DB) Bookings(ctx context.Context, from, to time.Time) (map[health.SlotKey]int, error) {
	rows, err := db.query(ctx, `SELECT specialist_id, starts_at, booked FROM consult_slots WHERE starts_at >= ? AND starts_at < ? AND booked > 0`,
		from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[health.SlotKey]int{}
	for rows.Next() {
		var k health.SlotKey
		var n int
		if err := rows.Scan(&k.Specialist, &k.Starts, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// takePlace takes one place in a slot, or fails with ECONFLICT when the slot
// is full. The table's check holds the same line should this ever be
// bypassed.
func (tx *Tx) takePlace(ctx context.Context, specialist string, starts time.Time, capacity int) error {
	res, err := tx.exec(ctx, `INSERT INTO consult_slots (specialist_id, starts_at, capacity, booked) VALUES (?, ?, ?, 1)
		ON CONFLICT (specialist_id, starts_at) DO UPDATE SET booked = consult_slots.booked + 1, capacity = excluded.capacity
		WHERE consult_slots.booked < excluded.capacity`, specialist, starts.Unix(), capacity)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &tide.Error{Code: tide.ECONFLICT, Field: "starts", Message: fmt.Sprintf("the slot at %s is full", starts.UTC().Format("2006-01-02 15:04 UTC"))}
	}
	return nil
}

func (tx *Tx) insertConsultation(ctx context.Context, c *health.Consultation) error {
	e, err := json.Marshal(c.Explanation)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO consultations (request_id, specialist_id, starts_at, minutes, token, external_url, explanation, assigned_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.RequestID, c.SpecialistID, c.Starts.Unix(), c.Minutes, c.Token, c.ExternalURL, string(e),
		c.AssignedBy, micros(c.CreatedAt))
	return err
}

// moveRequest moves a request between states, or fails with ECONFLICT.
func (tx *Tx) moveRequest(ctx context.Context, id string, to health.RequestState, from ...health.RequestState) error {
	args := []any{string(to), micros(tx.now), id}
	for _, f := range from {
		args = append(args, string(f))
	}
	res, err := tx.exec(ctx, `UPDATE consult_requests SET state = ?, updated_at = ? WHERE id = ? AND state IN (`+placeholders(len(from))+`)`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := tx.mustExist(ctx, tide.NotFound("request"), `SELECT 1 FROM consult_requests WHERE id = ?`, id); err != nil {
			return err
		}
		return &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: fmt.Sprintf("request %s is no longer %s", id, from[0])}
	}
	return nil
}

// Book gives each consultation its slot and assigns its request, all or none.
func (db *DB) Book(ctx context.Context, cs []*health.Consultation, capacity []int, changes []audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for i, c := range cs {
			if err := tx.moveRequest(ctx, c.RequestID, health.RequestAssigned, health.RequestOpen); err != nil {
				return err
			}
			if err := tx.takePlace(ctx, c.SpecialistID, c.Starts, capacity[i]); err != nil {
				return err
			}
			if err := tx.insertConsultation(ctx, c); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// Rebook moves a request's consultation to c's slot, freeing the old one.
func (db *DB) Rebook(ctx context.Context, c *health.Consultation, capacity int, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.moveRequest(ctx, c.RequestID, health.RequestAssigned, health.RequestOpen, health.RequestAssigned); err != nil {
			return err
		}
		if err := tx.freePlace(ctx, c.RequestID); err != nil {
			return err
		}
		if err := tx.takePlace(ctx, c.SpecialistID, c.Starts, capacity); err != nil {
			return err
		}
		if err := tx.insertConsultation(ctx, c); err != nil {
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// CancelRequest cancels a request, freeing its slot and dropping its room.
func (db *DB) CancelRequest(ctx context.Context, id string, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.moveRequest(ctx, id, health.RequestCancelled, health.RequestOpen, health.RequestAssigned); err != nil {
			return err
		}
		if err := tx.freePlace(ctx, id); err != nil {
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// freePlace gives back the place of a request's consultation, if it has
// one, and drops the consultation.
func (tx *Tx) freePlace(ctx context.Context, requestID string) error {
	var specialist string
	var starts int64
	err := tx.queryRow(ctx, `SELECT specialist_id, starts_at FROM consultations WHERE request_id = ?`, requestID).Scan(&specialist, &starts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE consult_slots SET booked = booked - 1 WHERE specialist_id = ? AND starts_at = ? AND booked > 0`,
		specialist, starts); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `DELETE FROM consultations WHERE request_id = ?`, requestID)
	return err
}

const consultationColumns = `request_id, specialist_id, starts_at, minutes, token, external_url, explanation, assigned_by, created_at`

func scanConsultation(sc interface{ Scan(...any) error }) (*health.Consultation, error) {
	var c health.Consultation
	var starts, created int64
	var expl string
	if err := sc.Scan(&c.RequestID, &c.SpecialistID, &starts, &c.Minutes, &c.Token, &c.ExternalURL, &expl, &c.AssignedBy, &created); err != nil {
		return nil, err
	}
	c.Starts, c.CreatedAt = time.Unix(starts, 0).UTC(), fromMicros(created)
	if err := json.Unmarshal([]byte(expl), &c.Explanation); err != nil {
		return nil, fmt.Errorf("consultation %s: %w", c.RequestID, err)
	}
	return &c, nil
}

// FindConsultation returns a request's consultation, or ENOTFOUND.
func (db *DB) FindConsultation(ctx context.Context, requestID string) (*health.Consultation, error) {
	c, err := scanConsultation(db.queryRow(ctx, `SELECT `+consultationColumns+` FROM consultations WHERE request_id = ?`, requestID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("consultation")
	}
	return c, err
}

// FindConsultations returns the consultations of the requests that have one.
func (db *DB) FindConsultations(ctx context.Context, requestIDs []string) (map[string]*health.Consultation, error) {
	out := map[string]*health.Consultation{}
	for start := 0; start < len(requestIDs); start += batchRows {
		chunk := requestIDs[start:min(start+batchRows, len(requestIDs))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.query(ctx, `SELECT `+consultationColumns+` FROM consultations WHERE request_id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c, err := scanConsultation(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[c.RequestID] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindConsultationByToken returns the consultation of a room, or ENOTFOUND.
func (db *DB) FindConsultationByToken(ctx context.Context, token string) (*health.Consultation, error) {
	c, err := scanConsultation(db.queryRow(ctx, `SELECT `+consultationColumns+` FROM consultations WHERE token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("consultation")
	}
	return c, err
}

// SetExternalURL sets a consultation's external meeting.
func (db *DB) SetExternalURL(ctx context.Context, requestID, url string, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE consultations SET external_url = ? WHERE request_id = ?`, url, requestID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("consultation")
		}
		return tx.appendAudit(ctx, ch)
	})
}

var _ health.Store = (*DB)(nil)
