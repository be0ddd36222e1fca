package market_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// shop is a market over a real database with the registry as its income
// sink, a sandbox payment provider, a seller account, events recorded, and
// a clock the tests move.
type shop struct {
	db       *sqlstore.DB
	svc      *market.Service
	engine   *market.Engine
	registry *registry.Service
	sandbox  *market.Sandbox
	events   *recorder
	now      time.Time
	account  *user.User
}

const county = "522601"

func newShop(tb testing.TB, db *sqlstore.DB) *shop {
	tb.Helper()
	seedRegions(tb, db)
	sh := &shop{db: db, events: &recorder{}, now: time.Now().UTC().Truncate(time.Second)}
	e := market.NewEngine(db, market.EngineConfig{Now: func() time.Time { return sh.now }})
	if err := e.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	sealer, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	sh.registry = registry.NewService(db, sealer, policy.NewRegistry(), nil)
	sh.sandbox = market.NewSandbox([]byte("sandbox-secret"), "https://tide.example/pay/sandbox")
	sh.sandbox.Now = func() time.Time { return sh.now }
	sh.engine, sh.svc = e, market.NewService(db, e)
	sh.svc.Now = func() time.Time { return sh.now }
	sh.svc.PhotoDir = tb.TempDir()
	sh.svc.Payments, sh.svc.Sink, sh.svc.Events = sh.sandbox, sh.registry, sh.events
	sh.svc.OnError = func(err error) { tb.Errorf("background: %v", err) }
	sh.account, err = user.NewService(db).Create(asAdmin(context.Background()),
		user.NewUser{Name: "seller1", Password: "seller-pass-1", Roles: []tide.Role{tide.RoleSeller}, Scope: county})
	if err != nil {
		tb.Fatalf("create seller account: %v", err)
	}
	return sh
}

// The actors of these tests.
func officer(scope string) context.Context {
	return tide.WithActor(context.Background(), &tide.Actor{UserID: 900, Name: "county-" + scope, Roles: []tide.Role{tide.RoleCounty}, Scope: scope})
}

func (sh *shop) asSeller() context.Context {
	return tide.WithActor(context.Background(), &tide.Actor{UserID: sh.account.ID, Name: "seller1", Roles: []tide.Role{tide.RoleSeller}, Scope: county})
}

// household registers a household of one person in the village.
func (sh *shop) household(tb testing.TB, yuan int64) string {
	tb.Helper()
	h := &registry.Household{Village: "522601100201", IncomePerPerson: yuan * 100,
		Members: []registry.Member{{Name: "Wang", Sex: "f", Birth: "1970-01-01", Relation: "head"}}}
	if err := sh.registry.Create(asAdmin(context.Background()), h); err != nil {
		tb.Fatalf("create household: %v", err)
	}
	return h.Ref
}

// onSale registers an approved seller run by the seller account, with a
// product on sale at price in a live room.
func (sh *shop) onSale(tb testing.TB, sl *market.Seller, price, stock int64) (*market.Product, *market.Room) {
	tb.Helper()
	ctx := asAdmin(context.Background())
	sl.UserID = sh.account.ID
	if err := sh.svc.CreateSeller(ctx, sl); err != nil {
		tb.Fatalf("create seller: %v", err)
	}
	if _, err := sh.svc.ApproveSeller(officer(county), sl.ID); err != nil {
		tb.Fatalf("approve seller: %v", err)
	}
	p := &market.Product{SellerID: sl.ID, Name: "Tea", Unit: "box", Price: price, Currency: "CNY", Stock: stock,
		Origin: "522601100201", OnSale: true}
	if err := sh.svc.CreateProduct(sh.asSeller(), p); err != nil {
		tb.Fatalf("create product: %v", err)
	}
	r := &market.Room{SellerID: sl.ID, Title: "Tea night", Products: []string{p.ID}}
	if err := sh.svc.CreateRoom(sh.asSeller(), r); err != nil {
		tb.Fatalf("create room: %v", err)
	}
	if _, err := sh.svc.SetRoomStatus(sh.asSeller(), r.ID, market.RoomLive); err != nil {
		tb.Fatalf("open room: %v", err)
	}
	return p, r
}

// buy places an order of qty for buyer.
func (sh *shop) buy(tb testing.TB, buyer int64, p *market.Product, r *market.Room, qty int64) *market.Order {
	tb.Helper()
	o, err := sh.svc.PlaceOrder(asBuyer(context.Background(), buyer), market.OrderRequest{Room: r.ID, Product: p.ID, Quantity: qty})
	if err != nil {
		tb.Fatalf("place order: %v", err)
	}
	return o
}

// pay pays an order through a genuine sandbox callback.
func (sh *shop) pay(tb testing.TB, o *market.Order) *market.Payment {
	tb.Helper()
	pm, err := sh.svc.Pay(asBuyer(context.Background(), o.BuyerID), o.ID)
	if err != nil {
		tb.Fatalf("pay: %v", err)
	}
	h, body := sh.sandbox.Sign(market.PaymentEvent{PaymentID: pm.ID, Status: market.PaymentSucceeded, Amount: pm.Amount, Currency: pm.Currency})
	if err := sh.svc.PaymentCallback(context.Background(), "sandbox", h, body); err != nil {
		tb.Fatalf("payment callback: %v", err)
	}
	return pm
}

func (sh *shop) order(tb testing.TB, id string) *market.Order {
	tb.Helper()
	o, err := sh.db.FindOrder(context.Background(), id)
	if err != nil {
		tb.Fatalf("find order %s: %v", id, err)
	}
	return o
}

// audited counts the audit entries of an entity.
func (sh *shop) audited(tb testing.TB, entity, id string) int {
	tb.Helper()
	_, n, err := sh.db.FindAuditEntries(context.Background(), audit.Filter{Entity: entity, EntityID: id, Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func wantCode(tb testing.TB, what string, err error, code, field string) {
	tb.Helper()
	if tide.ErrorCode(err) != code || field != "" && tide.ErrorField(err) != field {
		tb.Errorf("%s: got %v (code %q, field %q), want code %q field %q", what, err, tide.ErrorCode(err), tide.ErrorField(err), code, field)
	}
}

// recorder keeps the live events the service sends.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *recorder) Sold(room, product string, quantity, available int64) {
	r.add("sold %d left %d", quantity, available)
}
func (r *recorder) Stock(product string, available int64) { r.add("stock %d", available) }
func (r *recorder) Commented(room, id, author, text string, at time.Time) {
	r.add("comment %s: %s", author, text)
}
func (r *recorder) CommentRemoved(room, id string) { r.add("removed") }
func (r *recorder) RoomStatus(room, status string) { r.add("room %s", status) }

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

// seedOther adds county 522602 beside the sellers' county.
func seedOther(tb testing.TB, db *sqlstore.DB) {
	tb.Helper()
	rs := []*region.Region{{Code: "522602", Name: "Other", Level: region.County, Parent: "5226"}}
	if err := db.CreateRegions(context.Background(), rs, nil); err != nil {
		tb.Fatalf("create regions: %v", err)
	}
}
