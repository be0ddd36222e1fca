package sqlstore

import (
	"context"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/tide"
)

const classColumns = `c.id, c.host, c.region, c.subject, c.teacher, c.starts, c.minutes, c.stream`

// CreateClass stores a remote class with its audit entry.
func (db *DB) CreateClass(ctx context.Context, c *connect.Class, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO classes (id, host, region, subject, teacher, starts, minutes, stream)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Host, c.Region, c.Subject, c.Teacher, micros(c.Starts), c.Minutes, c.Stream); err != nil {
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// FindClass returns a class with its classrooms, or ENOTFOUND.
func (db *DB) FindClass(ctx context.Context, id string) (*connect.Class, error) {
	list, err := db.findClasses(ctx, `c.id = ?`, []any{id}, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tide.NotFound("class")
	}
	return list[0], nil
}

// FindClasses returns the classes f selects in order of their start.
func (db *DB) FindClasses(ctx context.Context, f connect.ClassFilter) ([]*connect.Class, error) {
	where, args := "1 = 1", []any{}
	if f.School != "" {
		where += ` AND (c.host = ? OR c.id IN (SELECT class_id FROM class_rooms WHERE school = ?))`
		args = append(args, f.School, f.School)
	}
	if f.Prefix != "" {
		where, args = where+` AND c.region LIKE ? ESCAPE '\'`, append(args, likePrefix(f.Prefix))
	}
	if !f.From.IsZero() {
		where, args = where+` AND c.starts >= ?`, append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = where+` AND c.starts < ?`, append(args, micros(f.To))
	}
	return db.findClasses(ctx, where, args, f.Limit)
}

func (db *DB) findClasses(ctx context.Context, where string, args []any, limit int) ([]*connect.Class, error) {
	rows, err := db.query(ctx, `SELECT `+classColumns+` FROM classes c WHERE `+where+` ORDER BY c.starts, c.id LIMIT ?`,
		append(args, tide.ClampLimit(limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*connect.Class
	byID := map[string]*connect.Class{}
	for rows.Next() {
		var c connect.Class
		var starts int64
		if err := rows.Scan(&c.ID, &c.Host, &c.Region, &c.Subject, &c.Teacher, &starts, &c.Minutes, &c.Stream); err != nil {
			return nil, err
		}
		c.Starts, c.Classrooms = fromMicros(starts), []connect.Classroom{}
		out = append(out, &c)
		byID[c.ID] = &c
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	return out, db.fillClassrooms(ctx, out, byID)
}

func (db *DB) fillClassrooms(ctx context.Context, list []*connect.Class, byID map[string]*connect.Class) error {
	ids := make([]any, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	rows, err := db.query(ctx, `SELECT r.class_id, r.school, s.name, r.attended FROM class_rooms r
		JOIN schools s ON s.code = r.school WHERE r.class_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY r.class_id, r.school`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var r connect.Classroom
		if err := rows.Scan(&id, &r.School, &r.Name, &r.Attended); err != nil {
			return err
		}
		byID[id].Classrooms = append(byID[id].Classrooms, r)
	}
	return rows.Err()
}

// JoinClass adds a school's classroom to a class.
func (db *DB) JoinClass(ctx context.Context, id, school string, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, tide.NotFound("class"), `SELECT 1 FROM classes WHERE id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO class_rooms (class_id, school, attended) VALUES (?, ?, -1)`, id, school); err != nil {
			if tide.ErrorCode(mapError(err)) == tide.ECONFLICT {
				return &tide.Error{Code: tide.ECONFLICT, Field: "school", Message: "school " + school + " has joined the class already"}
			}
			return err
		}
		return tx.appendAudit(ctx, ch)
	})
}

// RecordAttendance sets a joined classroom's attendance.
func (db *DB) RecordAttendance(ctx context.Context, id, school string, pupils int, ch audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE class_rooms SET attended = ? WHERE class_id = ? AND school = ?`, pupils, id, school)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.Invalid("school", "school %s has not joined the class", school)
		}
		return tx.appendAudit(ctx, ch)
	})
}
