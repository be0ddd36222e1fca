package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

const commentColumns = `id, room_id, user_id, author, text, created_at`

func scanComment(sc interface{ Scan(...any) error }) (*market.Comment, error) {
	var c market.Comment
	var created int64
	err := sc.Scan(&c.ID, &c.RoomID, &c.UserID, &c.Author, &c.Text, &created)
	c.CreatedAt = fromMicros(created)
	return &c, err
}

// CreateComment stores a comment. Comments are the viewers' chatter, not
// decisions, so only their removal is audited.
func (db *DB) CreateComment(ctx context.Context, c *market.Comment) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO comments (`+commentColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, c.RoomID, c.UserID, c.Author, c.Text, micros(c.CreatedAt))
		return err
	})
}

// FindComment returns the comment with id, or ENOTFOUND.
func (db *DB) FindComment(ctx context.Context, id string) (*market.Comment, error) {
	c, err := scanComment(db.queryRow(ctx, `SELECT `+commentColumns+` FROM comments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("comment")
	}
	return c, err
}

// FindComments returns a room's newest comments, newest first.
func (db *DB) FindComments(ctx context.Context, roomID string, limit int) ([]*market.Comment, error) {
	rows, err := db.query(ctx, `SELECT `+commentColumns+` FROM comments WHERE room_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, roomID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*market.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteComment removes a comment with its audit entry.
func (db *DB) DeleteComment(ctx context.Context, id string, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM comments WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("comment")
		}
		return tx.appendAudit(ctx, c)
	})
}
