package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

// itemTable names the table holding each kind of item liked or shared.
var itemTable = map[engage.Item]string{engage.ItemRoom: "rooms", engage.ItemProduct: "products", engage.ItemNeed: "needs"}

func (tx *Tx) checkItem(ctx context.Context, kind engage.Item, id string) error {
	table, ok := itemTable[kind]
	if !ok {
		return tide.Invalid("kind", "unknown kind %q", kind)
	}
	return tx.mustExist(ctx, tide.NotFound(string(kind)), `SELECT 1 FROM `+table+` WHERE id = ?`, id)
}

// Like records a like once; a repeat changes nothing.
func (db *DB) Like(ctx context.Context, kind engage.Item, id string, userID int64, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkItem(ctx, kind, id); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO likes (kind, item_id, user_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, item_id, user_id) DO NOTHING`, string(kind), id, userID, micros(at))
		return err
	})
}

// Unlike removes a like, if there is one.
func (db *DB) Unlike(ctx context.Context, kind engage.Item, id string, userID int64) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM likes WHERE kind = ? AND item_id = ? AND user_id = ?`, string(kind), id, userID)
		return err
	})
}

// CountLikes counts an item's likes and says whether userID is among them.
func (db *DB) CountLikes(ctx context.Context, kind engage.Item, id string, userID int64) (int64, bool, error) {
	var n, mine int64
	err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN user_id = ? THEN 1 ELSE 0 END), 0)
		FROM likes WHERE kind = ? AND item_id = ?`, userID, string(kind), id).Scan(&n, &mine)
	return n, mine > 0, err
}

// CreateShare stores a share after checking its item exists.
func (db *DB) CreateShare(ctx context.Context, sh *engage.Share) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkItem(ctx, sh.Kind, sh.ItemID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO shares (code, kind, item_id, user_id, visits, created_at) VALUES (?, ?, ?, ?, 0, ?)`,
			sh.Code, string(sh.Kind), sh.ItemID, sh.UserID, micros(sh.CreatedAt))
		return err
	})
}

const shareColumns = `s.code, s.kind, s.item_id, s.user_id, s.visits, s.created_at,
	(SELECT COUNT(*) FROM share_orders o WHERE o.code = s.code)`

func scanShare(sc interface{ Scan(...any) error }) (*engage.Share, error) {
	var sh engage.Share
	var created int64
	err := sc.Scan(&sh.Code, &sh.Kind, &sh.ItemID, &sh.UserID, &sh.Visits, &created, &sh.Purchases)
	sh.CreatedAt = fromMicros(created)
	return &sh, err
}

// VisitShare counts a visit, unless the visitor made the share, and returns
// the share; for a product, with the live room selling it that started last.
func (db *DB) VisitShare(ctx context.Context, code string, visitor int64) (*engage.Share, error) {
	var sh *engage.Share
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE shares SET visits = visits + CASE WHEN user_id = ? THEN 0 ELSE 1 END WHERE code = ?`, visitor, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("share")
		}
		if sh, err = scanShare(tx.queryRow(ctx, `SELECT `+shareColumns+` FROM shares s WHERE s.code = ?`, code)); err != nil {
			return err
		}
		if sh.Kind != engage.ItemProduct {
			return nil
		}
		err = tx.queryRow(ctx, `SELECT r.id FROM rooms r JOIN room_products rp ON rp.room_id = r.id
			WHERE rp.product_id = ? AND r.status = 'live' ORDER BY r.starts_at DESC LIMIT 1`, sh.ItemID).Scan(&sh.Room)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return sh, err
}

// FindShares returns a person's shares, newest first.
func (db *DB) FindShares(ctx context.Context, userID int64, limit int) ([]*engage.Share, error) {
	rows, err := db.query(ctx, `SELECT `+shareColumns+` FROM shares s WHERE s.user_id = ?
		ORDER BY s.created_at DESC, s.code LIMIT ?`, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*engage.Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// AttributeOrder records an order against a share unless the buyer made
// it; an order already attributed keeps its first share.
func (db *DB) AttributeOrder(ctx context.Context, orderID, code string, buyer int64, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.mustExist(ctx, tide.NotFound("share"), `SELECT 1 FROM shares WHERE code = ?`, code); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO share_orders (order_id, code, created_at)
			SELECT ?, code, ? FROM shares WHERE code = ? AND user_id <> ?
			ON CONFLICT (order_id) DO NOTHING`, orderID, micros(at), code, buyer)
		return err
	})
}
