package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// CreateExit opens an exit case.
func (db *DB) CreateExit(ctx context.Context, e *registry.Exit, householdID int64, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		steps, _ := json.Marshal(e.Steps)
		as, _ := json.Marshal(e.Assessment)
		if err := tx.queryRow(ctx, `INSERT INTO exits (household_id, region, policy, stage, posting_ends, steps, assessment, open)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, householdID, e.Region, e.Policy, e.Stage, micros(e.PostingEnds),
			string(steps), string(as), true).Scan(&e.ID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// AdvanceExit stores an exit's new stage and, with sc, the household's move.
func (db *DB) AdvanceExit(ctx context.Context, e *registry.Exit, h *registry.Household, sc *registry.StatusChange, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		steps, _ := json.Marshal(e.Steps)
		open := e.Stage != registry.StageApproved && e.Stage != registry.StageRejected
		if _, err := tx.exec(ctx, `UPDATE exits SET stage = ?, posting_ends = ?, steps = ?, open = ? WHERE id = ?`,
			e.Stage, micros(e.PostingEnds), string(steps), open, e.ID); err != nil {
			return err
		}
		if err := tx.setStatus(ctx, h, sc); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

const exitColumns = `e.id, h.ref, e.region, e.policy, e.stage, e.posting_ends, e.steps, e.assessment`

func scanExit(sc interface{ Scan(...any) error }) (*registry.Exit, error) {
	var e registry.Exit
	var ends int64
	var steps, as string
	if err := sc.Scan(&e.ID, &e.Household, &e.Region, &e.Policy, &e.Stage, &ends, &steps, &as); err != nil {
		return nil, err
	}
	e.PostingEnds = fromMicros(ends)
	if err := json.Unmarshal([]byte(steps), &e.Steps); err != nil {
		return nil, err
	}
	return &e, json.Unmarshal([]byte(as), &e.Assessment)
}

// FindOpenExit returns the household's exit under way, or ENOTFOUND.
func (db *DB) FindOpenExit(ctx context.Context, householdID int64) (*registry.Exit, error) {
	e, err := scanExit(db.queryRow(ctx, `SELECT `+exitColumns+` FROM exits e JOIN households h ON h.id = e.household_id
		WHERE e.household_id = ? AND e.open = ?`, householdID, true))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("exit")
	}
	return e, err
}

// FindExits lists exits under prefix, open ones or those at stage.
func (db *DB) FindExits(ctx context.Context, prefix string, stage registry.ExitStage, offset, limit int) ([]*registry.Exit, int, error) {
	where, args := `e.region LIKE ? ESCAPE '\'`, []any{likePrefix(prefix)}
	if stage != "" {
		where += " AND e.stage = ?"
		args = append(args, stage)
	} else {
		where += " AND e.open = ?"
		args = append(args, true)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM exits e WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+exitColumns+` FROM exits e JOIN households h ON h.id = e.household_id
		WHERE `+where+` ORDER BY e.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*registry.Exit
	for rows.Next() {
		e, err := scanExit(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// CreateAssistance stores a measure and, with sc, the household's move.
func (db *DB) CreateAssistance(ctx context.Context, a *registry.Assistance, h *registry.Household, sc *registry.StatusChange, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO assistance (household_id, region, kind, description, cost, date, actor, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, h.ID, h.Village, a.Kind, a.Description, a.Cost, a.Date, a.Actor,
			micros(a.CreatedAt)).Scan(&a.ID); err != nil {
			return err
		}
		if err := tx.setStatus(ctx, h, sc); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindAssistance lists a household's measures, oldest first.
func (db *DB) FindAssistance(ctx context.Context, householdID int64) ([]registry.Assistance, error) {
	rows, err := db.query(ctx, `SELECT a.id, h.ref, a.kind, a.description, a.cost, a.date, a.actor, a.created_at
		FROM assistance a JOIN households h ON h.id = a.household_id WHERE a.household_id = ? ORDER BY a.id`, householdID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.Assistance
	for rows.Next() {
		var a registry.Assistance
		var at int64
		if err := rows.Scan(&a.ID, &a.Household, &a.Kind, &a.Description, &a.Cost, &a.Date, &a.Actor, &at); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateCadre stores the household's paired cadre.
func (db *DB) UpdateCadre(ctx context.Context, h *registry.Household, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE households SET cadre_name = ?, cadre_phone = ? WHERE id = ?`,
			h.Cadre.Name, h.Cadre.Phone, h.ID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// CreateWatch opens a monitoring case and, with sc, moves the household.
func (db *DB) CreateWatch(ctx context.Context, w *registry.Watch, h *registry.Household, sc *registry.StatusChange, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		reasons, _ := json.Marshal(w.Reasons)
		steps, _ := json.Marshal(w.Steps)
		if err := tx.queryRow(ctx, `INSERT INTO watches (household_id, region, reasons, stage, steps, opened_at, open)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, h.ID, h.Village, string(reasons), w.Stage, string(steps),
			micros(w.OpenedAt), true).Scan(&w.ID); err != nil {
			return err
		}
		if err := tx.setStatus(ctx, h, sc); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// UpdateWatch stores a case's stage and, with sc, moves the household.
func (db *DB) UpdateWatch(ctx context.Context, w *registry.Watch, h *registry.Household, sc *registry.StatusChange, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		steps, _ := json.Marshal(w.Steps)
		open := w.Stage != registry.WatchCleared && w.Stage != registry.WatchReturned
		if _, err := tx.exec(ctx, `UPDATE watches SET stage = ?, steps = ?, open = ? WHERE id = ?`, w.Stage, string(steps), open, w.ID); err != nil {
			return err
		}
		if err := tx.setStatus(ctx, h, sc); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

const watchColumns = `w.id, h.ref, w.region, w.reasons, w.stage, w.steps, w.opened_at`

func scanWatch(sc interface{ Scan(...any) error }) (*registry.Watch, error) {
	var w registry.Watch
	var reasons, steps string
	var at int64
	if err := sc.Scan(&w.ID, &w.Household, &w.Region, &reasons, &w.Stage, &steps, &at); err != nil {
		return nil, err
	}
	w.OpenedAt = fromMicros(at)
	if err := json.Unmarshal([]byte(reasons), &w.Reasons); err != nil {
		return nil, err
	}
	return &w, json.Unmarshal([]byte(steps), &w.Steps)
}

// FindOpenWatch returns the household's open case, or ENOTFOUND.
func (db *DB) FindOpenWatch(ctx context.Context, householdID int64) (*registry.Watch, error) {
	w, err := scanWatch(db.queryRow(ctx, `SELECT `+watchColumns+` FROM watches w JOIN households h ON h.id = w.household_id
		WHERE w.household_id = ? AND w.open = ?`, householdID, true))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("monitoring case")
	}
	return w, err
}

// FindWatches lists cases under prefix, open ones only when open is true.
func (db *DB) FindWatches(ctx context.Context, prefix string, open bool, offset, limit int) ([]*registry.Watch, int, error) {
	where, args := `w.region LIKE ? ESCAPE '\'`, []any{likePrefix(prefix)}
	if open {
		where += " AND w.open = ?"
		args = append(args, true)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM watches w WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+watchColumns+` FROM watches w JOIN households h ON h.id = w.household_id
		WHERE `+where+` ORDER BY w.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*registry.Watch
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, w)
	}
	return out, total, rows.Err()
}
