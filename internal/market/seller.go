package market

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// SellerKind says who stands behind a seller.
type SellerKind string

// The kinds of seller. A household seller is one household of the registry;
// its sales count towards that household's income. A cooperative's count
// towards its members' households, by their shares.
const (
	KindHousehold   SellerKind = "household"
	KindCooperative SellerKind = "cooperative"
)

// SellerStatus is where a seller stands with its county.
type SellerStatus string

// A seller is registered pending; its county approves it before it may put
// products on sale or take a room live, and may suspend it later.
const (
	SellerPending   SellerStatus = "pending"
	SellerApproved  SellerStatus = "approved"
	SellerSuspended SellerStatus = "suspended"
)

// CanBecome reports whether a seller may move from s to next.
func (s SellerStatus) CanBecome(next SellerStatus) bool {
	switch s {
	case SellerPending:
		return next == SellerApproved || next == SellerSuspended
	case SellerApproved:
		return next == SellerSuspended
	case SellerSuspended:
		return next == SellerApproved
	}
	return false
}

// ShareWhole is a whole cooperative in basis points: members' shares sum to it.
const ShareWhole = 10_000

// MaxMembers bounds the households of one cooperative.
const MaxMembers = 500

// Member is a household of a cooperative and its share of the income, in
// basis points.
type Member struct {
	Household string `json:"household"`
	Share     int64  `json:"share"`
}

// Seller is a household or cooperative in a poor area that sells produce.
type Seller struct {
	ID   string     `json:"id"`
	Name string     `json:"name"`
	Kind SellerKind `json:"kind"`
	// Region is the seller's region code; scope is applied to it.
	Region string `json:"region"`
	// Household is the registry household's ref when Kind is household.
	Household string `json:"household,omitempty"`
	// Members are a cooperative's households; none means the cooperative
	// keeps its income itself.
	Members []Member     `json:"members,omitempty"`
	Status  SellerStatus `json:"status"`
	// UserID is the account that runs the seller (0 when none yet).
	UserID    int64     `json:"user_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the seller on its own; that its region and households
// exist, and that the households lie in its region, is left to the store.
func (s *Seller) Validate() error {
	s.Name, s.Region, s.Household = strings.TrimSpace(s.Name), strings.TrimSpace(s.Region), strings.TrimSpace(s.Household)
	switch {
	case s.Name == "":
		return tide.Invalid("name", "name is required")
	case utf8.RuneCountInString(s.Name) > MaxNameLen:
		return tide.Invalid("name", "name is longer than %d characters", MaxNameLen)
	case s.Kind != KindHousehold && s.Kind != KindCooperative:
		return tide.Invalid("kind", "kind must be household or cooperative")
	case s.Region == "":
		return tide.Invalid("region", "region is required")
	case s.Kind == KindHousehold && s.Household == "":
		return tide.Invalid("household", "a household seller needs its household's reference")
	case s.Kind == KindCooperative && s.Household != "":
		return tide.Invalid("household", "a cooperative is not one household")
	case s.Kind == KindHousehold && len(s.Members) > 0:
		return tide.Invalid("members", "only a cooperative has members")
	case len(s.Members) > MaxMembers:
		return tide.Invalid("members", "a cooperative may have at most %d member households", MaxMembers)
	case s.UserID < 0:
		return tide.Invalid("user_id", "user must be a positive ID")
	}
	return validateMembers(s.Members)
}

func validateMembers(ms []Member) error {
	if len(ms) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ms))
	var sum int64
	for i := range ms {
		m := &ms[i]
		m.Household = strings.TrimSpace(m.Household)
		field := fmt.Sprintf("members[%d]", i)
		switch {
		case m.Household == "":
			return tide.Invalid(field+".household", "member %d needs its household's reference", i+1)
		case seen[m.Household]:
			return tide.Invalid(field+".household", "household %s is listed twice", m.Household)
		case m.Share <= 0 || m.Share > ShareWhole:
			return tide.Invalid(field+".share", "a share is between 1 and %d basis points", ShareWhole)
		}
		seen[m.Household] = true
		sum += m.Share
	}
	if sum != ShareWhole {
		return tide.Invalid("members", "shares add up to %d basis points, not %d", sum, ShareWhole)
	}
	return nil
}

// SellerFilter selects sellers.
type SellerFilter struct {
	Prefix string // region code prefix; scope is applied on top
	Status SellerStatus
	UserID int64
	Offset int
	Limit  int
}

// households returns the registry households that share the seller's income
// and their shares in basis points.
func (s *Seller) households() []Member {
	if s.Kind == KindHousehold {
		return []Member{{Household: s.Household, Share: ShareWhole}}
	}
	return s.Members
}

// splitShares divides total among members by their shares, by largest
// remainder, so that the parts add up to total exactly: each part is rounded
// down and the units left over go to the largest remainders, earlier members
// first among equals.
func splitShares(total int64, members []Member) []int64 {
	parts := make([]int64, len(members))
	rems := make([]int64, len(members))
	var given int64
	for i, m := range members {
		// total ≤ MaxPrice × MaxOrderQuantity and share ≤ 10,000, so the
		// product stays inside an int64.
		parts[i], rems[i] = total*m.Share/ShareWhole, total*m.Share%ShareWhole
		given += parts[i]
	}
	for left := total - given; left > 0; left-- {
		best := -1
		for i := range rems {
			if rems[i] >= 0 && (best < 0 || rems[i] > rems[best]) {
				best = i
			}
		}
		parts[best]++
		rems[best] = -1
	}
	return parts
}
