package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
)

// saleFolder makes a data folder holding a live sale of stock units and
// buyers with tokens.
func saleFolder(tb testing.TB, buyers int, stock, limit int64) (string, *liveSale) {
	tb.Helper()
	dir := tb.TempDir()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "tide.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	s, err := prepareLiveSale(ctx, db, buyers, stock, limit)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, s
}

// saleClient keeps connections alive across many buyers' requests.
var saleClient = &http.Client{Timeout: 30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

// buy posts one order; status 0 means no answer came (the server died).
func buy(base, token, room, product, key string, qty int64) (int, market.Order, error) {
	body := fmt.Sprintf(`{"product":%q,"quantity":%d}`, product, qty)
	req, _ := http.NewRequest("POST", base+"/api/v1/rooms/"+room+"/orders", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := saleClient.Do(req)
	if err != nil {
		return 0, market.Order{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, market.Order{}, err
	}
	var o market.Order
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(b, &o); err != nil {
			return resp.StatusCode, o, fmt.Errorf("decode order %s: %v", b, err)
		}
	}
	return resp.StatusCode, o, nil
}

// tideBinary builds the tide command into a temporary folder.
func tideBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "tide")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveBinary starts `tide serve` on dir and returns its URL and process.
func serveBinary(tb testing.TB, bin, dir string) (string, *exec.Cmd) {
	tb.Helper()
	cmd := exec.Command(bin, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "Tide is serving at "); ok {
			go io.Copy(io.Discard, out)
			return url, cmd
		}
	}
	cmd.Wait()
	tb.Fatalf("tide serve did not start:\n%s", &stderr)
	return "", nil
}

// acked is an order the server answered 201.
type acked struct {
	token, key string
	qty        int64
	order      market.Order
}

// TestKillMidSale kills the real binary with SIGKILL while buyers are
// buying, restarts it on the same folder, and checks that no acknowledged
// order was lost, that stock was not oversold, and that a retried key
// answers its order.
func TestKillMidSale(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	const stock, buyers = 500, 32
	bin := tideBinary(t)
	dir, sale := saleFolder(t, buyers, stock, 0)
	base, cmd := serveBinary(t, bin, dir)

	var (
		mu     sync.Mutex
		acks   []acked
		nacked atomic.Int64
		wg     sync.WaitGroup
		killed atomic.Bool
	)
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				key := fmt.Sprintf("k-%d-%d", b, i)
				qty := int64(i%3 + 1)
				status, o, err := buy(base, sale.Tokens[b], sale.Room, sale.Product, key, qty)
				switch {
				case status == http.StatusCreated:
					mu.Lock()
					acks = append(acks, acked{sale.Tokens[b], key, qty, o})
					mu.Unlock()
					if nacked.Add(qty) >= stock/3 && killed.CompareAndSwap(false, true) {
						cmd.Process.Signal(syscall.SIGKILL)
					}
				case err != nil || status == http.StatusConflict:
					return // the server died, or the stock is gone
				default:
					t.Errorf("buyer %d order %d: status %d", b, i, status)
					return
				}
			}
		}()
	}
	wg.Wait()
	cmd.Wait()
	if !killed.Load() {
		t.Fatal("the sale ended before the server was killed")
	}
	t.Logf("%d orders (%d units) acknowledged before the kill", len(acks), nacked.Load())

	base, _ = serveBinary(t, bin, dir)
	for _, a := range acks[len(acks)-min(len(acks), 20):] { // the last acknowledged, the likeliest to be lost
		status, o, err := buy(base, a.token, sale.Room, sale.Product, a.key, a.qty)
		if err != nil || status != http.StatusCreated || o.ID != a.order.ID {
			t.Errorf("retry of key %s after restart: status %d order %q (%v), want 201 and %q", a.key, status, o.ID, err, a.order.ID)
		}
	}
	// Sell the rest: exactly the stock is sold, never more.
	var after atomic.Int64
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				status, _, err := buy(base, sale.Tokens[b], sale.Room, sale.Product, fmt.Sprintf("r-%d-%d", b, i), 1)
				if err != nil || status != http.StatusCreated {
					if status != http.StatusConflict {
						t.Errorf("after restart buyer %d: status %d (%v), want 201 or 409", b, status, err)
					}
					return
				}
				after.Add(1)
			}
		}()
	}
	wg.Wait()

	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "tide.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]*market.Order{}
	for off := 0; ; off += 500 {
		list, _, err := db.FindOrders(context.Background(), market.OrderFilter{ProductID: sale.Product, Offset: off, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			stored[o.ID] = o
		}
		if len(list) < 500 {
			break
		}
	}
	var sum int64
	for _, o := range stored {
		sum += o.Quantity
	}
	for _, a := range acks {
		if o := stored[a.order.ID]; o == nil || o.Quantity != a.qty {
			t.Errorf("acknowledged order %s (key %s) is lost", a.order.ID, a.key)
		}
	}
	if sum != stock {
		t.Errorf("stored orders hold %d units, want the stock, %d (no oversell, none left)", sum, stock)
	}
	if nacked.Load()+after.Load() > stock {
		t.Errorf("acknowledged %d + %d units, more than the stock %d", nacked.Load(), after.Load(), stock)
	}
	if f := firstFrame(t, base, sale.Room); f.Type != "snapshot" || len(f.Products) != 1 || f.Products[0].Available != stock-sum {
		t.Errorf("live snapshot %+v, want %d available", f, stock-sum)
	}
}

// liveFrame is the part of a live event the tests read.
type liveFrame struct {
	Type     string `json:"type"`
	Products []struct {
		ID        string `json:"id"`
		Available int64  `json:"available"`
	} `json:"products"`
}

// firstFrame reads the first event of a room's stream.
func firstFrame(tb testing.TB, base, room string) liveFrame {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/rooms/"+room+"/events", nil)
	resp, err := saleClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		tb.Fatalf("events: status %d type %q", resp.StatusCode, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var f liveFrame
			if err := json.Unmarshal([]byte(data), &f); err != nil {
				tb.Fatal(err)
			}
			return f
		}
	}
	tb.Fatalf("no event: %v", sc.Err())
	return liveFrame{}
}
