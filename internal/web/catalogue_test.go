package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/tide"
)

// TestCatalogueLanguages checks that every message exists in every language
// with the same format verbs, so a translation neither goes blank nor shifts
// its arguments.
func TestCatalogueLanguages(t *testing.T) {
	if len(catalogue) == 0 {
		t.Fatal("the catalogue is empty")
	}
	verbs := regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)
	for key, msgs := range catalogue {
		for _, lang := range Languages {
			if strings.TrimSpace(msgs[lang]) == "" {
				t.Errorf("%s has no %q message", key, lang)
			}
		}
		en := verbs.FindAllString(msgs["en"], -1)
		for _, lang := range Languages[1:] {
			if got := verbs.FindAllString(msgs[lang], -1); !slices.Equal(got, en) {
				t.Errorf("%s: %q has the verbs %v, %q has %v", key, lang, got, "en", en)
			}
		}
	}
}

// TestCatalogueCoversTemplates checks that every key the templates name,
// literally or built from a role or level, is in the catalogue.
func TestCatalogueCoversTemplates(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates found: %v", err)
	}
	literal := regexp.MustCompile(`\.T\s+"([^"]+)"`)
	built := regexp.MustCompile(`\.T\s+\(printf\s+"([^"%]*)%s"`)
	var seen int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			seen++
			if _, ok := catalogue[m[1]]; !ok {
				t.Errorf("%s uses %q, which is not in catalogue.json", f, m[1])
			}
		}
		for _, m := range built.FindAllStringSubmatch(string(b), -1) {
			switch m[1] {
			case "role.", "can.", "level.": // checked by TestCatalogueCoversRolesAndLevels
			case "order.state.", "order.action.", "room.status.", "seller.status.", "seller.kind.": // TestCatalogueCoversMarket
			case "need.kind.", "need.state.", "donation.state.": // TestCatalogueCoversNeeds
			case "specialty.", "urgency.", "consult.state.", "consult.sex.", "weekday.": // TestCatalogueCoversHealth
			default:
				t.Errorf("%s builds keys %q+…; add a check that the catalogue has them all", f, m[1])
			}
		}
	}
	if seen == 0 {
		t.Error("found no .T \"key\" in the templates; the pattern is broken")
	}
}

// TestCatalogueCoversRolesAndLevels checks the keys the pages build from a
// role or a region level.
func TestCatalogueCoversRolesAndLevels(t *testing.T) {
	var keys []string
	for _, r := range tide.Roles {
		keys = append(keys, "role."+string(r), "can."+string(r))
	}
	for _, l := range region.Levels {
		keys = append(keys, "level."+string(l))
	}
	for _, k := range keys {
		if _, ok := catalogue[k]; !ok {
			t.Errorf("catalogue.json has no %q", k)
		}
	}
}

// TestCatalogueCoversCode checks the keys the Go code names: the navigation
// and every string literal of this package that looks like a catalogue key
// (one of the catalogue's key prefixes, a dot, and more).
func TestCatalogueCoversCode(t *testing.T) {
	for _, n := range navigation {
		if _, ok := catalogue[n.Key]; !ok {
			t.Errorf("navigation item %s names %q, which is not in catalogue.json", n.Href, n.Key)
		}
	}
	prefixes := map[string]bool{}
	for k := range catalogue {
		p, _, _ := strings.Cut(k, ".")
		prefixes[p] = true
	}
	keyLike := regexp.MustCompile(`^([a-z]+)\.[a-z_.]+$`)
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var seen int
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			m := keyLike.FindStringSubmatch(s)
			if err != nil || m == nil || !prefixes[m[1]] || strings.HasSuffix(s, ".html") || strings.HasSuffix(s, ".json") {
				return true
			}
			seen++
			if _, ok := catalogue[s]; !ok {
				t.Errorf("%s names %q, which is not in catalogue.json", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if seen == 0 {
		t.Error("found no catalogue keys in the Go code; the scan is broken")
	}
}

// TestCatalogueCoversMarket checks the keys the market's pages build from an
// order's state, an action on it, a room's or seller's status, a seller's
// kind, and a finished action's notice.
func TestCatalogueCoversMarket(t *testing.T) {
	var keys []string
	for _, st := range market.States {
		keys = append(keys, "order.state."+string(st))
	}
	for _, a := range []string{"pay", "cancel", "deliver", "ship", "refund"} {
		keys = append(keys, "order.action."+a)
	}
	for _, st := range []market.RoomStatus{market.RoomScheduled, market.RoomLive, market.RoomEnded} {
		keys = append(keys, "room.status."+string(st))
	}
	for _, st := range []market.SellerStatus{market.SellerPending, market.SellerApproved, market.SellerSuspended} {
		keys = append(keys, "seller.status."+string(st))
	}
	for _, k := range []market.SellerKind{market.KindHousehold, market.KindCooperative} {
		keys = append(keys, "seller.kind."+string(k))
	}
	for _, n := range noticeActions {
		keys = append(keys, "notice."+n)
	}
	for _, k := range keys {
		if _, ok := catalogue[k]; !ok {
			t.Errorf("catalogue.json has no %q", k)
		}
	}
}

// TestCatalogueCoversNeeds checks the keys the needs' pages build from a
// need's kind and state and a donation's state.
func TestCatalogueCoversNeeds(t *testing.T) {
	var keys []string
	for _, k := range []engage.Kind{engage.ForHousehold, engage.ForVillage, engage.ForSchool} {
		keys = append(keys, "need.kind."+string(k))
	}
	for _, st := range []engage.NeedState{engage.NeedPending, engage.NeedApproved, engage.NeedFunded, engage.NeedDelivered, engage.NeedCancelled} {
		keys = append(keys, "need.state."+string(st))
	}
	for _, st := range []market.PaymentState{market.PaymentOpen, market.PaymentPaid, market.PaymentFailed, market.PaymentRefunded} {
		keys = append(keys, "donation.state."+string(st))
	}
	for _, k := range keys {
		if _, ok := catalogue[k]; !ok {
			t.Errorf("catalogue.json has no %q", k)
		}
	}
}

// TestCatalogueCoversHealth checks the keys the consultation pages build
// from a specialty, an urgency, a request's state, a patient's sex and a
// weekday.
func TestCatalogueCoversHealth(t *testing.T) {
	var keys []string
	for _, sp := range health.Specialties {
		keys = append(keys, "specialty."+sp)
	}
	for _, u := range health.Urgencies {
		keys = append(keys, "urgency."+string(u))
	}
	for _, st := range []health.RequestState{health.RequestOpen, health.RequestAssigned, health.RequestDone, health.RequestCancelled} {
		keys = append(keys, "consult.state."+string(st))
	}
	for _, sex := range []string{"f", "m", "x"} {
		keys = append(keys, "consult.sex."+sex)
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		keys = append(keys, "weekday."+d.String())
	}
	for _, k := range keys {
		if _, ok := catalogue[k]; !ok {
			t.Errorf("catalogue.json has no %q", k)
		}
	}
}
