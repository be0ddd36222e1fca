package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/geo"
)

// SaveBoundaries replaces the boundaries of the regions given in one
// transaction, after checking each region exists.
func (db *DB) SaveBoundaries(ctx context.Context, bs []*geo.Boundary, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		for _, b := range bs {
			if err := tx.checkRegion(ctx, "code", b.Region); err != nil {
				return err
			}
			polys, err := json.Marshal(b.Polygons)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO region_boundaries (region, polygons, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (region) DO UPDATE SET polygons = excluded.polygons, updated_at = excluded.updated_at`,
				b.Region, string(polys), micros(tx.now)); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

// FindBoundaries returns the boundaries of the regions among codes that
// have one, in order of code.
func (db *DB) FindBoundaries(ctx context.Context, codes []string) ([]*geo.Boundary, error) {
	var out []*geo.Boundary
	for len(codes) > 0 {
		n := min(len(codes), 500)
		args := make([]any, n)
		for i, c := range codes[:n] {
			args[i] = c
		}
		rows, err := db.query(ctx, `SELECT region, polygons FROM region_boundaries WHERE region IN (?`+
			strings.Repeat(", ?", n-1)+`) ORDER BY region`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var b geo.Boundary
			var polys string
			if err := rows.Scan(&b.Region, &polys); err != nil {
				rows.Close()
				return nil, err
			}
			if err := json.Unmarshal([]byte(polys), &b.Polygons); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, &b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		codes = codes[n:]
	}
	return out, nil
}
