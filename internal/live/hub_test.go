package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// startHub starts a hub whose rooms hold two products, p1 (10 left) and p2
// (5 left); room "missing" does not exist.
func startHub(tb testing.TB, likes LikeStore) *Hub {
	tb.Helper()
	h := &Hub{Rate: 50, Likes: likes, LikesFlush: 20 * time.Millisecond,
		Load: func(ctx context.Context, room string) (Snapshot, error) {
			if room == "missing" {
				return Snapshot{}, tide.NotFound("room")
			}
			return Snapshot{Status: "live", Likes: 100, Products: []ProductState{
				{ID: "p1", Name: "Tea", Available: 10}, {ID: "p2", Name: "Rice", Available: 5}}}, nil
		}}
	h.Start(context.Background())
	tb.Cleanup(func() { h.Close() })
	return h
}

func subscribe(tb testing.TB, h *Hub, room string) *Sub {
	tb.Helper()
	s, err := h.Subscribe(context.Background(), room)
	if err != nil {
		tb.Fatalf("subscribe %s: %v", room, err)
	}
	tb.Cleanup(s.Close)
	return s
}

// next reads one frame and decodes its data, checking the event's id.
func next(tb testing.TB, s *Sub) (Frame, []byte) {
	tb.Helper()
	select {
	case b, ok := <-s.C:
		if !ok {
			tb.Fatal("stream closed")
		}
		id, data, ok := bytes.Cut(bytes.TrimSuffix(b, []byte("\n\n")), []byte("\ndata: "))
		if !ok || !bytes.HasPrefix(id, []byte("id: ")) {
			tb.Fatalf("frame %q is not an id and data event", b)
		}
		var f Frame
		if err := json.Unmarshal(data, &f); err != nil {
			tb.Fatalf("frame data %s: %v", data, err)
		}
		if got := string(id[4:]); got != strconv.FormatInt(f.Seq, 10) {
			tb.Errorf("event id %s, want the frame's seq %d", got, f.Seq)
		}
		return f, b
	case <-time.After(5 * time.Second):
		tb.Fatal("no frame within 5s")
	}
	panic("unreachable")
}

func TestSnapshotFirst(t *testing.T) {
	h := startHub(t, nil)
	h.Commented("r1", "c0", "ann", "before anyone watched", time.Now()) // no viewers: not kept
	s := subscribe(t, h, "r1")
	f, _ := next(t, s)
	if f.Type != "snapshot" || f.Status != "live" || f.Likes != 100 || len(f.Products) != 2 ||
		f.Products[0] != (ProductState{ID: "p1", Name: "Tea", Available: 10}) || len(f.Comments) != 0 {
		t.Fatalf("first frame = %+v, want the room's snapshot", f)
	}
	if d := time.Since(time.UnixMilli(f.SentMs)); d < 0 || d > 5*time.Second {
		t.Errorf("sent_ms is %v from now", d)
	}
	h.Commented("r1", "c1", "bo", "fresh <tea>", time.UnixMilli(1000))
	next(t, s)
	late := subscribe(t, h, "r1")
	if f, _ := next(t, late); f.Type != "snapshot" || len(f.Comments) != 1 || f.Comments[0].Text != "fresh <tea>" {
		t.Errorf("late viewer's first frame = %+v, want a snapshot with the recent comment", f)
	}
}

func TestFrameAfterEvents(t *testing.T) {
	h := startHub(t, nil)
	s := subscribe(t, h, "r1")
	next(t, s)
	h.Sold("r1", "p1", 2, 8)
	h.Sold("r1", "p1", 1, 7)
	h.Sold("r1", "p1", 1, 9) // reported late: must not raise the count
	h.Sold("other", "p2", 1, 4)
	h.Like("r1", 3)
	h.Commented("r1", "c1", "ann", "hello", time.UnixMilli(5000))
	h.Commented("r1", "c2", "bo", "spam", time.UnixMilli(6000))
	h.CommentRemoved("r1", "c2")
	h.RoomStatus("r1", "ended")
	var f Frame
	for f.Status != "ended" || f.Likes != 103 || len(f.Removed) == 0 {
		f, _ = next(t, s) // events may straddle two frames
	}
	if got, want := f.Products, []ProductState{{ID: "p1", Available: 7}, {ID: "p2", Available: 4}}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("products = %+v, want %+v", got, want)
	}
	if f.Type != "update" || f.Seq < 1 {
		t.Errorf("type %q seq %d, want an update with a seq", f.Type, f.Seq)
	}
	if len(f.Removed) != 1 || f.Removed[0] != "c2" {
		t.Errorf("removed = %v, want [c2]", f.Removed)
	}
	h.Sold("r1", "p1", 3, 4)
	f, _ = next(t, s)
	if len(f.Ticker) != 1 || f.Ticker[0].Product != "p1" || f.Ticker[0].Orders != 1 || f.Ticker[0].Quantity != 3 || f.Ticker[0].AtMs == 0 {
		t.Errorf("ticker = %+v, want one order of 3 of p1", f.Ticker)
	}
	if len(f.Comments) != 0 || len(f.Removed) != 0 {
		t.Errorf("comments %v removed %v sent again", f.Comments, f.Removed)
	}
	h.Stock("p1", 50) // restocked
	if f, _ = next(t, s); f.Products[0].Available != 50 {
		t.Errorf("after restock p1 available = %d, want 50", f.Products[0].Available)
	}
}

func TestFrameShared(t *testing.T) {
	h := startHub(t, nil)
	a, b := subscribe(t, h, "r1"), subscribe(t, h, "r1")
	next(t, a)
	next(t, b)
	h.Sold("r1", "p2", 1, 4)
	_, fa := next(t, a)
	_, fb := next(t, b)
	if &fa[0] != &fb[0] {
		t.Error("viewers got two encodings of one frame, want one shared slice")
	}
}

func TestSlowViewerSkips(t *testing.T) {
	h := startHub(t, nil)
	slow, fast := subscribe(t, h, "r1"), subscribe(t, h, "r1")
	next(t, fast)
	var last Frame
	for i := int64(1); i <= 5; i++ {
		h.Sold("r1", "p1", 1, 10-i)
		for last.Products == nil || last.Products[0].Available != 10-i {
			last, _ = next(t, fast) // the hub keeps serving the fast viewer
		}
	}
	if n := len(slow.C); n != 1 {
		t.Fatalf("slow viewer has %d frames queued, want 1", n)
	}
	if f, _ := next(t, slow); f.Seq != last.Seq || f.Products[0].Available != 5 {
		t.Errorf("slow viewer's frame seq %d (p1 %d), want the latest, seq %d (p1 5)", f.Seq, f.Products[0].Available, last.Seq)
	}
}

func TestRoomDropped(t *testing.T) {
	h := startHub(t, nil)
	if _, err := h.Subscribe(context.Background(), "missing"); tide.ErrorCode(err) != tide.ENOTFOUND {
		t.Errorf("subscribe to a missing room: %v, want not found", err)
	}
	s := subscribe(t, h, "r1")
	next(t, s)
	s.Close()
	if h.roomOf("r1") != nil || h.roomOf("missing") != nil {
		t.Error("rooms without viewers are kept")
	}
	if _, ok := h.products.Load("p1"); ok {
		t.Error("the products of a dropped room are still indexed")
	}
	h.Sold("r1", "p1", 1, 1) // no viewers: nothing to do, nothing to fail
}

func TestCloseEndsStreams(t *testing.T) {
	h := startHub(t, nil)
	s := subscribe(t, h, "r1")
	next(t, s)
	h.Close()
	select {
	case _, ok := <-s.C:
		if ok {
			t.Error("got a frame after Close, want the stream closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open 5s after Close")
	}
	if _, err := h.Subscribe(context.Background(), "r1"); !errors.Is(err, ErrClosed) {
		t.Errorf("subscribe after Close: %v, want ErrClosed", err)
	}
}

// likeStore records the likes written, failing while fail is set.
type likeStore struct {
	mu    sync.Mutex
	fail  bool
	calls int
	likes map[string]int64
}

func (s *likeStore) AddLikes(ctx context.Context, room string, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail {
		return errors.New("database down")
	}
	s.likes[room] += n
	return nil
}

func (s *likeStore) total(room string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.likes[room]
}

func TestLikesFlush(t *testing.T) {
	st := &likeStore{likes: map[string]int64{}, fail: true}
	h := startHub(t, st)
	h.Like("r1", 3)
	h.Like("r1", 4)
	h.Like("r2", 1)
	h.Like("r2", -5) // ignored
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st.mu.Lock()
		calls := st.calls
		st.mu.Unlock()
		if calls >= 4 { // two flushes failed
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("likes never flushed")
		}
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	h.Like("r1", 1)
	for deadline := time.Now().Add(5 * time.Second); st.total("r1") != 8 || st.total("r2") != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("likes written r1 %d r2 %d, want 8 and 1 (kept through failed writes)", st.total("r1"), st.total("r2"))
		}
	}
	h.Like("r2", 2)
	h.Close() // writes what is left
	if got := st.total("r2"); got != 3 {
		t.Errorf("after Close r2 has %d likes written, want 3", got)
	}
}

// BenchmarkSold measures a sale reported to a room with viewers, from many
// goroutines at once.
func BenchmarkSold(b *testing.B) {
	h := startHub(b, nil)
	s := subscribe(b, h, "r1")
	go func() {
		for range s.C {
		}
	}()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := int64(1 << 40)
		for pb.Next() {
			n--
			h.Sold("r1", "p1", 1, n)
		}
	})
}

func TestHeartbeat(t *testing.T) {
	h := startHub(t, nil)
	h.Heartbeat = 40 * time.Millisecond // read by the room's ticker, which starts with the first viewer
	s := subscribe(t, h, "r1")
	next(t, s)
	select {
	case b := <-s.C:
		if string(b) != ": heartbeat\n\n" {
			t.Errorf("quiet room sent %q, want a heartbeat comment", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat from a quiet room")
	}
}
