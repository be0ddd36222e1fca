package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

const productColumns = `id, seller_id, region, name, unit, description, price, currency, stock, buyer_limit, on_sale,
	photos, created_at, updated_at`

func scanProduct(sc interface{ Scan(...any) error }) (*market.Product, error) {
	var p market.Product
	var photos string
	var created, updated int64
	err := sc.Scan(&p.ID, &p.SellerID, &p.Origin, &p.Name, &p.Unit, &p.Description, &p.Price, &p.Currency, &p.Stock,
		&p.BuyerLimit, &p.OnSale, &photos, &created, &updated)
	p.Photos, p.CreatedAt, p.UpdatedAt = strings.Fields(photos), fromMicros(created), fromMicros(updated)
	return &p, err
}

// CreateProduct stores a product with its audit entry.
func (db *DB) CreateProduct(ctx context.Context, p *market.Product, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "origin", p.Origin); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO products (`+productColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.SellerID, p.Origin, p.Name, p.Unit, p.Description, p.Price, p.Currency, p.Stock, p.BuyerLimit, p.OnSale,
			strings.Join(p.Photos, " "), micros(p.CreatedAt), micros(p.UpdatedAt)); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// UpdateProduct stores everything of a product but its seller, creation and
// photos.
func (db *DB) UpdateProduct(ctx context.Context, p *market.Product, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.checkRegion(ctx, "origin", p.Origin); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE products SET region = ?, name = ?, unit = ?, description = ?, price = ?, currency = ?,
			stock = ?, buyer_limit = ?, on_sale = ?, updated_at = ? WHERE id = ?`, p.Origin, p.Name, p.Unit, p.Description,
			p.Price, p.Currency, p.Stock, p.BuyerLimit, p.OnSale, micros(p.UpdatedAt), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("product")
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindProduct returns the product with id, or ENOTFOUND.
func (db *DB) FindProduct(ctx context.Context, id string) (*market.Product, error) {
	p, err := scanProduct(db.queryRow(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("product")
	}
	return p, err
}

// FindProducts returns the products matching f, newest first, and the total.
func (db *DB) FindProducts(ctx context.Context, f market.ProductFilter) ([]*market.Product, int, error) {
	where, args := "1 = 1", []any{}
	if f.SellerID != "" {
		where += " AND seller_id = ?"
		args = append(args, f.SellerID)
	}
	if f.Prefix != "" {
		where += ` AND region LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Prefix))
	}
	if f.OnSale != nil {
		where += " AND on_sale = ?"
		args = append(args, *f.OnSale)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+productColumns+` FROM products WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, tide.ClampLimit(f.Limit), f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*market.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// productPhotos reads a product's photo list inside tx, locking the row on
// PostgreSQL so that two uploads cannot both append to the same list.
func (tx *Tx) productPhotos(ctx context.Context, productID string) ([]string, error) {
	q := `SELECT photos FROM products WHERE id = ?`
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var photos string
	err := tx.queryRow(ctx, q, productID).Scan(&photos)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("product")
	}
	return strings.Fields(photos), err
}

// AddPhoto records a photo after the product's others, with its audit entry.
func (db *DB) AddPhoto(ctx context.Context, ph *market.Photo, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		photos, err := tx.productPhotos(ctx, ph.ProductID)
		if err != nil {
			return err
		}
		if len(photos) >= market.MaxPhotos {
			return &tide.Error{Code: tide.ECONFLICT, Field: "photo", Message: "the product has as many photos as it may"}
		}
		if _, err := tx.exec(ctx, `INSERT INTO photos (id, product_id, content_type, size, created_at) VALUES (?, ?, ?, ?, ?)`,
			ph.ID, ph.ProductID, ph.ContentType, ph.Size, micros(ph.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE products SET photos = ? WHERE id = ?`,
			strings.Join(append(photos, ph.ID), " "), ph.ProductID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// RemovePhoto forgets a photo of a product with its audit entry.
func (db *DB) RemovePhoto(ctx context.Context, productID, photoID string, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		photos, err := tx.productPhotos(ctx, productID)
		if err != nil {
			return err
		}
		kept := photos[:0]
		for _, p := range photos {
			if p != photoID {
				kept = append(kept, p)
			}
		}
		res, err := tx.exec(ctx, `DELETE FROM photos WHERE id = ? AND product_id = ?`, photoID, productID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("photo")
		}
		if _, err := tx.exec(ctx, `UPDATE products SET photos = ? WHERE id = ?`, strings.Join(kept, " "), productID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindPhoto returns the photo with id, or ENOTFOUND.
func (db *DB) FindPhoto(ctx context.Context, id string) (*market.Photo, error) {
	var ph market.Photo
	var created int64
	err := db.queryRow(ctx, `SELECT id, product_id, content_type, size, created_at FROM photos WHERE id = ?`, id).
		Scan(&ph.ID, &ph.ProductID, &ph.ContentType, &ph.Size, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("photo")
	}
	ph.CreatedAt = fromMicros(created)
	return &ph, err
}
