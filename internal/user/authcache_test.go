package user

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// memStore holds users and tokens in memory and counts token reads.
type memStore struct {
	Store
	mu     sync.Mutex
	users  map[int64]*User
	tokens map[string]*Token
	reads  int
}

func (m *memStore) FindTokenByHash(ctx context.Context, hash string) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	if t, ok := m.tokens[hash]; ok {
		return t, nil
	}
	return nil, tide.NotFound("token")
}

func (m *memStore) FindUserByID(ctx context.Context, id int64) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := *m.users[id]
	return &u, nil
}

func (m *memStore) FindUserByName(ctx context.Context, name string) (*User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.Name == name {
			c := *u
			return &c, nil
		}
	}
	return nil, tide.NotFound("user")
}

func (m *memStore) UpdateUser(ctx context.Context, u *User, c audit.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c2 := *u
	m.users[u.ID] = &c2
	return nil
}

func (m *memStore) DeleteToken(ctx context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, hash)
	return nil
}

func (m *memStore) readCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

// newCached returns a service with one buyer holding two secrets, a session
// ending at sessionEnd and an API token, and a clock the test moves.
func newCached(sessionEnd time.Time) (*Service, *memStore, *time.Time) {
	st := &memStore{users: map[int64]*User{7: {ID: 7, Name: "buyer", Roles: []tide.Role{tide.RolePublic}}},
		tokens: map[string]*Token{
			hashSecret("session-secret"): {UserID: 7, Kind: "session", ExpiresAt: sessionEnd},
			hashSecret("api-secret"):     {UserID: 7, Kind: "api"},
		}}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := NewService(st)
	s.now = func() time.Time { return now }
	return s, st, &now
}

func wantActor(tb testing.TB, s *Service, secret string) *tide.Actor {
	tb.Helper()
	a, err := s.AuthenticateActor(context.Background(), secret)
	if err != nil || a.UserID != 7 || a.Name != "buyer" {
		tb.Fatalf("authenticate %s = %+v, %v; want buyer 7", secret, a, err)
	}
	return a
}

func TestAuthCacheAnswersFromMemory(t *testing.T) {
	s, st, now := newCached(time.Time{})
	wantActor(t, s, "api-secret")
	a := wantActor(t, s, "api-secret")
	if got := st.readCount(); got != 1 {
		t.Errorf("token reads after two requests = %d, want 1", got)
	}
	a.Roles = nil // a handler changing its actor does not change the cache's
	if b := wantActor(t, s, "api-secret"); len(b.Roles) != 1 {
		t.Errorf("cached actor's roles = %v, want [public]", b.Roles)
	}
	*now = now.Add(AuthTTL)
	wantActor(t, s, "api-secret")
	if got := st.readCount(); got != 2 {
		t.Errorf("token reads after the cache's time = %d, want 2", got)
	}
	if _, err := s.AuthenticateActor(context.Background(), "wrong"); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
		t.Errorf("wrong secret: %v, want unauthorized", err)
	}
}

func TestAuthCacheDropsOnLogout(t *testing.T) {
	s, _, _ := newCached(time.Time{})
	wantActor(t, s, "api-secret")
	if err := s.Logout(context.Background(), "api-secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateActor(context.Background(), "api-secret"); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
		t.Errorf("after logout: %v, want unauthorized", err)
	}
}

func TestAuthCacheDropsOnPasswordChange(t *testing.T) {
	s, _, _ := newCached(time.Time{})
	wantActor(t, s, "api-secret")
	admin := tide.WithActor(context.Background(), &tide.Actor{UserID: 1, Name: "admin", Roles: []tide.Role{tide.RoleAdmin}})
	if err := s.SetPassword(admin, "buyer", "a-new-password"); err != nil {
		t.Fatal(err)
	}
	if a := wantActor(t, s, "api-secret"); !a.MustChangePassword {
		t.Error("after an administrator set the password the actor need not change it, want must change")
	}
}

func TestAuthCacheSessionEnds(t *testing.T) {
	s, _, now := newCached(time.Date(2026, 5, 1, 12, 0, 3, 0, time.UTC))
	wantActor(t, s, "session-secret")
	*now = now.Add(4 * time.Second) // the session ended before the cache's time
	if _, err := s.AuthenticateActor(context.Background(), "session-secret"); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
		t.Errorf("ended session: %v, want unauthorized", err)
	}
}
