package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// ProductInput is what a client sends to list or change a product.
type ProductInput struct {
	Seller      string `json:"seller"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
	Stock       int64  `json:"stock"`
	BuyerLimit  int64  `json:"buyer_limit"`
	Origin      string `json:"origin"`
	OnSale      bool   `json:"on_sale"`
}

// Product returns the input as a market product.
func (in *ProductInput) Product() *market.Product {
	return &market.Product{SellerID: in.Seller, Name: in.Name, Unit: in.Unit, Description: in.Description, Price: in.Price,
		Currency: in.Currency, Stock: in.Stock, BuyerLimit: in.BuyerLimit, Origin: in.Origin, OnSale: in.OnSale}
}

func (s *Server) apiProducts(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := paging(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := market.ProductFilter{SellerID: q.Get("seller"), Prefix: q.Get("region"), Offset: offset, Limit: limit}
	if v := q.Get("on_sale"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.Error(w, r, tide.Invalid("on_sale", "on_sale must be true or false"))
			return
		}
		f.OnSale = &b
	}
	list, total, err := s.Market.Products(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page[*market.Product]{Items: nonNil(list), Total: total, Offset: offset, Limit: limit})
}

func (s *Server) apiCreateProduct(w http.ResponseWriter, r *http.Request) {
	var in ProductInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	p := in.Product()
	if err := s.Market.CreateProduct(r.Context(), p); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/products/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.Market.FindProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiUpdateProduct(w http.ResponseWriter, r *http.Request) {
	var in ProductInput
	if err := decode(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	p := in.Product()
	p.ID = r.PathValue("id")
	if err := s.Market.UpdateProduct(r.Context(), p); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiAddPhoto takes a multipart upload whose "photo" part is the picture.
// The body may pass the photo limit by a little, for the multipart framing,
// so that the service itself refuses a photo one byte too large, naming the
// limit.
func (s *Server) apiAddPhoto(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, market.MaxPhotoBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		s.Error(w, r, tide.Invalid("photo", "send the photo as multipart/form-data in a part named photo"))
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			s.Error(w, r, tide.Invalid("photo", "the form has no part named photo"))
			return
		} else if err != nil {
			if e := bodyError(err); tide.ErrorCode(e) == tide.ETOOLARGE {
				err = e
			} else {
				err = tide.Invalid("photo", "malformed multipart body: %v", err)
			}
			s.Error(w, r, err)
			return
		}
		if part.FormName() != "photo" {
			continue
		}
		id, err := s.Market.AddPhoto(r.Context(), r.PathValue("id"), part)
		if err != nil {
			s.Error(w, r, bodyError(err))
			return
		}
		w.Header().Set("Location", "/api/v1/photos/"+id)
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
		return
	}
}

func (s *Server) apiRemovePhoto(w http.ResponseWriter, r *http.Request) {
	if err := s.Market.RemovePhoto(r.Context(), r.PathValue("id"), r.PathValue("photo")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiPhoto(w http.ResponseWriter, r *http.Request) {
	rc, ct, err := s.Market.OpenPhoto(r.Context(), r.PathValue("photo"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", ct)
	// A photo never changes under its ID.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	io.Copy(w, rc)
}
