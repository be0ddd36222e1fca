// Package registry holds every registered poor household: its members, why it
// is poor, its status through the campaign (identified → assisted → exited →
// monitored, and back to poor where that happens), the help it received, the
// cadre paired with it, its exit workflow and its return-to-poverty watch.
package registry

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// Status is where a household stands in the campaign.
type Status string

// The statuses. Returned marks a household that had exited and fell back.
const (
	Identified Status = "identified"
	Assisted   Status = "assisted"
	Exited     Status = "exited"
	Monitored  Status = "monitored"
	Returned   Status = "returned"
)

// Statuses lists them in lifecycle order.
var Statuses = []Status{Identified, Assisted, Exited, Monitored, Returned}

// Poor reports whether the status counts the household as registered poor.
func (s Status) Poor() bool { return s == Identified || s == Assisted || s == Returned }

// Household is one registered household.
type Household struct {
	ID      int64  `json:"-"`
	Ref     string `json:"ref"`
	Village string `json:"village"`
	Status  Status `json:"status"`
	// IncomePerPerson is the annual net income per person, in minor units.
	IncomePerPerson int64 `json:"income_per_person"`
	// LastYearIncome is last year's income per person (0 = unknown).
	LastYearIncome int64 `json:"last_year_income"`
	// MarketIncome is this year's income of the whole household from market
	// sales, in minor units; the store fills it from the market's credits.
	MarketIncome int64 `json:"market_income"`
	// ShockCosts is this year's medical, disaster and other rigid costs of the
	// household, in minor units.
	ShockCosts int64 `json:"shock_costs"`
	// Indicators holds the policy facts: 1/0 for met/not met, or a number.
	Indicators map[string]float64 `json:"indicators"`
	Cadre      Cadre              `json:"cadre"`
	Members    []Member           `json:"members"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
}

// Cadre is the official paired with the household.
type Cadre struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Member is one person of a household.
type Member struct {
	ID       int64  `json:"-"`
	Name     string `json:"name"`
	Sex      string `json:"sex"`        // "f", "m" or "x"
	Birth    string `json:"birth_date"` // YYYY-MM-DD
	Relation string `json:"relation"`
	// IDNumber is the national ID number in plain text inside the program; the
	// store keeps it sealed. Reads show it masked unless the role may see it.
	IDNumber         string `json:"id_number"`
	Phone            string `json:"phone"`
	Disability       string `json:"disability"`
	Health           string `json:"health"`
	Schooling        string `json:"schooling"`
	MedicalInsurance bool   `json:"medical_insurance"`

	// Set by the service for the store: the sealed ID number, its keyed hash
	// and the normalised phone.
	IDSealed  []byte `json:"-"`
	IDHash    string `json:"-"`
	PhoneNorm string `json:"-"`
}

// Relations a member may have to the head.
var Relations = []string{"head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "in_law", "other"}

// Limits.
const (
	MaxMembers    = 30
	MaxText       = 100
	MaxIndicators = 40
	MaxIncome     = 1_000_000_000_00 // a billion in major units: anything above is a typo
)

// Validate checks the household's own fields and members; the village's
// existence and scope are checked by the service.
func (h *Household) Validate(now time.Time) error {
	switch {
	case h.Village == "":
		return tide.Invalid("village", "village is required")
	case h.IncomePerPerson < -MaxIncome || h.IncomePerPerson > MaxIncome:
		return tide.Invalid("income_per_person", "income per person is out of range")
	case h.LastYearIncome < 0 || h.LastYearIncome > MaxIncome:
		return tide.Invalid("last_year_income", "last year's income must be 0 or more and in range")
	case h.ShockCosts < 0 || h.ShockCosts > MaxIncome:
		return tide.Invalid("shock_costs", "shock costs must be 0 or more and in range")
	case len(h.Indicators) > MaxIndicators:
		return tide.Invalid("indicators", "at most %d indicators", MaxIndicators)
	case utf8.RuneCountInString(h.Cadre.Name) > MaxText:
		return tide.Invalid("cadre.name", "longer than %d characters", MaxText)
	case len(h.Members) == 0:
		return tide.Invalid("members", "a household has at least one member")
	case len(h.Members) > MaxMembers:
		return tide.Invalid("members", "at most %d members", MaxMembers)
	}
	if h.Cadre.Phone != "" {
		if NormalizePhone(h.Cadre.Phone) == "" {
			return tide.Invalid("cadre.phone", "not a phone number")
		}
	}
	for k := range h.Indicators {
		if !isIndicatorName(k) {
			return tide.Invalid("indicators."+k, "indicator names are lower-case snake_case")
		}
	}
	heads := 0
	for i := range h.Members {
		m := &h.Members[i]
		if err := m.validate(fmt.Sprintf("members[%d].", i), now); err != nil {
			return err
		}
		if m.Relation == "head" {
			heads++
		}
	}
	if heads != 1 {
		return tide.Invalid("members", "a household has exactly one head (relation \"head\"), found %d", heads)
	}
	return nil
}

func (m *Member) validate(at string, now time.Time) error {
	m.Name = strings.TrimSpace(m.Name)
	m.IDNumber = strings.ToUpper(strings.TrimSpace(m.IDNumber))
	m.Sex = strings.ToLower(strings.TrimSpace(m.Sex))
	m.Relation = strings.ToLower(strings.TrimSpace(m.Relation))
	switch {
	case m.Name == "":
		return tide.Invalid(at+"name", "name is required")
	case utf8.RuneCountInString(m.Name) > MaxText:
		return tide.Invalid(at+"name", "name is longer than %d characters", MaxText)
	case m.Sex != "f" && m.Sex != "m" && m.Sex != "x":
		return tide.Invalid(at+"sex", "sex must be f, m or x")
	case !validRelation(m.Relation):
		return tide.Invalid(at+"relation", "relation must be one of %s", strings.Join(Relations, ", "))
	case m.IDNumber != "" && !isIDNumber(m.IDNumber):
		return tide.Invalid(at+"id_number", "an ID number is 4 to 32 letters and digits")
	case len(m.IDNumber) == 18 && isChineseID(m.IDNumber) && !chineseIDChecksumOK(m.IDNumber):
		return tide.Invalid(at+"id_number", "the check digit of this 18-digit ID number is wrong")
	case m.Phone != "" && NormalizePhone(m.Phone) == "":
		return tide.Invalid(at+"phone", "not a phone number")
	}
	for _, f := range []struct{ name, v string }{{"disability", m.Disability}, {"health", m.Health}, {"schooling", m.Schooling}} {
		if utf8.RuneCountInString(f.v) > MaxText {
			return tide.Invalid(at+f.name, "longer than %d characters", MaxText)
		}
	}
	if !isDateShape(m.Birth) {
		return tide.Invalid(at+"birth_date", "birth date must be YYYY-MM-DD")
	}
	b, err := time.Parse("2006-01-02", m.Birth)
	if err != nil {
		return tide.Invalid(at+"birth_date", "birth date is not a real date")
	}
	if b.After(now) || b.Year() < 1890 {
		return tide.Invalid(at+"birth_date", "birth date must be in the past and after 1890")
	}
	return nil
}

func validRelation(r string) bool {
	for _, x := range Relations {
		if x == r {
			return true
		}
	}
	return false
}

func isChineseID(s string) bool {
	for i, c := range s {
		if !(c >= '0' && c <= '9') && !(i == 17 && c == 'X') {
			return false
		}
	}
	return true
}

// chineseIDChecksumOK checks the ISO 7064 MOD 11-2 check character of an
// 18-character resident identity number (GB 11643-1999).
func chineseIDChecksumOK(s string) bool {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11] == s[17]
}

// ChineseIDCheck returns the check character for the first 17 digits.
func ChineseIDCheck(first17 string) byte {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// NormalizePhone reduces a phone number to its digits without a country
// prefix for China (+86 / 0086), or "" when it is not a phone number.
func NormalizePhone(p string) string {
	var b strings.Builder
	for i, c := range strings.TrimSpace(p) {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return ""
		}
	}
	d := b.String()
	d = strings.TrimPrefix(d, "0086")
	if strings.HasPrefix(strings.TrimSpace(p), "+86") {
		d = strings.TrimPrefix(d, "86")
	}
	if len(d) < 5 || len(d) > 15 {
		return ""
	}
	return d
}

// MaskID shows the first 3 and last 4 characters of an ID number.
func MaskID(id string) string {
	if len(id) <= 7 {
		return strings.Repeat("*", len(id))
	}
	return id[:3] + strings.Repeat("*", len(id)-7) + id[len(id)-4:]
}

// MaskPhone shows the last 4 digits of a phone number.
func MaskPhone(p string) string {
	if len(p) <= 4 {
		return p
	}
	return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
}

// Persons is the number of members.
func (h *Household) Persons() int { return len(h.Members) }
