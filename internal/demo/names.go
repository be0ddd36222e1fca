package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/tide-project/tide/internal/region"
)

// Syllables for fictional place names; no real place is meant.
var syllables = []rune("青云石桥河山田林溪岭花水竹松梅兰安和平乐丰泰宁新龙凤金银白红东西南北上下中")

func placeName(rng *rand.Rand, suffix string) string {
	a, b := syllables[rng.IntN(len(syllables))], syllables[rng.IntN(len(syllables))]
	return string([]rune{a, b}) + suffix
}

// buildTree returns the province's regions, parents before children, with
// China-style path codes: 2 + 2 + 2 + 3 + 3 digits.
func buildTree(rng *rand.Rand, s Shape) []*region.Region {
	out := []*region.Region{{Code: ProvinceCode, Name: "潮汐省 (demo)", Level: region.Province}}
	for pi := 0; pi < s.Prefectures; pi++ {
		pref := &region.Region{Code: fmt.Sprintf("%s%02d", ProvinceCode, pi+1), Name: placeName(rng, "市"),
			Level: region.Prefecture, Parent: ProvinceCode}
		out = append(out, pref)
		for ci := 0; ci < s.CountiesPerPref[pi%len(s.CountiesPerPref)]; ci++ {
			county := &region.Region{Code: fmt.Sprintf("%s%02d", pref.Code, ci+1), Name: placeName(rng, "县"),
				Level: region.County, Parent: pref.Code}
			out = append(out, county)
			for ti := 0; ti < s.TownshipsPerCounty; ti++ {
				town := &region.Region{Code: fmt.Sprintf("%s%03d", county.Code, ti+1), Name: placeName(rng, "镇"),
					Level: region.Township, Parent: county.Code}
				out = append(out, town)
				for vi := 0; vi < s.VillagesPerTownship; vi++ {
					out = append(out, &region.Region{Code: fmt.Sprintf("%s%03d", town.Code, vi+1),
						Name: placeName(rng, "村"), Level: region.Village, Parent: town.Code})
				}
			}
		}
	}
	return out
}
