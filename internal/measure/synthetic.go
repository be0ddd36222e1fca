package measure

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
)

// SyntheticLine is the poverty line Synthetic draws incomes around: 4,000
// yuan a year per person, in fen.
const SyntheticLine = 400000

// SyntheticParams returns Params that suit Synthetic data: SyntheticLine and
// the global MPI's ten indicators (four of weight 1/6, six of 1/18, in the
// order of syntheticBase), poor at k = 1/3.
func SyntheticParams() Params {
	w := make([]float64, 10)
	for j := range w {
		w[j] = 1.0 / 18
		if j < 4 {
			w[j] = 1.0 / 6
		}
	}
	return Params{Line: SyntheticLine, Weights: w, K: 1.0 / 3}
}

// syntheticBase is the chance of deprivation in each indicator for a household
// living at the line: nutrition, child mortality, years of schooling, school
// attendance, cooking fuel, sanitation, drinking water, electricity, housing,
// assets. Poorer households are more often deprived, richer ones less.
var syntheticBase = [10]float64{0.12, 0.03, 0.10, 0.05, 0.30, 0.25, 0.15, 0.03, 0.12, 0.15}

// syntheticSizes is the cumulative distribution of persons per household,
// 1 to 8, with a mean of 3.4, so about 0.3 households per person.
var syntheticSizes = [8]float64{0.12, 0.32, 0.57, 0.77, 0.89, 0.95, 0.98, 1}

// Persons per county and the caps on the tree's shape: 100 million persons
// give about 3,000 counties of about 33,000 persons each, and every level's
// number fits its digits in China-style 12-digit codes.
const (
	syntheticCountyPersons = 33_000
	syntheticMaxCounties   = 31 * 20 * 15
)

// syntheticProvinces are the 31 province codes of mainland China.
var syntheticProvinces = [31]string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
	"34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
	"63", "64", "65"}

// synthTree is the shape Synthetic lays out before drawing any household.
type synthTree struct {
	regions  []Region // preorder; regions[i] becomes node id i+1
	villages []int32  // node ids of villages, county by county
	first    []int32  // county c's villages are villages[first[c]:first[c+1]]
	persons  []int64  // persons of each county
}

// Synthetic builds a deterministic, China-shaped index of exactly persons
// persons (about 0.3 households each) for benchmarks and demos: about one
// county per 33,000 persons (3,000 at 100 million), 10–18 townships per
// county, 8–22 villages per township, log-normal incomes around
// SyntheticLine that differ by county and village, and deprivations in ten
// indicators that grow likelier as income falls. The same persons and seed
// give the same rows, ids 1, 2, … in preorder. Rows are generated county by
// county in parallel and fed straight into the index, so building holds no
// second copy. progress, when not nil, is called from the calling goroutine
// after each county with the persons done so far and the total.
func Synthetic(persons int64, seed uint64, progress func(done, total int64)) ([]Region, *Index) {
	persons = max(persons, 0)
	st := synthShape(persons, seed)
	ix := New()
	if err := ix.AddRegions(st.regions); err != nil {
		panic("measure: synthetic tree: " + err.Error()) // a bug in synthShape
	}
	ix.where = make(map[uint64]loc, int(float64(persons)/3.3))
	counties := len(st.persons)
	slots := make([]chan *synthRows, counties)
	for c := range slots {
		slots[c] = make(chan *synthRows, 1)
	}
	workers := runtime.GOMAXPROCS(0)
	tokens := make(chan struct{}, 4*workers) // bounds counties in flight
	var next atomic.Int64
	for range workers {
		go func() {
			for {
				tokens <- struct{}{}
				c := int(next.Add(1) - 1)
				if c >= counties {
					<-tokens
					return
				}
				slots[c] <- synthCounty(st, c, seed)
			}
		}()
	}
	var done int64
	nextID := uint64(1)
	for c := range counties {
		r := <-slots[c]
		nextID = ix.install(st.villages[st.first[c]:st.first[c+1]], r, nextID)
		<-tokens
		done += st.persons[c]
		if progress != nil {
			progress(done, persons)
		}
	}
	return st.regions, ix
}

// synthShape lays out provinces, prefectures (about 9 counties each),
// counties, townships and villages, and shares persons among counties.
func synthShape(persons int64, seed uint64) *synthTree {
	counties := int(min(max((persons+syntheticCountyPersons/2)/syntheticCountyPersons, 1), syntheticMaxCounties))
	provinces := min(31, (counties+95)/96)
	st := &synthTree{first: []int32{0}}
	add := func(code, parent string) int32 {
		st.regions = append(st.regions, Region{Code: code, Parent: parent})
		return int32(len(st.regions))
	}
	c := 0
	for pv := range provinces {
		prov := syntheticProvinces[pv]
		add(prov, "")
		inProv := counties/provinces + b2i(pv < counties%provinces)
		prefs := (inProv + 8) / 9
		for pf := range prefs {
			pref := prov + pad(pf+1, 2)
			add(pref, prov)
			for ct := range inProv/prefs + b2i(pf < inProv%prefs) {
				county := pref + pad(ct+1, 2)
				add(county, pref)
				rng := rand.New(rand.NewPCG(seed, uint64(2*c)))
				for tw := range 10 + rng.IntN(9) {
					town := county + pad(tw+1, 3)
					add(town, county)
					for v := range 8 + rng.IntN(15) {
						st.villages = append(st.villages, add(town+pad(v+1, 3), town))
					}
				}
				st.first = append(st.first, int32(len(st.villages)))
				c++
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, math.MaxUint64))
	w := make([]float64, counties)
	for i := range w {
		w[i] = math.Exp(0.3 * rng.NormFloat64())
	}
	st.persons = apportion(persons, w)
	return st
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pad formats n in exactly digits decimal digits with leading zeros.
func pad(n, digits int) string {
	s := strconv.Itoa(n)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

// apportion shares total among weights in proportion, rounding cumulative
// shares so that the parts add up to total exactly.
func apportion(total int64, w []float64) []int64 {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	out := make([]int64, len(w))
	cum, prev := 0.0, int64(0)
	for i, x := range w {
		cum += x
		next := int64(math.Round(float64(total) * cum / sum))
		if i == len(w)-1 {
			next = total
		}
		out[i] = max(next-prev, 0)
		prev += out[i]
	}
	return out
}

// install lays a county's rows into the index, one cap-limited window of the
// county's columns per village, and gives them ids from nextID on. It returns
// the next unused id.
func (ix *Index) install(villages []int32, r *synthRows, nextID uint64) uint64 {
	ids := make([]uint64, len(r.income))
	at := 0
	for v, node := range villages {
		n := int(r.counts[v])
		end := at + n
		c := chunk{
			income:   r.income[at:end:end],
			persons:  r.persons[at:end:end],
			deprived: r.deprived[at:end:end],
			id:       ids[at:end:end],
		}
		for i := range n {
			c.id[i] = nextID
			ix.where[nextID] = loc{node, int32(i)}
			ix.persons += int64(c.persons[i])
			nextID++
		}
		ix.rows[node] = c
		at = end
	}
	return nextID
}

// synthRows are one county's generated rows, village after village.
type synthRows struct {
	counts   []int32 // households per village
	income   []int64
	persons  []int32
	deprived []uint32
}

// synthCounty draws county c's households from its own random stream, so the
// result does not depend on which worker draws it or when.
func synthCounty(st *synthTree, c int, seed uint64) *synthRows {
	rng := rand.New(rand.NewPCG(seed, uint64(2*c+1)))
	villages := int(st.first[c+1] - st.first[c])
	w := make([]float64, villages)
	for v := range w {
		w[v] = math.Exp(0.5 * rng.NormFloat64())
	}
	share := apportion(st.persons[c], w)
	expect := int(float64(st.persons[c])/3.4*1.05) + villages
	r := &synthRows{
		counts:   make([]int32, villages),
		income:   make([]int64, 0, expect),
		persons:  make([]int32, 0, expect),
		deprived: make([]uint32, 0, expect),
	}
	countyMu := 0.75 + 0.35*rng.NormFloat64() // log of median income over the line
	for v := range villages {
		villageMu := countyMu + 0.2*rng.NormFloat64()
		for left := share[v]; left > 0; {
			size := int64(1)
			for u := rng.Float64(); u > syntheticSizes[size-1]; size++ {
			}
			size = min(size, left)
			left -= size
			income, mask := synthHousehold(rng, villageMu)
			r.income = append(r.income, income)
			r.persons = append(r.persons, int32(size))
			r.deprived = append(r.deprived, mask)
			r.counts[v]++
		}
	}
	// Trim the slack so the index holds exactly what it needs.
	r.income, r.persons, r.deprived = slices.Clone(r.income), slices.Clone(r.persons), slices.Clone(r.deprived)
	return r
}

// synthHousehold draws one household's income per person and deprivations.
func synthHousehold(rng *rand.Rand, mu float64) (int64, uint32) {
	ratio := math.Exp(mu + 0.6*rng.NormFloat64()) // income over the line
	if rng.IntN(200) == 0 {
		ratio = 0 // no income at all this year
	}
	frailty := math.Exp(0.4 * rng.NormFloat64())
	f := 2 / (1 + ratio) * frailty
	var mask uint32
	for j, base := range syntheticBase {
		if rng.Float64() < min(base*f, 0.95) {
			mask |= 1 << j
		}
	}
	return int64(ratio * SyntheticLine), mask
}
