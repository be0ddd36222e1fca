package market

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Bounds on comments: their length, and how many one person may send in a
// window.
const (
	MaxCommentLen = 200
	CommentBurst  = 3
	CommentWindow = 10 * time.Second
	MaxComments   = 200
)

// Comment is a viewer's message in a live room.
type Comment struct {
	ID        string    `json:"id"`
	RoomID    string    `json:"room"`
	UserID    int64     `json:"-"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Comment posts a signed-in viewer's comment to a room that has not ended.
func (s *Service) Comment(ctx context.Context, roomID, text string) (*Comment, error) {
	a, err := signedIn(ctx, "comment")
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return nil, tide.Invalid("text", "a comment needs some text")
	case n > MaxCommentLen:
		return nil, tide.Invalid("text", "a comment is at most %d characters", MaxCommentLen)
	}
	if w := s.blocked(text); w != "" {
		return nil, tide.Invalid("text", "the comment holds a word that is not allowed here (%q)", w)
	}
	r, err := s.store.FindRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if r.Status == RoomEnded {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "room", Message: "this room has ended"}
	}
	now := s.Now().UTC()
	if !s.comments.allow(a.UserID, a.Name, now) {
		return nil, &tide.Error{Code: tide.ETOOMANY, Field: "text",
			Message: fmt.Sprintf("at most %d comments in %s; wait a moment", CommentBurst, CommentWindow)}
	}
	cm := &Comment{ID: NewID(), RoomID: roomID, UserID: a.UserID, Author: a.Name, Text: text, CreatedAt: now}
	if err := s.store.CreateComment(ctx, cm); err != nil {
		return nil, err
	}
	if s.Events != nil {
		s.Events.Commented(roomID, cm.ID, cm.Author, cm.Text, cm.CreatedAt)
	}
	return cm, nil
}

// blocked returns the first blocked word text holds, or "".
func (s *Service) blocked(text string) string {
	lower := strings.ToLower(text)
	for _, w := range s.BlockedWords {
		if w != "" && strings.Contains(lower, strings.ToLower(w)) {
			return w
		}
	}
	return ""
}

// RemoveComment takes a comment down; the room's seller or an official in
// scope may.
func (s *Service) RemoveComment(ctx context.Context, roomID, commentID string) error {
	a, err := signedIn(ctx, "remove comments")
	if err != nil {
		return err
	}
	r, err := s.store.FindRoom(ctx, roomID)
	if err != nil {
		return err
	}
	if _, err := s.sellerFor(ctx, a, r.SellerID, "seller"); err != nil {
		return tide.Errorf(tide.EFORBIDDEN, "only the room's seller or an official may remove comments")
	}
	cm, err := s.store.FindComment(ctx, commentID)
	if err != nil {
		return err
	}
	if cm.RoomID != roomID {
		return tide.NotFound("comment")
	}
	c := audit.Change{Actor: a.Name, Action: "remove", Entity: "comment", EntityID: cm.ID, Before: cm}
	if err := s.store.DeleteComment(ctx, cm.ID, c); err != nil {
		return err
	}
	if s.Events != nil {
		s.Events.CommentRemoved(roomID, cm.ID)
	}
	return nil
}

// Comments returns a room's newest comments, newest first; they are public.
func (s *Service) Comments(ctx context.Context, roomID string, limit int) ([]*Comment, error) {
	if _, err := s.store.FindRoom(ctx, roomID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxComments {
		limit = MaxComments
	}
	return s.store.FindComments(ctx, roomID, limit)
}

// LoadBlockedWords reads a list of blocked words, one a line; blank lines
// and lines starting with # are skipped.
func LoadBlockedWords(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read blocked words: %w", err)
	}
	defer f.Close()
	var words []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if utf8.RuneCountInString(w) > MaxCommentLen {
			return nil, fmt.Errorf("read blocked words: %s line %d: longer than %d characters", path, n, MaxCommentLen)
		}
		words = append(words, strings.ToLower(w))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read blocked words: %w", err)
	}
	return words, nil
}

// rateLimiter lets each person send at most burst messages in a window,
// remembering the times of their last burst messages.
type rateLimiter struct {
	burst  int
	window time.Duration
	mu     sync.Mutex
	recent map[string][]time.Time
	swept  time.Time
}

func newRateLimiter(burst int, window time.Duration) *rateLimiter {
	return &rateLimiter{burst: burst, window: window, recent: map[string][]time.Time{}}
}

// allow records a message of the person at now, or reports that they have
// sent their burst within the window.
func (l *rateLimiter) allow(user int64, name string, now time.Time) bool {
	key := fmt.Sprint(user, "/", name)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, ts := range l.recent {
			if now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.recent, k)
			}
		}
		l.swept = now
	}
	ts := l.recent[key]
	kept := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) >= l.burst {
		l.recent[key] = kept
		return false
	}
	l.recent[key] = append(kept, now)
	return true
}
