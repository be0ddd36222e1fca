package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

const requestColumns = `id, clinic_id, region, prefecture, sealed, specialty, urgency, language, windows,
	state, created_by, created_at, updated_at`

func scanRequest(sc interface{ Scan(...any) error }) (*health.Request, error) {
	var r health.Request
	var windows string
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.ClinicID, &r.Region, &r.Prefecture, &r.Sealed, &r.Specialty, &r.Urgency, &r.Language, &windows,
		&r.State, &r.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt, r.Consent = fromMicros(created), fromMicros(updated), true
	if err := json.Unmarshal([]byte(windows), &r.Windows); err != nil {
		return nil, fmt.Errorf("request %s: windows: %w", r.ID, err)
	}
	r.Attachments = []*health.Attachment{}
	return &r, nil
}

// prefectureOf returns the prefecture code holds, walking up the region
// tree; a code above prefecture level is its own.
func (tx *Tx) prefectureOf(ctx context.Context, code string) (string, error) {
	for at := code; at != ""; {
		var level string
		var parent sql.NullString
		err := tx.queryRow(ctx, `SELECT level, parent FROM regions WHERE code = ?`, at).Scan(&level, &parent)
		if errors.Is(err, sql.ErrNoRows) {
			break
		} else if err != nil {
			return "", err
		}
		if region.Level(level) == region.Prefecture {
			return at, nil
		}
		at = parent.String
	}
	return code, nil
}

// CreateRequest stores a request and its attachments with its audit entry,
// after checking the registry member the patient is linked to.
func (db *DB) CreateRequest(ctx context.Context, r *health.Request, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		p := r.Patient
		if p.Household != "" {
			if err := tx.mustExist(ctx, tide.Invalid("patient.member", "household %s has no member %d", p.Household, p.Member),
				`SELECT 1 FROM members m JOIN households h ON h.id = m.household_id WHERE h.ref = ? AND m.position = ?`,
				p.Household, p.Member); err != nil {
				return err
			}
		}
		pref, err := tx.prefectureOf(ctx, r.Region)
		if err != nil {
			return err
		}
		r.Prefecture = pref
		windows := r.Windows
		if windows == nil {
			windows = []health.Window{}
		}
		w, _ := json.Marshal(windows)
		if _, err := tx.exec(ctx, `INSERT INTO consult_requests (`+requestColumns+`, household, consent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.ClinicID, r.Region, r.Prefecture, r.Sealed, r.Specialty, string(r.Urgency), r.Language, string(w),
			string(r.State), r.CreatedBy, micros(r.CreatedAt), micros(r.UpdatedAt),
			sql.NullString{String: p.Household, Valid: p.Household != ""}, micros(r.CreatedAt)); err != nil {
			return err
		}
		for _, a := range r.Attachments {
			if err := tx.insertAttachment(ctx, a); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, ch)
	})
}

func (tx *Tx) insertAttachment(ctx context.Context, a *health.Attachment) error {
	_, err := tx.exec(ctx, `INSERT INTO consult_attachments (id, request_id, name, content_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.RequestID, a.Name, a.ContentType, a.Size, micros(a.CreatedAt))
	return err
}

// FindRequest returns the request with id and its attachments, or ENOTFOUND.
func (db *DB) FindRequest(ctx context.Context, id string) (*health.Request, error) {
	list, _, err := db.findRequests(ctx, `id = ?`, "id", []any{id}, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tide.NotFound("request")
	}
	return list[0], nil
}

// FindRequests returns a page of requests, oldest first.
func (db *DB) FindRequests(ctx context.Context, f health.RequestFilter) ([]*health.Request, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where, args = where+` AND region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	if len(f.ClinicIDs) > 0 {
		where += ` AND clinic_id IN (` + placeholders(len(f.ClinicIDs)) + `)`
		for _, id := range f.ClinicIDs {
			args = append(args, id)
		}
	}
	if f.Specialist != "" {
		where, args = where+` AND id IN (SELECT request_id FROM consultations WHERE specialist_id = ?)`, append(args, f.Specialist)
	}
	if len(f.States) > 0 {
		where += ` AND state IN (` + placeholders(len(f.States)) + `)`
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	order := "created_at, id"
	if f.Newest {
		order = "created_at DESC, id DESC"
	}
	return db.findRequests(ctx, where, order, args, f.Offset, f.Limit)
}

func (db *DB) findRequests(ctx context.Context, where, order string, args []any, offset, limit int) ([]*health.Request, int, error) {
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM consult_requests WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+requestColumns+` FROM consult_requests WHERE `+where+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*health.Request
	byID := map[string]*health.Request{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, 0, err
		}
		out, byID[r.ID] = append(out, r), r
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, total, err
	}
	for start := 0; start < len(out); start += batchRows {
		chunk := out[start:min(start+batchRows, len(out))]
		ids := make([]any, len(chunk))
		for i, r := range chunk {
			ids[i] = r.ID
		}
		atts, err := db.findAttachments(ctx, `request_id IN (`+placeholders(len(ids))+`)`, ids)
		if err != nil {
			return nil, 0, err
		}
		for _, a := range atts {
			byID[a.RequestID].Attachments = append(byID[a.RequestID].Attachments, a)
		}
	}
	return out, total, nil
}

func (db *DB) findAttachments(ctx context.Context, where string, args []any) ([]*health.Attachment, error) {
	rows, err := db.query(ctx, `SELECT id, request_id, name, content_type, size, created_at FROM consult_attachments WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*health.Attachment
	for rows.Next() {
		var a health.Attachment
		var created int64
		if err := rows.Scan(&a.ID, &a.RequestID, &a.Name, &a.ContentType, &a.Size, &created); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(created)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// AddAttachment adds an attachment to a request still in hand.
func (db *DB) AddAttachment(ctx context.Context, a *health.Attachment, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var state string
		err := tx.queryRow(ctx, `SELECT state FROM consult_requests WHERE id = ?`, a.RequestID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return tide.NotFound("request")
		} else if err != nil {
			return err
		}
		if st := health.RequestState(state); st == health.RequestDone || st == health.RequestCancelled {
			return &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: "a " + strings.ToLower(state) + " request takes no more attachments"}
		}
		if err := tx.insertAttachment(ctx, a); err != nil {
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// FindAttachment returns the attachment with id, or ENOTFOUND.
func (db *DB) FindAttachment(ctx context.Context, id string) (*health.Attachment, error) {
	list, err := db.findAttachments(ctx, `id = ?`, []any{id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tide.NotFound("attachment")
	}
	return list[0], nil
}
