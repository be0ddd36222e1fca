package web

import (
	"io"
	"net/http"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// MaxCallbackBody bounds a payment provider's callback.
const MaxCallbackBody = 64 << 10

func (s *Server) routeOrderAPI(m func(string, http.HandlerFunc)) {
	m("GET /api/v1/orders", s.apiOrders)
	m("GET /api/v1/orders/{order}", s.apiOrder)
	m("POST /api/v1/orders/{order}/pay", s.apiPay)
	m("POST /api/v1/orders/{order}/ship", s.apiShip)
	m("POST /api/v1/orders/{order}/deliver", s.apiDeliver)
	m("POST /api/v1/orders/{order}/refund", s.apiRefund)
	m("POST /api/v1/orders/{order}/cancel", s.apiCancel)
	m("POST /api/v1/payments/{provider}/callback", s.apiPaymentCallback)
}

// apiOrders lists the caller's orders, or a seller's with ?seller=ID.
func (s *Server) apiOrders(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := market.OrderFilter{SellerID: q.Get("seller"), State: market.State(q.Get("state")), Offset: offset, Limit: limit}
	f.Mine = f.SellerID == ""
	list, total, err := s.Market.Orders(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*market.Order]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.Market.FindOrder(r.Context(), r.PathValue("order"))
	s.answerOrder(w, r, o, err)
}

func (s *Server) answerOrder(w http.ResponseWriter, r *http.Request, o *market.Order, err error) {
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiPay(w http.ResponseWriter, r *http.Request) {
	p, err := s.Market.Pay(r.Context(), r.PathValue("order"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiShip(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Tracking string `json:"tracking"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.Market.Ship(r.Context(), r.PathValue("order"), in.Tracking)
	s.answerOrder(w, r, o, err)
}

func (s *Server) apiDeliver(w http.ResponseWriter, r *http.Request) {
	o, err := s.Market.Deliver(r.Context(), r.PathValue("order"))
	s.answerOrder(w, r, o, err)
}

func (s *Server) apiRefund(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.Market.Refund(r.Context(), r.PathValue("order"), in.Reason)
	s.answerOrder(w, r, o, err)
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request) {
	o, err := s.Market.CancelOrder(r.Context(), r.PathValue("order"))
	s.answerOrder(w, r, o, err)
}

// apiPaymentCallback takes a provider's signed report; it needs no account,
// since the signature is the authentication.
func (s *Server) apiPaymentCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		if e := bodyError(err); tide.ErrorCode(e) == tide.ETOOLARGE {
			err = e
		}
		s.Error(w, r, err)
		return
	}
	if err := s.Market.PaymentCallback(r.Context(), r.PathValue("provider"), r.Header, body); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
