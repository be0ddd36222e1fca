package sqlstore

import (
	"context"
	"time"

	"github.com/tide-project/tide/internal/engage"
)

// participationQuery counts, for public accounts whose home region starts
// with a prefix: them, those with an order not cancelled in the period,
// those with a donation paid (or paid and later refunded) in it, those who
// liked a live room, a product or a need in it, those who made a share in
// it, and those with any of these. Below the root, those who hide their
// region are not counted.
const participationQuery = `WITH pub AS (
	SELECT id FROM users WHERE roles = 'public' AND home_region LIKE ? AND (? = '' OR NOT hide_region)
), buy AS (
	SELECT DISTINCT buyer_id AS uid FROM orders
	WHERE created_at >= ? AND created_at < ? AND state <> 'cancelled' AND buyer_id IN (SELECT id FROM pub)
), give AS (
	SELECT DISTINCT donor_id AS uid FROM donations
	WHERE created_at >= ? AND created_at < ? AND state IN ('paid', 'refunded') AND donor_id IN (SELECT id FROM pub)
), liked AS (
	SELECT DISTINCT user_id AS uid FROM likes
	WHERE created_at >= ? AND created_at < ? AND user_id IN (SELECT id FROM pub)
), shared AS (
	SELECT DISTINCT user_id AS uid FROM shares
	WHERE created_at >= ? AND created_at < ? AND user_id IN (SELECT id FROM pub)
)
SELECT (SELECT COUNT(*) FROM pub), (SELECT COUNT(*) FROM buy), (SELECT COUNT(*) FROM give),
	(SELECT COUNT(*) FROM liked), (SELECT COUNT(*) FROM shared),
	(SELECT COUNT(*) FROM (SELECT uid FROM buy UNION SELECT uid FROM give UNION SELECT uid FROM liked
		UNION SELECT uid FROM shared) AS anyone)`

// CountParticipation counts the public's purchases, donations, likes and
// shares over
// [from, to) by home region prefix.
func (db *DB) CountParticipation(ctx context.Context, prefix string, from, to time.Time) (engage.Participation, error) {
	var p engage.Participation
	f, t := micros(from), micros(to)
	err := db.queryRow(ctx, participationQuery, prefix+"%", prefix, f, t, f, t, f, t, f, t).Scan(&p.Public, &p.Purchased, &p.Donated,
		&p.Liked, &p.Shared, &p.Participants)
	p.Finish(prefix, from, to)
	return p, err
}
