package user

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Session and token lifetimes.
const (
	SessionTTL = 12 * time.Hour
	// Throttling: after MaxFailures failed logins for one name within
	// FailureWindow, further attempts are refused until the window passes.
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
)

// Service applies the access rules to users and credentials.
type Service struct {
	store Store
	now   func() time.Time
	// Sender delivers the one-time codes of public sign-up; nil refuses
	// sign-up.
	Sender Sender
	codes  codes
	auth   *authCache

	mu       sync.Mutex
	failures map[string][]time.Time
}

// NewService returns a user service over store.
func NewService(s Store) *Service {
	return &Service{store: s, now: time.Now, auth: newAuthCache(), failures: map[string][]time.Time{}}
}

// NewUser is the input to Create.
type NewUser struct {
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Password    string      `json:"password"`
	Roles       []tide.Role `json:"roles"`
	Scope       string      `json:"scope"`
	// HomeRegion is where a member of the public lives, if they say.
	HomeRegion string `json:"home_region,omitempty"`
}

// Create adds a user. Only an administrator may, and only within their scope.
func (s *Service) Create(ctx context.Context, in NewUser) (*User, error) {
	a := tide.ActorFrom(ctx)
	if !a.Has(tide.RoleAdmin) {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only an administrator may add users")
	}
	u := &User{Name: strings.TrimSpace(in.Name), DisplayName: strings.TrimSpace(in.DisplayName),
		Roles: in.Roles, Scope: strings.TrimSpace(in.Scope), HomeRegion: strings.TrimSpace(in.HomeRegion), CreatedAt: s.now().UTC()}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if !a.Sees(u.Scope) {
		return nil, tide.Invalid("scope", "scope %q is outside your own", u.Scope)
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	var err error
	if u.PasswordHash, err = HashPassword(in.Password); err != nil {
		return nil, err
	}
	c := audit.Change{Actor: a.Name, Action: "create", Entity: "user", EntityID: u.Name, After: u}
	if err := s.store.CreateUser(ctx, u, c); tide.ErrorCode(err) == tide.ECONFLICT {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "name", Message: "a user named " + u.Name + " already exists"}
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

func checkPassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return tide.Invalid("password", "password must have at least %d characters", MinPasswordLen)
	} else if len(pw) > MaxPasswordLen {
		return tide.Invalid("password", "password is longer than %d characters", MaxPasswordLen)
	}
	return nil
}

// SetPassword changes a user's password; an administrator may change any
// user's in their scope, anyone may change their own.
func (s *Service) SetPassword(ctx context.Context, name, pw string) error {
	a := tide.ActorFrom(ctx)
	u, err := s.store.FindUserByName(ctx, name)
	if err != nil {
		return err
	}
	if a == nil || (a.UserID != u.ID && !(a.Has(tide.RoleAdmin) && a.Sees(u.Scope))) {
		return tide.NotFound("user")
	}
	if err := checkPassword(pw); err != nil {
		return err
	}
	if u.PasswordHash, err = HashPassword(pw); err != nil {
		return err
	}
	// A password set by someone else is one-time: its owner must replace it.
	u.MustChangePassword = a.UserID != u.ID
	err = s.store.UpdateUser(ctx, u, audit.Change{Actor: a.Name, Action: "set_password", Entity: "user", EntityID: u.Name})
	s.auth.dropUser(u.ID)
	return err
}

// List returns the users whose scope lies inside the caller's; administrators only.
func (s *Service) List(ctx context.Context, f Filter) ([]*User, int, error) {
	a := tide.ActorFrom(ctx)
	if !a.Has(tide.RoleAdmin) {
		return nil, 0, tide.Errorf(tide.EFORBIDDEN, "only an administrator may list users")
	}
	if !strings.HasPrefix(f.Prefix, a.Scope) {
		f.Prefix = a.Scope
	}
	f.Limit = tide.ClampLimit(f.Limit)
	return s.store.FindUsers(ctx, f)
}

// Bootstrap creates the first administrator when there are no users and
// returns its one-time password; it returns "" when users exist already.
func (s *Service) Bootstrap(ctx context.Context) (string, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	pw := RandomPassword()
	ctx = tide.WithActor(ctx, tide.System)
	u, err := s.Create(ctx, NewUser{Name: "admin", DisplayName: "Administrator", Password: pw,
		Roles: []tide.Role{tide.RoleAdmin}})
	if err != nil {
		return "", err
	}
	u.MustChangePassword = true
	return pw, s.store.UpdateUser(ctx, u, audit.Change{Actor: tide.System.Name, Action: "one_time_password", Entity: "user", EntityID: u.Name})
}

// Login checks a name and password and opens a credential of the given kind
// ("session" for browsers, "api" for integrations). It returns the secret,
// which is shown once and stored only as a hash.
func (s *Service) Login(ctx context.Context, name, password, kind string) (string, *User, error) {
	name = strings.TrimSpace(name)
	if s.throttled(name) {
		return "", nil, tide.Errorf(tide.ETOOMANY, "too many failed attempts; try again in a few minutes")
	}
	u, err := s.store.FindUserByName(ctx, name)
	if tide.ErrorCode(err) == tide.ENOTFOUND || len(password) > MaxPasswordLen || (err == nil && !CheckPassword(u.PasswordHash, password)) {
		s.fail(name)
		return "", nil, tide.Errorf(tide.EUNAUTHORIZED, "wrong name or password")
	} else if err != nil {
		return "", nil, err
	}
	s.clearFailures(name)
	secret, err := s.issue(ctx, u, kind, "login", nil)
	return secret, u, err
}

// CreateAPIToken issues a long-lived token for the caller, for integrations.
func (s *Service) CreateAPIToken(ctx context.Context, label string) (string, error) {
	a := tide.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return "", tide.Errorf(tide.EUNAUTHORIZED, "sign in to create a token")
	}
	u, err := s.store.FindUserByID(ctx, a.UserID)
	if err != nil {
		return "", err
	}
	if len(label) > 100 {
		return "", tide.Invalid("label", "label is longer than 100 characters")
	}
	c := &audit.Change{Actor: a.Name, Action: "create", Entity: "token", EntityID: u.Name, After: map[string]string{"label": label}}
	return s.issue(ctx, u, "api", label, c)
}

// IssueToken creates an API token for the named user without a password; it
// is for the command line, run by whoever holds the database.
func (s *Service) IssueToken(ctx context.Context, name, label string) (string, error) {
	u, err := s.store.FindUserByName(ctx, name)
	if err != nil {
		return "", err
	}
	c := &audit.Change{Actor: tide.System.Name, Action: "create", Entity: "token", EntityID: u.Name, After: map[string]string{"label": label}}
	return s.issue(ctx, u, "api", label, c)
}

func (s *Service) issue(ctx context.Context, u *User, kind, label string, c *audit.Change) (string, error) {
	secret := RandomSecret(32)
	t := &Token{UserID: u.ID, Kind: kind, Label: label, CreatedAt: s.now().UTC(), Hash: hashSecret(secret)}
	if kind == "session" {
		t.ExpiresAt = t.CreatedAt.Add(SessionTTL)
	}
	return secret, s.store.CreateToken(ctx, t, c)
}

// Authenticate returns the user a secret belongs to, or EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, secret string) (*User, error) {
	u, _, err := s.authenticate(ctx, secret)
	return u, err
}

func (s *Service) authenticate(ctx context.Context, secret string) (*User, *Token, error) {
	if secret == "" || len(secret) > 200 {
		return nil, nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	t, err := s.store.FindTokenByHash(ctx, hashSecret(secret))
	if tide.ErrorCode(err) == tide.ENOTFOUND || (err == nil && !t.ExpiresAt.IsZero() && s.now().After(t.ExpiresAt)) {
		return nil, nil, tide.Errorf(tide.EUNAUTHORIZED, "your session has ended; sign in again")
	} else if err != nil {
		return nil, nil, err
	}
	u, err := s.store.FindUserByID(ctx, t.UserID)
	return u, t, err
}

// Logout ends the credential, here at once and on other servers within
// AuthTTL.
func (s *Service) Logout(ctx context.Context, secret string) error {
	err := s.store.DeleteToken(ctx, hashSecret(secret))
	s.auth.drop(secret)
	return err
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func (s *Service) throttled(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cut := s.now().Add(-FailureWindow)
	recent := s.failures[name][:0]
	for _, t := range s.failures[name] {
		if t.After(cut) {
			recent = append(recent, t)
		}
	}
	s.failures[name] = recent
	return len(recent) >= MaxFailures
}

func (s *Service) fail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) > 100000 { // bound memory under a spray of names
		s.failures = map[string][]time.Time{}
	}
	s.failures[name] = append(s.failures[name], s.now())
}

func (s *Service) clearFailures(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, name)
}

// ChangeOwnPassword replaces the caller's password after checking the
// current one; it ends a one-time password.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, next string) error {
	a := tide.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	u, err := s.store.FindUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !CheckPassword(u.PasswordHash, current) {
		return tide.Invalid("current", "the current password is wrong")
	}
	if err := checkPassword(next); err != nil {
		return &tide.Error{Code: tide.EINVALID, Field: "password", Message: tide.ErrorMessage(err)}
	}
	if next == current {
		return tide.Invalid("password", "choose a password different from the current one")
	}
	if u.PasswordHash, err = HashPassword(next); err != nil {
		return err
	}
	u.MustChangePassword = false
	err = s.store.UpdateUser(ctx, u, audit.Change{Actor: a.Name, Action: "change_password", Entity: "user", EntityID: u.Name})
	s.auth.dropUser(u.ID)
	return err
}
