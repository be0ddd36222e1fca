package sqlstore

import (
	"context"
	"database/sql"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/connect"
	"github.com/tide-project/tide/internal/geo"
	"github.com/tide-project/tide/internal/tide"
)

// SaveReports stores village reports in one transaction, each replacing a
// report of its village on the same date.
func (db *DB) SaveReports(ctx context.Context, rs []*connect.Report, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.rebind(`INSERT INTO connection_reports
			(village, on_date, fibre, fibre_since, provider, bandwidth, four_g, five_g, wifi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (village, on_date) DO UPDATE SET fibre = excluded.fibre, fibre_since = excluded.fibre_since,
			provider = excluded.provider, bandwidth = excluded.bandwidth, four_g = excluded.four_g,
			five_g = excluded.five_g, wifi = excluded.wifi`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		checked := map[string]bool{}
		for _, r := range rs {
			if !checked[r.Village] {
				if err := tx.mustExist(ctx, tide.Invalid("village", "village %s does not exist", r.Village),
					`SELECT 1 FROM regions WHERE code = ? AND level = 'village'`, r.Village); err != nil {
					return err
				}
				checked[r.Village] = true
			}
			if _, err := stmt.ExecContext(ctx, r.Village, r.On, r.Fibre, r.FibreSince, r.Provider, r.Bandwidth,
				r.FourG, r.FiveG, r.WiFi); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, c)
	})
}

const reportColumns = `village, on_date, fibre, fibre_since, provider, bandwidth, four_g, five_g, wifi`

// FindReports returns a village's reports, oldest first.
func (db *DB) FindReports(ctx context.Context, village string) ([]*connect.Report, error) {
	rows, err := db.query(ctx, `SELECT `+reportColumns+` FROM connection_reports WHERE village = ? ORDER BY on_date`, village)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*connect.Report
	for rows.Next() {
		var r connect.Report
		if err := rows.Scan(&r.Village, &r.On, &r.Fibre, &r.FibreSince, &r.Provider, &r.Bandwidth, &r.FourG, &r.FiveG, &r.WiFi); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// VillageStates returns every village under prefix with its latest report
// on or before day, in order of code.
func (db *DB) VillageStates(ctx context.Context, prefix, day string) ([]connect.VillageState, error) {
	rows, err := db.query(ctx, `SELECT r.code, r.name, c.on_date, c.fibre, c.fibre_since, c.provider, c.bandwidth, c.four_g, c.five_g, c.wifi
		FROM regions r LEFT JOIN connection_reports c ON c.village = r.code
			AND c.on_date = (SELECT MAX(x.on_date) FROM connection_reports x WHERE x.village = r.code AND x.on_date <= ?)
		WHERE r.level = 'village' AND r.code LIKE ? ESCAPE '\'
		ORDER BY r.code`, day, likePrefix(prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connect.VillageState
	for rows.Next() {
		var v connect.VillageState
		var on, since, provider sql.NullString
		var fibre, fourG, fiveG, wifi sql.NullBool
		var bandwidth sql.NullInt64
		if err := rows.Scan(&v.Code, &v.Name, &on, &fibre, &since, &provider, &bandwidth, &fourG, &fiveG, &wifi); err != nil {
			return nil, err
		}
		if on.Valid {
			v.Report = &connect.Report{Village: v.Code, On: on.String, Fibre: fibre.Bool, FibreSince: since.String,
				Provider: provider.String, Bandwidth: int(bandwidth.Int64), FourG: fourG.Bool, FiveG: fiveG.Bool, WiFi: wifi.Bool}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// VillageHistories returns every village under prefix with all its
// reports, in order of code and date.
func (db *DB) VillageHistories(ctx context.Context, prefix string) ([]connect.VillageHistory, error) {
	rows, err := db.query(ctx, `SELECT r.code, r.name, c.on_date, c.fibre, c.fibre_since, c.provider, c.bandwidth, c.four_g, c.five_g, c.wifi
		FROM regions r LEFT JOIN connection_reports c ON c.village = r.code
		WHERE r.level = 'village' AND r.code LIKE ? ESCAPE '\'
		ORDER BY r.code, c.on_date`, likePrefix(prefix))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []connect.VillageHistory
	for rows.Next() {
		var code, name string
		var on, since, provider sql.NullString
		var fibre, fourG, fiveG, wifi sql.NullBool
		var bandwidth sql.NullInt64
		if err := rows.Scan(&code, &name, &on, &fibre, &since, &provider, &bandwidth, &fourG, &fiveG, &wifi); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Code != code {
			out = append(out, connect.VillageHistory{Code: code, Name: name})
		}
		if on.Valid {
			h := &out[len(out)-1]
			h.Reports = append(h.Reports, &connect.Report{Village: code, On: on.String, Fibre: fibre.Bool, FibreSince: since.String,
				Provider: provider.String, Bandwidth: int(bandwidth.Int64), FourG: fourG.Bool, FiveG: fiveG.Bool, WiFi: wifi.Bool})
		}
	}
	return out, rows.Err()
}

// The database is the connect domain's and the boundaries' store.
var (
	_ connect.Store = (*DB)(nil)
	_ geo.Store     = (*DB)(nil)
)
