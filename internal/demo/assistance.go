package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/registry"
)

// measureKinds chooses one or two kinds of help that fit the household.
func (g *generator) measureKinds(rng *rand.Rand, pl *plan, ps []person) []string {
	var sick, pupils, old bool
	for _, p := range ps {
		sick = sick || p.m.Health != "健康"
		pupils = pupils || p.inSchool
		old = old || p.age >= 65
	}
	chance := map[string]int{"industry": 55, "employment": 40, "education": 0, "health": 0, "social_security": 0,
		"relocation": 0, "ecological": int(20 * pl.area.remote)}
	if pl.kind != ableFamily {
		chance["industry"], chance["employment"] = 20, 15
	}
	if pupils {
		chance["education"] = 50
	}
	if sick {
		chance["health"] = 60
	}
	if pl.kind == elderlyHome || pl.kind == sickFamily && old {
		chance["social_security"] = 75
	}
	if pl.area.remote > 0.6 && pl.h.Indicators["safe_housing"] == 1 && rng.IntN(100) < 25 {
		chance["relocation"] = 100 // moved out of the hills: housing and water now safe
	}
	var out []string
	for _, k := range registry.AssistanceKinds {
		if rng.IntN(100) < chance[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		out = []string{"industry"}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if len(out) > 1 && rng.IntN(100) < 80 {
		return out[:1]
	}
	return out[:min(2, len(out))]
}

// measure draws one measure of kind, recorded at at.
func measure(rng *rand.Rand, kind string, at time.Time) registry.Assistance {
	d := measureTypes[kind]
	yuan := d.low + rng.Float64()*(d.high-d.low)
	return registry.Assistance{Kind: kind, Description: d.what[rng.IntN(len(d.what))], Cost: fen(math.Round(yuan/10) * 10),
		Date: at.Format("2006-01-02")}
}

// measureTypes are the measures of each kind, with their cost in yuan.
var measureTypes = map[string]struct {
	low, high float64
	what      []string
}{
	"industry":        {2000, 12000, []string{"产业扶持：发放能繁母牛1头", "茶苗种植补助", "中药材种植补助", "林下养鸡补助", "食用菌大棚入股分红"}},
	"employment":      {500, 3000, []string{"劳务输出交通补贴", "公益性岗位（村保洁员）", "技能培训补贴", "扶贫车间就业"}},
	"relocation":      {30000, 80000, []string{"易地扶贫搬迁安置", "易地扶贫搬迁集中安置点分房"}},
	"education":       {1000, 5000, []string{"雨露计划职业教育补助", "义务教育寄宿生生活补助", "普通高中助学金"}},
	"health":          {1000, 20000, []string{"大病医疗救助", "慢性病门诊补助", "家庭医生签约服务", "残疾人康复补助"}},
	"social_security": {2000, 6000, []string{"纳入农村低保", "特困人员供养", "残疾人两项补贴", "高龄津贴"}},
	"ecological":      {8000, 10000, []string{"生态护林员岗位", "退耕还林补助"}},
}

// Notes of the exit steps and monitoring steps, as a village would write them.
var stepNotes = map[string]string{
	"propose": "农户申请，村两委提名", "review": "村民代表大会民主评议通过", "check": "乡镇审核，村、乡两级公示",
	"approve": "县扶贫开发领导小组审定", "visit": "入户核实", "assist": "落实帮扶措施", "clear": "风险消除，稳定脱贫",
	"return": "因病因灾返贫，重新纳入帮扶",
}
