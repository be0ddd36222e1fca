// Package user holds the people who sign in to Tide, their roles and scope,
// their passwords, sessions and API tokens.
package user

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// User is a person or integration account.
type User struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Roles       []tide.Role `json:"roles"`
	Scope       string      `json:"scope"`
	CreatedAt   time.Time   `json:"created_at"`
	// MustChangePassword is set for a one-time password until the person
	// chooses their own.
	MustChangePassword bool `json:"must_change_password"`
	// PasswordHash is never shown.
	PasswordHash string `json:"-"`
	// Contact is the phone number (digits, with its leading +) or e-mail
	// address a public account was opened with; it is never shown.
	Contact string `json:"-"`
	// HomeRegion is the region a member of the public says they live in
	// (empty: not said), for the measure of participation.
	HomeRegion string `json:"home_region,omitempty"`
	// Privacy is what a member of the public lets others see of them.
	Privacy Privacy `json:"privacy"`
}

// Actor returns the user as the actor of a request.
func (u *User) Actor() *tide.Actor {
	return &tide.Actor{UserID: u.ID, Name: u.Name, Roles: u.Roles, Scope: u.Scope, MustChangePassword: u.MustChangePassword}
}

// Limits on names.
const (
	MaxNameLen        = 64
	MaxDisplayNameLen = 100
	MinPasswordLen    = 8
	MaxPasswordLen    = 256
)

// Validate checks a user's own fields.
func (u *User) Validate() error {
	switch {
	case u.Name == "":
		return tide.Invalid("name", "name is required")
	case len(u.Name) > MaxNameLen:
		return tide.Invalid("name", "name is longer than %d characters", MaxNameLen)
	case strings.IndexFunc(u.Name, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')
	}) >= 0:
		return tide.Invalid("name", "name may hold only lower-case letters, digits, '.', '_' and '-'")
	case utf8.RuneCountInString(u.DisplayName) > MaxDisplayNameLen:
		return tide.Invalid("display_name", "display name is longer than %d characters", MaxDisplayNameLen)
	case len(u.Roles) == 0:
		return tide.Invalid("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !tide.ValidRole(r) {
			return tide.Invalid("roles", "unknown role %q", r)
		}
	}
	if u.Scope == "" && !onlyRootRoles(u.Roles) {
		return tide.Invalid("scope", "only administrators and analysts may be scoped to the root; give a region code")
	}
	return nil
}

func onlyRootRoles(roles []tide.Role) bool {
	for _, r := range roles {
		if r != tide.RoleAdmin && r != tide.RoleAnalyst && r != tide.RolePublic {
			return false
		}
	}
	return true
}

// Token is a bearer credential: a browser session or an API token.
type Token struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Kind      string    `json:"kind"` // "session" or "api"
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"` // zero: never
	// Hash is the SHA-256 of the secret; the secret itself is shown once.
	Hash string `json:"-"`
}

// Store persists users and tokens.
type Store interface {
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUserByName(ctx context.Context, name string) (*User, error)
	FindUsers(ctx context.Context, f Filter) ([]*User, int, error)
	CreateUser(ctx context.Context, u *User, c audit.Change) error
	UpdateUser(ctx context.Context, u *User, c audit.Change) error
	CountUsers(ctx context.Context) (int, error)
	// DeleteUser removes a user and their credentials, with the audit entry.
	DeleteUser(ctx context.Context, id int64, c audit.Change) error

	CreateToken(ctx context.Context, t *Token, c *audit.Change) error
	FindTokenByHash(ctx context.Context, hash string) (*Token, error)
	DeleteToken(ctx context.Context, hash string) error
	DeleteExpiredTokens(ctx context.Context, now time.Time) error
}

// Filter selects users.
type Filter struct {
	Prefix string // scope prefix: users whose scope starts with it
	Role   tide.Role
	Offset int
	Limit  int
}
