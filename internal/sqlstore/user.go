package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func toLower(s string) string { return strings.ToLower(s) }

const userColumns = `id, name, display_name, roles, scope, password_hash, must_change, created_at, contact, home_region,
	show_name, hide_region`

func scanUser(sc interface{ Scan(...any) error }) (*user.User, error) {
	var u user.User
	var roles string
	var created int64
	var contact sql.NullString
	if err := sc.Scan(&u.ID, &u.Name, &u.DisplayName, &roles, &u.Scope, &u.PasswordHash, &u.MustChangePassword, &created,
		&contact, &u.HomeRegion, &u.Privacy.ShowName, &u.Privacy.HideRegion); err != nil {
		return nil, err
	}
	u.Contact = contact.String
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, tide.Role(r))
		}
	}
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

func joinRoles(rs []tide.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (*user.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("user")
	}
	return u, err
}

// FindUserByID returns the user with id, or ENOTFOUND.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*user.User, error) {
	return db.findUser(ctx, "id = ?", id)
}

// FindUserByName returns the user named name, or ENOTFOUND.
func (db *DB) FindUserByName(ctx context.Context, name string) (*user.User, error) {
	return db.findUser(ctx, "name = ?", name)
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// FindUsers returns users matching f ordered by name, and the total.
func (db *DB) FindUsers(ctx context.Context, f user.Filter) ([]*user.User, int, error) {
	where, args := "1 = 1", []any{}
	if f.Prefix != "" {
		where += ` AND scope LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Prefix))
	}
	if f.Role != "" {
		where += ` AND (',' || roles || ',') LIKE ?`
		args = append(args, "%,"+string(f.Role)+",%")
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+` ORDER BY name LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*user.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// CreateUser inserts u, setting its ID, with its audit entry.
func (db *DB) CreateUser(ctx context.Context, u *user.User, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `INSERT INTO users (name, display_name, roles, scope, password_hash, must_change, created_at, contact, home_region,
			show_name, hide_region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Name, u.DisplayName, joinRoles(u.Roles), u.Scope, u.PasswordHash, u.MustChangePassword, micros(u.CreatedAt),
			sql.NullString{String: u.Contact, Valid: u.Contact != ""}, u.HomeRegion, u.Privacy.ShowName, u.Privacy.HideRegion).Scan(&u.ID)
		if err != nil {
			return err
		}
		return tx.appendAudit(ctx, c)
	})
}

// DeleteUser removes a user with its audit entry; the user's tokens go with
// it, and sellers it ran are left without an account.
func (db *DB) DeleteUser(ctx context.Context, id int64, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("user")
		}
		return tx.appendAudit(ctx, c)
	})
}

// UpdateUser stores u's mutable fields with its audit entry.
func (db *DB) UpdateUser(ctx context.Context, u *user.User, c audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET display_name = ?, roles = ?, scope = ?, password_hash = ?, must_change = ?,
			show_name = ?, hide_region = ? WHERE id = ?`,
			u.DisplayName, joinRoles(u.Roles), u.Scope, u.PasswordHash, u.MustChangePassword, u.Privacy.ShowName, u.Privacy.HideRegion, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tide.NotFound("user")
		}
		return tx.appendAudit(ctx, c)
	})
}

// CreateToken stores t (by hash), with an audit entry when c is given.
func (db *DB) CreateToken(ctx context.Context, t *user.Token, c *audit.Change) error {
	return db.inTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `INSERT INTO tokens (user_id, kind, label, hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			t.UserID, t.Kind, t.Label, t.Hash, micros(t.CreatedAt), micros(t.ExpiresAt)).Scan(&t.ID)
		if err != nil || c == nil {
			return err
		}
		return tx.appendAudit(ctx, *c)
	})
}

// FindTokenByHash returns the token with hash, or ENOTFOUND.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*user.Token, error) {
	var t user.Token
	var created, expires int64
	err := db.queryRow(ctx, `SELECT id, user_id, kind, label, hash, created_at, expires_at FROM tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.UserID, &t.Kind, &t.Label, &t.Hash, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tide.NotFound("token")
	} else if err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &t, nil
}

// DeleteToken removes the token with hash; removing a missing one is no error.
func (db *DB) DeleteToken(ctx context.Context, hash string) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM tokens WHERE hash = ?`), hash)
	return err
}

// DeleteExpiredTokens removes sessions that have ended.
func (db *DB) DeleteExpiredTokens(ctx context.Context, now time.Time) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM tokens WHERE expires_at > 0 AND expires_at < ?`), micros(now))
	return err
}
