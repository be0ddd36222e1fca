package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/registry"
)

var _ registry.BatchStore = (*DB)(nil)

// batchRows is how many rows one statement of a batch write carries; at 8 to
// 15 values a row it stays far below either engine's parameter limit.
const batchRows = 250

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FindHouseholdsByRef returns the households with the given refs that exist,
// with their members when members is set.
func (db *DB) FindHouseholdsByRef(ctx context.Context, refs []string, members bool) ([]*registry.Household, error) {
	var out []*registry.Household
	for start := 0; start < len(refs); start += batchRows {
		chunk := refs[start:min(start+batchRows, len(refs))]
		args := make([]any, len(chunk))
		for i, r := range chunk {
			args[i] = r
		}
		rows, err := db.query(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE ref IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			h, err := scanHousehold(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if !members {
		return out, nil
	}
	for start := 0; start < len(out); start += batchRows {
		if err := db.loadMembers(ctx, out[start:min(start+batchRows, len(out))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ScanHouseholds returns a page of households under prefix with status, in
// region then ID order, after (afterRegion, afterID). The status and region
// index serves both the range and the order.
func (db *DB) ScanHouseholds(ctx context.Context, prefix string, status registry.Status, afterRegion string, afterID int64, limit int) ([]*registry.Household, error) {
	where, args := "status = ? AND region >= ?", []any{status, max(prefix, afterRegion)}
	if prefix != "" {
		where += " AND region < ?"
		args = append(args, prefixEnd(prefix))
	}
	rows, err := db.query(ctx, `SELECT `+db.householdColumns()+` FROM households WHERE `+where+
		` AND (region > ? OR id > ?) ORDER BY region, id LIMIT ?`, append(args, afterRegion, afterID, limit)...)
	if err != nil {
		return nil, err
	}
	var out []*registry.Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadMembers(ctx, out)
}

// rowWithID scans a row's last column into id, after the columns a scan
// function of its own reads.
type rowWithID struct {
	rows *sql.Rows
	id   *int64
}

func (r rowWithID) Scan(dest ...any) error { return r.rows.Scan(append(dest, r.id)...) }

// FindOpenExits returns the exits under way of the given households.
func (db *DB) FindOpenExits(ctx context.Context, householdIDs []int64) (map[int64]*registry.Exit, error) {
	return findOpen(ctx, db, householdIDs, `SELECT `+exitColumns+`, e.household_id FROM exits e JOIN households h ON h.id = e.household_id
			WHERE e.household_id IN (%s) AND e.open = ?`, scanExit)
}

// findOpen reads, in chunks of household IDs, the open cases a query
// selects (its IN list as %s, then the open flag), each row ending in its
// household's ID, into a map by household.
func findOpen[T any](ctx context.Context, db *DB, householdIDs []int64, query string, scan func(interface{ Scan(...any) error }) (T, error)) (map[int64]T, error) {
	out := make(map[int64]T, len(householdIDs))
	for start := 0; start < len(householdIDs); start += batchRows {
		chunk := householdIDs[start:min(start+batchRows, len(householdIDs))]
		args := make([]any, 0, len(chunk)+1)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := db.query(ctx, fmt.Sprintf(query, placeholders(len(chunk))), append(args, true)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var hid int64
			v, err := scan(rowWithID{rows, &hid})
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[hid] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateAssistances stores measures and the status moves they cause. The
// rows' values are made before the transaction, which holds the writer.
func (db *DB) CreateAssistances(ctx context.Context, as []*registry.Assistance, hs []*registry.Household, scs []*registry.StatusChange, changes []audit.Change) error {
	rows := make([][]any, 0, len(as)/batchRows+1)
	for start := 0; start < len(as); start += batchRows {
		end := min(start+batchRows, len(as))
		args := make([]any, 0, (end-start)*8)
		for i := start; i < end; i++ {
			a, h := as[i], hs[i]
			args = append(args, h.ID, h.Village, a.Kind, a.Description, a.Cost, a.Date, a.Actor, micros(a.CreatedAt))
		}
		rows = append(rows, args)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		ins := newBulkInsert(tx, `INSERT INTO assistance (household_id, region, kind, description, cost, date, actor, created_at) VALUES `, 8, "")
		defer ins.close()
		for _, args := range rows {
			if err := ins.exec(ctx, len(args)/8, args); err != nil {
				return err
			}
		}
		if err := tx.setStatuses(ctx, hs, scs); err != nil {
			return err
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// CreateExits stores exit cases, setting their IDs, and the status moves.
// The rows' values, JSON included, are made before the transaction.
func (db *DB) CreateExits(ctx context.Context, es []*registry.Exit, hs []*registry.Household, scs []*registry.StatusChange, changes []audit.Change) error {
	rows := make([][]any, 0, len(es)/batchRows+1)
	for start := 0; start < len(es); start += batchRows {
		end := min(start+batchRows, len(es))
		args := make([]any, 0, (end-start)*8)
		for i := start; i < end; i++ {
			e, h := es[i], hs[i]
			steps, err := json.Marshal(e.Steps)
			if err != nil {
				return err
			}
			as, err := json.Marshal(e.Assessment)
			if err != nil {
				return err
			}
			open := e.Stage != registry.StageApproved && e.Stage != registry.StageRejected
			args = append(args, h.ID, e.Region, e.Policy, e.Stage, micros(e.PostingEnds), string(steps), string(as), open)
		}
		rows = append(rows, args)
	}
	byHousehold := make(map[int64]*registry.Exit, len(es))
	for i, e := range es {
		byHousehold[hs[i].ID] = e
	}
	return db.inTx(ctx, func(tx *Tx) error {
		ins := newBulkInsert(tx, `INSERT INTO exits (household_id, region, policy, stage, posting_ends, steps, assessment, open) VALUES `,
			8, ` RETURNING id, household_id`)
		defer ins.close()
		for _, args := range rows {
			err := ins.returning(ctx, len(args)/8, args, func(rows *sql.Rows) error {
				var id, hid int64
				if err := rows.Scan(&id, &hid); err != nil {
					return err
				}
				if e := byHousehold[hid]; e != nil {
					e.ID = id
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		for i, e := range es {
			if e.ID == 0 {
				return fmt.Errorf("exit of household %s got no ID", hs[i].Ref)
			}
		}
		if scs != nil {
			if err := tx.setStatuses(ctx, hs, scs); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// AdvanceExits stores the exits' new stages and steps and the status moves,
// one UPDATE … FROM (VALUES …) per chunk; VALUES columns are named column1,
// column2 … on both engines, and the casts give PostgreSQL their types.
func (db *DB) AdvanceExits(ctx context.Context, es []*registry.Exit, hs []*registry.Household, scs []*registry.StatusChange, changes []audit.Change) error {
	row := "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BOOLEAN))"
	rows := make([][]any, 0, len(es)/batchRows+1)
	for start := 0; start < len(es); start += batchRows {
		end := min(start+batchRows, len(es))
		args := make([]any, 0, (end-start)*5)
		for _, e := range es[start:end] {
			steps, err := json.Marshal(e.Steps)
			if err != nil {
				return err
			}
			open := e.Stage != registry.StageApproved && e.Stage != registry.StageRejected
			args = append(args, e.ID, string(e.Stage), micros(e.PostingEnds), string(steps), open)
		}
		rows = append(rows, args)
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, args := range rows {
			q := `UPDATE exits SET stage = v.column2, posting_ends = v.column3, steps = v.column4, open = v.column5
				FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(args)/5), ", ") + `) AS v WHERE exits.id = v.column1`
			if _, err := tx.exec(ctx, q, args...); err != nil {
				return err
			}
		}
		if err := tx.setStatuses(ctx, hs, scs); err != nil {
			return err
		}
		return tx.appendAudit(ctx, changes...)
	})
}

// setStatuses moves households with their history entries, as setStatus does
// one, in a few statements: one UPDATE for each group of households moved to
// the same status at the same time, and multi-row history inserts. scs[i]
// moves hs[i]; nil entries are skipped.
func (tx *Tx) setStatuses(ctx context.Context, hs []*registry.Household, scs []*registry.StatusChange) error {
	type move struct {
		to registry.Status
		at time.Time
	}
	groups := map[move][]any{}
	var order []move
	hist := newBulkInsert(tx, `INSERT INTO status_history (household_id, region, from_status, to_status, reason, actor, at) VALUES `, 7, "")
	defer hist.close()
	args := make([]any, 0, batchRows*7)
	n := 0
	for i, sc := range scs {
		if sc == nil {
			continue
		}
		h := hs[i]
		k := move{sc.To, sc.At}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], h.ID)
		args = append(args, h.ID, h.Village, sc.From, sc.To, sc.Reason, sc.Actor, micros(sc.At))
		if n++; n == batchRows {
			if err := hist.exec(ctx, n, args); err != nil {
				return err
			}
			n, args = 0, args[:0]
		}
	}
	if n > 0 {
		if err := hist.exec(ctx, n, args); err != nil {
			return err
		}
	}
	for _, k := range order {
		ids := groups[k]
		for start := 0; start < len(ids); start += batchRows {
			chunk := ids[start:min(start+batchRows, len(ids))]
			q := `UPDATE households SET status = ?, updated_at = ? WHERE id IN (` + placeholders(len(chunk)) + `)`
			if _, err := tx.exec(ctx, q, append([]any{k.to, micros(k.at)}, chunk...)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// FindOpenWatches returns the open monitoring cases of the given households.
func (db *DB) FindOpenWatches(ctx context.Context, householdIDs []int64) (map[int64]*registry.Watch, error) {
	return findOpen(ctx, db, householdIDs, `SELECT `+watchColumns+`, w.household_id FROM watches w JOIN households h ON h.id = w.household_id
			WHERE w.household_id IN (%s) AND w.open = ?`, scanWatch)
}

// CreateWatches opens monitoring cases, setting their IDs, and moves the
// households. The rows' values are made before the transaction.
func (db *DB) CreateWatches(ctx context.Context, ws []*registry.Watch, hs []*registry.Household, scs []*registry.StatusChange, changes []audit.Change) error {
	rows := make([][]any, 0, len(ws)/batchRows+1)
	for start := 0; start < len(ws); start += batchRows {
		end := min(start+batchRows, len(ws))
		args := make([]any, 0, (end-start)*7)
		for i := start; i < end; i++ {
			w, h := ws[i], hs[i]
			reasons, err := json.Marshal(w.Reasons)
			if err != nil {
				return err
			}
			steps, err := json.Marshal(w.Steps)
			if err != nil {
				return err
			}
			args = append(args, h.ID, h.Village, string(reasons), w.Stage, string(steps), micros(w.OpenedAt), true)
		}
		rows = append(rows, args)
	}
	byHousehold := make(map[int64]*registry.Watch, len(ws))
	for i, w := range ws {
		byHousehold[hs[i].ID] = w
	}
	return db.inTx(ctx, func(tx *Tx) error {
		ins := newBulkInsert(tx, `INSERT INTO watches (household_id, region, reasons, stage, steps, opened_at, open) VALUES `,
			7, ` RETURNING id, household_id`)
		defer ins.close()
		for _, args := range rows {
			err := ins.returning(ctx, len(args)/7, args, func(rows *sql.Rows) error {
				var id, hid int64
				if err := rows.Scan(&id, &hid); err != nil {
					return err
				}
				if w := byHousehold[hid]; w != nil {
					w.ID = id
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if err := tx.setStatuses(ctx, hs, scs); err != nil {
			return err
		}
		return tx.appendAudit(ctx, changes...)
	})
}
