package engage

import (
	"strconv"

	"github.com/tide-project/tide/internal/tide"
)

// The ledger's accounts. A donor's account is outside Tide, so its balance
// is the negative of what the donor has given and not had back.
const (
	Escrow    = "escrow"
	Delivered = "delivered"
)

// DonorAccount is the ledger account of a donor.
func DonorAccount(userID int64) string { return "donor:" + strconv.FormatInt(userID, 10) }

// NeedAccount is the ledger account holding a need's money until delivery.
func NeedAccount(needID string) string { return "need:" + needID }

// Entry is one leg of a posting: money into an account (positive) or out of
// it (negative).
type Entry struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// Posting is one ledger transaction. Its entries sum to zero; its key makes
// it idempotent, so posting the same key again writes nothing more.
type Posting struct {
	Key      string  `json:"key"`
	Currency string  `json:"currency"`
	Entries  []Entry `json:"entries"`
}

// Validate checks that the posting has a key, a currency and non-zero legs
// that sum to zero.
func (p *Posting) Validate() error {
	if p.Key == "" {
		return tide.Invalid("key", "a posting needs a key")
	}
	if p.Currency == "" {
		return tide.Invalid("currency", "a posting needs a currency")
	}
	if len(p.Entries) < 2 {
		return tide.Invalid("entries", "a posting needs two entries or more")
	}
	var sum int64
	for _, e := range p.Entries {
		if e.Account == "" || e.Amount == 0 {
			return tide.Invalid("entries", "every entry needs an account and a non-zero amount")
		}
		sum += e.Amount
	}
	if sum != 0 {
		return tide.Invalid("entries", "the entries of %s sum to %d, not zero", p.Key, sum)
	}
	return nil
}

// transfer returns a posting moving amount along path: out of the first
// account, through each one between, into the last.
func transfer(key, currency string, amount int64, path ...string) *Posting {
	p := &Posting{Key: key, Currency: currency}
	for i := 1; i < len(path); i++ {
		p.Entries = append(p.Entries, Entry{path[i-1], -amount}, Entry{path[i], amount})
	}
	return p
}

// Balance is an account's balance in one currency.
type Balance struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// LedgerReport is what VerifyLedger finds: every transaction checked, those
// whose entries do not sum to zero, and every account's balance.
type LedgerReport struct {
	Transactions int       `json:"transactions"`
	Unbalanced   []string  `json:"unbalanced"`
	Balances     []Balance `json:"balances"`
	OK           bool      `json:"ok"`
}
