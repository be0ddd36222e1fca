package registry

import (
	"regexp"
	"strings"
	"testing"
)

// TestShapes checks the hand-written shape checks against the regular
// expressions they stand for.
func TestShapes(t *testing.T) {
	checks := []struct {
		name string
		re   *regexp.Regexp
		fn   func(string) bool
	}{
		{"IDNumber", regexp.MustCompile(`^[0-9A-Za-z]{4,32}$`), isIDNumber},
		{"IndicatorName", regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`), isIndicatorName},
		{"DateShape", regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`), isDateShape},
	}
	inputs := []string{"", "a", "abc", "abcd", "52010119800101001X", "5201011980010100 1X", "52010119800101001x",
		strings.Repeat("9", 32), strings.Repeat("9", 33), "身份证号码", "ab-c", "ab_c", "Abcd", "food_secure", "_food",
		"9food", "food secure", "food-secure", "a" + strings.Repeat("b", 39), "a" + strings.Repeat("b", 40),
		"2020-01-31", "2020-1-31", "2020/01/31", "20200-01-3", "2020-01-311", "２０２０-01-31", "2020-0a-31", "----------",
		"0000-00-00", "2020-01-31\n"}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, in := range inputs {
				if got, want := c.fn(in), c.re.MatchString(in); got != want {
					t.Errorf("%q: got %v, want %v", in, got, want)
				}
			}
		})
	}
}
