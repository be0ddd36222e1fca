package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The message catalogue: one file, every key in every language.
//
//go:embed catalogue.json
var catalogueJSON []byte

// Languages the pages speak, the first being the default.
var Languages = []string{"en", "zh"}

var catalogue = mustCatalogue()

func mustCatalogue() map[string]map[string]string {
	var c map[string]map[string]string
	if err := json.Unmarshal(catalogueJSON, &c); err != nil {
		panic(fmt.Sprintf("catalogue.json: %v", err))
	}
	return c
}

// translate returns the message for key in lang, formatted with args. A
// missing key shows itself, so it is seen and fixed, never silently blank.
func translate(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	s, ok := m[lang]
	if !ok {
		s = m["en"]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// language picks the page language: the cookie, then Accept-Language.
func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if c.Value == l {
				return l
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "zh") {
		return "zh"
	}
	return "en"
}
