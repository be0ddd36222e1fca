package web

import (
	"net/http"
	"sync"

	"github.com/tide-project/tide/internal/tide"
)

// maxRoomLikers bounds the people remembered as recorded; past it the
// memory starts again, and a person's next tap writes their like once more,
// which changes nothing.
const maxRoomLikers = 100_000

type roomLiker struct {
	room string
	user int64
}

// roomLikers is the set of people recorded liking each live room, so that
// only a person's first tap in a room reaches the database and the taps
// after it cost nothing more than the hub's counter.
type roomLikers struct {
	mu   sync.Mutex
	seen map[roomLiker]struct{}
}

// first reports whether k is new, and remembers it.
func (l *roomLikers) first(k roomLiker) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[k]; ok {
		return false
	}
	if l.seen == nil || len(l.seen) >= maxRoomLikers {
		l.seen = map[roomLiker]struct{}{}
	}
	l.seen[k] = struct{}{}
	return true
}

func (l *roomLikers) forget(k roomLiker) {
	l.mu.Lock()
	delete(l.seen, k)
	l.mu.Unlock()
}

// recordRoomLiker records, the first time, that the signed-in person behind
// r liked room, so participation counts them. The taps are never refused
// for it: a failure is logged and tried again with their next tap.
func (s *Server) recordRoomLiker(r *http.Request, room string) {
	a := tide.ActorFrom(r.Context())
	if a == nil || a.UserID == 0 || s.Engage == nil {
		return
	}
	k := roomLiker{room, a.UserID}
	if !s.roomLikers.first(k) {
		return
	}
	if err := s.Engage.LikeRoom(r.Context(), room); err != nil {
		s.roomLikers.forget(k)
		s.Logger.Warn("record a room's liker", "room", room, "user_id", a.UserID, "err", err)
	}
}
