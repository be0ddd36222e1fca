package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/registry"
)

// The household model. Amounts are yuan here and fen in the registry.
const (
	incomeLine    = 4000.0 // cn-2020's line, yuan per person per year
	campaignYears = 6      // registration opens this many years before today
)

// area is what the model knows of a village: where it is and how remote.
type area struct {
	village string
	county  string
	remote  float64 // 0 near the county town, 1 far in the hills
}

// spreadHouseholds returns how many households each village gets: about
// total in all, more in remote villages, and at least two in each.
func spreadHouseholds(rng *rand.Rand, villages []area, total int) []int {
	w := make([]float64, len(villages))
	sum := 0.0
	for i, v := range villages {
		w[i] = math.Exp(1.6*v.remote + 0.35*rng.NormFloat64())
		sum += w[i]
	}
	out := make([]int, len(villages))
	for i := range w {
		out[i] = max(2, int(math.Round(float64(total)*w[i]/sum)))
	}
	return out
}

// remoteness draws how remote each county, township and village is, so that
// poorer remote counties hold more households and deeper deprivation.
func remoteness(rng *rand.Rand, p *Province) []area {
	county := map[string]float64{}
	for _, c := range p.Counties {
		county[c.Code] = rng.Float64()
	}
	township := map[string]float64{}
	var out []area
	for _, v := range p.Villages {
		c := v.Code[:6]
		t, ok := township[v.Parent]
		if !ok {
			t = clamp01(county[c] + 0.12*rng.NormFloat64())
			township[v.Parent] = t
		}
		out = append(out, area{village: v.Code, county: c, remote: clamp01(t + 0.08*rng.NormFloat64())})
	}
	return out
}

func clamp01(x float64) float64 { return min(1, max(0, x)) }

// householdKind is the shape of a household, which drives its members, its
// income and the help it gets.
type householdKind int

const (
	ableFamily  householdKind = iota // working-age parents with children, maybe grandparents
	sickFamily                       // a family with a seriously ill or disabled member
	elderlyHome                      // old people, often raising grandchildren
)

// person is a member as the model sees them before they become a registry.Member.
type person struct {
	m        registry.Member
	birth    time.Time
	age      int // today
	years    int // years of school completed
	inSchool bool
}

// family draws a household's members as they were on the day it registered,
// with their ages today.
func (g *generator) family(rng *rand.Rand, a area, kind householdKind, reg time.Time) []person {
	// About 3 persons on average, as China's registered poor households had.
	size := pick(rng.Float64(), []float64{0.15, 0.40, 0.64, 0.82, 0.92, 0.97}, []int{1, 2, 3, 4, 5, 6, 7})
	var ps []person
	add := func(rel, sex, family string, ageAtReg int) {
		birth := birthAt(rng, reg, ageAtReg)
		ps = append(ps, person{m: registry.Member{Name: personName(rng, family, sex), Sex: sex, Relation: rel,
			Birth: birth.Format("2006-01-02")}, birth: birth, age: ageOn(birth, g.today)})
	}
	other := func(sex string) string {
		if sex == "m" {
			return "f"
		}
		return "m"
	}
	headSex := "m"
	if rng.IntN(100) < 18 {
		headSex = "f"
	}
	family := surname(rng)
	switch kind {
	case elderlyHome:
		headAge := 60 + rng.IntN(22)
		add("head", headSex, family, headAge)
		if size >= 2 && rng.IntN(100) < 65 {
			add("spouse", other(headSex), "", headAge-3+rng.IntN(7))
		}
		for len(ps) < size { // grandchildren whose parents work in the cities
			sex := []string{"m", "f"}[rng.IntN(2)]
			add("grandchild", sex, family, rng.IntN(14))
		}
	default:
		headAge := 26 + rng.IntN(32)
		add("head", headSex, family, headAge)
		if size >= 2 && rng.IntN(100) < 85 {
			add("spouse", other(headSex), "", max(20, headAge-4+rng.IntN(8)))
		}
		parents := 0
		if size-len(ps) >= 3 && headAge < 50 {
			parents = 1 + rng.IntN(2)
		}
		for len(ps) < size-parents {
			sex := []string{"m", "f"}[rng.IntN(2)]
			add("child", sex, family, rng.IntN(max(1, min(headAge-19, 24))))
		}
		for i := 0; i < parents; i++ {
			sex, fam := "m", family
			if i == 1 || rng.IntN(2) == 0 {
				sex, fam = "f", ""
			}
			add("parent", sex, fam, headAge+22+rng.IntN(10))
		}
	}
	for i := range ps {
		p := &ps[i]
		p.m.IDNumber = g.ids.next(rng, a.county, p.birth, p.m.Sex)
		switch {
		case p.age < 6:
		case p.age <= 18 && (p.age <= 15 || rng.IntN(100) < 55):
			p.inSchool, p.years = true, min(p.age-6, 12)
		case p.age <= 22 && rng.IntN(100) < 20:
			p.inSchool, p.years = true, 12+min(p.age-18, 3)
		case p.age < 16:
			p.years = p.age - 6
		default:
			p.years = adultYears(rng, p.age, a.remote)
		}
		if p.age >= 18 && (p.m.Relation == "head" && rng.IntN(100) < 70 || rng.IntN(100) < 25) {
			p.m.Phone = mobile(rng)
		}
		p.m.Health = "健康"
		sick := 0.10
		if p.age >= 60 {
			sick = 0.40
		}
		switch r := rng.Float64(); {
		case r < 0.02+sick*0.1:
			p.m.Health = "患大病"
		case r < 0.05+sick*0.2:
			p.m.Health, p.m.Disability = "残疾", disabilities[rng.IntN(len(disabilities))]
		case r < 0.05+sick:
			p.m.Health = "长期慢性病"
		}
		p.m.MedicalInsurance = true
	}
	if kind == sickFamily {
		p := &ps[rng.IntN(len(ps))]
		if rng.IntN(2) == 0 {
			p.m.Health = "患大病"
		} else {
			p.m.Health, p.m.Disability = "残疾", disabilities[rng.IntN(len(disabilities))]
		}
	}
	return ps
}

var disabilities = []string{"肢体残疾二级", "肢体残疾三级", "肢体残疾四级", "视力残疾二级", "视力残疾四级",
	"听力残疾三级", "言语残疾四级", "智力残疾三级", "精神残疾三级"}

// facts sets the household's incomes, shocks and the indicators of both
// shipped policies, correlated with one another, with its members and with
// how remote it is and how long it has been helped (years since it
// registered). It returns the first-year income, yuan.
func facts(rng *rand.Rand, h *registry.Household, ps []person, a area, kind householdKind, years float64) float64 {
	// First-year income: log-normal around a median below the line that is
	// lower in remote counties, so most households register poor.
	median := (3300 - 1100*a.remote) * [...]float64{ableFamily: 1, sickFamily: 0.85, elderlyHome: 0.8}[kind]
	first := median * math.Exp(0.4*rng.NormFloat64())
	// Income grows with the years of help, fastest in the first ones: work
	// and industry for able families, transfers for the old and the sick. The
	// poorest got the most help (and the social-security floor), so incomes
	// drew closer to the county's median as they grew.
	helped := max(0, years-0.3)
	growth := [...]float64{ableFamily: 1.8, sickFamily: 1.75, elderlyHome: 1.7}[kind]*(1-0.1*a.remote) + 0.12*rng.NormFloat64()
	if rng.Float64() < 0.10+0.25*a.remote { // deep poverty: help has barely moved it yet
		growth = 0.45 + 0.15*rng.NormFloat64()
	}
	now := math.Sqrt(first*median) * math.Exp(growth*(1-math.Exp(-helped/2))+0.1*rng.NormFloat64())
	if helped == 0 {
		now = first * math.Exp(0.1*rng.NormFloat64())
	}
	last := now / math.Exp(max(0, growth*math.Exp(-helped/2)/2)+0.05*rng.NormFloat64())
	if rng.IntN(1000) < 15 { // a bad year: lost work, a failed harvest
		last = now * (1.45 + 0.5*rng.Float64())
	}
	h.IncomePerPerson, h.LastYearIncome = fen(now), fen(min(last, 1e6))
	for _, p := range ps {
		if p.m.Health == "患大病" && rng.IntN(100) < 30 { // this year's costs after insurance
			h.ShockCosts += fen(3000 + 17000*rng.Float64())
		}
	}
	if rng.Float64() < 0.03*a.remote { // flood, landslide, hail
		h.ShockCosts += fen(3000 + 20000*rng.Float64())
	}

	// cn-2020: each guarantee unmet at registration with a chance that rises
	// with remoteness and poverty, and mostly met after some years of help.
	poorer := clamp01((incomeLine - first) / incomeLine)
	fixed := math.Exp(-1.1 * years)
	unmet := func(p float64) bool { return rng.Float64() < p*(1+a.remote)*(0.6+poorer)*fixed }
	schoolAge := -1
	for i, p := range ps {
		if p.age >= 6 && p.age <= 15 {
			schoolAge = i
		}
	}
	ind := map[string]float64{"food_secure": 1, "clothing_secure": 1, "compulsory_education": 1, "medical_insurance": 1,
		"safe_housing": 1, "safe_drinking_water": 1}
	if unmet(0.10) {
		ind["food_secure"] = 0
	}
	if unmet(0.06) {
		ind["clothing_secure"] = 0
	}
	if schoolAge >= 0 && unmet(0.15) {
		ind["compulsory_education"] = 0
		ps[schoolAge].inSchool = false
	}
	if unmet(0.18) {
		ind["medical_insurance"] = 0
		ps[rng.IntN(len(ps))].m.MedicalInsurance = false
	}
	if unmet(0.35) {
		ind["safe_housing"] = 0
	}
	if unmet(0.30) {
		ind["safe_drinking_water"] = 0
	}

	// The global MPI's ten indicators, from the same household.
	best, attending := 0, 1.0
	for i := range ps {
		p := &ps[i]
		p.m.Schooling = schoolingText(p.age, p.years, p.inSchool)
		if p.age >= 10 {
			best = max(best, p.years)
		}
		if p.age >= 6 && p.age <= 14 && !p.inSchool {
			attending = 0
		}
	}
	no := func(p float64) float64 {
		if rng.Float64() < p {
			return 0
		}
		return 1
	}
	ind["nutrition"] = min(ind["food_secure"], no(0.03+0.05*poorer))
	ind["child_mortality"] = no(0.01 + 0.02*a.remote)
	ind["years_of_schooling"] = float64(best)
	ind["school_attendance"] = attending
	ind["cooking_fuel"] = no(0.15 + 0.45*a.remote)
	ind["sanitation"] = no(0.12 + 0.35*a.remote)
	ind["drinking_water"] = min(ind["safe_drinking_water"], no(0.04))
	ind["electricity"] = no(0.01 * a.remote)
	ind["housing"] = min(ind["safe_housing"], no(0.06))
	ind["assets"] = no(0.08 + 0.15*a.remote + 0.2*poorer)
	h.Indicators = ind
	for _, p := range ps {
		h.Members = append(h.Members, p.m)
	}
	return first
}

func fen(yuan float64) int64 { return int64(math.Round(yuan * 100)) }

// mpiScore is the household's global-MPI weighted deprivation score.
func mpiScore(ind map[string]float64) float64 {
	s := 0.0
	for _, k := range []string{"nutrition", "child_mortality", "school_attendance"} {
		if ind[k] == 0 {
			s += 1.0 / 6
		}
	}
	if ind["years_of_schooling"] < 6 {
		s += 1.0 / 6
	}
	for _, k := range []string{"cooking_fuel", "sanitation", "drinking_water", "electricity", "housing", "assets"} {
		if ind[k] == 0 {
			s += 1.0 / 18
		}
	}
	return s
}

// mayExit tells whether the household meets the exit standard of the shipped
// policy named, as the registry will assess it; for another policy it says
// yes and the registry has the last word.
func mayExit(policyID string, h *registry.Household) bool {
	switch policyID {
	case "cn-2020":
		for _, k := range []string{"food_secure", "clothing_secure", "compulsory_education", "medical_insurance",
			"safe_housing", "safe_drinking_water"} {
			if h.Indicators[k] != 1 {
				return false
			}
		}
		return h.IncomePerPerson > fen(incomeLine)
	case "global-mpi":
		return mpiScore(h.Indicators) <= 5.0/18+1e-9
	}
	return true
}
