package live

import (
	"context"
	"time"
)

// Like adds n likes to a room. They are shown to its viewers with the next
// frame and written to the LikeStore within about a second.
func (h *Hub) Like(room string, n int64) {
	if n <= 0 {
		return
	}
	h.likesMu.Lock()
	if h.pending == nil {
		h.pending = map[string]int64{}
	}
	h.pending[room] += n
	h.likesMu.Unlock()
	if r := h.roomOf(room); r != nil {
		r.likes.Add(n)
		r.markChanged()
	}
}

func (h *Hub) flushLikesEvery() {
	defer h.wg.Done()
	t := time.NewTicker(h.LikesFlush)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			if err := h.flushLikes(h.ctx); err != nil {
				h.Logger.Warn("write likes", "error", err)
			}
		}
	}
}

// flushLikes writes the likes summed since the last flush; those it could
// not write are kept for the next.
func (h *Hub) flushLikes(ctx context.Context) error {
	h.likesMu.Lock()
	batch := h.pending
	h.pending = map[string]int64{}
	h.likesMu.Unlock()
	if h.Likes == nil {
		return nil
	}
	var first error
	for room, n := range batch {
		if err := h.Likes.AddLikes(ctx, room, n); err != nil {
			if first == nil {
				first = err
			}
			h.likesMu.Lock()
			h.pending[room] += n
			h.likesMu.Unlock()
		}
	}
	return first
}
