package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// routeMarketAPI registers the market's routes other than ordering and the
// live room's events and likes.
func (s *Server) routeMarketAPI() {
	m := func(pattern string, h http.HandlerFunc) { s.api(pattern, s.needMarket(h)) }
	m("GET /api/v1/sellers", s.apiSellers)
	m("POST /api/v1/sellers", s.apiCreateSeller)
	m("GET /api/v1/sellers/{id}", s.apiSeller)
	m("POST /api/v1/sellers/{id}/approve", s.apiApproveSeller)
	m("GET /api/v1/sellers/{id}/income", s.apiSellerIncome)
	m("GET /api/v1/products", s.apiProducts)
	m("POST /api/v1/products", s.apiCreateProduct)
	m("GET /api/v1/products/{id}", s.apiProduct)
	m("PUT /api/v1/products/{id}", s.apiUpdateProduct)
	m("POST /api/v1/products/{id}/photos", s.apiAddPhoto)
	m("DELETE /api/v1/products/{id}/photos/{photo}", s.apiRemovePhoto)
	m("GET /api/v1/photos/{photo}", s.apiPhoto)
	s.routeRoomAPI(m)
	s.routeOrderAPI(m)
}

// needMarket answers 404 while the server runs without a market.
func (s *Server) needMarket(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Market == nil {
			s.Error(w, r, tide.NotFound("route"))
			return
		}
		h(w, r)
	}
}

func (s *Server) apiSellers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("mine") == "true" {
		list, err := s.Market.SellersOf(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, page[*market.Seller]{Items: nonNil(list), Total: len(list), Limit: len(list)})
		return
	}
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, total, err := s.Market.Sellers(r.Context(), market.SellerFilter{Prefix: q.Get("region"),
		Status: market.SellerStatus(q.Get("status")), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*market.Seller]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

// SellerInput is what a client sends to register a seller.
type SellerInput struct {
	Name      string            `json:"name"`
	Kind      market.SellerKind `json:"kind"`
	Region    string            `json:"region"`
	Household string            `json:"household"`
	Members   []market.Member   `json:"members"`
	UserID    int64             `json:"user_id"`
}

func (s *Server) apiCreateSeller(w http.ResponseWriter, r *http.Request) {
	var in SellerInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sl := &market.Seller{Name: in.Name, Kind: in.Kind, Region: in.Region, Household: in.Household, Members: in.Members, UserID: in.UserID}
	if err := s.Market.CreateSeller(r.Context(), sl); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/sellers/"+sl.ID)
	writeJSON(w, http.StatusCreated, sl)
}

func (s *Server) apiSeller(w http.ResponseWriter, r *http.Request) {
	sl, err := s.Market.FindSeller(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sl)
}

func (s *Server) apiApproveSeller(w http.ResponseWriter, r *http.Request) {
	sl, err := s.Market.ApproveSeller(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sl)
}

func (s *Server) apiSellerIncome(w http.ResponseWriter, r *http.Request) {
	year := time.Now().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 9999 {
			s.Error(w, r, tide.Invalid("year", "year must be a four-digit year"))
			return
		}
		year = n
	}
	in, err := s.Market.Income(r.Context(), r.PathValue("id"), year)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}
