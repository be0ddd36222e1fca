package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/sqlstore"
)

// TestRegistryAPI drives the household and measure API of the demo server
// over HTTP, on SQLite and (when TIDE_TEST_POSTGRES is set) PostgreSQL.
func TestRegistryAPI(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			m := startDemo(t, sqlstore.TestURL(t, d))
			base := m.URL()
			t.Run("HouseholdRoundTrip", func(t *testing.T) { testHouseholdRoundTrip(t, base) })
			t.Run("OtherCountyIsNotFound", func(t *testing.T) { testHouseholdOtherCounty(t, base) })
			t.Run("Measures", func(t *testing.T) { testMeasuresAPI(t, base) })
			t.Run("BadHouseholdInput", func(t *testing.T) { testBadHouseholdInput(t, base) })
		})
	}
}

// apiIDSeq numbers the ID numbers these tests register. Their birth digits
// (1900) are older than anyone the demo makes, so none is taken.
var apiIDSeq int

func apiIDNumber(county string) string {
	apiIDSeq++
	first := fmt.Sprintf("%s19000101%03d", county, apiIDSeq)
	return first + string(registry.ChineseIDCheck(first))
}

// apiHouseholdBody is the JSON of a two-person household in village.
func apiHouseholdBody(village string) string {
	body, _ := json.Marshal(map[string]any{
		"village": village, "income_per_person": 520000, "last_year_income": 450000, "shock_costs": 0,
		"indicators": map[string]float64{"food_secure": 1, "clothing_secure": 1, "compulsory_education": 1,
			"medical_insurance": 1, "safe_housing": 1, "safe_drinking_water": 0},
		"cadre": map[string]string{"name": "赵敏", "phone": "13700001234"},
		"members": []map[string]any{
			{"name": "测试甲", "sex": "m", "birth_date": "1968-05-04", "relation": "head", "id_number": apiIDNumber(village[:6]),
				"phone": "13911112222", "schooling": "初中", "medical_insurance": true},
			{"name": "测试乙", "sex": "f", "birth_date": "2011-09-01", "relation": "child", "id_number": apiIDNumber(village[:6]),
				"schooling": "初中2年级在读", "medical_insurance": true},
		},
	})
	return string(body)
}

// apiHousehold is what the API answers for a household.
type apiHousehold struct {
	Ref             string             `json:"ref"`
	Village         string             `json:"village"`
	Status          string             `json:"status"`
	IncomePerPerson int64              `json:"income_per_person"`
	LastYearIncome  int64              `json:"last_year_income"`
	Indicators      map[string]float64 `json:"indicators"`
	Cadre           struct{ Name, Phone string }
	Members         []struct {
		Name     string `json:"name"`
		Birth    string `json:"birth_date"`
		Relation string `json:"relation"`
		IDNumber string `json:"id_number"`
		Phone    string `json:"phone"`
	} `json:"members"`
}

// firstHousehold returns the ref of a household in region, as seen by token.
func firstHousehold(tb testing.TB, base, token, region string) string {
	tb.Helper()
	var page struct {
		Items []apiHousehold `json:"items"`
		Total int            `json:"total"`
	}
	getJSON(tb, base, token, "/api/v1/households?limit=1&region="+region, &page)
	if page.Total == 0 || len(page.Items) != 1 {
		tb.Fatalf("no household in %s: %+v", region, page)
	}
	return page.Items[0].Ref
}

func testHouseholdRoundTrip(t *testing.T, base string) {
	reg := login(t, base, "registrar1")
	village := whoAmI(t, base, reg).Scope + "002"
	body := apiHouseholdBody(village)
	var sent apiHousehold
	decodeJSON(t, []byte(body), &sent)

	status, b := call(t, base, reg, "POST", "/api/v1/households", body)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v1/households: %d %s", status, b)
	}
	var created apiHousehold
	decodeJSON(t, b, &created)
	if created.Ref == "" || created.Status != "identified" {
		t.Fatalf("created %+v", created)
	}
	var got apiHousehold
	getJSON(t, base, reg, "/api/v1/households/"+created.Ref, &got)
	if got.Ref != created.Ref || got.Village != village || got.IncomePerPerson != 520000 || got.LastYearIncome != 450000 ||
		got.Indicators["safe_drinking_water"] != 0 || got.Indicators["food_secure"] != 1 || got.Cadre.Name != "赵敏" {
		t.Errorf("read back %+v", got)
	}
	if len(got.Members) != 2 {
		t.Fatalf("members %+v", got.Members)
	}
	for i, m := range got.Members {
		if want := sent.Members[i]; m.Name != want.Name || m.Birth != want.Birth || m.Relation != want.Relation ||
			m.IDNumber != want.IDNumber || m.Phone != want.Phone {
			t.Errorf("member %d: got %+v, want %+v", i, m, want)
		}
	}
	var masked apiHousehold
	getJSON(t, base, login(t, base, "analyst"), "/api/v1/households/"+created.Ref, &masked)
	if id := masked.Members[0].IDNumber; id != registry.MaskID(sent.Members[0].IDNumber) {
		t.Errorf("analyst sees ID number %q, want it masked", id)
	}
	status, b = call(t, base, reg, "POST", "/api/v1/households", body)
	wantError(t, "the same ID numbers again", status, b, http.StatusConflict, "conflict", "members[0].id_number")
}

// testHouseholdOtherCounty: an officer asking for another county's household
// is told it does not exist, whatever the verb.
func testHouseholdOtherCounty(t *testing.T, base string) {
	c1, c2 := login(t, base, "county1"), login(t, base, "county2")
	scope1, scope2 := whoAmI(t, base, c1).Scope, whoAmI(t, base, c2).Scope
	ref := firstHousehold(t, base, c2, scope2)
	if status, b := call(t, base, c2, "GET", "/api/v1/households/"+ref, ""); status != http.StatusOK {
		t.Fatalf("own county's officer: %d %s", status, b)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/households/" + ref, ""},
		{"PUT", "/api/v1/households/" + ref, apiHouseholdBody(scope1 + "001001")},
		{"GET", "/api/v1/households/" + ref + "/history", ""},
		{"POST", "/api/v1/households/" + ref + "/exit", ""},
		{"POST", "/api/v1/households/" + ref + "/exit/approve", ""},
		{"POST", "/api/v1/households/" + ref + "/assistance", `{"kind": "industry", "cost": 100000, "date": "2026-01-05"}`},
		{"GET", "/api/v1/households/" + ref + "/assistance", ""},
	} {
		status, b := call(t, base, c1, r.method, r.path, r.body)
		wantError(t, r.method+" "+r.path, status, b, http.StatusNotFound, "not_found", "")
	}
	var list struct {
		Total int `json:"total"`
	}
	getJSON(t, base, c1, "/api/v1/households?region="+scope2, &list)
	if list.Total != 0 {
		t.Errorf("county1 lists %d households of county2's county", list.Total)
	}
}

// measuresJSON is the answer of GET /api/v1/measures.
type measuresJSON struct {
	Policy     string  `json:"policy"`
	Line       int64   `json:"line"`
	Region     string  `json:"region"`
	Persons    int64   `json:"persons"`
	Households int64   `json:"households"`
	P0         float64 `json:"p0"`
	P1         float64 `json:"p1"`
	P2         float64 `json:"p2"`
	MPI        struct {
		H  float64 `json:"h"`
		A  float64 `json:"a"`
		M0 float64 `json:"m0"`
	} `json:"mpi"`
	Children []struct {
		Region  string `json:"region"`
		Persons int64  `json:"persons"`
	} `json:"children"`
}

func testMeasuresAPI(t *testing.T, base string) {
	c1 := login(t, base, "county1")
	scope := whoAmI(t, base, c1).Scope
	path := "/api/v1/measures?policy=cn-2020&region=" + scope
	status, b := call(t, base, c1, "GET", path, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, b)
	}
	var raw map[string]json.RawMessage
	decodeJSON(t, b, &raw)
	for _, k := range []string{"persons", "households", "p0", "p1", "p2", "mpi", "children"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("measures lack %q: %s", k, b)
		}
	}
	var m measuresJSON
	decodeJSON(t, b, &m)
	if m.Policy != "cn-2020" || m.Line != 400000 || m.Region != scope || m.Persons <= m.Households || m.Households == 0 {
		t.Errorf("measures %+v", m)
	}
	if m.P0 <= 0 || m.P0 >= 1 || m.P1 <= 0 || m.P1 > m.P0 || m.P2 > m.P1 || m.MPI.H <= 0 || m.MPI.M0 > m.MPI.H || m.MPI.A < 1.0/6 {
		t.Errorf("implausible measures %+v", m)
	}
	var sum int64
	for _, c := range m.Children {
		if !strings.HasPrefix(c.Region, scope) {
			t.Errorf("child %s outside %s", c.Region, scope)
		}
		sum += c.Persons
	}
	if len(m.Children) == 0 || sum != m.Persons {
		t.Errorf("children %d with %d persons, want them to add up to %d", len(m.Children), sum, m.Persons)
	}

	// A line overrides the policy's; a higher line never lowers P0.
	last := m
	for _, line := range []int64{200000, 400000, 600000, 1200000} {
		var ml measuresJSON
		getJSON(t, base, c1, fmt.Sprintf("%s&line=%d", path, line), &ml)
		if ml.Line != line || (line > 200000 && ml.P0 < last.P0) {
			t.Errorf("line %d: line %d, P0 %.4f after %.4f", line, ml.Line, ml.P0, last.P0)
		}
		if line == 400000 && ml.P0 != m.P0 {
			t.Errorf("the policy's own line given explicitly: P0 %.4f, want %.4f", ml.P0, m.P0)
		}
		last = ml
	}

	var g measuresJSON
	getJSON(t, base, c1, "/api/v1/measures?policy=global-mpi&region="+scope, &g)
	if g.Policy != "global-mpi" || g.Persons != m.Persons || g.MPI.H <= 0 || g.MPI.A < 1.0/3 {
		t.Errorf("global-mpi measures %+v", g)
	}

	for _, tc := range []struct {
		what, path  string
		status      int
		code, field string
	}{
		{"unknown policy", "/api/v1/measures?policy=nosuch&region=" + scope, http.StatusBadRequest, "invalid", "policy"},
		{"bad line", path + "&line=abc", http.StatusBadRequest, "invalid", "line"},
		{"region of another county", "/api/v1/measures?policy=cn-2020&region=" + whoAmI(t, base, login(t, base, "county2")).Scope,
			http.StatusNotFound, "not_found", ""},
	} {
		status, b := call(t, base, c1, "GET", tc.path, "")
		wantError(t, tc.what, status, b, tc.status, tc.code, tc.field)
	}
}

func testBadHouseholdInput(t *testing.T, base string) {
	reg := login(t, base, "registrar1")
	village := whoAmI(t, base, reg).Scope + "001"
	var total struct {
		Total int `json:"total"`
	}
	getJSON(t, base, reg, "/api/v1/households?limit=1", &total)
	before := total.Total
	good := apiHouseholdBody(village)
	for _, tc := range []struct{ what, body, field string }{
		{"unknown field", strings.Replace(good, `"village"`, `"colour": "red", "village"`, 1), "colour"},
		{"wrong type", strings.Replace(good, `"income_per_person":520000`, `"income_per_person":"lots"`, 1), "income_per_person"},
		{"wrong type in a member", strings.Replace(good, `"medical_insurance":true`, `"medical_insurance":"yes"`, 1), "members.medical_insurance"},
		{"missing members", fmt.Sprintf(`{"village": %q, "income_per_person": 100}`, village), "members"},
		{"empty members", fmt.Sprintf(`{"village": %q, "members": []}`, village), "members"},
		{"bad birth date", strings.Replace(good, `"1968-05-04"`, `"1968-13-04"`, 1), "members[0].birth_date"},
		{"village outside scope", strings.Replace(good, village, village[:6]+"002001", 1), "village"},
		{"malformed JSON", `{"village": `, ""},
	} {
		status, b := call(t, base, reg, "POST", "/api/v1/households", tc.body)
		wantError(t, tc.what, status, b, http.StatusBadRequest, "invalid", tc.field)
	}
	getJSON(t, base, reg, "/api/v1/households?limit=1", &total)
	if total.Total != before {
		t.Errorf("refused households were written: %d → %d", before, total.Total)
	}
}
