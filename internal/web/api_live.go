package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// OrderPlacer places an order for the signed-in caller; *market.Service is
// one. The order route calls it alone, so a benchmark can put other ways of
// taking stock behind the very same handler.
type OrderPlacer interface {
	PlaceOrder(ctx context.Context, r market.OrderRequest) (*market.Order, error)
}

// Bounds of the live routes' bodies and likes.
const (
	MaxOrderBody = 1 << 10
	MaxLikes     = 50
)

func (s *Server) routeLiveAPI() {
	s.api("POST /api/v1/rooms/{room}/orders", s.apiPlaceOrder)
	s.api("GET /api/v1/rooms/{room}/events", s.apiRoomEvents)
	s.api("POST /api/v1/rooms/{room}/likes", s.apiLike)
	s.likeLimit = newRateLimit(LikeRequestsPerSecond, 2*LikeRequestsPerSecond)
}

// orderBody is what a buyer posts; room and key come from the path and the
// Idempotency-Key header.
type orderBody struct {
	Product  string `json:"product"`
	Quantity int64  `json:"quantity"`
}

var bodyBufs = sync.Pool{New: func() any { b := make([]byte, MaxOrderBody+1); return &b }}

// readSmallBody reads a body of at most limit bytes into a pooled buffer and
// decodes it into v, through parse first when one is given. The buffer goes
// back to the pool once v holds copies.
func readSmallBody[T any](r *http.Request, limit int, v *T, parse func([]byte, *T) bool) error {
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	buf := (*bp)[:limit+1]
	n, err := io.ReadFull(r.Body, buf)
	switch {
	case n > limit:
		return tide.Errorf(tide.ETOOLARGE, "the body is larger than %d bytes", limit)
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return tide.Invalid("", "read the body: %v", err)
	case n == 0:
		return tide.Invalid("", "a JSON body is required")
	}
	if parse != nil && parse(buf[:n], v) {
		return nil
	}
	if err := json.Unmarshal(buf[:n], v); err != nil {
		return decodeError(err)
	}
	return nil
}

func (s *Server) orderPlacer() OrderPlacer {
	if s.Orders != nil {
		return s.Orders
	}
	if s.Market != nil {
		return s.Market
	}
	return nil
}

func (s *Server) apiPlaceOrder(w http.ResponseWriter, r *http.Request) {
	if s.requireActor(w, r) == nil {
		return
	}
	var in orderBody
	if err := readSmallBody(r, MaxOrderBody, &in, parseOrderBody); err != nil {
		s.Error(w, r, err)
		return
	}
	req := market.OrderRequest{Room: r.PathValue("room"), Product: in.Product, Quantity: in.Quantity,
		IdempotencyKey: r.Header.Get("Idempotency-Key")}
	placer := s.orderPlacer()
	if placer == nil {
		s.Error(w, r, tide.NotFound("room"))
		return
	}
	o, err := placer.PlaceOrder(r.Context(), req)
	if errors.Is(err, market.ErrStopped) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "the server is stopping; retry", http.StatusServiceUnavailable)
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	*bp = appendOrderJSON((*bp)[:0], o)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusCreated)
	w.Write(*bp)
	if len(r.Header["Cookie"]) > 0 {
		s.attributeOrder(r, o.ID)
	}
}

var jsonContentType = []string{"application/json; charset=utf-8"}

// apiRoomEvents streams a room's state as server-sent events until the
// viewer goes. Rooms are public.
func (s *Server) apiRoomEvents(w http.ResponseWriter, r *http.Request) {
	if s.Live == nil {
		s.Error(w, r, tide.NotFound("room"))
		return
	}
	sub, err := s.Live.Subscribe(r.Context(), r.PathValue("room"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer sub.Close()
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // a stream lasts as long as the viewer stays
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	for {
		select {
		case f, ok := <-sub.C:
			if !ok {
				return
			}
			if _, err := w.Write(f); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// LikeRequestsPerSecond is how often one client may post likes.
const LikeRequestsPerSecond = 5

func (s *Server) apiLike(w http.ResponseWriter, r *http.Request) {
	if !s.likeLimit.allow(s.clientAddr(r), time.Now()) {
		w.Header().Set("Retry-After", "1")
		s.Error(w, r, tide.Errorf(tide.ETOOMANY, "too many likes at once; wait a moment"))
		return
	}
	var in struct {
		Count int64 `json:"count"`
	}
	if err := readSmallBody(r, MaxOrderBody, &in, nil); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Count < 1 || in.Count > MaxLikes {
		s.Error(w, r, tide.Invalid("count", "count must be between 1 and %d", MaxLikes))
		return
	}
	room := r.PathValue("room")
	if s.Live == nil || s.Market == nil {
		s.Error(w, r, tide.NotFound("room"))
		return
	}
	if !s.Live.Watched(room) {
		if _, err := s.Market.FindRoom(r.Context(), room); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.Live.Like(room, in.Count)
	s.recordRoomLiker(r, room)
	w.WriteHeader(http.StatusNoContent)
}
