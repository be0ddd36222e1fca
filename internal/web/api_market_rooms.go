package web

import (
	"net/http"
	"time"

	"github.com/tide-project/tide/internal/market"
)

func (s *Server) routeRoomAPI(m func(string, http.HandlerFunc)) {
	m("GET /api/v1/rooms", s.apiRooms)
	m("POST /api/v1/rooms", s.apiCreateRoom)
	m("GET /api/v1/rooms/{room}", s.apiRoom)
	m("POST /api/v1/rooms/{room}/status", s.apiRoomStatus)
	m("GET /api/v1/rooms/{room}/comments", s.apiComments)
	m("POST /api/v1/rooms/{room}/comments", s.apiComment)
	m("DELETE /api/v1/rooms/{room}/comments/{comment}", s.apiRemoveComment)
}

func (s *Server) apiRooms(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, total, err := s.Market.Rooms(r.Context(), market.RoomFilter{Status: market.RoomStatus(q.Get("status")),
		SellerID: q.Get("seller"), Offset: offset, Limit: limit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*market.Room]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

// RoomInput is what a client sends to schedule a live room.
type RoomInput struct {
	Seller    string    `json:"seller"`
	Title     string    `json:"title"`
	StreamURL string    `json:"stream_url"`
	StartsAt  time.Time `json:"starts_at"`
	Products  []string  `json:"products"`
}

func (s *Server) apiCreateRoom(w http.ResponseWriter, r *http.Request) {
	var in RoomInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	room := &market.Room{SellerID: in.Seller, Title: in.Title, StreamURL: in.StreamURL, StartsAt: in.StartsAt, Products: in.Products}
	if err := s.Market.CreateRoom(r.Context(), room); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rooms/"+room.ID)
	writeJSON(w, http.StatusCreated, room)
}

func (s *Server) apiRoom(w http.ResponseWriter, r *http.Request) {
	room, err := s.Market.FindRoom(r.Context(), r.PathValue("room"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, room)
}

func (s *Server) apiRoomStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status market.RoomStatus `json:"status"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	room, err := s.Market.SetRoomStatus(r.Context(), r.PathValue("room"), in.Status)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, room)
}

func (s *Server) apiComments(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r.URL.Query().Get("limit"), "limit")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.Market.Comments(r.Context(), r.PathValue("room"), limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(list)})
}

func (s *Server) apiComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.Market.Comment(r.Context(), r.PathValue("room"), in.Text)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiRemoveComment(w http.ResponseWriter, r *http.Request) {
	if err := s.Market.RemoveComment(r.Context(), r.PathValue("room"), r.PathValue("comment")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
