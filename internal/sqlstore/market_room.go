package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// CreateRoom stores a room and its products in order, with its audit entry.
func (db *DB) CreateRoom(ctx context.Context, r *market.Room, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO rooms (`+roomColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.SellerID,
			r.Region, r.Title, r.StreamURL, string(r.Status), micros(r.StartsAt), r.Likes, micros(r.CreatedAt)); err != nil {
			return err
		}
		for i, p := range r.Products {
			if _, err := tx.exec(ctx, `INSERT INTO room_products (room_id, product_id, position) VALUES (?, ?, ?)`,
				r.ID, p, i); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

const roomColumns = `id, seller_id, region, title, stream_url, status, starts_at, likes, created_at`

func scanRoom(sc interface{ Scan(...any) error }) (*market.Room, error) {
	var r market.Room
	var starts, created int64
	err := sc.Scan(&r.ID, &r.SellerID, &r.Region, &r.Title, &r.StreamURL, &r.Status, &starts, &r.Likes, &created)
	r.StartsAt, r.CreatedAt = fromMicros(starts), fromMicros(created)
	return &r, err
}

// FindRoom returns the room with id and its products in order, or ENOTFOUND.
func (db *DB) FindRoom(ctx context.Context, id string) (*market.Room, error) {
	r, err := scanRoom(db.queryRow(ctx, `SELECT `+roomColumns+` FROM rooms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("room")
	} else if err != nil {
		return nil, err
	}
	return r, db.loadRoomProducts(ctx, []*market.Room{r})
}

func (db *DB) loadRoomProducts(ctx context.Context, rs []*market.Room) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*market.Room, len(rs))
	args := make([]any, len(rs))
	for i, r := range rs {
		byID[r.ID], args[i] = r, r.ID
	}
	rows, err := db.query(ctx, `SELECT room_id, product_id FROM room_products WHERE room_id IN (`+placeholders(len(rs))+`)
		ORDER BY room_id, position`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var room, p string
		if err := rows.Scan(&room, &p); err != nil {
			return err
		}
		byID[room].Products = append(byID[room].Products, p)
	}
	return rows.Err()
}

// FindRooms returns the rooms matching f, latest start first, and the total.
func (db *DB) FindRooms(ctx context.Context, f market.RoomFilter) ([]*market.Room, int, error) {
	where, args := "1 = 1", []any{}
	if f.Status != "" {
		where, args = where+" AND status = ?", append(args, string(f.Status))
	}
	if f.SellerID != "" {
		where, args = where+" AND seller_id = ?", append(args, f.SellerID)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM rooms WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+roomColumns+` FROM rooms WHERE `+where+` ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, tide.ClampLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*market.Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, db.loadRoomProducts(ctx, out)
}

// AddLikes adds n likes to a room's count; the live hub sums likes in
// memory and calls it a few times a second, not once a like.
func (db *DB) AddLikes(ctx context.Context, room string, n int64) error {
	if n <= 0 {
		return tide.Invalid("likes", "likes are added in positive numbers")
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE rooms SET likes = likes + ? WHERE id = ?`, n, room)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("room")
		}
		return nil
	})
}

// SetRoomStatus moves a room from one status to another with its audit entry.
func (db *DB) SetRoomStatus(ctx context.Context, id string, from, to market.RoomStatus, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE rooms SET status = ? WHERE id = ? AND status = ?`, string(to), id, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.Errorf(tide.ECONFLICT, "the room is no longer %s", from)
		}
		return tx.appendAudit(ctx, c)
	})
}
