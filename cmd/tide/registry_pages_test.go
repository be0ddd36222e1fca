package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// regPageClient is a browser without a browser: a cookie jar, the CSRF
// token and no redirect following, so tests see each answer.
type regPageClient struct {
	tb   testing.TB
	base string
	c    *http.Client
}

func newRegPageClient(tb testing.TB, base string) *regPageClient {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	return &regPageClient{tb: tb, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *regPageClient) do(req *http.Request) (int, string, string) {
	p.tb.Helper()
	resp, err := p.c.Do(req)
	if err != nil {
		p.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.tb.Fatalf("%s %s: read: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (p *regPageClient) get(path string) (int, string) {
	p.tb.Helper()
	req, _ := http.NewRequest("GET", p.base+path, nil)
	status, _, body := p.do(req)
	return status, body
}

// post sends a form with the CSRF token and returns the status, the
// redirect target and the body.
func (p *regPageClient) post(path string, form url.Values) (int, string, string) {
	p.tb.Helper()
	u, _ := url.Parse(p.base)
	for _, c := range p.c.Jar.Cookies(u) {
		if c.Name == "tide_csrf" {
			form.Set("csrf", c.Value)
		}
	}
	req, _ := http.NewRequest("POST", p.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req)
}

func (p *regPageClient) login(name string) {
	p.tb.Helper()
	if status, _ := p.get("/login"); status != http.StatusOK {
		p.tb.Fatalf("GET /login: %d", status)
	}
	status, loc, body := p.post("/login", url.Values{"name": {name}, "password": {demoPassword}, "next": {"/"}})
	if status != http.StatusSeeOther || loc != "/" {
		p.tb.Fatalf("sign in as %s: %d %q\n%s", name, status, loc, body)
	}
}

// regHouseholdForm is the registration form of a one-person household that
// meets every indicator of the exit policy, with five blank member rows.
func regHouseholdForm(m *Main, name, birth, idNumber string) url.Values {
	f := url.Values{"village": {regTestVillage}, "income": {"4,800.50"}, "last_year": {"4200"}, "shock": {""},
		"cadre_name": {"Li Wei"}, "cadre_phone": {"13800138000"},
		"m0.name": {name}, "m0.sex": {"f"}, "m0.birth": {birth}, "m0.relation": {"head"}, "m0.id_number": {idNumber},
		"m0.phone": {""}, "m0.insurance": {"1"}}
	p, _ := m.Policies.Lookup(m.Config.ExitPolicy)
	for _, ind := range p.Indicators {
		f.Set("ind."+ind.ID, "1")
	}
	for i := 1; i < 6; i++ {
		for _, k := range []string{"name", "birth", "id_number", "phone", "disability", "health", "schooling"} {
			f.Set(fmt.Sprintf("m%d.%s", i, k), "")
		}
	}
	return f
}

// TestRegistryPages drives the household pages over plain HTTP: a refused
// form keeps what was typed and marks the field, a household outside the
// caller's county is not found, and an approval during the public posting
// is refused with the service's reason.
func TestRegistryPages(t *testing.T) {
	m := startRegistryDemo(t, 7)
	cat := catalogue(t)
	reg := newRegPageClient(t, m.URL())
	reg.login("registrar1")

	if status, body := reg.get("/households/new"); status != http.StatusOK || !strings.Contains(body, `id="household-form"`) {
		t.Fatalf("GET /households/new: %d\n%s", status, body)
	}

	name := "王小明"
	future := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	t.Run("ErrBirthInFuture", func(t *testing.T) {
		form := regHouseholdForm(m, name, future, "")
		form.Set("m1.name", "") // an empty row stays ignored
		status, _, body := reg.post("/households", form)
		if status != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400\n%s", status, body)
		}
		for _, want := range []string{`value="` + name + `"`, `value="` + future + `"`, `value="4,800.50"`, `id="e-m0-birth"`,
			`aria-invalid="true" aria-describedby="e-m0-birth"`, cat["member.birth"]["en"]} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if !strings.Contains(body, `role="alert" id="error"`) {
			t.Errorf("the refused form shows no error message")
		}
	})

	idNumber := regIDNumber("19800101")
	status, loc, body := reg.post("/households", regHouseholdForm(m, name, "1980-01-01", idNumber))
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/households/") {
		t.Fatalf("register: %d %q\n%s", status, loc, body)
	}
	path, _, _ := strings.Cut(loc, "?")
	ref := strings.TrimPrefix(path, "/households/")
	status, body = reg.get(path)
	if status != http.StatusOK || !strings.Contains(body, name) || !strings.Contains(body, idNumber) {
		t.Fatalf("GET %s: %d; want the name and the full ID number\n%s", path, status, body)
	}
	if !strings.Contains(body, "4,800.50") {
		t.Errorf("the household page does not show the income 4,800.50")
	}
	if _, list := reg.get("/households?name=" + url.QueryEscape(name)); !strings.Contains(list, `href="/households/`+ref+`"`) {
		t.Errorf("the households list found by name does not link to %s", ref)
	}

	t.Run("AssistanceAndCadre", func(t *testing.T) {
		status, _, body := reg.post(path+"/assistance", url.Values{"kind": {"industry"}, "description": {"tea seedlings"}, "cost": {"12.345"}, "date": {"2024-03-01"}})
		if status != http.StatusBadRequest || !strings.Contains(body, `value="tea seedlings"`) || !strings.Contains(body, `value="12.345"`) {
			t.Errorf("assistance with a bad cost: %d, want 400 keeping what was typed\n%s", status, body)
		}
		if status, loc, body := reg.post(path+"/assistance", url.Values{"kind": {"industry"}, "description": {"tea seedlings"}, "cost": {"1,200.50"}, "date": {"2024-03-01"}}); status != http.StatusSeeOther {
			t.Fatalf("record assistance: %d %q\n%s", status, loc, body)
		}
		_, body = reg.get(path)
		if !strings.Contains(body, "1,200.50") || !strings.Contains(body, `data-status="assisted"`) {
			t.Errorf("after assistance the page lacks the cost 1,200.50 or the status assisted")
		}
		status, _, body = reg.post(path+"/cadre", url.Values{"name": {"Zhao Gang"}, "phone": {"call me"}})
		if status != http.StatusBadRequest || !strings.Contains(body, html.EscapeString(cat["household.cadre_phone"]["en"])) || !strings.Contains(body, `value="call me"`) {
			t.Errorf("pairing with a bad phone: %d, want 400 naming the phone and keeping it", status)
		}
		if status, _, body := reg.post(path+"/cadre", url.Values{"name": {"Zhao Gang"}, "phone": {"13900139000"}}); status != http.StatusSeeOther {
			t.Errorf("pair a cadre: %d\n%s", status, body)
		}
	})
	t.Run("Edit", func(t *testing.T) {
		status, body := reg.get(path + "/edit")
		if status != http.StatusOK || !strings.Contains(body, `value="4800.50"`) || !strings.Contains(body, `value="`+idNumber+`"`) {
			t.Fatalf("GET %s/edit: %d, want the income and ID number filled in\n%s", path, status, body)
		}
		form := regHouseholdForm(m, name, "1980-01-01", idNumber)
		form.Set("income", "5000")
		form.Set("m1.name", "Wang Xiaohong")
		form.Set("m1.relation", "child")
		form.Set("m1.sex", "f")
		form.Set("m1.birth", "2010-06-01")
		if status, loc, body := reg.post(path+"/edit", form); status != http.StatusSeeOther {
			t.Fatalf("update: %d %q\n%s", status, loc, body)
		}
		_, body = reg.get(path)
		if !strings.Contains(body, "5,000.00") || !strings.Contains(body, "Wang Xiaohong") {
			t.Errorf("after the update the page lacks the new income or member")
		}
	})

	for _, step := range []string{"propose", "review"} {
		if status, loc, body := reg.post(path+"/exit", url.Values{"step": {step}}); status != http.StatusSeeOther {
			t.Fatalf("registrar1 %s: %d %q\n%s", step, status, loc, body)
		}
	}

	county := newRegPageClient(t, m.URL())
	county.login("county1")
	if status, loc, body := county.post(path+"/exit", url.Values{"step": {"check"}}); status != http.StatusSeeOther {
		t.Fatalf("county1 check: %d %q\n%s", status, loc, body)
	}
	t.Run("ErrApproveDuringPosting", func(t *testing.T) {
		status, _, body := county.post(path+"/exit", url.Values{"step": {"approve"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "public posting runs until") {
			t.Errorf("approve during the posting: %d, want 400 with the posting's end\n%s", status, body)
		}
		if !strings.Contains(body, `data-stage="posted"`) {
			t.Errorf("after the refused approval the page does not show the exit as posted")
		}
	})
	for _, p := range []string{"/measures", "/exits", "/exits?stage=posted", "/monitoring", "/households"} {
		if status, body := county.get(p); status != http.StatusOK {
			t.Errorf("county1 GET %s: %d\n%s", p, status, body)
		}
	}
	if _, body := county.get("/exits?stage=posted"); !strings.Contains(body, `href="/households/`+ref+`"`) {
		t.Errorf("/exits?stage=posted does not list the household")
	}

	t.Run("Roles", func(t *testing.T) {
		admin := newRegPageClient(t, m.URL())
		admin.login("admin")
		for _, p := range []string{"/measures", "/measures?policy=global-mpi&line=2000", "/households/new", "/exits", "/monitoring", path} {
			if status, body := admin.get(p); status != http.StatusOK {
				t.Errorf("admin GET %s: %d\n%s", p, status, body)
			}
		}
		analyst := newRegPageClient(t, m.URL())
		analyst.login("analyst")
		if status, _ := analyst.get("/households/new"); status != http.StatusForbidden {
			t.Errorf("analyst GET /households/new: %d, want 403", status)
		}
		status, body := analyst.get(path)
		if status != http.StatusOK || strings.Contains(body, idNumber) || strings.Contains(body, `id="exit-form"`) {
			t.Errorf("analyst GET %s: %d; want the page with the ID number masked and no exit buttons", path, status)
		}
		seller := newRegPageClient(t, m.URL())
		seller.login("seller1")
		if status, _ := seller.get("/households"); status != http.StatusForbidden {
			t.Errorf("seller1 GET /households: %d, want 403", status)
		}
	})

	t.Run("Chinese", func(t *testing.T) {
		zh := newRegPageClient(t, m.URL())
		zh.login("registrar1")
		if status, loc, _ := zh.post("/lang", url.Values{"lang": {"zh"}, "next": {path}}); status != http.StatusSeeOther || loc != path {
			t.Fatalf("switch to Chinese: %d %q", status, loc)
		}
		p, _ := m.Policies.Lookup(m.Config.ExitPolicy)
		for page, wants := range map[string][]string{
			path:              {cat["exit.title"]["zh"], cat["household.members"]["zh"], p.Indicators[0].NameZH},
			"/households/new": {cat["household.register"]["zh"], p.Indicators[0].NameZH, cat["relation.head"]["zh"]},
			"/measures":       {cat["measures.by_status"]["zh"], cat["status.exited"]["zh"]},
			"/exits":          {cat["exits.title"]["zh"]},
		} {
			status, body := zh.get(page)
			if status != http.StatusOK {
				t.Errorf("GET %s in Chinese: %d", page, status)
			}
			for _, want := range wants {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s in Chinese lacks %q", page, want)
				}
			}
		}
	})

	t.Run("OtherCountyNotFound", func(t *testing.T) {
		other := newRegPageClient(t, m.URL())
		other.login("county2")
		status, body := other.get(path)
		if status != http.StatusNotFound || !strings.Contains(body, cat["error.notfound"]["en"]) {
			t.Errorf("county2 GET %s: %d, want 404 with %q", path, status, cat["error.notfound"]["en"])
		}
		if strings.Contains(body, name) || strings.Contains(body, idNumber[:10]) {
			t.Errorf("county2's 404 page shows the household's name or ID number")
		}
		if status, _, _ := other.post(path+"/exit", url.Values{"step": {"approve"}}); status != http.StatusNotFound {
			t.Errorf("county2 approving: %d, want 404", status)
		}
		if status, _ := other.get("/measures?region=" + regScope(t, m, "county1")); status != http.StatusNotFound {
			t.Errorf("county2 GET county1's measures: %d, want 404", status)
		}
	})
}
