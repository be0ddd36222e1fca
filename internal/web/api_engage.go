package web

import (
	"io"
	"net/http"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/tide"
)

// routeEngageAPI registers needs, donations and the ledger's check.
func (s *Server) routeEngageAPI() {
	m := func(pattern string, h http.HandlerFunc) { s.api(pattern, s.needEngage(h)) }
	m("GET /api/v1/needs", s.apiNeeds)
	m("POST /api/v1/needs", s.apiCreateNeed)
	m("GET /api/v1/needs/{id}", s.apiNeed)
	m("GET /api/v1/needs/{id}/donors", s.apiNeedDonors)
	m("POST /api/v1/needs/{id}/approve", s.apiApproveNeed)
	m("POST /api/v1/needs/{id}/cancel", s.apiCancelNeed)
	m("POST /api/v1/needs/{id}/donations", s.apiDonate)
	m("GET /api/v1/donations", s.apiDonations)
	m("GET /api/v1/donations/{id}", s.apiReceipt)
	m("POST /api/v1/donations/callback/{provider}", s.apiDonationCallback)
	m("GET /api/v1/ledger/verify", s.apiVerifyLedger)
	s.routeNeedProof()
}

// needEngage answers 404 while the server runs without needs and donations.
func (s *Server) needEngage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Engage == nil {
			s.Error(w, r, tide.NotFound("route"))
			return
		}
		h(w, r)
	}
}

// apiNeeds lists approved needs as the public sees them; ?state=funded or
// delivered lists those instead.
func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Engage.PublicNeeds(r.Context(), engage.NeedFilter{State: engage.NeedState(q.Get("state")),
		Prefix: q.Get("region"), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*engage.PublicNeed]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiNeed(w http.ResponseWriter, r *http.Request) {
	n, err := s.Engage.PublicNeed(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, n, err)
}

// apiNeedDonors lists a need's latest paid gifts, naming only the donors
// who chose to be named.
func (s *Server) apiNeedDonors(w http.ResponseWriter, r *http.Request) {
	list, err := s.Engage.PublicDonors(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, map[string][]engage.Donor{"items": nonNil(list)}, err)
}

// NeedInput is the body of POST /api/v1/needs.
type NeedInput struct {
	Kind        engage.Kind `json:"kind"`
	Region      string      `json:"region"`
	Household   string      `json:"household"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Amount      int64       `json:"amount"`
	Currency    string      `json:"currency"`
}

func (s *Server) apiCreateNeed(w http.ResponseWriter, r *http.Request) {
	var in NeedInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	n := &engage.Need{Kind: in.Kind, Region: in.Region, Household: in.Household, Title: in.Title,
		Description: in.Description, Amount: in.Amount, Currency: in.Currency}
	err := s.Engage.CreateNeed(r.Context(), n)
	answer(s, w, r, http.StatusCreated, n, err)
}

func (s *Server) apiApproveNeed(w http.ResponseWriter, r *http.Request) {
	n, err := s.Engage.ApproveNeed(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, n, err)
}

func (s *Server) apiCancelNeed(w http.ResponseWriter, r *http.Request) {
	n, err := s.Engage.CancelNeed(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, n, err)
}

func (s *Server) apiDonate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Amount int64 `json:"amount"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.Engage.Donate(r.Context(), r.PathValue("id"), in.Amount)
	answer(s, w, r, http.StatusCreated, d, err)
}

// apiDonations lists the caller's own donations.
func (s *Server) apiDonations(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Engage.Donations(r.Context(), engage.DonationFilter{Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*engage.Donation]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

// apiReceipt answers the receipt of one of the caller's donations.
func (s *Server) apiReceipt(w http.ResponseWriter, r *http.Request) {
	rc, err := s.Engage.Receipt(r.Context(), r.PathValue("id"))
	answer(s, w, r, http.StatusOK, rc, err)
}

// apiDonationCallback takes a provider's signed report of a donation's
// payment; it needs no account, since the signature is the authentication.
func (s *Server) apiDonationCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		s.Error(w, r, bodyError(err))
		return
	}
	if err := s.Engage.DonationCallback(r.Context(), r.PathValue("provider"), r.Header, body); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiVerifyLedger(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Engage.VerifyLedger(r.Context())
	answer(s, w, r, http.StatusOK, rep, err)
}

// answer writes v with status, or the error.
func answer[T any](s *Server, w http.ResponseWriter, r *http.Request, status int, v T, err error) {
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, status, v)
}
