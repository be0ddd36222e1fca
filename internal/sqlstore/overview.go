package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/tide-project/tide/internal/overview"
)

// The overview's figures that the registry, the market and the needs hold,
// each read in one pass over a region's rows and counted by year and child
// region in Go, so one query answers the region and its whole map.

// poorStatus reports whether a status counts in the poverty headcount.
func poorStatus(s string) bool { return s == "identified" || s == "assisted" || s == "returned" }

// householdTimeline is a household and its status changes.
type householdTimeline struct {
	region   string
	persons  int
	created  int64
	status   string
	changes  []int64 // at, in microseconds
	from, to []string
}

// sortChanges puts the changes in time order, keeping the order of
// changes at the same moment.
func (h *householdTimeline) sortChanges() {
	idx := make([]int, len(h.changes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(h.changes[a], h.changes[b]) })
	at, from, to := make([]int64, len(idx)), make([]string, len(idx)), make([]string, len(idx))
	for i, k := range idx {
		at[i], from[i], to[i] = h.changes[k], h.from[k], h.to[k]
	}
	h.changes, h.from, h.to = at, from, to
}

// PoorPersonsFigure counts the persons of households registered poor at
// the end of each year: registered by then and, as their status history
// says, not exited or monitored at that moment.
func (db *DB) PoorPersonsFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	type household struct {
		region   string
		persons  int
		created  int64
		status   string
		changes  []int64 // at
		from, to []string
	}
	rows, err := db.query(ctx, `SELECT id, region, persons, created_at, status FROM households WHERE region LIKE ? ESCAPE '\'`, likePrefix(q.Region))
	if err != nil {
		return nil, err
	}
	byID := map[int64]*householdTimeline{}
	for rows.Next() {
		var id int64
		h := &householdTimeline{}
		if err := rows.Scan(&id, &h.region, &h.persons, &h.created, &h.status); err != nil {
			rows.Close()
			return nil, err
		}
		byID[id] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Rows come in the table's order, which is mostly their time order;
	// each household's few changes are put in time order below, which
	// costs less than having the database sort them all.
	rows, err = db.query(ctx, `SELECT household_id, from_status, to_status, at FROM status_history
		WHERE region LIKE ? ESCAPE '\'`, likePrefix(q.Region))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, at int64
		var from, to string
		if err := rows.Scan(&id, &from, &to, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if h := byID[id]; h != nil {
			h.changes, h.from, h.to = append(h.changes, at), append(h.from, from), append(h.to, to)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	last := len(q.Years) - 1
	for _, h := range byID {
		if !slices.IsSorted(h.changes) {
			h.sortChanges()
		}
		child := q.Child(h.region)
		for i := range q.Years {
			end := micros(q.End(i))
			if h.created >= end {
				continue
			}
			st := h.status
			for j, at := range h.changes {
				if at >= end {
					st = h.from[j]
					break
				}
				st = h.to[j]
			}
			if !poorStatus(st) {
				continue
			}
			s.Values[i] += float64(h.persons)
			if i == last && child >= 0 {
				s.Children[child] += float64(h.persons)
			}
		}
	}
	return s, nil
}

// countByYear adds each row's amount (region, at in microseconds or a year,
// amount) to its year and, in the last year, to its child region.
func countByYear(q overview.Query, s *overview.Series, rows *sql.Rows, yearColumn bool) error {
	defer rows.Close()
	last := len(q.Years) - 1
	for rows.Next() {
		var region string
		var at, amount int64
		if err := rows.Scan(&region, &at, &amount); err != nil {
			return err
		}
		i := -1
		if yearColumn {
			for k, y := range q.Years {
				if int64(y) == at {
					i = k
				}
			}
		} else {
			i = q.Year(fromMicros(at))
		}
		if i < 0 {
			continue
		}
		s.Values[i] += float64(amount)
		if c := q.Child(region); i == last && c >= 0 {
			s.Children[c] += float64(amount)
		}
	}
	return rows.Err()
}

// ExitsFigure counts the households that exited poverty in each year.
func (db *DB) ExitsFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	rows, err := db.query(ctx, `SELECT region, at, 1 FROM status_history
		WHERE to_status = 'exited' AND region LIKE ? ESCAPE '\' AND at >= ?`, likePrefix(q.Region), micros(q.Start()))
	if err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	return s, countByYear(q, s, rows, false)
}

// MonitoringFigure counts the return-to-poverty cases opened in each year,
// and, as its current value, the households on the monitoring list today.
func (db *DB) MonitoringFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	rows, err := db.query(ctx, `SELECT region, opened_at, 1 FROM watches WHERE region LIKE ? ESCAPE '\' AND opened_at >= ?`,
		likePrefix(q.Region), micros(q.Start()))
	if err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	if err := countByYear(q, s, rows, false); err != nil {
		return nil, err
	}
	rows, err = db.query(ctx, `SELECT region, COUNT(*) FROM watches WHERE open = ? AND region LIKE ? ESCAPE '\' GROUP BY region`,
		true, likePrefix(q.Region))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	open := 0.0
	for i := range s.Children {
		s.Children[i] = 0
	}
	for rows.Next() {
		var region string
		var n float64
		if err := rows.Scan(&region, &n); err != nil {
			return nil, err
		}
		open += n
		if c := q.Child(region); c >= 0 {
			s.Children[c] += n
		}
	}
	s.Current = &open
	return s, rows.Err()
}

// MarketIncomeFigure sums the market income credited to registered
// households in each year, in minor units.
func (db *DB) MarketIncomeFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	rows, err := db.query(ctx, `SELECT h.region, i.year, SUM(i.amount) FROM household_market_income i
		JOIN households h ON h.id = i.household_id WHERE h.region LIKE ? ESCAPE '\' AND i.year >= ?
		GROUP BY h.region, i.year`, likePrefix(q.Region), q.Years[0])
	if err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	return s, countByYear(q, s, rows, true)
}

// DonationsFigure sums the donations paid in each year to needs in the
// region, in minor units; refunded ones are not counted.
func (db *DB) DonationsFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	rows, err := db.query(ctx, `SELECT n.region, d.created_at, d.amount FROM donations d JOIN needs n ON n.id = d.need_id
		WHERE d.state = 'paid' AND n.region LIKE ? ESCAPE '\' AND d.created_at >= ?`, likePrefix(q.Region), micros(q.Start()))
	if err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	return s, countByYear(q, s, rows, false)
}

// ConsultationsFigure counts the remote consultations of the region's
// clinics in each year: booked, not withdrawn, and begun by the period's
// end. Consultations start at whole seconds.
func (db *DB) ConsultationsFigure(ctx context.Context, q overview.Query) (*overview.Series, error) {
	rows, err := db.query(ctx, `SELECT r.region, c.starts_at * 1000000, 1 FROM consultations c
		JOIN consult_requests r ON r.id = c.request_id
		WHERE r.state <> 'cancelled' AND r.region LIKE ? ESCAPE '\' AND c.starts_at >= ?`, likePrefix(q.Region), q.Start().Unix())
	if err != nil {
		return nil, err
	}
	s := overview.NewSeries(q)
	return s, countByYear(q, s, rows, false)
}
