package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/registry"
)

// Surnames, most common first, and how often each is drawn (per mille,
// roughly the national shares); the rest share what is left.
var surnames = []struct {
	name string
	w    int
}{
	{"王", 72}, {"李", 71}, {"张", 66}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 22}, {"赵", 22},
	{"吴", 20}, {"周", 19}, {"徐", 14}, {"孙", 13}, {"马", 12}, {"朱", 11}, {"胡", 11}, {"郭", 10},
	{"何", 10}, {"林", 9}, {"罗", 9}, {"高", 9}, {"郑", 8}, {"梁", 8}, {"谢", 7}, {"宋", 7},
	{"唐", 7}, {"许", 6}, {"韩", 6}, {"冯", 6}, {"邓", 6}, {"曹", 6}, {"彭", 5}, {"曾", 5},
	{"肖", 5}, {"田", 5}, {"董", 5}, {"袁", 5}, {"潘", 4}, {"蒋", 4}, {"蔡", 4}, {"余", 4},
	{"杜", 4}, {"叶", 4}, {"程", 4}, {"魏", 4}, {"苏", 4}, {"吕", 4}, {"丁", 4}, {"任", 4},
	{"龙", 3}, {"石", 3}, {"侯", 3}, {"熊", 3}, {"雷", 3}, {"韦", 3}, {"蒙", 2}, {"麻", 2},
}

var surnameTotal = func() int {
	n := 0
	for _, s := range surnames {
		n += s.w
	}
	return n
}()

// Characters of given names, by the sex they are usually given to. No real
// person is meant: every name is drawn at random.
var (
	givenMale   = []rune("伟强军勇杰涛斌明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋锋磊国建文志永海东兴富贵德福安")
	givenFemale = []rune("芳娜敏静丽艳娟霞燕玲桂英秀兰花梅琴云莲红珍凤翠萍妹莉雪琳丹倩婷慧晶颖春菊")
	givenAny    = []rune("小金玉正家明新文春德自开光天永世")
)

func surname(rng *rand.Rand) string {
	n := rng.IntN(surnameTotal)
	for _, s := range surnames {
		if n -= s.w; n < 0 {
			return s.name
		}
	}
	return surnames[0].name
}

// givenName draws one or two characters; older people more often have two.
func givenName(rng *rand.Rand, sex string) string {
	pool := givenMale
	if sex == "f" {
		pool = givenFemale
	}
	first := pool[rng.IntN(len(pool))]
	if rng.IntN(10) < 4 {
		return string(first)
	}
	if rng.IntN(3) == 0 {
		return string([]rune{givenAny[rng.IntN(len(givenAny))], first})
	}
	return string([]rune{first, pool[rng.IntN(len(pool))]})
}

// personName is a full name in the Chinese order, surname first.
func personName(rng *rand.Rand, family, sex string) string {
	if family == "" {
		family = surname(rng)
	}
	return family + givenName(rng, sex)
}

// idNumbers hands out synthetic 18-character resident identity numbers
// (GB 11643-1999): the county's 6-digit code, the birth date, a 3-digit
// sequence that is odd for men and even for women, and the check character.
// No number repeats within one demo.
type idNumbers struct {
	used map[string]struct{}
}

func newIDNumbers(n int) *idNumbers { return &idNumbers{used: make(map[string]struct{}, n)} }

func (ids *idNumbers) next(rng *rand.Rand, county string, birth time.Time, sex string) string {
	for {
		seq := rng.IntN(500) * 2 // even: a woman
		if sex == "m" {
			seq++
		}
		first := fmt.Sprintf("%s%s%03d", county, birth.Format("20060102"), seq)
		if _, dup := ids.used[first]; dup {
			continue
		}
		ids.used[first] = struct{}{}
		return first + string(registry.ChineseIDCheck(first))
	}
}

// mobile is a synthetic 11-digit mobile number.
func mobile(rng *rand.Rand) string {
	prefixes := []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
		"155", "157", "158", "159", "177", "180", "182", "183", "185", "186", "187", "189", "199"}
	return fmt.Sprintf("%s%08d", prefixes[rng.IntN(len(prefixes))], rng.IntN(100_000_000))
}

// birthAt returns a birth date that makes a person age years old (and some
// days) on the day at.
func birthAt(rng *rand.Rand, at time.Time, age int) time.Time {
	return at.AddDate(-age, 0, -1-rng.IntN(364))
}

// ageOn returns the age in whole years on the day at.
func ageOn(birth, at time.Time) int {
	age := at.Year() - birth.Year()
	if at.YearDay() < birth.YearDay() {
		age--
	}
	return age
}

// Schooling as a village register writes it, by years completed.
func schoolingText(age, years int, inSchool bool) string {
	switch {
	case age < 6:
		return "学龄前"
	case inSchool && years < 6:
		return fmt.Sprintf("小学%d年级在读", years+1)
	case inSchool && years < 9:
		return fmt.Sprintf("初中%d年级在读", years-5)
	case inSchool && years < 12:
		return "高中在读"
	case inSchool:
		return "大学在读"
	case age <= 15:
		return "失学辍学"
	case years == 0:
		return "文盲或半文盲"
	case years < 6:
		return "小学未毕业"
	case years < 9:
		return "小学"
	case years < 12:
		return "初中"
	case years < 15:
		return "高中"
	}
	return "大专及以上"
}

// adultYears draws the years of school an adult completed, by age and the
// county's remoteness (0 near the city, 1 in the far hills).
func adultYears(rng *rand.Rand, age int, remote float64) int {
	r := rng.Float64() + remote*0.25
	switch {
	case age >= 60:
		return pick(r, []float64{0.25, 0.55, 0.85}, []int{9, 6, 3, 0})
	case age >= 40:
		return pick(r, []float64{0.12, 0.55, 0.88}, []int{12, 9, 6, 3})
	default:
		return pick(r, []float64{0.10, 0.30, 0.85}, []int{15, 12, 9, 6})
	}
}

// pick returns vals[i] for the first cut r falls below, or the last value.
func pick(r float64, cuts []float64, vals []int) int {
	for i, c := range cuts {
		if r < c {
			return vals[i]
		}
	}
	return vals[len(vals)-1]
}
