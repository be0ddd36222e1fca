package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/market"
)

func TestAppendOrderJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 30, 1, 120_000_000, time.UTC)
	for name, o := range map[string]*market.Order{
		"Plain": {ID: market.NewID(), RoomID: "r1", ProductID: "p1", BuyerID: 42, Quantity: 3, UnitPrice: 2800, Total: 8400,
			Currency: "CNY", State: market.Placed, CreatedAt: at, UpdatedAt: at.Add(time.Nanosecond)},
		"Escapes": {ID: "a\"b\\c", RoomID: "<room>&", ProductID: "茶\n", State: "x\u2028y", CreatedAt: at.In(time.FixedZone("", 8*3600))},
		"Zero":    {},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendOrderJSON(nil, o); string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestParseOrderBodyAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		body string
		fast bool // whether the hand parser takes it
	}{
		{`{"product":"p1","quantity":2}`, true},
		{` { "quantity" : 7 ,"product" : "01jabc" } ` + "\n", true},
		{`{"product":"p1","quantity":-4}`, true},
		{`{"product":"p1","quantity":999999999}`, true},
		{`{"product":"p1"}`, true},
		{`{"product":"p1","quantity":1e3}`, false},
		{`{"product":"p1","quantity":1.0}`, false},
		{`{"product":"p1","quantity":99999999999999999999}`, false},
		{`{"product":"p1","quantity":012}`, false},
		{`{"product":"p\u0031","quantity":1}`, false},
		{`{"product":"p1","quantity":1,"extra":true}`, false},
		{`{"product":"p1","product":"p2","quantity":1}`, false},
		{`{"product":"p1","quantity":1} trailing`, false},
		{`{"product":"p1",}`, false},
		{`{"product":"p1","quantity":"2"}`, false},
		{`[]`, false},
	} {
		var fast orderBody
		if got := parseOrderBody([]byte(tc.body), &fast); got != tc.fast {
			t.Errorf("%s: hand parser took it = %v, want %v", tc.body, got, tc.fast)
			continue
		}
		if !tc.fast {
			continue
		}
		var std orderBody
		if err := json.Unmarshal([]byte(tc.body), &std); err != nil || std != fast {
			t.Errorf("%s: hand parser read %+v, encoding/json %+v (%v)", tc.body, fast, std, err)
		}
	}
}
