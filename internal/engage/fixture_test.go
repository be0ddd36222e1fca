package engage_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// The actors of the tests: counties 522601 and 522602 each have a village.
var (
	admin     = &tide.Actor{UserID: 1, Name: "admin", Roles: []tide.Role{tide.RoleAdmin}}
	county1   = &tide.Actor{UserID: 2, Name: "county1", Roles: []tide.Role{tide.RoleCounty}, Scope: "522601"}
	county2   = &tide.Actor{UserID: 3, Name: "county2", Roles: []tide.Role{tide.RoleCounty}, Scope: "522602"}
	registrar = &tide.Actor{UserID: 4, Name: "registrar1", Roles: []tide.Role{tide.RoleRegistrar}, Scope: "522601"}
	school    = &tide.Actor{UserID: 5, Name: "school1", Roles: []tide.Role{tide.RoleSchool}, Scope: "522601"}
)

const village = "522601100201"

// donor returns a member of the public.
func donor(id int64) *tide.Actor {
	return &tide.Actor{UserID: id, Name: "donor", Roles: []tide.Role{tide.RolePublic}}
}

func as(a *tide.Actor) context.Context { return tide.WithActor(context.Background(), a) }

// bench is an engage service over a real database with a sandbox provider
// and one household, named Li Hua, in the village of county 522601.
type bench struct {
	db        *sqlstore.DB
	svc       *engage.Service
	sandbox   *market.Sandbox
	household string
}

func newBench(tb testing.TB, db *sqlstore.DB) *bench {
	tb.Helper()
	ctx := tide.WithActor(context.Background(), tide.System)
	var rs []*region.Region
	rs = append(rs, &region.Region{Code: "52", Name: "Guizhou", Level: region.Province},
		&region.Region{Code: "5226", Name: "Qiandongnan", Level: region.Prefecture, Parent: "52"})
	for _, c := range []string{"522601", "522602"} {
		rs = append(rs, &region.Region{Code: c, Name: "County " + c, Level: region.County, Parent: "5226"},
			&region.Region{Code: c + "100", Name: "Town " + c, Level: region.Township, Parent: c},
			&region.Region{Code: c + "100201", Name: "Village " + c, Level: region.Village, Parent: c + "100"})
	}
	if err := db.CreateRegions(ctx, rs, nil); err != nil {
		tb.Fatalf("create regions: %v", err)
	}
	sealer, _ := secret.New(bytes.Repeat([]byte{7}, secret.KeyLen))
	reg := registry.NewService(db, sealer, policy.NewRegistry(), nil)
	h := &registry.Household{Village: village, IncomePerPerson: 300000,
		Members: []registry.Member{{Name: "Li Hua", Sex: "f", Birth: "1970-01-01", Relation: "head"}}}
	if err := reg.Create(ctx, h); err != nil {
		tb.Fatalf("create household: %v", err)
	}
	sb := market.NewSandbox([]byte("donation-secret"), "/sandbox/pay")
	svc := engage.NewService(db, sb)
	svc.PhotoDir = tb.TempDir()
	return &bench{db: db, svc: svc, sandbox: sb, household: h.Ref}
}

// approvedNeed posts and approves a village need of amount.
func (b *bench) approvedNeed(tb testing.TB, amount int64) *engage.Need {
	tb.Helper()
	n := &engage.Need{Kind: engage.ForVillage, Region: village, Title: "Seeds", Description: "Maize seed for spring", Amount: amount, Currency: "CNY"}
	if err := b.svc.CreateNeed(as(registrar), n); err != nil {
		tb.Fatalf("create need: %v", err)
	}
	if _, err := b.svc.ApproveNeed(as(county1), n.ID); err != nil {
		tb.Fatalf("approve need: %v", err)
	}
	return n
}

// callback sends the sandbox's signed report of a donation's payment.
func (b *bench) callback(d *engage.Donation, status string) error {
	h, body := b.sandbox.Sign(market.PaymentEvent{PaymentID: d.ID, Status: status, Amount: d.Amount, Currency: d.Currency})
	return b.svc.DonationCallback(context.Background(), "sandbox", h, body)
}

// give opens a donation and reports it paid.
func (b *bench) give(tb testing.TB, who int64, needID string, amount int64) *engage.Donation {
	tb.Helper()
	d, err := b.svc.Donate(as(donor(who)), needID, amount)
	if err != nil {
		tb.Fatalf("donate %d to %s: %v", amount, needID, err)
	}
	if err := b.callback(d, market.PaymentSucceeded); err != nil {
		tb.Fatalf("paid callback: %v", err)
	}
	return d
}

// ledger verifies the ledger, failing the test unless every transaction
// sums to zero, and returns the balances by account.
func (b *bench) ledger(tb testing.TB) (map[string]int64, int) {
	tb.Helper()
	r, err := b.svc.VerifyLedger(as(admin))
	if err != nil {
		tb.Fatalf("verify ledger: %v", err)
	}
	if !r.OK || len(r.Unbalanced) != 0 {
		tb.Fatalf("ledger unbalanced: %v", r.Unbalanced)
	}
	out := map[string]int64{}
	for _, bal := range r.Balances {
		out[bal.Account] += bal.Amount
	}
	return out, r.Transactions
}

// forged signs ev with another secret.
func forged(ev market.PaymentEvent) (http.Header, []byte) {
	return market.NewSandbox([]byte("not-the-secret"), "/x").Sign(ev)
}

// stale signs ev an hour ago with the right secret.
func stale(sb *market.Sandbox, ev market.PaymentEvent) (http.Header, []byte) {
	old := market.NewSandbox([]byte("donation-secret"), "/x")
	old.Now = func() time.Time { return sb.Now().Add(-time.Hour) }
	return old.Sign(ev)
}

// photo is a small PNG, a delivery's proof.
func photo(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// proof is a delivery's note with a photo.
func proof(tb testing.TB, note string) engage.Proof {
	tb.Helper()
	return engage.Proof{Note: note, Photo: bytes.NewReader(photo(tb))}
}
